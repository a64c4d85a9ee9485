"""The repeated coercion game as a model: every run advancing together, one period per step.

The model is stated in ``docs/model.md``. Each period ``t`` the demander D asks the target T
for a concession ``x(mu_t)`` and attaches its instrument: a threat (punishment ``P`` carried
out with probability ``q`` if T resists, costing D ``k * P``), an offer (reward ``R * x``
delivered with probability ``rho`` if T complies; a guarantor raises ``rho``), both, or
nothing — constant, or on a dated schedule. T is privately pliable or resolute, with public
prior ``mu_0``; observers update the public belief ``mu_t = P(pliable | history)`` by Bayes'
rule from each response. M third parties watch and enter with threats of their own when the
target looks pliable; T's capacity and latency grow with the threats it faces; D's leader
weighs toughness and audience costs.

:class:`DyadModel` (Mesa-style: a small object with a :meth:`~DyadModel.step`) solves the
target's programme (:mod:`backscratch.dyad.stage`) and advances every run one period per
step with the kernel, collecting the columns declared in
:data:`backscratch.dyad.results.COLUMNS`.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from backscratch.core import rng
from backscratch.core.errors import ScenarioError
from backscratch.dyad import _kernels as kernels
from backscratch.dyad.codes import COMPLIED
from backscratch.dyad.results import COLUMNS, DyadResult, Records
from backscratch.dyad.scenario import Scenario
from backscratch.dyad.stage import StageGame, equilibrium_of, offers_at, plan_for
from backscratch.dyad.targets import TARGETS


def _available_memory() -> int | None:
    """Bytes of memory available to a new allocation: ``MemAvailable`` (free plus reclaimable
    cache) on Linux, else the physical memory, else None (unknown)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _record_bytes(scenario: Scenario, columns) -> int:
    """Bytes of the per-period records ``columns`` of every run, ``horizon x runs``."""
    return scenario.horizon * scenario.runs * sum(np.dtype(c.dtype).itemsize for c in columns)


def check_memory(scenario: Scenario, columns) -> None:
    """A one-line error, before any work, when the per-period records of every run (``columns``
    for ``horizon x runs``) cannot fit in the memory this machine has available."""
    need = _record_bytes(scenario, columns)
    available = _available_memory()
    if available is not None and need > 0.8 * available:
        raise ScenarioError.bad(
            "runs",
            f"{scenario.runs} runs x {scenario.horizon} periods need "
            f"{need / 2**30:.1f} GiB of per-period records, more than this machine has free "
            f"({available / 2**30:.1f} GiB); lower runs or horizon, or use a sweep, which "
            "simulates block by block",
        )


def check_disk(scenario: Scenario, columns, out, *, policies: int = 1) -> None:
    """A one-line error, before anything is written, when the per-period records of every run
    (``columns`` for ``horizon x runs``, uncompressed: an upper bound on the Parquet file) of
    each of ``policies`` policies cannot fit in the free space of the disk that will hold
    ``out``."""
    import shutil
    from pathlib import Path

    need = _record_bytes(scenario, columns) * policies
    where = Path(out).resolve()
    while not where.exists() and where != where.parent:
        where = where.parent
    try:
        free = shutil.disk_usage(where).free
    except OSError:
        return
    if need > free:
        raise ScenarioError.bad(
            "runs",
            f"{scenario.runs} runs x {scenario.horizon} periods"
            + (f" x {policies} policies" if policies > 1 else "")
            + " need up to "
            f"{need / 2**30:.1f} GiB of per-period records, more than the disk holding "
            f"{out} has free ({free / 2**30:.1f} GiB); lower runs or horizon, or use a "
            "sweep, which keeps per-run metrics only",
        )


def allocate_records(scenario: Scenario, columns, records_type) -> tuple[dict[str, Any], Any]:
    """The per-period record arrays ``(horizon, runs)`` of ``columns`` by name, after
    :func:`check_memory`, and the ``records_type`` view of them that a kernel writes into."""
    H, n = scenario.horizon, scenario.runs
    check_memory(scenario, columns)
    records = {c.name: np.empty((H, n), dtype=c.dtype) for c in columns}
    return records, records_type(**records)


class DyadModel:
    """All runs of a scenario under one instrument plan, advancing together.

    ``policy``: a policy or counterfactual name (default: the scenario's own plan);
    ``compliance``: the target's compliance table ``p[t, type, g]``, to reuse a solution when
    only parameters outside the target's problem change; ``first_run``: simulate runs
    ``first_run ..`` of the scenario's seed (a multiple of the random block size).

    >>> import backscratch as bs
    >>> model = DyadModel(bs.load_scenario("oye-dyad", runs=100), "blackmail")
    >>> model.step()
    >>> model.t
    1
    >>> model.run().records["response"].shape
    (40, 100)
    """

    def __init__(
        self,
        scenario: Scenario,
        policy: str | None = None,
        *,
        compliance: np.ndarray | None = None,
        first_run: int = 0,
    ):
        if first_run % rng.BLOCK:
            raise ValueError(f"first_run must be a multiple of {rng.BLOCK}, got {first_run}")
        check_memory(scenario, COLUMNS)
        self.scenario = scenario
        self.plan = plan_for(scenario, policy)
        self.stage = StageGame.from_scenario(scenario, self.plan)
        self.equilibrium: dict | None = None
        """How the target's programme was solved (selection rule, largest residual, share of
        cells with several stable equilibria); ``None`` when ``compliance`` was given."""
        target = TARGETS[scenario.target.strategy]()
        self.discount = target.discount(scenario.shadow)
        """The target's discount factor (it chooses capacity with it under ``hedging.mode:
        choice``)."""
        if compliance is None:
            compliance = target.compliance(self.stage, scenario.shadow)
            self.equilibrium = equilibrium_of(self.stage)
        self.compliance = compliance
        """The target's table: compliance ``p[t, type, g]``, or with ``hedging.mode:
        choice`` ``[t, latency, row, g]`` (:attr:`StageGame.table_shape`)."""
        n = scenario.runs
        self.streams = rng.Streams(scenario.seed, n, first_run // rng.BLOCK)
        """Runs ``first_run`` to ``first_run + runs - 1`` of the scenario's seed: a model of
        the runs of one block onwards equals that slice of a model of them all."""
        self.pliable = self.streams.draw(1)[0] < scenario.target.prior_pliable
        self.belief = np.full(n, scenario.target.prior_pliable)
        self.capacity = np.full(n, scenario.hedging.initial_capacity)
        self.latency = np.full(n, scenario.hedging.initial)
        self.records, self._rec = allocate_records(scenario, COLUMNS, Records)
        self.t = 0

    @property
    def done(self) -> bool:
        """Whether every period has been played."""
        return self.t >= self.scenario.horizon

    def step(self) -> None:
        """Advance every run by one period."""
        if self.done:
            raise RuntimeError("the horizon is reached; no period left to play")
        st, t = self.stage, self.t
        u = self.streams.draw(kernels.DRAWS_PER_PERIOD)
        now = (bool(self.plan.threat[t]), bool(self.plan.offer[t]), float(st.reliability[t]))
        states = (self.belief, self.capacity, self.latency, self.pliable, u, self.compliance[t])
        if st.params.choice:
            # the level draws only when the public reads them: without, the draws stay as they were
            u_level = self.streams.draw(1)[0] if st.params.investment_observed else u[0, :0]
            kernels.advance_choice(
                t, *states, *now, st.params_at(t), st.levels, self.discount, self._rec, u_level
            )
        else:
            kernels.advance(t, *states, *now, st.params_at(t), self._rec)
        self.t += 1

    def run(self) -> DyadResult:
        """Play every remaining period and return the result."""
        while not self.done:
            self.step()
        return DyadResult(
            self.scenario, self.plan, self.records, self.pliable, equilibrium=self.equilibrium
        )


HEDGE_EVENTS = ("ship_out", "dismantle", "destroy", "latency_cap")
"""The dated events that move the stocks, in the order :func:`_kernels.hedge` takes them."""


def replay_hedging(
    result: DyadResult, scenario: Scenario, *, periods: int | None = None
) -> dict[str, np.ndarray]:
    """The ``capacity`` and ``latency`` records ``[t, run]`` that ``scenario`` would give on
    ``result``'s play, where ``scenario`` differs from ``result.scenario`` in ``hedging.*``
    only. Hedging feeds back into nothing else, so this equals a full simulation's records
    bit for bit, at the cost of the stock recurrence alone (no random numbers, no target
    programme). ``periods``: the first that many periods only (the recurrence looks back
    only, so they are the same numbers). Needs a positive ``offer.price`` (an honoured
    exchange is read off the reward paid)."""
    old = result.scenario
    if old.model_copy(update={"hedging": scenario.hedging}) != scenario:
        raise ValueError("replay_hedging: the scenarios differ outside hedging.*")
    if scenario.offer.price <= 0.0:
        raise ValueError("replay_hedging: needs offer.price > 0")
    if scenario.hedging.mode != "rule":
        raise ValueError("replay_hedging: the target's capacity is its choice (hedging.mode)")
    if scenario.third_parties.update_belief:
        raise ValueError(
            "replay_hedging: the entrants come on a belief the records do not hold "
            "(third_parties.update_belief)"
        )
    T = scenario.horizon if periods is None else min(periods, scenario.horizon)
    stage = StageGame.from_scenario(scenario, result.plan)
    r = result.records
    honoured = result.__dict__.get("_honoured")  # the play's, the same at every replay
    if honoured is None:
        honoured = (r["response"] == COMPLIED) & result.plan.offer[:, None] & (r["transfer"] > 0)
        result.__dict__["_honoured"] = honoured
    offered = result.__dict__.get("_offered")  # what the entrants brought: the same too
    if offered is None:
        offered = _entrants_offered(r["belief"], stage)
        result.__dict__["_offered"] = offered
    capacity = np.empty_like(r["capacity"][:T])
    latency = np.empty_like(r["latency"][:T])
    h = scenario.hedging
    kernels.hedge(
        r["belief"][:T], r["entries"][:T], offered[:T], honoured[:T], result.plan.threat[:T],
        result.plan.offer[:T], stage.reliability[:T], stage.term("credibility")[:T],
        stage.term("punishment")[:T], stage.term("price")[:T],
        *(stage.event(k)[:T] for k in HEDGE_EVENTS), h.initial_capacity, h.initial,
        stage.params, capacity, latency,
    )  # fmt: skip
    return {"capacity": capacity, "latency": latency}


def _entrants_offered(belief: np.ndarray, stage: StageGame) -> np.ndarray:
    """Whether each period's entrants came with offers ``[t, run]``, on a play's beliefs:
    what :func:`replay_hedging` needs of the entrants (nothing in ``hedging.*`` moves it,
    so it is the same at every replay of one play)."""
    offered = np.zeros(belief.shape, dtype=bool)
    for t in range(belief.shape[0]):
        offered[t] = offers_at(belief[t], stage.terms_at(t))
    return offered

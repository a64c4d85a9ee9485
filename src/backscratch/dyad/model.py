"""The repeated coercion game: blackmail vs backscratching with private resolve (MODEL.md §2–§5).

Each period ``t`` the demander D asks the target T for a concession ``x(mu_t)`` and attaches
its instrument: a threat (punishment ``P`` carried out with probability ``q`` if T resists,
costing D ``k * P``), an offer (reward ``R * x`` delivered with probability ``rho`` if T
complies; a guarantor raises ``rho``), both, or nothing — constant, or on a dated schedule.
T is privately pliable or resolute, with public prior ``mu_0``; complying costs ``c`` per
unit, plus a private resolve cost ``r_type`` when a threat is attached. Observers update the
public belief ``mu_t = P(pliable | history)`` by Bayes' rule from each response. M third
parties watch and enter with threats of their own when the target looks pliable; T invests
in capacity when threatened, capacity produces a latent capability (a stock), and
honoured exchanges roll the stock back; D's leader
weighs toughness and audience costs. Payoffs per period (D, T):

* T complies: ``v*x - R*x*delivered``, ``-(c + r*threat)*x + R*x*delivered``;
* T resists a threat carried out: ``-k*P``, ``-P``; D backs down: 0, 0;
* T resists an offer, or no demand: 0, 0 (the baseline);
* plus third parties' demands on T, and ``-lambda * L`` for D per unit of latency.

Totals are discounted by the shadow of the future ``delta``. The target's private logistic
shock enters its decision, not the recorded payoffs, which are material payoffs.

:class:`StageGame` holds the arrays and solves the forward-looking target by dynamic
programming; :class:`DyadModel` advances all runs together, Mesa-style, one ``step()`` per
period, collecting the columns declared in :data:`COLUMNS`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

import numpy as np
import pyarrow as pa

from backscratch.core import rng
from backscratch.dyad import _kernels as kernels
from backscratch.dyad.policies import DEMAND_RULES, POLICIES, InstrumentPlan
from backscratch.dyad.scenario import Scenario, ScenarioError
from backscratch.dyad.targets import TARGETS

# ----------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Column:
    """One collected per-period variable: name, numpy dtype, unit and meaning."""

    name: str
    dtype: str
    unit: str
    doc: str


COLUMNS: tuple[Column, ...] = (
    Column("belief", "float64", "probability", "public belief that T is pliable, at the start"),
    Column("demand", "float64", "units of concession", "demand x made this period (0: none)"),
    Column("response", "int8", "code", "-1 no demand, 0 T resisted, 1 T complied"),
    Column("punished", "int8", "0/1", "1 if D carried out its threat"),
    Column("backed_down", "int8", "0/1", "1 if T resisted a threat and D did not carry it out"),
    Column("transfer", "float64", "payoff units", "reward delivered by D to T"),
    Column("payoff_demander", "float64", "payoff units", "D's material payoff this period"),
    Column("payoff_target", "float64", "payoff units", "T's material payoff this period"),
    Column("entries", "int32", "count", "third parties that entered with a threat demand"),
    Column("entrant_complied", "int32", "count", "third-party demands T complied with"),
    Column("payoff_third_parties", "float64", "payoff units", "third parties' total payoff"),
    Column(
        "capacity", "float64", "capacity units", "T's capacity to add latency, after the period"
    ),
    Column("latency", "float64", "latency units", "T's latent-capability stock after the period"),
)
"""The per-period data collection of the dyad, in the order the kernel fills it."""

EXTRA_COLUMNS: tuple[Column, ...] = (
    Column("run", "int64", "index", "run number (its random stream depends only on seed and run)"),
    Column("period", "int32", "period", "period t, from 0"),
    Column("policy", "string", "name", "D's instrument policy"),
    Column("instrument", "int8", "code", "0 none, 1 threat, 2 offer, 3 threat and offer"),
    Column("pliable", "bool", "0/1", "T's private type (true: pliable)"),
    Column("date", "string", "YYYY-MM", "first month of the period (scenario calendar)"),
)
"""Columns added when results are written as a long table (one row per run and period)."""


# -------------------------------------------------------------------------- stage game


def plan_for(scenario: Scenario, name: str | None = None) -> InstrumentPlan:
    """The instrument plan called ``name`` in ``scenario``.

    ``None``: the scenario's own plan (its ``schedule`` if it has one, else ``policy``); a
    key of ``scenario.counterfactuals``: that schedule; a policy name (``blackmail``, ...):
    that policy in every period (a counterfactual of the same name takes precedence).
    """
    H, g = scenario.horizon, scenario.mediation.guarantor
    if name is None:
        if not scenario.schedule:
            return InstrumentPlan.constant(scenario.policy, H, g)
        entries, name = scenario.schedule, "scheduled"
    elif name in scenario.counterfactuals:  # a counterfactual may reuse a policy's name
        entries = scenario.counterfactuals[name]
    elif name in POLICIES:
        return InstrumentPlan.constant(name, H, g)
    else:
        known = [*POLICIES, *scenario.counterfactuals]
        raise ScenarioError(f"--policies: unknown policy '{name}' (known: {', '.join(known)})")
    return InstrumentPlan.scheduled(name, scenario.policy, entries, scenario.calendar, H, g)


@dataclass
class StageGame:
    """The game's primitives as arrays, and the target's dynamic programme.

    ``plan`` gives the instrument per period; the demand at belief ``mu`` is ``demand_a +
    demand_b * mu``; ``cost`` is the material cost per unit, ``resolve`` the (pliable,
    resolute) extra cost per unit under a threat.
    """

    plan: InstrumentPlan
    demand_a: float
    demand_b: float
    cost: float
    resolve: tuple[float, float]
    punishment: float
    credibility: float
    execution_cost: float
    price: float
    reliability: np.ndarray
    value: float
    noise: float
    third_parties: int
    entry_cost: float
    entry_noise: float
    grid: np.ndarray
    residual: float = field(default=0.0, init=False)
    """Largest fixed-point residual of the last :meth:`solve` (0 when fully converged)."""

    tol = 1e-13
    """Bisection tolerance on the compliance probabilities."""

    @classmethod
    def from_scenario(cls, scenario: Scenario, plan: InstrumentPlan) -> StageGame:
        """Build the stage game that ``scenario`` defines under instrument ``plan``."""
        d, tp = scenario.demander, scenario.third_parties
        a, b = DEMAND_RULES[d.demand_rule](d.demand, d.demand_floor).coefficients()
        guaranteed = max(scenario.offer.reliability, scenario.mediation.reliability)
        reliability = np.where(plan.guarantor, guaranteed, scenario.offer.reliability)
        return cls(
            plan=plan,
            demand_a=a,
            demand_b=b,
            cost=scenario.target.cost,
            resolve=(scenario.target.resolve_pliable, scenario.target.resolve_resolute),
            punishment=scenario.threat.punishment,
            credibility=scenario.threat.credibility,
            execution_cost=scenario.threat.execution_cost,
            price=scenario.offer.price,
            reliability=reliability,
            value=d.value,
            noise=scenario.target.noise,
            third_parties=tp.count,
            entry_cost=tp.entry_cost,
            entry_noise=tp.noise,
            grid=np.linspace(0.0, 1.0, scenario.solver.belief_grid),
        )

    @property
    def horizon(self) -> int:
        return len(self.plan.threat)

    @property
    def table_shape(self) -> tuple[int, int, int]:
        """Shape ``(horizon, 2, grid)`` of a compliance table."""
        return (self.horizon, 2, len(self.grid))

    @property
    def threat_costs(self) -> tuple[float, float]:
        """(pliable, resolute) cost per unit of complying under a threat."""
        return (self.cost + self.resolve[0], self.cost + self.resolve[1])

    def immediate(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        """Each type's expected payoff of complying / resisting at every grid belief, period t.

        Returns ``(comply, resist)``, each of shape (2, grid).
        """
        x = self.demand_a + self.demand_b * self.grid
        if self.plan.threat[t]:
            costs = np.asarray(self.threat_costs)[:, None]
        else:
            costs = np.full((2, 1), self.cost)
        reward = self.reliability[t] * self.price if self.plan.offer[t] else 0.0
        comply = (reward - costs) * x
        penalty = self.credibility * self.punishment if self.plan.threat[t] else 0.0
        resist = np.full_like(comply, -penalty)
        return comply, resist

    def third_party_flow(self) -> np.ndarray:
        """The pliable type's expected payoff per period from third-party threats, per belief.

        ``M * e(mu) * E[max(u_C + eps, u_R)]`` for one entrant's threat demand met with the
        myopic logit reply (0 when there are no third parties).
        """
        if self.third_parties == 0:
            return np.zeros(len(self.grid))
        mu = self.grid
        x = self.demand_a + self.demand_b * mu
        e = kernels.entry_probability(
            mu,
            x,
            self.value,
            self.punishment,
            self.credibility,
            self.execution_cost,
            self.entry_cost,
            self.entry_noise,
        )
        u_c = -self.threat_costs[0] * x
        u_r = -self.credibility * self.punishment
        one = u_r + self.noise * np.logaddexp(0.0, (u_c - u_r) / self.noise)
        return self.third_parties * e * one

    def solve(self, discount: float) -> np.ndarray:
        """Backward induction over the public belief; returns the compliance table ``p[t, type, g]``.

        The resolute type is the commitment type of Kreps & Wilson (1982): it plays its
        myopic logit reply. The pliable type is strategic: with ``W_{t+1}(mu)`` its
        continuation value, it complies iff
        ``u_C + discount * W_{t+1}(mu_C) + eps >= u_R + discount * W_{t+1}(mu_R)`` with
        ``eps ~ Logistic(0, noise)``, where ``mu_C``/``mu_R`` are the Bayes posteriors after
        compliance/resistance given both types' compliance probabilities — its own
        included, so its probability is a fixed point, solved at every grid belief
        (:func:`backscratch.engine.kernels.solve_period`); then its value rolls back one
        period (:func:`backscratch.engine.kernels.continuation`). The largest equilibrium
        residual over all periods is kept in :attr:`residual`.

        Under a schedule the target expects the instrument in force to continue (static
        policy expectations): in each period it plays the solution of the game in which the
        current instrument is kept to the horizon, and it re-optimises when the schedule
        switches. So a counterfactual schedule changes behaviour only from the date it
        diverges. Without a schedule this is the exact backward induction.
        """
        regimes = sorted(set(zip(self.plan.threat, self.plan.offer, self.reliability, strict=True)))
        if len(regimes) == 1:
            return self._backward(discount)
        H = self.horizon
        p = np.empty(self.table_shape)
        worst = 0.0
        for threat, offer, rel in regimes:
            const = replace(
                self,
                plan=InstrumentPlan(
                    self.plan.name, np.full(H, threat), np.full(H, offer), np.full(H, False)
                ),
                reliability=np.full(H, rel),
            )
            table = const._backward(discount)
            worst = max(worst, const.residual)
            now = (
                (self.plan.threat == threat)
                & (self.plan.offer == offer)
                & (self.reliability == rel)
            )
            p[now] = table[now]
        self.residual = worst
        return p

    def _backward(self, discount: float) -> np.ndarray:
        """Backward induction for this plan, taken as known to the target."""
        H, G = self.horizon, len(self.grid)
        p = np.zeros((H, 2, G))
        W = np.zeros(G)
        W_next = np.empty_like(W)
        flow = self.third_party_flow()
        worst = 0.0
        for t in range(H - 1, -1, -1):
            if not (self.plan.threat[t] or self.plan.offer[t]):
                W = flow + discount * W
                continue
            comply, resist = self.immediate(t)
            worst = max(
                worst,
                kernels.solve_period(
                    self.grid, W, comply, resist, discount, self.noise, self.tol, p[t]
                ),
            )
            kernels.continuation(
                self.grid, W, comply, resist, p[t], discount, self.noise, flow, W_next
            )
            W, W_next = W_next, W
        self.residual = worst
        return p


# ------------------------------------------------------------------------------- model


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


def _check_memory(scenario: Scenario, need: int) -> None:
    """A one-line error, before allocating, when the per-period records of every run cannot
    fit in the memory this machine has available."""
    available = _available_memory()
    if available is not None and need > 0.8 * available:
        raise ScenarioError(
            f"runs: {scenario.runs} runs x {scenario.horizon} periods need "
            f"{need / 2**30:.1f} GiB of per-period records, more than this machine has free "
            f"({available / 2**30:.1f} GiB); lower runs or horizon, or use `backscratch sweep`, "
            "which simulates block by block"
        )


class DyadModel:
    """All runs of a scenario under one instrument plan, advancing together.

    >>> from backscratch.scenario import load_scenario
    >>> model = DyadModel(load_scenario("oye-dyad", {"runs": 100}), "blackmail")
    >>> result = model.run()
    >>> result.records["response"].shape
    (40, 100)
    """

    def __init__(
        self,
        scenario: Scenario,
        policy: str | None = None,
        compliance: np.ndarray | None = None,
        first_run: int = 0,
    ):
        if first_run % rng.BLOCK:
            raise ValueError(f"first_run must be a multiple of {rng.BLOCK}, got {first_run}")
        self.scenario = scenario
        self.plan = plan_for(scenario, policy)
        self.stage = StageGame.from_scenario(scenario, self.plan)
        if compliance is None:
            target = TARGETS[scenario.target.strategy]()
            compliance = target.compliance(self.stage, scenario.shadow)
        self.compliance = compliance
        """The target's compliance table ``p[t, type, g]``; pass it in to reuse a solution
        when only parameters that do not enter the target's problem change (hedging)."""
        H, n = scenario.horizon, scenario.runs
        self.streams = rng.Streams(scenario.seed, n, first_run // rng.BLOCK)
        """Runs ``first_run`` to ``first_run + runs - 1`` of the scenario's seed: a model of
        the runs of one block onwards equals that slice of a model of them all."""
        self.pliable = self.streams.draw(1)[0] < scenario.target.prior_pliable
        self.belief = np.full(n, scenario.target.prior_pliable)
        self.capacity = np.full(n, scenario.hedging.initial_capacity)
        self.latency = np.full(n, scenario.hedging.initial)
        _check_memory(scenario, H * n * sum(np.dtype(c.dtype).itemsize for c in COLUMNS))
        self.records = kernels.empty_records(H, n, COLUMNS)
        self.t = 0
        st, h = self.stage, scenario.hedging
        self._costs = (*st.threat_costs, st.cost)
        self._params = (
            st.value,
            st.punishment,
            st.credibility,
            st.execution_cost,
            st.price,
            float(st.third_parties),
            st.entry_cost,
            st.entry_noise,
            st.noise,
            h.base,
            h.threat_sensitivity,
            h.relationship_sensitivity,
            h.productivity,
            h.rollback,
            h.cost_to_demander,
        )
        self._rec = tuple(self.records[c.name] for c in COLUMNS)

    @property
    def done(self) -> bool:
        return self.t >= self.scenario.horizon

    def step(self) -> None:
        """Advance every run by one period."""
        if self.done:
            raise RuntimeError("the horizon is reached; no period left to play")
        st, t = self.stage, self.t
        kernels.advance(
            t,
            self.belief,
            self.capacity,
            self.latency,
            self.pliable,
            self.streams.draw(kernels.DRAWS_PER_PERIOD),
            self.compliance[t],
            bool(self.plan.threat[t]),
            bool(self.plan.offer[t]),
            float(st.reliability[t]),
            st.demand_a,
            st.demand_b,
            self._costs,
            self._params,
            self._rec,
        )
        self.t += 1

    def run(self) -> DyadResult:
        """Play every remaining period and return the result."""
        while not self.done:
            self.step()
        return DyadResult(self.scenario, self.plan, self.records, self.pliable)


@dataclass
class DyadResult:
    """Per-period records of every run (arrays of shape (horizon, runs)) and their summaries."""

    scenario: Scenario
    plan: InstrumentPlan
    records: dict[str, np.ndarray]
    pliable: np.ndarray

    @property
    def policy(self) -> str:
        return self.plan.name

    def discounted(self, values: str | np.ndarray) -> np.ndarray:
        """Per-run discounted total of a column (or an array of the same shape):
        sum over t of delta^t * value_t."""
        arr = self.records[values] if isinstance(values, str) else values
        return (self.scenario.shadow ** np.arange(self.scenario.horizon)) @ arr

    def toughness(self) -> np.ndarray:
        """Per-run discounted toughness: demand backed by a threat, minus rewards paid (§5)."""
        r = self.records
        backed = np.where(self.plan.threat[:, None], r["demand"], 0.0)
        return self.discounted(backed - r["transfer"])

    def leader_payoff(self, hawk_bias: float | None = None) -> float:
        """Mean discounted payoff of D's leader: national payoff + eta * toughness - audience
        costs of back-downs (MODEL.md §5). ``hawk_bias`` defaults to the scenario's eta."""
        d = self.scenario.domestic
        eta = d.hawk_bias if hawk_bias is None else hawk_bias
        audience = d.audience_cost * self.discounted(self.records["backed_down"].astype(float))
        return float(
            (self.discounted("payoff_demander") + eta * self.toughness() - audience).mean()
        )

    def summary(self) -> dict[str, float]:
        """The comparison metrics (see ``backscratch compare --help``)."""
        r = self.records
        resp, demand = r["response"], r["demand"]
        made = resp != kernels.NO_DEMAND
        n_made = int(made.sum())
        step = demand[1:] - demand[:-1]
        nxt = made[1:] & made[:-1]
        entries = r["entries"]

        def after(values: np.ndarray, code: int, needs_next_demand: bool) -> float:
            sel = (resp[:-1] == code) & (nxt if needs_next_demand else made[:-1])
            return float(values[sel].mean()) if sel.any() else 0.0

        runs = self.scenario.runs
        offers = made & self.plan.offer[:, None]
        exchanges = offers & (r["transfer"] > 0)
        latency = r["latency"]
        return {
            "cooperation_rate": float((resp == kernels.COMPLIED).sum() / n_made) if n_made else 0.0,
            "demand_growth_after_compliance": after(step, kernels.COMPLIED, True),
            "demand_growth_after_resistance": after(step, kernels.RESISTED, True),
            "punishments_per_period": float(r["punished"].sum() / resp.size),
            "demander_payoff": float(self.discounted("payoff_demander").mean()),
            "target_payoff": float(self.discounted("payoff_target").mean()),
            "backdowns_per_period": float(r["backed_down"].sum() / resp.size),
            "transfer_per_run": float(r["transfer"].sum() / runs),
            "exchange_success": float(exchanges.sum() / offers.sum()) if offers.any() else 0.0,
            "final_belief": float(self.records["belief"][-1].mean()),
            "entries_per_period": float(entries.mean()),
            "entries_after_compliance": after(entries[1:], kernels.COMPLIED, False),
            "entries_after_resistance": after(entries[1:], kernels.RESISTED, False),
            "third_party_payoff": float(self.discounted("payoff_third_parties").mean()),
            "final_latency": float(latency[-1].mean()),
            "threshold_crossed_share": float(
                (latency >= self.scenario.hedging.threshold).any(axis=0).mean()
            ),
            "leader_payoff": self.leader_payoff(),
            "toughness": float(self.toughness().mean()),
            "demand_periods": n_made,
        }

    def to_table(self) -> pa.Table:
        """One row per (run, period), ordered by run then period; see :data:`COLUMNS`."""
        H, n = self.scenario.horizon, self.scenario.runs
        dates = self.scenario.calendar.dates(H)
        small = np.zeros(n * H, dtype=np.int32)

        def categorical(values: list[str], codes: np.ndarray) -> pa.DictionaryArray:
            return pa.DictionaryArray.from_arrays(codes, pa.array(values))

        cols = {
            "run": np.repeat(np.arange(n, dtype=np.int64), H),
            "period": np.tile(np.arange(H, dtype=np.int32), n),
            "date": categorical(dates, np.tile(np.arange(H, dtype=np.int32), n)),
            "policy": categorical([self.policy], small),
            "instrument": np.tile(self.plan.codes, n),
            "pliable": np.repeat(self.pliable, H),
        }
        for c in COLUMNS:
            cols[c.name] = np.ascontiguousarray(self.records[c.name].T).reshape(-1)
        return pa.table(cols)

    def per_run(self) -> dict[str, np.ndarray]:
        """One value per run: the metrics a sweep stores (see ``docs/sweeps.md``)."""
        r = self.records
        resp = r["response"]
        made = (resp != kernels.NO_DEMAND).sum(axis=0)
        complied = (resp == kernels.COMPLIED).sum(axis=0)
        latency = r["latency"]
        d = self.scenario.domestic
        audience = d.audience_cost * self.discounted(r["backed_down"].astype(float))
        return {
            "pliable": self.pliable.copy(),
            "demand_periods": made.astype(np.int32),
            "cooperation": np.where(made > 0, complied / np.maximum(made, 1), np.nan),
            "punishments": r["punished"].sum(axis=0).astype(np.int32),
            "backdowns": r["backed_down"].sum(axis=0).astype(np.int32),
            "transfer": r["transfer"].sum(axis=0),
            "entries": r["entries"].sum(axis=0).astype(np.int32),
            "final_belief": r["belief"][-1].copy(),
            "final_latency": latency[-1].copy(),
            "crossed": (latency >= self.scenario.hedging.threshold).any(axis=0),
            "demander_payoff": self.discounted("payoff_demander"),
            "target_payoff": self.discounted("payoff_target"),
            "leader_payoff": self.discounted("payoff_demander")
            + d.hawk_bias * self.toughness()
            - audience,
        }

    def series(self, column: str) -> dict[str, float]:
        """Mean of a per-period column across runs, by date (``YYYY-MM``)."""
        dates = self.scenario.calendar.dates(self.scenario.horizon)
        return dict(zip(dates, self.records[column].mean(axis=1).tolist(), strict=True))

"""The repeated coercion dyad: blackmail vs backscratching with private resolve (MODEL.md §2).

Each period ``t`` the demander D asks the target T for a concession ``x(mu_t)`` and attaches
its instrument: a threat (punishment ``P`` carried out with probability ``q`` if T resists,
costing D ``k * P``), an offer (reward ``R * x`` delivered with probability ``rho`` if T
complies), both, or nothing. T is privately pliable (cost ``c_0`` per unit of concession) or
resolute (``c_1 >= c_0``), with public prior ``mu_0``; observers update the public belief
``mu_t = P(pliable | history)`` by Bayes' rule from each response. Payoffs per period:

* T complies:  D gets ``v * x - R * x * delivered``,  T gets ``-c * x + R * x * delivered``;
* T resists a threat: if carried out, D gets ``-k * P`` and T gets ``-P``; otherwise
  (D backs down) both get 0;
* T resists an offer, or no demand is made: both get 0 (the baseline).

Totals are discounted by the shadow of the future ``delta`` (the continuation probability).
The target's private logistic shock (scale ``s``) enters its decision, not the recorded
payoffs, which are the material payoffs above.

:class:`StageGame` holds the arrays and solves the forward-looking target by dynamic
programming; :class:`DyadModel` advances all runs together, Mesa-style, one ``step()`` per
period, collecting the columns declared in :data:`COLUMNS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from backscratch.engine import kernels, rng
from backscratch.scenario import Scenario
from backscratch.strategies import DEMAND_RULES, POLICIES, TARGETS

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
)
"""The per-period data collection of the dyad, in the order the kernel fills it."""

EXTRA_COLUMNS: tuple[Column, ...] = (
    Column("run", "int64", "index", "run number (its random stream depends only on seed and run)"),
    Column("period", "int32", "period", "period t, from 0"),
    Column("policy", "string", "name", "D's instrument policy"),
    Column("instrument", "int8", "code", "0 none, 1 threat, 2 offer, 3 threat and offer"),
    Column("pliable", "bool", "0/1", "T's private type (true: pliable)"),
)
"""Columns added when results are written as a long table (one row per run and period)."""


# -------------------------------------------------------------------------- stage game


@dataclass
class StageGame:
    """The dyad's primitives as arrays, and the target's dynamic programme.

    ``threat`` and ``offer`` are boolean arrays over periods; the demand at belief ``mu`` is
    ``demand_a + demand_b * mu``; ``costs`` are (pliable, resolute) per unit of demand.
    """

    threat: np.ndarray
    offer: np.ndarray
    demand_a: float
    demand_b: float
    costs: tuple[float, float]
    punishment: float
    credibility: float
    execution_cost: float
    price: float
    reliability: float
    value: float
    noise: float
    grid: np.ndarray
    residual: float = field(default=0.0, init=False)
    """Largest fixed-point residual of the last :meth:`solve` (0 when fully converged)."""

    tol = 1e-13
    """Bisection tolerance on the compliance probabilities."""

    @classmethod
    def from_scenario(cls, scenario: Scenario, policy: str) -> StageGame:
        """Build the stage game that ``scenario`` defines under instrument ``policy``."""
        threat, offer = POLICIES[policy]().instruments(scenario.horizon)
        d = scenario.demander
        a, b = DEMAND_RULES[d.demand_rule](d.demand, d.demand_floor).coefficients()
        return cls(
            threat=threat,
            offer=offer,
            demand_a=a,
            demand_b=b,
            costs=(scenario.target.cost_pliable, scenario.target.cost_resolute),
            punishment=scenario.threat.punishment,
            credibility=scenario.threat.credibility,
            execution_cost=scenario.threat.execution_cost,
            price=scenario.offer.price,
            reliability=scenario.offer.reliability,
            value=d.value,
            noise=scenario.target.noise,
            grid=np.linspace(0.0, 1.0, scenario.solver.belief_grid),
        )

    @property
    def horizon(self) -> int:
        return len(self.threat)

    @property
    def table_shape(self) -> tuple[int, int, int]:
        """Shape ``(horizon, 2, grid)`` of a compliance table."""
        return (self.horizon, 2, len(self.grid))

    def immediate(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        """Each type's expected payoff of complying / resisting at every grid belief, period t.

        Returns ``(comply, resist)``, each of shape (2, grid).
        """
        x = self.demand_a + self.demand_b * self.grid
        costs = np.asarray(self.costs)[:, None]
        reward = self.reliability * self.price if self.offer[t] else 0.0
        comply = (reward - costs) * x
        penalty = self.credibility * self.punishment if self.threat[t] else 0.0
        resist = np.full_like(comply, -penalty)
        return comply, resist

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
        """
        H, G = self.horizon, len(self.grid)
        p = np.zeros((H, 2, G))
        W = np.zeros(G)
        W_next = np.empty_like(W)
        worst = 0.0
        for t in range(H - 1, -1, -1):
            if not (self.threat[t] or self.offer[t]):
                W = discount * W
                continue
            comply, resist = self.immediate(t)
            worst = max(
                worst,
                kernels.solve_period(
                    self.grid, W, comply, resist, discount, self.noise, self.tol, p[t]
                ),
            )
            kernels.continuation(self.grid, W, comply, resist, p[t], discount, self.noise, W_next)
            W, W_next = W_next, W
        self.residual = worst
        return p


# ------------------------------------------------------------------------------- model


class DyadModel:
    """All runs of a dyad scenario under one instrument policy, advancing together.

    >>> from backscratch.scenario import load_scenario
    >>> model = DyadModel(load_scenario("oye-dyad", {"runs": 100}), "blackmail")
    >>> result = model.run()
    >>> result.records["response"].shape
    (40, 100)
    """

    def __init__(self, scenario: Scenario, policy: str | None = None):
        self.scenario = scenario
        self.policy = policy or scenario.policy
        self.stage = StageGame.from_scenario(scenario, self.policy)
        target = TARGETS[scenario.target.strategy]()
        self.compliance = target.compliance(self.stage, scenario.shadow)
        H, n = scenario.horizon, scenario.runs
        self.streams = rng.Streams(scenario.seed, n)
        self.pliable = self.streams.draw(1)[0] < scenario.target.prior_pliable
        self.belief = np.full(n, scenario.target.prior_pliable)
        self.records = kernels.empty_records(H, n, COLUMNS)
        self.t = 0
        st = self.stage
        self._params = (
            st.value,
            st.punishment,
            st.credibility,
            st.execution_cost,
            st.price,
            st.reliability,
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
            self.pliable,
            self.streams.draw(kernels.DRAWS_PER_PERIOD),
            self.compliance[t],
            bool(st.threat[t]),
            bool(st.offer[t]),
            st.demand_a,
            st.demand_b,
            st.costs,
            self._params,
            self._rec,
        )
        self.t += 1

    def run(self) -> DyadResult:
        """Play every remaining period and return the result."""
        while not self.done:
            self.step()
        return DyadResult(self.scenario, self.policy, self.records, self.pliable, self.stage)


@dataclass
class DyadResult:
    """Per-period records of every run (arrays of shape (horizon, runs)) and their summaries."""

    scenario: Scenario
    policy: str
    records: dict[str, np.ndarray]
    pliable: np.ndarray
    stage: StageGame

    def discounted(self, column: str) -> np.ndarray:
        """Per-run discounted total of a payoff column: sum over t of delta^t * value_t."""
        weights = self.scenario.shadow ** np.arange(self.scenario.horizon)
        return weights @ self.records[column]

    def summary(self) -> dict[str, float]:
        """The comparison metrics (see ``backscratch compare --help``)."""
        r = self.records
        resp, demand = r["response"], r["demand"]
        made = resp != kernels.NO_DEMAND
        n_made = int(made.sum())
        step = demand[1:] - demand[:-1]
        nxt = made[1:] & made[:-1]

        def growth(code: int) -> float:
            sel = nxt & (resp[:-1] == code)
            return float(step[sel].mean()) if sel.any() else 0.0

        runs = self.scenario.runs
        return {
            "cooperation_rate": float((resp == kernels.COMPLIED).sum() / n_made) if n_made else 0.0,
            "demand_growth_after_compliance": growth(kernels.COMPLIED),
            "demand_growth_after_resistance": growth(kernels.RESISTED),
            "punishments_per_period": float(r["punished"].sum() / resp.size),
            "demander_payoff": float(self.discounted("payoff_demander").mean()),
            "target_payoff": float(self.discounted("payoff_target").mean()),
            "backdowns_per_period": float(r["backed_down"].sum() / resp.size),
            "transfer_per_run": float(r["transfer"].sum() / runs),
            "final_belief": float(r["belief"][-1].mean()),
            "demand_periods": n_made,
        }

    def to_table(self) -> pa.Table:
        """One row per (run, period), ordered by run then period; see :data:`COLUMNS`."""
        H, n = self.scenario.horizon, self.scenario.runs
        code = POLICIES[self.policy].code()
        instrument = np.where(self.stage.threat | self.stage.offer, code, 0).astype(np.int8)
        cols = {
            "run": np.repeat(np.arange(n, dtype=np.int64), H),
            "period": np.tile(np.arange(H, dtype=np.int32), n),
            "policy": pa.DictionaryArray.from_arrays(
                np.zeros(n * H, dtype=np.int8), pa.array([self.policy])
            ),
            "instrument": np.tile(instrument, n),
            "pliable": np.repeat(self.pliable, H),
        }
        for c in COLUMNS:
            cols[c.name] = np.ascontiguousarray(self.records[c.name].T).reshape(-1)
        return pa.table(cols)

"""What the demander's-choice game records and reports: columns and metrics declared once,
the solved game (:class:`Equilibrium`) and its play (:class:`GameResult`)."""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from backscratch.core.results import Column, Metric, Result
from backscratch.dyad.codes import COMPLIED, NO_DEMAND, RESISTED
from backscratch.dyad.results import COLUMNS as DYAD_COLUMNS
from backscratch.dyad.results import METRICS as DYAD_METRICS
from backscratch.dyad.stage import multiplicity_of

if TYPE_CHECKING:
    import pyarrow as pa

    from backscratch.dyad.scenario import Scenario
    from backscratch.game.menu import Menu

_DYAD = {c.name: c for c in DYAD_COLUMNS}

COLUMNS: tuple[Column, ...] = (
    Column("action", "int16", "index", "D's action: its row in the menu (the `action` labels)"),
    _DYAD["belief"],
    Column(
        "d_belief",
        "float64",
        "probability",
        "public belief at the start of the period that D is its first type: low-cost "
        "(`strategic.cost_types`) or reliable (`strategic.renege_costs`); 1: D has no "
        "private type",
    ),
    _DYAD["demand"],
    Column("price", "float64", "payoff units per unit", "reward per unit offered (0: none)"),
    *(_DYAD[n] for n in ("response", "punished", "backed_down", "transfer", "payoff_demander")),
    Column(
        "payoff_leader",
        "float64",
        "payoff units",
        "D's leader's payoff (material + hawk bias x toughness - audience costs)",
    ),
    _DYAD["payoff_target"],
    Column(
        "entries",
        "int32",
        "count",
        "third parties that entered, after D's exchange (played only with "
        "`third_parties.update_belief`; 0 without it, when the game counts their expected "
        "payoff in the target's value but does not play them)",
    ),
    Column("entrant_complied", "int32", "count", "third-party demands T met (as `entries`)"),
    Column(
        "payoff_third_parties",
        "float64",
        "payoff units",
        "third parties' total payoff (as `entries`)",
    ),
    Column(
        "latency",
        "float64",
        "latency units",
        "T's latency after the period (`hedging.mode: choice`; 0 under the rule, which the "
        "game does not play)",
    ),
    Column(
        "capacity", "float64", "capacity units", "the capacity T ran in the period (as `latency`)"
    ),
)
"""The per-period data collection of the game, in the order the kernel fills it (the
columns it shares with the dyad are the dyad's declarations)."""

Records = namedtuple("Records", [c.name for c in COLUMNS])  # type: ignore[misc]
"""The record arrays (horizon, runs), one field per column: what the kernel writes into."""

EXTRA_COLUMNS: tuple[Column, ...] = (
    Column("run", "int64", "index", "run number"),
    Column("period", "int32", "period", "period t, from 0"),
    Column("pliable", "bool", "0/1", "T's private type (true: pliable)"),
    Column("d_cost", "float64", "payoff units per unit of punishment", "D's execution cost k"),
    Column(
        "d_renege_cost",
        "float64",
        "payoff units",
        "D's cost of reneging on a promised reward (`strategic.renege_costs`; 0 without)",
    ),
)
"""Columns that :meth:`GameResult.to_arrow` puts before :data:`COLUMNS`."""

_SHARED = {m.name: m for m in DYAD_METRICS}

METRICS: tuple[Metric, ...] = (
    _SHARED["cooperation_rate"],
    Metric("demands_per_period", "demands", "share", "share of periods in which D demanded"),
    Metric("threat_share", "threats", "share", "share of periods with a threat (alone or mixed)"),
    Metric("offer_share", "offers", "share", "share of periods with an offer (alone or mixed)"),
    Metric("credibility", "credibility", "share", "share of resisted threats D carried out"),
    Metric(
        "delivery",
        "delivery",
        "share",
        "share of complied-with priced offers whose reward was delivered",
    ),
    _SHARED["demander_payoff"],
    Metric(
        "leader_payoff",
        "leader payoff / run",
        _SHARED["demander_payoff"].unit,
        "with hawk bias and audience costs",
    ),
    _SHARED["target_payoff"],
    _SHARED["final_belief"],
    Metric(
        "entries_per_period",
        _SHARED["entries_per_period"].label,
        "count",
        "third parties that came (only with `third_parties.update_belief`: none otherwise)",
    ),
    Metric(
        "final_latency",
        _SHARED["final_latency"].label,
        "latency units",
        "T's mean latency stock at the end (only with `hedging.mode: choice`: the game keeps "
        "latency out of its state otherwise)",
    ),
    Metric(
        "final_d_belief",
        "final belief about D",
        "probability",
        "mean public belief after the last period that D is its first type (low-cost or reliable)",
    ),
)
"""The game's summary metrics (those it shares with the dyad are the dyad's declarations)."""


@dataclass
class Equilibrium:
    """The solved game: tables over period ``t``, action ``a``, D's type ``k`` (0 = low
    cost; one type when its cost is known), grid belief about D ``j`` and about the
    target ``g``.

    ``Q[t, a, j, g]``: D's value of action ``a`` under its objective, in expectation over
    its types under the public belief; ``choice[t, a, j, g]``: the probability it takes it;
    ``comply[t, a, type, j, g]``: the target's equilibrium compliance (type 0 pliable);
    ``carry[t, a, k, j, g]``: type ``k``'s probability of carrying out the threat if the
    target resists; ``deliver[t, a, k, j, g]``: its probability of delivering a promised
    reward if the target complies (when that is D's choice, ``strategic.renege_costs``;
    else 0); ``V``/``N[t, k, j, g]``: type ``k``'s value at the start of period ``t``
    under its objective and the nation's under that policy; ``W[t, j, g]``: the pliable
    target's. ``execution_gap`` and ``unsettled`` say how far and in what share of the
    threat cells the fixed point between the target's response and D's carrying out
    stopped short (a best reply that jumps where the target's selected equilibrium
    switches has no fixed point);
    ``pooling_gain`` is the most a type of D would gain by taking its own best action
    rather than the one the public state prescribes.
    """

    scenario: Scenario
    menu: Menu
    grid: np.ndarray
    d_grid: np.ndarray
    Q: np.ndarray
    choice: np.ndarray
    comply: np.ndarray
    carry: np.ndarray
    deliver: np.ndarray
    V: np.ndarray
    N: np.ndarray
    W: np.ndarray
    stable_roots: np.ndarray
    residual: float
    execution_gap: float = 0.0
    unsettled: float = 0.0
    pooling_gain: float = 0.0
    seconds: float = field(default=0.0)
    iterations: int = 0
    """Value iterations of the stationary game (``strategic.stationary``; 0: solved by
    backward induction over the horizon)."""
    value_change: float = 0.0
    """The largest change of a value in the stationary game's last iteration."""
    target_values: np.ndarray | None = None
    """With the target choosing its capacity (``hedging.mode: choice``): each type's value
    ``[t, j, type, g]`` at the start of period ``t``, ``j`` the latency grid point (the
    tables' axis ``j`` is then latency over ``hedging.latency_max``, not a belief about
    D); else ``None``."""

    @property
    def private(self) -> bool:
        """Whether D has a private type (two ``cost_types`` or ``renege_costs``)."""
        st = self.scenario.strategic
        return bool(st.cost_types or st.renege_costs)

    @property
    def d_prior(self) -> float:
        """Where the tables' axis ``j`` starts: the public belief about D (1 when D has no
        private type), or with latency in the state (:attr:`target_values`) the initial
        latency over ``hedging.latency_max``."""
        st, h = self.scenario.strategic, self.scenario.hedging
        if self.target_values is not None:
            return min(h.initial / h.latency_max, 1.0)
        if st.renege_costs:
            return st.prior_reliable
        return st.prior_low_cost if st.cost_types else 1.0

    def _weights(self, nu: float) -> np.ndarray:
        return np.array([nu, 1.0 - nu]) if self.private else np.ones(1)

    def value_at(self, table: np.ndarray, mu: float, nu: float | None = None) -> float:
        """A table ``[j, g]`` at the beliefs ``mu`` about the target and ``nu`` about D
        (default: the prior), linear in each as the kernels; a table ``[k, j, g]`` over
        D's types in expectation under ``nu``."""
        nu = self.d_prior if nu is None else nu
        if table.ndim == 3:
            w = self._weights(nu)
            return float(sum(w[k] * self.value_at(table[k], mu, nu) for k in range(len(w))))
        rows = [np.interp(mu, self.grid, row) for row in table]
        return float(np.interp(nu, self.d_grid, rows)) if len(rows) > 1 else float(rows[0])

    def action_at(self, t: int, mu: float, nu: float | None = None) -> int:
        """D's most likely action in period ``t`` at the public state (the first maximum of
        its interpolated action values, as equilibrium play uses when choices are exact)."""
        q = [self.value_at(self.Q[t, a], mu, nu) for a in range(len(self.menu))]
        return int(np.argmax(q))

    def choice_at(self, t: int, mu: float, nu: float | None = None) -> dict[str, Any]:
        """D's choice in period ``t`` at the public state: instrument, demand, price, the
        public probability that it carries out its threat if resisted, and the target's
        compliance by type."""
        a = self.action_at(t, mu, nu)
        m = self.menu
        return {
            "action": m.labels[a],
            "instrument": m.instrument[a],
            "demand": float(m.x[a]) if m.demands[a] else 0.0,
            "price": float(m.price[a]) if m.offer[a] else 0.0,
            "credibility": self.value_at(self.carry[t, a], mu, nu) if m.threat[a] else None,
            "delivery": self.value_at(self.deliver[t, a], mu, nu) if self._chosen(a) else None,
            "comply_pliable": self.value_at(self.comply[t, a, 0], mu, nu) if m.demands[a] else None,
            "comply_resolute": self.value_at(self.comply[t, a, 1], mu, nu)
            if m.demands[a]
            else None,
        }

    def policy(
        self, t: int = 0, beliefs: Any = None, nu: float | None = None
    ) -> list[dict[str, Any]]:
        """D's equilibrium choice in period ``t`` at each belief about the target of
        ``beliefs`` (default 0, 0.1, ..., 1) and the belief ``nu`` about D (default: the
        prior)."""
        mus = np.linspace(0.0, 1.0, 11) if beliefs is None else np.asarray(beliefs, float)
        return [{"belief": float(mu), **self.choice_at(t, float(mu), nu)} for mu in mus]

    def _chosen(self, a: int) -> bool:
        """Whether delivering action ``a``'s reward is D's choice."""
        st, m = self.scenario.strategic, self.menu
        chooses = bool(st.renege_costs) and not self.scenario.mediation.guarantor
        return chooses and bool(m.offer[a]) and m.price[a] > 0.0

    @property
    def multiplicity(self) -> float:
        """Share of the (period, action, belief) cells with a demand where the target's
        response has several stable equilibria."""
        return multiplicity_of(self.stable_roots)

    def diagnostics(self) -> dict[str, Any]:
        """How the game was solved."""
        sc = self.scenario
        private = bool(sc.strategic.cost_types or sc.strategic.renege_costs)
        if sc.strategic.cost_types:
            concept = (
                "Markov perfect equilibrium in the public beliefs about the target and about "
                "D's cost; D's action a function of the public state, its types carrying out "
                "threats by logit best replies (agent QRE); the target's stable equilibria by "
                "solver.selection"
            )
        elif sc.strategic.renege_costs:
            concept = (
                "Markov perfect equilibrium in the public beliefs about the target and about "
                "D's reliability; D's action a function of the public state, its types "
                "delivering promised rewards by logit best replies (agent QRE); the target's "
                "stable equilibria by solver.selection"
            )
        else:
            concept = (
                "Markov perfect equilibrium in the public belief about the target; D's "
                "cost known; the target's stable equilibria by solver.selection"
            )
        if sc.target.resolute == "strategic":
            concept += "; both target types strategic (target.resolute)"
        out: dict[str, Any] = {
            "concept": concept,
            "selection": sc.solver.selection,
            "grid": len(self.grid),
            "actions": len(self.menu),
            "choice_noise": sc.strategic.choice_noise,
            "residual": self.residual,
            "multiple_equilibria": self.multiplicity,
        }
        if sc.strategic.stationary:
            out |= {
                "stationary": True,
                "iterations": self.iterations,
                "value_change": self.value_change,
            }
        if private:
            out |= {
                "reputation_grid": len(self.d_grid),
                "execution_gap": self.execution_gap,
                "unsettled_cells": self.unsettled,
                "pooling_gain": self.pooling_gain,
            }
        return out | {"seconds": self.seconds}


class GameResult(Result):
    """Equilibrium play of the demander's-choice game: ``records[column]`` of shape
    ``(horizon, runs)``, each run's target type in ``pliable``, D's execution cost in
    ``d_cost`` and its cost of reneging in ``d_renege_cost``, the public beliefs after the last period in ``final_belief`` (about the
    target) and ``final_d_belief`` (about D), and the solved
    :class:`~backscratch.game.results.Equilibrium` in ``solution``."""

    metrics = METRICS

    def __init__(
        self,
        scenario: Scenario,
        solution: Equilibrium,
        records: dict[str, np.ndarray],
        pliable: np.ndarray,
        final_belief: np.ndarray,
        d_cost: np.ndarray,
        final_d_belief: np.ndarray,
        d_renege_cost: np.ndarray | None = None,
    ):
        self.scenario = scenario
        self.solution = solution
        self.records = records
        self.pliable = pliable
        self.final_belief = final_belief
        self.d_cost = d_cost
        self.final_d_belief = final_d_belief
        self.d_renege_cost = np.zeros_like(d_cost) if d_renege_cost is None else d_renege_cost

    def _headline(self) -> str:
        c = self.solution.choice_at(0, self.scenario.target.prior_pliable)  # at D's prior
        return (
            f"{self.scenario.name}, D's first move {c['action']}, "
            f"{self.scenario.runs} runs x {self.scenario.horizon} periods"
        )

    def discounted(self, column: str) -> np.ndarray:
        """Per-run discounted total of a column."""
        return (self.scenario.shadow ** np.arange(self.scenario.horizon)) @ self.records[column]

    def summary(self) -> dict[str, Any]:
        r = self.records
        menu = self.solution.menu
        demanded = r["response"] != NO_DEMAND
        resisted_threat = (r["response"] == RESISTED) & menu.threat[r["action"]]
        priced = menu.offer[r["action"]] & (menu.price[r["action"]] > 0)
        n_cells = r["response"].size
        return {
            "cooperation_rate": _share(r["response"] == COMPLIED, demanded),
            "demands_per_period": float(demanded.sum() / n_cells),
            "threat_share": float(menu.threat[r["action"]].sum() / n_cells),
            "offer_share": float(menu.offer[r["action"]].sum() / n_cells),
            "credibility": _share(r["punished"] == 1, resisted_threat),
            "delivery": _share(r["transfer"] > 0, priced & (r["response"] == COMPLIED)),
            "demander_payoff": float(self.discounted("payoff_demander").mean()),
            "leader_payoff": float(self.discounted("payoff_leader").mean()),
            "target_payoff": float(self.discounted("payoff_target").mean()),
            "final_belief": float(self.final_belief.mean()),
            "entries_per_period": float(r["entries"].mean())
            if self.scenario.third_parties.update_belief
            else None,
            "final_latency": float(r["latency"][-1].mean())
            if self.scenario.hedging.mode == "choice"
            else None,
            "final_d_belief": float(self.final_d_belief.mean()),
        }

    def instrument_shares(self) -> dict[str, float]:
        """Share of run-periods in which D used each instrument of its menu."""
        menu = self.solution.menu
        names = list(dict.fromkeys(menu.instrument))
        used = np.array(menu.instrument)[self.records["action"]]
        return {n: float((used == n).mean()) for n in names}

    def to_arrow(self) -> pa.Table:
        """One row per (run, period), ordered by run then period; ``action`` as its label."""
        import pyarrow as pa

        H, n = self.scenario.horizon, self.scenario.runs
        cols: dict[str, Any] = {
            "run": np.repeat(np.arange(n, dtype=np.int64), H),
            "period": np.tile(np.arange(H, dtype=np.int32), n),
            "pliable": np.repeat(self.pliable, H),
            "d_cost": np.repeat(self.d_cost, H),
            "d_renege_cost": np.repeat(self.d_renege_cost, H),
        }
        for c in COLUMNS:
            values = np.ascontiguousarray(self.records[c.name].T).reshape(-1)
            if c.name == "action":
                cols[c.name] = pa.DictionaryArray.from_arrays(
                    values.astype(np.int32), pa.array(list(self.solution.menu.labels))
                )
            else:
                cols[c.name] = values
        return pa.table(cols)


def _share(hits: np.ndarray, among: np.ndarray) -> float | None:
    total = int(among.sum())
    return float((hits & among).sum() / total) if total else None

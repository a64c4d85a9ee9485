"""What the dyad records and reports: columns and metrics declared once, and the result objects.

* :data:`COLUMNS` — the per-period variables the kernel fills (one :class:`Records` field
  each); :data:`EXTRA_COLUMNS` — those added to the long table;
* :data:`METRICS` — the summary metrics of a run (``compare``, ``run``, reports, dashboard);
  :data:`RUN_METRICS` — the per-run metrics a sweep stores and a contrast differences;
* :class:`DyadResult` (one policy), :class:`Comparison` (several on common random numbers)
  and :class:`Contrast` (paired per-run differences of two policies, with 95% CIs).
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from backscratch.core import rng
from backscratch.core.errors import ScenarioError
from backscratch.core.results import (
    Column,
    Metric,
    PolicyComparison,
    Result,
    by_name,
    html_table,
    mean_ci,
)
from backscratch.dyad.codes import COMPLIED, NO_DEMAND, OFFER, RESISTED, THREAT
from backscratch.dyad.policies import InstrumentPlan
from backscratch.dyad.scenario import Scenario
from backscratch.dyad.stage import StageGame, equilibrium_of
from backscratch.dyad.targets import TARGETS

__all__ = [
    "COLUMNS",
    "COMPLIED",
    "CONTRACT",
    "EXTRA_COLUMNS",
    "METRICS",
    "NO_DEMAND",
    "OFFER",
    "RESISTED",
    "RUN_METRICS",
    "THREAT",
    "Comparison",
    "Contrast",
    "DyadResult",
    "Records",
    "lock_in",
]

# ----------------------------------------------------------------------------- records

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

Records = namedtuple("Records", [c.name for c in COLUMNS])  # type: ignore[misc]
"""The record arrays (horizon, runs), one field per column of :data:`COLUMNS`: what the
kernel writes into, by field name."""

EXTRA_COLUMNS: tuple[Column, ...] = (
    Column("run", "int64", "index", "run number (its random stream depends only on seed and run)"),
    Column("period", "int32", "period", "period t, from 0"),
    Column("policy", "string", "name", "D's instrument policy"),
    Column("instrument", "int8", "code", "0 none, 1 threat, 2 offer, 3 threat and offer"),
    Column("pliable", "bool", "0/1", "T's private type (true: pliable)"),
    Column("date", "string", "YYYY-MM", "first month of the period (scenario calendar)"),
)
"""Columns added when results are written as a long table (one row per run and period)."""

# ----------------------------------------------------------------------------- metrics

_DISCOUNTED = "payoff units, discounted"

METRICS: tuple[Metric, ...] = (
    Metric("cooperation_rate", "cooperation rate", "share", "share of demands T complied with"),
    Metric(
        "demand_growth_after_compliance",
        "Δ demand after compliance",
        "units of concession",
        "mean change of the next demand after a compliance (0 where there was none)",
    ),
    Metric(
        "demand_growth_after_resistance",
        "Δ demand after resistance",
        "units of concession",
        "mean change of the next demand after a resistance (0 where there was none)",
    ),
    Metric("punishments_per_period", "punishments / period", "count", "threats carried out"),
    Metric("demander_payoff", "demander payoff / run", _DISCOUNTED, "D's material payoff"),
    Metric("target_payoff", "target payoff / run", _DISCOUNTED, "T's material payoff"),
    Metric("backdowns_per_period", "back-downs / period", "count", "resisted threats not kept"),
    Metric("transfer_per_run", "rewards paid / run", "payoff units", "rewards D delivered"),
    Metric(
        "exchange_success",
        "honoured exchanges / offer",
        "share",
        "share of offers that ended in compliance and a delivered reward",
    ),
    Metric(
        "belief_jump_after_compliance",
        "Δ belief after compliance",
        "probability",
        "mean change of the public belief P(pliable) after a compliance: what a yes reveals",
    ),
    Metric(
        "belief_jump_after_resistance",
        "Δ belief after resistance",
        "probability",
        "mean change of the public belief P(pliable) after a resistance",
    ),
    Metric("final_belief", "final belief P(pliable)", "probability", "public belief at the end"),
    Metric(
        "entries_per_period", "third-party entries / period", "count", "third parties that came"
    ),
    Metric(
        "entries_after_compliance",
        "entries after compliance",
        "count",
        "third-party entries in the period after a compliance",
    ),
    Metric(
        "entries_after_resistance",
        "entries after resistance",
        "count",
        "third-party entries in the period after a resistance",
    ),
    Metric("third_party_payoff", "third parties' payoff / run", _DISCOUNTED, "all entrants'"),
    Metric("final_latency", "final latency L", "latency units", "T's latency stock at the end"),
    Metric(
        "threshold_crossed_share",
        "runs crossing latency L*",
        "share",
        "share of runs whose latency reached the threshold L* at some period",
    ),
    Metric(
        "leader_payoff",
        "leader payoff / run",
        _DISCOUNTED,
        "D's payoff + hawk bias × toughness − audience costs (empty threats, broken promises)",
    ),
    Metric(
        "toughness",
        "toughness / run",
        _DISCOUNTED,
        "value of demands backed by a threat minus rewards paid (docs/model.md, Domestic politics)",
    ),
    Metric("demand_periods", "demand-periods", "count", "periods × runs with a demand"),
)
"""Every key of :meth:`DyadResult.summary`, in its order: name, label, unit, meaning."""

CONTRACT = (
    "cooperation_rate",
    "demand_growth_after_compliance",
    "demand_growth_after_resistance",
    "punishments_per_period",
    "demander_payoff",
    "target_payoff",
)
"""The metrics of the ``compare --format json`` contract, in order."""

RUN_METRICS: tuple[Metric, ...] = (
    Metric("cooperation_rate", "cooperation rate", "share", "share of its demands T met"),
    Metric("demander_payoff", "demander payoff", _DISCOUNTED, "D's material payoff"),
    Metric("target_payoff", "target payoff", _DISCOUNTED, "T's material payoff"),
    Metric("leader_payoff", "leader payoff", _DISCOUNTED, "with hawk bias and audience costs"),
    Metric("transfer_per_run", "rewards paid", "payoff units", "rewards D delivered"),
    Metric("punishments_per_run", "punishments", "count", "threats carried out"),
    Metric("backdowns_per_run", "back-downs", "count", "resisted threats not carried out"),
    Metric("entries_per_run", "third-party entries", "count", "third parties that came"),
    Metric("final_belief", "final belief P(pliable)", "probability", "public belief at the end"),
    Metric("final_latency", "final latency L", "latency units", "T's latency stock at the end"),
    Metric("threshold_crossed", "crossed L*", "0/1", "1 if latency reached L* at some period"),
)
"""Per-run metrics (a sweep's part holds them, with ``pliable`` and ``demand_periods``; their
mean over runs is the summary metric of the same name where one exists)."""


def lock_in(
    lines: dict[str, tuple[float, float]],
    cooperation: dict[str, float],
    etas: Any = None,
) -> dict[str, Any]:
    """Domestic lock-in (P5): the leader's preferred policy as the hawk bias eta rises.

    The leader's payoff under policy p is linear in eta, ``A_p + eta * B_p`` (``lines[p] =
    (A_p, B_p)``: the national payoff minus audience costs, and the toughness term; see
    ``docs/model.md``, Domestic politics); the target's behaviour does not depend on eta.
    Returns ``{"eta_star", "preferred_at_zero", "sweep": [{"eta", "preferred",
    "cooperation_rate"}, ...]}``, where ``eta_star`` is the smallest eta >= 0 at which
    blackmail is preferred (``None`` if blackmail is not compared or never preferred).
    """

    def preferred(eta: float) -> str:
        return max(lines, key=lambda p: lines[p][0] + eta * lines[p][1])

    eta_star = None
    if "blackmail" in lines:
        a_b, b_b = lines["blackmail"]
        lo, hi = 0.0, float("inf")
        for p, (a, b) in lines.items():
            if p == "blackmail":
                continue
            if b_b > b:
                lo = max(lo, (a - a_b) / (b_b - b))
            elif b_b < b:
                hi = min(hi, (a_b - a) / (b - b_b))
            elif a_b < a:
                hi = -1.0
        eta_star = lo if lo <= hi else None
    if etas is None:
        top = 2.0 * eta_star if eta_star else 2.0
        etas = np.linspace(0.0, max(top, 1.0), 11)
    sweep = []
    for eta in etas:
        best = preferred(float(eta))
        sweep.append({"eta": float(eta), "preferred": best, "cooperation_rate": cooperation[best]})
    return {"eta_star": eta_star, "preferred_at_zero": preferred(0.0), "sweep": sweep}


# ------------------------------------------------------------------------------ result


@dataclass(eq=False, repr=False)
class DyadResult(Result):
    """Per-period records of every run of one policy: ``records[column]`` has shape
    (horizon, runs); ``pliable[run]`` is the target's private type."""

    scenario: Scenario
    plan: InstrumentPlan
    records: dict[str, np.ndarray]
    pliable: np.ndarray
    equilibrium: dict[str, Any] | None = None
    """How the target's programme was solved (see :meth:`diagnostics`)."""
    metrics = METRICS

    def diagnostics(self) -> dict[str, Any]:
        """The target's equilibrium: ``selection`` (the rule, ``solver.selection``),
        ``residual`` (largest fixed-point residual) and ``multiple_equilibria`` (share of the
        (period, belief) cells with a demand that have several stable equilibria). Solved
        again if the result was read from a folder. The outcome under the other selection
        rules: :func:`backscratch.dyad.api.diagnostics`."""
        if self.equilibrium is None:
            stage = StageGame.from_scenario(self.scenario, self.plan)
            TARGETS[self.scenario.target.strategy]().compliance(stage, self.scenario.shadow)
            self.equilibrium = equilibrium_of(stage)
        return dict(self.equilibrium)

    @property
    def policy(self) -> str:
        """The policy (or schedule) name."""
        return self.plan.name

    def _headline(self) -> str:
        sc = self.scenario
        coop = self.summary()["cooperation_rate"]
        return (
            f"{sc.name}, {self.policy}: {sc.runs} runs × {sc.horizon} periods, seed {sc.seed}; "
            f"cooperation rate {coop:.3f}"
        )

    def discounted(self, values: str | np.ndarray) -> np.ndarray:
        """Per-run discounted total of a column or of an array of its shape: sum over t of
        delta^t * value_t."""
        arr = self.records[values] if isinstance(values, str) else values
        return (self.scenario.shadow ** np.arange(self.scenario.horizon)) @ arr

    def toughness(self) -> np.ndarray:
        """Per-run discounted toughness, in payoff units: the value to D of the demands backed
        by a threat, minus the rewards paid (docs/model.md, Domestic politics)."""
        r = self.records
        value = self.scenario.demander.value
        backed = np.where(self.plan.threat[:, None], value * r["demand"], 0.0)
        return self.discounted(backed - r["transfer"])

    def broken_promises(self) -> np.ndarray:
        """``[t, run]``: 1 where the target complied with an offer of a positive reward and
        the reward was not delivered."""
        r = self.records
        promised = (r["response"] == COMPLIED) & self.plan.offer[:, None]
        promised &= self.scenario.offer.price * r["demand"] > 0
        return (promised & (r["transfer"] == 0)).astype(float)

    def audience_costs(self) -> np.ndarray:
        """Per-run discounted audience costs: of backing down from threats and of breaking
        promises."""
        d = self.scenario.domestic
        backdowns = self.discounted(self.records["backed_down"].astype(float))
        return d.audience_cost * backdowns + d.promise_cost * self.discounted(
            self.broken_promises()
        )

    def leader_payoff(self, hawk_bias: float | None = None) -> float:
        """Mean discounted payoff of D's leader: national payoff + eta * toughness - audience
        costs. ``hawk_bias`` defaults to the scenario's eta."""
        eta = self.scenario.domestic.hawk_bias if hawk_bias is None else hawk_bias
        return float(self._leader(eta).mean())

    def _leader(self, eta: float) -> np.ndarray:
        """Per-run discounted payoff of D's leader at hawk bias ``eta``."""
        return self.discounted("payoff_demander") + eta * self.toughness() - self.audience_costs()

    def leader_line(self) -> tuple[float, float]:
        """The leader's mean payoff as a line in the hawk bias: (at eta = 0, slope)."""
        return leader_line_from(self.partials())

    def partials(self) -> list[dict[str, float]]:
        """The sums and counts behind :meth:`summary`, one dict per chunk of
        :data:`~backscratch.core.rng.BLOCK` runs in run order (:func:`summary_from` adds them
        up in that order). A run streamed block by block (``stream_run``) gives the same
        chunks, so the same summary to the last bit."""
        n = self.scenario.runs
        return [self._chunk(slice(a, min(a + rng.BLOCK, n))) for a in range(0, n, rng.BLOCK)]

    def _chunk(self, runs: slice) -> dict[str, float]:
        from backscratch.dyad import _kernels

        r, sc = self.records, self.scenario
        sums = _kernels.chunk_sums(
            r["response"], r["demand"], r["belief"], r["entries"], r["latency"],
            r["punished"], r["backed_down"], r["transfer"], r["payoff_demander"],
            r["payoff_target"], r["payoff_third_parties"], self.plan.threat, self.plan.offer,
            runs.start, runs.stop, sc.shadow, sc.hedging.threshold, sc.demander.value,
            sc.offer.price,
        )  # fmt: skip
        out = dict(zip(_kernels.CHUNK_SUMS, sums.tolist(), strict=True))
        d = sc.domestic
        backdowns, broken = out.pop("backdowns_disc"), out.pop("broken_disc")
        n = runs.stop - runs.start
        return {
            "runs": float(n),
            "cells": float(n * sc.horizon),
            **out,
            "leader0": out["demander"] - d.audience_cost * backdowns - d.promise_cost * broken,
        }

    def summary(self) -> dict[str, Any]:
        """The metrics of :data:`METRICS` (see ``backscratch compare --help``), from
        :meth:`partials`."""
        return summary_from(self.partials(), self.scenario.domestic.hawk_bias)

    def per_run(self) -> dict[str, np.ndarray]:
        """One value per run: ``pliable``, ``demand_periods`` and :data:`RUN_METRICS`."""
        r = self.records
        resp = r["response"]
        made = (resp != NO_DEMAND).sum(axis=0)
        complied = (resp == COMPLIED).sum(axis=0)
        latency = r["latency"]
        return {
            "pliable": self.pliable.copy(),
            "demand_periods": made.astype(np.int32),
            "cooperation_rate": np.where(made > 0, complied / np.maximum(made, 1), np.nan),
            "punishments_per_run": r["punished"].sum(axis=0).astype(np.int32),
            "backdowns_per_run": r["backed_down"].sum(axis=0).astype(np.int32),
            "transfer_per_run": r["transfer"].sum(axis=0),
            "entries_per_run": r["entries"].sum(axis=0).astype(np.int32),
            "final_belief": r["belief"][-1].copy(),
            "final_latency": latency[-1].copy(),
            "threshold_crossed": (latency >= self.scenario.hedging.threshold).any(axis=0),
            "demander_payoff": self.discounted("payoff_demander"),
            "target_payoff": self.discounted("payoff_target"),
            "leader_payoff": self._leader(self.scenario.domestic.hawk_bias),
        }

    def per_period(self) -> dict[str, np.ndarray]:
        """Per period (arrays of length horizon): ``cooperation_rate`` (share of demands met;
        NaN where none was made), mean ``demand`` among demands made, mean ``entries``,
        ``latency`` (mean, and ``latency_lo``/``latency_hi``: 10% and 90% of runs), mean
        ``belief`` at the start, ``belief_jump`` (mean change of the belief after a
        concession; NaN in the last period, whose update is not recorded) and each side's
        discounted payoff to date (``payoff_demander``, ``payoff_target``)."""
        r = self.records
        resp = r["response"]
        made = resp != NO_DEMAND
        complied = resp == COMPLIED
        lo, hi = np.quantile(r["latency"], [0.1, 0.9], axis=1)
        belief = r["belief"]
        jump = np.full(belief.shape[0], np.nan)
        jump[:-1] = _mean_where(belief[1:] - belief[:-1], complied[:-1])
        disc = self.scenario.shadow ** np.arange(self.scenario.horizon)
        return {
            "cooperation_rate": _mean_where(complied.astype(float), made),
            "demand": _mean_where(r["demand"], made),
            "entries": r["entries"].mean(axis=1),
            "latency": r["latency"].mean(axis=1),
            "latency_lo": lo,
            "latency_hi": hi,
            "belief": belief.mean(axis=1),
            "belief_jump": jump,
            "payoff_demander": np.cumsum(disc * r["payoff_demander"].mean(axis=1)),
            "payoff_target": np.cumsum(disc * r["payoff_target"].mean(axis=1)),
        }

    def series(self, column: str) -> dict[str, float]:
        """Mean of a per-period column across runs, by date (``YYYY-MM``)."""
        dates = self.scenario.calendar.dates(self.scenario.horizon)
        return dict(zip(dates, self.records[column].mean(axis=1).tolist(), strict=True))

    def to_arrow(self, first_run: int = 0) -> pa.Table:
        """One row per (run, period), ordered by run then period: :data:`EXTRA_COLUMNS` and
        :data:`COLUMNS` (``date`` and ``policy`` dictionary-encoded); runs are numbered from
        ``first_run`` (a block of a streamed run)."""
        H, n = self.scenario.horizon, self.scenario.runs
        dates = self.scenario.calendar.dates(H)
        small = np.zeros(n * H, dtype=np.int32)

        def categorical(values: list[str], codes: np.ndarray) -> pa.DictionaryArray:
            return pa.DictionaryArray.from_arrays(codes, pa.array(values))

        cols: dict[str, Any] = {
            "run": np.repeat(np.arange(first_run, first_run + n, dtype=np.int64), H),
            "period": np.tile(np.arange(H, dtype=np.int32), n),
            "date": categorical(dates, np.tile(np.arange(H, dtype=np.int32), n)),
            "policy": categorical([self.policy], small),
            "instrument": np.tile(self.plan.codes, n),
            "pliable": np.repeat(self.pliable, H),
        }
        for c in COLUMNS:
            cols[c.name] = np.ascontiguousarray(self.records[c.name].T).reshape(-1)
        return pa.table(cols)


def _total(chunks: list[dict[str, float]], key: str) -> float:
    total = 0.0
    for c in chunks:  # in run order: the same sum however the runs were blocked
        total += c[key]
    return total


def leader_line_from(chunks: list[dict[str, float]]) -> tuple[float, float]:
    """The leader's mean payoff as a line in the hawk bias, (at eta = 0, slope), from
    :meth:`DyadResult.partials`."""
    runs = _total(chunks, "runs")
    return _total(chunks, "leader0") / runs, _total(chunks, "toughness") / runs


def summary_from(chunks: list[dict[str, float]], hawk_bias: float) -> dict[str, Any]:
    """The metrics of :data:`METRICS` from the chunk sums of :meth:`DyadResult.partials`
    (a list of chunks in run order, however many blocks they were simulated in)."""

    def tot(key: str) -> float:
        return _total(chunks, key)

    def ratio(key: str, count: str) -> float:
        n = tot(count)
        return tot(key) / n if n else 0.0

    runs, cells, made = tot("runs"), tot("cells"), tot("made")
    a, b = leader_line_from(chunks)
    return {
        "cooperation_rate": tot("complied") / made if made else 0.0,
        "demand_growth_after_compliance": ratio("growth_c", "growth_c_n"),
        "demand_growth_after_resistance": ratio("growth_r", "growth_r_n"),
        "punishments_per_period": tot("punished") / cells,
        "demander_payoff": tot("demander") / runs,
        "target_payoff": tot("target") / runs,
        "backdowns_per_period": tot("backed_down") / cells,
        "transfer_per_run": tot("transfer") / runs,
        "exchange_success": ratio("exchanges", "offers"),
        "belief_jump_after_compliance": ratio("jump_c", "jump_c_n"),
        "belief_jump_after_resistance": ratio("jump_r", "jump_r_n"),
        "final_belief": tot("final_belief") / runs,
        "entries_per_period": tot("entries") / cells,
        "entries_after_compliance": ratio("entries_c", "entries_c_n"),
        "entries_after_resistance": ratio("entries_r", "entries_r_n"),
        "third_party_payoff": tot("third") / runs,
        "final_latency": tot("final_latency") / runs,
        "threshold_crossed_share": tot("crossed") / runs,
        "leader_payoff": a + hawk_bias * b,
        "toughness": b,
        "demand_periods": int(made),
    }


def _mean_where(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean over runs (axis 1) of ``values`` where ``mask``; NaN where the mask is empty."""
    count = mask.sum(axis=1)
    total = np.where(mask, values, 0.0).sum(axis=1)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


# -------------------------------------------------------------------------- comparison


@dataclass(eq=False, repr=False)
class Comparison(PolicyComparison):
    """Several policies of one scenario, run on the same random numbers (common random
    numbers): ``c[policy]`` (``c.results[policy]``) is each one's :class:`DyadResult`."""

    scenario: Scenario
    results: dict[str, DyadResult]
    etas: Any = None
    """Hawk-bias values of :meth:`domestic` (default: 11 values over twice eta*)."""
    frontier: dict[str, Any] | None = None
    """The threat frontier's summary where one was computed
    (:meth:`backscratch.dyad.frontier.ThreatFrontier.summary`)."""
    metrics = METRICS

    def _headline(self) -> str:
        sc = self.scenario
        return (
            f"{sc.name}: {', '.join(self.policies)}; {sc.runs} runs × {sc.horizon} periods "
            f"each, seed {sc.seed}"
        )

    def summary(self) -> dict[str, Any]:
        """``{"scenario", "runs", "seed", "policies": {policy: summary}}``."""
        sc = self.scenario
        return {"scenario": sc.name, "runs": sc.runs, "seed": sc.seed, "policies": self.summaries()}

    def domestic(self, etas: Any = None) -> dict[str, Any]:
        """The hawk-bias analysis of :func:`lock_in` over these policies (``etas``: default
        :attr:`etas`)."""
        coop = {p: s["cooperation_rate"] for p, s in self.summaries().items()}
        lines = {p: r.leader_line() for p, r in self.results.items()}
        return lock_in(lines, coop, self.etas if etas is None else etas)

    def table(self) -> Any:
        """A pandas DataFrame: one row per metric (index: name; ``label`` and ``unit``
        columns), one column per policy."""
        import pandas as pd

        s = self.summaries()
        rows = [
            {"metric": m.name, "label": m.label, "unit": m.unit, **{p: s[p][m.name] for p in s}}
            for m in METRICS
        ]
        return pd.DataFrame(rows).set_index("metric")

    def to_arrow(self) -> pa.Table:
        """Every policy's long table (:meth:`DyadResult.to_arrow`), one after the other,
        with ``date`` and ``policy`` as plain strings."""
        tables = [r.to_arrow() for r in self.results.values()]
        for name in ("date", "policy"):  # one plain-string type for every policy's table
            tables = [
                t.set_column(t.schema.get_field_index(name), name, t[name].cast(pa.string()))
                for t in tables
            ]
        return pa.concat_tables(tables)

    def contrast(self, a: str, b: str) -> Contrast:
        """Per-run paired differences ``a − b`` of every metric of :data:`RUN_METRICS`, on the
        common random numbers, with paired 95% confidence intervals."""
        for name in (a, b):
            if name not in self.results:
                known = ", ".join(self.results)
                raise ScenarioError.bad("policy", f"'{name}' was not compared (compared: {known})")
        return Contrast(self.scenario, a, b, self.results[a].per_run(), self.results[b].per_run())


@dataclass(eq=False, repr=False)
class Contrast(Result):
    """Paired per-run differences ``first − second`` of two policies run on the same random
    numbers: run ``i`` of both saw the same target type and the same draws, so the paired
    interval is much narrower than one from two independent samples."""

    scenario: Scenario
    first: str
    second: str
    runs_first: dict[str, np.ndarray]
    runs_second: dict[str, np.ndarray]
    metrics = RUN_METRICS

    def _headline(self) -> str:
        return (
            f"{self.first} − {self.second} on {self.scenario.name}, {self.scenario.runs} paired "
            "runs"
        )

    def differences(self, metric: str) -> np.ndarray:
        """Per-run ``first − second`` of ``metric`` (NaN where either is undefined)."""
        a = np.asarray(self.runs_first[metric], dtype=float)
        b = np.asarray(self.runs_second[metric], dtype=float)
        return a - b

    def summary(self) -> dict[str, Any]:
        """Per metric: both means, the mean difference, its paired 95% CI and the number of
        runs where both are defined."""
        out: dict[str, Any] = {}
        for m in RUN_METRICS:
            d = self.differences(m.name)
            ok = np.isfinite(d)
            a = np.asarray(self.runs_first[m.name], dtype=float)[ok]
            b = np.asarray(self.runs_second[m.name], dtype=float)[ok]
            mean, lo, hi = mean_ci(d[ok][None, :])[0] if ok.any() else (np.nan,) * 3
            out[m.name] = {
                self.first: float(a.mean()) if ok.any() else float("nan"),
                self.second: float(b.mean()) if ok.any() else float("nan"),
                "difference": float(mean),
                "ci95": [float(lo), float(hi)],
                "runs": int(ok.sum()),
            }
        return out

    def to_arrow(self) -> pa.Table:
        """One row per metric: both means, the difference, its 95% CI, paired runs."""
        s = self.summary()
        return pa.table(
            {
                "metric": [m.name for m in RUN_METRICS],
                "unit": [m.unit for m in RUN_METRICS],
                self.first: [s[m.name][self.first] for m in RUN_METRICS],
                self.second: [s[m.name][self.second] for m in RUN_METRICS],
                "difference": [s[m.name]["difference"] for m in RUN_METRICS],
                "ci95_low": [s[m.name]["ci95"][0] for m in RUN_METRICS],
                "ci95_high": [s[m.name]["ci95"][1] for m in RUN_METRICS],
                "runs": [s[m.name]["runs"] for m in RUN_METRICS],
            }
        )

    def __str__(self) -> str:
        s = self.summary()
        width = max(len(m.name) for m in RUN_METRICS)
        lines = [f"{self._headline()} (paired 95% CI):"]
        for m in RUN_METRICS:
            r = s[m.name]
            lo, hi = r["ci95"]
            lines.append(
                f"  {m.name:<{width}}  {r['difference']:+.4f}  [{lo:+.4f}, {hi:+.4f}]  "
                f"({r[self.first]:.4f} vs {r[self.second]:.4f})"
            )
        return "\n".join(lines)

    def _summary_rows(self) -> list[tuple[str, Any]]:
        s = self.summary()
        return [(m.title, s[m.name]["difference"]) for m in RUN_METRICS]

    def _repr_html_(self) -> str:
        s = self.summary()
        rows = [
            [m.title, s[m.name][self.first], s[m.name][self.second], s[m.name]["difference"]]
            + s[m.name]["ci95"]
            for m in RUN_METRICS
        ]
        head = ["metric", self.first, self.second, "difference", "95% CI low", "95% CI high"]
        return f"<div><p><b>Contrast: {self._headline()}</b></p>{html_table(head, rows)}</div>"


def select(names: tuple[str, ...]) -> tuple[Metric, ...]:
    """The summary metrics called ``names``, in that order."""
    return by_name(METRICS, names)

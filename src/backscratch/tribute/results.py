"""What the tribute model records and reports: event columns, summary metrics, results.

:class:`TributeResult` holds one variant's records; :class:`TributeComparison` several
variants run on the same seeds (same initial wealth and activated actors per run).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from backscratch.core.results import Column, Metric, PolicyComparison, Result
from backscratch.tribute import _kernels as K
from backscratch.tribute.scenario import TributeScenario

EVENT_COLUMNS: tuple[Column, ...] = (
    Column("fights", "int32", "count", "demands that ended in a fight"),
    Column("demands", "int32", "count", "demands made"),
    Column("tributes", "int32", "count", "demands that ended in tribute paid"),
    Column("offers", "int32", "count", "offers of payment for alignment (accepted)"),
    Column("tribute_paid", "float64", "wealth units", "wealth paid as tribute"),
    Column("offer_paid", "float64", "wealth units", "wealth paid for alignment"),
    Column("destroyed", "float64", "wealth units", "wealth destroyed in fights"),
)
"""Per-year event columns, in the kernel's order (see ``_kernels.N_EVENTS``)."""

YEAR_COLUMNS: tuple[Column, ...] = (
    Column("run", "int64", "index", "run number"),
    Column("year", "int32", "year", "year t, from 0 (the initial state; events of year 0 are 0)"),
    Column("policy", "string", "name", "the variant (`blackmail`, `backscratching`, ...)"),
    Column("total_wealth", "float64", "wealth units", "all actors' wealth at the end of the year"),
    Column(
        "isolated_wealth",
        "float64",
        "wealth units",
        "what the actors would hold in total with no demands (production only)",
    ),
    Column("top_share", "float64", "share", "the wealthiest actor's share of total wealth"),
    Column("major_actors", "int32", "count", "actors above `record.dominance_share` of wealth"),
    Column("relative_wealth", "float64", "ratio", "total_wealth / isolated_wealth"),
    *EVENT_COLUMNS,
    Column("clusters", "int32", "count", "clusters of mutually committed actors (snapshot years)"),
    Column("clusters_largest", "int32", "count", "actors in the largest cluster (snapshot years)"),
    Column("clusters_members", "int32", "count", "actors in some cluster (snapshot years)"),
)
"""The columns of :meth:`TributeResult.to_arrow`, in order (the cluster columns are null in
years without a commitment snapshot, ``record.commitment_every``)."""

METRICS: tuple[Metric, ...] = (
    Metric("fights_per_run", "fights / run", "count", "demands that ended in a fight"),
    Metric("payments_per_run", "tributes paid / run", "count", "demands met with tribute"),
    Metric("offers_per_run", "offers accepted / run", "count", "backscratching offers"),
    Metric("demands_per_run", "demands / run", "count", "demands made"),
    Metric("fight_share", "share of demands ending in a fight", "share", "pooled over runs"),
    Metric("top_share", "top actor's share of wealth (final)", "share", "wealthiest actor's"),
    Metric(
        "major_actors",
        "actors holding > 10% of wealth (final)",
        "count",
        "actors above record.dominance_share of total wealth",
    ),
    Metric(
        "relative_wealth",
        "total wealth / isolated actors' (final)",
        "ratio",
        "total wealth over what isolated actors would hold",
    ),
    Metric("destroyed_per_run", "wealth destroyed / run", "wealth units", "in fights"),
    Metric(
        "clusters",
        "clusters of mutually committed actors (final)",
        "count",
        "groups whose members are all committed to each other at least cluster_threshold",
    ),
    Metric("largest_cluster", "largest cluster, actors (final)", "count", "its members"),
    Metric(
        "fights_per_year_first_tenth",
        "fights / year, first tenth of years",
        "count",
        "mean over the first tenth of the years",
    ),
    Metric(
        "fights_per_year_last_tenth",
        "fights / year, last tenth of years",
        "count",
        "mean over the last tenth of the years",
    ),
)
"""The summary statistics (means over runs unless named otherwise); :meth:`TributeResult.summary`
adds ``*_sd`` standard deviations over runs for some."""

CONTRACT = (
    "fights_per_run",
    "payments_per_run",
    "offers_per_run",
    "fight_share",
    "top_share",
    "major_actors",
    "relative_wealth",
    "destroyed_per_run",
    "clusters",
    "largest_cluster",
)
"""Keys of each variant's entry in ``compare --format json`` for a tribute scenario."""


@dataclass(eq=False, repr=False)
class TributeResult(Result):
    """Everything recorded of a tribute simulation.

    ``events[t - 1, run, k]`` during year ``t`` (columns :data:`EVENT_COLUMNS`);
    ``stats[t, run, k]`` at the end of year ``t``, ``t = 0`` the start (total wealth, top
    actor's share, actors above the dominance share); ``wealth[s, run, actor]`` at the end of
    year ``wealth_years[s]``; ``commitment[s, run, from, to]`` at ``snapshot_years[s]`` (the
    wealth is stored at those years too).
    """

    scenario: TributeScenario
    policy: str
    events: np.ndarray
    stats: np.ndarray
    wealth_years: list[int]
    wealth: np.ndarray
    snapshot_years: list[int]
    commitment: np.ndarray
    years_done: int
    _clusters: tuple | None = field(default=None, repr=False)
    metrics = METRICS

    def _headline(self) -> str:
        sc = self.scenario
        return (
            f"{sc.name}, {self.policy}: {self.runs} runs × {self.years_done} years, "
            f"{self.actors} actors ({sc.network.kind}), seed {sc.seed}"
        )

    @property
    def runs(self) -> int:
        return self.wealth.shape[1]

    @property
    def actors(self) -> int:
        return self.wealth.shape[2]

    def event(self, name: str) -> np.ndarray:
        """A yearly event column, shape ``(years, runs)``."""
        k = [c.name for c in EVENT_COLUMNS].index(name)
        return self.events[: self.years_done, :, k]

    def wealth_at(self, year: int) -> np.ndarray:
        """Wealth ``[run, actor]`` at the end of ``year`` (a stored year)."""
        return self.wealth[self.wealth_years.index(year)]

    def isolated_total(self) -> np.ndarray:
        """Total wealth had every actor been isolated, shape ``(years + 1, runs)``."""
        t = np.arange(self.years_done + 1)[:, None]
        return self.wealth[0].sum(axis=1)[None, :] + self.actors * self.scenario.wealth.income * t

    def yearly(self) -> dict[str, np.ndarray]:
        """Per year (rows ``t = 0..years``) and run: wealth statistics and event counts."""
        st = self.stats[: self.years_done + 1]
        out = {
            "total_wealth": st[:, :, K.TOTAL],
            "isolated_wealth": self.isolated_total(),
            "top_share": st[:, :, K.TOP_SHARE],
            "major_actors": st[:, :, K.MAJOR],
        }
        out["relative_wealth"] = out["total_wealth"] / out["isolated_wealth"]
        for c in EVENT_COLUMNS:
            col = np.zeros_like(out["total_wealth"])
            col[1:] = self.event(c.name)
            out[c.name] = col
        return out

    def clusters(self) -> dict[str, np.ndarray]:
        """Cluster statistics at each snapshot year, shape ``(snapshots, runs)``: ``count``
        (groups of >= 2 actors, every pair mutually committed at least
        ``commitment.cluster_threshold``, grown around the wealthiest; see
        ``_kernels.clusters``), ``largest`` and ``members``
        (actors in some cluster)."""
        if self._clusters is None:
            th = self.scenario.commitment.cluster_threshold
            parts = [
                K.clusters(c, self.wealth_at(yr), th)
                for c, yr in zip(self.commitment, self.snapshot_years, strict=True)
            ]
            self._clusters = tuple(np.stack([p[k] for p in parts]) for k in range(3))
        return dict(zip(("count", "largest", "members"), self._clusters, strict=True))

    def summary(self) -> dict[str, float]:
        """Statistics over runs (means unless named otherwise), for tables and JSON."""
        y = self.yearly()
        fights = self.event("fights").sum(axis=0)
        demands = self.event("demands").sum(axis=0)
        tributes = self.event("tributes").sum(axis=0)
        cl = self.clusters()
        early = max(1, self.years_done // 10)
        return {
            "fights_per_run": float(fights.mean()),
            "fights_per_run_sd": float(fights.std()),
            "payments_per_run": float(tributes.mean()),
            "payments_per_run_sd": float(tributes.std()),
            "offers_per_run": float(self.event("offers").sum(axis=0).mean()),
            "demands_per_run": float(demands.mean()),
            "fight_share": float(fights.sum() / demands.sum()) if demands.sum() else 0.0,
            "top_share": float(y["top_share"][-1].mean()),
            "top_share_sd": float(y["top_share"][-1].std()),
            "major_actors": float(y["major_actors"][-1].mean()),
            "major_actors_sd": float(y["major_actors"][-1].std()),
            "relative_wealth": float(y["relative_wealth"][-1].mean()),
            "relative_wealth_sd": float(y["relative_wealth"][-1].std()),
            "destroyed_per_run": float(self.event("destroyed").sum(axis=0).mean()),
            "clusters": float(cl["count"][-1].mean()),
            "clusters_sd": float(cl["count"][-1].std()),
            "largest_cluster": float(cl["largest"][-1].mean()),
            "fights_per_year_first_tenth": float(self.event("fights")[:early].mean()),
            "fights_per_year_last_tenth": float(self.event("fights")[-early:].mean()),
        }

    def to_arrow(self) -> pa.Table:
        """One row per run and year (from year 0): events, totals, top share, major actors,
        and, at snapshot years, clusters (null elsewhere)."""
        y = self.yearly()
        T, R = y["total_wealth"].shape
        cols: dict[str, pa.Array] = {
            "run": pa.array(np.tile(np.arange(R, dtype=np.int64), T)),
            "year": pa.array(np.repeat(np.arange(T, dtype=np.int32), R)),
            "policy": pa.array([self.policy] * (T * R), pa.string()),
        }
        for name, arr in y.items():
            a = arr.reshape(-1)
            if name in {"fights", "demands", "tributes", "offers", "major_actors"}:
                a = a.astype(np.int32)
            cols[name] = pa.array(a)
        for name, arr in self.clusters().items():
            full = np.full((T, R), -1, dtype=np.int32)
            for s, yr in enumerate(self.snapshot_years):
                full[yr] = arr[s]
            flat = full.reshape(-1)
            key = "clusters" if name == "count" else f"clusters_{name}"
            cols[key] = pa.array(flat, mask=flat < 0)
        return pa.table(cols)

    def wealth_table(self) -> pa.Table:
        """One row per stored year, run and actor: wealth at the end of the year."""
        S, R, N = self.wealth.shape
        yrs = np.asarray(self.wealth_years, dtype=np.int32)
        return pa.table(
            {
                "run": pa.array(np.tile(np.repeat(np.arange(R, dtype=np.int64), N), S)),
                "year": pa.array(np.repeat(yrs, R * N)),
                "actor": pa.array(np.tile(np.arange(N, dtype=np.int32), S * R)),
                "wealth": pa.array(self.wealth.reshape(-1)),
            }
        )

    def commitment_table(self) -> pa.Table:
        """One row per snapshot year, run and ordered pair: commitment of ``from`` to ``to``."""
        S, R, N, _ = self.commitment.shape
        yrs = np.asarray(self.snapshot_years, dtype=np.int32)
        return pa.table(
            {
                "year": pa.array(np.repeat(yrs, R * N * N)),
                "run": pa.array(np.tile(np.repeat(np.arange(R, dtype=np.int64), N * N), S)),
                "from": pa.array(np.tile(np.repeat(np.arange(N, dtype=np.int32), N), S * R)),
                "to": pa.array(np.tile(np.arange(N, dtype=np.int32), S * R * N)),
                "commitment": pa.array(self.commitment.reshape(-1).astype(np.int16)),
            }
        )


@dataclass(eq=False, repr=False)
class TributeComparison(PolicyComparison):
    """Several variants of one tribute scenario on the same seeds: ``c[policy]``."""

    scenario: TributeScenario
    results: dict[str, TributeResult]
    metrics = METRICS

    def _headline(self) -> str:
        sc = self.scenario
        return (
            f"{sc.name}: {', '.join(self.policies)}; {sc.runs} runs × {sc.years} years, "
            f"{sc.actors} actors, seed {sc.seed}"
        )

    def summary(self) -> dict[str, Any]:
        """``{"scenario", "runs", "seed", "years", "actors", "policies": {name: summary}}``."""
        sc = self.scenario
        return {
            "scenario": sc.name,
            "runs": sc.runs,
            "seed": sc.seed,
            "years": sc.years,
            "actors": sc.actors,
            "policies": self.summaries(),
        }

    def to_arrow(self) -> pa.Table:
        """Every variant's yearly table (:meth:`TributeResult.to_arrow`), one after another."""
        return pa.concat_tables([r.to_arrow() for r in self.results.values()])

"""What the tribute model records and reports: event columns, summary metrics, results.

:class:`TributeResult` holds one variant's records; :class:`TributeComparison` several
variants run on the same seeds (same initial wealth and activated actors per run).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
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


class CommitmentLog:
    """Commitment snapshots kept as changes: snapshot 0 is the scenario's initial commitments
    (``commitment.initial`` between actors, 100 to oneself: a constant, not stored); snapshot
    ``s > 0`` of a run is the entries (``from * actors + to``) that changed since snapshot
    ``s - 1`` and their values then. Matrices are rebuilt on request (:meth:`snapshot`,
    :meth:`dense`); the model fills the log (:meth:`add`, :meth:`merge`)."""

    def __init__(self, runs: int, actors: int, initial: int):
        self.runs, self.actors, self.initial = runs, actors, initial
        self.index_dtype = np.dtype(np.uint32 if actors * actors <= 2**32 else np.int64)
        # parts: (first snapshot s0, first run lo, starts[k, runs + 1], idx, val): snapshot
        # s0 + i of run lo + r changed idx[starts[i, r]:starts[i, r + 1]] to val[...]
        self._parts: list[tuple[int, int, np.ndarray, np.ndarray, np.ndarray]] = []
        self.nbytes = 0

    def initial_matrices(self, runs: int) -> np.ndarray:
        """The first year's commitments of ``runs`` runs, ``[run, from, to]`` (int8)."""
        c = np.full((runs, self.actors, self.actors), self.initial, dtype=np.int8)
        idx = np.arange(self.actors)
        c[:, idx, idx] = 100
        return c

    def add(self, s: int, lo: int, starts: np.ndarray, idx: np.ndarray, val: np.ndarray):
        """Snapshot ``s`` of runs ``lo, lo + 1, ...``: run ``lo + r`` changed the entries
        ``idx[starts[r]:starts[r + 1]]`` to ``val[...]``."""
        self._parts.append((s, lo, starts[None, :], idx, val))
        self.nbytes += starts.nbytes + idx.nbytes + val.nbytes

    def merge(self, lo: int) -> None:
        """Join the trailing parts of runs ``lo, ...`` (consecutive snapshots) into one."""
        k = len(self._parts)
        while k > 0 and self._parts[k - 1][1] == lo:
            k -= 1
        tail = self._parts[k:]
        if len(tail) < 2:
            return
        sizes = np.cumsum([0] + [p[3].shape[0] for p in tail[:-1]])
        starts = np.concatenate([p[2] + off for p, off in zip(tail, sizes, strict=True)])
        idx = np.concatenate([p[3] for p in tail])
        val = np.concatenate([p[4] for p in tail])
        del self._parts[k:]
        self._parts.append((tail[0][0], lo, starts, idx, val))

    def _by_snapshot(self, upto: int) -> dict[int, list[tuple[int, int]]]:
        by: dict[int, list[tuple[int, int]]] = {}
        for p, (s0, _, starts, _, _) in enumerate(self._parts):
            for i in range(starts.shape[0]):
                if s0 + i <= upto:
                    by.setdefault(s0 + i, []).append((p, i))
        return by

    def _apply(self, out: np.ndarray, p: int, i: int) -> None:
        _, lo, starts, idx, val = self._parts[p]
        runs = starts.shape[1] - 1
        K.apply_changes(out[lo : lo + runs].reshape(runs, -1), idx, val, starts[i])

    def changes(self) -> Iterator[tuple[int, np.ndarray, np.ndarray, np.ndarray]]:
        """``(snapshot, run, entry, value)`` arrays of every change, snapshot by snapshot and
        within one in run order (entries ``from * actors + to``)."""
        by = self._by_snapshot(1 << 62)
        for s in sorted(by):
            for p, i in sorted(by[s], key=lambda pi: self._parts[pi[0]][1]):
                _, lo, starts, idx, val = self._parts[p]
                st = starts[i]
                a, b = st[0], st[-1]
                run = lo + np.repeat(np.arange(st.shape[0] - 1), np.diff(st))
                yield s, run, idx[a:b], val[a:b]

    def snapshot(self, s: int) -> np.ndarray:
        """Snapshot ``s``: commitments ``[run, from, to]`` of every run."""
        out = self.initial_matrices(self.runs)
        by = self._by_snapshot(s)
        for t in sorted(by):
            for p, i in by[t]:
                self._apply(out, p, i)
        return out

    def dense(self, snapshots: int) -> np.ndarray:
        """The first ``snapshots`` snapshots, ``[snapshot, run, from, to]``."""
        n = self.actors
        out = np.empty((snapshots, self.runs, n, n), dtype=np.int8)
        if snapshots == 0:
            return out
        out[0] = self.initial_matrices(self.runs)
        by = self._by_snapshot(snapshots - 1)
        for s in range(1, snapshots):
            out[s] = out[s - 1]
            for p, i in by.get(s, []):
                self._apply(out[s], p, i)
        return out


class TributeResult(Result):
    """Everything recorded of a tribute simulation.

    ``events[t - 1, run, k]`` during year ``t`` (columns :data:`EVENT_COLUMNS`);
    ``stats[t, run, k]`` at the end of year ``t``, ``t = 0`` the start (total wealth, top
    actor's share, actors above the dominance share); ``wealth[s, run, actor]`` at the end of
    year ``wealth_years[s]``; ``commitment[s, run, from, to]`` at ``snapshot_years[s]`` (the
    wealth is stored at those years too).

    ``commitment`` may be given as a :class:`CommitmentLog` (what the model gives): the
    matrices of every snapshot are then built when :attr:`commitment` is first read
    (:meth:`commitment_at` builds one snapshot), and ``_clusters`` holds the clusters the
    model found at each snapshot.
    """

    metrics = METRICS

    def __init__(
        self,
        scenario: TributeScenario,
        policy: str,
        events: np.ndarray,
        stats: np.ndarray,
        wealth_years: list[int],
        wealth: np.ndarray,
        snapshot_years: list[int],
        commitment: np.ndarray | CommitmentLog,
        years_done: int,
        _clusters: tuple | None = None,
    ):
        self.scenario = scenario
        self.policy = policy
        self.events = events
        self.stats = stats
        self.wealth_years = wealth_years
        self.wealth = wealth
        self.snapshot_years = snapshot_years
        self.years_done = years_done
        self._clusters = _clusters
        self._log = commitment if isinstance(commitment, CommitmentLog) else None
        self._dense = None if isinstance(commitment, CommitmentLog) else commitment

    @property
    def commitment(self) -> np.ndarray:
        """Commitments ``[snapshot, run, from, to]`` (int8, percent) at ``snapshot_years``:
        runs x actors^2 bytes a snapshot, built from the log on first reading."""
        if self._dense is None:
            assert self._log is not None
            self._dense = self._log.dense(len(self.snapshot_years))
        return self._dense

    def commitment_at(self, year: int) -> np.ndarray:
        """Commitments ``[run, from, to]`` at the end of ``year`` (a snapshot year)."""
        s = self.snapshot_years.index(year)
        if self._dense is not None or self._log is None:
            return self.commitment[s]
        return self._log.snapshot(s)

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

    def wealth_tables(self) -> Iterator[pa.Table]:
        """``wealth.parquet`` a stored year at a time: one row per run and actor (columns
        ``run``, ``year``, ``actor``, ``wealth`` at the end of the year)."""
        _, R, N = self.wealth.shape
        run = pa.array(np.repeat(np.arange(R, dtype=np.int64), N))
        actor = pa.array(np.tile(np.arange(N, dtype=np.int32), R))
        for s, yr in enumerate(self.wealth_years):
            yield pa.table(
                {
                    "run": run,
                    "year": pa.array(np.full(R * N, yr, dtype=np.int32)),
                    "actor": actor,
                    "wealth": pa.array(self.wealth[s].reshape(-1)),
                }
            )

    def commitment_tables(self) -> Iterator[pa.Table]:
        """``commitment.parquet`` a snapshot at a time, as changes: one row per snapshot year,
        run and ordered pair whose commitment (percent) differs from the previous snapshot's
        (columns ``year``, ``run``, ``from``, ``to``, ``commitment``). The first snapshot
        (year 0) is the scenario's ``commitment.initial`` between actors and 100 to oneself,
        so it has no rows; the matrix of a run at a snapshot year is the initial one with
        every row up to that year applied in order (:func:`read_commitment`)."""
        n = self.actors
        yrs = self.snapshot_years
        if self._log is not None and self._dense is None:
            for s, run, idx, val in self._log.changes():
                yield _changes_table(yrs[s], run, idx, val, n)
            return
        c = self.commitment
        for s in range(1, c.shape[0]):
            prev, cur = c[s - 1].reshape(c.shape[1], -1), c[s].reshape(c.shape[1], -1)
            run, idx = np.nonzero(prev != cur)
            yield _changes_table(yrs[s], run, idx, cur[run, idx], n)


def _changes_table(year: int, run, idx, val, n: int) -> pa.Table:
    idx = np.asarray(idx, dtype=np.int64)
    return pa.table(
        {
            "year": pa.array(np.full(idx.shape[0], year, dtype=np.int32)),
            "run": pa.array(np.asarray(run, dtype=np.int64)),
            "from": pa.array((idx // n).astype(np.int32)),
            "to": pa.array((idx % n).astype(np.int32)),
            "commitment": pa.array(np.asarray(val, dtype=np.int16)),
        }
    )


def read_commitment(path: str | Path, *, year: int, run: int = 0) -> np.ndarray:
    """The commitment matrix ``[from, to]`` (percent) of ``run`` at the end of ``year`` (a
    snapshot year) from a ``backscratch run`` folder of a tribute scenario: its scenario's
    initial commitments with the changes of ``commitment.parquet`` up to ``year`` applied.

    Parameters
    ----------
    path : str or Path
        The results folder (holding ``scenario.yaml`` and ``commitment.parquet``).
    year : int
        A year at which commitments were stored.
    run : int, default 0
        Which run.
    """
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from backscratch.core.errors import ScenarioError
    from backscratch.core.schema import load_scenario

    folder = Path(path)
    sc = load_scenario(folder / "scenario.yaml")
    if not isinstance(sc, TributeScenario):
        raise ScenarioError(f"{folder}: not the folder of a tribute run")
    n = sc.actors
    mat = np.full((n, n), sc.commitment.initial, dtype=np.int8)
    np.fill_diagonal(mat, 100)
    t = pq.read_table(
        folder / "commitment.parquet",
        filters=[("run", "=", run), ("year", "<=", year)],
    )
    t = t.take(pc.sort_indices(t, [("year", "ascending")]))
    mat[t["from"].to_numpy(), t["to"].to_numpy()] = t["commitment"].to_numpy()
    return mat


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

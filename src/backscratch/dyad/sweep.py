"""Sweeps: a grid of scenario variants × policies, one task each, resumable, bit-identical.

Layout of a sweep folder (see ``docs/sweeps.md``)::

    DIR/manifest.json              scenario, grid, policies, runs, seed, version, tasks
    DIR/parts/task-000012.parquet  one zstd Parquet part per task: one row per run
    DIR/done/task-000012.json      written after the part is complete: its sha256 and rows

A task counts as finished only when its done record exists and the part's checksum matches
it; parts are written under a temporary name and renamed when complete, so a sweep killed at
any moment resumes without reading a half-written part. ``parts/`` holds Parquet parts only,
so ``pandas.read_parquet("DIR/parts")``, ``polars.read_parquet("DIR/parts/*.parquet")`` and
DuckDB's ``read_parquet('DIR/parts/*.parquet')`` read it directly; :func:`load_sweep` reads
only the finished parts. Random streams are keyed by grid point (``SeedSequence(seed).spawn``),
so results do not depend on the backend, the number of workers or the order of completion,
and the policies at one grid point share their random numbers (common random numbers, as in
a comparison).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from backscratch.core import store
from backscratch.core.backends import check_backend, run_tasks
from backscratch.core.errors import ScenarioError
from backscratch.core.results import Column, Result
from backscratch.core.rng import BLOCK
from backscratch.core.schema import get_field, load_yaml, validate
from backscratch.core.version import __version__
from backscratch.dyad.api import check_policies
from backscratch.dyad.model import DyadModel
from backscratch.dyad.policies import DEFAULT_POLICIES
from backscratch.dyad.results import RUN_METRICS
from backscratch.dyad.scenario import Scenario

FORMAT = 2
"""Layout version of a sweep folder (2: done records in ``done/``, apart from the parts)."""

GROUP_KEYS = ("policy", "pliable", "point", "task")
"""Columns of every part besides the grid keys that summaries can group by."""

PART_COLUMNS: tuple[Column, ...] = (
    Column("task", "int32", "index", "task number (grid point by grid point, policies innermost)"),
    Column("point", "int32", "index", "grid point number"),
    Column("policy", "string", "name", "D's policy or counterfactual schedule"),
    Column("run", "int32", "index", "run number within the task, 0 ... runs - 1"),
    Column("pliable", "bool", "0/1", "T's private type in this run (true: pliable)"),
    Column("demand_periods", "int32", "count", "periods in which a demand was made"),
)
"""The columns of every sweep part besides one per grid key (after ``point``, named as the
key) and :data:`~backscratch.dyad.results.RUN_METRICS` (after these)."""


def _round(value: float) -> float:
    """A range's point as it would be written: 0.6, not 0.6000000000000001."""
    return float(f"{value:.12g}")


MAX_GRID = 10_000
MAX_TASKS = 100_000
"""The most tasks (grid points × policies) one sweep may plan; a bigger study is several
sweeps, each its own folder."""
"""Most values one grid key may take."""


def parse_grid(items: Sequence[str] | None, scenario: Scenario) -> dict[str, list[Any]]:
    """``key=v1,v2,...`` or ``key=start:stop:count`` strings as a grid (see :func:`check_grid`);
    errors are about ``grid``."""
    grid: dict[str, list[Any]] = {}
    for item in items or []:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key or not raw.strip():
            raise ScenarioError.bad(
                "grid", "expected key=v1,v2 or key=start:stop:count", f"'{item}'"
            )
        if key in grid:
            raise ScenarioError.bad("grid", "given twice", key)
        if ":" in raw:
            try:
                a, b, n = raw.split(":")
                count = int(n)
                if count < 1:
                    raise ValueError
                start, stop = float(a), float(b)
            except ValueError:
                raise ScenarioError.bad(
                    "grid", "a range is start:stop:count, e.g. 0.5:0.95:10", f"{key}='{raw}'"
                ) from None
            if count > MAX_GRID:
                raise ScenarioError.bad(
                    "grid", f"{count:,} values is more than the limit of {MAX_GRID:,}", key
                )
            values = [_round(v) for v in np.linspace(start, stop, count)]
        else:
            try:
                values = [load_yaml(v, key) for v in raw.split(",") if v.strip()]
            except ScenarioError as exc:
                raise ScenarioError.bad("grid", str(exc).split(": ", 1)[1], key) from None
        grid[key] = values
    return check_grid(grid, scenario)


def check_grid(grid: Mapping[str, Sequence[Any]], scenario: Scenario) -> dict[str, list[Any]]:
    """The grid with every value checked against (and typed by) the scenario's field, e.g.
    ``{"shadow": [0.5, 1]}`` -> ``{"shadow": [0.5, 1.0]}``; a one-line error otherwise."""
    out: dict[str, list[Any]] = {}
    for key, values in grid.items():
        if key in ("runs", "seed"):
            raise ScenarioError.bad("grid", f"set {key} directly, not as a grid key", key)
        if isinstance(values, np.ndarray):
            values = values.tolist()
        if isinstance(values, str | bytes) or not isinstance(values, Sequence) or not values:
            raise ScenarioError.bad("grid", "expected a non-empty list of values", key)
        if len(values) > MAX_GRID:
            raise ScenarioError.bad(
                "grid", f"{len(values):,} values is more than the limit of {MAX_GRID:,}", key
            )
        out[key] = [get_field(scenario.with_updates(**{key: v}), key) for v in values]
    return out


@dataclass(frozen=True)
class TaskSpec:
    """Everything one task needs: picklable, no reference to the caller's state."""

    index: int
    point_index: int
    point: dict[str, Any]
    policy: str
    seed: int
    runs: int
    scenario: dict[str, Any]
    part: str
    done: str


def point_seeds(seed: int, n_points: int) -> list[int]:
    """One 63-bit seed per grid point from ``SeedSequence(seed).spawn``."""
    children = np.random.SeedSequence(seed).spawn(n_points)
    return [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in children]


def _task_name(index: int) -> str:
    return f"task-{index:06d}"


def plan(
    scenario: Scenario, grid: Mapping[str, list[Any]], policies: Sequence[str], out: Path
) -> list[TaskSpec]:
    """The tasks of a sweep: every grid point (in the order given) × every policy; more than
    :data:`MAX_TASKS` is refused before any is planned."""
    sizes = [len(v) for v in grid.values()]
    n_tasks = math.prod(sizes) * len(policies)
    if n_tasks > MAX_TASKS:
        shape = " x ".join(f"{len(v)} {k}" for k, v in grid.items())
        raise ScenarioError.bad(
            "grid",
            f"{shape} x {len(policies)} policies is {n_tasks:,} tasks, more than the limit of "
            f"{MAX_TASKS:,} tasks; split the study into several sweeps",
        )
    keys = list(grid)
    points = [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*grid.values())]
    seeds = point_seeds(scenario.seed, len(points))
    base = scenario.model_dump()
    tasks: list[TaskSpec] = []
    for i, (point, seed) in enumerate(zip(points, seeds, strict=True)):
        for policy in policies:
            index = len(tasks)
            name = _task_name(index)
            part, done = out / "parts" / f"{name}.parquet", out / "done" / f"{name}.json"
            tasks.append(
                TaskSpec(index, i, point, policy, seed, scenario.runs, base, str(part), str(done))
            )
    return tasks


def run_task(spec: TaskSpec) -> dict[str, Any]:
    """Simulate one task and write its part, then its done record. Returns the record."""
    t0 = time.perf_counter()
    sc = validate(spec.scenario).with_updates(**spec.point, seed=spec.seed, runs=spec.runs)
    assert isinstance(sc, Scenario)
    metrics = per_run_by_block(sc, spec.policy)
    n = spec.runs
    cols: dict[str, Any] = {
        "task": np.full(n, spec.index, dtype=np.int32),
        "point": np.full(n, spec.point_index, dtype=np.int32),
    }
    for key, value in spec.point.items():
        cols[key] = pa.array([value] * n)
    cols["policy"] = pa.array([spec.policy] * n)
    cols["run"] = np.arange(n, dtype=np.int32)
    cols.update(metrics)
    store.write_parquet(pa.table(cols), spec.part)
    record = {
        "task": spec.index,
        "rows": n,
        "sha256": store.file_sha256(spec.part),
        "seconds": round(time.perf_counter() - t0, 3),
    }
    store.write_json(record, spec.done)
    return record


def per_run_by_block(scenario: Scenario, policy: str) -> dict[str, np.ndarray]:
    """``DyadModel(scenario, policy).run().per_run()``, computed one random block of runs at a
    time on one solution of the target's programme: bit-identical, but the per-period records
    held at once are a block's, not all runs'. Two workers simulating 10^4 runs x 100 periods
    each at once ran at half speed (memory traffic); block by block they run at full speed."""
    parts, table = [], None
    for start in range(0, scenario.runs, BLOCK):
        chunk = scenario.with_updates(runs=min(BLOCK, scenario.runs - start))
        sim = DyadModel(chunk, policy, compliance=table, first_run=start)
        table = sim.compliance  # solved by the first block, reused by the others
        parts.append(sim.run().per_run())
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def finished(part: str | Path, done: str | Path) -> bool:
    """Whether a task's part is complete and intact (its checksum matches its record)."""
    done, part = Path(done), Path(part)
    if not (done.is_file() and part.is_file()):
        return False
    try:
        record = json.loads(done.read_text())
    except (OSError, ValueError):
        return False
    return isinstance(record, dict) and record.get("sha256") == store.file_sha256(part)


def _manifest(
    scenario: Scenario, grid: Mapping[str, list[Any]], policies: list[str], tasks: list[TaskSpec]
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": __version__,
        "scenario": scenario.model_dump(),
        "grid": dict(grid),
        "policies": policies,
        "runs": scenario.runs,
        "seed": scenario.seed,
        "tasks": [
            {
                "task": t.index,
                "point": t.point,
                "policy": t.policy,
                "seed": t.seed,
                "part": Path(t.part).name,
            }
            for t in tasks
        ],
    }


def _manifest_type_error(manifest: dict[str, Any]) -> str | None:
    """What is of the wrong type in a manifest of this format, or None."""
    expect = {"scenario": dict, "grid": dict, "policies": list, "tasks": list}
    for key, kind in expect.items():
        if not isinstance(manifest[key], kind):
            return f"{key} must be a {'mapping' if kind is dict else 'list'}"
    for key in ("runs", "seed"):
        if isinstance(manifest[key], bool) or not isinstance(manifest[key], int):
            return f"{key} must be a whole number"
    if not all(isinstance(v, list) and v for v in manifest["grid"].values()):
        return "every grid key must hold a non-empty list"
    if not all(isinstance(p, str) for p in manifest["policies"]):
        return "policies must be names"
    task_keys = ("task", "point", "policy", "seed", "part")
    for t in manifest["tasks"]:
        if not isinstance(t, dict) or any(k not in t for k in task_keys):
            return f"every task must hold {', '.join(task_keys)}"
        if not isinstance(t["part"], str) or not isinstance(t["point"], dict):
            return "a task's part must be a file name and its point a mapping"
    return None


LOCK = ".lock"
"""The file a running sweep holds an exclusive lock on (``flock``; released when the
process ends, however it ends), so a second sweep on the same folder refuses at once."""


@contextlib.contextmanager
def _lock(out: Path):
    """Hold ``out``'s :data:`LOCK` while the sweep runs; a one-line error about ``out`` if
    another process holds it."""
    import fcntl

    with open(out / LOCK, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.seek(0)
            who = fh.read().strip() or "another process"
            raise ScenarioError.bad(
                "out", f"a sweep is already running there ({who}); wait for it or use another "
                "folder", out,
            ) from None  # fmt: skip
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}")
        fh.flush()
        try:
            yield
        finally:
            fh.seek(0)
            fh.truncate()
            fcntl.flock(fh, fcntl.LOCK_UN)


def sweep(
    scenario: Scenario,
    *,
    grid: Mapping[str, Sequence[Any]],
    out: str | Path,
    policies: Sequence[str] = DEFAULT_POLICIES,
    backend: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Sweep:
    """Run (or resume) a sweep into ``out``: every point of ``grid`` (field -> values) ×
    every policy, one task each, on ``backend`` (``serial``, ``local`` or ``dask``).
    ``progress(done, total)`` is called as tasks finish. Returns the :class:`Sweep`."""
    out = Path(out)
    check_backend(backend, workers, scheduler)
    names = check_policies(policies, scenario)
    points = check_grid(grid, scenario)
    tasks = plan(scenario, points, names, out)
    manifest = _manifest(scenario, points, names, tasks)
    path = out / "manifest.json"
    if out.exists() and not out.is_dir():
        raise ScenarioError.bad("out", "is a file, not a folder", out)
    if path.exists():
        try:
            old = json.loads(path.read_text())
        except ValueError:
            raise ScenarioError(f"{path}: not a sweep manifest (unreadable JSON)") from None
        if old != json.loads(json.dumps(manifest)):
            raise ScenarioError.bad(
                "out",
                "holds a different sweep (scenario, grid, policies, runs, seed, version or "
                "folder format differ); use another folder",
                out,
            )
    else:
        if out.is_dir() and any(out.iterdir()):
            raise ScenarioError.bad("out", "exists, is not empty and holds no sweep manifest", out)
        try:
            (out / "parts").mkdir(parents=True, exist_ok=True)
            (out / "done").mkdir(exist_ok=True)
            store.write_json(manifest, path)
        except OSError as exc:
            raise ScenarioError.bad("out", f"cannot write there ({exc.strerror})", out) from None
    with _lock(out):
        for sub in ("parts", "done"):  # temporary files of tasks killed mid-write
            for tmp in (out / sub).glob(".*.part"):
                tmp.unlink(missing_ok=True)
        pending = [t for t in tasks if not finished(t.part, t.done)]
        done = len(tasks) - len(pending)
        if progress:
            progress(done, len(tasks))
        for _ in run_tasks(run_task, pending, backend, workers, scheduler):
            done += 1
            if progress:
                progress(done, len(tasks))
    result = Sweep.open(out)
    result.ran, result.skipped = len(pending), len(tasks) - len(pending)
    return result


class Sweep(Result):
    """A sweep folder: its manifest, its finished parts, and summaries over them.

    ``ran``/``skipped``: tasks run and found finished by the :func:`sweep` call that
    returned it (``None`` when opened with :meth:`open`).
    """

    metrics = RUN_METRICS

    def __init__(self, folder: Path, manifest: dict[str, Any]):
        self.folder = folder
        self.manifest = manifest
        self.ran: int | None = None
        self.skipped: int | None = None

    @classmethod
    def open(cls, folder: str | Path) -> Sweep:
        """The sweep in ``folder``; a one-line error if it holds none (or an unreadable one)."""
        folder = Path(folder)
        path = folder / "manifest.json"
        if not path.is_file():
            raise ScenarioError(f"{folder}: not a sweep folder (no manifest.json)")
        try:
            manifest = json.loads(path.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            raise ScenarioError(f"{path}: not a sweep manifest (unreadable JSON)") from None
        keys = ("format", "scenario", "grid", "policies", "runs", "seed", "tasks")
        if not isinstance(manifest, dict) or any(k not in manifest for k in keys):
            raise ScenarioError(f"{path}: not a sweep manifest (expected {', '.join(keys)})")
        if manifest["format"] != FORMAT:
            raise ScenarioError(
                f"{folder}: a sweep folder of format {manifest['format']} (this backscratch "
                f"reads format {FORMAT}); run the sweep again into a new folder"
            )
        wrong = _manifest_type_error(manifest)
        if wrong:
            raise ScenarioError(f"{path}: not a sweep manifest ({wrong})")
        return cls(folder, manifest)

    @property
    def grid(self) -> dict[str, list[Any]]:
        """Grid keys and their values, exactly as the manifest holds them."""
        return dict(self.manifest["grid"])

    @property
    def policies(self) -> list[str]:
        return list(self.manifest["policies"])

    @property
    def scenario(self) -> Scenario:
        """The base scenario (the grid varies some of its fields)."""
        sc = validate(self.manifest["scenario"], source=f"{self.folder}/manifest.json")
        if not isinstance(sc, Scenario):
            raise ScenarioError(f"{self.folder}/manifest.json: not a dyad sweep")
        return sc

    @property
    def tasks(self) -> int:
        return len(self.manifest["tasks"])

    def finished_parts(self) -> list[str]:
        """Paths of the parts whose tasks are finished (checksums verified); a task recorded
        as done whose part is missing or changed, or whose record is garbage, is a
        :class:`ScenarioError` naming the file (a task not yet done is simply left out)."""
        parts = []
        for t in self.manifest["tasks"]:
            name = Path(t["part"]).stem
            part = self.folder / "parts" / f"{name}.parquet"
            done = self.folder / "done" / f"{name}.json"
            if finished(part, done):
                parts.append(str(part))
            elif done.exists():  # a task recorded as done whose part does not verify
                redo = "re-run the sweep command to redo that task"
                if not part.is_file():
                    raise ScenarioError(
                        f"{part}: missing, though {done.name} records it done; {redo}"
                    )
                try:
                    json.loads(done.read_text("utf-8"))
                except (OSError, ValueError):
                    raise ScenarioError(f"{done}: not a task record (corrupted); {redo}") from None
                raise ScenarioError(
                    f"{part}: changed since its task finished (checksum differs); {redo}"
                )
        return parts

    def _headline(self) -> str:
        keys = ", ".join(self.grid) or "no grid"
        return (
            f"{self.manifest['scenario'].get('name', '?')} over {keys} × "
            f"{', '.join(self.policies)}: {len(self.finished_parts())} of {self.tasks} tasks "
            f"finished, {self.manifest['runs']} runs each"
        )

    def dimensions(self) -> dict[str, list[Any]]:
        """What a summary could average over: every grid key and ``policy``, with its values
        (as the manifest holds them)."""
        return {**self.grid, "policy": self.policies}

    def conditions(
        self, named: Sequence[str], where: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """``where`` checked (each key a dimension, each value one of its values, matched as
        the manifest holds it) and completed by the rule that a summary never pools
        silently: every dimension with more than one value that ``named`` (the keys grouped
        by, on an axis or as series) does not hold must be fixed in ``where``; a one-line
        error about ``where`` naming the first that is not, and its values."""
        dims, fixed = self.dimensions(), {}
        for key, value in (where or {}).items():
            if key not in dims:
                raise ScenarioError.bad(
                    "where", f"not a grid key or policy (known: {', '.join(dims)})", key
                )
            if key in named:
                raise ScenarioError.bad("where", "is also grouped by; fix it or group by it", key)
            match = [v for v in dims[key] if v == value or str(v) == str(value)]
            if not match:
                known = ", ".join(str(v) for v in dims[key])
                raise ScenarioError.bad("where", f"{value!r} is not one of {known}", key)
            fixed[key] = match[0]
        for key, values in dims.items():
            if key not in named and key not in fixed and len(values) > 1:
                shown = ", ".join(str(v) for v in values[:6]) + (", ..." if len(values) > 6 else "")
                raise ScenarioError.bad(
                    "where", f"none given for {key} ({shown}), and a summary never averages "
                    f"over it: group by it or fix it, e.g. {key}={values[0]}",
                )  # fmt: skip
        return fixed

    def summarize(
        self, by: Sequence[str] | None = None, where: Mapping[str, Any] | None = None
    ) -> tuple[list[str], list[tuple]]:
        """Means and 95% confidence half-widths of every metric of
        :data:`~backscratch.dyad.results.RUN_METRICS` over runs, grouped ``by`` (default: the
        grid keys and the policy) among the runs that match ``where`` (dimension -> value),
        computed by DuckDB over the finished parts. A dimension neither grouped by nor fixed
        is an error, never averaged over (:meth:`conditions`). Returns the column names and
        the rows."""
        import duckdb

        parts = self.finished_parts()
        if not parts:
            raise ScenarioError(f"{self.folder}: no finished parts yet")
        by = list(by or [*self.grid, "policy"])
        known = {*self.grid, *GROUP_KEYS}
        for key in by:
            if key not in known:
                raise ScenarioError.bad(
                    "by", f"not a grid key or policy (known: {', '.join(sorted(known))})", key
                )
        fixed = self.conditions(by, where)
        groups = ", ".join(f'"{k}"' for k in by)
        filters = " AND ".join(f'"{k}" = ?' for k in fixed)
        stats = []
        for m in RUN_METRICS:
            col = f'CAST("{m.name}" AS DOUBLE)'
            stats.append(f'avg({col}) AS "{m.name}"')
            stats.append(f'1.96 * stddev_samp({col}) / sqrt(count({col})) AS "{m.name}_ci95"')
        sql = (
            f"SELECT {groups}, count(*) AS runs, {', '.join(stats)} FROM read_parquet(?) "
            + (f"WHERE {filters} " if filters else "")
            + f"GROUP BY {groups} ORDER BY {groups}"
        )
        # One thread: a parallel aggregation adds in a varying order, and the last digits of
        # the means would vary from call to call; the parts are read in the manifest's order.
        con = duckdb.connect(config={"threads": 1})
        try:
            rel = con.execute(sql, [parts, *fixed.values()])
            names = [d[0] for d in rel.description]
            rows = rel.fetchall()
        finally:
            con.close()
        return names, rows

    def contrast(
        self,
        first: str,
        second: str,
        *,
        by: Sequence[str] | None = None,
        where: Mapping[str, Any] | None = None,
    ) -> tuple[list[str], list[tuple]]:
        """The paired contrast ``first - second`` of every metric of
        :data:`~backscratch.dyad.results.RUN_METRICS`: the two policies' runs share random
        numbers (same grid point, same run), so each run's difference is taken and its mean
        and paired 95% confidence half-width reported, grouped ``by`` (default: the grid
        keys) among the runs that match ``where``; the pooling rule of :meth:`summarize`
        holds. Returns the column names (``runs``, then each metric and ``METRIC_ci95``) and
        the rows."""
        import duckdb

        for value in (first, second):
            if value not in self.policies:
                raise ScenarioError.bad(
                    "contrast", f"'{value}' is not a policy of this sweep "
                    f"(known: {', '.join(self.policies)})",
                )  # fmt: skip
        if first == second:
            raise ScenarioError.bad("contrast", "needs two different policies")
        parts = self.finished_parts()
        if not parts:
            raise ScenarioError(f"{self.folder}: no finished parts yet")
        by = list(by if by is not None else self.grid)
        for key in by:
            if key not in self.grid:
                raise ScenarioError.bad(
                    "by", f"not a grid key (known: {', '.join(self.grid) or 'none'})", key
                )
        fixed = self.conditions([*by, "policy"], where)
        stats = []
        for m in RUN_METRICS:
            d = f'(CAST(a."{m.name}" AS DOUBLE) - CAST(b."{m.name}" AS DOUBLE))'
            stats.append(f'avg({d}) AS "{m.name}"')
            stats.append(f'1.96 * stddev_samp({d}) / sqrt(count({d})) AS "{m.name}_ci95"')
        keys = ", ".join(f'a."{k}"' for k in by)
        sql = (
            "WITH p AS (SELECT * FROM read_parquet(?)) SELECT "
            + "".join(f'a."{k}" AS "{k}", ' for k in by)
            + f"count(*) AS runs, {', '.join(stats)} FROM p a JOIN p b "
            "ON a.point = b.point AND a.run = b.run WHERE a.policy = ? AND b.policy = ?"
            + "".join(f' AND a."{k}" = ?' for k in fixed)
            + (f" GROUP BY {keys} ORDER BY {keys}" if by else "")
        )
        con = duckdb.connect(config={"threads": 1})  # one thread: see summarize
        try:
            rel = con.execute(sql, [parts, first, second, *fixed.values()])
            names = [d[0] for d in rel.description]
            rows = rel.fetchall()
        finally:
            con.close()
        return names, rows

    def summary(self) -> dict[str, Any]:
        """The grid, the policies, tasks finished, and the means of :meth:`summarize`."""
        names, rows = self.summarize()
        return {
            "scenario": self.manifest["scenario"].get("name"),
            "grid": self.grid,
            "policies": self.policies,
            "tasks": self.tasks,
            "finished": len(self.finished_parts()),
            "means": [dict(zip(names, r, strict=True)) for r in rows],
        }

    def _summary_rows(self) -> list[tuple[str, Any]]:
        return [("tasks", self.tasks), ("finished", len(self.finished_parts()))]

    def to_arrow(self) -> pa.Table:
        """Every finished part, one row per (grid point, policy, run): the grid keys (values
        as written), ``policy``, ``run``, ``pliable``, ``demand_periods`` and the per-run
        metrics."""
        parts = self.finished_parts()
        if not parts:
            raise ScenarioError(f"{self.folder}: no finished parts yet")
        return pa.concat_tables([pq.read_table(p) for p in parts])


def load_sweep(folder: str | Path) -> Any:
    """A sweep's finished parts as one pandas DataFrame: one row per grid point, policy and
    run, with the grid keys as columns (values exactly as written) and the per-run metrics."""
    return Sweep.open(folder).to_pandas()

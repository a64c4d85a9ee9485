"""``sweep``: a grid of scenario variants × policies, one task each, resumable, bit-identical.

Layout of a sweep folder (see ``docs/sweeps.md``)::

    DIR/manifest.json               scenario, grid, policies, runs, seed, version, tasks
    DIR/parts/task-000012.parquet   one zstd Parquet part per task: one row per run
    DIR/parts/task-000012.done      written after the part is complete: its sha256 and rows

A task counts as finished only when its ``.done`` record exists and the part's checksum
matches it; parts are written under a temporary name and renamed when complete, so a sweep
killed at any moment resumes without reading a half-written part. Random streams are keyed by
grid point (``SeedSequence(seed).spawn``), so results do not depend on the backend, the
number of workers or the order of completion, and the policies at one grid point share
their random numbers (common random numbers, as in ``compare``).
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import yaml

from backscratch import __version__
from backscratch.core import store
from backscratch.core.backends import run_tasks
from backscratch.core.rng import BLOCK
from backscratch.dyad.api import check_policies
from backscratch.dyad.model import DyadModel
from backscratch.dyad.scenario import Scenario, ScenarioError, validate

METRICS = (
    "cooperation",
    "demander_payoff",
    "target_payoff",
    "leader_payoff",
    "transfer",
    "punishments",
    "backdowns",
    "entries",
    "final_belief",
    "final_latency",
    "crossed",
)
"""Per-run metrics stored in every part (besides ``pliable`` and ``demand_periods``)."""


def parse_grid(items: list[str] | None, scenario: Scenario) -> dict[str, list]:
    """``key=v1,v2,...`` or ``key=start:stop:count``, checked against the scenario's fields."""
    grid: dict[str, list] = {}
    for item in items or []:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key or not raw.strip():
            raise ScenarioError(f"--grid '{item}': expected key=v1,v2 or key=start:stop:count")
        if key in grid:
            raise ScenarioError(f"--grid {key}: given twice")
        if key in ("runs", "seed"):
            raise ScenarioError(f"--grid {key}: use --{key}, not a grid")
        if ":" in raw:
            try:
                a, b, n = raw.split(":")
                count = int(n)
                if count < 1:
                    raise ValueError
                values = [float(v) for v in np.linspace(float(a), float(b), count)]
            except ValueError:
                raise ScenarioError(
                    f"--grid {key}='{raw}': a range is start:stop:count, e.g. 0.5:0.95:10"
                ) from None
        else:
            values = [yaml.safe_load(v) for v in raw.split(",") if v.strip()]
            if not values:
                raise ScenarioError(f"--grid {key}: empty list of values")
        for v in values:  # every value must make a valid scenario
            scenario.with_updates(**{key: v})
        grid[key] = values
    return grid


@dataclass(frozen=True)
class TaskSpec:
    """Everything one task needs: picklable, no reference to the caller's state."""

    index: int
    point_index: int
    point: dict
    policy: str
    seed: int
    runs: int
    scenario: dict
    part: str

    @property
    def done(self) -> str:
        return self.part[: -len(".parquet")] + ".done"


def point_seeds(seed: int, n_points: int) -> list[int]:
    """One 63-bit seed per grid point from ``SeedSequence(seed).spawn``."""
    children = np.random.SeedSequence(seed).spawn(n_points)
    return [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in children]


def plan(
    scenario: Scenario, grid: dict[str, list], policies: list[str], out: Path
) -> list[TaskSpec]:
    """The tasks of a sweep: every grid point (in the order given) × every policy."""
    keys = list(grid)
    points = [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*grid.values())]
    seeds = point_seeds(scenario.seed, len(points))
    base = scenario.model_dump()
    tasks = []
    for i, (point, seed) in enumerate(zip(points, seeds, strict=True)):
        for policy in policies:
            index = len(tasks)
            part = str(out / "parts" / f"task-{index:06d}.parquet")
            tasks.append(TaskSpec(index, i, point, policy, seed, scenario.runs, base, part))
    return tasks


def run_task(spec: TaskSpec) -> dict:
    """Simulate one task and write its part, then its ``.done`` record. Returns the record."""
    t0 = time.perf_counter()
    sc = validate(spec.scenario).with_updates(**spec.point, seed=spec.seed, runs=spec.runs)
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


def finished(spec: TaskSpec) -> bool:
    """Whether a task's part is complete and intact (its checksum matches its record)."""
    done, part = Path(spec.done), Path(spec.part)
    if not (done.is_file() and part.is_file()):
        return False
    try:
        record = json.loads(done.read_text())
    except (OSError, ValueError):
        return False
    return record.get("sha256") == store.file_sha256(part)


def _manifest(scenario: Scenario, grid: dict, policies: list[str], tasks: list[TaskSpec]) -> dict:
    return {
        "format": 1,
        "version": __version__,
        "scenario": scenario.model_dump(),
        "grid": grid,
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


def sweep(
    scenario: Scenario,
    grid: dict[str, list],
    policies: list[str],
    out: str | Path,
    backend: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Run (or resume) a sweep into ``out``; returns counts of tasks, skipped and ran."""
    if scenario.model != "dyad":
        raise ScenarioError(f"{scenario.name}: sweeps take dyad scenarios, not '{scenario.model}'")
    out = Path(out)
    policies = check_policies(policies, scenario)
    tasks = plan(scenario, grid, policies, out)
    manifest = _manifest(scenario, grid, policies, tasks)
    path = out / "manifest.json"
    if path.exists():
        try:
            old = json.loads(path.read_text())
        except ValueError:
            raise ScenarioError(f"{path}: not a sweep manifest (unreadable JSON)") from None
        if old != json.loads(json.dumps(manifest)):
            raise ScenarioError(
                f"--out {out}: holds a different sweep (scenario, grid, policies, runs, seed or "
                "version differ); use another folder"
            )
    else:
        if out.is_dir() and any(out.iterdir()):
            raise ScenarioError(f"--out {out}: exists, is not empty and holds no sweep manifest")
        try:
            (out / "parts").mkdir(parents=True, exist_ok=True)
            store.write_json(manifest, path)
        except OSError as exc:
            raise ScenarioError(f"--out {out}: cannot write there ({exc.strerror})") from None
    pending = [t for t in tasks if not finished(t)]
    done = len(tasks) - len(pending)
    if progress:
        progress(done, len(tasks))
    for _ in run_tasks(run_task, pending, backend, workers, scheduler):
        done += 1
        if progress:
            progress(done, len(tasks))
    return {"tasks": len(tasks), "skipped": len(tasks) - len(pending), "ran": len(pending)}


def load_manifest(folder: str | Path) -> dict:
    """A sweep folder's manifest, with a one-line error if there is none."""
    path = Path(folder) / "manifest.json"
    if not path.is_file():
        raise ScenarioError(f"{folder}: not a sweep folder (no manifest.json)")
    return json.loads(path.read_text())


def finished_parts(folder: str | Path) -> list[str]:
    """Paths of the parts of a sweep folder whose tasks are finished."""
    folder = Path(folder)
    manifest = load_manifest(folder)
    parts = []
    for t in manifest["tasks"]:
        part = folder / "parts" / t["part"]
        spec = TaskSpec(t["task"], 0, {}, t["policy"], 0, 0, {}, str(part))
        if finished(spec):
            parts.append(str(part))
    return parts


def summarize(folder: str | Path, by: list[str] | None = None) -> tuple[list[str], list[tuple]]:
    """Means and 95% confidence half-widths of every metric over runs, grouped ``by`` (default:
    the grid keys and the policy), computed by DuckDB over the finished parts."""
    import duckdb

    manifest = load_manifest(folder)
    parts = finished_parts(folder)
    if not parts:
        raise ScenarioError(f"{folder}: no finished parts yet")
    by = by or [*manifest["grid"], "policy"]
    known = {*manifest["grid"], "policy", "pliable", "point", "task"}
    for key in by:
        if key not in known:
            raise ScenarioError(
                f"--by {key}: not a grid key or policy (known: {', '.join(sorted(known))})"
            )
    groups = ", ".join(f'"{k}"' for k in by)
    stats = []
    for m in METRICS:
        col = f'CAST("{m}" AS DOUBLE)'
        stats.append(f'avg({col}) AS "{m}"')
        stats.append(f'1.96 * stddev_samp({col}) / sqrt(count({col})) AS "{m}_ci95"')
    sql = (
        f"SELECT {groups}, count(*) AS runs, {', '.join(stats)} "
        f"FROM read_parquet(?) GROUP BY {groups} ORDER BY {groups}"
    )
    con = duckdb.connect()
    try:
        rel = con.execute(sql, [parts])
        names = [d[0] for d in rel.description]
        rows = rel.fetchall()
    finally:
        con.close()
    return names, rows

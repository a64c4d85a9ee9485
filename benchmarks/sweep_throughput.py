"""Sweep throughput: run-periods per second of a 100-point sweep on each backend.

    python benchmarks/sweep_throughput.py [--runs 10000] [--horizon 100] [--workers 2]

A 10 x 10 grid over `oye-dyad` (shadow x number of third parties), one policy (mixed), so
100 tasks of RUNS runs x HORIZON periods each, written as real Parquet parts, on `serial`,
`local` (a process pool of WORKERS) and `dask` (a LocalCluster of WORKERS, one thread each).
Prints run-periods per second on each backend, the parallel efficiency (serial time / (workers
x parallel time); goal >= 80%) with and without the backend's start-up (starting the pool or
the cluster, measured by the same 100 tasks with one run of one period each, which also gives
the per-task overhead), and checks that every backend wrote the same bytes. The per-core kernel rate
is `benchmarks/dyad_throughput.py`'s job (goal >= 10^7 run-periods/s/core).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

from backscratch.core.schema import load_scenario
from backscratch.core.store import file_sha256
from backscratch.dyad import sweep as sw

GRID = ["shadow=0.5:0.95:10", "third_parties.count=0:9:10"]


def timed_sweep(root: Path, name: str, runs: int, horizon: int, backend: str, workers):
    sc = load_scenario("oye-dyad", {"runs": runs, "horizon": horizon})
    grid = sw.parse_grid(GRID, sc)
    out = root / name
    t0 = time.perf_counter()
    res = sw.sweep(sc, grid=grid, out=out, policies=["mixed"], backend=backend, workers=workers)
    seconds = time.perf_counter() - t0
    assert res.ran == res.tasks == 100, (res.ran, res.tasks)
    digest = {p.name: file_sha256(p) for p in sorted((out / "parts").glob("*.parquet"))}
    return seconds, digest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10_000, help="runs per task")
    ap.add_argument("--horizon", type=int, default=100, help="periods per run")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    run_periods = 100 * args.runs * args.horizon
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        # Warm-up: JIT cache load and first touch of memory in this process.
        timed_sweep(root, "warmup", 50, args.horizon, "serial", None)
        rows = []
        ref = None
        for backend, workers in (("serial", None), ("local", args.workers), ("dask", args.workers)):
            seconds, digest = timed_sweep(root, backend, args.runs, args.horizon, backend, workers)
            ref = ref or digest
            rows.append((backend, workers or 1, seconds, digest == ref))
        tiny = {}
        for backend, workers in (("serial", None), ("local", args.workers), ("dask", args.workers)):
            seconds, _ = timed_sweep(root, f"tiny-{backend}", 1, 1, backend, workers)
            tiny[backend] = seconds / 100
    serial = rows[0][2]
    print(f"100-point sweep of oye-dyad: {args.runs} runs x {args.horizon} periods per task")
    print(
        f"{'backend':<8} {'workers':>7} {'seconds':>8} {'run-periods/s':>14} {'efficiency':>10} "
        f"{'start-up':>9} {'eff. excl.':>10} {'tiny task':>10} identical"
    )
    for backend, workers, seconds, same in rows:
        start = tiny[backend] * 100 if backend != "serial" else 0.0
        eff = serial / (workers * seconds)
        eff_warm = serial / (workers * max(seconds - start, 1e-9))
        print(
            f"{backend:<8} {workers:>7} {seconds:>8.2f} {run_periods / seconds:>14.3e} "
            f"{eff:>10.0%} {start:>8.2f}s {eff_warm:>10.0%} {1e3 * tiny[backend]:>7.1f} ms "
            f"{'yes' if same else 'NO'}"
        )
    print("efficiency = serial seconds / (workers x seconds); goal >= 80% on 2 workers")
    print("start-up = wall time of the same sweep with 1 run x 1 period per task (pool or")
    print("cluster start plus 100 trivial tasks); 'eff. excl.' leaves it out")
    print("tiny task = that wall time / 100: the per-task overhead including start-up")


if __name__ == "__main__":
    main()

"""Sweep throughput: run-periods per second of a 100-point sweep on each backend.

    python benchmarks/sweep_throughput.py [--quick] [--rounds 3] [--runs 10000]
                                          [--horizon 100] [--workers 2]

A 10 x 10 grid over `oye-dyad` (shadow x number of third parties), one policy (mixed), so
100 tasks of RUNS runs x HORIZON periods each, written as real Parquet parts, on `serial`,
`local` (a process pool of WORKERS) and `dask` (a LocalCluster of WORKERS, one thread each).

The three backends are timed in ROUNDS interleaved rounds (serial, local, dask; then dask,
local, serial; ...), so every parallel sweep has a serial one beside it under the same load
of the (shared) machine. Parallel efficiency is computed per round, serial seconds / (workers
x parallel seconds) of the same round, and the median of the N rounds is reported (goal
>= 80%), with and without the backend's start-up (starting the pool or the cluster, measured
by the same 100 tasks with one run of one period each, also in N interleaved rounds, which
gives the per-task overhead too). Each sweep's wall time counts from the call to its return:
starting and closing the pool or cluster, running and writing every task. Imports and a
warm-up serial sweep (JIT cache load) are not counted. The script checks that every backend
wrote the same bytes in every round, and at the end that no pool or dask process outlived
its sweep. ``--quick``: 2,000 runs x 20 periods per task, 2 rounds (a smoke test: at that
size the pool's and the cluster's start-up dominate). Every task also solves its point's
target programme (about 80 ms at 100 periods: 100 one-run tasks take 8 s serially), which
the sweep's time includes. The per-core kernel rate is `benchmarks/dyad_throughput.py`'s job
(goal >= 10^7 run-periods/s/core).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import _bench
from backscratch.core.schema import load_scenario
from backscratch.core.store import file_sha256
from backscratch.dyad import sweep as sw

GRID = ["shadow=0.5:0.95:10", "third_parties.count=0:9:10"]


def timed_sweep(root: Path, name: str, runs: int, horizon: int, backend: str, workers):
    """Wall seconds of one sweep into a fresh folder, and the digests of its parts."""
    sc = load_scenario("oye-dyad", {"runs": runs, "horizon": horizon})
    grid = sw.parse_grid(GRID, sc)
    out = root / name
    t0 = time.perf_counter()
    res = sw.sweep(sc, grid=grid, out=out, policies=["mixed"], backend=backend, workers=workers)
    seconds = time.perf_counter() - t0
    assert res.ran == res.tasks == 100, (res.ran, res.tasks)
    digest = {p.name: file_sha256(p) for p in sorted((out / "parts").glob("*.parquet"))}
    shutil.rmtree(out)
    return seconds, digest


@_bench.leaves_no_children
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--quick", action="store_true", help="2,000 runs x 20 periods per task, 2 rounds"
    )
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds (N)")
    ap.add_argument("--runs", type=int, default=10_000, help="runs per task")
    ap.add_argument("--horizon", type=int, default=100, help="periods per run")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    if args.quick:
        args.runs, args.horizon, args.rounds = 2_000, 20, 2
    run_periods = 100 * args.runs * args.horizon
    backends = {"serial": None, "local": args.workers, "dask": args.workers}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        # Warm-up: JIT cache load and first touch of memory in this process.
        timed_sweep(root, "warmup", 50, args.horizon, "serial", None)
        seconds: dict[str, list[float]] = {b: [] for b in backends}
        tiny: dict[str, list[float]] = {b: [] for b in backends}
        same: dict[str, bool] = dict.fromkeys(backends, True)
        ref = None
        order = list(backends)
        for k in range(args.rounds):
            for b in order if k % 2 == 0 else order[::-1]:
                s, digest = timed_sweep(root, b, args.runs, args.horizon, b, backends[b])
                ref = ref or digest
                same[b] &= digest == ref
                seconds[b].append(s)
        for k in range(args.rounds):
            for b in order if k % 2 == 0 else order[::-1]:
                tiny[b].append(timed_sweep(root, f"tiny-{b}", 1, 1, b, backends[b])[0])
    serial = seconds["serial"]
    print(
        f"100-point sweep of oye-dyad: {args.runs} runs x {args.horizon} periods per task, "
        f"N = {args.rounds} interleaved rounds, medians"
    )
    print(
        f"{'backend':<8} {'workers':>7} {'seconds':>8} {'run-periods/s':>14} {'efficiency':>10} "
        f"{'start-up':>9} {'eff. excl.':>10} {'tiny task':>10} identical"
    )
    for b, w in backends.items():
        w = w or 1
        par, start = seconds[b], tiny[b] if b != "serial" else [0.0] * args.rounds
        eff = [s / (w * p) for s, p in zip(serial, par, strict=True)]
        eff_warm = [
            s / (w * max(p - st, 1e-9)) for s, p, st in zip(serial, par, start, strict=True)
        ]
        med = _bench.median(par)
        print(
            f"{b:<8} {w:>7} {med:>8.2f} {run_periods / med:>14.3e} "
            f"{_bench.median(eff):>10.0%} {_bench.median(start):>8.2f}s "
            f"{_bench.median(eff_warm):>10.0%} {1e3 * _bench.median(tiny[b]) / 100:>7.1f} ms "
            f"{'yes' if same[b] else 'NO'}"
        )
        if b != "serial":
            print(f"{'':<8} efficiency per round: {', '.join(f'{e:.0%}' for e in eff)}")
    print("seconds = median wall time of the sweep; run-periods/s from that median")
    print("efficiency = per round, serial seconds / (workers x seconds); median over rounds;")
    print("  goal >= 80% on 2 workers")
    print("start-up = wall time of the same sweep with 1 run x 1 period per task (pool or")
    print("  cluster start plus 100 trivial tasks); 'eff. excl.' leaves it out, per round")
    print("tiny task = that wall time / 100: the per-task overhead including start-up")


if __name__ == "__main__":
    main()

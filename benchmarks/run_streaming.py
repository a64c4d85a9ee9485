"""`backscratch run` at 10^6 runs against the same simulation through `sweep` on one worker.

    python benchmarks/run_streaming.py [--repeat 3] [--quick]

Whole processes, start to exit, in interleaved rounds: the peer is `backscratch sweep
oye-dyad --grid horizon=100 --policies blackmail --runs 1000000` (serial: one worker, one
task; it simulates block by block and writes one row per run); ours are `backscratch run
oye-dyad --runs 1000000 --set horizon=100` (the summary, simulated block by block), and the
same with `--out DIR` (plus 10^8 per-period rows in `periods.parquet`). Prints the median
of N wall times, the peak resident memory of each process (the most over the rounds; the
issue's bound is 1 GB) and the ratio to the peer.

`--out` cannot match the peer on two cores, and the script shows why: it times pyarrow
writing one block of the same per-period table (the file's own options) in this process
and scales it to the file's rows. That encoding alone is more CPU than the peer's whole
run; the writer runs on its own thread beside the simulation, so with two cores the file
takes at least about max(simulation, encoding) seconds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from _bench import console_script, interleaved, median


def timed(cmd: list[str], out: Path | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of ``cmd`` (run to exit 0; ``out`` removed first)."""
    if out is not None:
        shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} exited with {proc.returncode}")
    return seconds, usage.ru_maxrss / 1024


def encoding_seconds(runs: int, horizon: int) -> tuple[float, int]:
    """Seconds pyarrow takes to write ``runs`` x ``horizon`` per-period rows of oye-dyad,
    scaled from one block of 10^5 runs (or ``runs``, if fewer), and the block's rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    import backscratch as bs
    from backscratch.core import store
    from backscratch.dyad import io

    block = min(runs, 100_000)
    sc = bs.load_scenario("oye-dyad").with_updates(runs=block, horizon=horizon)
    stream = io._PolicyStream(sc, None, io._block_of(sc, None))
    table = pa.concat_tables([res.to_arrow(first_run=s) for res, s in stream.blocks()])
    options = store.parquet_options(table.schema)
    with tempfile.TemporaryDirectory() as tmp:
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            pq.write_table(table, Path(tmp) / "p.parquet", row_group_size=io.ROW_GROUP, **options)
            times.append(time.perf_counter() - t0)
    return median(times) * runs / block, table.num_rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="rounds (N)")
    ap.add_argument("--quick", action="store_true", help="10^5 runs, 1 round (a smoke test)")
    args = ap.parse_args()
    runs, rounds = (100_000, 1) if args.quick else (1_000_000, args.repeat)
    exe, horizon = console_script(), 100
    with tempfile.TemporaryDirectory() as tmp:
        sweep_dir, run_dir = Path(tmp) / "sweep", Path(tmp) / "run"
        common = ["--runs", str(runs)]
        cmds = {
            "sweep, 1 worker (peer)": (
                [exe, "sweep", "oye-dyad", "--grid", f"horizon={horizon}", "--policies",
                 "blackmail", *common, "--out", str(sweep_dir)],
                sweep_dir,
            ),
            "run (summary)": (
                [exe, "run", "oye-dyad", *common, "--set", f"horizon={horizon}"], None
            ),
            "run --out (10^8 rows)" if runs == 10**6 else "run --out": (
                [exe, "run", "oye-dyad", *common, "--set", f"horizon={horizon}", "--out",
                 str(run_dir)],
                run_dir,
            ),
        }  # fmt: skip
        timed(*cmds["run (summary)"])  # warm-up, untimed: the JIT cache and the file cache
        _, measured = interleaved(
            {name: (lambda c=c: timed(*c)) for name, c in cmds.items()}, rounds
        )
    print(f"oye-dyad, {runs:,} runs x {horizon} periods; whole processes, median of N = {rounds}")
    peer = median([t for t, _ in measured["sweep, 1 worker (peer)"]])
    for name in cmds:
        secs = median([t for t, _ in measured[name]])
        peak = max(p for _, p in measured[name])
        ratio = "" if name.endswith("(peer)") else f"  {secs / peer:5.2f}x the peer's time"
        print(f"  {name:26s} {secs:7.2f} s  peak {peak:6.0f} MB{ratio}")
    enc, rows = encoding_seconds(runs, horizon)
    print(
        f"pyarrow encoding the per-period file alone ({runs * horizon:,} rows, scaled from "
        f"{rows:,}; median of 3): {enc:.2f} s of one core, {enc / peer:.2f}x the peer's "
        "whole run"
    )


if __name__ == "__main__":
    main()

"""How long the command line takes to start: whole processes, start to exit.

    python benchmarks/startup.py [--repeat 21]

Times `backscratch --help`, `backscratch --version` and `backscratch scenarios` (goal
<= 0.3 s warm) beside the peer measured in the same run, a bare `python -c pass`, in
interleaved rounds (peer, then each command, round after round, so a neighbour's load
falls on all of them alike); prints the median of N and the ratio to the peer. The
console script beside this interpreter is run directly: a version manager's shim in
front of it (pyenv's is a shell script) adds its own start-up, which is not ours. A first
untimed round warms the file cache and writes the bytecode caches.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def console_script() -> str:
    """The ``backscratch`` script installed with this interpreter (not a shim on PATH)."""
    beside = Path(sys.executable).parent / "backscratch"
    if beside.exists():
        return str(beside)
    found = shutil.which("backscratch")
    if found is None:
        sys.exit("startup.py: no backscratch script installed beside this interpreter")
    return found


def wall(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=21, help="rounds (N)")
    args = ap.parse_args()
    exe = console_script()
    cmds = {
        "python -c pass (peer)": [sys.executable, "-c", "pass"],
        "backscratch --help": [exe, "--help"],
        "backscratch --version": [exe, "--version"],
        "backscratch scenarios": [exe, "scenarios"],
    }
    for cmd in cmds.values():  # warm-up round, untimed
        wall(cmd)
    times: dict[str, list[float]] = {name: [] for name in cmds}
    for _ in range(args.repeat):
        for name, cmd in cmds.items():
            times[name].append(wall(cmd))
    peer = statistics.median(times["python -c pass (peer)"])
    print(f"start to exit, median of N = {args.repeat} interleaved rounds (goal <= 0.3 s):")
    for name, ts in times.items():
        med = statistics.median(ts)
        ratio = "" if name.endswith("(peer)") else f"  {med / peer:5.1f}x the peer"
        print(f"  {name:24s} {med:6.3f} s  (min {min(ts):.3f}, max {max(ts):.3f}){ratio}")


if __name__ == "__main__":
    main()

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
import sys

from _bench import console_script, interleaved, median, wall


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
    times, _ = interleaved({n: (lambda c=c: wall(c)) for n, c in cmds.items()}, args.repeat)
    peer = median(times["python -c pass (peer)"])
    print(f"start to exit, median of N = {args.repeat} interleaved rounds (goal <= 0.3 s):")
    for name, ts in times.items():
        med = median(ts)
        ratio = "" if name.endswith("(peer)") else f"  {med / peer:5.1f}x the peer"
        print(f"  {name:24s} {med:6.3f} s  (min {min(ts):.3f}, max {max(ts):.3f}){ratio}")


if __name__ == "__main__":
    main()

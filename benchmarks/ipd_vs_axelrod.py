"""Round-robin IPD tournaments in backscratch and in the Axelrod library, in the same run.

    python benchmarks/ipd_vs_axelrod.py [--quick]

Needs the ``oracle`` extra (``pip install torch==2.13.0`` first, then
``pip install '.[oracle]'``). Two tournaments, 200 turns, payoffs (R, P, S, T) = (3, 1, 0, 5):

* the 8 deterministic classic strategies, 10 repetitions;
* 20 strategies (those 8, Random, GTFT and 10 more), 20 repetitions.

Times exclude imports, and backscratch's first (JIT-loading) call; the Axelrod library plays
serially (``processes=None``): its ``processes=2`` mode is far slower here, since importing it
forces the ``spawn`` start method. backscratch's time is the best of several calls, the
library's a single call (``--quick``: fewer repetitions, same strategies). The script also
checks that every match between deterministic strategies scores the same to 1e-9. Goal:
backscratch at least 50x faster.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np

from backscratch.tournaments import ipd_strategies as ipd
from backscratch.tournaments import iterated

GOAL = 50.0
CLASSIC8 = [c.__name__ for c in ipd.CLASSIC if not c.classifier["stochastic"]]
TWENTY = [
    *[c.__name__ for c in ipd.CLASSIC],
    "TwoTitsForTat",
    "Bully",
    "AntiTitForTat",
    "CyclerCCD",
    "CyclerDDC",
    "HardTitForTat",
    "HardTitFor2Tats",
    "SoftGrudger",
    "Appeaser",
    "Prober",
    "GTFT",
]


def ours(names: list[str], turns: int, reps: int, repeat: int):
    iterated.tournament(names, turns=5, repetitions=1)  # JIT cache load, first touch
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = iterated.tournament(names, turns=turns, repetitions=reps, seed=1)
        best = min(best, time.perf_counter() - t0)
    return best, result


def theirs(axl, names: list[str], turns: int, reps: int):
    players = [getattr(axl, n)() for n in names]
    game = axl.Game(r=3, s=0, t=5, p=1)
    t0 = time.perf_counter()
    tour = axl.Tournament(players, turns=turns, repetitions=reps, game=game, seed=1)
    rs = tour.play(progress_bar=False, processes=None)
    return time.perf_counter() - t0, rs


def compare(label: str, axl, names: list[str], turns: int, reps: int, repeat: int) -> float:
    t_ours, r_ours = ours(names, turns, reps, repeat)
    t_axl, r_axl = theirs(axl, names, turns, reps)
    det = np.array([not ipd.STRATEGIES[n]().classifier["stochastic"] for n in names])
    both = np.outer(det, det)
    diff = np.abs(r_ours.payoff_matrix - np.array(r_axl.payoff_matrix))[both].max()
    ratio = t_axl / t_ours
    print(
        f"{label}: {len(names)} strategies x {turns} turns x {reps} repetitions "
        f"({len(names) * (len(names) + 1) // 2 * reps} matches)\n"
        f"  backscratch {t_ours * 1e3:9.2f} ms   axelrod {t_axl * 1e3:9.1f} ms   "
        f"ratio {ratio:7.0f}x   deterministic pairs max |diff| {diff:.1e} "
        f"({'identical' if diff <= 1e-9 else 'DIFFERENT'})"
    )
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (smoke test)")
    args = parser.parse_args()
    t0 = time.perf_counter()
    import axelrod as axl

    print(f"axelrod {axl.__version__} imported in {time.perf_counter() - t0:.1f} s (not counted)")
    reps8, reps20, repeat = (2, 2, 3) if args.quick else (10, 20, 7)
    r8 = compare("classic 8", axl, CLASSIC8, 200, reps8, repeat)
    r20 = compare("20 strategies", axl, TWENTY, 200, reps20, repeat)
    worst = min(r8, r20)
    print(f"goal >= {GOAL:.0f}x: {'met' if worst >= GOAL else 'NOT met'} (worst {worst:.0f}x)")


if __name__ == "__main__":
    main()

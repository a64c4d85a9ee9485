"""The Moran process in backscratch and in the Axelrod library, in the same run.

    python benchmarks/moran_vs_axelrod.py [--quick] [--axelrod-runs 10] [--runs 100000]

Needs the ``oracle`` extra (``pip install torch==2.13.0`` first, then
``pip install '.[oracle]'``). Population: Tit For Tat, Defector, Cooperator and Grudger, 5
of each (20 players), 200 turns per match, no mutation, run to fixation — the Axelrod
library's ``MoranProcess`` with its defaults (birth proportional to the total score per turn,
death uniform, deterministic matches cached).

The statistic is the time per generation of one call, and both sides get N calls
(N = ``--axelrod-runs``, printed), in interleaved rounds (backscratch, backscratch without
its match cache, the library; then the other way round; ...): a call of the library is one
run to fixation (about 15 s; building the players and the ``MoranProcess`` included), a call
of backscratch is ``--runs`` / N runs to fixation in one ``moran_process`` call, and with its
match cache off (replaying all 190 matches each generation, the path taken with noise or
stochastic strategies) 200 / N runs. Each call's seconds / generations is one sample; the
median of N of each side is reported, and their ratio. Imports and a first, JIT-loading
call of backscratch are excluded.

It also prints the fixation frequencies: backscratch's from all its cached calls (``--runs``
runs in all), the library's from its N runs, with a chi-square test of the library's counts
against backscratch's frequencies. ``--quick``: N = 3 library calls of 30 generations each
(no fixation, so no frequency test), 2,000 backscratch runs in all. Goal: at least 100x
faster, with the same fixation frequencies within sampling error.
"""

from __future__ import annotations

import argparse
import itertools
import os
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np
from scipy import stats

import _bench
from backscratch.tournaments.evolution import moran_process

GOAL = 100.0
NAMES = ["TitForTat", "Defector", "Cooperator", "Grudger"]
COUNTS = [5, 5, 5, 5]
TURNS = 200


def ours(runs: int, seed: int, cache: bool = True):
    """One call of backscratch: (generations, result)."""
    res = moran_process(NAMES, COUNTS, turns=TURNS, runs=runs, seed=seed, cache=cache)
    return int(res.generations.sum()), res


def theirs(axl, seed: int, generations: int | None):
    """One run of the library: (generations, winner or None)."""
    game = axl.Game(r=3, s=0, t=5, p=1)
    players = [getattr(axl, n)() for n, c in zip(NAMES, COUNTS, strict=True) for _ in range(c)]
    mp = axl.MoranProcess(players, turns=TURNS, game=game, seed=seed)
    if generations is None:
        mp.play()
        return len(mp.populations) - 1, mp.winning_strategy_name
    for _ in range(generations):
        next(mp)
    return generations, None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 library calls of 30 generations")
    parser.add_argument("--axelrod-runs", type=int, default=10, help="N: calls of each side")
    parser.add_argument("--runs", type=int, default=100_000, help="backscratch runs in all")
    args = parser.parse_args()
    t0 = time.perf_counter()
    import axelrod as axl

    print(f"axelrod {axl.__version__} imported in {time.perf_counter() - t0:.1f} s (not counted)")
    n = 3 if args.quick else args.axelrod_runs
    runs = 2000 if args.quick else args.runs
    per_call, replay_per_call = max(1, runs // n), max(1, 200 // n)
    moran_process(NAMES, COUNTS, turns=TURNS, runs=1, seed=0)  # JIT cache load, untimed
    moran_process(NAMES, COUNTS, turns=TURNS, runs=1, seed=0, cache=False)
    seeds = {
        "ours": itertools.count(1),
        "replay": itertools.count(1),
        "axelrod": itertools.count(1),
    }
    times, values = _bench.interleaved(
        {
            "ours": lambda: ours(per_call, next(seeds["ours"])),
            "replay": lambda: ours(replay_per_call, next(seeds["replay"]), cache=False),
            "axelrod": lambda: theirs(axl, next(seeds["axelrod"]), 30 if args.quick else None),
        },
        n,
    )
    per_gen = {
        side: [t / v[0] for t, v in zip(times[side], values[side], strict=True)] for side in times
    }
    med = {side: _bench.median(v) for side, v in per_gen.items()}
    g_ours = sum(v[0] for v in values["ours"])
    print(
        f"per generation, median of N = {n} calls each, interleaved:\n"
        f"  backscratch:                {med['ours'] * 1e6:10.2f} us  "
        f"({per_call} runs per call, mean {g_ours / (per_call * n):.0f} generations per run)\n"
        f"  backscratch, no match cache:{med['replay'] * 1e6:10.2f} us  "
        f"({replay_per_call} runs per call; all 190 matches replayed every generation)\n"
        f"  axelrod:                    {med['axelrod'] * 1e6:10.0f} us  "
        + ("(30 generations per call)" if args.quick else "(1 run to fixation per call)")
    )
    ratio = med["axelrod"] / med["ours"]
    ratio_replay = med["axelrod"] / med["replay"]
    print(f"ratio per generation: {ratio:.0f}x (without the match cache: {ratio_replay:.0f}x)")
    if not args.quick:
        per_run_ours = _bench.median(times["ours"]) / per_call
        print(
            f"per run, median of N = {n}: backscratch {per_run_ours * 1e3:.3f} ms, axelrod "
            f"{_bench.median(times['axelrod']):.1f} s; ratio "
            f"{_bench.median(times['axelrod']) / per_run_ours:.0f}x"
        )
    results = [v[1] for v in values["ours"]]
    total = per_call * n
    freq = {
        p: sum(r.fixation_frequencies()[p] * per_call for r in results) / total
        for p in results[0].players
    }
    names = list(freq)
    winners = [w for _, w in values["axelrod"] if w is not None]
    if winners:
        counts = np.array([winners.count(n) for n in names])
        expected = np.array([freq[n] for n in names]) * len(winners)
        keep = expected > 0
        chi2 = float((((counts - expected) ** 2)[keep] / expected[keep]).sum())
        p = float(stats.chi2.sf(chi2, keep.sum() - 1))
        print(
            f"fixation frequencies (backscratch ± s.e. over {total} runs | axelrod count / runs):"
        )
        for n, c in zip(names, counts, strict=True):
            se = np.sqrt(freq[n] * (1 - freq[n]) / total)
            print(f"  {n:12s} {freq[n]:.4f} ± {se:.4f} | {c}/{len(winners)}")
        print(
            f"chi-square of axelrod's counts against backscratch's frequencies: p = {p:.3f} "
            f"({'consistent' if p > 0.01 else 'INCONSISTENT'} within sampling error)"
        )
    else:
        print(
            f"fixation frequencies (backscratch, {total} runs): "
            + ", ".join(f"{n} {f:.4f}" for n, f in freq.items())
        )
    print(
        f"goal >= {GOAL:.0f}x: {'met' if ratio >= GOAL else 'NOT met'} "
        f"(without the match cache: {'met' if ratio_replay >= GOAL else 'NOT met'})"
    )


if __name__ == "__main__":
    main()

"""The Moran process in backscratch and in the Axelrod library, in the same run.

    python benchmarks/moran_vs_axelrod.py [--quick] [--axelrod-runs 20] [--runs 100000]

Needs the ``oracle`` extra (``pip install torch==2.13.0`` first, then
``pip install '.[oracle]'``). Population: Tit For Tat, Defector, Cooperator and Grudger, 5
of each (20 players), 200 turns per match, no mutation, run to fixation — the Axelrod
library's ``MoranProcess`` with its defaults (birth proportional to the total score per turn,
death uniform, deterministic matches cached).

Prints the time per run and per generation of each (excluding imports and backscratch's
first, JIT-loading call), their ratio, and the fixation frequencies: backscratch's from many
runs, the library's from ``--axelrod-runs`` runs (about 16 s each), with a chi-square test
of the library's counts against backscratch's frequencies. ``--quick`` times 30 generations
of one library run instead and skips the frequency test. Also timed: backscratch with its
match cache off, replaying all 190 matches each generation. Goal: at least 100x faster, with the
same fixation frequencies within sampling error.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np
from scipy import stats

from backscratch.tournaments.evolution import moran_process

GOAL = 100.0
NAMES = ["TitForTat", "Defector", "Cooperator", "Grudger"]
COUNTS = [5, 5, 5, 5]
TURNS = 200


def ours(runs: int, seed: int = 1, cache: bool = True):
    moran_process(NAMES, COUNTS, turns=TURNS, runs=1, seed=0, cache=cache)  # JIT cache load
    t0 = time.perf_counter()
    res = moran_process(NAMES, COUNTS, turns=TURNS, runs=runs, seed=seed, cache=cache)
    return time.perf_counter() - t0, res


def theirs(axl, runs: int, generations: int | None):
    """Axelrod runs: (seconds, generations, winners)."""
    game = axl.Game(r=3, s=0, t=5, p=1)
    seconds, gens, winners = 0.0, 0, []
    for k in range(runs):
        players = [getattr(axl, n)() for n, c in zip(NAMES, COUNTS, strict=True) for _ in range(c)]
        mp = axl.MoranProcess(players, turns=TURNS, game=game, seed=k + 1)
        t0 = time.perf_counter()
        if generations is None:
            mp.play()
            winners.append(mp.winning_strategy_name)
            gens += len(mp.populations) - 1
        else:
            for _ in range(generations):
                next(mp)
            gens += generations
        seconds += time.perf_counter() - t0
    return seconds, gens, winners


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="time 30 library generations only")
    parser.add_argument("--axelrod-runs", type=int, default=20)
    parser.add_argument("--runs", type=int, default=100_000, help="backscratch runs")
    args = parser.parse_args()
    t0 = time.perf_counter()
    import axelrod as axl

    print(f"axelrod {axl.__version__} imported in {time.perf_counter() - t0:.1f} s (not counted)")
    runs = 2000 if args.quick else args.runs
    t_ours, res = ours(runs)
    g_ours = res.generations.sum()
    print(
        f"backscratch: {runs} runs to fixation in {t_ours:.3f} s: "
        f"{t_ours / runs * 1e3:.3f} ms per run, {t_ours / g_ours * 1e6:.2f} us per generation "
        f"(mean {res.generations.mean():.0f} generations)"
    )
    replay_runs = 20 if args.quick else 200
    t_replay, replay = ours(replay_runs, cache=False)
    print(
        f"backscratch, no match cache (all 190 matches replayed every generation, the path "
        f"taken with noise or stochastic strategies): {t_replay / replay.generations.sum() * 1e3:.3f} "
        f"ms per generation"
    )
    a_runs = 1 if args.quick else args.axelrod_runs
    t_axl, g_axl, winners = theirs(axl, a_runs, 30 if args.quick else None)
    per_gen_axl = t_axl / g_axl
    per_gen_ours = t_ours / g_ours
    print(
        f"axelrod:     {a_runs} run(s), {g_axl} generations in {t_axl:.1f} s: "
        f"{per_gen_axl * 1e3:.1f} ms per generation"
        + ("" if args.quick else f", {t_axl / a_runs:.1f} s per run")
    )
    ratio = per_gen_axl / per_gen_ours
    ratio_replay = per_gen_axl / (t_replay / replay.generations.sum())
    print(f"ratio per generation: {ratio:.0f}x (without the match cache: {ratio_replay:.0f}x)")
    if not args.quick:
        print(f"ratio per run: {(t_axl / a_runs) / (t_ours / runs):.0f}x")
    freq = res.fixation_frequencies()
    names = list(freq)
    if winners:
        counts = np.array([winners.count(n) for n in names])
        expected = np.array([freq[n] for n in names]) * len(winners)
        keep = expected > 0
        chi2 = float((((counts - expected) ** 2)[keep] / expected[keep]).sum())
        p = float(stats.chi2.sf(chi2, keep.sum() - 1))
        print("fixation frequencies (backscratch ± s.e. | axelrod count / runs):")
        for n, c in zip(names, counts, strict=True):
            se = np.sqrt(freq[n] * (1 - freq[n]) / runs)
            print(f"  {n:12s} {freq[n]:.4f} ± {se:.4f} | {c}/{len(winners)}")
        print(
            f"chi-square of axelrod's counts against backscratch's frequencies: p = {p:.3f} "
            f"({'consistent' if p > 0.01 else 'INCONSISTENT'} within sampling error)"
        )
    else:
        print(
            "fixation frequencies (backscratch): "
            + ", ".join(f"{n} {f:.4f}" for n, f in freq.items())
        )
    print(
        f"goal >= {GOAL:.0f}x: {'met' if ratio >= GOAL else 'NOT met'} "
        f"(without the match cache: {'met' if ratio_replay >= GOAL else 'NOT met'})"
    )


if __name__ == "__main__":
    main()

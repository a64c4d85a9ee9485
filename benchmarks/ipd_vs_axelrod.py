"""Round-robin IPD tournaments in backscratch and in the Axelrod library, in the same run.

    python benchmarks/ipd_vs_axelrod.py [--quick] [--rounds 5] [--cli-rounds 3]

Needs the ``oracle`` extra (``pip install torch==2.13.0`` first, then
``pip install '.[oracle]'``). Two tournaments, 200 turns, payoffs (R, P, S, T) = (3, 1, 0, 5):

* the 8 deterministic classic strategies, 10 repetitions;
* 20 strategies (those 8, Random, GTFT and 10 more), 20 repetitions.

Each is timed three ways, both libraries the same number of times (N, printed) in interleaved
rounds (ours, theirs; theirs, ours; ...), and the median of N is reported for each:

1. **match play**: every match of the round robin played and its scores kept. backscratch:
   its numba kernel on the strategies' arrays; the library: its own tournament loop
   (the ``Tournament``'s match chunks, one ``Match`` per pair, ``play()`` once per
   repetition, ``final_score_per_turn()``), without its per-match statistics, its CSV of
   interactions and its ``ResultSet``;
2. **full tournament**: what each library's tournament call returns. backscratch:
   ``iterated.tournament(...)`` and its ``summary()`` (payoff matrix, scores with CIs,
   ranking); the library: ``Tournament.play()``, which writes the interactions to a
   temporary CSV and builds the ``ResultSet`` from it;
3. **command line, end to end** (process start to exit, imports included): ``backscratch
   tournament --strategies ...`` against ``python -c`` running the same tournament with the
   library and printing its ranking and payoff matrix (``--cli-rounds`` rounds).

Times 1 and 2 exclude imports and a first, untimed call of each side (backscratch loads its
JIT cache then). The library plays serially (``processes=None``): its ``processes=2`` mode is
far slower here, since importing it forces the ``spawn`` start method. The script also checks
that every match between deterministic strategies scores the same to 1e-9, in match play and
in the full tournaments' payoff matrices. ``--quick``: 2 repetitions, 3 rounds, and the
command lines on the classic 8 only, 1 round. Goal: backscratch at least 50x faster.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np

import _bench
from backscratch.tournaments import _ipd_kernels as kernel
from backscratch.tournaments import ipd_strategies as ipd
from backscratch.tournaments import iterated

GOAL = 50.0
TURNS = 200
SEED = 1
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

AXELROD_CLI = """\
import sys
import axelrod as axl
import numpy as np
names, turns, reps, seed = sys.argv[1].split(","), *map(int, sys.argv[2:5])
players = [getattr(axl, n)() for n in names]
game = axl.Game(r=3, s=0, t=5, p=1)
tour = axl.Tournament(players, turns=turns, repetitions=reps, game=game, seed=seed)
rs = tour.play(progress_bar=False)
med = np.median(rs.normalised_scores, axis=1)
for rank, i in enumerate(rs.ranking, 1):
    print(rank, rs.players[i], f"{med[i]:.3f}")
for name, row in zip(rs.players, rs.payoff_matrix):
    print(name, *(f"{x:.3f}" for x in row))
"""
"""The library's equivalent of ``backscratch tournament``: ``python -c AXELROD_CLI names
turns repetitions seed``."""


def our_matches(names: list[str], reps: int) -> np.ndarray:
    """backscratch's match play: ``out[r, k]`` = (score i, score j, turns, cooperations i, j)
    of pair ``k`` (``numpy.triu_indices`` order) in repetition ``r``."""
    game = iterated.StageGame.prisoners_dilemma()
    kinds, params = iterated._arrays(iterated.make_strategies(names, game))
    pi, pj = np.triu_indices(len(names))
    out = np.zeros((reps, len(pi), 5))
    kernel.round_robin(
        kinds, params, pi.astype(np.int64), pj.astype(np.int64), reps, TURNS, 0.0, 0.0,
        game.stage(), iterated.root_key(SEED), out,
    )  # fmt: skip
    return out


def their_matches(axl, names: list[str], reps: int) -> dict[tuple[int, int], np.ndarray]:
    """The library's match play, its own tournament loop without the results: per pair
    ``(i, j)``, the scores per turn of every repetition, shape (reps, 2)."""
    players = [getattr(axl, n)() for n in names]
    game = axl.Game(r=3, s=0, t=5, p=1)
    tour = axl.Tournament(players, turns=TURNS, repetitions=reps, game=game, seed=SEED)
    scores = {}
    for chunk in tour.match_generator.build_match_chunks():
        i, j = chunk.index_pair
        params = dict(chunk.match_params)
        params["players"] = (players[i].clone(), players[j].clone())
        params["seed"] = chunk.seed
        match = axl.Match(**params)
        per_rep = []
        for _ in range(chunk.repetitions):
            match.play()
            per_rep.append(match.final_score_per_turn())
        scores[(i, j)] = np.array(per_rep)
    return scores


def our_tournament(names: list[str], reps: int):
    result = iterated.tournament(names, turns=TURNS, repetitions=reps, seed=SEED)
    result.summary()
    return result


def their_tournament(axl, names: list[str], reps: int):
    players = [getattr(axl, n)() for n in names]
    game = axl.Game(r=3, s=0, t=5, p=1)
    tour = axl.Tournament(players, turns=TURNS, repetitions=reps, game=game, seed=SEED)
    return tour.play(progress_bar=False, processes=None)


def deterministic(names: list[str]) -> np.ndarray:
    return np.array([not ipd.STRATEGIES[n]().classifier["stochastic"] for n in names])


def line(what: str, n: int, ours: list[float], theirs: list[float]) -> float:
    ratio = _bench.median(theirs) / _bench.median(ours)
    print(
        f"  {what:<17} median of N={n}: backscratch {_bench.median(ours) * 1e3:9.2f} ms   "
        f"axelrod {_bench.median(theirs) * 1e3:9.1f} ms   ratio {ratio:7.0f}x"
    )
    return ratio


def paired(ours, theirs, reps: int, rounds: int):
    """One untimed call of each side with 1 repetition (JIT cache load, first touch), then
    ``rounds`` interleaved rounds of ``reps`` repetitions: each side's times and values."""
    ours(1)
    theirs(1)
    return _bench.interleaved({"ours": lambda: ours(reps), "theirs": lambda: theirs(reps)}, rounds)


def compare(label: str, axl, names: list[str], reps: int, rounds: int) -> tuple[float, float]:
    n_matches = len(names) * (len(names) + 1) // 2 * reps
    print(
        f"{label}: {len(names)} strategies x {TURNS} turns x {reps} repetitions "
        f"({n_matches} matches)"
    )
    det = deterministic(names)
    # match play
    times, values = paired(lambda r: our_matches(names, r),
                           lambda r: their_matches(axl, names, r), reps, rounds)  # fmt: skip
    out, theirs = values["ours"][-1], values["theirs"][-1]
    pi, pj = np.triu_indices(len(names))
    diff = 0.0
    for k, (i, j) in enumerate(zip(pi, pj, strict=True)):
        if det[i] and det[j]:
            mine = out[:, k, :2] / out[:, k, 2:3]
            diff = max(diff, float(np.abs(mine - theirs[(i, j)]).max()))
    r_play = line("match play", rounds, times["ours"], times["theirs"])
    print(
        f"    deterministic matches max |diff| of scores per turn {diff:.1e} "
        f"({'identical' if diff <= 1e-9 else 'DIFFERENT'})"
    )
    # full tournament
    times, values = paired(lambda r: our_tournament(names, r),
                           lambda r: their_tournament(axl, names, r), reps, rounds)  # fmt: skip
    r_ours, r_axl = values["ours"][-1], values["theirs"][-1]
    both = np.outer(det, det)
    diff = np.abs(r_ours.payoff_matrix - np.array(r_axl.payoff_matrix))[both].max()
    r_full = line("full tournament", rounds, times["ours"], times["theirs"])
    print(
        f"    deterministic pairs' payoff matrix max |diff| {diff:.1e} "
        f"({'identical' if diff <= 1e-9 else 'DIFFERENT'})"
    )
    return r_play, r_full


def compare_cli(label: str, names: list[str], reps: int, rounds: int) -> float:
    args = [",".join(names), str(TURNS), str(reps), str(SEED)]
    ours = [_bench.console_script(), "tournament", "--strategies", args[0], "--turns", args[1]]
    ours += ["--repetitions", args[2], "--seed", args[3]]
    theirs = [sys.executable, "-c", AXELROD_CLI, *args]
    times, _ = _bench.interleaved(
        {"ours": lambda: _bench.wall(ours), "theirs": lambda: _bench.wall(theirs)}, rounds
    )
    ratio = _bench.median(times["theirs"]) / _bench.median(times["ours"])
    print(
        f"{label}, command line end to end (start to exit), median of N={rounds}: "
        f"backscratch {_bench.median(times['ours']):6.2f} s   "
        f"python -c (axelrod) {_bench.median(times['theirs']):6.2f} s   ratio {ratio:5.1f}x"
    )
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short version (smoke test)")
    parser.add_argument("--rounds", type=int, default=5, help="N for match play and tournament")
    parser.add_argument("--cli-rounds", type=int, default=3, help="N for the command lines")
    args = parser.parse_args()
    t0 = time.perf_counter()
    import axelrod as axl

    print(f"axelrod {axl.__version__} imported in {time.perf_counter() - t0:.1f} s (not counted)")
    reps8, reps20 = (2, 2) if args.quick else (10, 20)
    rounds = 3 if args.quick else args.rounds
    play8, full8 = compare("classic 8", axl, CLASSIC8, reps8, rounds)
    play20, full20 = compare("20 strategies", axl, TWENTY, reps20, rounds)
    if args.quick:
        compare_cli("classic 8", CLASSIC8, reps8, 1)
    else:
        compare_cli("classic 8", CLASSIC8, reps8, args.cli_rounds)
        compare_cli("20 strategies", TWENTY, reps20, args.cli_rounds)
    worst = min(play8, play20)
    print(
        f"goal >= {GOAL:.0f}x on match play: {'met' if worst >= GOAL else 'NOT met'} "
        f"(worst {worst:.0f}x; full tournaments {min(full8, full20):.0f}x at worst)"
    )


if __name__ == "__main__":
    main()

"""How long the demander's-choice game takes to solve: the reference and a phase map.

    python benchmarks/equilibrium.py [--quick] [--repeat 3] [--side 20] [--workers 2]

Prints (1) the median time of N solves of `oye-dyad`'s game on one core (goal <= 10 s),
beside the peer measured in the same run: the dyad's solve of the target's programme under
one fixed policy (what `backscratch run` does), N times, the two in interleaved rounds (game,
peer; peer, game; ...), so the ratio says what letting D choose among the menu's actions
costs; (2) one `side x side` phase map of D's first move over threat.punishment x shadow on
`--workers` processes, timed once (N = 1, no peer; goal: 20 x 20 in <= 5 min on 2 cores),
with the instruments it found. Imports and a first, JIT-loading solve of each are not
counted; the phase map's time includes starting its process pool. ``--quick``: N = 3 and a
6 x 6 map.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np

import _bench
import backscratch as bs
from backscratch.dyad.stage import StageGame, plan_for
from backscratch.game.api import phase_map
from backscratch.game.model import solve


@_bench.leaves_no_children
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="N = 3 and a 6 x 6 map")
    ap.add_argument("--repeat", type=int, default=3, help="N")
    ap.add_argument("--side", type=int, default=20)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    if args.quick:
        args.repeat, args.side = 3, 6
    sc = bs.load_scenario("oye-dyad")
    solve(sc)  # warm-up: JIT cache load
    stage = StageGame.from_scenario(sc, plan_for(sc, "backscratching"))
    stage.solve(sc.shadow)
    times, _ = _bench.interleaved(
        {"game": lambda: solve(sc), "one": lambda: stage.solve(sc.shadow)}, args.repeat
    )
    game, one = _bench.median(times["game"]), _bench.median(times["one"])
    actions = len(solve(sc).menu)
    print(
        f"reference game ({actions} actions x {sc.solver.belief_grid} beliefs x "
        f"{sc.horizon} periods), median of N = {args.repeat}: {game:.2f} s (goal <= 10 s)"
    )
    print(f"peer: one fixed policy's target programme, median of N = {args.repeat}: {one:.3f} s")
    print(f"ratio game / one policy: {game / one:.1f}x (the menu has {actions} actions)")
    axes = {
        "threat.punishment": np.linspace(0.25, 4.0, args.side).round(4).tolist(),
        "shadow": np.linspace(0.3, 0.95, args.side).round(4).tolist(),
    }
    base = sc.with_updates(**{"threat.execution_cost": 0.0})
    t0 = time.perf_counter()
    result = phase_map(base, axes=axes, backend="local", workers=args.workers)
    elapsed = time.perf_counter() - t0
    print(
        f"phase map {args.side} x {args.side} on {args.workers} processes, N = 1: {elapsed:.1f} s "
        f"(goal <= 300 s for 20 x 20 on 2); cells by instrument: "
        f"{result.summary()['instrument_cells']}"
    )


if __name__ == "__main__":
    main()

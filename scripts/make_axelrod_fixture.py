"""Write the Axelrod library's payoff matrices that backscratch must reproduce.

    pip install torch==2.13.0 && pip install '.[oracle]'
    python scripts/make_axelrod_fixture.py [--out tests/fixtures/axelrod_reference.json]

Plays, in the Axelrod library, the round robin of the eight classic deterministic strategies
(and of every deterministic strategy backscratch implements) for 200 turns with payoffs
(R, P, S, T) = (3, 1, 0, 5), serially, and writes each ``ResultSet.payoff_matrix`` and
``ranked_names`` with the library's version. ``tests/test_tournament.py`` compares
backscratch with this file (always) and with the live library (when it is installed).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import re
from pathlib import Path

from backscratch.tournaments import ipd_strategies as ipd

TURNS = 200
RPST = (3, 1, 0, 5)


def classic_deterministic() -> list[str]:
    """Class names of the eight deterministic classic strategies."""
    return [c.__name__ for c in ipd.CLASSIC if not c.classifier["stochastic"]]


def all_deterministic() -> list[str]:
    """Class names of every deterministic strategy backscratch implements."""
    return [n for n, c in ipd.STRATEGIES.items() if not c().classifier["stochastic"]]


def axelrod_matrix(axl, names: list[str], turns: int = TURNS, rpst=RPST) -> dict:
    """Play the Axelrod library's tournament of ``names`` (its class names), serially."""
    players = [getattr(axl, n)() for n in names]
    r, p, s, t = rpst
    tour = axl.Tournament(players, turns=turns, repetitions=1, game=axl.Game(r=r, s=s, t=t, p=p))
    rs = tour.play(progress_bar=False, processes=None)
    return {
        "strategies": names,
        "axelrod_names": [str(x) for x in players],
        "payoff_matrix": [[float(v) for v in row] for row in rs.payoff_matrix],
        "ranked_names": list(rs.ranked_names),
    }


def import_axelrod():
    """Import axelrod without letting it switch multiprocessing to 'spawn' for the caller
    (it forces that start method at import)."""
    method = multiprocessing.get_start_method(allow_none=True)
    import axelrod as axl

    multiprocessing.set_start_method(method, force=True)
    return axl


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parents[1] / "tests/fixtures/axelrod_reference.json",
    )
    args = parser.parse_args()
    axl = import_axelrod()
    data = {
        "axelrod_version": axl.__version__,
        "turns": TURNS,
        "rpst": list(RPST),
        "classic": axelrod_matrix(axl, classic_deterministic()),
        "deterministic": axelrod_matrix(axl, all_deterministic()),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, indent=2)
    # one matrix row per line, so the fixture reads as a table
    text = re.sub(
        r"\[\s+([-0-9.e,\s]+?)\s+\]",
        lambda m: "[" + ", ".join(v.strip() for v in m.group(1).split(",")) + "]",
        text,
    )
    args.out.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {args.out} (axelrod {axl.__version__})")


if __name__ == "__main__":
    main()

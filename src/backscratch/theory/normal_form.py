"""Bimatrix games, Oye's 2×2 catalogue and their Nash equilibria.

The solver is pygambit's ``enummixed_solve`` in exact rational arithmetic: it enumerates all
extreme equilibria of a two-player game, degenerate games included (support enumeration,
as in nashpy, can miss equilibria there). :func:`solve_2x2` is an independent closed-form
solver for 2×2 games, used as the oracle in the tests and handy for teaching.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from backscratch.core.errors import ScenarioError

# Oye (1985), "Explaining Cooperation under Anarchy", World Politics 38(1): the ordinal
# preference orderings over outcomes DC (I defect, you cooperate), CC, DD and CD.
ORDERINGS: dict[str, tuple[str, ...]] = {
    "prisoners_dilemma": ("DC", "CC", "DD", "CD"),
    "stag_hunt": ("CC", "DC", "DD", "CD"),
    "chicken": ("DC", "CC", "CD", "DD"),
    "deadlock": ("DC", "DD", "CC", "CD"),
    "harmony": ("CC", "DC", "CD", "DD"),
}
"""Each game's symmetric ordering, best first (Harmony: cooperation dominant)."""


@dataclass(frozen=True)
class Bimatrix:
    """A two-player normal-form game: ``row[i, j]`` and ``col[i, j]`` are the payoffs when the
    row player plays ``i`` and the column player ``j``."""

    row: np.ndarray
    col: np.ndarray
    name: str = "game"

    @classmethod
    def from_payoffs(cls, payoffs, name: str = "game") -> Bimatrix:
        """From a nested list ``[[[r, c], ...], ...]`` (n rows × m columns of pairs)."""
        try:
            arr = np.array(payoffs, dtype=float)
        except (TypeError, ValueError):
            raise ScenarioError(f"{name}: payoffs must be numbers") from None
        if arr.ndim != 3 or arr.shape[2] != 2 or arr.shape[0] < 1 or arr.shape[1] < 1:
            raise ScenarioError(
                f"{name}: payoffs must be an n x m matrix of [row, column] pairs, "
                f"got shape {list(arr.shape)}"
            )
        if not np.isfinite(arr).all():
            raise ScenarioError(f"{name}: payoffs must be finite numbers")
        return cls(arr[:, :, 0], arr[:, :, 1], name)

    @classmethod
    def symmetric_from_ordering(cls, ordering: tuple[str, ...], name: str = "game") -> Bimatrix:
        """A symmetric 2×2 game from an ordinal ordering of DC, CC, DD, CD (best first),
        with cardinal payoffs 4, 3, 2, 1. Strategy 0 is C (cooperate), 1 is D (defect)."""
        if sorted(ordering) != ["CC", "CD", "DC", "DD"]:
            raise ScenarioError(f"{name}: an ordering ranks exactly DC, CC, DD and CD")
        value = {outcome: 4 - rank for rank, outcome in enumerate(ordering)}
        row = np.array([[value["CC"], value["CD"]], [value["DC"], value["DD"]]], dtype=float)
        return cls(row, row.T.copy(), name)

    def payoffs(self) -> list:
        """The payoffs as ``[[[r, c], ...], ...]``."""
        return np.stack([self.row, self.col], axis=-1).tolist()


@dataclass(frozen=True)
class Equilibrium:
    """A Nash equilibrium: mixed strategies (exact fractions) and expected payoffs."""

    row: tuple[Fraction, ...]
    col: tuple[Fraction, ...]
    payoffs: tuple[Fraction, Fraction]

    def to_json(self) -> dict:
        return {
            "row": [float(p) for p in self.row],
            "col": [float(q) for q in self.col],
            "payoffs": [float(u) for u in self.payoffs],
        }


def _fractions(matrix: np.ndarray) -> list[list[Fraction]]:
    return [[Fraction(v).limit_denominator(10**9) for v in r] for r in matrix]


def expected(game: Bimatrix, p, q) -> tuple[Fraction, Fraction]:
    """Expected payoffs of the profile ``(p, q)``, exactly."""
    a, b = _fractions(game.row), _fractions(game.col)
    u = sum(p[i] * q[j] * a[i][j] for i in range(len(p)) for j in range(len(q)))
    v = sum(p[i] * q[j] * b[i][j] for i in range(len(p)) for j in range(len(q)))
    return Fraction(u), Fraction(v)


def is_equilibrium(game: Bimatrix, p, q) -> bool:
    """No pure deviation gains either player anything (exact arithmetic)."""
    a, b = _fractions(game.row), _fractions(game.col)
    u, v = expected(game, p, q)
    rows = [sum(q[j] * a[i][j] for j in range(len(q))) for i in range(len(p))]
    cols = [sum(p[i] * b[i][j] for i in range(len(p))) for j in range(len(q))]
    return max(rows) <= u and max(cols) <= v


def solve(game: Bimatrix) -> list[Equilibrium]:
    """All extreme Nash equilibria (pygambit ``enummixed_solve``, rational), sorted."""
    import pygambit as gbt

    a = np.array(_fractions(game.row), dtype=object)
    b = np.array(_fractions(game.col), dtype=object)
    g = gbt.StrategicGame.from_arrays(
        [[gbt.Rational(x.numerator, x.denominator) for x in r] for r in a],
        [[gbt.Rational(x.numerator, x.denominator) for x in r] for r in b],
        title=game.name,
    )
    row_player, col_player = (str(p) for p in g.players)
    out = []
    for eq in gbt.nash.enummixed_solve(g, rational=True).equilibria:
        p = tuple(Fraction(str(v)) for _, v in eq[row_player])
        q = tuple(Fraction(str(v)) for _, v in eq[col_player])
        out.append(Equilibrium(p, q, expected(game, p, q)))
    return sorted(out, key=lambda e: (e.row, e.col), reverse=True)


def solve_2x2(game: Bimatrix) -> list[Equilibrium]:
    """Closed-form equilibria of a non-degenerate 2×2 game: pure profiles where neither
    player gains by switching, and the mixed profile from the indifference conditions
    ``q = (d - b) / (a - b - c + d)`` on the row payoffs (and likewise ``p`` on the column
    payoffs) when both lie strictly inside (0, 1)."""
    if game.row.shape != (2, 2):
        raise ScenarioError(f"{game.name}: solve_2x2 needs a 2 x 2 game")
    a, b = _fractions(game.row), _fractions(game.col)
    one, zero = Fraction(1), Fraction(0)
    out = []
    for i in range(2):
        for j in range(2):
            p = (one, zero) if i == 0 else (zero, one)
            q = (one, zero) if j == 0 else (zero, one)
            if a[i][j] >= a[1 - i][j] and b[i][j] >= b[i][1 - j]:
                out.append(Equilibrium(p, q, expected(game, p, q)))
    den_q = a[0][0] - a[0][1] - a[1][0] + a[1][1]
    den_p = b[0][0] - b[1][0] - b[0][1] + b[1][1]
    if den_q != 0 and den_p != 0:
        q0 = (a[1][1] - a[0][1]) / den_q  # makes the row player indifferent
        p0 = (b[1][1] - b[1][0]) / den_p  # makes the column player indifferent
        if 0 < q0 < 1 and 0 < p0 < 1:
            p, q = (p0, 1 - p0), (q0, 1 - q0)
            out.append(Equilibrium(p, q, expected(game, p, q)))
    return sorted(out, key=lambda e: (e.row, e.col), reverse=True)


def oye_catalogue() -> dict[str, Bimatrix]:
    """Oye's five 2×2 games from their ordinal orderings (payoffs 4 > 3 > 2 > 1)."""
    return {name: Bimatrix.symmetric_from_ordering(o, name) for name, o in ORDERINGS.items()}

"""Iterated 2×2 games: matches and round-robin tournaments, scored as the Axelrod library does.

A :class:`StageGame` is a symmetric 2×2 game — the Prisoner's Dilemma with payoffs
``(R, P, S, T)``, or any game of Oye's catalogue (:mod:`backscratch.theory.normal_form`).
:func:`tournament` plays every pair of strategies (each against itself too) ``repetitions``
times, with optional noise (each move flipped with probability ``noise``) and probabilistic
ending (after each turn the match ends with probability ``prob_end``; ``turns`` is then a
cap). All matches run in one numba kernel (``_ipd_kernels``); random numbers are
hashed from the root seed, the repetition and the two players, so the same inputs give
identical results.

The summary follows the Axelrod library's ``ResultSet`` (Knight et al. 2016, *Journal of Open
Research Software* 4:1): ``payoff_matrix[i][j]`` is the mean over repetitions of player ``i``'s
score per turn against ``j`` (in a self-match, the mean of the two copies' scores per turn);
the normalised score of ``i`` in a repetition is its mean score per turn over the matches
against the other players; players are ranked by the median normalised score over
repetitions, ties in input order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from backscratch.core.errors import ScenarioError
from backscratch.core.results import Result, html_table, mean_ci
from backscratch.theory.normal_form import ORDERINGS, Bimatrix
from backscratch.tournaments import _ipd_kernels as kernel
from backscratch.tournaments import ipd_strategies as strategies
from backscratch.tournaments.ipd_strategies import IPDStrategy


@dataclass(frozen=True)
class StageGame:
    """A symmetric 2×2 game; move 0 is C, move 1 is D; ``row[a, b]`` is the payoff of a
    player who plays ``a`` against ``b``."""

    row: np.ndarray
    name: str = "prisoners_dilemma"

    @classmethod
    def prisoners_dilemma(cls, R=3.0, P=1.0, S=0.0, T=5.0) -> StageGame:
        """The Prisoner's Dilemma with reward, punishment, sucker and temptation payoffs."""
        return cls(np.array([[R, S], [T, P]], dtype=float), "prisoners_dilemma")

    @classmethod
    def from_bimatrix(cls, game: Bimatrix) -> StageGame:
        """From a symmetric 2×2 :class:`~backscratch.theory.normal_form.Bimatrix`."""
        row, col = np.asarray(game.row, float), np.asarray(game.col, float)
        if row.shape != (2, 2) or col.shape != (2, 2):
            raise ScenarioError(f"{game.name}: an iterated game needs a 2 x 2 stage game")
        if not np.array_equal(row, col.T):
            raise ScenarioError(f"{game.name}: the stage game must be symmetric (col = row.T)")
        return cls(row, game.name)

    @classmethod
    def named(cls, name: str, rpst: tuple[float, float, float, float] | None = None):
        """``ipd`` (the Prisoner's Dilemma, ``rpst`` default (3, 1, 0, 5)) or a game of Oye's
        catalogue (payoffs 4 > 3 > 2 > 1 by its ordering)."""
        if name == "ipd":
            return cls.prisoners_dilemma(*(rpst or (3.0, 1.0, 0.0, 5.0)))
        if rpst is not None:
            raise ScenarioError.bad("payoffs", f"only the ipd game takes R,P,S,T, not {name}")
        if name not in ORDERINGS:
            known = ", ".join(["ipd", *ORDERINGS])
            raise ScenarioError.bad("game", f"unknown game '{name}' (known: {known}, coercion)")
        return cls.from_bimatrix(Bimatrix.symmetric_from_ordering(ORDERINGS[name], name))

    @property
    def rpst(self) -> tuple[float, float, float, float]:
        """``(R, P, S, T)``: payoffs of CC, DD, CD and DC to the row player."""
        r = self.row
        return float(r[0, 0]), float(r[1, 1]), float(r[0, 1]), float(r[1, 0])

    def stage(self) -> np.ndarray:
        """``stage[a, b, k]``: payoff to the first (k = 0) / second (k = 1) player."""
        return np.ascontiguousarray(np.stack([self.row, self.row.T], axis=-1), dtype=float)


def make_strategies(specs, game: StageGame | None = None) -> list[IPDStrategy]:
    """Strategy instances from instances, classes or names (see
    :func:`backscratch.tournaments.ipd_strategies.lookup`); GTFT takes its generosity from ``game``."""
    out = []
    for spec in specs:
        if isinstance(spec, IPDStrategy):
            out.append(spec)
            continue
        cls = strategies.lookup(spec) if isinstance(spec, str) else spec
        if cls is None:
            known = ", ".join(strategies.STRATEGIES)
            raise ScenarioError.bad("strategies", f"unknown strategy '{spec}' (known: {known})")
        if cls is strategies.GTFT and game is not None:
            out.append(cls(payoffs=game.rpst))
        else:
            out.append(cls())
    return out


def _arrays(players: list[IPDStrategy]) -> tuple[np.ndarray, np.ndarray]:
    kinds = np.array([p.kind for p in players], dtype=np.int64)
    bad = [p.name for p in players if p.kind not in strategies.KINDS]
    if bad:
        raise ScenarioError(f"strategies: no kernel rule for {', '.join(bad)}")
    params = np.array([p.kernel_params() for p in players], dtype=float).reshape(len(players), -1)
    return kinds, params


def root_key(seed: int) -> np.uint64:
    """The 64-bit root key of ``seed`` (via ``numpy.random.SeedSequence``)."""
    return np.random.SeedSequence(int(seed)).generate_state(1, dtype=np.uint64)[0]


def _check(turns: int, repetitions: int, noise: float, prob_end: float) -> None:
    if int(turns) < 1:
        raise ScenarioError.bad("turns", f"{turns} must be at least 1")
    if int(repetitions) < 1:
        raise ScenarioError.bad("repetitions", f"{repetitions} must be at least 1")
    if not 0.0 <= noise <= 1.0:
        raise ScenarioError.bad("noise", f"{noise} must lie in [0, 1]")
    if not 0.0 <= prob_end <= 1.0:
        raise ScenarioError.bad("prob_end", f"{prob_end} must lie in [0, 1]")


@dataclass
class MatchResult:
    """One match: the moves (0 = C, 1 = D, after noise) and total scores of both players."""

    moves: np.ndarray
    scores: tuple[float, float]

    @property
    def turns(self) -> int:
        return self.moves.shape[1]

    @property
    def score_per_turn(self) -> tuple[float, float]:
        return self.scores[0] / self.turns, self.scores[1] / self.turns


def match(
    a,
    b,
    *,
    game: StageGame | None = None,
    turns: int = 200,
    seed: int = 0,
    noise: float = 0.0,
    prob_end: float = 0.0,
) -> MatchResult:
    """Play one match between strategies ``a`` and ``b`` (the kernel)."""
    _check(turns, 1, noise, prob_end)
    game = game or StageGame.prisoners_dilemma()
    players = make_strategies([a, b], game)
    kinds, params = _arrays(players)
    key = np.uint64(kernel.py_match_key(int(root_key(seed)), 0, 0, 1))
    n = kernel.match_length(key, int(turns), float(prob_end))
    ha, hb = np.zeros(n, np.int64), np.zeros(n, np.int64)
    sa, sb = np.zeros(kernel.STATE_SLOTS, np.int64), np.zeros(kernel.STATE_SLOTS, np.int64)
    sc_a, sc_b, _, _ = kernel.play(
        kinds[0], params[0], kinds[1], params[1], n, float(noise), game.stage(), key, ha, hb, sa, sb
    )
    return MatchResult(np.stack([ha, hb]), (sc_a, sc_b))


def match_reference(
    a,
    b,
    *,
    game: StageGame | None = None,
    turns: int = 200,
    seed: int = 0,
    noise: float = 0.0,
    prob_end: float = 0.0,
) -> MatchResult:
    """The same match as :func:`match`, played by the plain-Python rules
    (:meth:`IPDStrategy.strategy`) with the same random numbers: the kernel's reference."""
    _check(turns, 1, noise, prob_end)
    game = game or StageGame.prisoners_dilemma()
    pa_, pb_ = make_strategies([a, b], game)
    key = int(kernel.py_match_key(int(root_key(seed)), 0, 0, 1))
    n = kernel.py_match_length(key, int(turns), float(prob_end))
    ha: list[int] = []
    hb: list[int] = []
    sa, sb = [0] * kernel.STATE_SLOTS, [0] * kernel.STATE_SLOTS
    stage = game.stage()
    score = [0.0, 0.0]

    def draw(counter: int) -> Callable[[], float]:
        return lambda: kernel.py_uniform(key, counter)

    for t in range(n):
        x = pa_.strategy(t, ha, hb, sa, draw(4 * t))
        y = pb_.strategy(t, hb, ha, sb, draw(4 * t + 2))
        if noise > 0.0:
            x = 1 - x if kernel.py_uniform(key, 4 * t + 1) < noise else x
            y = 1 - y if kernel.py_uniform(key, 4 * t + 3) < noise else y
        ha.append(x)
        hb.append(y)
        sa[0] += y
        sb[0] += x
        score[0] += stage[x, y, 0]
        score[1] += stage[x, y, 1]
    return MatchResult(np.array([ha, hb], dtype=np.int64).reshape(2, n), (score[0], score[1]))


@dataclass(eq=False, repr=False)
class TournamentResult(Result):
    """Per-match data of a round robin and the Axelrod library's summaries of it.

    ``matches[r, k]`` holds (score of ``pairs[k][0]``, score of ``pairs[k][1]``, turns,
    cooperations of each) for repetition ``r``.
    """

    players: list[str]
    pairs: np.ndarray
    matches: np.ndarray
    turns: int
    repetitions: int
    noise: float
    prob_end: float
    seed: int
    game: StageGame
    classifiers: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        n, R = len(self.players), self.repetitions
        i, j = self.pairs[:, 0], self.pairs[:, 1]
        m = self.matches.transpose(1, 2, 0)  # [pair, field, repetition]

        def square(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            out = np.zeros((n, n, R))
            out[i, j], out[j, i] = a, b
            same = i == j  # a self-match counts once, as the mean of the two copies
            out[i[same], i[same]] = (a[same] + b[same]) / 2
            return out

        totals = square(m[:, 0], m[:, 1])
        per_turn = square(m[:, 0] / m[:, 2], m[:, 1] / m[:, 2])
        coop = square(m[:, 3], m[:, 4])
        self.payoffs = per_turn
        """``payoffs[i, j, r]``: score per turn of ``i`` against ``j`` in repetition ``r``."""
        self.totals = totals
        self.cooperations = coop
        others = ~np.eye(n, dtype=bool)
        if n > 1:
            self.normalised_scores = per_turn[others].reshape(n, n - 1, R).mean(axis=1)
            self.scores = totals[others].reshape(n, n - 1, R).sum(axis=1)
        else:  # a lone player has no opponents: its normalised score is undefined
            self.normalised_scores = np.full((1, R), np.nan)
            self.scores = np.zeros((1, R))
        medians = np.median(self.normalised_scores, axis=1)
        medians = np.where(np.isnan(medians), -np.inf, medians)
        self.ranking = sorted(range(n), key=lambda k: -medians[k])

    @property
    def payoff_matrix(self) -> np.ndarray:
        """Mean score per turn of row player against column player (the Axelrod library's
        ``ResultSet.payoff_matrix``)."""
        return self.payoffs.mean(axis=2)

    @property
    def payoff_stddevs(self) -> np.ndarray:
        """Standard deviation over repetitions of the scores per turn."""
        return self.payoffs.std(axis=2)

    @property
    def ranked_names(self) -> list[str]:
        return [self.players[i] for i in self.ranking]

    def score_ci(self, level: float = 0.95) -> np.ndarray:
        """Per player: (mean, low, high) of the normalised score over repetitions, a
        Student-t interval (NaN bounds with a single repetition)."""
        return mean_ci(self.normalised_scores, level)

    def _headline(self) -> str:
        return (
            f"{self.game.name}, {len(self.players)} strategies, {self.turns} turns × "
            f"{self.repetitions} repetitions, seed {self.seed}; ranking "
            + ", ".join(self.ranked_names[:3])
            + (", ..." if len(self.players) > 3 else "")
        )

    def _repr_html_(self) -> str:
        ci = self.score_ci()
        rows = [
            [k + 1, self.players[i], float(np.median(self.normalised_scores[i])), ci[i, 0]]
            for k, i in enumerate(self.ranking)
        ]
        head = ["rank", "player", "median score/turn", "mean score/turn"]
        return f"<div><p><b>{self._headline()}</b></p>{html_table(head, rows)}</div>"

    def summary(self) -> dict:
        """The ``backscratch tournament --format json`` contract, plus scores with CIs."""
        ci = self.score_ci()
        return {
            "players": list(self.players),
            "payoff_matrix": self.payoff_matrix.tolist(),
            "ranking": self.ranked_names,
            "game": self.game.name,
            "payoffs_rpst": list(self.game.rpst),
            "turns": self.turns,
            "repetitions": self.repetitions,
            "noise": self.noise,
            "prob_end": self.prob_end,
            "seed": self.seed,
            "scores": {
                name: {
                    "median": _num(np.median(self.normalised_scores[i])),
                    "mean": _num(ci[i, 0]),
                    "ci95": [_num(ci[i, 1]), _num(ci[i, 2])],
                }
                for i, name in enumerate(self.players)
            },
        }

    def to_arrow(self) -> pa.Table:
        """One row per match and repetition: players, scores, turns, cooperations."""
        R, K = self.matches.shape[:2]
        names = np.array(self.players, dtype=object)
        i, j = self.pairs[:, 0], self.pairs[:, 1]
        m = self.matches
        return pa.table(
            {
                "repetition": np.repeat(np.arange(R), K),
                "player": names[np.tile(i, R)].tolist(),
                "opponent": names[np.tile(j, R)].tolist(),
                "score": m[:, :, 0].ravel(),
                "opponent_score": m[:, :, 1].ravel(),
                "turns": m[:, :, 2].ravel().astype(np.int64),
                "cooperations": m[:, :, 3].ravel().astype(np.int64),
                "opponent_cooperations": m[:, :, 4].ravel().astype(np.int64),
            }
        )


def _num(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def tournament(
    players,
    *,
    game: StageGame | None = None,
    turns: int = 200,
    repetitions: int = 10,
    seed: int = 0,
    noise: float = 0.0,
    prob_end: float = 0.0,
) -> TournamentResult:
    """Round robin: every pair of ``players`` (strategy instances, classes or names), each
    player against itself too, ``repetitions`` times, on ``game`` (default: the Prisoner's
    Dilemma (3, 1, 0, 5))."""
    _check(turns, repetitions, noise, prob_end)
    game = game or StageGame.prisoners_dilemma()
    players = make_strategies(players, game)
    if not players:
        raise ScenarioError.bad("strategies", "give at least one strategy")
    names = [p.name for p in players]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ScenarioError.bad("strategies", f"{', '.join(dup)} given more than once")
    kinds, params = _arrays(players)
    n = len(players)
    pi, pj = np.triu_indices(n)
    pairs = np.stack([pi, pj], axis=1).astype(np.int64)
    out = np.zeros((int(repetitions), len(pi), 5))
    kernel.round_robin(
        kinds,
        params,
        pairs[:, 0].copy(),
        pairs[:, 1].copy(),
        int(repetitions),
        int(turns),
        float(prob_end),
        float(noise),
        game.stage(),
        root_key(seed),
        out,
    )
    return TournamentResult(
        names,
        pairs,
        out,
        int(turns),
        int(repetitions),
        float(noise),
        float(prob_end),
        int(seed),
        game,
        [dict(p.classifier) for p in players],
    )

"""The verbs ``tournament`` and ``evolve``: round robins and evolutionary dynamics.

:func:`tournament` plays iterated 2×2 games (:mod:`backscratch.tournaments.iterated`) or the
iterated coercion game on a dyad scenario (:mod:`backscratch.tournaments.coercion`);
:func:`evolve` runs the dynamics of :mod:`backscratch.tournaments.evolution` on a
tournament's payoff matrix (or on one given directly), or simulates the Moran process.
:func:`write_tournament` and :func:`write_evolution` write results and the JSON contract
under a folder (:mod:`backscratch.report.tournament_figures` draws their figures).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from backscratch.core import store
from backscratch.core.errors import ScenarioError
from backscratch.core.results import Result, html_table
from backscratch.core.schema import load_scenario
from backscratch.core.version import __version__
from backscratch.dyad.scenario import Scenario
from backscratch.theory.normal_form import ORDERINGS
from backscratch.tournaments import coercion, evolution, iterated
from backscratch.tournaments import ipd_strategies as ipd

DEFAULT_STRATEGIES = [cls.__name__ for cls in ipd.CLASSIC]
"""The strategies an iterated-game tournament plays when none are named."""

GAMES = ("ipd", "coercion", *ORDERINGS)
"""What ``game`` may name: the Prisoner's Dilemma, the coercion game, Oye's catalogue."""

COERCION_ONLY = ("demanders", "targets", "scenario")
IPD_ONLY = ("strategies", "noise", "prob_end", "payoffs", "payoff_matrix")


def _check_game(game: str, given: dict[str, Any]) -> None:
    """A one-line error for an unknown game, or an option of the other kind of game."""
    if game not in GAMES:
        raise ScenarioError.bad("game", f"unknown game '{game}' (known: {', '.join(GAMES)})")
    for option, value in given.items():
        if value is None or (isinstance(value, float) and value == 0.0):
            continue
        if game == "coercion" and option in IPD_ONLY:
            raise ScenarioError.bad(option, "not an option of the coercion game")
        if game != "coercion" and option in COERCION_ONLY:
            raise ScenarioError.bad(option, "only the coercion game takes it")


MAX_TURNS_PER_PAIR = 1_000_000
"""Most turns × repetitions a tournament or an evolution plays per pair of strategies."""


def _check_play(turns: int | None, repetitions: int | None, seed: int | None) -> None:
    """A one-line error, before anything is played, for a negative seed or more than
    :data:`MAX_TURNS_PER_PAIR` turns × repetitions (those given) per pair."""
    if seed is not None and seed < 0:
        raise ScenarioError.bad("seed", "must be at least 0", seed)
    per_pair = (turns or 1) * (repetitions or 1)
    if per_pair > MAX_TURNS_PER_PAIR:
        raise ScenarioError.bad(
            "turns", f"{turns} × {repetitions or 'default'} repetitions is {per_pair:,} turns "
            f"per pair, more than the limit of {MAX_TURNS_PER_PAIR:,}",
        )  # fmt: skip


def _coercion_scenario(scenario: Scenario | None) -> Scenario:
    sc = scenario if scenario is not None else load_scenario("oye-dyad")
    if not isinstance(sc, Scenario):
        raise ScenarioError.bad("scenario", "the coercion game needs a dyad scenario")
    return sc


def tournament(
    strategies: Sequence[Any] | None = None,
    *,
    game: str = "ipd",
    demanders: Sequence[str] | None = None,
    targets: Sequence[str] | None = None,
    scenario: Scenario | None = None,
    turns: int | None = None,
    repetitions: int | None = None,
    seed: int | None = None,
    noise: float = 0.0,
    prob_end: float = 0.0,
    payoffs: tuple[float, float, float, float] | None = None,
) -> iterated.TournamentResult | coercion.CoercionTournamentResult:
    """A round robin.

    Parameters
    ----------
    strategies
        2×2 strategies (names, classes or instances; default: the classic nine).
    game
        ``ipd`` (the Prisoner's Dilemma with ``payoffs`` R, P, S, T; default 3, 1, 0, 5), a
        game of Oye's catalogue (``stag_hunt``, ``chicken``, ...) or ``coercion``.
    demanders, targets, scenario
        Coercion only: strategies by name (default: all) and the dyad scenario whose stage
        game they play (default ``oye-dyad``).
    turns, repetitions, seed
        Turns per match (2×2: 200; coercion: the scenario's horizon), matches per pair (2×2:
        10; coercion: 100) and the root seed (2×2: 0; coercion: the scenario's).
    noise, prob_end
        2×2 only: probability that a move is flipped; probability that a match ends after a
        turn (``turns`` is then a cap).

    Returns
    -------
    A :class:`~backscratch.tournaments.iterated.TournamentResult` (scored as the Axelrod
    library scores) or a :class:`~backscratch.tournaments.coercion.CoercionTournamentResult`.
    """
    _check_game(
        game,
        {
            "strategies": strategies,
            "noise": noise,
            "prob_end": prob_end,
            "payoffs": payoffs,
            "demanders": demanders,
            "targets": targets,
            "scenario": scenario,
        },
    )
    _check_play(turns, repetitions, seed)
    if game == "coercion":
        return coercion.tournament(
            _coercion_scenario(scenario),
            demanders=demanders,
            targets=targets,
            turns=turns,
            repetitions=100 if repetitions is None else repetitions,
            seed=seed,
        )
    if strategies is not None and len(strategies) < 2:
        raise ScenarioError.bad("strategies", "a tournament needs at least two strategies")
    return iterated.tournament(
        strategies or DEFAULT_STRATEGIES,
        game=iterated.StageGame.named(game, payoffs),
        turns=200 if turns is None else turns,
        repetitions=10 if repetitions is None else repetitions,
        seed=0 if seed is None else seed,
        noise=noise,
        prob_end=prob_end,
    )


# ------------------------------------------------------------------------------ evolve


@dataclass(eq=False, repr=False)
class Evolution(Result):
    """The outcome of :func:`evolve`: ``contract`` is the ``evolve --format json`` object;
    ``kind`` is ``stationary`` (one population), ``coercion`` (demanders and targets) or
    ``moran`` (the simulated Moran process)."""

    kind: str
    contract: dict[str, Any]

    def summary(self) -> dict[str, Any]:
        """The ``evolve --format json`` contract."""
        return self.contract

    def shares(self) -> list[tuple[str, str, float, float | None]]:
        """(population, strategy, long-run share or fixation frequency, replicator end share)."""
        c = self.contract
        if self.kind == "moran":
            return [("all", n, c["fixation_frequencies"][n], None) for n in c["players"]]
        if self.kind == "coercion":
            return [
                (side, n, p, c["replicator"][side][n])
                for side in ("demanders", "targets")
                for n, p in c["stationary"][side].items()
            ]
        return [("all", n, p, c["replicator"]["final"][n]) for n, p in c["stationary"].items()]

    def to_arrow(self) -> pa.Table:
        """One row per strategy: population, share (stationary, or fixation frequency for
        the Moran process) and the replicator dynamics' end share."""
        rows = self.shares()
        return pa.table(
            {
                "population": [r[0] for r in rows],
                "strategy": [r[1] for r in rows],
                "share": [r[2] for r in rows],
                "replicator": pa.array([r[3] for r in rows], pa.float64()),
            }
        )

    def _headline(self) -> str:
        best = max(self.shares(), key=lambda r: r[2])
        what = "fixes most often" if self.kind == "moran" else "has the largest long-run share"
        return f"{self.kind}, {len(self.shares())} strategies; {best[1]} {what} ({best[2]:.3f})"

    def _repr_html_(self) -> str:
        head = ["population", "strategy", "share", "replicator"]
        return f"<div><p><b>{self._headline()}</b></p>{html_table(head, self.shares())}</div>"


def _named(names: list[str], values) -> dict[str, float]:
    return {n: float(v) for n, v in zip(names, values, strict=True)}


def evolve_matrix(
    players: list[str],
    payoff,
    *,
    population: int = 50,
    beta: float = 1.0,
    mu: float = 0.0,
    rule: str = "fermi",
    t_max: float = 100.0,
) -> dict[str, Any]:
    """Finite-population stationary distribution (small-mutation limit if ``mu == 0``, else
    exact), fixation probabilities and the replicator dynamics' end state, for one population
    playing ``payoff`` (``payoff[i][j]``: ``players[i]``'s payoff against ``players[j]``)."""
    a = evolution._matrix(payoff, "payoff_matrix")
    if len(players) != a.shape[0]:
        raise ScenarioError.bad(
            "payoff_matrix", f"{a.shape[0]} rows but {len(players)} strategy names"
        )
    shares = evolution.abundances(a, population, beta, mu, rule)
    rho = evolution.fixation_matrix(a, population, beta, rule)
    _t, x = evolution.replicator(a, None, t_max)
    return {
        "players": list(players),
        "payoff_matrix": a.tolist(),
        "population": int(population),
        "beta": float(beta),
        "mu": float(mu),
        "rule": rule,
        "stationary": _named(players, shares),
        "method": "small-mutation limit" if mu == 0 else "exact Markov chain",
        "fixation_probabilities": [[None if np.isnan(v) else float(v) for v in row] for row in rho],
        "neutral_fixation": 1.0 / int(population),
        "replicator": {"t_max": float(t_max), "final": _named(players, x[-1])},
    }


def evolve_coercion(
    result: coercion.CoercionTournamentResult,
    *,
    population: int = 50,
    target_population: int | None = None,
    beta: float = 1.0,
    t_max: float = 100.0,
) -> dict[str, Any]:
    """Demander and target populations co-evolving on a coercion tournament's payoffs: the
    two-population small-mutation limit and the bimatrix replicator dynamics."""
    A = result.payoff_matrix
    B = result.target_payoff_matrix
    pi, pd, pt = evolution.two_population_stationary(A, B, population, target_population, beta)
    _t, x, y = evolution.bimatrix_replicator(A, B, None, None, t_max)
    return {
        "scenario": result.scenario,
        "demanders": list(result.demanders),
        "targets": list(result.targets),
        "payoff_matrix": A.tolist(),
        "target_payoff_matrix": B.tolist(),
        "population": int(population),
        "target_population": int(target_population or population),
        "beta": float(beta),
        "stationary": {
            "demanders": _named(result.demanders, pd),
            "targets": _named(result.targets, pt),
            "pairs": pi.tolist(),
        },
        "replicator": {
            "t_max": float(t_max),
            "demanders": _named(result.demanders, x[-1]),
            "targets": _named(result.targets, y[-1]),
        },
    }


def evolve(
    source: Any = None,
    *,
    game: str = "ipd",
    strategies: Sequence[Any] | None = None,
    payoff_matrix: Any = None,
    demanders: Sequence[str] | None = None,
    targets: Sequence[str] | None = None,
    scenario: Scenario | None = None,
    turns: int | None = None,
    repetitions: int | None = None,
    seed: int | None = None,
    noise: float = 0.0,
    prob_end: float = 0.0,
    payoffs: tuple[float, float, float, float] | None = None,
    population: int = 50,
    target_population: int | None = None,
    beta: float = 1.0,
    mu: float = 0.0,
    rule: str = "fermi",
    t_max: float = 100.0,
    dynamics: str = "stationary",
    counts: Sequence[int] | None = None,
    runs: int = 100,
    generations: int | None = None,
) -> Evolution:
    """Evolutionary dynamics of strategies.

    Parameters
    ----------
    source
        A tournament result (its payoff matrix is used), or ``None`` to play the tournament
        of ``game``, ``strategies`` / ``demanders``, ``targets``, ``scenario`` and the match
        options (as :func:`tournament`, but 2×2 matches default to 1 repetition).
    payoff_matrix
        Instead: ``payoff_matrix[i][j]``, the payoff of ``strategies[i]`` against
        ``strategies[j]`` (names default to S0, S1, ...).
    population, target_population, beta, mu, rule, t_max
        Population size Z (coercion: demanders' Z; ``target_population``: targets', default
        Z), intensity of selection β, mutation probability μ (0: the small-mutation limit),
        update rule (``fermi`` or ``moran``) and the replicator dynamics' time span.
    dynamics
        ``stationary`` (analytic) or ``moran`` (simulated as the Axelrod library plays it,
        with ``counts`` individuals per strategy, ``runs`` runs and a ``generations`` limit).

    Returns
    -------
    An :class:`Evolution`.
    """
    _check_game(
        game,
        {
            "strategies": strategies,
            "noise": noise,
            "prob_end": prob_end,
            "payoffs": payoffs,
            "payoff_matrix": payoff_matrix,
            "demanders": demanders,
            "targets": targets,
            "scenario": scenario,
        },
    )
    _check_play(turns, repetitions, seed)
    if dynamics not in ("stationary", "moran"):
        raise ScenarioError.bad("dynamics", f"unknown dynamics '{dynamics}' (stationary, moran)")
    if dynamics == "stationary":  # checked before the tournament is played
        evolution._check_population(population, beta, rule, mu)
        if target_population is not None:
            evolution._check_population(target_population, beta, rule, mu, "target_population")
        evolution._check_t_max(t_max)
    if dynamics == "stationary":
        for option, value in (("counts", counts), ("generations", generations)):
            if value is not None:
                raise ScenarioError.bad(option, "only the moran dynamics takes it")
    elif payoff_matrix is not None:
        raise ScenarioError.bad("payoff_matrix", "the moran dynamics plays the strategies' matches")
    if game == "coercion" or isinstance(source, coercion.CoercionTournamentResult):
        if mu != 0:
            raise ScenarioError.bad(
                "mu", "demanders vs targets is solved in the small-mutation limit"
            )
        if dynamics == "moran":
            raise ScenarioError.bad(
                "dynamics", "moran simulates iterated 2x2 games; coercion: stationary"
            )
        res = source or tournament(
            game="coercion",
            demanders=demanders,
            targets=targets,
            scenario=scenario,
            turns=turns,
            repetitions=repetitions,
            seed=seed,
        )
        assert isinstance(res, coercion.CoercionTournamentResult)
        contract = evolve_coercion(
            res, population=population, target_population=target_population, beta=beta, t_max=t_max
        )
        return Evolution("coercion", contract)
    if dynamics == "moran":
        names = list(strategies or DEFAULT_STRATEGIES)
        if counts is None:
            base, extra = divmod(population, len(names))
            counts = [base + (k < extra) for k in range(len(names))]
        return Evolution(
            "moran",
            moran(
                names,
                list(counts),
                game=game,
                payoffs=payoffs,
                turns=200 if turns is None else turns,
                seed=0 if seed is None else seed,
                noise=noise,
                prob_end=prob_end,
                mu=mu,
                runs=runs,
                generations=generations,
            ),
        )
    if payoff_matrix is not None:
        matrix = payoff_matrix
        if isinstance(matrix, str):
            try:
                matrix = json.loads(matrix)
            except json.JSONDecodeError:
                raise ScenarioError.bad(
                    "payoff_matrix", "not valid JSON (e.g. [[3,0],[5,1]])"
                ) from None
        names = list(strategies or [])
        if not names:
            names = [f"S{k}" for k in range(len(matrix) if isinstance(matrix, list) else 0)]
    else:
        res = source or tournament(
            strategies,
            game=game,
            payoffs=payoffs,
            turns=turns,
            repetitions=1 if repetitions is None else repetitions,
            seed=seed,
            noise=noise,
            prob_end=prob_end,
        )
        if not isinstance(res, iterated.TournamentResult):
            raise ScenarioError.bad("source", "expected a tournament of 2x2 strategies")
        names, matrix = res.players, res.payoff_matrix
    contract = evolve_matrix(
        names, matrix, population=population, beta=beta, mu=mu, rule=rule, t_max=t_max
    )
    return Evolution("stationary", contract)


def moran(
    strategies: list[str],
    counts: list[int],
    *,
    game: str = "ipd",
    payoffs: tuple[float, float, float, float] | None = None,
    turns: int = 200,
    seed: int = 0,
    noise: float = 0.0,
    prob_end: float = 0.0,
    mu: float = 0.0,
    runs: int = 100,
    generations: int | None = None,
) -> dict[str, Any]:
    """Simulated Moran process of an iterated game (as the Axelrod library plays it)."""
    stage = iterated.StageGame.named(game, payoffs)
    limit = generations if generations is not None else 1_000_000
    if int(limit) < 1:
        raise ScenarioError.bad("generations", f"{generations} must be at least 1")
    res = evolution.moran_process(
        strategies,
        counts,
        game=stage,
        turns=turns,
        seed=seed,
        noise=noise,
        prob_end=prob_end,
        mutation_rate=mu,
        runs=runs,
        max_generations=int(limit),
    )
    return {**res.summary(), "turns": int(turns), "seed": int(seed), "game": stage.name}


# ------------------------------------------------------------------------------- write


def write_tournament(result, out: str | Path) -> dict[str, Path]:
    """Write ``matches.parquet`` (per-match data) and ``summary.json`` (the contract) under
    ``out``."""
    out = Path(out)
    summary = {**result.summary(), "version": __version__}
    return {
        "matches": store.write_parquet(result.to_arrow(), out / "matches.parquet"),
        "summary": store.write_json(summary, out / "summary.json"),
    }


def write_evolution(evo: Evolution, out: str | Path) -> dict[str, Path]:
    """Write ``evolution.json`` (the contract) under ``out``."""
    doc = {**evo.contract, "version": __version__}
    return {"summary": store.write_json(doc, Path(out) / "evolution.json")}

"""The verbs ``tournament`` and ``evolve``: round robins and evolutionary dynamics.

``tournament`` plays iterated 2×2 games (:mod:`backscratch.games.iterated`) or the iterated
coercion game on a scenario (:mod:`backscratch.games.coercion`); ``evolve`` runs the dynamics
of :mod:`backscratch.games.evolution` on a tournament's payoff matrix (or on one given
directly). Each returns the JSON contract of its command; :func:`write_tournament` and
:func:`write_evolution` write results, figures and the contract under a folder.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from backscratch import __version__
from backscratch.core import store
from backscratch.dyad.scenario import Scenario, ScenarioError
from backscratch.tournaments import coercion, evolution, iterated
from backscratch.tournaments import ipd_strategies as ipd

DEFAULT_STRATEGIES = [cls.__name__ for cls in ipd.CLASSIC]
"""The strategies an iterated-game tournament plays when none are named."""


def ipd_tournament(
    strategies: list[str] | None = None,
    game: str = "ipd",
    rpst: tuple[float, float, float, float] | None = None,
    turns: int = 200,
    repetitions: int = 10,
    seed: int = 0,
    noise: float = 0.0,
    prob_end: float = 0.0,
) -> iterated.TournamentResult:
    """Round robin of 2×2 strategies on ``game`` (``ipd`` or a game of Oye's catalogue)."""
    stage = iterated.StageGame.named(game, rpst)
    if strategies is not None and len(strategies) < 2:
        raise ScenarioError("--strategies: a tournament needs at least two strategies")
    return iterated.tournament(
        strategies or DEFAULT_STRATEGIES, turns, repetitions, stage, noise, prob_end, seed
    )


def coercion_tournament(
    scenario: Scenario,
    demanders: list[str] | None = None,
    targets: list[str] | None = None,
    turns: int | None = None,
    repetitions: int = 100,
    seed: int | None = None,
) -> coercion.CoercionTournamentResult:
    """Every demander strategy against every target strategy on ``scenario``'s stage game."""
    return coercion.tournament(scenario, demanders, targets, turns, repetitions, seed)


def write_tournament(result, out: str | Path) -> dict[str, Path]:
    """Write ``matches.parquet`` (per-match data), ``summary.json`` (the contract),
    ``ranks.png`` (ranked box plot) and ``payoffs.png`` (payoff heatmap) under ``out``."""
    from backscratch.report import tournament_figures as tf

    out = Path(out)
    summary = {**result.summary(), "version": __version__}
    if isinstance(result, coercion.CoercionTournamentResult):
        box = tf.ranked_boxplot(
            result.demanders,
            result.demander_scores(),
            summary["ranking"],
            "mean payoff per round (over targets)",
            f"Demanders on {result.scenario}: {result.repetitions} runs per pair",
        )
        heat = tf.payoff_heatmap(
            result.payoff_matrix,
            result.demanders,
            result.targets,
            f"Demander payoff per round ({result.scenario})",
            "payoff per round",
            "target",
            "demander",
        )
    else:
        box = tf.ranked_boxplot(
            result.players,
            result.normalised_scores,
            result.ranked_names,
            "mean score per turn (over opponents)",
            f"{result.game.name}: {result.turns} turns, {result.repetitions} repetitions",
        )
        heat = tf.payoff_heatmap(
            result.payoff_matrix,
            result.players,
            result.players,
            f"Mean score per turn ({result.game.name})",
            "score per turn",
        )
    paths = {
        "matches": store.write_parquet(result.to_table(), out / "matches.parquet"),
        "summary": store.write_json(summary, out / "summary.json"),
    }
    for name, fig in (("ranks", box), ("payoffs", heat)):
        paths[name] = _write_png(fig, out / f"{name}.png")
    return paths


def _write_png(fig, path: Path) -> Path:
    """Write ``fig`` as PNG at ``path`` atomically, and close it."""
    from backscratch.report.figures import png

    return store.write_bytes(png(fig), path)


def _named(names: list[str], values) -> dict[str, float]:
    return {n: float(v) for n, v in zip(names, values, strict=True)}


def evolve_matrix(
    players: list[str],
    payoff,
    population: int = 50,
    beta: float = 1.0,
    mu: float = 0.0,
    rule: str = "fermi",
    t_max: float = 100.0,
) -> dict:
    """Finite-population stationary distribution (small-mutation limit if ``mu == 0``, else
    exact), fixation probabilities and the replicator dynamics' end state, for one population
    playing ``payoff`` (``payoff[i][j]``: ``players[i]``'s payoff against ``players[j]``)."""
    a = evolution._matrix(payoff, "--payoff-matrix")
    if len(players) != a.shape[0]:
        raise ScenarioError(f"--payoff-matrix: {a.shape[0]} rows but {len(players)} strategy names")
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
    population: int = 50,
    target_population: int | None = None,
    beta: float = 1.0,
    t_max: float = 100.0,
) -> dict:
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


def moran(
    strategies: list[str],
    counts: list[int],
    turns: int = 200,
    game: str = "ipd",
    rpst=None,
    noise: float = 0.0,
    prob_end: float = 0.0,
    mu: float = 0.0,
    runs: int = 100,
    seed: int = 0,
    generations: int | None = None,
) -> dict:
    """Simulated Moran process of an iterated game (as the Axelrod library plays it)."""
    stage = iterated.StageGame.named(game, rpst)
    limit = generations if generations is not None else 1_000_000
    if int(limit) < 1:
        raise ScenarioError(f"--generations: {generations} must be at least 1")
    res = evolution.moran_process(
        strategies, counts, turns, stage, noise, prob_end, mu, runs, seed, int(limit)
    )
    return {**res.summary(), "turns": int(turns), "seed": int(seed), "game": stage.name}


def write_evolution(contract: dict, out: str | Path) -> dict[str, Path]:
    """Write ``evolution.json`` and a figure of the stationary distribution (or of the
    fixation frequencies) under ``out``."""
    from backscratch.report import tournament_figures as tf

    out = Path(out)
    paths = {
        "summary": store.write_json({**contract, "version": __version__}, out / "evolution.json")
    }
    if "fixation_frequencies" in contract:
        names = contract["players"]
        values = [contract["fixation_frequencies"][n] for n in names]
        fig = tf.stationary_bars(names, values, "Moran process: fixation frequencies")
    elif "demanders" in contract:
        names = [*contract["demanders"], *contract["targets"]]
        values = [
            *contract["stationary"]["demanders"].values(),
            *contract["stationary"]["targets"].values(),
        ]
        fig = tf.stationary_bars(names, values, "Demanders and targets: long-run shares")
    else:
        names = contract["players"]
        values = [contract["stationary"][n] for n in names]
        fig = tf.stationary_bars(
            names, values, f"Stationary distribution (Z = {contract['population']})"
        )
    paths["figure"] = _write_png(fig, out / "evolution.png")
    return paths

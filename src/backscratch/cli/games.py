"""``tournament`` and ``evolve``: iterated games, coercion tournaments, evolutionary dynamics."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from backscratch.cli.common import (
    Format,
    SeedOpt,
    SetOpt,
    app,
    out,
    parse_values,
    require_model,
)
from backscratch.dyad.scenario import ScenarioError, load_scenario, parse_assignments

TOURNAMENT_GAMES = (
    "ipd",
    "coercion",
    "prisoners_dilemma",
    "stag_hunt",
    "chicken",
    "deadlock",
    "harmony",
)


def _names(text: str | None) -> list[str] | None:
    return None if text is None else [s.strip() for s in text.split(",") if s.strip()]


def _rpst(text: str | None) -> tuple[float, float, float, float] | None:
    if text is None:
        return None
    vals = parse_values(text, "--payoffs")
    if len(vals) != 4 or ":" in text:
        raise ScenarioError(f"--payoffs '{text}': expected four numbers R,P,S,T (e.g. 3,1,0,5)")
    return vals[0], vals[1], vals[2], vals[3]


def _check_game_options(game: str, **given) -> None:
    """Options that belong to one kind of game only: a one-line error naming the option."""
    if game not in TOURNAMENT_GAMES:
        raise ScenarioError(f"--game: unknown game '{game}' (known: {', '.join(TOURNAMENT_GAMES)})")
    coercion_only = ("--demanders", "--targets", "--scenario", "--set")
    for option, value in given.items():
        if value in (None, 0.0, []):
            continue
        if game == "coercion" and option not in coercion_only:
            raise ScenarioError(f"{option}: not an option of --game coercion")
        if game != "coercion" and option in coercion_only:
            raise ScenarioError(f"{option}: only --game coercion takes it")


GameOpt = Annotated[
    str,
    typer.Option("--game", help="ipd, coercion, or a game of Oye's catalogue (stag_hunt, ...)."),
]


StrategiesOpt = Annotated[
    str | None,
    typer.Option(
        "--strategies", help="Comma-separated 2x2 strategies (default: the classic nine)."
    ),
]


DemandersOpt = Annotated[
    str | None,
    typer.Option("--demanders", help="Coercion: comma-separated demanders (default all)."),
]


TargetsOpt = Annotated[
    str | None, typer.Option("--targets", help="Coercion: comma-separated targets (default all).")
]


TScenarioOpt = Annotated[
    str | None,
    typer.Option("--scenario", help="Coercion: scenario name or file (default oye-dyad)."),
]


TurnsOpt = Annotated[
    int | None, typer.Option("--turns", help="Turns per match (ipd: 200; coercion: the horizon).")
]


NoiseOpt = Annotated[float, typer.Option("--noise", help="Probability that a move is flipped.")]


ProbEndOpt = Annotated[
    float, typer.Option("--prob-end", help="Probability that a match ends after each turn.")
]


PayoffsOpt = Annotated[
    str | None, typer.Option("--payoffs", help="ipd stage payoffs R,P,S,T (default 3,1,0,5).")
]


OutOpt = Annotated[
    Path | None, typer.Option("--out", help="Write results, summary JSON and figures here.")
]


def _coercion(scenario, set_, demanders, targets, turns, repetitions, seed, command: str):
    """The coercion tournament of ``tournament`` and ``evolve`` (default 100 repetitions)."""
    from backscratch.tournaments import api as tour

    spec = scenario or "oye-dyad"
    sc = require_model(load_scenario(spec, parse_assignments(set_)), spec, command)
    reps = 100 if repetitions is None else repetitions
    return tour.coercion_tournament(sc, _names(demanders), _names(targets), turns, reps, seed)


def _ipd(strategies, game, payoffs, turns, repetitions, default_repetitions, seed, noise, prob_end):
    """The iterated 2x2 tournament of ``tournament`` and ``evolve`` (default 200 turns)."""
    from backscratch.tournaments import api as tour

    return tour.ipd_tournament(
        _names(strategies),
        game,
        _rpst(payoffs),
        200 if turns is None else turns,
        default_repetitions if repetitions is None else repetitions,
        0 if seed is None else seed,
        noise,
        prob_end,
    )


def _ipd_table(s: dict) -> None:
    table = Table(
        title=f"{s['game']} {s['payoffs_rpst']}: {s['turns']} turns, {s['repetitions']} "
        f"repetitions, noise {s['noise']}, seed {s['seed']}",
        title_justify="left",
    )
    for col in ("rank", "player", "median score/turn", "mean [95% CI]"):
        table.add_column(col, justify="right")
    for k, name in enumerate(s["ranking"], start=1):
        sc = s["scores"][name]
        lo, hi = sc["ci95"]
        ci = f" [{lo:.3f}, {hi:.3f}]" if lo is not None else ""
        table.add_row(str(k), name, f"{sc['median']:.3f}", f"{sc['mean']:.3f}{ci}")
    out.print(table)
    _matrix_table(
        "Payoff matrix (mean score per turn, row against column)",
        s["players"],
        s["players"],
        s["payoff_matrix"],
    )


def _matrix_table(title: str, rows: list[str], cols: list[str], matrix) -> None:
    table = Table(title=title, title_justify="left")
    table.add_column("")
    for c in cols:
        table.add_column(c, justify="right")
    for r, vals in zip(rows, matrix, strict=True):
        table.add_row(r, *(f"{v:.3f}" for v in vals))
    out.print(table)


def _ranking_table(title: str, ranking: list[str], scores: dict) -> None:
    table = Table(title=title, title_justify="left")
    for col in ("rank", "strategy", "mean payoff/round", "95% CI", "rank 95% CI"):
        table.add_column(col, justify="right")
    for name in ranking:
        sc = scores[name]
        lo, hi = sc["ci95"]
        rank_ci = sc["rank_ci95"]
        table.add_row(
            str(sc["rank"]),
            name,
            f"{sc['mean']:.3f}",
            f"[{lo:.3f}, {hi:.3f}]" if lo is not None else "-",
            f"{rank_ci[0]}-{rank_ci[1]}" if rank_ci else "-",
        )
    out.print(table)


@app.command()
def tournament(
    game: GameOpt = "ipd",
    strategies: StrategiesOpt = None,
    demanders: DemandersOpt = None,
    targets: TargetsOpt = None,
    scenario: TScenarioOpt = None,
    set_: SetOpt = None,
    turns: TurnsOpt = None,
    repetitions: Annotated[
        int | None, typer.Option("--repetitions", help="Matches per pair (ipd: 10; coercion: 100).")
    ] = None,
    seed: SeedOpt = None,
    noise: NoiseOpt = 0.0,
    prob_end: ProbEndOpt = 0.0,
    payoffs: PayoffsOpt = None,
    fmt: Annotated[Format, typer.Option("--format", help="table or json")] = Format.table,
    out_dir: OutOpt = None,
) -> None:
    """Round-robin tournament: 2x2 strategies (scored as the Axelrod library scores them), or
    demander against target strategies of the coercion game on a scenario.

    JSON: {"players", "payoff_matrix", "ranking", ...}; for coercion the rows are demanders,
    the columns targets ("opponents"), with scores and 95% CIs over repetitions.
    """
    from backscratch.tournaments import api as tour

    _check_game_options(
        game,
        **{
            "--strategies": strategies,
            "--noise": noise,
            "--prob-end": prob_end,
            "--payoffs": payoffs,
            "--demanders": demanders,
            "--targets": targets,
            "--scenario": scenario,
            "--set": set_ or [],
        },
    )
    if game == "coercion":
        result = _coercion(
            scenario, set_, demanders, targets, turns, repetitions, seed, "tournament"
        )
    else:
        result = _ipd(strategies, game, payoffs, turns, repetitions, 10, seed, noise, prob_end)
    summary = result.summary()
    if out_dir is not None:
        tour.write_tournament(result, out_dir)
    if fmt is Format.json:
        sys.stdout.write(json.dumps(summary) + "\n")
        return
    if game == "coercion":
        _ranking_table(
            f"{summary['scenario']}: demanders, {summary['turns']} rounds × "
            f"{summary['repetitions']} runs per pair, seed {summary['seed']}",
            summary["ranking"],
            summary["scores"],
        )
        _ranking_table("Targets", summary["targets"]["ranking"], summary["targets"]["scores"])
        _matrix_table(
            "Demander payoff per round (row demander, column target)",
            summary["players"],
            summary["opponents"],
            summary["payoff_matrix"],
        )
        _matrix_table(
            "Share of demands complied with",
            summary["players"],
            summary["opponents"],
            summary["cooperation_matrix"],
        )
    else:
        _ipd_table(summary)
    if out_dir is not None:
        out.print(
            f"results written to {out_dir}/ (matches.parquet, summary.json, ranks.png, payoffs.png)"
        )


class Dynamics(StrEnum):
    stationary = "stationary"
    moran = "moran"


@app.command()
def evolve(
    game: GameOpt = "ipd",
    strategies: StrategiesOpt = None,
    payoff_matrix: Annotated[
        str | None,
        typer.Option(
            "--payoff-matrix",
            help="A payoff matrix as JSON, [[a11, a12], ...]; names from --strategies.",
        ),
    ] = None,
    demanders: DemandersOpt = None,
    targets: TargetsOpt = None,
    scenario: TScenarioOpt = None,
    set_: SetOpt = None,
    turns: TurnsOpt = None,
    repetitions: Annotated[
        int | None,
        typer.Option(
            "--repetitions", help="Matches per pair for the payoffs (ipd: 1; coercion: 100)."
        ),
    ] = None,
    seed: SeedOpt = None,
    noise: NoiseOpt = 0.0,
    prob_end: ProbEndOpt = 0.0,
    payoffs: PayoffsOpt = None,
    population: Annotated[int, typer.Option("--population", help="Population size Z.")] = 50,
    target_population: Annotated[
        int | None, typer.Option("--target-population", help="Coercion: targets' Z (default: Z).")
    ] = None,
    beta: Annotated[float, typer.Option("--beta", help="Intensity of selection β.")] = 1.0,
    mu: Annotated[
        float, typer.Option("--mu", help="Mutation probability μ (0: small-mutation limit).")
    ] = 0.0,
    rule: Annotated[
        str, typer.Option("--rule", help="fermi (pairwise comparison) or moran.")
    ] = "fermi",
    t_max: Annotated[
        float, typer.Option("--t-max", help="Replicator dynamics: time span.")
    ] = 100.0,
    dynamics: Annotated[
        Dynamics,
        typer.Option(
            "--dynamics", help="stationary (analytic) or moran (simulated, as the Axelrod library)."
        ),
    ] = Dynamics.stationary,
    counts: Annotated[
        str | None,
        typer.Option("--counts", help="moran: individuals per strategy (default: Z split evenly)."),
    ] = None,
    runs: Annotated[int, typer.Option("--runs", help="moran: simulated runs.")] = 100,
    generations: Annotated[
        int | None,
        typer.Option("--generations", help="moran: generation limit (needed when μ > 0)."),
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", help="table or json")] = Format.table,
    out_dir: OutOpt = None,
) -> None:
    """Evolutionary dynamics on a tournament's payoffs (or a given matrix): the stationary
    distribution of a finite population (Z, β, μ), fixation probabilities, the replicator
    dynamics; for coercion, demander and target populations; or a simulated Moran process.
    """
    from backscratch.tournaments import api as tour

    _check_game_options(
        game,
        **{
            "--strategies": strategies,
            "--noise": noise,
            "--prob-end": prob_end,
            "--payoffs": payoffs,
            "--payoff-matrix": payoff_matrix,
            "--demanders": demanders,
            "--targets": targets,
            "--scenario": scenario,
            "--set": set_ or [],
        },
    )
    if dynamics is Dynamics.stationary:
        for option, value in (("--counts", counts), ("--generations", generations)):
            if value is not None:
                raise ScenarioError(f"{option}: only --dynamics moran takes it")
    elif payoff_matrix is not None:
        raise ScenarioError("--payoff-matrix: --dynamics moran plays the strategies' matches")
    if game == "coercion" and mu != 0:
        raise ScenarioError("--mu: demanders vs targets is solved in the small-mutation limit")
    if game == "coercion":
        if dynamics is Dynamics.moran:
            raise ScenarioError(
                "--dynamics: moran simulates iterated 2x2 games; coercion: stationary"
            )
        res = _coercion(scenario, set_, demanders, targets, turns, repetitions, seed, "evolve")
        contract = tour.evolve_coercion(res, population, target_population, beta, t_max)
    elif dynamics is Dynamics.moran:
        names = _names(strategies) or tour.DEFAULT_STRATEGIES
        if counts is None:
            base, extra = divmod(population, len(names))
            n_each = [base + (k < extra) for k in range(len(names))]
        else:
            n_each = [int(v) for v in parse_values(counts, "--counts")]
        contract = tour.moran(
            names,
            n_each,
            200 if turns is None else turns,
            game,
            _rpst(payoffs),
            noise,
            prob_end,
            mu,
            runs,
            0 if seed is None else seed,
            generations,
        )
    else:
        if payoff_matrix is not None:
            try:
                matrix = json.loads(payoff_matrix)
            except json.JSONDecodeError:
                raise ScenarioError(
                    "--payoff-matrix: not valid JSON (e.g. [[3,0],[5,1]])"
                ) from None
            names = _names(strategies) or [
                f"S{k}" for k in range(len(matrix) if isinstance(matrix, list) else 0)
            ]
        else:
            res = _ipd(strategies, game, payoffs, turns, repetitions, 1, seed, noise, prob_end)
            names, matrix = res.players, res.payoff_matrix
        contract = tour.evolve_matrix(names, matrix, population, beta, mu, rule, t_max)
    if out_dir is not None:
        tour.write_evolution(contract, out_dir)
    if fmt is Format.json:
        sys.stdout.write(json.dumps(contract) + "\n")
        return
    if "fixation_frequencies" in contract:
        table = Table(
            title=f"Moran process: {contract['runs']} runs from {contract['initial']}",
            title_justify="left",
        )
        for col in ("strategy", "fixation frequency", "± s.e."):
            table.add_column(col, justify="right")
        for name in contract["players"]:
            table.add_row(
                name,
                f"{contract['fixation_frequencies'][name]:.4f}",
                f"{contract['fixation_se'][name]:.4f}",
            )
        out.print(table)
    elif "demanders" in contract:
        for side in ("demanders", "targets"):
            table = Table(
                title=f"{side}: long-run share (small-mutation limit, Z = {contract['population']}, "
                f"β = {contract['beta']}) and replicator end state",
                title_justify="left",
            )
            for col in ("strategy", "stationary", "replicator"):
                table.add_column(col, justify="right")
            for name, p in contract["stationary"][side].items():
                table.add_row(name, f"{p:.4f}", f"{contract['replicator'][side][name]:.4f}")
            out.print(table)
    else:
        table = Table(
            title=f"Stationary distribution ({contract['method']}, Z = {contract['population']}, "
            f"β = {contract['beta']}, μ = {contract['mu']}, {contract['rule']}) and replicator end state",
            title_justify="left",
        )
        for col in ("strategy", "stationary", "replicator"):
            table.add_column(col, justify="right")
        for name, p in contract["stationary"].items():
            table.add_row(name, f"{p:.4f}", f"{contract['replicator']['final'][name]:.4f}")
        out.print(table)
    if out_dir is not None:
        out.print(f"results written to {out_dir}/ (evolution.json, evolution.png)")

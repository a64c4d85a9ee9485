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
    ForceOpt,
    Format,
    SeedOpt,
    SetOpt,
    app,
    check_out_dir,
    out,
    parse_values,
    require_model,
)
from backscratch.core.errors import ScenarioError


def _names(text: str | None) -> list[str] | None:
    return None if text is None else [s.strip() for s in text.split(",") if s.strip()]


def _rpst(text: str | None) -> tuple[float, float, float, float] | None:
    if text is None:
        return None
    vals = parse_values(text, "--payoffs")
    if len(vals) != 4 or ":" in text:
        raise ScenarioError(f"--payoffs '{text}': expected four numbers R,P,S,T (e.g. 3,1,0,5)")
    return vals[0], vals[1], vals[2], vals[3]


def _game_options(
    command, game, demanders, targets, scenario, set_, turns, repetitions, seed, noise,
    prob_end, payoffs,
) -> dict:  # fmt: skip
    """The game and match options ``tournament`` and ``evolve`` share, parsed."""
    return {
        "game": game,
        "demanders": _names(demanders),
        "targets": _names(targets),
        "scenario": _coercion_scenario(game, scenario, set_, command),
        "turns": turns,
        "repetitions": repetitions,
        "seed": seed,
        "noise": noise,
        "prob_end": prob_end,
        "payoffs": _rpst(payoffs),
    }


def _counts(text: str) -> list[int]:
    values = parse_values(text, "--counts", minimum=0.0)
    if any(v != int(v) for v in values):
        raise ScenarioError(f"--counts '{text}': expected whole numbers of individuals")
    return [int(v) for v in values]


def _coercion_scenario(game: str, scenario: str | None, set_: list[str] | None, command: str):
    """The scenario of a coercion game (``--scenario``, ``--set``); ``None`` for a 2x2 game."""
    if game != "coercion":
        if set_:
            raise ScenarioError("--set: only --game coercion takes it")
        if scenario is not None:
            raise ScenarioError("--scenario: only --game coercion takes it")
        return None
    spec = scenario or "oye-dyad"
    from backscratch.core.schema import load_scenario, parse_assignments

    return require_model(load_scenario(spec, parse_assignments(set_)), spec, command)


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
    int | None,
    typer.Option(
        "--turns",
        help="Turns per match (ipd: 200; coercion: the horizon); with --repetitions at most "
        "1,000,000 turns per pair.",
    ),
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
    force: ForceOpt = False,
) -> None:
    """Round-robin tournament: 2x2 strategies (scored as the Axelrod library scores them), or
    demander against target strategies of the coercion game on a scenario.

    JSON: {"players", "payoff_matrix", "ranking", ...}; for coercion the rows are demanders,
    the columns targets ("opponents"), with scores and 95% CIs over repetitions.
    """
    from backscratch import api
    from backscratch.core import store
    from backscratch.report import tournament_figures as tf
    from backscratch.tournaments import api as tour

    check_out_dir(out_dir)
    if out_dir is not None:
        store.refuse_other(out_dir, "tournament", force=force)
    result = api.tournament(
        _names(strategies),
        **_game_options(
            "tournament", game, demanders, targets, scenario, set_, turns, repetitions, seed,
            noise, prob_end, payoffs,
        ),
    )  # fmt: skip
    summary = result.summary()
    if out_dir is not None:
        store.begin(out_dir, "tournament", force=force)
        files = [*tour.write_tournament(result, out_dir).values()]
        files += tf.write_tournament_figures(result, out_dir).values()
        store.seal(out_dir, "tournament", files)
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
    force: ForceOpt = False,
) -> None:
    """Evolutionary dynamics on a tournament's payoffs (or a given matrix): the stationary
    distribution of a finite population (Z, β, μ), fixation probabilities, the replicator
    dynamics; for coercion, demander and target populations; or a simulated Moran process.
    """
    from backscratch import api
    from backscratch.core import store
    from backscratch.report import tournament_figures as tf
    from backscratch.tournaments import api as tour

    check_out_dir(out_dir)
    if out_dir is not None:
        store.refuse_other(out_dir, "evolution", force=force)
    evo = api.evolve(
        strategies=_names(strategies),
        payoff_matrix=payoff_matrix,
        **_game_options(
            "evolve",
            game,
            demanders,
            targets,
            scenario,
            set_,
            turns,
            repetitions,
            seed,
            noise,
            prob_end,
            payoffs,
        ),
        population=population,
        target_population=target_population,
        beta=beta,
        mu=mu,
        rule=rule,
        t_max=t_max,
        dynamics=dynamics.value,
        counts=None if counts is None else _counts(counts),
        runs=runs,
        generations=generations,
    )
    contract = evo.contract
    if out_dir is not None:
        store.begin(out_dir, "evolution", force=force)
        files = [*tour.write_evolution(evo, out_dir).values()]
        files.append(tf.write_evolution_figure(evo, out_dir))
        store.seal(out_dir, "evolution", files)
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

"""``backscratch equilibrium``: what a rational D would do (the demander's-choice game)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from backscratch.cli.common import (
    BackendOpt,
    ForceOpt,
    Format,
    RunsOpt,
    ScenarioArg,
    SchedulerOpt,
    SeedOpt,
    SetOpt,
    WorkersOpt,
    app,
    check_figure_path,
    check_out_dir,
    claim_out,
    out,
    parse_values,
    progress_printer,
    scenario_from,
)
from backscratch.core.errors import ScenarioError

MAP_COLUMNS = (
    ("instrument", "instrument"),
    ("credibility", "cred."),
    ("cooperation", "coop."),
    ("demander_payoff", "D"),
    ("leader_payoff", "leader"),
    ("target_payoff", "T"),
    ("nation_choice", "nation's"),
    ("lock_in_cost", "lock-in"),
)
"""The columns of a phase map's table, in order, with their headers."""


def _num(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _parse_map(items: list[str]) -> dict[str, list[float]]:
    axes: dict[str, list[float]] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise ScenarioError(f"--map '{item}': expected KEY=start:stop:count or KEY=a,b,c")
        axes[key.strip()] = parse_values(text, f"--map {key.strip()}")
    if len(axes) != 2:
        raise ScenarioError(f"--map: give two different fields (got {len(axes)})")
    return axes


@app.command()
def equilibrium(
    scenario: ScenarioArg,
    runs: RunsOpt = None,
    seed: SeedOpt = None,
    set_: SetOpt = None,
    fmt: Annotated[Format, typer.Option("--format", help="table or json")] = Format.table,
    map_: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="Twice: KEY=start:stop:count (or KEY=a,b,c): a phase diagram of D's first "
            "move over the two fields, with cooperation and both sides' payoffs.",
        ),
    ] = None,
    backend: BackendOpt = "serial",
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    plot: Annotated[
        Path | None,
        typer.Option("--plot", help="With --map: draw the phase diagram (.png, .svg, .pdf)."),
    ] = None,
    limit: Annotated[
        bool,
        typer.Option(
            "--noise-limit",
            help="Also solve with the noise halved, quartered and divided by 8: D's first "
            "move as the logit smoothing vanishes (JSON adds 'noise_limit').",
        ),
    ] = False,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write periods.parquet, scenario.yaml, equilibrium.json here (with --map: "
            "phase_map.parquet, scenario.yaml, phase_map.json).",
        ),
    ] = None,
    force: ForceOpt = False,
) -> None:
    """What a rational D would do: it chooses instrument, demand and price each period.

    With --map, the cells run on the sweep backends (--backend serial|local|dask); each is
    deterministic, so the map is the same on every backend and worker count.

    The game is solved by backward induction over the public beliefs about the target and
    (with two strategic.cost_types: D's execution cost private) about D; docs/model.md,
    "The demander's choice". It is then played for the scenario's runs. Prints D's first
    move, its policy by belief, the equilibrium path and how the game was solved.
    """
    check_figure_path(plot)
    check_out_dir(out_dir)
    if plot is not None and not map_:
        raise ScenarioError("--plot: draws the phase diagram of --map; give --map twice")
    sc = scenario_from(scenario, runs, seed, set_, "equilibrium")
    if map_:
        from backscratch.game.api import MAX_CELLS

        axes = _parse_map(map_)
        sizes = [len(v) for v in axes.values()]
        if len(sizes) == 2 and sizes[0] * sizes[1] > MAX_CELLS:
            raise ScenarioError(
                f"--map: {sizes[0]} x {sizes[1]} cells is more than the limit of {MAX_CELLS:,}"
            )
        claim_out(out_dir, "phase-map", force)
        _phase(sc, axes, (backend, workers, scheduler), fmt, plot, out_dir)
        return
    claim_out(out_dir, "equilibrium", force)
    from backscratch.game.api import equilibrium as play
    from backscratch.game.api import write_equilibrium

    result = play(sc)
    s = result.solution
    mu0 = sc.target.prior_pliable
    first = s.choice_at(0, mu0)
    summary = result.summary()
    payload = {
        "scenario": sc.name,
        "objective": sc.strategic.objective,
        "first_move": first,
        "policy": s.policy(0),
        "summary": summary,
        "instrument_shares": result.instrument_shares(),
        "diagnostics": s.diagnostics(),
    }
    if sc.strategic.cost_types:
        payload["reputation"] = _reputation(s)
    if limit:
        from backscratch.game.api import noise_limit

        payload["noise_limit"] = noise_limit(sc)
    if out_dir is not None:
        write_equilibrium(result, out_dir, payload)
    if fmt is Format.json:
        sys.stdout.write(json.dumps(payload) + "\n")
        return
    obj, st = sc.strategic.objective, sc.strategic
    cost = (
        f"execution cost {st.cost_types[0]:g} or {st.cost_types[1]:g} per unit of punishment, "
        f"private; believed low with {st.prior_low_cost:g}"
        if st.cost_types
        else f"execution cost {sc.threat.execution_cost:g} per unit of punishment, known"
    )
    if st.renege_costs:
        cost += (
            f"; reneging cost {st.renege_costs[0]:g} or {st.renege_costs[1]:g}, private; "
            f"believed reliable with {st.prior_reliable:g}"
        )
    cols = ["belief", "action", "credibility"] + (["delivery"] if st.renege_costs else [])
    table = Table(
        title=f"{sc.name}: D's equilibrium policy in period 1 ({obj}'s objective; D's {cost})",
        title_justify="left",
    )
    for col in (*cols, "T complies (pliable)", "(resolute)"):
        table.add_column(col, justify="left" if col == "action" else "right", no_wrap=True)
    for row in s.policy(0):
        table.add_row(
            f"{row['belief']:.1f}",
            row["action"],
            *(_num(row[c]) for c in cols[2:]),
            _num(row["comply_pliable"]),
            _num(row["comply_resolute"]),
        )
    table.caption = (
        f"the initial belief is {mu0:g}; credibility: the probability D carries out its threat "
        "if resisted (sequentially rational)"
        + (
            "; delivery: that it delivers a promised reward if complied with"
            if st.renege_costs
            else ""
        )
    )
    out.print(table)
    path = Table(
        title=f"Equilibrium play: {sc.runs} runs × {sc.horizon} periods, seed {sc.seed}",
        title_justify="left",
    )
    path.add_column("metric", no_wrap=True)
    path.add_column("value", justify="right")
    for m in result.metrics:
        path.add_row(m.title, _num(summary[m.name]))
    for name, share in result.instrument_shares().items():
        path.add_row(f"periods with {name}", f"{share:.3f}")
    out.print(path)
    if "reputation" in payload:
        rep = payload["reputation"]
        tab = Table(
            title=f"P(D carries out '{rep['action']}' if resisted), by type and period, at "
            "the initial beliefs",
            title_justify="left",
        )
        tab.add_column("period", justify="right")
        for k in sc.strategic.cost_types:
            tab.add_column(f"k = {k:g}", justify="right")
        for t, probs in enumerate(zip(*rep["carry"], strict=True)):
            tab.add_row(str(t + 1), *(f"{v:.3f}" for v in probs))
        tab.caption = "above the last period's level: carried out for reputation"
        out.print(tab)
    if limit:
        lim = Table(title="As the noise vanishes: D's first move", title_justify="left")
        for col in ("target noise", "action", "credibility", "cooperation", "D payoff"):
            lim.add_column(col, justify="left" if col == "action" else "right")
        for row in payload["noise_limit"]:
            lim.add_row(
                f"{row['noise']:g}", row["action"], _num(row["credibility"]),
                _num(row["cooperation"]), _num(row["demander_payoff"]),
            )  # fmt: skip
        out.print(lim)
    d = s.diagnostics()
    span = (
        f"the stationary game by {d['iterations']} value iterations (last change "
        f"{d['value_change']:.1e})"
        if d.get("stationary")
        else f"{sc.horizon} periods"
    )
    act = "delivering" if sc.strategic.renege_costs else "carrying out"
    out.print(
        f"solved in {d['seconds']:.2f} s: {d['actions']} actions x {d['grid']} beliefs x "
        f"{span}; target's equilibria by '{d['selection']}', several stable "
        f"in {100 * d['multiple_equilibria']:.1f}% of cells, residual {d['residual']:.1e}"
        + (
            f"; {d['reputation_grid']} beliefs about D, D's {act} unsettled in "
            f"{100 * d['unsettled_cells']:.1f}% of its cells (largest gap "
            f"{d['execution_gap']:.2g}), a type's most to gain by its own action "
            f"{d['pooling_gain']:.2g}"
            if "reputation_grid" in d
            else ""
        )
    )


def _reputation(s: Any) -> dict[str, Any]:
    """Each type's probability of carrying out, if resisted, the threat of D's most likely
    threatening action at the initial beliefs, in every period (with two cost types)."""
    import numpy as np

    sc = s.scenario
    mu0, threats = sc.target.prior_pliable, np.flatnonzero(s.menu.threat)
    q = [s.value_at(s.Q[0, a], mu0) for a in threats]
    a = int(threats[int(np.argmax(q))])
    carry = [
        [s.value_at(s.carry[t, a, i], mu0, s.d_prior) for t in range(sc.horizon)]
        for i in range(len(sc.strategic.cost_types))
    ]
    return {"action": s.menu.labels[a], "carry": carry}


def _phase(
    sc: Any, axes: dict[str, list[float]], where: tuple, fmt: Format, plot: Path | None,
    out_dir: Path | None,
) -> None:  # fmt: skip
    from backscratch.game.api import phase_map, write_phase_map

    backend, workers, scheduler = where
    result = phase_map(
        sc, axes=axes, backend=backend, workers=workers, scheduler=scheduler,
        progress=progress_printer("equilibrium map", unit="cells"), out=out_dir,
    )  # fmt: skip
    k1, k2 = result.keys
    if out_dir is not None:
        write_phase_map(result, out_dir)
    if plot is not None:
        from backscratch.report.game_figures import phase_figure

        phase_figure(result).savefig(plot, dpi=150, bbox_inches="tight")
    if fmt is Format.json:
        sys.stdout.write(json.dumps({"scenario": sc.name, "keys": [k1, k2], "cells": result.rows}))
        sys.stdout.write("\n")
        return
    shown = [(k, h) for k, h in MAP_COLUMNS if k in result.rows[0]]
    if sc.strategic.objective == "nation":  # the leader's payoff is the nation's
        shown = [(k, h) for k, h in shown if k != "leader_payoff"]
    table = Table(
        title=f"{sc.name}: D's first move over {k1} × {k2} ({sc.strategic.objective}'s objective)",
        title_justify="left",
    )
    short = [k.rsplit(".", 1)[-1] for k in (k1, k2)]
    for col in short if short[0] != short[1] else (k1, k2):
        table.add_column(col, justify="right")
    for _, col in shown:
        table.add_column(col, justify="right")
    for row in result.rows:
        table.add_row(f"{row[k1]:g}", f"{row[k2]:g}", *(_num(row[k]) for k, _ in shown))
    table.caption = (
        "cred.: probability D carries out its threat if resisted; coop.: probability the first "
        "demand is met; D, leader, T (pliable type): expected discounted payoffs from the "
        "initial belief; nation's: the nation's own choice, lock-in: what the leader's costs "
        "it (payoff units); --format json adds demand and price"
    )
    out.print(table)
    if plot is not None:
        out.print(f"wrote {plot}")

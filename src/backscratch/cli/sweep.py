"""``sweep``, ``summarize`` and ``plot``: parameter sweeps and their results."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from backscratch.cli.common import (
    RunsOpt,
    ScenarioArg,
    SeedOpt,
    SetOpt,
    app,
    check_figure_path,
    out,
    progress_printer,
    scenario_from,
)
from backscratch.dyad.scenario import ScenarioError


class SummaryFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


@app.command()
def sweep(
    scenario: ScenarioArg,
    out_dir: Annotated[Path, typer.Option("--out", help="Sweep folder (created; resumable).")],
    grid: Annotated[
        list[str] | None,
        typer.Option("--grid", help="key=v1,v2,... or key=start:stop:count; repeat for more keys."),
    ] = None,
    policies: Annotated[
        str, typer.Option("--policies", help="Comma-separated policies or counterfactuals.")
    ] = "blackmail,backscratching,mixed",
    runs: RunsOpt = None,
    seed: SeedOpt = None,
    set_: SetOpt = None,
    backend: Annotated[str, typer.Option("--backend", help="serial, local or dask.")] = "serial",
    workers: Annotated[
        int | None, typer.Option("--workers", help="Processes (local) or workers (dask).")
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Address of an existing dask scheduler.")
    ] = None,
) -> None:
    """Run every grid point × policy as a task, one Parquet part each; re-running resumes."""
    from backscratch.dyad import sweep as sw

    sc = scenario_from(scenario, runs, seed, set_, "sweep")
    points = sw.parse_grid(grid, sc)
    names = [p.strip() for p in policies.split(",") if p.strip()]
    result = sw.sweep(
        sc, points, names, out_dir, backend, workers, scheduler, progress=progress_printer("sweep")
    )
    out.print(
        f"sweep {out_dir}: {result['tasks']} tasks ({result['skipped']} already finished, "
        f"{result['ran']} run). Next: backscratch summarize {out_dir}"
    )


@app.command()
def summarize(
    folder: Annotated[Path, typer.Argument(help="A sweep folder.")],
    by: Annotated[
        str | None, typer.Option("--by", help="Group by these comma-separated keys.")
    ] = None,
    fmt: Annotated[SummaryFormat, typer.Option("--format")] = SummaryFormat.table,
) -> None:
    """Means and 95% confidence intervals over runs, by grid point and policy (DuckDB)."""
    from backscratch.dyad import sweep as sw

    keys = [k.strip() for k in by.split(",")] if by else None
    names, rows = sw.summarize(folder, keys)
    if fmt is SummaryFormat.json:
        sys.stdout.write(json.dumps([dict(zip(names, r, strict=True)) for r in rows]) + "\n")
    elif fmt is SummaryFormat.csv:
        import csv

        writer = csv.writer(sys.stdout)
        writer.writerow(names)
        writer.writerows(rows)
    else:
        table = Table(title=f"{folder}: mean ± 95% CI over runs", title_justify="left")
        group = names[: names.index("runs")]
        shown = ["cooperation", "demander_payoff", "final_latency"]
        for col in [*group, "runs", *shown]:
            table.add_column(col, justify="right", overflow="fold")
        for r in rows:
            d = dict(zip(names, r, strict=True))
            cells = [str(d[k]) for k in group] + [str(d["runs"])]
            cells += [f"{d[m]:.3f}±{d[m + '_ci95'] or 0:.3f}" for m in shown]
            table.add_row(*cells)
        out.print(table)


@app.command()
def plot(
    folder: Annotated[Path, typer.Argument(help="A sweep folder.")],
    x: Annotated[str, typer.Option("--x", help="Grid key on the x axis; two keys a,b: heatmap.")],
    y: Annotated[str, typer.Option("--y", help="Metric, e.g. cooperation.")] = "cooperation",
    hue: Annotated[str, typer.Option("--hue", help="Series by this key.")] = "policy",
    output: Annotated[Path, typer.Option("-o", "--output", help="PNG or SVG file.")] = Path(
        "sweep.png"
    ),
) -> None:
    """Plot a metric of a sweep against a grid key (lines with 95% CI), or a heatmap over two."""
    from backscratch.dyad import sweep as sw
    from backscratch.report import figures

    check_figure_path(output, "-o")
    if y not in sw.METRICS:
        raise ScenarioError(f"--y {y}: not a metric (known: {', '.join(sw.METRICS)})")
    xs = [k.strip() for k in x.split(",")]
    if len(xs) > 2:
        raise ScenarioError(f"--x {x}: give one key, or two for a heatmap")
    names, rows = sw.summarize(folder, [*xs, hue] if hue not in xs else xs)
    data = [dict(zip(names, r, strict=True)) for r in rows]
    fig = (figures.sweep_heatmap if len(xs) == 2 else figures.sweep_lines)(data, xs, y, hue)
    output.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(output, bbox_inches="tight")
    out.print(f"figure written to {output}")

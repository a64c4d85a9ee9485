"""``sweep``, ``summarize`` and ``plot``: parameter sweeps and their results."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from backscratch.cli.common import (
    BackendOpt,
    RunsOpt,
    ScenarioArg,
    SchedulerOpt,
    SeedOpt,
    SetOpt,
    WorkersOpt,
    app,
    check_figure_path,
    check_out_dir,
    out,
    policy_names,
    progress_printer,
    scenario_from,
)
from backscratch.core.errors import ScenarioError
from backscratch.dyad.codes import DEFAULT_POLICIES


class SummaryFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    latex = "latex"


@app.command()
def sweep(
    scenario: ScenarioArg,
    out_dir: Annotated[Path, typer.Option("--out", help="Sweep folder (created; resumable).")],
    grid: Annotated[
        list[str] | None,
        typer.Option(
            "--grid",
            help="key=v1,v2,... or key=start:stop:count; repeat for more keys (at most 10,000 "
            "values a key and 100,000 tasks, points x policies, a sweep).",
        ),
    ] = None,
    policies: Annotated[
        str, typer.Option("--policies", help="Comma-separated policies or counterfactuals.")
    ] = ",".join(DEFAULT_POLICIES),
    runs: RunsOpt = None,
    seed: SeedOpt = None,
    set_: SetOpt = None,
    backend: BackendOpt = "serial",
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
) -> None:
    """Run every grid point × policy as a task, one Parquet part each; re-running resumes."""
    from backscratch import api
    from backscratch.dyad.sweep import parse_grid

    check_out_dir(out_dir)
    sc = scenario_from(scenario, runs, seed, set_, "sweep")
    names = policy_names(policies)
    result = api.sweep(
        sc,
        grid=parse_grid(grid, sc),
        out=out_dir,
        policies=names,
        backend=backend,
        workers=workers,
        scheduler=scheduler,
        progress=progress_printer("sweep"),
    )
    out.print(
        f"sweep {out_dir}: {result.tasks} tasks ({result.skipped} already finished, "
        f"{result.ran} run). Next: backscratch summarize {out_dir}"
    )


@app.command()
def summarize(
    folder: Annotated[Path, typer.Argument(help="A sweep folder.")],
    by: Annotated[
        str | None, typer.Option("--by", help="Group by these comma-separated keys.")
    ] = None,
    fmt: Annotated[SummaryFormat, typer.Option("--format")] = SummaryFormat.table,
    where: WhereOpt = None,
    digits: Annotated[
        int | None,
        typer.Option(
            "--digits",
            min=0,
            max=15,
            help="Digits after the point in csv/markdown/latex (default: 4 in markdown and "
            "latex, every digit in csv).",
        ),
    ] = None,
    stata: Annotated[
        bool, typer.Option("--stata-names", help="csv/markdown/latex: Stata-safe column names.")
    ] = False,
    contrast: Annotated[
        str | None,
        typer.Option(
            "--contrast",
            help="A-B: each metric's paired difference between two policies (their runs "
            "share random numbers), mean and paired 95% CI.",
        ),
    ] = None,
) -> None:
    """Means and 95% confidence intervals over runs, by grid point and policy (DuckDB).

    With --by, every other grid key (and the policy, if there are several) must be fixed by
    --where KEY=VALUE: a summary never averages over a dimension you did not name."""
    from backscratch.dyad.sweep import Sweep

    keys = [k.strip() for k in by.split(",")] if by else None
    sw = Sweep.open(folder)
    if contrast is not None:
        first, second = _pair(contrast, sw.policies)
        names, rows = sw.contrast(first, second, by=keys, where=_where(where))
    else:
        names, rows = sw.summarize(keys, _where(where))
    if fmt is SummaryFormat.json:
        sys.stdout.write(json.dumps([dict(zip(names, r, strict=True)) for r in rows]) + "\n")
    elif fmt in (SummaryFormat.csv, SummaryFormat.markdown, SummaryFormat.latex):
        from backscratch.report.tables import render

        text = render(names, rows, fmt.value, digits=digits, stata=stata, grid=list(sw.grid))
        sys.stdout.write(text)
    else:
        what = f"{contrast}: paired difference, " if contrast else ""
        table = Table(title=f"{folder}: {what}mean ± 95% CI over runs", title_justify="left")
        group = names[: names.index("runs")]
        shown = ["cooperation_rate", "demander_payoff", "final_latency"]
        for col in [*group, "runs", *shown]:
            table.add_column(col, justify="right", overflow="fold")
        for r in rows:
            d = dict(zip(names, r, strict=True))
            cells = [str(d[k]) for k in group] + [str(d["runs"])]
            cells += [f"{d[m]:.3f}±{d[m + '_ci95'] or 0:.3f}" for m in shown]
            table.add_row(*cells)
        out.print(table)


WhereOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--where", help="Fix a grid key (or the policy) at one of its values: KEY=VALUE; repeat."
    ),
]


def _pair(text: str, policies: list[str]) -> tuple[str, str]:
    """``A-B`` as two of ``policies`` (names may hold '-': every split is tried)."""
    for i, ch in enumerate(text):
        if ch == "-" and text[:i] in policies and text[i + 1 :] in policies:
            return text[:i], text[i + 1 :]
    raise ScenarioError(
        f"--contrast '{text}': expected A-B with two policies of the sweep "
        f"({', '.join(policies)}), e.g. {'-'.join(policies[:2][::-1])}"
    )


def _where(items: list[str] | None) -> dict[str, Any]:
    from backscratch.core.schema import parse_assignments

    try:
        return parse_assignments(items)
    except ScenarioError as exc:
        raise ScenarioError.bad("where", str(exc).split(": ", 1)[-1]) from None


@app.command()
def plot(
    folder: Annotated[Path, typer.Argument(help="A sweep folder.")],
    x: Annotated[str, typer.Option("--x", help="Grid key on the x axis; two keys a,b: heatmap.")],
    y: Annotated[
        str, typer.Option("--y", help="Per-run metric, e.g. cooperation_rate.")
    ] = "cooperation_rate",
    hue: Annotated[
        str, typer.Option("--hue", help="Series by this key (one series if it is fixed).")
    ] = "policy",
    output: Annotated[Path, typer.Option("-o", "--output", help="PNG or SVG file.")] = Path(
        "sweep.png"
    ),
    where: WhereOpt = None,
    facet: Annotated[
        str | None, typer.Option("--facet", help="Small multiples: one panel per value of KEY.")
    ] = None,
    contrast: Annotated[
        str | None,
        typer.Option(
            "--contrast",
            help="A-B: the paired difference between two policies (their runs share random "
            "numbers); heatmaps on a diverging colour map.",
        ),
    ] = None,
) -> None:
    """Plot a metric of a sweep against a grid key (lines with 95% CI), or a heatmap over two
    (with cell values).

    Every grid key not on an axis, the --hue or the --facet (and the policy, if there are
    several) must be fixed by --where KEY=VALUE: a figure never averages over a dimension you
    did not name; the title says what it is conditioned on. Axes are labelled with each
    field's symbol and unit."""
    from backscratch.dyad.sweep import Sweep
    from backscratch.report.figures import sweep_figure

    check_figure_path(output, "-o")
    sw = Sweep.open(folder)
    pair = _pair(contrast, sw.policies) if contrast is not None else None
    fig = sweep_figure(sw, x, y=y, hue=hue, facet=facet, contrast=pair, where=_where(where))
    output.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(output, bbox_inches="tight")
    out.print(f"figure written to {output}")

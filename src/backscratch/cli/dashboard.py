"""``serve`` (the local web dashboard) and ``report`` (HTML reports of results folders)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from backscratch.cli.common import app, out
from backscratch.core.errors import ScenarioError


@app.command()
def serve(
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 5006,
    host: Annotated[
        str | None,
        typer.Option(
            "--host",
            help="Address to bind (default 127.0.0.1). A non-loopback address is used only "
            "when named here, and then with a warning.",
        ),
    ] = None,
) -> None:
    """The local web dashboard (Panel): sliders, upload, side-by-side policies, a tutorial."""
    try:
        import panel  # noqa: F401

        from backscratch.dashboard import server
    except ImportError as exc:  # panel is the optional extra `dashboard`
        raise ScenarioError(
            f"serve: needs the dashboard extra ({exc.name} is missing): "
            "pip install 'backscratch[dashboard]'"
        ) from None
    server.serve(port, host, explicit=host is not None)


@app.command()
def report(
    folder: Annotated[
        Path, typer.Argument(help="A results folder from run/compare/sweep --out or demo.")
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="The HTML file to write.")] = Path(
        "report.html"
    ),
) -> None:
    """Write a self-contained HTML report (figures embedded, works offline) of a results folder."""
    from backscratch.dyad import io
    from backscratch.report import results as report_results

    report_results.check_output(output)
    kind = io.kind(folder)
    if kind == "demo":
        from backscratch.studies import demo

        page = demo.report_page(folder)
    elif kind == "sweep":
        from backscratch.dyad.sweep import Sweep

        page = report_results.page(Sweep.open(folder))
    else:
        meta = io.read_json(folder / ("summary.json" if kind == "run" else "compare.json"))
        obj = io.load_run(folder) if kind == "run" else io.load_compare(folder)
        page = report_results.page(obj, written_by=meta.get("version"))
    path = report_results.write(page, output)
    out.print(f"report written to {path}")

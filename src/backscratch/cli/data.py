"""``data``: the real data shipped with backscratch (TIES)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from backscratch.cli.common import Format, app, out

data_app = typer.Typer(
    help="Real data shipped with backscratch: descriptive statistics.", no_args_is_help=True
)
app.add_typer(data_app, name="data")


def _share(s: dict) -> str:
    lo, hi = s["ci95"]
    return f"{s['share']:.3f} [{lo:.3f}, {hi:.3f}] (n={s['n']})" if s["n"] else "-"


@data_app.command("ties")
def data_ties(
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            help="Group coded cases: threat, carrots, carrots_during, costs, commitment, sender, decade.",
        ),
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", help="table or json")] = Format.table,
    path: Annotated[
        Path | None, typer.Option("--path", help="A TIES v4.1 CSV (default: the shipped copy).")
    ] = None,
) -> None:
    """Acquiescence shares in the TIES sanctions data (1945-2005), with Wilson 95% CIs."""
    from backscratch.data import ties

    cases = ties.load(path)
    summary = ties.describe(cases)
    if by is not None:
        groups = ties.by(cases, by)
        summary["by"] = {by: groups}
    if fmt is Format.json:
        sys.stdout.write(json.dumps(summary) + "\n")
        return
    tf, ct = summary["threat_first"], summary["carrots_threat_stage"]
    out.print(
        f"TIES v4.1: {summary['n_cases']} cases, {summary['n_coded']} with a coded outcome. "
        f"{ties.CITATION}."
    )
    table = Table(title="Target acquiescence (share [Wilson 95% CI])", title_justify="left")
    table.add_column("cases")
    table.add_column("n", justify="right")
    table.add_column("share [95% CI]", justify="right")
    rows = [
        (
            "threat first: at the threat stage",
            tf["n"],
            tf["acquiesce_threat_stage"],
            tf["acquiesce_threat_stage_ci95"],
        ),
        (
            "threat first: at any stage",
            tf["n"],
            tf["acquiesce_any_stage"],
            tf["acquiesce_any_stage_ci95"],
        ),
        (
            "sanctions imposed: after imposition",
            summary["imposed"]["n"],
            summary["imposed"]["acquiesce_after_imposition"],
            summary["imposed"]["acquiesce_after_imposition_ci95"],
        ),
        (
            "all coded: at any stage",
            summary["any_stage"]["n"],
            summary["any_stage"]["share"],
            summary["any_stage"]["ci95"],
        ),
        (
            "carrots at the threat stage: any stage",
            ct["with"]["n"],
            ct["with"]["acquiesce_any_stage"],
            ct["with"]["ci95"],
        ),
        (
            "no carrots at the threat stage: any stage",
            ct["without"]["n"],
            ct["without"]["acquiesce_any_stage"],
            ct["without"]["ci95"],
        ),
    ]
    for dur in ("with", "without"):
        g = summary["carrots_during_sanctions"][dur]
        rows.append(
            (
                f"imposed, {dur} carrots during sanctions: any stage",
                g["n"],
                g["acquiesce_any_stage"],
                g["ci95"],
            )
        )
    for title, g in (
        ("US primary sender", summary["us_primary_sender"]),
        *(
            (f"anticipated target costs {k}", v)
            for k, v in summary["by_anticipated_target_costs"].items()
        ),
    ):
        s = g["acquiesce_any_stage"]
        rows.append((f"{title}: any stage", s["n"], s["share"], s["ci95"]))
    for label, n, p, (lo, hi) in rows:
        table.add_row(label, str(n), f"{p:.3f} [{lo:.3f}, {hi:.3f}]" if n else "-")
    out.print(table)
    if by is not None:
        gt = Table(title=f"by {ties.BY[by][0]}", title_justify="left")
        for col in ("group", "n", "threat stage", "after imposition", "any stage"):
            gt.add_column(col, justify="right" if col != "group" else "left")
        for name, g in groups.items():
            gt.add_row(
                name,
                str(g["n"]),
                _share(g["acquiesce_threat_stage"]),
                _share(g["acquiesce_after_imposition"]),
                _share(g["acquiesce_any_stage"]),
            )
        out.print(gt)
    q = summary["quirks"]
    out.print(
        f"{len(q)} cases whose stage and outcome disagree are kept as coded "
        "(`--format json` lists them under quirks)."
    )
    out.print(f"Caveat: {ties.CAVEAT}")

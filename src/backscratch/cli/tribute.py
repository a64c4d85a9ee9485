"""What ``backscratch run`` and ``compare`` print and write for a tribute scenario.

:mod:`backscratch.cli` sends a scenario with ``model: tribute`` here; everything else about
the commands (options, errors, exit codes) stays in ``cli/``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from backscratch.core.errors import ScenarioError
from backscratch.report import tribute_figures as tf
from backscratch.tribute import api as tx
from backscratch.tribute.results import CONTRACT, METRICS
from backscratch.tribute.scenario import TributeScenario


def _title(sc: TributeScenario) -> str:
    return (
        f"{sc.name}: {sc.runs} runs × {sc.years} years, {sc.actors} actors "
        f"({sc.network.kind}), seed {sc.seed}"
    )


def _table(title: str, summaries: dict[str, dict], threshold: int) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("statistic (mean over runs)", no_wrap=True)
    for name in summaries:
        table.add_column(name, justify="right", no_wrap=True, min_width=max(len(name), 6))
    for m in METRICS:
        key, label = m.name, m.label
        cells = []
        for s in summaries.values():
            v, sd = s[key], s.get(f"{key}_sd")
            cells.append(f"{v:.3f} ± {sd:.3f}" if sd is not None and v < 10 else f"{v:.3f}")
        table.add_row(label, *cells)
    table.caption = (
        "± is the standard deviation over runs; the fight share is pooled over runs; "
        "clusters: groups whose members are all mutually committed ≥ "
        f"{threshold}%"
    )
    return table


def run_tribute(out: Console, sc: TributeScenario, policy: str | None, out_dir: Path | None):
    """``backscratch run`` for a tribute scenario: summary table, optional files."""
    result = tx.run(sc, policy=policy)
    if out_dir is not None:
        tx.write_run(result, out_dir)
        tf.write_run_figures(result, out_dir)
    th = sc.commitment.cluster_threshold
    out.print(_table(_title(sc), {result.policy: result.summary()}, th))
    if out_dir is not None:
        out.print(
            f"results written to {out_dir}/ (years.parquet, wealth.parquet, commitment.parquet, "
            "scenario.yaml, summary.json, wealth.png, commitment.png)"
        )


def compare_tribute(out: Console, sc: TributeScenario, names: list[str], json_out: bool,
                    eta: str | None, out_dir: Path | None = None) -> None:  # fmt: skip
    """``backscratch compare`` for a tribute scenario: every variant on the same seeds.

    With ``out_dir``: ``compare.json`` (the JSON contract plus every summary statistic),
    ``scenario.yaml`` and ``fights.png`` / ``top_share.png`` (yearly means per variant).
    """
    if eta is not None:
        raise ScenarioError("--eta: the hawk-bias analysis is for dyad scenarios, not tribute")
    comparison = tx.compare(sc, policies=names)
    summary = comparison.summary()
    contract = {
        **{k: summary[k] for k in ("scenario", "runs", "seed", "years", "actors")},
        "policies": {name: {k: s[k] for k in CONTRACT} for name, s in summary["policies"].items()},
    }
    if out_dir is not None:
        tx.write_compare(comparison, out_dir)
        tf.write_compare_figures(comparison, out_dir)
    if json_out:
        sys.stdout.write(json.dumps(contract) + "\n")
        return
    out.print(_table(_title(sc), summary["policies"], sc.commitment.cluster_threshold))
    if out_dir is not None:
        out.print(f"results written to {out_dir}/ (compare.json, scenario.yaml, fights.png, "
                  "top_share.png)")  # fmt: skip

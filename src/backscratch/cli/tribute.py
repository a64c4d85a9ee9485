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

from backscratch.dyad.scenario import ScenarioError
from backscratch.tribute import api as tx
from backscratch.tribute.scenario import TributeScenario

COMPARE_KEYS = (
    "fights_per_run",
    "payments_per_run",
    "offers_per_run",
    "fight_share",
    "top_share",
    "major_actors",
    "relative_wealth",
    "destroyed_per_run",
    "clusters",
    "largest_cluster",
)
"""Keys of each variant's entry in ``compare --format json`` for a tribute scenario."""


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
    for key, label in tx.SUMMARY_LABELS.items():
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
    if policy is not None:
        tx.check_policies([policy])
    result = tx.run(sc, policy)
    if out_dir is not None:
        tx.write_run(result, out_dir)
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
    result = tx.compare(sc, names, keep=out_dir is not None)
    contract = {
        **{k: result[k] for k in ("scenario", "runs", "seed", "years", "actors")},
        "policies": {
            name: {k: s[k] for k in COMPARE_KEYS} for name, s in result["policies"].items()
        },
    }
    if out_dir is not None:
        tx.write_compare(result, sc, out_dir)
    if json_out:
        sys.stdout.write(json.dumps(contract) + "\n")
        return
    out.print(_table(_title(sc), result["policies"], sc.commitment.cluster_threshold))
    if out_dir is not None:
        out.print(f"results written to {out_dir}/ (compare.json, scenario.yaml, fights.png, "
                  "top_share.png)")  # fmt: skip

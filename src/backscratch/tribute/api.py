"""Verbs for the tribute model: run, compare variants on the same seeds, write, README table.

``python -m backscratch.experiments.tribute`` prints the README's statistics table (200 seeded
runs of 100 and of 1,000 years of the built-in ``tribute`` scenario, about 10 s).
"""

from __future__ import annotations

import sys
from pathlib import Path

import networkx as nx

from backscratch import __version__
from backscratch.core import store
from backscratch.dyad.scenario import ScenarioError, dump_yaml, load_scenario
from backscratch.tribute.model import TributeModel, TributeResult
from backscratch.tribute.scenario import TRIBUTE_POLICIES, TributeScenario

SUMMARY_LABELS = {
    "fights_per_run": "fights / run",
    "payments_per_run": "tributes paid / run",
    "offers_per_run": "offers accepted / run",
    "demands_per_run": "demands / run",
    "fight_share": "share of demands ending in a fight",
    "top_share": "top actor's share of wealth (final)",
    "major_actors": "actors holding > 10% of wealth (final)",
    "relative_wealth": "total wealth / isolated actors' (final)",
    "destroyed_per_run": "wealth destroyed / run",
    "clusters": "clusters (final)",
    "largest_cluster": "largest cluster, actors (final)",
    "fights_per_year_first_tenth": "fights / year, first tenth of years",
    "fights_per_year_last_tenth": "fights / year, last tenth of years",
}
"""Summary keys shown by the CLI, with their labels (``*_sd`` keys are standard deviations)."""


def check_policies(names: list[str]) -> list[str]:
    """The variant names, or a one-line error naming the unknown one."""
    for name in names:
        if name not in TRIBUTE_POLICIES:
            raise ScenarioError(
                f"--policies: unknown tribute variant '{name}' "
                f"(known: {', '.join(TRIBUTE_POLICIES)})"
            )
    return names


def run(
    scenario: TributeScenario, policy: str | None = None, graph: nx.Graph | None = None
) -> TributeResult:
    """Simulate every run of ``scenario`` under ``policy`` (default: the scenario's)."""
    return TributeModel(scenario, policy, graph).run()


def compare(scenario: TributeScenario, policies: list[str], keep: bool = False) -> dict:
    """Each variant on the same seeds (same initial wealth and activated actors per run).

    Returns ``{"scenario", "runs", "seed", "years", "actors", "policies": {name: summary}}``
    and, with ``keep``, ``"results": {name: TributeResult}``.
    """
    results = {name: run(scenario, name) for name in check_policies(policies)}
    out = {
        "scenario": scenario.name,
        "runs": scenario.runs,
        "seed": scenario.seed,
        "years": scenario.years,
        "actors": scenario.actors,
        "policies": {name: res.summary() for name, res in results.items()},
    }
    if keep:
        out["results"] = results
    return out


def write_run(result: TributeResult, out: str | Path, figures: bool = True) -> dict[str, Path]:
    """Write a run's records, resolved scenario, summary and figures under ``out``.

    Files: ``years.parquet`` (one row per run and year: events, total and isolated wealth,
    top share, major actors, clusters at snapshot years), ``wealth.parquet`` (run, year,
    actor), ``commitment.parquet`` (snapshot years, run, from, to), ``scenario.yaml``,
    ``summary.json`` and, with ``figures``, ``wealth.png`` and ``commitment.png`` (run 0).
    """
    out = Path(out)
    summary = {
        "scenario": result.scenario.name,
        "model": "tribute",
        "policy": result.policy,
        "runs": result.runs,
        "years": result.years_done,
        "seed": result.scenario.seed,
        "version": __version__,
        "summary": result.summary(),
    }
    paths = {
        "years": store.write_parquet(result.year_table(), out / "years.parquet"),
        "wealth": store.write_parquet(result.wealth_table(), out / "wealth.parquet"),
        "commitment": store.write_parquet(result.commitment_table(), out / "commitment.parquet"),
        "scenario": store.write_text(dump_yaml(result.scenario), out / "scenario.yaml"),
        "summary": store.write_json(summary, out / "summary.json"),
    }
    if figures:
        from backscratch.report import tribute_figures as tf

        for name, fig in (
            ("wealth", tf.wealth_over_time(result)),
            ("commitment", tf.commitment_heatmap(result)),
        ):
            paths[name] = store.write_bytes(tf.png(fig), out / f"{name}.png")
    return paths


def write_compare(result: dict, scenario: TributeScenario, out: str | Path) -> dict[str, Path]:
    """Write a :func:`compare` result (made with ``keep=True``): ``compare.json`` (every
    variant's summary), ``scenario.yaml``, and figures of fights and of the top actor's
    share over the years per variant."""
    from backscratch.report import tribute_figures as tf

    out = Path(out)
    doc = {k: v for k, v in result.items() if k != "results"}
    doc["version"] = __version__
    paths = {
        "compare": store.write_json(doc, out / "compare.json"),
        "scenario": store.write_text(dump_yaml(scenario), out / "scenario.yaml"),
    }
    for key, label in (("fights", "fights / year"), ("top_share", "top actor's share")):
        fig = tf.compare_paths(result["results"], key, f"{label} (mean over runs)")
        paths[key] = store.write_bytes(tf.png(fig), out / f"{key}.png")
    return paths


README_KEYS = (
    ("fights_per_run", "fights / run"),
    ("payments_per_run", "tributes paid / run"),
    ("fight_share", "share of demands ending in a fight"),
    ("top_share", "top actor's share of wealth"),
    ("major_actors", "actors holding > 10% of wealth"),
    ("clusters", "clusters (mutual commitment ≥ 50%)"),
    ("relative_wealth", "total wealth / isolated actors'"),
    ("fights_per_year_first_tenth", "fights / year, first tenth of the years"),
    ("fights_per_year_last_tenth", "fights / year, last tenth of the years"),
)


def readme_table(runs: int = 200, years: tuple[int, ...] = (100, 1000)) -> str:
    """The README's Markdown table: the built-in scenario over ``runs`` runs of each length."""
    cols = {}
    for y in years:
        sc = load_scenario("tribute", {"runs": runs, "years": y})
        cols[y] = run(sc).summary()
    sc = load_scenario("tribute")
    head = " | ".join(f"{y:,} years" for y in years)
    lines = [
        f"| statistic (`tribute`, {runs} runs, seed {sc.seed}; mean ± sd over runs) | {head} |",
        "| --- | " + " | ".join("---:" for _ in years) + " |",
    ]
    for key, label in README_KEYS:
        cells = []
        for y in years:
            v = cols[y][key]
            sd = cols[y].get(f"{key}_sd")
            if key == "fight_share":
                cells.append(f"{v:.3f} (pooled)")
            elif sd is not None:
                cells.append(f"{v:.3f} ± {sd:.3f}" if v < 10 else f"{v:.0f} ± {sd:.0f}")
            else:
                cells.append(f"{v:.3f}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    sys.stdout.write(readme_table())

"""Verbs for the tribute model: run, compare variants on the same seeds, write, README table.

``python -m backscratch.tribute.api`` prints the README's statistics table (200 seeded
runs of 100 and of 1,000 years of the built-in ``tribute`` scenario, about 10 s).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import networkx as nx
import pyarrow as pa

from backscratch.core import store
from backscratch.core.errors import ScenarioError
from backscratch.core.results import by_name
from backscratch.core.schema import dump_yaml, load_scenario
from backscratch.core.version import __version__
from backscratch.tribute.model import TributeModel
from backscratch.tribute.results import METRICS, TributeComparison, TributeResult
from backscratch.tribute.scenario import TRIBUTE_POLICIES, TributeScenario

DEFAULT_POLICIES = ("blackmail", "backscratching", "mixed")
"""What :func:`compare` compares when no variants are named."""


def check_policies(names: Sequence[str], *, param: str = "policies") -> list[str]:
    """The variant names, or a one-line error about ``param`` naming the unknown one."""
    if isinstance(names, str) or not names:
        raise ScenarioError.bad(param, "give a list of at least one variant")
    for name in names:
        if name not in TRIBUTE_POLICIES:
            raise ScenarioError.bad(
                param,
                f"unknown tribute variant '{name}' (known: {', '.join(TRIBUTE_POLICIES)})",
            )
    return list(dict.fromkeys(names))


def run(
    scenario: TributeScenario, *, policy: str | None = None, graph: nx.Graph | None = None
) -> TributeResult:
    """Simulate every run of ``scenario`` under ``policy`` (default: the scenario's), on
    ``graph`` (default: the scenario's network)."""
    if policy is not None:
        check_policies([policy], param="policy")
    return TributeModel(scenario, policy, graph=graph).run()


def compare(
    scenario: TributeScenario, *, policies: Sequence[str] = DEFAULT_POLICIES
) -> TributeComparison:
    """Each variant on the same seeds (same initial wealth and activated actors per run)."""
    names = check_policies(policies)
    return TributeComparison(scenario, {name: run(scenario, policy=name) for name in names})


WEALTH_SCHEMA = pa.schema(
    [("run", pa.int64()), ("year", pa.int32()), ("actor", pa.int32()), ("wealth", pa.float64())]
)
COMMITMENT_SCHEMA = pa.schema(
    [
        ("year", pa.int32()),
        ("run", pa.int64()),
        ("from", pa.int32()),
        ("to", pa.int32()),
        ("commitment", pa.int16()),
    ]
)


def _write_tables(tables, path: Path, schema: pa.Schema) -> Path:
    """Write ``tables`` (in order, one at a time: memory bounded by one) as one Parquet file."""
    import pyarrow.parquet as pq

    def write(tmp):
        with pq.ParquetWriter(tmp, schema, **store.parquet_options(schema)) as writer:
            for t in tables:
                writer.write_table(t)

    return store.write_with(path, write)


def write_run(result: TributeResult, out: str | Path, *, force: bool = False) -> dict[str, Path]:
    """Write a run's records, resolved scenario, summary and figures under ``out``.

    Files: ``years.parquet`` (one row per run and year: events, total and isolated wealth,
    top share, major actors, clusters at snapshot years), ``wealth.parquet`` (run, year,
    actor), ``commitment.parquet`` (the changes at each snapshot year: run, from, to and the
    new value; :func:`~backscratch.tribute.results.read_commitment` rebuilds a matrix),
    ``scenario.yaml``,
    ``summary.json`` and, with ``figures``, ``wealth.png`` and ``commitment.png`` (run 0);
    then the seal ``contents.json`` (a folder holding another kind of result is refused
    unless ``force``).
    """
    out = store.begin(out, "run", force=force)
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
        "years": store.write_parquet(result.to_arrow(), out / "years.parquet"),
        "wealth": _write_tables(result.wealth_tables(), out / "wealth.parquet", WEALTH_SCHEMA),
        "commitment": _write_tables(
            result.commitment_tables(), out / "commitment.parquet", COMMITMENT_SCHEMA
        ),
        "scenario": store.write_text(dump_yaml(result.scenario), out / "scenario.yaml"),
        "summary": store.write_json(summary, out / "summary.json"),
    }
    store.seal(out, "run", paths.values())
    return paths


def write_compare(
    comparison: TributeComparison, out: str | Path, *, force: bool = False
) -> dict[str, Path]:
    """Write a :func:`compare` result: ``compare.json`` (every variant's summary) and
    ``scenario.yaml``, then the seal (as :func:`write_run`)."""
    out = store.begin(out, "compare", force=force)
    doc = {**comparison.summary(), "version": __version__}
    paths = {
        "compare": store.write_json(doc, out / "compare.json"),
        "scenario": store.write_text(dump_yaml(comparison.scenario), out / "scenario.yaml"),
    }
    store.seal(out, "compare", paths.values())
    return paths


README_KEYS = (
    "fights_per_run",
    "payments_per_run",
    "fight_share",
    "top_share",
    "major_actors",
    "clusters",
    "relative_wealth",
    "fights_per_year_first_tenth",
    "fights_per_year_last_tenth",
)
"""The statistics of the README's table, in its order."""


def readme_table(runs: int = 200, years: tuple[int, ...] = (100, 1000)) -> str:
    """The README's Markdown table: the built-in scenario over ``runs`` runs of each length."""
    cols = {}
    for y in years:
        sc = load_scenario("tribute", {"runs": runs, "years": y})
        assert isinstance(sc, TributeScenario)
        cols[y] = run(sc).summary()
    sc = load_scenario("tribute")
    head = " | ".join(f"{y:,} years" for y in years)
    lines = [
        f"| statistic (`tribute`, {runs} runs, seed {sc.seed}; mean ± sd over runs) | {head} |",
        "| --- | " + " | ".join("---:" for _ in years) + " |",
    ]
    for m in by_name(METRICS, README_KEYS):
        key = m.name
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
        lines.append(f"| {m.label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    sys.stdout.write(readme_table())

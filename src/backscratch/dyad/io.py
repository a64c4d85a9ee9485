"""Results folders on disk: what each verb writes, how to tell them apart, how to read them.

========  ===============================================================================
kind      files
========  ===============================================================================
run       ``summary.json`` (with ``policy``), ``scenario.yaml``, ``periods.parquet``
          (``backscratch run --out DIR``; :func:`backscratch.experiments.write_run`)
compare   ``compare.json``, ``scenario.yaml``, ``periods.parquet`` with every policy
          (``backscratch compare --out DIR``; :func:`write_compare`)
sweep     ``manifest.json`` and ``parts/`` (``backscratch sweep --out DIR``)
demo      ``reference.json`` and ``summary.json`` (``backscratch demo --out DIR``)
========  ===============================================================================
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from backscratch import __version__
from backscratch.core import store
from backscratch.dyad.model import COLUMNS, DyadResult
from backscratch.dyad.scenario import Scenario, ScenarioError, dump_yaml, load_scenario

KINDS = ("run", "compare", "sweep", "demo")


def kind(folder: str | Path) -> str:
    """Which verb wrote ``folder`` (one of :data:`KINDS`); a one-line error if none did."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ScenarioError(f"{folder}: no such folder")
    if (folder / "manifest.json").is_file():
        return "sweep"
    if (folder / "compare.json").is_file():
        return "compare"
    if (folder / "reference.json").is_file():
        return "demo"
    summary = folder / "summary.json"
    if summary.is_file() and "policy" in read_json(summary):
        return "run"
    raise ScenarioError(
        f"{folder}: not a results folder (expected summary.json from `run --out`, compare.json "
        "from `compare --out`, manifest.json from `sweep --out` or reference.json from `demo`)"
    )


def read_json(path: str | Path) -> dict:
    """A JSON object from ``path``, with a one-line error if it is unreadable."""
    try:
        data = json.loads(Path(path).read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ScenarioError(f"{path}: unreadable JSON ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: expected a JSON object")
    return data


def read_scenario(folder: str | Path) -> Scenario:
    """The ``scenario.yaml`` of a run or compare folder."""
    path = Path(folder) / "scenario.yaml"
    if not path.is_file():
        raise ScenarioError(f"{folder}: no scenario.yaml")
    return load_scenario(path)


def write_compare(
    result: dict, scenario: Scenario, out: str | Path, domestic: dict | None = None
) -> dict[str, Path]:
    """Write a comparison (``experiments.compare(..., keep=True)``) under ``out``.

    Files: ``compare.json`` (scenario, runs, seed, version, every policy's summary and, if
    given, the hawk-bias analysis), ``scenario.yaml`` (as run) and ``periods.parquet`` (one
    row per policy, run and period; the columns of ``write_run``'s file).
    """
    out = Path(out)
    results: dict[str, DyadResult] = result["results"]
    data = {
        "scenario": result["scenario"],
        "runs": result["runs"],
        "seed": result["seed"],
        "version": __version__,
        "policies": result["policies"],
    }
    if domestic is not None:
        data["domestic"] = domestic
    tables = [r.to_table() for r in results.values()]
    for name in ("date", "policy"):  # one plain-string type for every policy's table
        tables = [
            t.set_column(t.schema.get_field_index(name), name, t[name].cast(pa.string()))
            for t in tables
        ]
    return {
        "periods": store.write_parquet(pa.concat_tables(tables), out / "periods.parquet"),
        "scenario": store.write_text(dump_yaml(scenario), out / "scenario.yaml"),
        "compare": store.write_json(data, out / "compare.json"),
    }


@dataclass
class StoredResult:
    """Per-period records read back from ``periods.parquet``: ``records[column]`` has shape
    (horizon, runs), as :attr:`DyadResult.records` (what the figures take)."""

    policy: str
    records: dict[str, np.ndarray]


def read_periods(folder: str | Path) -> dict[str, StoredResult]:
    """Every policy's records in a run or compare folder's ``periods.parquet``, in the order
    they were written."""
    path = Path(folder) / "periods.parquet"
    if not path.is_file():
        raise ScenarioError(f"{folder}: no periods.parquet")
    names = ["run", "period", "policy", *(c.name for c in COLUMNS)]
    try:
        table = pq.read_table(path, columns=names)
    except (OSError, pa.ArrowException) as exc:
        raise ScenarioError(f"{path}: unreadable Parquet ({exc})") from None
    policy_col = table["policy"].cast(pa.string())
    order = list(dict.fromkeys(policy_col.to_pylist()))
    out: dict[str, StoredResult] = {}
    for policy in order:
        sub = table.filter(pc.equal(policy_col, policy)).sort_by(
            [("run", "ascending"), ("period", "ascending")]
        )
        horizon = int(pc.max(sub["period"]).as_py()) + 1
        runs = sub.num_rows // horizon
        records = {c.name: sub[c.name].to_numpy().reshape(runs, horizon).T.copy() for c in COLUMNS}
        out[policy] = StoredResult(policy, records)
    return out

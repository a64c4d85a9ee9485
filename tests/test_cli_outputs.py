"""The command line's outputs on the reference commands equal those recorded in fixtures.

``scripts/record_cli_outputs.py`` recorded them (before the package was re-cut by model):
what ``compare``, ``tournament``, ``evolve`` and ``summarize`` print with ``--format json``,
and the ``periods.parquet`` that ``run --out`` and ``compare --out`` write. Every number must
come out identical — bit for bit, except the sweep summaries, which DuckDB sums in parallel
(so the last bits may vary between runs; within 1e-12 relative).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from backscratch.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "cli"

RENAMED = {
    "cooperation": "cooperation_rate",
    "transfer": "transfer_per_run",
    "punishments": "punishments_per_run",
    "backdowns": "backdowns_per_run",
    "entries": "entries_per_run",
    "crossed": "threshold_crossed",
}
"""Per-run metrics renamed by the re-cut so that a metric has one name everywhere (the
changelog lists them); their values are unchanged. Keys ending ``_ci95`` follow."""


def _renamed(row: dict) -> dict:
    out = {}
    for key, value in row.items():
        base, ci = (key[:-5], "_ci95") if key.endswith("_ci95") else (key, "")
        out[RENAMED.get(base, base) + ci] = value
    return out


COMMANDS: dict[str, list[str]] = json.loads((FIXTURES / "commands.json").read_text())


def _run(capsys, args: list[str], tmp: Path) -> str:
    argv = [a.replace("{tmp}", str(tmp)) for a in args]
    capsys.readouterr()
    assert main(argv) == 0, argv
    return capsys.readouterr().out


def _close(a, b, where: str = "") -> None:
    """Equal structures; floats within 1e-12 relative (DuckDB's parallel sums)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), where
        for k in a:
            _close(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15) or (
            math.isnan(a) and math.isnan(b)
        ), f"{where}: {a} != {b}"
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli-outputs")
    code = main([a.replace("{tmp}", str(tmp)) for a in COMMANDS["sweep"]])
    assert code == 0
    return tmp


@pytest.mark.parametrize(
    "name", [n for n, a in COMMANDS.items() if "--format" in a and not n.startswith("summarize")]
)
def test_json_output_is_unchanged(capsys, tmp_path, name):
    # The same keys in the same order and the same values; floats within 1e-12 relative:
    # the per-period records are bit-identical (test_per_period_parquet_is_identical), but
    # sums over them move in the last digit between numba/LLVM releases (numba 0.68 with
    # llvmlite 0.50 moved eta_star from ...486 to ...4875).
    printed = json.loads(_run(capsys, COMMANDS[name], tmp_path))
    _close(printed, json.loads((FIXTURES / f"{name}.json").read_text()), name)


@pytest.mark.parametrize("name", [n for n in COMMANDS if n.startswith("summarize")])
def test_sweep_summaries_are_unchanged(capsys, sweep_dir, name):
    printed = json.loads(_run(capsys, COMMANDS[name], sweep_dir))
    recorded = [_renamed(row) for row in json.loads((FIXTURES / f"{name}.json").read_text())]
    _close(printed, recorded, name)


@pytest.mark.parametrize("name", [n for n in COMMANDS if n.endswith("-periods")])
def test_per_period_parquet_is_identical(capsys, tmp_path, name):
    args = COMMANDS[name]
    _run(capsys, args, tmp_path)
    folder = Path(args[args.index("--out") + 1].replace("{tmp}", str(tmp_path)))
    written = pq.read_table(folder / "periods.parquet")
    recorded = pq.read_table(FIXTURES / f"{name}.parquet")
    assert written.schema.equals(recorded.schema)
    assert written.equals(recorded)

"""Record what the command line prints and writes on the reference commands, as test fixtures.

    python scripts/record_cli_outputs.py [--out tests/fixtures/cli]

Runs each command of :data:`COMMANDS` in-process and writes ``NAME.json`` (what it printed on
stdout) or ``NAME.parquet`` (the ``periods.parquet`` it wrote), and ``commands.json`` (the
argument lists). ``tests/test_cli_outputs.py`` runs the same commands and compares. The
outputs were recorded before the package was re-cut by model, so the test shows that the
re-cut kept every behaviour; re-record only for a change of output that is intended and
stated in the changelog.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import shutil
import tempfile
from pathlib import Path

from backscratch.cli import main

SWEEP = "{tmp}/sweep"
"""The sweep folder that ``summarize`` reads (written by the ``sweep`` step first)."""

COMMANDS: dict[str, list[str]] = {
    "compare-oye-dyad": ["compare", "oye-dyad", "--format", "json", "--eta", "0:2:5"],
    "compare-iran": [
        "compare",
        "iran-2003-2013",
        "--policies",
        "as-happened,backscratching-from-2009,mixed",
        "--runs",
        "200",
        "--format",
        "json",
    ],
    "compare-tribute": ["compare", "tribute", "--runs", "20", "--format", "json"],
    "tournament-ipd": [
        "tournament",
        "--game",
        "ipd",
        "--strategies",
        "Cooperator,Defector,TitForTat,Grudger,Random",
        "--turns",
        "200",
        "--repetitions",
        "10",
        "--seed",
        "1",
        "--noise",
        "0.05",
        "--format",
        "json",
    ],
    "tournament-coercion": [
        "tournament",
        "--game",
        "coercion",
        "--repetitions",
        "50",
        "--format",
        "json",
    ],
    "evolve-ipd": [
        "evolve",
        "--strategies",
        "Cooperator,Defector,TitForTat",
        "--turns",
        "200",
        "--population",
        "50",
        "--format",
        "json",
    ],
    "sweep": [
        "sweep",
        "oye-dyad",
        "--grid",
        "shadow=0.5,0.9",
        "--grid",
        "third_parties.count=0,2",
        "--policies",
        "blackmail,backscratching,none",
        "--runs",
        "300",
        "--out",
        SWEEP,
    ],
    "summarize": ["summarize", SWEEP, "--format", "json"],
    "summarize-by-policy": [
        "summarize",
        SWEEP,
        "--by",
        "policy",
        "--where",
        "shadow=0.9",
        "--where",
        "third_parties.count=2",
        "--format",
        "json",
    ],
    "run-periods": ["run", "oye-dyad", "--runs", "100", "--out", "{tmp}/run"],
    "compare-periods": [
        "compare",
        "iran-2003-2013",
        "--policies",
        "as-happened,mixed",
        "--runs",
        "20",
        "--out",
        "{tmp}/compare",
    ],
}
"""Name -> arguments. ``{tmp}`` is a fresh folder; ``*-periods`` record ``periods.parquet``."""


def run(args: list[str], tmp: Path) -> str:
    """Run one command in-process; its stdout (a one-line error on failure raises)."""
    argv = [a.replace("{tmp}", str(tmp)) for a in args]
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(argv)
    if code != 0:
        raise SystemExit(f"{' '.join(argv)}: exit code {code}")
    return buf.getvalue()


def record(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="backscratch-record-"))
    try:
        for name, args in COMMANDS.items():
            text = run(args, tmp)
            if name.endswith("-periods"):
                folder = Path(args[args.index("--out") + 1].replace("{tmp}", str(tmp)))
                shutil.copyfile(folder / "periods.parquet", out / f"{name}.parquet")
            elif "--format" in args:
                (out / f"{name}.json").write_text(text)
        (out / "commands.json").write_text(json.dumps(COMMANDS, indent=1) + "\n")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("tests/fixtures/cli"))
    record(parser.parse_args().out)

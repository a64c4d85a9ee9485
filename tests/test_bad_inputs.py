"""The corpus of bad inputs (``tests/fixtures/bad_inputs.yaml``): every entry is refused in one
line on stderr naming what the user typed, with exit code 2, no traceback, nothing on stdout
and nothing written or changed on disk (GitHub issue 17).

Each entry runs in-process (:func:`backscratch.cli.main`) in a fresh folder; results folders
to corrupt are copied in from real ones made once per session (a sweep, a run, a compare).
"""

from __future__ import annotations

import contextlib
import io
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml

from backscratch.cli import main

CORPUS_FILE = Path(__file__).parent / "fixtures" / "bad_inputs.yaml"
CORPUS = yaml.safe_load(CORPUS_FILE.read_text("utf-8"))

RESULTS = {
    "sweep": ["sweep", "oye-dyad", "--runs", "5", "--set", "horizon=3", "--grid",
              "shadow=0.5,0.9", "--policies", "blackmail,backscratching"],
    "run": ["run", "oye-dyad", "--runs", "5", "--set", "horizon=3"],
    "compare": ["compare", "oye-dyad", "--runs", "5", "--set", "horizon=3", "--no-frontier"],
}  # fmt: skip
"""How the real results folders that entries corrupt are made (``--out`` added)."""


def materialize(spec) -> str | bytes:
    """An entry's text: as written, ``{head, fill, count, tail}`` or ``{hex}``."""
    if isinstance(spec, str):
        return spec
    if "hex" in spec:
        return bytes.fromhex(spec["hex"])
    return spec.get("head", "") + spec["fill"] * spec["count"] + spec.get("tail", "")


def snapshot(folder: Path) -> dict[str, tuple]:
    """Every path under ``folder`` with, for files, its size and mtime."""
    out = {}
    for path in sorted(folder.rglob("*")):
        st = path.stat()
        key = path.relative_to(folder).as_posix()
        out[key] = ("dir",) if path.is_dir() else ("file", st.st_size, st.st_mtime_ns)
    return out


@pytest.fixture(scope="session")
def made_results(tmp_path_factory):
    """The real results folders, by kind, made on first use."""
    made: dict[str, Path] = {}

    def get(kind: str) -> Path:
        if kind not in made:
            folder = tmp_path_factory.mktemp(f"made-{kind}") / kind
            with (
                contextlib.redirect_stdout(io.StringIO()),
                contextlib.redirect_stderr(io.StringIO()),
            ):
                assert main([*RESULTS[kind], "--out", str(folder)]) == 0
            made[kind] = folder
        return made[kind]

    return get


def test_the_corpus_is_large_and_covers_every_command():
    from typer.main import get_command

    from backscratch.cli import app

    ids = [e["id"] for e in CORPUS]
    assert len(ids) == len(set(ids)), "ids must be unique"
    assert len(CORPUS) >= 170
    group = get_command(app)
    commands = set(group.commands) - {"data"} | {
        f"data {c}" for c in group.commands["data"].commands
    }  # type: ignore[attr-defined]
    covered = Counter(
        " ".join(e["argv"][:2]) if e["argv"][:1] == ["data"] else e["argv"][0] for e in CORPUS
    )
    missing = commands - set(covered)
    assert not missing, f"commands without a bad input: {sorted(missing)}"
    assert all(covered[c] >= 2 for c in commands), covered
    for entry in CORPUS:
        assert set(entry) <= {"id", "argv", "files", "results", "remove", "expect"}, entry["id"]


SLOW: set[str] = set()
"""Entries that are not refused before work: skipped so the file keeps its time budget (none:
every bound is checked before any work)."""

KNOWN_FAILING: set[str] = set()
"""Entries found not to hold yet (GitHub issue 17): strict xfail, so a fix is noticed (none)."""


UNCHECKED: set[str] = set()
"""Entries not yet run against the code (every entry has been: none)."""


def _marks(entry):
    if entry["id"] in UNCHECKED:
        return [pytest.mark.skip(reason="not yet checked against the code (issue 17)")]
    if entry["id"] in SLOW:
        return [pytest.mark.skip(reason="not refused before work yet (issue 17)")]
    if entry["id"] in KNOWN_FAILING:
        return [pytest.mark.xfail(strict=True, reason="not refused as it should be (issue 17)")]
    return []


@pytest.mark.parametrize("entry", [pytest.param(e, id=e["id"], marks=_marks(e)) for e in CORPUS])
def test_bad_input_is_refused_in_one_line(entry, tmp_path, monkeypatch, capsys, made_results):
    monkeypatch.chdir(tmp_path)
    for name, kind in (entry.get("results") or {}).items():
        shutil.copytree(made_results(kind), tmp_path / name)
    for name, spec in (entry.get("files") or {}).items():
        path = tmp_path / name
        if name.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        text = materialize(spec)
        (path.write_bytes if isinstance(text, bytes) else path.write_text)(text)  # type: ignore[operator]
    for name in entry.get("remove") or []:
        (tmp_path / name).unlink()
    argv = [str(materialize(a)) for a in entry["argv"]]
    before = snapshot(tmp_path)
    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as exc:  # pragma: no cover - main returns its code
        code = exc.code
    printed, err = capsys.readouterr()
    assert "Traceback" not in err
    lines = err.removesuffix("\n").split("\n")
    assert len(lines) == 1 and lines[0].strip(), f"not one line on stderr: {err!r}"
    assert lines[0].startswith("backscratch: error: "), err
    assert entry["expect"] in lines[0], f"{entry['expect']!r} not in {lines[0]!r}"
    assert code == 2, err
    assert printed == "", f"stdout: {printed[:200]!r}"
    assert snapshot(tmp_path) == before, "something was written or changed"

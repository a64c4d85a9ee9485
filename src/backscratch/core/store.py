"""Results on disk: zstd-compressed Parquet written atomically, and content hashes.

Nothing is ever half-written: every file goes to a temporary name in the target folder first
and is renamed into place only when complete (``os.replace`` is atomic on POSIX).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

PARQUET_OPTIONS = {"compression": "zstd", "compression_level": 3, "write_statistics": True}


def parquet_options(schema: pa.Schema) -> dict:
    """:data:`PARQUET_OPTIONS` for a table of ``schema``, with two exceptions for
    floating-point columns: no dictionary (a simulated float rarely repeats, and trying one
    costs about a third of the write) and LZ4 instead of zstd (such columns barely compress
    either way; LZ4 writes them about 2.5x faster for about a fifth more bytes). Measured on
    ``oye-dyad``'s ``periods.parquet``; every other column keeps zstd and its dictionary."""
    floats = [f.name for f in schema if pa.types.is_floating(f.type)]
    return {
        **PARQUET_OPTIONS,
        "compression": {
            f.name: "lz4" if f.name in floats else PARQUET_OPTIONS["compression"] for f in schema
        },
        "compression_level": {
            f.name: 1 if f.name in floats else PARQUET_OPTIONS["compression_level"] for f in schema
        },
        "use_dictionary": [f.name for f in schema if f.name not in floats],
    }


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _atomic(path: Path, write) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())  # as an ordinary new file, not mkstemp's 0600
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_parquet(table: pa.Table, path: str | Path) -> Path:
    """Write ``table`` as zstd Parquet at ``path``, atomically."""
    options = parquet_options(table.schema)
    return _atomic(Path(path), lambda tmp: pq.write_table(table, tmp, **options))


def write_with(path: str | Path, write) -> Path:
    """Call ``write(tmp)`` to write a file at a temporary path beside ``path``, then move it
    into place atomically (nothing half-written survives an error or an interrupt)."""
    return _atomic(Path(path), write)


def write_bytes(data: bytes, path: str | Path) -> Path:
    """Write ``data`` (a PNG, say) at ``path``, atomically."""
    return _atomic(Path(path), lambda tmp: Path(tmp).write_bytes(data))


def write_text(text: str, path: str | Path) -> Path:
    """Write ``text`` (UTF-8) at ``path``, atomically."""
    return _atomic(Path(path), lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def write_json(obj, path: str | Path) -> Path:
    """Write ``obj`` as indented JSON at ``path``, atomically."""
    return write_text(json.dumps(obj, indent=2, sort_keys=False) + "\n", path)


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# ---------------------------------------------------------------- sealed results folders

CONTENTS = "contents.json"
"""The file that proves a results folder whole: its kind, the version that wrote it and the
SHA-256 of every file, written last (:func:`seal`)."""

MARKERS = {
    "reference.json": "demo",
    "compare.json": "compare",
    "equilibrium.json": "equilibrium",
    "phase_map.json": "phase-map",
    "matches.parquet": "tournament",
    "evolution.json": "evolution",
    "summary.json": "run",
}
"""Files whose presence says a folder holds some result, and of which kind (the first
found; sweeps have their own ``manifest.json`` and per-part checksums,
:mod:`backscratch.dyad.sweep`)."""


def held_kind(folder: Path) -> str | None:
    """The kind of result ``folder`` holds: its seal's, else what its files say (an unsealed
    folder: a write cut short), else ``None``."""
    try:
        return str(json.loads((folder / CONTENTS).read_text("utf-8"))["kind"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return next((k for m, k in MARKERS.items() if (folder / m).exists()), None)


OTHER_FILES = (
    "periods.parquet", "phase_map.parquet", "report.html", "ranks.png", "payoffs.png",
    "evolution.png",
)  # fmt: skip
"""Files of a result besides its marker, removed with it by ``--force``."""


def refuse_other(folder: str | Path, kind: str, *, force: bool = False) -> None:
    """A one-line error (about ``out``) if ``folder`` holds a sweep, or another kind of result
    than ``kind`` and not ``force``; changes nothing (check before the work, :func:`begin`
    before the writes)."""
    from backscratch.core.errors import ScenarioError

    folder = Path(folder)
    if not folder.is_dir():
        return
    if (folder / "manifest.json").exists():
        raise ScenarioError.bad("out", "holds a sweep; choose another folder", f"'{folder}'")
    held = held_kind(folder)
    if held is not None and held != kind and not force:
        raise ScenarioError.bad(
            "out", f"holds a {held} result; choose another folder, or --force to replace it",
            f"'{folder}'",
        )  # fmt: skip


def begin(folder: str | Path, kind: str, *, force: bool = False) -> Path:
    """Prepare ``folder`` to receive a ``kind`` result, before anything is written: refuse in
    one line (about ``out``) a folder holding another kind of result, or a sweep, unless
    ``force`` (which removes the other result's files); then drop the old seal, so that a
    rewrite cut short is never taken for whole."""
    folder = Path(folder)
    refuse_other(folder, kind, force=force)
    if not folder.is_dir():
        return folder
    held = held_kind(folder)
    if held is not None and held != kind:
        for name in (*MARKERS, *OTHER_FILES):
            (folder / name).unlink(missing_ok=True)
    (folder / CONTENTS).unlink(missing_ok=True)
    return folder


def seal(folder: str | Path, kind: str, files) -> Path:
    """Write ``folder``'s :data:`CONTENTS` after its ``files`` (paths inside it): the kind,
    the version and each file's SHA-256."""
    from backscratch.core.version import __version__

    folder = Path(folder)
    listed = {Path(f).relative_to(folder).as_posix(): file_sha256(f) for f in files}
    return write_json({"kind": kind, "version": __version__, "files": listed}, folder / CONTENTS)


def verify(folder: str | Path) -> dict:
    """A sealed folder's contents (``kind``, ``version``, ``files``) after checking that every
    file it lists is there with the same SHA-256 and that no other result is mixed in; a
    one-line error naming the file otherwise."""
    from backscratch.core.errors import ScenarioError

    folder = Path(folder)
    path = folder / CONTENTS
    if not path.is_file():
        raise ScenarioError(
            f"{folder}: incomplete results folder (no {CONTENTS}: the write was cut short, "
            "or an older backscratch wrote it)"
        )
    try:
        data = json.loads(path.read_text("utf-8"))
        kind, files = str(data["kind"]), dict(data["files"])
    except (OSError, ValueError, KeyError, TypeError):
        raise ScenarioError(f"{path}: unreadable (not the contents of a results folder)") from None
    for name, digest in files.items():
        if Path(name).is_absolute() or ".." in Path(name).parts:
            raise ScenarioError(f"{path}: lists '{name}', outside the folder")
        file = folder / name
        if not file.is_file():
            raise ScenarioError(f"{file}: missing (listed in {CONTENTS})")
        if file_sha256(file) != digest:
            raise ScenarioError(
                f"{file}: changed or corrupted since it was written (its checksum differs "
                f"from {CONTENTS})"
            )
    for marker in MARKERS:
        if (folder / marker).exists() and marker not in files:
            raise ScenarioError(f"{folder / marker}: another result mixed into this {kind} folder")
    return {"kind": kind, "version": data.get("version"), "files": files}

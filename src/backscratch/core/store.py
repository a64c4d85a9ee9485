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
    return _atomic(Path(path), lambda tmp: pq.write_table(table, tmp, **PARQUET_OPTIONS))


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

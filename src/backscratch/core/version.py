"""The installed version of backscratch (``0+unknown`` when run from a source tree)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("backscratch")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

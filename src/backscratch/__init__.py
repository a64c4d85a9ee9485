"""backscratch: coercion versus inducement between states — blackmail vs backscratching.

The verbs are in :mod:`backscratch.experiments` (``run``, ``compare``); scenarios in
:mod:`backscratch.scenario`; the coercion model in :mod:`backscratch.models.dyad`.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("backscratch")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

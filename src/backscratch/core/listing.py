"""What the console script prints without loading the command-line framework, shared with
the command line (:mod:`backscratch._entry` answers ``backscratch scenarios`` and
``backscratch --version`` with these; :mod:`backscratch.cli` prints the same)."""

from __future__ import annotations

import sys
from typing import Any


def console() -> Any:
    """The console every command prints its tables to: laid out 120 columns wide when
    written to a file or a pipe."""
    from rich.console import Console

    return Console(highlight=False, width=None if sys.stdout.isatty() else 120)


def scenarios_table() -> Any:
    """The built-in scenarios with their one-line descriptions (``backscratch scenarios``)."""
    from rich.table import Table

    from backscratch.core.builtins import builtin_descriptions

    table = Table(title="Built-in scenarios", title_justify="left")
    table.add_column("name", style="bold")
    table.add_column("description")
    for name, description in builtin_descriptions().items():
        table.add_row(name, description)
    return table


def version_line() -> str:
    """What ``backscratch --version`` prints."""
    from backscratch.core.version import __version__

    return f"backscratch {__version__}"

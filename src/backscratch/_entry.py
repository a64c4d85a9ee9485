"""The ``backscratch`` console script.

``backscratch scenarios`` and ``backscratch --version`` are answered here, without loading
the command-line framework: typer builds a pydantic adapter for the options of every
command it parses, which alone takes longer than these two answers. Every other command
line goes to :func:`backscratch.cli.main`. What the fast paths print is what the full
command line prints (:mod:`backscratch.core.listing` holds what both print;
``tests/test_cli.py`` compares the two).
"""

from __future__ import annotations

import sys

from backscratch.core.listing import console, scenarios_table, version_line


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` (default: the process's arguments); the exit code."""
    args = sys.argv[1:] if argv is None else list(argv)
    if args == ["--version"]:
        print(version_line())
        return 0
    if args == ["scenarios"]:
        console().print(scenarios_table())
        return 0
    from backscratch.cli import main as full

    return full(args)

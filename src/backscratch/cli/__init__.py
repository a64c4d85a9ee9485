"""The ``backscratch`` command line: typer + rich, calling only the library's verbs.

One module per group of commands (:mod:`.simulate`, :mod:`.sweep`, :mod:`.data`,
:mod:`.games`, :mod:`.dashboard`, :mod:`.tribute`); they register on :data:`.common.app`
when imported here. Every bad input ends in one line on stderr
(``backscratch: error: FIELD: problem``) and exit code 2, with no traceback and nothing
half-written.
"""

from __future__ import annotations

import sys

import typer

from backscratch.cli.common import app
from backscratch.dyad.scenario import ScenarioError

# isort: off
# Importing a module registers its commands; `--help` lists them in this order.
from backscratch.cli import simulate, sweep, data, games, dashboard  # noqa: F401
# isort: on

__all__ = ["app", "main"]


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app, turning every input problem into one line and exit code 2."""
    command = typer.main.get_command(app)
    try:
        rv = command.main(args=argv, prog_name="backscratch", standalone_mode=False)
    except typer.Abort:
        print("backscratch: aborted", file=sys.stderr)
        return 130
    except typer.TyperException as exc:  # usage errors: unknown option, bad choice, ...
        message = " ".join(exc.format_message().split())
        if type(exc).__name__ == "NoArgsIsHelpError":
            print(exc.format_message())
            return 0
        print(f"backscratch: error: {message}", file=sys.stderr)
        return 2
    except MemoryError as exc:  # what the up-front checks did not foresee
        detail = " ".join(str(exc).split()) or "allocation failed"
        print(f"backscratch: error: out of memory ({detail}); lower --runs", file=sys.stderr)
        return 2
    except (ScenarioError, OSError) as exc:
        print(f"backscratch: error: {exc}", file=sys.stderr)
        return 2
    return rv if isinstance(rv, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

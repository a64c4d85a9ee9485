"""The ``backscratch`` command line: typer + rich, calling only the library's verbs.

One module per group of commands (:mod:`.simulate`, :mod:`.sweep`, :mod:`.data`,
:mod:`.games`, :mod:`.game`, :mod:`.dashboard`, :mod:`.tribute`); they register on :data:`.common.app`
when imported here. Every bad input ends in one line on stderr
(``backscratch: error: FIELD: problem``) and exit code 2, with no traceback and nothing
half-written.
"""

from __future__ import annotations

import sys
from typing import Any

import typer

from backscratch.cli.common import app
from backscratch.core.errors import ScenarioError

# isort: off
# Importing a module registers its commands; `--help` lists them in this order.
from backscratch.cli import simulate, sweep, game, data, games, dashboard  # noqa: F401
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
    except ScenarioError as exc:
        print(f"backscratch: error: {_as_typed(exc, command, argv)}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"backscratch: error: {exc}", file=sys.stderr)
        return 2
    return rv if isinstance(rv, int) else 0


def _as_typed(exc: ScenarioError, group: Any, argv: list[str] | None) -> str:
    """The library's message with the keyword argument it names (``turns: ...``) written as
    the option the user typed (``--turns: ...``): the library never names a flag."""
    message = str(exc)
    if exc.param is None or not message.startswith(exc.param):
        return message
    command = group
    for token in argv if argv is not None else sys.argv[1:]:
        sub = getattr(command, "commands", {}).get(token)
        if sub is None and not token.startswith("-"):
            break
        command = sub or command
    wanted = "--" + exc.param.replace("_", "-")
    options = [p for p in command.params if p.param_type_name == "option"]
    match = next((o for o in options if wanted in o.opts), None) or next(
        (o for o in options if o.name in (exc.param, f"{exc.param}_dir")), None
    )
    if match is None:
        return message
    typed = [a.split("=", 1)[0] for a in (argv if argv is not None else sys.argv[1:])]
    flag = next((o for o in match.opts if o in typed), max(match.opts, key=len))
    return flag + message[len(exc.param) :]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

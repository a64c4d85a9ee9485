"""The one error users see: :class:`ScenarioError`, a one-line message naming what was wrong.

Library code names the scenario field (``threat.credibility: ...``) or the keyword argument of
the Python function (``turns: 0 must be at least 1``); it never names a command-line flag. A
message about an argument carries ``param``, so the command line can say ``--turns`` where
the Python API says ``turns`` (see :func:`backscratch.cli.main`).
"""

from __future__ import annotations

from typing import Any

_NO_VALUE: Any = object()


class ScenarioError(ValueError):
    """Bad input (a scenario, an override, an argument, a file): one line for the user.

    ``param``: the keyword argument the message is about (its text starts with that name),
    or ``None`` when it is about a scenario field or a file.
    """

    def __init__(self, message: str, *, param: str | None = None):
        super().__init__(message)
        self.param = param

    @classmethod
    def bad(cls, param: str, problem: str, value: Any = _NO_VALUE) -> ScenarioError:
        """``"{param}: {problem}"`` (or ``"{param} {value}: {problem}"``), about ``param``."""
        head = param if value is _NO_VALUE else f"{param} {value}"
        return cls(f"{head}: {problem}", param=param)

"""backscratch: coercion versus inducement between states — blackmail vs backscratching.

The flat, keyword-only API (``import backscratch as bs``)::

    sc = bs.load_scenario("oye-dyad", runs=500)
    c = bs.compare(sc, policies=["blackmail", "backscratching"])
    c.contrast("backscratching", "blackmail")      # paired differences, 95% CIs
    c.to_pandas()                                   # one row per policy, run and period

Verbs: :func:`load_scenario`, :func:`run`, :func:`compare`, :func:`threat_frontier`,
:func:`equilibrium`, :func:`phase_map`, :func:`sweep`,
:func:`load_sweep`, :func:`plot_sweep`, :func:`solve`, :func:`tournament`, :func:`evolve`, :func:`calibrate`,
:func:`validate`;
every bad input raises :class:`ScenarioError` (one line). Each model lives in its own
folder (``dyad``, ``tribute``, ``tournaments``, ``theory``); ``core`` holds what they share
(``docs/architecture.md``). Importing ``backscratch`` loads none of them: the scenario schemas
load when a scenario is first read, the verbs load their models (and numba) on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from backscratch.core.errors import ScenarioError
from backscratch.core.version import __version__

SCHEMA_MODULES = ("backscratch.dyad.scenario", "backscratch.tribute.scenario")
"""The modules whose scenario schemas join the registry of :mod:`backscratch.core.schema`;
it imports them the first time it is read, so importing ``backscratch`` loads no schema."""

_API = (
    "load_scenario",
    "run",
    "compare",
    "threat_frontier",
    "equilibrium",
    "phase_map",
    "sweep",
    "load_sweep",
    "plot_sweep",
    "solve",
    "tournament",
    "evolve",
    "calibrate",
    "validate",
)
__all__ = ["ScenarioError", "__version__", *_API]

if TYPE_CHECKING:
    from backscratch.api import (  # noqa: F401
        calibrate,
        compare,
        equilibrium,
        evolve,
        load_scenario,
        load_sweep,
        phase_map,
        plot_sweep,
        run,
        solve,
        sweep,
        threat_frontier,
        tournament,
        validate,
    )


def __getattr__(name: str) -> Any:
    if name in _API:
        from backscratch import api

        return getattr(api, name)
    raise AttributeError(f"module 'backscratch' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})

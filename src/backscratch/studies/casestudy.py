"""The US–Iran case, 2003–2013 (V8 of ``docs/model.md``): calibrate latency, then counterfactuals.

:func:`iran_case` loads the built-in scenario ``iran-2003-2013`` (its schedule coded from
``data/iran/iran_timeline_2002_2013.csv``), fits the hedging parameters with
:func:`backscratch.studies.calibrate_iaea.calibrate_latency`, and runs the three
counterfactual schedules on the fitted parameters and the same seeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from backscratch.core.errors import ScenarioError
from backscratch.core.schema import load_scenario
from backscratch.dyad.api import compare
from backscratch.dyad.results import Comparison, DyadResult
from backscratch.dyad.scenario import Scenario
from backscratch.studies.calibrate_iaea import LATENCY_ORIGIN, LatencyFit, calibrate

CASE = "iran-2003-2013"
COUNTERFACTUALS = ("as-happened", "backscratching-from-2009", "mixed")
CASE_METRICS = ("cooperation_rate", "final_latency", "threshold_crossed_share")


def growth_path(result: DyadResult, origin: str = LATENCY_ORIGIN) -> np.ndarray:
    """Mean latency growth since ``origin`` per period (NaN before it): the model's path of
    the quantity the IAEA series measures."""
    sc = result.scenario
    lat = result.records["latency"].mean(axis=1)
    t0 = sc.calendar.period_of(origin)
    out = lat - (lat[t0 - 1] if t0 > 0 else sc.hedging.initial)
    out[:t0] = np.nan
    return out


@dataclass
class CaseStudy:
    """A calibrated case and its counterfactuals (a comparison on the fitted scenario)."""

    fit: LatencyFit
    comparison: Comparison

    @property
    def scenario(self) -> Scenario:
        """The scenario with the fitted parameters."""
        return self.comparison.scenario

    @property
    def results(self) -> dict[str, DyadResult]:
        return self.comparison.results

    @property
    def summaries(self) -> dict[str, dict[str, Any]]:
        return self.comparison.summaries()

    def growth_path(self) -> np.ndarray:
        """:func:`growth_path` of the as-happened schedule."""
        return growth_path(self.results["as-happened"])

    def to_json(self) -> dict[str, Any]:
        """The ``summary.json`` contract of ``backscratch demo``."""
        return {
            "case": self.scenario.name,
            "fit": {
                "metric": self.fit.metric,
                "rmse": self.fit.rmse,
                "n_points": self.fit.n_points,
            },
            "counterfactuals": {
                name: {m: s[m] for m in CASE_METRICS} for name, s in self.summaries.items()
            },
        }


def iran_case(overrides: dict[str, Any] | None = None) -> CaseStudy:
    """Calibrate the Iran scenario and run its counterfactuals (``overrides``: e.g. runs)."""
    sc = load_scenario(CASE, overrides)
    if not isinstance(sc, Scenario):  # pragma: no cover - the built-in is a dyad scenario
        raise ScenarioError(f"{CASE}: not a dyad scenario")
    fit = calibrate(sc)
    return CaseStudy(fit, compare(fit.scenario, policies=COUNTERFACTUALS))

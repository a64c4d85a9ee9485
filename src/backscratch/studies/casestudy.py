"""The US–Iran case, 2003–2013 (V8): calibrate latency to the IAEA series, then counterfactuals.

``iran_case`` loads the built-in scenario ``iran-2003-2013`` (its schedule coded from
``data/iran/iran_timeline_2002_2013.csv``), fits the hedging parameters with
:func:`backscratch.experiments.calibrate.calibrate_latency`, and runs the three
counterfactual schedules on the fitted parameters and the same seeds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from backscratch.dyad.api import compare
from backscratch.dyad.scenario import Scenario, load_scenario
from backscratch.studies.calibrate_iaea import (
    LATENCY_ORIGIN,
    LatencyFit,
    calibrate_latency,
    observations,
)

CASE = "iran-2003-2013"
COUNTERFACTUALS = ("as-happened", "backscratching-from-2009", "mixed")
CASE_METRICS = ("cooperation_rate", "final_latency", "threshold_crossed_share")


@dataclass
class CaseStudy:
    """A calibrated case and its counterfactuals."""

    scenario: Scenario
    fit: LatencyFit
    results: dict
    summaries: dict[str, dict]

    def growth_path(self) -> np.ndarray:
        """Mean latency growth since the calibration origin, as-happened, per period (NaN
        before the origin)."""
        res = self.results["as-happened"]
        lat = res.records["latency"].mean(axis=1)
        t0 = self.scenario.calendar.period_of(LATENCY_ORIGIN)
        out = lat - (lat[t0 - 1] if t0 > 0 else self.scenario.hedging.initial)
        out[:t0] = np.nan
        return out

    def to_json(self) -> dict:
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


def iran_case(overrides: dict | None = None) -> CaseStudy:
    """Calibrate the Iran scenario and run its counterfactuals (``overrides``: e.g. runs)."""
    sc = load_scenario(CASE, overrides)
    dates, observed = observations()
    fit = calibrate_latency(sc, dates, observed)
    cmp = compare(fit.scenario, list(COUNTERFACTUALS), keep=True)
    return CaseStudy(fit.scenario, fit, cmp["results"], cmp["policies"])

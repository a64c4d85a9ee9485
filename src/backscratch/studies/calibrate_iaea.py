"""Calibration of a scheduled scenario's latency to an observed series (the Iran case, V8).

The target's latency in the model is a stock that grows with investment (``docs/model.md``, Hedging and latency). For
the Iran case it is read as the stock of low-enriched uranium: the IAEA series
``leu_3.5pct_produced_cumulative`` (kg of UF6, converted to tonnes). That series is chosen
because (i) it is a stock that accumulates, like the model's latency, (ii) the IAEA reported
it in the same units through the period, and (iii) the exchanges on the table were
denominated in it (the 2009 fuel swap would have shipped out about 1,200 kg), so rollback has
the same unit. It counts production since February 2007 (``PROVENANCE.md``), so the model
is compared through its growth since then. The free parameters are the two that turn the
instruments into capacity, ``hedging.threat_sensitivity`` (pressure builds capacity) and
``hedging.relationship_sensitivity`` (offers hold it back); they do not enter the target's
decision problem, so the target's equilibrium is solved once and reused.
Least squares (``scipy.optimize.least_squares``, several starts) on the mean simulated path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
from scipy.optimize import least_squares

from backscratch.core.errors import ScenarioError
from backscratch.core.results import Result
from backscratch.core.schema import get_field
from backscratch.data import timeline as iran
from backscratch.dyad.model import DyadModel, replay_hedging
from backscratch.dyad.scenario import Scenario

LATENCY_METRIC = "leu_3.5pct_produced_cumulative"
LATENCY_SCALE = 1e-3
"""kg of UF6 -> tonnes of UF6, the latency unit of the Iran scenario."""
LATENCY_ORIGIN = "2007-02"
"""The series counts production since February 2007 (data/iran/PROVENANCE.md)."""
FREE = ("hedging.threat_sensitivity", "hedging.relationship_sensitivity")
BOUNDS = {
    "hedging.base": (-5.0, 5.0),
    "hedging.threat_sensitivity": (0.0, 20.0),
    "hedging.relationship_sensitivity": (0.0, 20.0),
    "hedging.productivity": (0.0, 10.0),
    "hedging.deterrence": (0.0, 10.0),
    "hedging.capacity_cost": (0.0, 5.0),
}
"""Search bounds of the parameters :func:`calibrate_latency` and ``validate`` can fit (the
last two with ``hedging.mode: choice`` only)."""
START_FRACTIONS = (0.005, 0.05, 0.3)
"""Least squares starts from the scenario's values and from each point of the grid of these
fractions of the bounds (the objective has local minima)."""


@dataclass(eq=False, repr=False)
class LatencyFit(Result):
    """The result of :func:`calibrate_latency`: fitted parameters, observed and fitted
    points."""

    metric: str
    params: dict[str, float]
    rmse: float
    dates: list[str]
    observed: np.ndarray
    fitted: np.ndarray
    scenario: Scenario
    """The scenario with the fitted parameters."""

    @property
    def n_points(self) -> int:
        return len(self.dates)

    def _headline(self) -> str:
        fitted = ", ".join(f"{k} = {v:.4g}" for k, v in self.params.items())
        return f"{self.scenario.name} fitted to {self.metric}: {fitted}; RMSE {self.rmse:.3f}"

    def summary(self) -> dict[str, Any]:
        """The ``calibrate --format json`` object: metric, params, RMSE and every point."""
        return {
            "scenario": self.scenario.name,
            "metric": self.metric,
            "params": self.params,
            "rmse": self.rmse,
            "n_points": self.n_points,
            "points": [
                {"date": d, "observed": o, "fitted": f}
                for d, o, f in zip(
                    self.dates, self.observed.tolist(), self.fitted.tolist(), strict=True
                )
            ],
        }

    def _summary_rows(self) -> list[tuple[str, Any]]:
        return [*self.params.items(), ("RMSE", self.rmse), ("points", self.n_points)]

    def to_arrow(self) -> pa.Table:
        """One row per observed date: observed and fitted values."""
        return pa.table({"date": self.dates, "observed": self.observed, "fitted": self.fitted})


def observations(metric: str = LATENCY_METRIC) -> tuple[list[str], np.ndarray]:
    """Dates and values (tonnes) of an Iran timeline metric."""
    series = iran.metric_series(metric)
    return [d for d, _ in series], np.array([v for _, v in series]) * LATENCY_SCALE


def _period(scenario: Scenario, date: str, what: str) -> int:
    t = scenario.calendar.period_of(date[:7])
    if not 0 <= t < scenario.horizon:
        raise ScenarioError(
            f"{what} {date} lies outside the scenario's calendar ({scenario.calendar.start}, "
            f"{scenario.horizon} periods): the IAEA fit needs a dated scenario covering "
            "2007-2012 such as iran-2003-2013 (the TIES shares are another target: ties)"
        )
    return t


def latency_growth(model_result, dates: list[str], origin: str = LATENCY_ORIGIN) -> np.ndarray:
    """Mean simulated latency at the end of each date's period, minus that at ``origin``."""
    return _growth(model_result.records["latency"], model_result.scenario, dates, origin)


def _growth(latency: np.ndarray, sc: Scenario, dates: list[str], origin: str) -> np.ndarray:
    lat = latency.mean(axis=1)
    t0 = _period(sc, origin, "origin")
    base = lat[t0 - 1] if t0 > 0 else sc.hedging.initial
    return np.array([lat[_period(sc, d, "observation")] for d in dates]) - base


def calibrate_latency(
    scenario: Scenario,
    dates: list[str],
    observed: np.ndarray,
    *,
    free: tuple[str, ...] = FREE,
    policy: str | None = None,
    origin: str = LATENCY_ORIGIN,
    metric: str = LATENCY_METRIC,
) -> LatencyFit:
    """Fit ``free`` hedging parameters so the mean simulated latency growth matches ``observed``.

    Hedging parameters feed back into nothing but the stocks, so the game is simulated once
    and each trial value replays the stock recurrence on that play
    (:func:`~backscratch.dyad.model.replay_hedging`: the same records, bit for bit); a free
    field outside ``hedging.*`` (or an offer of price 0) re-simulates instead."""
    if scenario.hedging.mode != "rule":
        raise ScenarioError.bad(
            "hedging.mode",
            "this fit fits the behavioural rule's sensitivities, which mode choice does not "
            "use; use mode rule",
        )
    base_model = DyadModel(scenario, policy)
    table = base_model.compliance
    replay = (
        all(k.startswith("hedging.") for k in free)
        and scenario.offer.price > 0.0
        and not scenario.third_parties.update_belief  # entrants on a belief not recorded
    )
    played = base_model.run() if replay else None
    upto = max(_period(scenario, d, "observation") for d in [*dates, origin]) + 1

    def simulate(values) -> tuple[Scenario, np.ndarray]:
        sc = scenario.with_updates(**dict(zip(free, map(float, values), strict=True)))
        if played is not None:  # the periods up to the last observation suffice
            latency = replay_hedging(played, sc, periods=upto)["latency"]
            return sc, _growth(latency, sc, dates, origin)
        result = DyadModel(sc, policy, compliance=table).run()
        return sc, latency_growth(result, dates, origin)

    def residuals(values):
        return simulate(values)[1] - observed

    lo = np.array([BOUNDS[k][0] for k in free])
    hi = np.array([BOUNDS[k][1] for k in free])
    starts = [np.clip([float(get_field(scenario, k)) for k in free], lo, hi)]
    for corner in np.ndindex(*(len(START_FRACTIONS),) * len(free)):  # a grid of starts
        starts.append(lo + (hi - lo) * np.array([START_FRACTIONS[i] for i in corner]))
    sols = [
        least_squares(residuals, x0, bounds=(lo, hi), x_scale="jac", diff_step=1e-3)
        for x0 in starts
    ]
    best = min(sols, key=lambda sol: sol.cost)  # the first of equals, as the starts are listed
    fitted_sc, fitted = simulate(best.x)
    rmse = float(np.sqrt(np.mean((fitted - observed) ** 2)))
    return LatencyFit(
        metric=metric,
        params=dict(zip(free, map(float, best.x), strict=True)),
        rmse=rmse,
        dates=list(dates),
        observed=np.asarray(observed, dtype=float),
        fitted=fitted,
        scenario=fitted_sc,
    )


def calibrate(scenario: Scenario) -> LatencyFit:
    """Fit ``scenario``'s hedging parameters (:data:`FREE`) to the IAEA series
    :data:`LATENCY_METRIC` of the shipped Iran timeline."""
    dates, observed = observations()
    return calibrate_latency(scenario, dates, observed)

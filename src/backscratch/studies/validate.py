"""Backtests of a dated scenario against history (``backscratch validate``; docs/model.md,
Validation).

The scenario's ``validation`` section names an observed series (a metric of a case
timeline, or a CSV), the model stock it measures (latency or capacity, with a transform and
a scale) and ``calibrated_until``, the last month the fit may see. :func:`validate` fits the
``free`` fields on the observations up to that month only, runs the scenario's own schedule
over its whole calendar, and scores what it did not see:

- per phase, the direction (rising, flat, falling) of the simulated and the observed metric;
- level errors in and out of sample;
- a time-trend null: a straight line fitted to the same in-sample points and extrapolated,
  scored on the same out-of-sample points (a rising model path beside a rising series proves
  nothing unless it beats the trend); Spearman rank correlations of the model and of time
  with the out-of-sample observations, side by side;
- threshold timing: the first month the simulated and the observed metric reach L*.

The verdict passes only if every out-of-sample phase with data has the observed direction
and the model's out-of-sample error is below the trend's; it is ``untestable`` when neither
check has data.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from scipy.optimize import least_squares

from backscratch.core.errors import ScenarioError
from backscratch.core.results import Result
from backscratch.core.schema import get_field
from backscratch.data import timeline
from backscratch.dyad.model import DyadModel, replay_hedging
from backscratch.dyad.results import DyadResult
from backscratch.dyad.scenario import CHOICE_ONLY, RULE_ONLY, Scenario, month_index
from backscratch.studies.calibrate_iaea import BOUNDS, START_FRACTIONS

MAX_OBSERVED = 10_000
"""The most observations a series may hold."""


@dataclass(frozen=True)
class Series:
    """An observed series in model units: dates (``YYYY-MM-DD`` or ``YYYY-MM``), values, and
    where it was read."""

    metric: str
    dates: list[str]
    values: np.ndarray
    unit: str
    where: str
    origin_point: int | None = None
    """Index of the derived point of a growth series (0 at the end of the month before its
    origin, by definition), which carries no information about the fit; None without one."""


def _month(date: str) -> str:
    return date[:7]


def _read_csv(path: Path, metric: str) -> Series:
    """A timeline CSV (date, kind, ..., metric, value, unit, source) filtered to ``metric``,
    or a plain CSV with columns date and value (and optionally unit)."""
    if not path.is_file():
        raise ScenarioError.bad("observed", "no such file", f"'{path}'")
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        raise ScenarioError.bad("observed", "not a readable UTF-8 CSV", f"'{path}'") from None
    csv.field_size_limit(1 << 16)
    try:
        reader = csv.DictReader(text.splitlines())
        columns = set(reader.fieldnames or ())
        rows = list(reader)
    except csv.Error as exc:
        raise ScenarioError.bad("observed", f"malformed CSV ({exc})", f"'{path}'") from None
    if {"date", "value"} - columns:
        raise ScenarioError.bad("observed", "needs the columns date and value", f"'{path}'")
    if "metric" in columns:
        rows = [r for r in rows if r.get("metric") == metric]
    if len(rows) > MAX_OBSERVED:
        raise ScenarioError.bad("observed", f"more than {MAX_OBSERVED:,} observations", path)
    dates, values, unit = [], [], ""
    for n, r in enumerate(rows, start=2):
        if not r.get("value"):
            continue
        try:
            month_index(_month(r["date"] or ""), "date")
            value = float(r["value"])
        except ValueError:
            raise ScenarioError.bad(
                "observed", f"row {n}: date '{r['date']}' or value '{r['value']}' is malformed",
                f"'{path}'",
            ) from None  # fmt: skip
        if not np.isfinite(value):
            raise ScenarioError.bad("observed", f"row {n}: value must be finite", f"'{path}'")
        dates.append(r["date"])
        values.append(value)
        unit = r.get("unit") or unit
    if not dates:
        raise ScenarioError.bad(
            "observed", f"no values of metric '{metric}'" if "metric" in columns else "no values",
            f"'{path}'",
        )  # fmt: skip
    order = np.argsort(np.array([_month(d) for d in dates]), kind="stable")
    return Series(metric, [dates[i] for i in order], np.array(values)[order], unit, str(path))


def observed_series(
    scenario: Scenario, *, observed: str | Path | None = None, metric: str | None = None
) -> Series:
    """The observed series of ``scenario.validation`` (or of ``observed``, a CSV, and
    ``metric``), converted to model units by ``validation.scale``."""
    v = scenario.validation
    name = metric or v.metric
    if not name:
        raise ScenarioError.bad("metric", "name the observed series (validation.metric)")
    if observed is not None:
        s = _read_csv(Path(observed), name)
    elif v.data == "none":
        raise ScenarioError.bad(
            "observed", "give a CSV: the scenario names no case data (validation.data)"
        )
    else:
        try:
            pairs = timeline.metric_series(name, case=v.data)
        except ValueError as exc:
            raise ScenarioError.bad("metric", str(exc).split(": ", 1)[1], name) from None
        unit = next(
            r.unit for r in timeline.load(case=v.data) if r.kind == "metric" and r.metric == name
        )
        s = Series(name, [d for d, _ in pairs], np.array([x for _, x in pairs]), unit, v.data)
    dates, values = list(s.dates), s.values * v.scale
    derived = None
    if v.transform == "growth" and v.origin is not None:
        # a series counting from its origin is 0 at the end of the month before it, by
        # definition (the model's stocks are recorded at the end of each period)
        m = month_index(v.origin) - 1
        before = f"{m // 12:04d}-{m % 12 + 1:02d}"
        if scenario.calendar.period_of(before) >= 0 and before not in map(_month, dates):
            k = sum(_month(d) < before for d in dates)
            dates.insert(k, before)
            values = np.insert(values, k, 0.0)
            derived = k
    return Series(s.metric, dates, values, s.unit, s.where, derived)


def model_path(result: DyadResult) -> np.ndarray:
    """The mean simulated stock per period, transformed as ``validation`` says (``growth``:
    minus its value before the origin, NaN before it; ``decline``: its fall from its running
    peak), in model units."""
    sc = result.scenario
    return path_from(result.records[sc.validation.quantity].mean(axis=1), sc)


def path_from(stock: np.ndarray, sc: Scenario) -> np.ndarray:
    """:func:`model_path` from the mean stock of the first ``len(stock)`` periods (each
    transform looks back only, so a prefix gives a prefix of the path)."""
    v = sc.validation
    if v.transform == "level":
        return stock
    start = sc.hedging.initial if v.quantity == "latency" else sc.hedging.initial_capacity
    if v.transform == "decline":
        return np.maximum.accumulate(np.concatenate([[start], stock]))[1:] - stock
    assert v.origin is not None  # checked by the scenario
    t0 = sc.calendar.period_of(v.origin)
    out = stock - (stock[t0 - 1] if t0 > 0 else start)
    out[: max(t0 - 1, 0)] = np.nan  # 0 at the end of the month before the origin
    return out


PROFILE_STEPS = (-0.5, -0.25, -0.1, 0.0, 0.1, 0.25, 0.5)
"""Relative steps from each fitted value at which the objective is profiled (the other
parameters re-fitted at each); a value at 0 is profiled over the first 5% of its bounds."""


def _diagnostics(
    residuals, best, free, lo, hi, n_points, at_bound, *, refit=True
) -> dict[str, Any]:
    """Standard errors ``s² (JᵀJ)⁻¹`` from the Jacobian at the fit (``s²`` the residual
    variance; ``None`` without residual degrees of freedom or with a singular Jacobian), the
    objective (half the sum of squared residuals) profiled around each fitted value
    (:data:`PROFILE_STEPS`) with the others re-fitted, and a verdict on each: ``at a
    bound``, ``flat profile`` (moving the value by half changes the objective by less than 1%
    of its largest value plus 1e-9: the data do not pin it down), ``not identified apart`` (no more points than parameters), else
    ``identified``. ``refit=False``: the profile is a slice, the others held at the fit
    (each re-fit would re-solve the target's programme many times)."""
    p = len(free)
    jac = np.asarray(best.jac, dtype=float)
    dof = n_points - p
    se: list[float | None] = [None] * p
    if dof > 0 and np.linalg.matrix_rank(jac) == p:
        s2 = 2.0 * float(best.cost) / dof
        cov = s2 * np.linalg.inv(jac.T @ jac)
        se = [float(np.sqrt(max(v, 0.0))) for v in np.diag(cov)]
    out: dict[str, Any] = {}
    for k, name in enumerate(free):
        x0 = float(best.x[k])
        if x0 > 1e-9 * (hi[k] - lo[k]):
            values = np.clip([x0 * (1.0 + f) for f in PROFILE_STEPS], lo[k], hi[k])
        else:
            values = lo[k] + (hi[k] - lo[k]) * np.array([0.0, 0.0025, 0.005, 0.01, 0.02, 0.05])
        costs = []
        for v in values:
            if p == 1 or not refit:  # one parameter, or a slice with the others held
                x = np.array(best.x, dtype=float)
                x[k] = v
                costs.append(0.5 * float(np.sum(residuals(x) ** 2)))
                continue
            others = [j for j in range(p) if j != k]

            def partial(y, v=v, k=k, others=others):
                x = np.array(best.x, dtype=float)
                x[k] = v
                x[others] = y
                return residuals(x)

            sol = least_squares(partial, np.asarray(best.x)[others], diff_step=1e-3,
                                bounds=(lo[others], hi[others]), x_scale="jac")  # fmt: skip
            costs.append(float(sol.cost))
        spread = max(costs) - min(costs)
        if name in at_bound:
            verdict = "at a bound"
        elif spread <= 0.01 * max(costs) + 1e-9:
            verdict = "flat profile"
        elif dof <= 0:
            verdict = "not identified apart"
        else:
            verdict = "identified"
        out[name] = {"value": float(best.x[k]), "se": se[k], "identification": verdict,
                     "profile": {"values": values.tolist(), "objective": costs}}  # fmt: skip
    return out


SEARCH_GRID = {"solver.belief_grid": 51, "solver.latency_grid": 11, "solver.resolution": 1024}
"""Where the fit solves the target's programme at each trial under ``hedging.mode: choice``
(the fitted scenario is then run on its own grids): 0.67 s a trial for the Iran case, against
5.3 s on its own grids, for a path a few percent off."""

CHOICE_EVALUATIONS = 60
"""Most trials of a fit under ``hedging.mode: choice``."""


def _fit_choice(residuals, x0, lo, hi):
    """A derivative-free fit (Nelder-Mead within the bounds, at most
    :data:`CHOICE_EVALUATIONS` trials) for ``hedging.mode: choice``, where the capacity the
    target chooses makes the mean path a step function of the fitted values, so finite
    differences at a small step see nothing. Returns an object with what
    :func:`_diagnostics` reads (``x``, ``cost``, a Jacobian by central differences at 2% of
    each range)."""
    from types import SimpleNamespace

    from scipy.optimize import minimize

    def cost(x):
        return 0.5 * float(np.sum(residuals(x) ** 2))

    sol = minimize(
        cost, x0, method="Nelder-Mead", bounds=list(zip(lo, hi, strict=True)),
        options={"maxfev": CHOICE_EVALUATIONS, "xatol": 1e-3, "fatol": 1e-12},
    )  # fmt: skip
    x = np.clip(sol.x, lo, hi)
    columns = []
    for k in range(len(x)):  # central where the bounds allow, one-sided at a bound
        up, down = x.copy(), x.copy()
        up[k] = min(x[k] + 0.02 * (hi[k] - lo[k]), hi[k])
        down[k] = max(x[k] - 0.02 * (hi[k] - lo[k]), lo[k])
        columns.append((residuals(up) - residuals(down)) / (up[k] - down[k]))
    return SimpleNamespace(x=x, cost=cost(x), jac=np.column_stack(columns))


def _direction(change: float, span: float, tolerance: float) -> str:
    if not np.isfinite(change):
        return "no data"
    if abs(change) <= tolerance * span:
        return "flat"
    return "rising" if change > 0 else "falling"


@dataclass(eq=False, repr=False)
class Backtest(Result):
    """The result of :func:`validate`: the fit on the in-sample observations, the model path,
    the scores out of sample and the verdict."""

    scenario: Scenario
    """The scenario with the fitted fields."""
    series: Series
    calibrated_until: str
    params: dict[str, float]
    fit_note: str
    diagnostics: dict[str, Any]
    """Per fitted parameter: ``se`` (standard error from the Jacobian at the fit, ``None``
    with no residual degrees of freedom), ``identification`` and the objective ``profile``
    (:func:`_diagnostics`)."""
    path: np.ndarray
    fitted: np.ndarray
    """The model path at each observation's period."""
    trend: np.ndarray
    """The time-trend null at each observation (NaN where it has no fit)."""
    in_sample: np.ndarray
    phases: list[dict[str, Any]] = field(default_factory=list)
    scores: dict[str, Any] = field(default_factory=dict)
    threshold: dict[str, Any] = field(default_factory=dict)
    verdict: str = "untestable"
    reasons: list[str] = field(default_factory=list)

    def _headline(self) -> str:
        return (
            f"{self.scenario.name} against {self.series.metric} after {self.calibrated_until}: "
            f"{self.verdict}"
        )

    def summary(self) -> dict[str, Any]:
        """The ``validate --format json`` object."""
        return {
            "scenario": self.scenario.name,
            "metric": self.series.metric,
            "unit": self.series.unit,
            "observed_from": self.series.where,
            "calibrated_until": self.calibrated_until,
            "fit": {
                "params": self.params,
                "note": self.fit_note,
                "diagnostics": self.diagnostics,
            },
            "points": [
                {
                    "date": d,
                    "in_sample": bool(i),
                    "observed": float(o),
                    "model": _num(m),
                    "trend": _num(t),
                }
                for d, i, o, m, t in zip(
                    self.series.dates,
                    self.in_sample,
                    self.series.values,
                    self.fitted,
                    self.trend,
                    strict=True,
                )
            ],
            "phases": self.phases,
            "scores": self.scores,
            "threshold": self.threshold,
            "verdict": self.verdict,
            "reasons": self.reasons,
        }

    def _summary_rows(self) -> list[tuple[str, Any]]:
        return [*self.params.items(), *self.scores.items(), ("verdict", self.verdict)]

    def to_arrow(self) -> pa.Table:
        """One row per observation: date, in-sample flag, observed, model and trend."""
        return pa.table(
            {
                "date": self.series.dates,
                "in_sample": self.in_sample,
                "observed": self.series.values,
                "model": self.fitted,
                "trend": self.trend,
            }
        )


def _num(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def _rmse(a: np.ndarray, b: np.ndarray) -> float | None:
    ok = np.isfinite(a) & np.isfinite(b)
    return float(np.sqrt(np.mean((a[ok] - b[ok]) ** 2))) if ok.any() else None


def _ranks(a: np.ndarray) -> np.ndarray:
    """Ranks from 1, ties given their average rank (``scipy.stats.rankdata``'s default)."""
    _, inverse, counts = np.unique(a, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    return ((ends - (counts - 1) / 2.0)[inverse]).astype(float)


def _spearman(a: np.ndarray, b: np.ndarray) -> float | None:
    """Spearman's rank correlation: the Pearson correlation of the average ranks (here,
    not by ``scipy.stats``, whose import alone costs a quarter of a second)."""
    if len(a) < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return None
    ra, rb = _ranks(np.asarray(a, float)), _ranks(np.asarray(b, float))
    ra, rb = ra - ra.mean(), rb - rb.mean()
    return float((ra @ rb) / np.sqrt((ra @ ra) * (rb @ rb)))


def validate(
    scenario: Scenario, *, observed: str | Path | None = None, metric: str | None = None
) -> Backtest:
    """Fit ``scenario.validation.free`` on the observations up to
    ``validation.calibrated_until``, run the scenario's schedule, and score the rest (see
    the module docstring). ``observed``/``metric``: a CSV and series name instead of the
    scenario's case data."""
    v = scenario.validation
    if v.calibrated_until is None:
        raise ScenarioError.bad(
            "validation.calibrated_until", "set the last month of the fit to validate"
        )
    series = observed_series(scenario, observed=observed, metric=metric)
    cal = scenario.calendar
    months = [_month(d) for d in series.dates]
    periods = np.array([cal.period_of(m) for m in months])
    for d, t in zip(series.dates, periods, strict=True):
        if not 0 <= t < scenario.horizon:
            raise ScenarioError.bad(
                "observed",
                f"date {d} lies outside the scenario's calendar ({cal.start}, "
                f"{scenario.horizon} periods)",
            )
    cut = month_index(v.calibrated_until)
    in_sample = np.array([month_index(m) <= cut for m in months])
    fit_t, fit_y = list(periods[in_sample]), list(series.values[in_sample])
    for name in v.free:
        if name not in BOUNDS:
            raise ScenarioError.bad(
                "validation.free", f"no search bounds (fittable: {', '.join(BOUNDS)})", name
            )
    choice = scenario.hedging.mode == "choice"
    unused = RULE_ONLY if choice else CHOICE_ONLY
    for name in v.free:
        if name.removeprefix("hedging.") in unused:
            raise ScenarioError.bad(
                "validation.free", f"{name} is not read with hedging.mode: {scenario.hedging.mode}"
            )
    free = list(v.free)
    # a fit of the target's choice simulates every trial itself, and so does one whose
    # entrants come on a belief the records do not hold (replay_hedging cannot replay it)
    resimulate = choice or scenario.third_parties.update_belief
    fitting = bool(free and (resimulate or scenario.offer.price > 0.0) and fit_t)
    # the play the rule's fit replays, or the path when nothing is fitted
    played = None if resimulate and fitting else DyadModel(scenario).run()
    # under the rule the fitted hedging fields leave the target's programme as it is
    table = DyadModel(scenario).compliance if fitting and resimulate and not choice else None
    if fitting:
        search = scenario.with_updates(**SEARCH_GRID) if choice else scenario

        def path_of(values, periods: int | None = None, at=search) -> tuple[Scenario, np.ndarray]:
            sc = at.with_updates(**dict(zip(free, map(float, values), strict=True)))
            if resimulate:  # a choice moves with the fitted fields: re-solve it
                return sc, model_path(DyadModel(sc, compliance=table).run())
            assert played is not None
            stock = replay_hedging(played, sc, periods=periods)[v.quantity]
            return sc, path_from(stock.mean(axis=1), sc)

        t_idx, y = np.array(fit_t), np.array(fit_y)
        lo = np.array([BOUNDS[k][0] for k in free])
        hi = np.array([BOUNDS[k][1] for k in free])
        starts = [np.clip([float(get_field(scenario, k)) for k in free], lo, hi)]
        for corner in np.ndindex(*(len(START_FRACTIONS),) * len(free)):
            starts.append(lo + (hi - lo) * np.array([START_FRACTIONS[i] for i in corner]))

        # the fit needs the path up to its last point (and the origin): no further
        origin = [scenario.calendar.period_of(v.origin)] if v.origin is not None else []
        upto = max([*fit_t, *origin]) + 1

        def residuals(values):
            p = path_of(values, upto)[1][t_idx]
            return np.where(np.isfinite(p), p, 0.0) - y

        if choice:
            best = _fit_choice(residuals, starts[0], lo, hi)
            fitted_sc, path = path_of(best.x, at=scenario)  # reported at the scenario's grids
        else:
            sols = [
                least_squares(residuals, x0, bounds=(lo, hi), x_scale="jac", diff_step=1e-3)
                for x0 in starts
            ]
            best = min(sols, key=lambda sol: sol.cost)
            fitted_sc, path = path_of(best.x)
        params = dict(zip(free, map(float, best.x), strict=True))
        at_bound = [k for k, x, a, b in zip(free, best.x, lo, hi, strict=True)
                    if np.isclose(x, a) or np.isclose(x, b)]  # fmt: skip
        origin_in = series.origin_point is not None and bool(in_sample[series.origin_point])
        n_fit = len(fit_t) - int(origin_in)
        note = f"least squares on {n_fit} in-sample points"
        if origin_in:
            note += " (and the series' origin, 0 by definition)"
        if n_fit <= len(free):
            note += f" for {len(free)} parameters: not identified apart"
        if at_bound:
            note += "; at a search bound: " + ", ".join(at_bound)
        if choice:
            note += (
                "; hedging as the target's choice: Nelder-Mead from the scenario's values, "
                "its programme solved on the search grid at each trial"
            )
        diagnostics = _diagnostics(residuals, best, free, lo, hi, n_fit, at_bound, refit=not choice)
    else:
        assert played is not None
        fitted_sc, path, params = scenario, model_path(played), {}
        note = (
            "no fit: no observation up to calibrated_until; the scenario as written"
            if free and not fit_t
            else "no fit: the scenario as written"
        )
    if not fitting:
        diagnostics = {}
    fitted = path[periods]
    # the time-trend null: a line through the fit's points, extrapolated
    trend = np.full(len(periods), np.nan)
    if len(set(fit_t)) >= 2:
        slope, icpt = np.polyfit(np.array(fit_t, float), np.array(fit_y, float), 1)
        trend = icpt + slope * periods
    out = ~in_sample
    span = float(np.ptp(series.values)) if len(series.values) > 1 else abs(series.values[0])
    phases = _phases(fitted_sc, series, path, span, cut)
    scores = {
        "rmse_in_sample": _rmse(fitted[in_sample], series.values[in_sample]),
        "rmse_out_of_sample": _rmse(fitted[out], series.values[out]),
        "rmse_trend_out_of_sample": _rmse(trend[out], series.values[out]),
        "spearman_model": _spearman(fitted[out], series.values[out]),
        "spearman_trend": _spearman(periods[out].astype(float), series.values[out]),
        "n_in_sample": int(in_sample.sum()),
        "n_out_of_sample": int(out.sum()),
    }
    threshold = _threshold(fitted_sc, series, path)
    verdict, reasons = _verdict(phases, scores, threshold, cut, v.timing_tolerance)
    return Backtest(
        scenario=fitted_sc, series=series, calibrated_until=v.calibrated_until, params=params,
        fit_note=note, diagnostics=diagnostics, path=path, fitted=fitted, trend=trend, in_sample=in_sample,
        phases=phases, scores=scores, threshold=threshold, verdict=verdict, reasons=reasons,
    )  # fmt: skip


def calibrate_series(
    scenario: Scenario, *, observed: str | Path | None = None, metric: str | None = None
) -> Backtest:
    """The fit of :func:`validate` as a calibration (``backscratch calibrate --to series``):
    ``validation.free`` fitted to the observed series (any metric, in the units
    ``validation.scale`` converts) up to ``validation.calibrated_until`` — every observation
    where that is not set — by least squares from several starts, with standard errors and
    the identification diagnostics of each parameter; the scenario with the fitted values is
    the result's ``scenario``. Whatever lies after ``calibrated_until`` is scored as
    :func:`validate` does."""
    v = scenario.validation
    if not v.free:
        raise ScenarioError.bad(
            "validation.free", f"name the fields to fit (fittable: {', '.join(BOUNDS)})"
        )
    if scenario.offer.price <= 0.0 and scenario.hedging.mode == "rule":
        raise ScenarioError.bad("offer.price", "the fit replays hedging, which needs a price > 0")
    if v.calibrated_until is None:
        series = observed_series(scenario, observed=observed, metric=metric)
        last = max(_month(d) for d in series.dates)
        scenario = scenario.with_updates(**{"validation.calibrated_until": last})
    return validate(scenario, observed=observed, metric=metric)


def _phases(sc: Scenario, series: Series, path: np.ndarray, span: float, cut: int) -> list:
    """Per phase: the observed direction (the last observation before it to the last in it,
    or the first and last in it) and the simulated one over the same months."""
    v, cal = sc.validation, sc.calendar
    months = np.array([month_index(_month(d)) for d in series.dates])
    out = []
    for ph in v.phases:
        a, b = month_index(ph.start), month_index(ph.end)
        inside = np.flatnonzero((months >= a) & (months <= b))
        before = np.flatnonzero(months < a)
        idx = ([before[-1]] if len(before) else []) + list(inside)
        if len(idx) >= 2:
            first, last = idx[0], idx[-1]
            obs = float(series.values[last] - series.values[first])
            m0, m1 = _month(series.dates[first]), _month(series.dates[last])
        else:
            obs, m0, m1 = float("nan"), ph.start, ph.end
        t0 = min(max(cal.period_of(m0), 0), sc.horizon - 1)
        t1 = min(max(cal.period_of(m1), 0), sc.horizon - 1)
        sim = float(path[t1] - path[t0]) if t1 > t0 else float("nan")
        observed_dir = _direction(obs, span, v.flat_tolerance)
        simulated_dir = _direction(sim, span, v.flat_tolerance)
        out.append(
            {
                "phase": ph.name,
                "start": ph.start,
                "end": ph.end,
                "out_of_sample": a > cut,
                "observed": observed_dir,
                "simulated": simulated_dir,
                "observed_change": _num(obs),
                "simulated_change": _num(sim),
                "agree": None if observed_dir == "no data" else observed_dir == simulated_dir,
            }
        )
    return out


def _threshold(sc: Scenario, series: Series, path: np.ndarray) -> dict[str, Any]:
    """The first month the mean model path and the observed series reach ``hedging.threshold``
    (latency measured as a level or growth only; ``None`` if never)."""
    v = sc.validation
    if v.quantity != "latency" or v.transform == "decline":
        return {}
    level = sc.hedging.threshold
    dates = sc.calendar.dates(sc.horizon)
    hit = np.flatnonzero(np.nan_to_num(path, nan=-np.inf) >= level)
    obs_hit = np.flatnonzero(series.values >= level)
    model = dates[hit[0]] if len(hit) else None
    observed = _month(series.dates[obs_hit[0]]) if len(obs_hit) else None
    gap = None
    if model is not None and observed is not None:
        gap = month_index(model) - month_index(observed)
    return {"level": level, "model": model, "observed_first_at_or_above": observed,
            "months_model_minus_observed": gap}  # fmt: skip


def _verdict(
    phases: list[dict], scores: dict, threshold: dict, cut: int, tolerance: int
) -> tuple[str, list[str]]:
    reasons, checks = [], 0
    model_at, observed_at = threshold.get("model"), threshold.get("observed_first_at_or_above")
    if any(d is not None and month_index(d) > cut for d in (model_at, observed_at)):
        checks += 1  # a crossing after the fit, by the model or in the record
        gap = threshold["months_model_minus_observed"]
        if gap is None or abs(gap) > tolerance:
            reasons.append(
                f"threshold {threshold['level']:g}: model reaches it "
                f"{model_at or 'never'}, observed {observed_at or 'never'} (tolerance "
                f"{tolerance} months)"
            )
    for ph in phases:
        if ph["out_of_sample"] and ph["agree"] is not None:
            checks += 1
            if not ph["agree"]:
                reasons.append(
                    f"phase {ph['phase']}: observed {ph['observed']}, simulated {ph['simulated']}"
                )
    model, trend = scores["rmse_out_of_sample"], scores["rmse_trend_out_of_sample"]
    if model is not None and trend is not None:
        checks += 1
        if not model < trend:
            reasons.append(
                f"out-of-sample error {model:.3g} is not below the time trend's {trend:.3g}"
            )
    if checks == 0:
        return "untestable", ["no out-of-sample phase with data, no trend to beat, no crossing"]
    return ("pass" if not reasons else "fail"), reasons


def write(backtest: Backtest, out: str | Path) -> list[Path]:
    """``validation.json`` (the summary), ``points.parquet`` and ``validation.png`` under
    ``out``."""
    from backscratch.core import store
    from backscratch.report import figures

    out = Path(out)
    files = [
        store.write_json(backtest.summary(), out / "validation.json"),
        store.write_parquet(backtest.to_arrow(), out / "points.parquet"),
        store.write_bytes(figures.png(figures.backtest(backtest)), out / "validation.png"),
    ]
    return files

"""Calibration of the coercion dyad to the TIES sanctions data (V7), by simulated method of moments.

**A simulated case.** A TIES case is one dispute: a sender threatens; the target acquiesces
at the threat stage, or resists; the sender then imposes sanctions or capitulates; under
sanctions the target may acquiesce later. A run of the dyad is read the same way: the case
is the run up to its first *end event* — the target complies (acquiescence: at the threat
stage if in period 0, after imposition if later, every earlier period having ended in
resistance and a punishment carried out) or the demander backs down after a resisted threat
(sender capitulation) — or the horizon (stalemate). Threats are the ``blackmail`` policy;
threats with carrots are ``mixed`` (threat and offer together).

**Moments** (from :func:`backscratch.data.ties.describe`): among threat-first coded cases,
acquiescence at the threat stage (25.0%, n = 807) and at any stage (39.2%); among coded
cases with carrots at the threat stage, acquiescence at any stage (51.9%, n = 27).

**Free parameters**: the prior that the target is pliable (``target.prior_pliable``), the
credibility of the threat (``threat.credibility``) and the size of the offer relative to the
target's cost of complying (``offer.price / target.cost``). Three moments, three parameters:
exactly identified. Every other parameter stays at the scenario's value.

**Estimation**: weighted least squares of simulated minus observed moments, weights the
inverse bootstrap standard errors of the data moments, with common random numbers (one
seed) across evaluations (``scipy.optimize.least_squares`` from several starts). **Standard
errors**: the covariance of the data moments is estimated by bootstrap over TIES cases
(resampling cases with replacement) and propagated to the parameters by the delta method
through the Jacobian of the simulated moments, adding the simulation noise of the moments
(binomial, from the number of runs): V = G^-1 (S_data + S_sim) G^-T. With ``refits = B``
the standard errors are instead the spread of B re-fits on resampled cases (about 4 s each
at 10,000 runs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from scipy.optimize import least_squares

from backscratch.core.errors import ScenarioError
from backscratch.core.results import Result
from backscratch.data import ties
from backscratch.dyad.model import DyadModel
from backscratch.dyad.results import COMPLIED
from backscratch.dyad.scenario import Scenario

MOMENTS = ("threat_stage", "any_stage_threat", "any_stage_carrots")
"""Names of the three moments, in order."""
LABELS = {
    "threat_stage": "acquiescence at the threat stage (threats)",
    "any_stage_threat": "acquiescence at any stage (threats)",
    "any_stage_carrots": "acquiescence at any stage (threats with carrots)",
}
FREE = ("target.prior_pliable", "threat.credibility", "offer_to_cost")
"""Free parameters; ``offer_to_cost`` sets ``offer.price = offer_to_cost * target.cost``."""
BOUNDS = np.array([(0.01, 0.99), (0.0, 1.0), (0.0, 6.0)])
STARTS = ((0.5, 0.6, 2.0), (0.25, 0.8, 1.0), (0.75, 0.3, 3.5), (0.9, 0.5, 0.5))
"""Starting points of the fit. The moments are not monotone in the prior (a learning
demander asks more of a target believed pliable), so distant starts can reach distinct
solutions; all are run and every distinct one that fits is reported."""
STEP = np.array([0.02, 0.02, 0.1])
"""Finite-difference steps for the Jacobian (large enough to average over the tiny steps
that common random numbers leave in simulated shares)."""


def data_moments(cases: list[ties.Case], bootstrap: int = 2000, seed: int = 0):
    """Observed moments, their counts, and their bootstrap covariance over cases."""
    coded = [c for c in cases if c.coded]
    first = np.array([c.threat for c in coded])
    carrots = np.array([c.carrots_threat for c in coded])
    stage = np.array([c.outcome in ties.ACQUIESCE_THREAT for c in coded])
    anyst = np.array([c.outcome in ties.ACQUIESCE_ANY for c in coded])

    def moments(idx):
        f, k = first[idx], carrots[idx]
        return np.array(
            [stage[idx][f].mean(), anyst[idx][f].mean(), anyst[idx][k].mean()], dtype=float
        )

    observed = moments(np.arange(len(coded)))
    counts = np.array([first.sum(), first.sum(), carrots.sum()])
    if bootstrap < 2:
        return observed, counts, None
    rng = np.random.default_rng(seed)
    draws = np.array([moments(rng.integers(0, len(coded), len(coded))) for _ in range(bootstrap)])
    return observed, counts, np.cov(draws, rowvar=False)


def case_outcomes(result) -> dict[str, np.ndarray]:
    """Per run: acquiescence at the threat stage and at any stage, read as a TIES case."""
    r = result.records
    complied = r["response"] == COMPLIED
    ended = complied | r["backed_down"]
    horizon = complied.shape[0]
    first = np.where(ended.any(axis=0), ended.argmax(axis=0), horizon)
    runs = np.arange(complied.shape[1])
    at_end = complied[np.minimum(first, horizon - 1), runs] & (first < horizon)
    return {"threat_stage": complied[0], "any_stage": at_end}


def with_params(scenario: Scenario, theta) -> Scenario:
    """The scenario with the three free parameters set."""
    prior, credibility, ratio = (float(v) for v in theta)
    return scenario.with_updates(
        **{
            "target.prior_pliable": prior,
            "threat.credibility": credibility,
            "offer.price": ratio * scenario.target.cost,
        }
    )


def simulated_moments(scenario: Scenario, theta) -> np.ndarray:
    """The three moments simulated at ``theta`` (the scenario's runs and seed)."""
    sc = with_params(scenario, theta)
    threat = case_outcomes(DyadModel(sc, "blackmail").run())
    carrots = case_outcomes(DyadModel(sc, "mixed").run())
    return np.array(
        [threat["threat_stage"].mean(), threat["any_stage"].mean(), carrots["any_stage"].mean()]
    )


@dataclass(eq=False, repr=False)
class TiesFit(Result):
    """The result of :func:`calibrate_to_ties` (or of :func:`evaluate`)."""

    params: dict[str, float]
    se: dict[str, float]
    observed: np.ndarray
    observed_ci: np.ndarray
    """Wilson 95% intervals of the observed shares (rows: moments)."""
    counts: np.ndarray
    simulated: np.ndarray
    simulated_ci: np.ndarray
    """95% simulation intervals of the simulated shares (binomial, runs)."""
    scenario: Scenario
    """The scenario with the fitted parameters."""
    se_method: str = ""
    """How ``se`` was computed."""
    alternatives: list = field(default_factory=list)
    """Other, distinct local optima whose simulated moments also lie within 1.96 bootstrap
    standard errors of every observed one: the data do not tell them apart."""

    @property
    def labels(self) -> list[str]:
        """What each moment measures, in the order of :data:`MOMENTS`."""
        return [LABELS[m] for m in MOMENTS]

    @property
    def errors(self) -> np.ndarray:
        return self.simulated - self.observed

    @property
    def within_ci(self) -> np.ndarray:
        lo, hi = self.observed_ci[:, 0], self.observed_ci[:, 1]
        return (self.simulated >= lo) & (self.simulated <= hi)

    def describe(self, base: str) -> str:
        """One line: what was fitted, to what, and how well (a scenario description)."""
        p, se = self.params, self.se
        within = int(self.within_ci.sum())
        return (
            f"{base} fitted to TIES v4.1 shares by SMM: prior_pliable "
            f"{p['target.prior_pliable']:.3f} (se {se['target.prior_pliable']:.3f}), credibility "
            f"{p['threat.credibility']:.3f} (se {se['threat.credibility']:.3f}), offer "
            f"{p['offer_to_cost']:.2f}x cost (se {se['offer_to_cost']:.2f}); {within}/3 shares in CI."
        )

    def _headline(self) -> str:
        fitted = ", ".join(f"{k} = {v:.3f}" for k, v in self.params.items())
        return f"{self.scenario.name} fitted to TIES v4.1: {fitted}; {self.within_ci.sum()}/3 in CI"

    def _summary_rows(self) -> list[tuple[str, Any]]:
        rows: list[tuple[str, Any]] = [
            (f"{k} (se {self.se[k]:.3f})", v) for k, v in self.params.items()
        ]
        return rows + [
            (f"{lab}: observed {o:.3f}", m)
            for lab, o, m in zip(self.labels, self.observed, self.simulated, strict=True)
        ]

    def to_arrow(self) -> pa.Table:
        """One row per moment: observed share and its Wilson CI, count, simulated share."""
        return pa.table(
            {
                "moment": list(MOMENTS),
                "label": self.labels,
                "n": self.counts.astype(np.int64),
                "observed": self.observed,
                "observed_ci95_low": self.observed_ci[:, 0],
                "observed_ci95_high": self.observed_ci[:, 1],
                "simulated": self.simulated,
                "within_ci": self.within_ci,
            }
        )

    def summary(self) -> dict[str, Any]:
        """Parameters, standard errors, every moment observed and simulated, alternatives."""
        return {
            "params": self.params,
            "se": self.se,
            "moments": {
                m: {
                    "label": LABELS[m],
                    "observed": float(self.observed[i]),
                    "observed_ci95": self.observed_ci[i].tolist(),
                    "n": int(self.counts[i]),
                    "simulated": float(self.simulated[i]),
                    "simulated_ci95": self.simulated_ci[i].tolist(),
                    "error": float(self.errors[i]),
                    "within_ci": bool(self.within_ci[i]),
                }
                for i, m in enumerate(MOMENTS)
            },
            "se_method": self.se_method,
            "alternatives": self.alternatives,
            "runs": self.scenario.runs,
            "seed": self.scenario.seed,
        }


def fit_moments(
    scenario: Scenario, observed: np.ndarray, sd: np.ndarray, starts=STARTS
) -> np.ndarray:
    """Parameters minimising the weighted squared distance of simulated to ``observed``."""
    return solutions(scenario, observed, sd, starts)[0][0]


def solutions(
    scenario: Scenario, observed: np.ndarray, sd: np.ndarray, starts=STARTS, progress=None
) -> list[tuple[np.ndarray, float]]:
    """Local optima ``(theta, cost)`` from every start, best first, distinct ones only
    (cost: half the sum of squared standardised moment errors); ``progress(k)`` after the
    ``k``-th start."""

    def residuals(theta):
        return (simulated_moments(scenario, theta) - observed) / sd

    found: list[tuple[np.ndarray, float]] = []
    scale = BOUNDS[:, 1] - BOUNDS[:, 0]
    for k, x0 in enumerate(starts, 1):
        sol = least_squares(
            residuals,
            np.array(x0),
            bounds=(BOUNDS[:, 0], BOUNDS[:, 1]),
            diff_step=STEP / scale,
            x_scale=scale,
            xtol=1e-4,
            ftol=1e-6,
        )
        if all(np.abs((sol.x - x) / scale).max() > 0.05 for x, _ in found):
            found.append((sol.x, float(sol.cost)))
        if progress:
            progress(k)
    return sorted(found, key=lambda f: f[1])


def jacobian(scenario: Scenario, theta: np.ndarray) -> np.ndarray:
    """Central-difference Jacobian of the simulated moments (rows) in the parameters."""
    cols = []
    for j in range(len(theta)):
        h = STEP[j]
        up, down = theta.copy(), theta.copy()
        up[j] = min(theta[j] + h, BOUNDS[j, 1])
        down[j] = max(theta[j] - h, BOUNDS[j, 0])
        diff = simulated_moments(scenario, up) - simulated_moments(scenario, down)
        cols.append(diff / (up[j] - down[j]))
    return np.column_stack(cols)


MAX_REFITS = 1000
"""The most bootstrap re-fits one calibration runs (each takes seconds)."""


def check_refits(refits: int, name: str = "bootstrap") -> None:
    """A one-line error about ``name`` unless ``refits`` is 0 (delta method) or a count of
    re-fits up to :data:`MAX_REFITS`."""
    if isinstance(refits, bool) or not isinstance(refits, int) or refits < 0:
        raise ScenarioError.bad(name, "must be 0 (delta method) or a count", refits)
    if refits > MAX_REFITS:
        raise ScenarioError.bad(name, f"more than the limit of {MAX_REFITS:,} re-fits", refits)


def calibrate_to_ties(
    scenario: Scenario,
    *,
    data: str | Path | None = None,
    cases: list[ties.Case] | None = None,
    bootstrap: int = 2000,
    refits: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> TiesFit:
    """Fit the dyad's type prior, threat credibility and offer size to the TIES moments of
    ``cases`` (default: those of the TIES CSV ``data``, default the shipped copy).

    Standard errors: by the delta method (default), or with ``refits > 0`` the standard
    deviation of the estimates re-fitted on that many bootstrap samples of the cases (each
    started from the point estimate). ``progress(done, total)`` is called after each start
    of the fit (:data:`STARTS`) and each re-fit (or the delta method's one step)."""
    check_refits(refits)
    cases = ties.load(data) if cases is None else cases
    observed, counts, cov = data_moments(cases, bootstrap, seed=scenario.seed)
    sd = np.sqrt(np.diag(cov))
    total = len(STARTS) + (refits if refits > 0 else 1)
    if progress:
        progress(0, total)  # the starting state, as a sweep reports it
    found = solutions(
        scenario, observed, sd, progress=(lambda k: progress(k, total)) if progress else None
    )
    theta = found[0][0]
    simulated = simulated_moments(scenario, theta)
    alternatives = []
    for x, _cost in found[1:]:
        m = simulated_moments(scenario, x)
        if np.all(np.abs(m - observed) <= 1.96 * sd):  # also fits within the data's CIs
            alternatives.append(
                {
                    "params": dict(zip(FREE, map(float, x), strict=True)),
                    "simulated": dict(zip(MOMENTS, map(float, m), strict=True)),
                }
            )
    if refits > 0:
        after = (lambda d, _t: progress(len(STARTS) + d, total)) if progress else None
        se = bootstrap_refits(scenario, cases, theta, sd, refits, after).std(axis=0, ddof=1)
        method = f"bootstrap: sd of {refits} re-fits on resampled cases"
    else:
        se = delta_se(scenario, theta, cov, simulated)
        method = "delta method: bootstrap covariance of the data moments and simulation noise"
        if progress:
            progress(total, total)
    fit = _result(scenario, theta, se, observed, counts, simulated)
    fit.se_method = method
    fit.alternatives = alternatives
    return fit


def delta_se(scenario: Scenario, theta, cov: np.ndarray, simulated: np.ndarray) -> np.ndarray:
    """Standard errors V = G^-1 (S_data + S_sim) G^-T, G the Jacobian of the simulated moments."""
    sim_var = simulated * (1 - simulated) / scenario.runs
    try:
        ginv = np.linalg.inv(jacobian(scenario, theta))
    except np.linalg.LinAlgError:  # a parameter at a flat spot: not identified there
        return np.full(len(theta), np.nan)
    v = ginv @ (cov + np.diag(sim_var)) @ ginv.T
    return np.sqrt(np.clip(np.diag(v), 0.0, None))


def bootstrap_refits(
    scenario: Scenario, cases: list[ties.Case], theta, sd, refits: int, progress=None
) -> np.ndarray:
    """Estimates re-fitted on ``refits`` samples of the cases drawn with replacement (seeded by
    the scenario's seed), each started from ``theta``; rows: samples."""
    rng = np.random.default_rng([scenario.seed, 1])
    out = []
    if progress:
        progress(0, refits)  # the starting state, as a sweep reports it
    for b in range(refits):
        sample = [cases[i] for i in rng.integers(0, len(cases), len(cases))]
        observed, _, _ = data_moments(sample, bootstrap=0)
        out.append(fit_moments(scenario, observed, sd, starts=(tuple(theta),)))
        if progress:
            progress(b + 1, refits)
    return np.array(out)


def params_of(scenario: Scenario) -> np.ndarray:
    """The three free parameters' values in a scenario."""
    t = scenario.target
    return np.array([t.prior_pliable, scenario.threat.credibility, scenario.offer.price / t.cost])


def evaluate(scenario: Scenario, cases: list[ties.Case] | None = None) -> TiesFit:
    """The TIES moments beside those a scenario simulates at its own parameters (no fitting;
    standard errors are NaN). The demo report shows ``ties-calibrated`` this way."""
    cases = ties.load() if cases is None else cases
    observed, counts, _ = data_moments(cases, bootstrap=0)
    theta = params_of(scenario)
    simulated = simulated_moments(scenario, theta)
    return _result(scenario, theta, np.full(3, np.nan), observed, counts, simulated)


def _result(scenario, theta, se, observed, counts, simulated) -> TiesFit:
    half = 1.96 * np.sqrt(simulated * (1 - simulated) / scenario.runs)
    return TiesFit(
        params=dict(zip(FREE, map(float, theta), strict=True)),
        se=dict(zip(FREE, map(float, se), strict=True)),
        observed=observed,
        observed_ci=np.array(
            [ties.wilson(round(o * n), int(n)) for o, n in zip(observed, counts, strict=True)]
        ),
        counts=counts,
        simulated=simulated,
        simulated_ci=np.column_stack([simulated - half, simulated + half]),
        scenario=with_params(scenario, theta),
    )

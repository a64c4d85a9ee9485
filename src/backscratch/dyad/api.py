"""The verbs: ``run`` and ``compare`` (later: ``sweep``, ``solve``, ``tournament``).

Experiments compose models and the store; the CLI only calls these functions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from backscratch import __version__
from backscratch.core import store
from backscratch.dyad.model import DyadModel, DyadResult
from backscratch.dyad.policies import POLICIES
from backscratch.dyad.scenario import Scenario, ScenarioError, dump_yaml

COMPARE_METRICS = (
    "cooperation_rate",
    "demand_growth_after_compliance",
    "demand_growth_after_resistance",
    "punishments_per_period",
    "demander_payoff",
    "target_payoff",
)
"""The metrics of the ``compare --format json`` contract, in order."""


def run(scenario: Scenario, policy: str | None = None) -> DyadResult:
    """Simulate every run of ``scenario`` under ``policy`` (default: the scenario's own)."""
    return DyadModel(scenario, policy).run()


def check_policies(policies: list[str], scenario: Scenario | None = None) -> list[str]:
    """Validate policy (or counterfactual) names, raising a one-line :class:`ScenarioError`."""
    if not policies:
        raise ScenarioError("--policies: give at least one policy")
    known = [*POLICIES, *(scenario.counterfactuals if scenario else {})]
    for name in policies:
        if name not in known:
            raise ScenarioError(f"--policies: unknown policy '{name}' (known: {', '.join(known)})")
    return list(dict.fromkeys(policies))


def compare(scenario: Scenario, policies: list[str], keep: bool = False) -> dict:
    """Run each policy on the same seeds (common random numbers) and summarise each.

    ``policies`` may name counterfactual schedules of the scenario too. Returns
    ``{"scenario", "runs", "seed", "policies": {name: summary}}``; each summary holds
    :data:`COMPARE_METRICS` first, then further diagnostics. With ``keep``, the full results
    are returned under ``"results"`` as well.
    """
    policies = check_policies(policies, scenario)
    results = {p: run(scenario, p) for p in policies}
    out = {
        "scenario": scenario.name,
        "runs": scenario.runs,
        "seed": scenario.seed,
        "policies": {p: r.summary() for p, r in results.items()},
    }
    if keep:
        out["results"] = results
    return out


def hawk_threshold(results: dict[str, DyadResult], etas=None) -> dict:
    """Domestic lock-in (P5): the leader's preferred policy as the hawk bias eta rises.

    The leader's payoff under policy p is linear in eta: ``A_p + eta * B_p`` with ``A_p``
    the national payoff minus audience costs and ``B_p`` the toughness term (MODEL.md §5);
    the target's behaviour does not depend on eta, so the same runs serve every eta.
    Returns ``{"eta_star", "preferred_at_zero", "sweep": [{"eta", "preferred",
    "cooperation_rate"}, ...]}``, where ``eta_star`` is the smallest eta >= 0 at which
    blackmail is preferred (``None`` if blackmail is not compared or never preferred).
    """
    lines = {p: (r.leader_payoff(0.0), float(r.toughness().mean())) for p, r in results.items()}

    def preferred(eta: float) -> str:
        return max(lines, key=lambda p: lines[p][0] + eta * lines[p][1])

    eta_star = None
    if "blackmail" in lines:
        a_b, b_b = lines["blackmail"]
        lo, hi = 0.0, float("inf")
        for p, (a, b) in lines.items():
            if p == "blackmail":
                continue
            if b_b > b:
                lo = max(lo, (a - a_b) / (b_b - b))
            elif b_b < b:
                hi = min(hi, (a_b - a) / (b - b_b))
            elif a_b < a:
                hi = -1.0
        eta_star = lo if lo <= hi else None
    if etas is None:
        top = 2.0 * eta_star if eta_star else 2.0
        etas = np.linspace(0.0, max(top, 1.0), 11)
    coop = {p: r.summary()["cooperation_rate"] for p, r in results.items()}
    sweep = []
    for eta in etas:
        best = preferred(float(eta))
        sweep.append({"eta": float(eta), "preferred": best, "cooperation_rate": coop[best]})
    return {"eta_star": eta_star, "preferred_at_zero": preferred(0.0), "sweep": sweep}


def write_run(result: DyadResult, out: str | Path) -> dict[str, Path]:
    """Write a run's per-period records, resolved scenario and summary under ``out``.

    Files: ``periods.parquet`` (one row per run and period, see
    :data:`backscratch.models.dyad.COLUMNS`), ``scenario.yaml`` (the scenario exactly as
    run, overrides applied) and ``summary.json``.
    """
    out = Path(out)
    summary = {
        "scenario": result.scenario.name,
        "policy": result.policy,
        "runs": result.scenario.runs,
        "seed": result.scenario.seed,
        "version": __version__,
        "summary": result.summary(),
    }
    return {
        "periods": store.write_parquet(result.to_table(), out / "periods.parquet"),
        "scenario": store.write_text(dump_yaml(result.scenario), out / "scenario.yaml"),
        "summary": store.write_json(summary, out / "summary.json"),
    }

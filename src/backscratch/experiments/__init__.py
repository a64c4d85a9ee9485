"""The verbs: ``run`` and ``compare`` (later: ``sweep``, ``solve``, ``tournament``).

Experiments compose models and the store; the CLI only calls these functions.
"""

from __future__ import annotations

from pathlib import Path

from backscratch import __version__, store
from backscratch.models.dyad import DyadModel, DyadResult
from backscratch.scenario import Scenario, ScenarioError, dump_yaml
from backscratch.strategies import POLICIES

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


def check_policies(policies: list[str]) -> list[str]:
    """Validate policy names, raising :class:`ScenarioError` with a one-line message."""
    if not policies:
        raise ScenarioError("--policies: give at least one policy")
    for name in policies:
        if name not in POLICIES:
            raise ScenarioError(
                f"--policies: unknown policy '{name}' (known: {', '.join(POLICIES)})"
            )
    return list(dict.fromkeys(policies))


def compare(scenario: Scenario, policies: list[str]) -> dict:
    """Run each policy on the same seeds (common random numbers) and summarise each.

    Returns ``{"scenario", "runs", "seed", "policies": {name: summary}}``; each summary holds
    :data:`COMPARE_METRICS` first, then further diagnostics.
    """
    policies = check_policies(policies)
    return {
        "scenario": scenario.name,
        "runs": scenario.runs,
        "seed": scenario.seed,
        "policies": {p: run(scenario, p).summary() for p in policies},
    }


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

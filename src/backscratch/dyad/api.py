"""The dyad's verbs: run a policy, compare policies on common random numbers, solve.

``backscratch.run``/``compare``/``solve`` (the flat API of :mod:`backscratch.api`) send dyad
scenarios here; the command line calls those.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from backscratch.core.errors import ScenarioError
from backscratch.dyad import extensive
from backscratch.dyad.model import DyadModel
from backscratch.dyad.policies import DEFAULT_POLICIES, POLICIES
from backscratch.dyad.results import Comparison, DyadResult
from backscratch.dyad.scenario import SELECTIONS, Scenario
from backscratch.dyad.stage import StageGame, plan_for
from backscratch.dyad.targets import TARGETS


def run(
    scenario: Scenario,
    *,
    policy: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DyadResult:
    """Simulate every run of ``scenario`` under ``policy`` (a policy or counterfactual name;
    default: the scenario's own schedule or policy). ``progress(t, horizon)`` is called after
    each period is played."""
    if policy is not None:
        check_policies([policy], scenario, param="policy")
    model = DyadModel(scenario, policy)
    while not model.done:
        model.step()
        if progress:
            progress(model.t, scenario.horizon)
    return model.run()


def check_policies(
    policies: Sequence[str], scenario: Scenario, *, param: str = "policies"
) -> list[str]:
    """The policy (or counterfactual) names without repeats, or a one-line
    :class:`ScenarioError` about ``param`` naming the unknown one; ``scheduled`` names the
    scenario's own schedule where it has one."""
    if isinstance(policies, str):
        raise ScenarioError.bad(param, f"expected a list of names, got the string '{policies}'")
    if not policies:
        raise ScenarioError.bad(param, "give at least one policy")
    scheduled = ["scheduled"] if scenario.schedule else []
    known = list(dict.fromkeys([*POLICIES, *scheduled, *scenario.counterfactuals]))
    for name in policies:
        if name not in known:
            raise ScenarioError.bad(param, f"unknown policy '{name}' (known: {', '.join(known)})")
    return list(dict.fromkeys(policies))


def compare(
    scenario: Scenario, *, policies: Sequence[str] = DEFAULT_POLICIES, etas: Any = None
) -> Comparison:
    """Run each policy (or counterfactual schedule) of ``scenario`` on the same seeds: common
    random numbers, so that differences between policies are not sampling noise. ``etas``:
    the hawk-bias values of :meth:`Comparison.domestic`."""
    names = check_policies(policies, scenario)
    return Comparison(scenario, {p: DyadModel(scenario, p).run() for p in names}, etas=etas)


BY_SELECTION = (
    "cooperation_rate",
    "demander_payoff",
    "entries_per_period",
    "belief_jump_after_compliance",
)
"""The outcomes that :func:`diagnostics` reports under every selection rule."""


def diagnostics(result: DyadResult) -> dict[str, Any]:
    """The equilibrium of ``result`` (:meth:`DyadResult.diagnostics`) and, on the same seeds,
    the headline outcome under every selection rule (``solver.selection``): the metrics of
    :data:`BY_SELECTION`, so that a user sees what the choice among several equilibria
    changes."""
    out: dict[str, Any] = result.diagnostics()
    sc = result.scenario
    policy = None if result.plan.name == plan_for(sc).name else result.plan.name
    own = result.summary()
    by_rule = {}
    for rule in SELECTIONS:
        summary = own
        if rule != sc.solver.selection:
            other = sc.with_updates(**{"solver.selection": rule})
            summary = streamed_summary(other, policy, same_as=(compliance_of(sc, policy), own))
        by_rule[rule] = {m: summary[m] for m in BY_SELECTION}
    out["by_selection"] = by_rule
    return out


def compliance_of(scenario: Scenario, policy: str | None) -> np.ndarray:
    """The target's compliance table under ``policy`` (solved, not simulated)."""
    stage = StageGame.from_scenario(scenario, plan_for(scenario, policy))
    return TARGETS[scenario.target.strategy]().compliance(stage, scenario.shadow)


STREAM_BLOCK = 16 * 4096
"""Runs simulated at a time where only a summary is needed."""


def streamed_summary(
    scenario: Scenario,
    policy: str | None,
    *,
    same_as: tuple[np.ndarray, dict[str, Any]] | None = None,
    block: int = STREAM_BLOCK,
) -> dict[str, Any]:
    """The summary of ``scenario`` under ``policy``, simulated ``block`` runs at a time (the
    same numbers as the whole result's :meth:`~DyadResult.summary`, in bounded memory).
    ``same_as=(table, summary)``: if the target's compliance table equals ``table`` the play
    is the same on the same seeds, so ``summary`` is returned without simulating."""
    from backscratch.dyad.io import stream_summary

    table = compliance_of(scenario, policy)
    if same_as is not None and np.array_equal(table, same_as[0]):
        return dict(same_as[1])
    return stream_summary(scenario, policy=policy, block=block, compliance=table).summary()


SHADOWS = (0.0, 0.25, 0.5, 0.75, 0.9, 0.95)
THIRD_PARTIES = (0, 1, 2, 4, 8)
SOLVE_POLICIES = ("blackmail", "backscratching", "mixed")


def solve(scenario: Scenario, *, progress: Any = None) -> dict[str, Any]:
    """The dyad's equilibrium: the one-shot game checked against Gambit, the target's
    compliance table, how often each policy's game has several stable equilibria (and the
    outcome under every selection rule), and comparative statics in the shadow of the future and the number of
    third parties (cooperation rate, and the mean demand made of pliable targets — the mean
    over all targets is fixed by the belief being a martingale). ``progress(done, total)``
    after each of its solves (the table, each policy's diagnostics, each point of the
    comparative statics and policy)."""
    total = 1 + len(SOLVE_POLICIES) * (1 + len(SHADOWS) + len(THIRD_PARTIES))
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, total)

    one_shot = {}
    for policy in SOLVE_POLICIES:
        ours = extensive.backscratch_one_shot(scenario, policy)
        theirs = extensive.gambit_one_shot(scenario, policy)
        agree = all(abs(ours[k] - theirs[k]) < 1e-3 for k in ours)
        one_shot[policy] = {"backscratch": ours, "gambit_logit": theirs, "agree": agree}
    stage = StageGame.from_scenario(scenario, plan_for(scenario, "blackmail"))
    table = stage.solve(scenario.shadow)
    step()
    beliefs = np.linspace(0, 1, 11)
    equilibrium = {
        "policy": "blackmail",
        "selection": scenario.solver.selection,
        "belief": beliefs.tolist(),
        "p_pliable_first_period": np.interp(beliefs, stage.grid, table[0, 0]).tolist(),
        "p_pliable_last_period": np.interp(beliefs, stage.grid, table[-1, 0]).tolist(),
        "p_resolute": np.interp(beliefs, stage.grid, table[0, 1]).tolist(),
        "residual": stage.residual,
    }

    multiplicity = {}
    for p in SOLVE_POLICIES:
        multiplicity[p] = diagnostics(run(scenario, policy=p))
        step()

    def statics(field: str, values: Sequence[float]) -> dict[str, Any]:
        coop: dict[str, list[float]] = {p: [] for p in SOLVE_POLICIES}
        demand: dict[str, list[float]] = {p: [] for p in SOLVE_POLICIES}
        for v in values:
            s2 = scenario.with_updates(**{field: v})
            for p in SOLVE_POLICIES:
                res = run(s2, policy=p)
                made = (res.records["response"] >= 0) & res.pliable[None, :]
                coop[p].append(res.summary()["cooperation_rate"])
                demand[p].append(float(res.records["demand"][made].mean()) if made.any() else 0.0)
                step()
        return {"values": list(values), "cooperation_rate": coop, "demand_on_pliable": demand}

    return {
        "scenario": scenario.name,
        "one_shot": one_shot,
        "equilibrium": equilibrium,
        "multiplicity": multiplicity,
        "comparative_statics": {
            "shadow": statics("shadow", SHADOWS),
            "third_parties": statics("third_parties.count", THIRD_PARTIES),
        },
    }

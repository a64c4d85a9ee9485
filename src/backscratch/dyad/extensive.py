"""The coercion dyad's one-shot game in extensive form, for an independent check with Gambit.

Nature draws the target's type (pliable with the prior); the target, knowing its type,
complies or resists the demand ``x(mu_0)``; chance then carries out the threat (with the
credibility) after a resistance, and delivers the reward (with the reliability) after a
compliance. The tree is written in Gambit's ``.efg`` text format and solved with pygambit's
``logit_solve``, which follows the logit quantal-response branch to its limit: the
sequential equilibrium (``lcp_solve`` may return a Nash equilibrium that is not sequential).
backscratch's own solution is its dynamic programme with a one-period horizon and a small
noise; the two must agree.
"""

from __future__ import annotations

import io
from fractions import Fraction

import numpy as np

from backscratch.dyad.scenario import Scenario
from backscratch.dyad.stage import StageGame, plan_for


def _q(x: float) -> str:
    f = Fraction(x).limit_denominator(10**6)
    return f"{f.numerator}/{f.denominator}" if f.denominator != 1 else str(f.numerator)


def one_shot_efg(scenario: Scenario, policy: str) -> str:
    """The one-shot dyad under ``policy`` as Gambit ``.efg`` text (players: Target, Demander)."""
    sc = scenario.with_updates(horizon=1, schedule=[], counterfactuals={})
    stage = StageGame.from_scenario(sc, plan_for(sc, policy))
    mu = sc.target.prior_pliable
    par = stage.params
    x = par.demand_a + par.demand_b * mu
    threat, offer = bool(stage.plan.threat[0]), bool(stage.plan.offer[0])
    v, R, rho = par.value, par.price, float(stage.reliability[0])
    P, q, k = par.punishment_at(x), par.credibility, par.execution_cost
    lines = [f'EFG 2 R "{sc.name} one-shot, {policy}" {{ "Target" "Demander" }}', '""']
    lines.append(f'c "" 1 "type" {{ "pliable" {_q(mu)} "resolute" {_q(1 - mu)} }} 0')
    outcome = 0
    for t, name in enumerate(("pliable", "resolute")):
        cost = par.threat_costs[t] if threat else par.offer_costs[t]
        lines.append(f'p "" 1 {t + 1} "Target {name}" {{ "comply" "resist" }} 0')
        # comply
        if offer:
            lines.append(
                f'c "" {2 + 2 * t} "delivery ({name})" {{ "paid" {_q(rho)} "unpaid" {_q(1 - rho)} }} 0'
            )
            outcome += 1
            lines.append(
                f't "" {outcome} "exchange" {{ {_q(R * x - cost * x)}, {_q(v * x - R * x)} }}'
            )
            outcome += 1
            lines.append(f't "" {outcome} "unpaid" {{ {_q(-cost * x)}, {_q(v * x)} }}')
        else:
            outcome += 1
            lines.append(f't "" {outcome} "concession" {{ {_q(-cost * x)}, {_q(v * x)} }}')
        # resist
        if threat:
            lines.append(
                f'c "" {3 + 2 * t} "execution ({name})" {{ "punish" {_q(q)} "back down" {_q(1 - q)} }} 0'
            )
            outcome += 1
            lines.append(f't "" {outcome} "punished" {{ {_q(-P)}, {_q(-k * P)} }}')
            outcome += 1
            lines.append(f't "" {outcome} "backed down" {{ 0, 0 }}')
        else:
            outcome += 1
            lines.append(f't "" {outcome} "no deal" {{ 0, 0 }}')
    return "\n".join(lines) + "\n"


def gambit_one_shot(scenario: Scenario, policy: str) -> dict[str, float]:
    """Each type's probability of complying in pygambit's ``logit_solve`` solution."""
    import pygambit as gbt

    game = gbt.read_efg(io.StringIO(one_shot_efg(scenario, policy)))
    profile = gbt.nash.logit_solve(game).equilibrium
    (_, pliable), (_, resolute) = list(profile["Target"])  # one information set per type
    return {"pliable": float(pliable["comply"]), "resolute": float(resolute["comply"])}


def backscratch_one_shot(scenario: Scenario, policy: str, noise: float = 1e-4) -> dict[str, float]:
    """Each type's probability of complying in backscratch's own one-period solution, with
    the target's payoff noise shrunk to ``noise`` (the limit the logit branch follows)."""
    sc = scenario.with_updates(
        horizon=1, schedule=[], counterfactuals={}, **{"target.noise": noise}
    )
    stage = StageGame.from_scenario(sc, plan_for(sc, policy))
    p = stage.solve(discount=sc.shadow)
    mu = sc.target.prior_pliable
    g = stage.grid
    return {
        "pliable": float(_interp(mu, g, p[0, 0])),
        "resolute": float(_interp(mu, g, p[0, 1])),
    }


def _interp(mu, grid, values):
    return np.interp(mu, grid, values)

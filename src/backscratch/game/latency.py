"""The demander's-choice game with the target choosing its capacity (``hedging.mode:
choice``): latency is part of the state, and D weighs the latency its threats and offers
lead the target to build (docs/model.md, "The demander's choice", Latency).

The target's side of each period is the dyad's programme over (latency, belief)
(:meth:`~backscratch.dyad.stage.StageGame.choice_step`) for each action of D's menu; D's
side is :func:`~backscratch.game._kernels.latency_action_values`. The tables of the
solution put latency where the belief about D is otherwise (their axis ``j``): the
``solver.latency_grid`` points on [0, ``hedging.latency_max``], read as ``L / latency_max``
on [0, 1], so the game's interpolation, policy and play read them unchanged. D's cost is
known here (no private type of D with latency).
"""

from __future__ import annotations

import time

import numpy as np

from backscratch.core.errors import ScenarioError
from backscratch.dyad.scenario import Scenario
from backscratch.dyad.stage import StageGame, plan_for
from backscratch.game import _kernels as kernels
from backscratch.game.menu import Menu
from backscratch.game.results import Equilibrium
from backscratch.game.terms import Terms, action_probabilities, carry_probabilities


def check(scenario: Scenario) -> None:
    """Refuse, with one line naming the field, what the game with latency does not build."""
    st = scenario.strategic
    unbuilt = {
        "strategic.cost_types": bool(st.cost_types),
        "strategic.renege_costs": bool(st.renege_costs),
        "strategic.stationary": st.stationary,
        "third_parties.update_belief": scenario.third_parties.update_belief,
    }
    if not scenario.hedging.investment_observed:
        raise ScenarioError.bad(
            "hedging.investment_observed",
            "the demander's-choice game with latency in its state needs it true: the two "
            "types build latency differently, so a public belief that ignored the programme "
            "would be wrong about the target D faces",
        )
    for name, on in unbuilt.items():
        if on:
            raise ScenarioError.bad(
                name,
                "not built with hedging.mode: choice in the demander's-choice game (D's cost "
                "known, over the horizon, entrants unwatched); leave it unset",
            )


def backward_latency(scenario: Scenario) -> Equilibrium:
    """Solve the demander's-choice game with latency in the state by backward induction.

    In each period, from the last, for every action of the menu: the target's equilibrium
    response and each type's value at every (latency, belief) grid point, given each
    type's value at the start of next period (the dyad's choice-mode step: the punishment
    blunted by ``exp(-deterrence * L)``, each type then choosing its capacity); D's value
    of the action, its payoff this period (less ``hedging.cost_to_demander`` times the
    latency the target ends it with) plus its discounted value at the latency each type's
    capacity choice leads to and the belief the answer leaves. D carries out a resisted
    threat iff that pays (its cost known: ``audience_cost - k P >= 0``). D takes the action
    of highest value (or the logit mixture), and every value rolls back."""
    check(scenario)
    start = time.perf_counter()
    menu = Menu.from_scenario(scenario)
    terms = Terms.from_scenario(scenario, menu)
    stage = StageGame.from_scenario(scenario, plan_for(scenario, "blackmail"))
    grid = stage.grid
    lat = stage.latency_points / stage.params.latency_max  # the j axis, on [0, 1]
    H, A, G, J = scenario.horizon, len(menu), len(grid), stage.latency_grid
    delta, xi = scenario.shadow, terms.choice_noise
    carry = np.zeros((H, A, 1, J, G))
    sigma = carry_probabilities(terms)[0]  # [a]: D's cost is known
    Q = np.zeros((H, A, J, G))
    choice = np.zeros((H, A, J, G))
    comply = np.zeros((H, A, 2, J, G))
    roots = np.zeros((H, A, J, G), dtype=np.int64)
    V = np.zeros((H + 1, 1, J, G))
    N = np.zeros((H + 1, 1, J, G))
    T = np.zeros((H + 1, J, 2, G))  # each type's value at the start of a period
    Qa, Na = np.empty((A, J, G)), np.empty((A, J, G))
    Ta = np.empty((A, J, 2, G))
    table = np.empty((J, 2, G))
    step = np.empty((J, G), dtype=np.int64)
    worst = 0.0
    rho = terms.reliability
    for t in range(H - 1, -1, -1):
        for a in range(A):
            x, P = menu.x[a], menu.punishment[a]
            if not menu.demands[a]:
                Ta[a] = stage.choice_idle(T[t + 1], delta)
                table[:] = 0.0
            else:
                costs = terms.c_threat if menu.threat[a] else terms.c_offer
                paid = rho * menu.price[a] * x if menu.offer[a] else 0.0
                u_c = np.repeat((paid - costs * x)[:, None], G, axis=1)
                u_r = np.full((2, G), -sigma[a] * P)
                Ta[a], residual = stage.choice_step(
                    T[t + 1], u_c, u_r, bool(menu.offer[a]), rho, delta, table, step
                )
                worst = max(worst, residual)
                comply[t, a] = table.transpose(1, 0, 2)
                roots[t, a] = step
                carry[t, a, 0] = sigma[a]
            paid = rho * menu.price[a] * x if menu.offer[a] else 0.0
            extra = -terms.hawk_bias * paid
            if menu.offer[a] and menu.price[a] > 0.0:
                extra -= terms.promise_cost * (1.0 - rho)
            kernels.latency_action_values(
                grid, table, T[t + 1], V[t + 1, 0], N[t + 1, 0], terms, bool(menu.demands[a]),
                bool(menu.threat[a]), bool(menu.offer[a]), x, P, paid, float(sigma[a]), extra,
                terms.hawk_bias * terms.value * x if menu.threat[a] else 0.0, delta, Qa[a],
                Na[a],
            )  # fmt: skip
        Q[t] = Qa
        choice[t] = action_probabilities(Qa, xi)
        V[t, 0] = (choice[t] * Qa).sum(axis=0)
        N[t, 0] = (choice[t] * Na).sum(axis=0)
        T[t] = (choice[t][:, :, None, :] * Ta).sum(axis=0)
    return Equilibrium(
        scenario=scenario,
        menu=menu,
        grid=grid,
        d_grid=lat,
        Q=Q,
        choice=choice,
        comply=comply,
        carry=carry,
        deliver=np.zeros((H, A, 1, J, G)),
        V=V[:H],
        N=N[:H],
        W=T[:H, :, 0],
        stable_roots=roots,
        residual=worst,
        target_values=T[:H],
        seconds=time.perf_counter() - start,
    )

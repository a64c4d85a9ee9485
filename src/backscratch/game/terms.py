"""The numbers of the demander's-choice game, from a scenario and D's menu: :class:`Terms`,
shared by the solvers (:mod:`backscratch.game.model`, :mod:`backscratch.game.latency`)
and the Gambit tree (:mod:`backscratch.game.extensive`), and D's sequentially rational
carrying out of a threat when its cost is known (:func:`carry_probabilities`) and its
choice of action from its values (:func:`action_probabilities`)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from backscratch.dyad.params import Params
from backscratch.dyad.scenario import Scenario
from backscratch.game.menu import Menu


class Terms(NamedTuple):
    """The numbers the game's kernel reads by field name: the menu's columns, D's
    execution cost by type ``costs`` (the low first with two ``strategic.cost_types``; one
    when D has no private type; the known cost twice when its reliability is the private
    trait), its cost of reneging by type ``renege`` (``strategic.renege_costs``, the
    reliable type's first; zeros without), whether observers learn D's cost from its
    punishments (``learns_cost``) and whether delivering a promised reward is D's choice
    (``chooses_delivery``: reliability types and no guarantor), and the payoff parameters
    of D's chosen objective (zeros for a unitary nation); then the numbers of the target's
    capacity choice (``hedging``, read with ``hedging.mode: choice``) and D's cost of the
    latency it leads to (``hedging.cost_to_demander``)."""

    demands: np.ndarray
    threat: np.ndarray
    offer: np.ndarray
    x: np.ndarray
    price: np.ndarray
    punishment: np.ndarray
    value: float
    c_threat: np.ndarray
    c_offer: np.ndarray
    reliability: float
    costs: np.ndarray
    choice_noise: float
    hawk_bias: float
    audience_cost: float
    promise_cost: float
    renege: np.ndarray
    learns_cost: bool
    chooses_delivery: bool
    levels: np.ndarray
    capacity_cost: float
    productivity: float
    deterrence: float
    demand_rollback: float
    rollback: float
    demand_freeze: bool
    demand_cap: float
    latency_max: float
    latency_cost: float
    capacity_noise: float

    @classmethod
    def from_scenario(cls, scenario: Scenario, menu: Menu) -> Terms:
        st, d = scenario.strategic, scenario.domestic
        p = Params.from_scenario(scenario)
        leader = st.objective == "leader"
        if st.renege_costs:
            costs = np.full(2, p.execution_cost)
        else:
            costs = np.array(st.cost_types or [p.execution_cost], dtype=float)
        return cls(
            demands=menu.demands,
            threat=menu.threat,
            offer=menu.offer,
            x=menu.x,
            price=menu.price,
            punishment=menu.punishment,
            value=p.value,
            c_threat=np.array(p.threat_costs),
            c_offer=np.array(p.offer_costs),
            reliability=p.reliability_with(scenario.mediation.guarantor),
            costs=costs,
            choice_noise=st.choice_noise,
            hawk_bias=d.hawk_bias if leader else 0.0,
            audience_cost=d.audience_cost if leader else 0.0,
            promise_cost=d.promise_cost if leader else 0.0,
            renege=np.array(st.renege_costs or [0.0] * len(costs), dtype=float),
            learns_cost=bool(st.cost_types),
            chooses_delivery=bool(st.renege_costs) and not scenario.mediation.guarantor,
            levels=np.asarray(scenario.hedging.capacity_levels, dtype=float),
            capacity_cost=p.capacity_cost,
            productivity=p.productivity,
            deterrence=p.deterrence,
            demand_rollback=p.demand_rollback,
            rollback=p.rollback,
            demand_freeze=p.demand_freeze,
            demand_cap=p.demand_cap,
            latency_max=p.latency_max,
            latency_cost=p.latency_cost,
            capacity_noise=p.capacity_noise,
        )


def carry_probabilities(terms: Terms) -> np.ndarray:
    """Each type's probability ``[type, a]`` of carrying out each action's threat when the
    target resists, leaving reputation aside: ``audience_cost - k * P >= 0`` (ties carry
    out), or its logit with ``strategic.choice_noise`` (0 for actions without a threat).
    When D's cost is known this is its sequentially rational choice (the belief about the
    target after resistance does not depend on it); with two cost types it is where the
    solver starts."""
    gain = terms.audience_cost - terms.costs[:, None] * terms.punishment[None, :]
    if terms.choice_noise > 0.0:
        with np.errstate(over="ignore"):  # exp overflowing to inf gives exactly 0
            q = 1.0 / (1.0 + np.exp(-gain / terms.choice_noise))
    else:
        q = (gain >= 0.0).astype(float)
    return np.where(terms.threat[None, :], q, 0.0)


def action_probabilities(Q: np.ndarray, noise: float) -> np.ndarray:
    """D's probability of each action of the menu (axis 0 of its values ``Q``) at every
    state: the logit mixture of scale ``noise`` (``strategic.choice_noise``) or, at 0, the
    first maximum (ties to the earlier action)."""
    if noise > 0.0:
        e = np.exp((Q - Q.max(axis=0)) / noise)
        return e / e.sum(axis=0)
    out = np.zeros_like(Q)
    np.put_along_axis(out, np.argmax(Q, axis=0)[None], 1.0, axis=0)
    return out

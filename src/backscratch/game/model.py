"""The demander's choice solved and played: :func:`solve` (backward induction over the
public belief about the target, D choosing its action at every belief) and
:class:`GameModel` (every run advancing together through equilibrium play, one period per
:meth:`~GameModel.step`, Mesa-style).

The game is stated in ``docs/model.md``, "The demander's choice". Its numbers are the dyad
scenario's (the target, the threat, the offer, domestic politics) with the ``strategic``
section for what D may choose. D's cost of carrying out a threat is known to everyone, so
whether it carries one out is a static choice (the belief after resistance does not depend
on it): it does iff the cost ``k * P`` is at most what backing down costs it (Fearon 1994's
audience costs; 0 for a unitary nation). The target's side is the dyad's programme
(:mod:`backscratch.dyad.stage`): for each action, every stable equilibrium of the pliable
type's response is found and one chosen by ``solver.selection``.
"""

from __future__ import annotations

import time
from typing import NamedTuple

import numpy as np

from backscratch.core import rng
from backscratch.core.kernels import posterior
from backscratch.dyad.model import check_memory
from backscratch.dyad.params import Params
from backscratch.dyad.scenario import Scenario
from backscratch.dyad.stage import StageGame, plan_for, respond
from backscratch.game import _kernels as kernels
from backscratch.game.menu import Menu
from backscratch.game.results import COLUMNS, Equilibrium, GameResult, Records


class Terms(NamedTuple):
    """The numbers the game's kernel reads by field name: the menu's columns and the payoff
    parameters of D's chosen objective (zeros for a unitary nation)."""

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
    execution_cost: float
    choice_noise: float
    hawk_bias: float
    audience_cost: float
    promise_cost: float

    @classmethod
    def from_scenario(cls, scenario: Scenario, menu: Menu) -> Terms:
        st, d = scenario.strategic, scenario.domestic
        p = Params.from_scenario(scenario)
        leader = st.objective == "leader"
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
            execution_cost=p.execution_cost,
            choice_noise=st.choice_noise,
            hawk_bias=d.hawk_bias if leader else 0.0,
            audience_cost=d.audience_cost if leader else 0.0,
            promise_cost=d.promise_cost if leader else 0.0,
        )


def carry_probabilities(terms: Terms) -> np.ndarray:
    """D's probability of carrying out each action's threat when the target resists: the
    sequentially rational choice ``audience_cost - k * P >= 0`` (ties carry out), or its
    logit with ``strategic.choice_noise`` (0 for actions without a threat)."""
    gain = terms.audience_cost - terms.execution_cost * terms.punishment
    if terms.choice_noise > 0.0:
        q = 1.0 / (1.0 + np.exp(-gain / terms.choice_noise))
    else:
        q = (gain >= 0.0).astype(float)
    return np.where(terms.threat, q, 0.0)


def solve(scenario: Scenario) -> Equilibrium:
    """Solve the demander's-choice game of ``scenario`` by backward induction.

    In each period, from the last: for every action of the menu, the target's equilibrium
    response at every grid belief (the dyad's :func:`~backscratch.dyad.stage.respond`,
    given the pliable type's continuation value) and each side's value of it; D then takes
    the action of highest value at each belief (or the logit mixture), and the values roll
    back under that choice."""
    start = time.perf_counter()
    menu = Menu.from_scenario(scenario)
    terms = Terms.from_scenario(scenario, menu)
    # the belief grid and the third parties' flow to the target do not depend on the plan
    stage = StageGame.from_scenario(scenario, plan_for(scenario, "blackmail"))
    flow = stage.third_party_flow()
    grid = stage.grid
    H, A, G = scenario.horizon, len(menu), len(grid)
    delta, noise = scenario.shadow, scenario.target.noise
    carry = carry_probabilities(terms)
    Q = np.zeros((H, A, G))
    choice = np.zeros((H, A, G))
    comply = np.zeros((H, A, 2, G))
    roots = np.zeros((H, A, G), dtype=np.int64)
    V = np.zeros((H + 1, G))
    N = np.zeros((H + 1, G))
    W = np.zeros((H + 1, G))
    Na = np.empty((A, G))
    Wa = np.empty((A, G))
    worst = 0.0
    v, rho, k = terms.value, terms.reliability, terms.execution_cost
    for t in range(H - 1, -1, -1):
        for a in range(A):
            if not menu.demands[a]:
                Q[t, a] = delta * V[t + 1]
                Na[a] = delta * N[t + 1]
                Wa[a] = flow + delta * W[t + 1]
                continue
            x, P = menu.x[a], menu.punishment[a]
            costs = terms.c_threat if menu.threat[a] else terms.c_offer
            paid = rho * menu.price[a] * x if menu.offer[a] else 0.0
            u_c = np.repeat((paid - costs * x)[:, None], G, axis=1)
            u_r = np.full((2, G), -carry[a] * P if menu.threat[a] else 0.0)
            residual = respond(
                grid, W[t + 1], u_c, u_r, discount=delta, noise=noise,
                resolution=scenario.solver.resolution, selection=scenario.solver.selection,
                flow=flow, p_out=comply[t, a], roots_out=roots[t, a], W_out=Wa[a],
            )  # fmt: skip
            worst = max(worst, residual)
            p_pl, p_re = comply[t, a, 0], comply[t, a, 1]
            yes = grid * p_pl + (1.0 - grid) * p_re
            mu_c = posterior(grid, p_pl, p_re, True)
            mu_r = posterior(grid, p_pl, p_re, False)
            # the nation's material payoff, and the leader's additions (0 for a nation)
            nation_r = -carry[a] * k * P if menu.threat[a] else 0.0
            Na[a] = yes * (v * x - paid + delta * np.interp(mu_c, grid, N[t + 1])) + (1.0 - yes) * (
                nation_r + delta * np.interp(mu_r, grid, N[t + 1])
            )
            extra_c = -terms.hawk_bias * paid
            if menu.offer[a] and menu.price[a] > 0.0:
                extra_c -= terms.promise_cost * (1.0 - rho)
            extra_r = -(1.0 - carry[a]) * terms.audience_cost if menu.threat[a] else 0.0
            tough = terms.hawk_bias * v * x if menu.threat[a] else 0.0
            Q[t, a] = (
                yes * (v * x - paid + extra_c + delta * np.interp(mu_c, grid, V[t + 1]))
                + (1.0 - yes) * (nation_r + extra_r + delta * np.interp(mu_r, grid, V[t + 1]))
                + tough
            )
        if terms.choice_noise > 0.0:
            z = (Q[t] - Q[t].max(axis=0)) / terms.choice_noise
            e = np.exp(z)
            choice[t] = e / e.sum(axis=0)
        else:
            best = np.argmax(Q[t], axis=0)  # the first maximum: ties to the earlier action
            choice[t, best, np.arange(G)] = 1.0
        V[t] = (choice[t] * Q[t]).sum(axis=0)
        N[t] = (choice[t] * Na).sum(axis=0)
        W[t] = (choice[t] * Wa).sum(axis=0)
    return Equilibrium(
        scenario=scenario,
        menu=menu,
        grid=grid,
        Q=Q,
        choice=choice,
        comply=comply,
        carry=carry,
        V=V[:H],
        N=N[:H],
        W=W[:H],
        stable_roots=roots,
        residual=worst,
        seconds=time.perf_counter() - start,
    )


class GameModel:
    """Every run of a scenario's demander's-choice game in equilibrium, advancing together.

    Each run draws the target's type (prior ``target.prior_pliable``) from the scenario's
    seeded streams; each period D takes its equilibrium action at the run's belief.

    >>> import backscratch as bs
    >>> model = GameModel(bs.load_scenario("oye-dyad", runs=50, overrides={"horizon": 3}))
    >>> model.step()
    >>> model.t
    1
    """

    def __init__(self, scenario: Scenario, solution: Equilibrium | None = None):
        self.scenario = scenario
        self.solution = solve(scenario) if solution is None else solution
        self.terms = Terms.from_scenario(scenario, self.solution.menu)
        H, n = scenario.horizon, scenario.runs
        self.streams = rng.Streams(scenario.seed, n)
        self.pliable = self.streams.draw(1)[0] < scenario.target.prior_pliable
        self.mu = np.full(n, scenario.target.prior_pliable)
        check_memory(scenario, H * n * sum(np.dtype(c.dtype).itemsize for c in COLUMNS))
        self.records = {c.name: np.empty((H, n), dtype=c.dtype) for c in COLUMNS}
        self._rec = Records(**self.records)
        self.t = 0

    @property
    def done(self) -> bool:
        """Whether every period has been played."""
        return self.t >= self.scenario.horizon

    def step(self) -> None:
        """Advance every run by one period of equilibrium play."""
        if self.done:
            raise RuntimeError("the horizon is reached; no period left to play")
        s, t = self.solution, self.t
        kernels.advance(
            t, self.mu, self.pliable, self.streams.draw(kernels.DRAWS_PER_PERIOD), s.Q[t],
            s.comply[t], s.carry, self.terms, self._rec,
        )  # fmt: skip
        self.t += 1

    def run(self) -> GameResult:
        """Play every remaining period and return the result."""
        while not self.done:
            self.step()
        return GameResult(self.scenario, self.solution, self.records, self.pliable, self.mu.copy())

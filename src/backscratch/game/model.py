"""The demander's choice solved and played: :func:`solve` (backward induction over the
public beliefs about the target and, when its cost is private, about D, D choosing its
action at every state) and
:class:`GameModel` (every run advancing together through equilibrium play, one period per
:meth:`~GameModel.step`, Mesa-style).

The game is stated in ``docs/model.md``, "The demander's choice". Its numbers are the dyad
scenario's (the target, the threat, the offer, domestic politics) with the ``strategic``
section for what D may choose. When D's cost of carrying out a threat is known to everyone,
whether it carries one out is a static choice (the belief after resistance does not depend
on it): it does iff the cost ``k * P`` is at most what backing down costs it (Fearon 1994's
audience costs; 0 for a unitary nation). With two ``strategic.cost_types`` the cost is
private, observers hold a public belief about it, and carrying out also buys reputation:
each type's choice is a logit best reply given the beliefs each outcome leaves. The
target's side is the dyad's programme (:mod:`backscratch.dyad.stage`): for each action,
every stable equilibrium of the pliable type's response is found and one chosen by
``solver.selection``.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import numpy as np

from backscratch.core import rng
from backscratch.core.errors import ScenarioError
from backscratch.core.kernels import posterior
from backscratch.dyad.model import allocate_records, check_memory
from backscratch.dyad.params import Params
from backscratch.dyad.scenario import Scenario
from backscratch.dyad.stage import StageGame, plan_for, respond, respond_both
from backscratch.game import _kernels as kernels
from backscratch.game.latency import backward_latency
from backscratch.game.menu import Menu
from backscratch.game.results import COLUMNS, Equilibrium, GameResult, Records
from backscratch.game.terms import Terms, action_probabilities, carry_probabilities


def d_grid(scenario: Scenario) -> np.ndarray:
    """The grid of public beliefs that D is its first type (low-cost or reliable):
    ``strategic.reputation_grid`` points on [0, 1] with two types, the single point 1 when
    D has no private type."""
    st = scenario.strategic
    typed = st.cost_types or st.renege_costs
    return np.linspace(0.0, 1.0, st.reputation_grid) if typed else np.ones(1)


SECANT_ROUNDS = 15
"""Rounds of secant steps before the fixed point switches to averaging (the ``n``-th round
after them moves ``1 / n`` of the way)."""

MAX_ROUNDS = 60

UNSETTLED = 1e-6
"""A cell whose best reply still asks D's probability of carrying out to move by more than
this when the rounds end counts as unsettled (reported: ``unsettled``)."""
"""Most rounds of the fixed point between the target's response and D's decision to carry
out a threat in one (period, action, belief about D) slice (two cost types only)."""

TOLERANCE = 1e-9
"""The fixed point stops when no probability of carrying out and no belief after
resistance would change by more than this."""


def solve(scenario: Scenario) -> Equilibrium:
    """Solve the demander's-choice game of ``scenario``: by backward induction over its
    horizon, or (``strategic.stationary``) by value iteration to its stationary solution,
    the policy of an unending relationship played in every period (:func:`stationary`);
    with ``hedging.mode: choice`` over latency too
    (:func:`~backscratch.game.latency.backward_latency`)."""
    if scenario.hedging.mode == "choice":
        return backward_latency(scenario)
    if scenario.strategic.stationary:
        return stationary(scenario)
    return backward(scenario)


def stationary(scenario: Scenario) -> Equilibrium:
    """The stationary game by value iteration: one period of :func:`backward` repeated,
    each time with the last one's values as its continuation, from zero, until no value
    changes by more than the dyad's ``StageGame.stationary_tolerance`` (the same rule as
    ``solver.stationary``; a game that has not settled within
    ``StageGame.stationary_iterations`` is refused); the tables of the last period solved
    hold in every period of the horizon. ``iterations`` and ``value_change`` say how it
    ended."""
    tol, most = StageGame.stationary_tolerance, StageGame.stationary_iterations
    start = time.perf_counter()
    one = scenario.model_copy(update={"horizon": 1})
    terminal: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    change = np.inf
    iterations = 0
    while iterations < most and change > tol:
        eq = backward(one, terminal=terminal)
        iterations += 1
        values = (eq.V[0], eq.N[0], eq.W[0])
        if terminal is not None:
            change = max(float(np.abs(a - b).max()) for a, b in zip(values, terminal, strict=True))
        terminal = values
    if change > tol:
        raise ScenarioError.bad(
            "strategic.stationary",
            f"value iteration did not settle in {iterations} iterations (a value still "
            f"moves by {change:.2g}); solve over the horizon instead",
        )
    H = scenario.horizon
    tiled: dict[str, Any] = {
        k: np.repeat(getattr(eq, k)[:1], H, axis=0)
        for k in ("Q", "choice", "comply", "carry", "deliver", "V", "N", "W", "stable_roots")
    }
    return replace(
        eq, scenario=scenario, **tiled, iterations=iterations, value_change=change,
        seconds=time.perf_counter() - start,
    )  # fmt: skip


def backward(
    scenario: Scenario, *, terminal: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
) -> Equilibrium:
    """Solve the demander's-choice game of ``scenario`` by backward induction.

    In each period, from the last, at every point ``j`` of the grid of beliefs about D and
    for every action of the menu: the target's equilibrium response at every grid belief
    about it (the dyad's :func:`~backscratch.dyad.stage.respond`, given the pliable type's
    continuation value) and, for a threat, each type of D's sequentially rational
    probability of carrying it out when resisted, given the beliefs that punishing or
    backing down leaves; the two are a fixed point when D's cost is private (rounds to
    :data:`TOLERANCE`: secant steps in each cell for :data:`SECANT_ROUNDS`, then averaging,
    at most :data:`MAX_ROUNDS`; where it stops short is reported). Each
    type's value of the action follows; D takes the action of highest value to its types
    under the public belief (or the logit mixture), and the values roll back. ``terminal``:
    D's, the nation's and the pliable target's values after the last period (``V``, ``N``
    ``[type, j, g]`` and ``W[j, g]``; zero if not given)."""
    strategic = scenario.target.resolute == "strategic"
    st = scenario.strategic
    if strategic and (st.cost_types or st.renege_costs or st.stationary):
        raise ScenarioError.bad(
            "target.resolute",
            "strategic is built for the demander's-choice game with D's cost and reliability "
            "known, over the horizon (not with strategic.cost_types, strategic.renege_costs "
            "or strategic.stationary)",
        )
    start = time.perf_counter()
    menu = Menu.from_scenario(scenario)
    terms = Terms.from_scenario(scenario, menu)
    # the belief grid and the third parties' flow to the target do not depend on the plan
    stage = StageGame.from_scenario(scenario, plan_for(scenario, "blackmail"))
    flow = stage.third_party_flow()
    flow_re = stage.third_party_flow(1)  # the resolute type's, when it is strategic
    grid, nus = stage.grid, d_grid(scenario)
    H, A, G, J, K = scenario.horizon, len(menu), len(grid), len(nus), len(terms.costs)
    weight = np.stack([nus, 1.0 - nus]) if K == 2 else np.ones((1, J))  # [type, j]
    delta, noise, xi = scenario.shadow, scenario.target.noise, terms.choice_noise
    myopic = carry_probabilities(terms)
    Q = np.zeros((H, A, J, G))
    choice = np.zeros((H, A, J, G))
    comply = np.zeros((H, A, 2, J, G))
    carry = np.zeros((H, A, K, J, G))
    roots = np.zeros((H, A, J, G), dtype=np.int64)
    V = np.zeros((H + 1, K, J, G))
    N = np.zeros((H + 1, K, J, G))
    W = np.zeros((H + 1, J, G))
    R = np.zeros((H + 1, J, G))  # the strategic resolute type's value (0 otherwise)
    Ra = np.zeros((A, J, G))
    if terminal is not None:
        V[H], N[H], W[H] = terminal
    deliver = np.zeros((H, A, K, J, G))
    Qk = np.empty((A, K, J, G))
    Nk = np.empty((A, K, J, G))
    Wa = np.empty((A, J, G))
    resist, u_c = np.empty((2, G)), np.empty((2, G))
    none = np.empty((1, 1))  # no table: nothing learned about D on that side
    r_table = np.empty((G, G)) if terms.learns_cost else none
    c_table = np.empty((G, G)) if terms.chooses_delivery else none
    zero = np.zeros(2)
    prev, moved = np.empty((K, G)), np.empty((K, G))
    worst, gap, stuck, cells, pooling = 0.0, 0.0, 0, 0, 0.0
    v, rho, aud = terms.value, terms.reliability, terms.audience_cost
    for t in range(H - 1, -1, -1):
        (Wn, flow_t), (Rn, flow_re_t), Vn, Nn, disc = after_exchange(
            stage, W[t + 1], R[t + 1], V[t + 1], N[t + 1], delta, flow, flow_re
        )
        options = {"discount": disc, "noise": noise, "resolution": scenario.solver.resolution,
                   "selection": scenario.solver.selection, "flow": flow_t}  # fmt: skip
        for j, nu in enumerate(nus):
            for a in range(A):
                if not menu.demands[a]:
                    Qk[a, :, j] = delta * Vn[:, j]
                    Nk[a, :, j] = delta * Nn[:, j]
                    Wa[a, j] = flow_t + disc * Wn[j]
                    Ra[a, j] = flow_re_t + disc * Rn[j]
                    continue
                x, P = menu.x[a], menu.punishment[a]
                costs = terms.c_threat if menu.threat[a] else terms.c_offer
                price_x = menu.price[a] * x if menu.offer[a] else 0.0
                chosen = terms.chooses_delivery and price_x > 0.0  # D delivers or reneges
                paid = 0.0 if chosen else rho * price_x
                sigma = carry[t, a, :, j]
                sigma[:] = myopic[:, a, None]
                dsig = deliver[t, a, :, j]
                dsig[:] = 1.0 if chosen else 0.0
                prev[:], moved[:] = 0.0, 0.0
                learn_carry = terms.learns_cost and menu.threat[a]
                if not chosen:
                    u_c[:] = (paid - costs * x)[:, None]
                # the leader's gain from delivering rather than reneging, by type
                keep = terms.renege + terms.promise_cost - (1.0 + terms.hawk_bias) * price_x
                for rounds in range(1, MAX_ROUNDS + 1):
                    kernels.outcome_terms(grid, nu, sigma, Wn, zero, -P, resist,
                                          r_table if learn_carry else none)  # fmt: skip
                    if chosen:
                        kernels.outcome_terms(grid, nu, dsig, Wn, -costs * x, price_x,
                                              u_c, c_table)  # fmt: skip
                    if strategic:  # (D's types known: nothing to iterate)
                        residual = respond_both(
                            grid, Wn[j], Rn[j], u_c, resist, p_out=comply[t, a, :, j],
                            roots_out=roots[t, a, j], W_out=Wa[a, j], V_out=Ra[a, j],
                            flow_resolute=flow_re_t, where=f" in period {t}", **options,
                        )  # fmt: skip
                        break
                    residual = respond(
                        grid, Wn[j], u_c, resist, p_out=comply[t, a, :, j],
                        roots_out=roots[t, a, j], W_out=Wa[a, j],
                        W_resist=r_table if learn_carry else None,
                        W_comply=c_table if chosen else None, **options,
                    )  # fmt: skip
                    if not (learn_carry or chosen):
                        break
                    share = 1.0 / (rounds - SECANT_ROUNDS) if rounds > SECANT_ROUNDS else 0.0
                    if learn_carry:
                        after = posterior(grid, comply[t, a, 0, j], comply[t, a, 1, j], False)
                        static = aud - terms.costs * P
                        change = kernels.execute(nu, after, Vn, static, delta, xi, sigma,
                                                 prev, moved, share)  # fmt: skip
                    else:
                        after = posterior(grid, comply[t, a, 0, j], comply[t, a, 1, j], True)
                        change = kernels.execute(nu, after, Vn, keep, delta, xi, dsig,
                                                 prev, moved, share)  # fmt: skip
                    if change <= TOLERANCE:
                        break
                if learn_carry or chosen:
                    cells += G
                    off = np.abs(moved).max(axis=0)  # each cell's last best-reply move
                    stuck += int((off > UNSETTLED).sum())
                    gap = max(gap, float(off.max()))
                worst = max(worst, residual)
                extra = -terms.hawk_bias * paid
                if menu.offer[a] and menu.price[a] > 0.0 and not chosen:
                    extra -= terms.promise_cost * (1.0 - rho)
                tough = terms.hawk_bias * v * x if menu.threat[a] else 0.0
                kernels.action_values(
                    grid, nu, comply[t, a, :, j], sigma, dsig, Vn, Nn,
                    menu.threat[a], x, P, paid, v, terms.costs, aud, extra, tough,
                    price_x if chosen else 0.0, terms.renege, terms.hawk_bias,
                    terms.promise_cost, delta, Qk[a, :, j], Nk[a, :, j],
                )  # fmt: skip
        Q[t] = (weight[None, :, :, None] * Qk).sum(axis=1)
        choice[t] = action_probabilities(Q[t], xi)
        V[t] = (choice[t][:, None] * Qk).sum(axis=0)
        N[t] = (choice[t][:, None] * Nk).sum(axis=0)
        W[t] = (choice[t] * Wa).sum(axis=0)
        R[t] = (choice[t] * Ra).sum(axis=0)
        if K == 2:  # what a type would gain by taking its own best action, not the pooled one
            pick = np.argmax(Q[t], axis=0)[None, None]
            mine = np.take_along_axis(Qk, pick, axis=0)[0]
            pooling = max(pooling, float((Qk.max(axis=0) - mine).max()))
    return Equilibrium(
        scenario=scenario,
        menu=menu,
        grid=grid,
        d_grid=nus,
        Q=Q,
        choice=choice,
        comply=comply,
        carry=carry,
        deliver=deliver,
        V=V[:H],
        N=N[:H],
        W=W[:H],
        stable_roots=roots,
        residual=worst,
        execution_gap=gap,
        unsettled=stuck / cells if cells else 0.0,
        pooling_gain=pooling,
        seconds=time.perf_counter() - start,
    )


def after_exchange(
    stage: StageGame,
    W: np.ndarray,
    R: np.ndarray,
    V: np.ndarray,
    N: np.ndarray,
    delta: float,
    flow: np.ndarray,
    flow_re: np.ndarray,
) -> tuple[
    tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray], np.ndarray, np.ndarray, float
]:
    """What follows a period's exchange with D, from next period's values ``W[j, g]`` (the
    pliable target's), ``R[j, g]`` (the strategic resolute type's), ``V`` and ``N[k, j, g]``
    (D's types', under its objective and the nation's), as ``((W, flow), (R, flow_re), V,
    N, discount)``: each target type's value over the belief the exchange leaves is
    ``discount`` times its table plus its payoff from third parties, D's ``delta * V`` (and
    ``N``). Without ``third_parties.update_belief`` that is next period's values, ``delta``
    and the third parties' flows at the belief the period starts with. With it the entrants
    come after the exchange, watched: each target type's table becomes its
    :meth:`~backscratch.dyad.stage.StageGame.after_exchange` (its flow plus ``delta`` times
    its expectation over the belief its own encounters leave; ``discount`` 1, flows 0), and
    D's values their expectation over the same encounters as the public sees them
    (:meth:`~backscratch.dyad.stage.StageGame.seen`): the encounters move the belief about
    the target, not the belief about D."""
    if not stage.params.entrants_update:
        return (W, flow), (R, flow_re), V, N, delta
    Wc, Rc = (
        np.stack([stage.after_exchange(row, delta, f, kind=kind)[0] for row in X])
        for kind, X, f in ((0, W, flow), (1, R, flow_re))
    )
    Vc, Nc = (np.array([[stage.seen(row) for row in X[k]] for k in range(len(X))]) for X in (V, N))
    zero = np.zeros_like(flow)
    return (Wc, zero), (Rc, zero), Vc, Nc, 1.0


class GameModel:
    """Every run of a scenario's demander's-choice game in equilibrium, advancing together.

    Each run draws the target's type (prior ``target.prior_pliable``) and, with two
    ``strategic.cost_types``, D's (prior ``strategic.prior_low_cost``) from the scenario's
    seeded streams; each period D takes its equilibrium action at the run's public state.

    >>> import backscratch as bs
    >>> model = GameModel(bs.load_scenario("oye-dyad", runs=50, overrides={"horizon": 3}))
    >>> model.step()
    >>> model.t
    1
    """

    def __init__(self, scenario: Scenario, solution: Equilibrium | None = None):
        check_memory(scenario, COLUMNS)
        self.scenario = scenario
        self.solution = solution = solve(scenario) if solution is None else solution
        self.terms = Terms.from_scenario(scenario, solution.menu)
        n = scenario.runs
        self.streams = rng.Streams(scenario.seed, n)
        self.pliable = self.streams.draw(1)[0] < scenario.target.prior_pliable
        self.d_type = np.zeros(n, dtype=np.int64)
        # D's type is drawn only when it has a private one: without, the draws stay as they were
        if solution.private:
            self.d_type[self.streams.draw(1)[0] >= solution.d_prior] = 1
        self.params = Params.from_scenario(scenario)
        self.mu = np.full(n, scenario.target.prior_pliable)
        self.nu = np.full(n, solution.d_prior)
        self.latency = np.full(n, scenario.hedging.initial)
        self.records, self._rec = allocate_records(scenario, COLUMNS, Records)
        if solution.target_values is None:  # latency is not in the game's state: none is run
            self.records["latency"][:] = 0.0
            self.records["capacity"][:] = 0.0
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
        u = self.streams.draw(kernels.DRAWS_PER_PERIOD)
        # the entrants' draws only when they are played: without, the draws stay as they were
        watched = self.params.entrants_update and self.params.third_parties > 0
        u_e = self.streams.draw(kernels.ENTRANT_DRAWS) if watched else u[:0]
        values = s.target_values  # the target's, when it chooses its capacity
        latent = values is not None
        u_level = self.streams.draw(1)[0] if latent else u[0, :0]  # the level each draws
        # with latency in the state the tables' axis j is latency over latency_max
        axis = np.minimum(self.latency / self.terms.latency_max, 1.0) if latent else self.nu
        kernels.advance(
            t, self.mu, axis, self.pliable, self.d_type, u, s.Q[t], s.comply[t],
            s.carry[t], s.deliver[t], self.terms, self._rec, self.params, u_e,
        )  # fmt: skip
        if values is not None:
            H = self.scenario.horizon
            T_next = values[t + 1] if t + 1 < H else np.zeros_like(values[0])
            kernels.invest_played(
                t, self.mu, self.latency, self.pliable, u_level, T_next, self.terms, self._rec,
                self.scenario.shadow,
            )  # fmt: skip
        self.t += 1

    def run(self) -> GameResult:
        """Play every remaining period and return the result."""
        while not self.done:
            self.step()
        return GameResult(
            self.scenario, self.solution, self.records, self.pliable, self.mu.copy(),
            self.terms.costs[self.d_type],
            self.nu.copy() if self.solution.target_values is None else np.ones_like(self.nu),
            self.terms.renege[self.d_type],
        )  # fmt: skip

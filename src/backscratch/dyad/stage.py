"""The target's programme: the stage game of a period and its solution by backward induction.

See ``docs/model.md`` ("The target's equilibrium"). :func:`plan_for` makes a scenario's
instrument plan (a policy, its schedule or a counterfactual); :class:`StageGame` holds the
plan and the scenario's :class:`~backscratch.dyad.params.Params` and solves the
forward-looking target's compliance table ``p[t, type, g]`` over a grid of public beliefs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from backscratch.core.errors import ScenarioError
from backscratch.dyad import _kernels as kernels
from backscratch.dyad.params import Params
from backscratch.dyad.policies import EVENTS, POLICIES, InstrumentPlan
from backscratch.dyad.scenario import Scenario

SELECTION_CODES = {
    "continuation": kernels.CONTINUATION,
    "lowest": kernels.LOWEST,
    "highest": kernels.HIGHEST,
}
"""The kernel's code of each rule of ``solver.selection``."""


def multiplicity_of(stable_roots: np.ndarray) -> float:
    """Share of the cells with a demand (a count of stable equilibria above 0) that have
    several."""
    cells = stable_roots > 0
    return float((stable_roots > 1).sum() / cells.sum()) if cells.any() else 0.0


def plan_for(scenario: Scenario, name: str | None = None) -> InstrumentPlan:
    """The instrument plan called ``name`` in ``scenario``.

    ``None``: the scenario's own plan (its ``schedule`` if it has one, else ``policy``); a
    key of ``scenario.counterfactuals``: that schedule; a policy name (``blackmail``, ...):
    that policy in every period (a counterfactual of the same name takes precedence);
    ``scheduled``: the scenario's own schedule, by the name its results carry.
    """
    H, g = scenario.horizon, scenario.mediation.guarantor
    if name == "scheduled" and scenario.schedule and name not in scenario.counterfactuals:
        name = None
    if name is None:
        if not scenario.schedule:
            return InstrumentPlan.constant(scenario.policy, H, g)
        entries, name = scenario.schedule, "scheduled"
    elif name in scenario.counterfactuals:  # a counterfactual may reuse a policy's name
        entries = scenario.counterfactuals[name]
    elif name in POLICIES:
        return InstrumentPlan.constant(name, H, g)
    else:
        scheduled = ["scheduled"] if scenario.schedule else []
        known = list(dict.fromkeys([*POLICIES, *scheduled, *scenario.counterfactuals]))
        raise ScenarioError.bad("policy", f"unknown policy '{name}' (known: {', '.join(known)})")
    return InstrumentPlan.scheduled(name, scenario.policy, entries, scenario.calendar, H, g)


@dataclass(eq=False)
class StageGame:
    """The game's primitives for one instrument plan, and the target's dynamic programme.

    ``plan`` gives the instrument per period, ``params`` the scenario's numbers,
    ``reliability[t]`` the offer's reliability in period ``t`` (a guarantor raises it) and
    ``grid`` the public beliefs at which the programme is solved.
    """

    plan: InstrumentPlan
    params: Params
    reliability: np.ndarray
    grid: np.ndarray
    selection: str = "continuation"
    """Which stable root a period plays where there are several (``solver.selection``)."""
    resolution: int = 4096
    """Resolution of the search for equilibria (``solver.resolution``)."""
    levels: np.ndarray = field(default_factory=lambda: np.zeros(1))
    """The capacity levels the target chooses among (``hedging.capacity_levels``)."""
    latency_grid: int = 21
    """Points of the latency grid (``solver.latency_grid``; ``hedging.mode: choice``)."""
    stationary: bool = False
    """Solve the programme without a last period, by value iteration (``solver.stationary``)."""
    strategic_resolute: bool = False
    """Whether the resolute type is strategic too (``target.resolute: strategic``), not the
    commitment type."""
    iterations: int = field(default=0, init=False)
    """Value iterations of the last stationary :meth:`solve` (0: backward induction)."""
    value_change: float = field(default=0.0, init=False)
    """The largest change of the value in its last iteration."""
    residual: float = field(default=0.0, init=False)
    """Largest fixed-point residual of the last :meth:`solve` (0 when fully converged)."""
    stable_roots: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), int), init=False)
    """Number of stable equilibria ``[t, g]`` of the last :meth:`solve` (0 in periods
    without a demand)."""

    tol = 1e-13
    """Width below which a bracketed root counts as found (compliance probability)."""

    @classmethod
    def from_scenario(cls, scenario: Scenario, plan: InstrumentPlan) -> StageGame:
        """The stage game that ``scenario`` defines under instrument ``plan``."""
        params = Params.from_scenario(scenario)
        own = plan.terms.get("reliability")
        base = (
            params.reliability if own is None else np.where(np.isnan(own), params.reliability, own)
        )
        guaranteed = np.maximum(base, scenario.mediation.reliability)
        reliability = np.where(plan.guarantor, guaranteed, base).astype(float)
        solver = scenario.solver
        return cls(
            plan=plan,
            params=params,
            reliability=reliability,
            grid=np.linspace(0.0, 1.0, solver.belief_grid),
            selection=solver.selection,
            resolution=solver.resolution,
            levels=np.asarray(scenario.hedging.capacity_levels, dtype=float),
            latency_grid=solver.latency_grid,
            stationary=solver.stationary,
            strategic_resolute=scenario.target.resolute == "strategic",
        )

    def terms_at(self, t: int) -> Params:
        """The numbers of the target's game in period ``t``: :attr:`params` with the
        schedule's dated terms (``credibility``, ``punishment``, ``price``) where an entry
        sets them (the offer's reliability is :attr:`reliability`)."""
        terms: dict[str, Any] = {
            k: float(v[t])
            for k, v in self.plan.terms.items()
            if k != "reliability" and not np.isnan(v[t])
        }
        return self.params._replace(**terms) if terms else self.params

    def params_at(self, t: int) -> Params:
        """What a period of play takes: :meth:`terms_at` with the period's dated events
        (stock shipped out, capacity dismantled, a strike, a cap). Events move the stocks
        and payoffs, not the target's game (its compliance does not depend on them)."""
        events: dict[str, Any] = {k: float(v[t]) for k, v in self.plan.events.items()}
        params = self.terms_at(t)
        return params._replace(**events) if events else params

    def event(self, name: str) -> np.ndarray:
        """The per-period values of dated event ``name`` (a field of
        :data:`~backscratch.dyad.policies.EVENTS`) under the plan."""
        own = self.plan.events.get(name)
        return np.full(self.horizon, EVENTS[name]) if own is None else own

    def term(self, name: str) -> np.ndarray:
        """The per-period values of term ``name`` (``credibility``, ``punishment``,
        ``price``) in force under the plan."""
        base = float(getattr(self.params, name))
        own = self.plan.terms.get(name)
        return np.full(self.horizon, base) if own is None else np.where(np.isnan(own), base, own)

    @property
    def multiplicity(self) -> float:
        """Share of the (period, belief) cells with a demand where the last :meth:`solve`
        found several stable equilibria."""
        return multiplicity_of(self.stable_roots)

    @property
    def horizon(self) -> int:
        return len(self.plan.threat)

    @property
    def table_shape(self) -> tuple[int, ...]:
        """Shape of the target's table: ``(horizon, 2, grid)`` of compliance probabilities;
        with ``hedging.mode: choice`` ``(horizon, latency_grid, 4, grid)``, each type's
        compliance (rows 0, 1) and value at the start of the next period (rows 2, 3) at
        every latency grid point."""
        if self.params.choice:
            return (self.horizon, self.latency_grid, 4, len(self.grid))
        return (self.horizon, 2, len(self.grid))

    @property
    def latency_points(self) -> np.ndarray:
        """The latency grid of ``hedging.mode: choice``: ``latency_grid`` points on [0,
        ``hedging.latency_max``]."""
        return np.linspace(0.0, self.params.latency_max, self.latency_grid)

    def demand(self, mu: np.ndarray | float) -> np.ndarray:
        """The demand ``x(mu)`` at public belief ``mu``."""
        return self.params.demand_a + self.params.demand_b * np.asarray(mu)

    def immediate(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        """Each type's expected payoff of complying / resisting at every grid belief, period t.

        Returns ``(comply, resist)``, each of shape (2, grid).
        """
        p = self.params
        x = p.demand_a + p.demand_b * self.grid
        if self.plan.threat[t]:
            costs = np.asarray(p.threat_costs)[:, None]
        else:
            costs = np.asarray(p.offer_costs)[:, None]
        reward = self.reliability[t] * p.price if self.plan.offer[t] else 0.0
        comply = (reward - costs) * x
        penalty = p.credibility * p.punishment_at(x) if self.plan.threat[t] else 0.0
        resist = np.broadcast_to(-penalty, comply.shape).copy()
        return comply, resist

    def third_party_flow(self, kind: int = 0) -> np.ndarray:
        """The pliable type's (``kind`` 1: the resolute type's) expected payoff per period
        from third parties, per belief.

        ``M * e(mu) * E[max(u_C + eps, u_R)]`` for one entrant's demand met with the myopic
        logit reply (0 when there are no third parties): :meth:`_type_flows` with latency
        blunting nothing.
        """
        return self._type_flows(np.ones(1))[0, kind]

    def solve(self, discount: float) -> np.ndarray:
        """Backward induction over the public belief; returns the compliance table ``p[t, type, g]``.

        The resolute type is the commitment type of Kreps & Wilson (1982): it plays its
        myopic logit reply. The pliable type is strategic: with ``W_{t+1}(mu)`` its
        continuation value, it complies iff
        ``u_C + discount * W_{t+1}(mu_C) + eps >= u_R + discount * W_{t+1}(mu_R)`` with
        ``eps ~ Logistic(0, noise)``, where ``mu_C``/``mu_R`` are the Bayes posteriors after
        compliance/resistance given both types' compliance probabilities — its own
        included, so its probability is a fixed point, solved at every grid belief
        (``_kernels.solve_period``); then its value rolls back one period
        (``_kernels.continuation``). The largest equilibrium residual over all periods is
        kept in :attr:`residual`.

        Under a schedule the target expects the instrument in force to continue (static
        policy expectations): in each period it plays the solution of the game in which the
        current instrument is kept to the horizon, and it re-optimises when the schedule
        switches. So a counterfactual schedule changes behaviour only from the date it
        diverges. Without a schedule this is the exact backward induction.
        """
        H = self.horizon
        keys = [
            (bool(self.plan.threat[t]), bool(self.plan.offer[t]), float(self.reliability[t]),
             self.terms_at(t))
            for t in range(H)
        ]  # fmt: skip
        regimes = list(dict.fromkeys(keys))
        if len(regimes) == 1 and regimes[0][3] == self.params:
            return self._backward(discount)
        p = np.empty(self.table_shape)
        roots: np.ndarray | None = None
        worst = 0.0
        for regime in regimes:
            threat, offer, rel, params = regime
            const = replace(
                self,
                plan=InstrumentPlan(
                    self.plan.name, np.full(H, threat), np.full(H, offer), np.full(H, False)
                ),
                params=params,
                reliability=np.full(H, rel),
            )
            now = np.array([k == regime for k in keys])
            table = const._backward(discount, first=int(np.argmax(now)))
            worst = max(worst, const.residual)
            p[now] = table[now]
            if roots is None:
                roots = np.zeros_like(const.stable_roots)
            roots[now] = const.stable_roots[now]
        assert roots is not None
        self.residual = worst
        self.stable_roots = roots
        return p

    def _backward(self, discount: float, first: int = 0) -> np.ndarray:
        """Backward induction for this plan, taken as known to the target, from the last
        period down to period ``first`` (the table's earlier periods are left at 0: a
        schedule's regime needs no period before the one it starts in)."""
        if self.params.choice:
            return self._backward_choice(discount, first)
        if self.stationary:
            return self._stationary(discount)
        H, G = self.horizon, len(self.grid)
        p = np.zeros((H, 2, G))
        roots = np.zeros((H, G), dtype=np.int64)
        rule = SELECTION_CODES[self.selection]
        W = np.zeros(G)
        W_next = np.empty_like(W)
        V, V_next = np.zeros(G), np.zeros(G)  # the resolute type's, when it is strategic
        flow = self.third_party_flow()
        flow_re = self.third_party_flow(1) if self.strategic_resolute else flow
        worst = 0.0
        for t in range(H - 1, first - 1, -1):
            Wc, d, f = self.after_exchange(W, discount, flow)
            Vc, f_re = V, flow_re
            if self.strategic_resolute:
                Vc, _, f_re = self.after_exchange(V, discount, flow_re, kind=1)
            if not (self.plan.threat[t] or self.plan.offer[t]):
                W = f + d * Wc
                V = f_re + d * Vc
                continue
            worst = max(
                worst, self._period(t, Wc, Vc, d, f, f_re, rule, p[t], roots[t], W_next, V_next)
            )
            W, W_next, V, V_next = W_next, W, V_next, V
        self.residual = worst
        self.stable_roots = roots
        return p

    def _period(self, t, Wc, Vc, d, f, f_re, rule, p_t, roots_t, W_out, V_out) -> float:
        """One period of the dyad's programme: the compliance ``p_t`` (every stable root,
        ``roots_t`` their number) given the pliable type's continuation ``Wc`` (and the
        resolute type's ``Vc`` when it is strategic), then the pliable type's value into
        ``W_out`` and, when the resolute type is strategic, its value into ``V_out`` (left
        alone otherwise). Returns the residual."""
        comply, resist = self.immediate(t)
        noise = self.params.noise
        if self.strategic_resolute:
            return respond_both(
                self.grid, Wc, Vc, comply, resist, discount=d, noise=noise,
                resolution=self.resolution, selection=self.selection, flow=f, flow_resolute=f_re,
                p_out=p_t, roots_out=roots_t, W_out=W_out, V_out=V_out, where=f" in period {t}",
            )  # fmt: skip
        worst = kernels.solve_period(
            self.grid, Wc, Wc[None], comply, resist, d, noise, self.tol, self.resolution, rule,
            p_t, roots_t,
        )  # fmt: skip
        kernels.continuation(self.grid, Wc, Wc[None], comply, resist, p_t, d, noise, f, W_out)
        return float(worst)

    stationary_tolerance = 1e-10
    """Value iteration stops when the value changes by no more than this [payoff units]."""
    stationary_iterations = 2_000
    """Most value iterations; a programme that has not settled by then is refused."""

    def _stationary(self, discount: float) -> np.ndarray:
        """The programme of a plan that never ends (``solver.stationary``): one period
        solved again and again, its value the next one's continuation, from zero until the
        value changes by no more than :attr:`stationary_tolerance`; the last period's
        compliance holds in every period. Called for a constant plan (each regime of a
        schedule is one: the target expects it to last for ever)."""
        H, G = self.horizon, len(self.grid)
        rule = SELECTION_CODES[self.selection]
        flow = self.third_party_flow()
        demand = bool(self.plan.threat[0] or self.plan.offer[0])
        p1 = np.zeros((2, G))
        roots1 = np.zeros(G, dtype=np.int64)
        W, W_next = np.zeros(G), np.empty(G)
        worst, change, iterations = 0.0, np.inf, 0
        while iterations < self.stationary_iterations and change > self.stationary_tolerance:
            iterations += 1
            Wc, d, f = self.after_exchange(W, discount, flow)
            if demand:  # (the commitment type only: the scenario refuses the strategic one)
                worst = self._period(0, Wc, Wc, d, f, f, rule, p1, roots1, W_next, W_next)
            else:
                W_next[:] = f + d * Wc
            change = float(np.abs(W_next - W).max())
            W, W_next = W_next, W
        if change > self.stationary_tolerance:
            raise ScenarioError.bad(
                "solver.stationary",
                f"value iteration did not settle in {iterations} iterations (the value still "
                f"moves by {change:.2g}): the selected equilibrium cycles; solve over the "
                "horizon instead",
            )
        self.residual = float(worst)
        self.stable_roots = (
            np.repeat(roots1[None], H, axis=0) if demand else np.zeros((H, G), np.int64)
        )
        self.iterations, self.value_change = iterations, change
        return np.repeat(p1[None], H, axis=0)

    def after_exchange(
        self, W: np.ndarray, discount: float, flow: np.ndarray, kind: int = 0
    ) -> tuple[np.ndarray, float, np.ndarray]:
        """What a period's exchange with the demander is followed by, as ``(Wc, d, f)``: the
        pliable type's (``kind`` 1: the strategic resolute type's, with its own ``W``,
        ``flow`` and replies to the entrants) value over the belief the exchange leaves is
        ``d * Wc`` and its payoff in the period from third parties ``f``, which
        :func:`kernels.solve_period` and :func:`kernels.continuation` take (a period without
        a demand is worth ``f + d * Wc``). Without ``third_parties.update_belief``: ``(W,
        discount, flow)``, the third parties' flow at the belief the period starts with. With
        it the entrants come after the exchange and are watched: ``Wc = flow + discount *
        E[W(belief after the encounters)]`` on the belief the exchange left
        (:func:`kernels.encounter_values`), ``d = 1`` and ``f = 0``."""
        p = self.params
        if not p.entrants_update:
            return W, discount, flow
        return flow + discount * self._watched(W, kind), 1.0, np.zeros_like(flow)

    def seen(self, X: np.ndarray) -> np.ndarray:
        """The public's expectation of ``X`` (values over the belief: D's, say) after the
        period's watched encounters, at every grid belief ``mu`` the exchange left: each
        type's expectation (:meth:`_watched`) weighted by ``mu`` and ``1 - mu``, the
        probabilities the public gives the types there (``third_parties.update_belief``)."""
        mu = self.grid
        return mu * self._watched(X, 0) + (1.0 - mu) * self._watched(X, 1)

    def _watched(self, W: np.ndarray, kind: int = 0, blunt: float = 1.0) -> np.ndarray:
        """A type's (``kind``: 0 pliable, 1 resolute) expected ``W`` over the belief after
        the period's encounters, at every grid belief the exchange left
        (:func:`kernels.encounter_values`; ``blunt``: the share of a punishment latency
        leaves, which moves the entrants' entry and the target's replies)."""
        entry, logs = self._encounter_inputs(blunt)
        seen = np.empty_like(W)
        kernels.encounter_values(self.grid, W, self.params.third_parties, entry, logs, seen, kind)
        return seen

    def _encounter_inputs(self, blunt: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        """Each grid belief's entry probability and the reply logs of its encounters
        (:func:`kernels.reply_logs`: what meeting or refusing an entrant tells the public),
        an entrant's punishment blunted to ``blunt`` of itself by latency."""
        cache = self.__dict__.setdefault("_encounters", {})
        if blunt in cache:
            return cache[blunt]
        p, mu = self.params, self.grid
        x = p.demand_a + p.demand_b * mu
        P = p.punishment_at(x)
        offers = self.entrants_offer(P * blunt)
        entry = np.where(
            offers,
            kernels.entry_chance(mu, x, P, P * blunt, True, p),
            kernels.entry_chance(mu, x, P, P * blunt, False, p),
        )
        logs = np.array([kernels.reply_logs(x[g], P[g] * blunt, bool(offers[g]), p)
                         for g in range(len(mu))]).T  # fmt: skip
        cache[blunt] = (entry, np.ascontiguousarray(logs))
        return cache[blunt]

    def _type_flows(self, blunt: np.ndarray) -> np.ndarray:
        """Each type's expected payoff per period from third parties, ``[j, type, g]`` at
        latency grid point ``j`` (whose latency blunts their punishment by ``blunt[j]``):
        ``M * e(mu) * E[max(u_C + eps, u_R)]``, with ``e`` the entry probability
        (``_kernels.entry_chance``) and ``u_C``, ``u_R`` the type's payoffs of meeting and
        refusing one entrant's threat (or offer)."""
        p = self.params
        out = np.zeros((len(blunt), 2, len(self.grid)))
        if p.third_parties == 0:
            return out
        mu = self.grid
        x = p.demand_a + p.demand_b * mu
        P = p.punishment_at(x)
        for j, b in enumerate(blunt):  # entrants who best-respond see what latency does
            offers = self.entrants_offer(P * b)
            for k in range(2):
                one, e = [], []
                for offering in (False, True):
                    e.append(kernels.entry_chance(mu, x, P, P * b, offering, p))
                    if offering:
                        u_c = p.reliability * p.price * x - p.offer_costs[k] * x
                        u_r = 0.0 * x
                    else:
                        u_c = -p.threat_costs[k] * x
                        u_r = -p.credibility * P * b
                    one.append(u_r + p.noise * np.logaddexp(0.0, (u_c - u_r) / p.noise))
                out[j, k] = (
                    p.third_parties
                    * np.where(offers, e[1], e[0])
                    * np.where(offers, one[1], one[0])
                )
        return out

    def entrants_offer(self, harm: np.ndarray | float | None = None) -> np.ndarray:
        """Whether the entrants of a period come with offers, at every grid belief
        (``third_parties.instrument``; ``harm``: what a carried-out threat does the target,
        the punishment unless latency blunts it)."""
        return offers_at(self.grid, self.params, harm)

    def _shifted(self, U: np.ndarray, amount: float) -> np.ndarray:
        """``U[j, type, g]`` at latency ``max(L_j - amount, 0)`` (linear in latency)."""
        J, l_max = self.latency_grid, self.params.latency_max
        pos = np.clip(self.latency_points - amount, 0.0, l_max) / l_max * (J - 1)
        j = np.minimum(pos.astype(np.int64), J - 2)
        w = (pos - j)[:, None, None]
        return U[j] * (1.0 - w) + U[j + 1] * w

    def _invest_from(
        self, V: np.ndarray, starts: np.ndarray, freeze: bool, cap: float, discount: float
    ) -> np.ndarray:
        """Each type's value of choosing capacity from latency ``starts[j]`` within a freeze
        or cap, ``[j, type, g]``: its best level (``_kernels.invest_after``) or, when
        observers read type from it (``hedging.investment_observed``), its logit choice
        and what the level reveals (``_kernels.invest_read``)."""
        p = self.params
        out = np.empty_like(V)
        if p.investment_observed:
            kernels.invest_read(
                V, self.levels, p.capacity_cost, p.productivity, discount, p.latency_max,
                starts, freeze, cap, self.grid, p.capacity_noise, out,
            )  # fmt: skip
            return out
        kernels.invest_after(
            V, self.levels, p.capacity_cost, p.productivity, discount, p.latency_max, starts,
            freeze, cap, out,
        )  # fmt: skip
        return out

    def _invest(self, V: np.ndarray, discount: float) -> np.ndarray:
        """The value of choosing capacity from every latency point, ``U[j, type, g]``
        (``_kernels.invest_values``), given the values ``V`` at the start of next period."""
        p = self.params
        if p.investment_observed:
            return self._invest_from(V, self.latency_points, False, np.inf, discount)
        U = np.empty_like(V)
        kernels.invest_values(
            V, self.levels, p.capacity_cost, p.productivity, discount, p.latency_max, U
        )
        return U

    def _backward_choice(self, discount: float, first: int = 0) -> np.ndarray:
        """Backward induction over (latency, public belief) when the target chooses its
        capacity (``hedging.mode: choice``; ``docs/model.md``, Hedging and latency).

        In each period, at every latency grid point ``L_j``: the period's game is the
        dyad's, with every carried-out threat blunted by ``exp(-deterrence * L_j)`` and each
        type's continuation after its answer the value of choosing capacity next
        (``_kernels.invest_values``) at the latency that answer leaves — ``L_j`` after
        resisting, ``L_j - demand_rollback`` after complying, less ``rollback`` more if the
        reward is delivered (probability the offer's reliability), and under a freeze or a
        cap (``demand_freeze``, ``demand_cap``) the choice after complying is made within
        the limit it sets (``_kernels.invest_after``). The pliable type's
        compliance is the fixed point of the dyad (``_kernels.solve_period``, every stable
        root); the resolute type's is its logit reply at the current belief
        (``_kernels.resolute_value``). With ``third_parties.update_belief`` each type's
        continuation after the exchange is the entrants' flow plus its expectation over the
        belief their watched encounters leave (:meth:`_watched`, latency blunting the
        entrants' threats as it does D's), before the capacity choice. Returns the table of
        :attr:`table_shape`."""
        H, G, J = self.horizon, len(self.grid), self.latency_grid
        table = np.zeros(self.table_shape)
        roots = np.zeros((H, J, G), dtype=np.int64)
        V = np.zeros((J, 2, G))
        worst = 0.0
        for t in range(H - 1, first - 1, -1):
            table[t, :, 2:] = V
            if not (self.plan.threat[t] or self.plan.offer[t]):
                V = self.choice_idle(V, discount)
                continue
            comply, resist = self.immediate(t)
            V, residual = self.choice_step(
                V, comply, resist, bool(self.plan.offer[t]), float(self.reliability[t]),
                discount, table[t, :, :2], roots[t],
            )  # fmt: skip
            worst = max(worst, residual)
        self.residual = worst
        self.stable_roots = roots
        return table

    def _choice_flows(self) -> tuple[np.ndarray, np.ndarray]:
        """Over the latency grid: the share ``blunt[j]`` of a punishment that latency
        ``L_j`` leaves, ``exp(-deterrence * L_j)``, and each type's payoff from third
        parties ``flow[j, type, g]`` (:meth:`_type_flows`)."""
        cache = self.__dict__.setdefault("_choice", {})
        if not cache:
            cache["blunt"] = np.exp(-self.params.deterrence * self.latency_points)
            cache["flow"] = self._type_flows(cache["blunt"])
        return cache["blunt"], cache["flow"]

    def _after_complying(self, V: np.ndarray, U: np.ndarray, amount: float, discount: float):
        """The value of choosing capacity after complying, at every latency point: ``U``
        shifted down by the rollback ``amount``, or, under a freeze or a cap, the choice
        made again from the latency left and within the limit it sets."""
        p = self.params
        if not (p.demand_freeze or np.isfinite(p.demand_cap)):
            return self._shifted(U, amount)
        starts = np.maximum(self.latency_points - amount, 0.0)
        return self._invest_from(V, starts, p.demand_freeze, p.demand_cap, discount)

    def _watched_choice(self, X: np.ndarray) -> np.ndarray:
        """``X`` (values over the belief the exchange leaves, ``[j, type, g]``) after the
        period's watched encounters, their flow included (``update_belief``)."""
        blunt, flow = self._choice_flows()
        out = np.empty_like(X)
        for j in range(self.latency_grid):
            for k in range(2):
                out[j, k] = flow[j, k] + self._watched(X[j, k], k, float(blunt[j]))
        return out

    def choice_idle(self, V: np.ndarray, discount: float) -> np.ndarray:
        """A period without a demand when the target chooses its capacity: each type's value
        at its start, ``[j, type, g]``, from ``V`` at the start of the next (the third
        parties' flow and the capacity choice)."""
        U = self._invest(V, discount)
        if self.params.entrants_update:
            return self._watched_choice(U)
        return self._choice_flows()[1] + U

    def choice_step(
        self,
        V: np.ndarray,
        comply: np.ndarray,
        resist: np.ndarray,
        offer: bool,
        reliability: float,
        discount: float,
        p_out: np.ndarray,
        roots_out: np.ndarray,
    ) -> tuple[np.ndarray, float]:
        """One period with a demand when the target chooses its capacity (``hedging.mode:
        choice``), for any demand: at every latency grid point ``L_j`` each type's
        compliance ``p_out[j, type, g]`` (every stable root of the pliable type's, by
        ``solver.selection``; ``roots_out[j, g]`` their number) given the stage payoffs
        ``comply``/``resist`` (2 x grid; the punishment blunted by latency here) and the
        values ``V[j, type, g]`` at the start of the next period, as
        :meth:`_backward_choice` describes; ``offer``: whether the demand is paid (an
        honoured exchange rolls back ``hedging.rollback`` more, with probability
        ``reliability``). Returns each type's value at the start of this period and the
        residual. The step :meth:`_backward_choice` takes in each period, and the
        demander's-choice game for each action of its menu
        (:func:`backscratch.game.latency.backward_latency`)."""
        J = self.latency_grid
        p = self.params
        rule = SELECTION_CODES[self.selection]
        blunt, flow = self._choice_flows()
        U = self._invest(V, discount)
        after = self._after_complying(V, U, p.demand_rollback, discount)
        if offer and p.rollback > 0.0:
            rolled = self._after_complying(V, U, p.demand_rollback + p.rollback, discount)
            after = reliability * rolled + (1 - reliability) * after
        late = p.entrants_update
        if late:
            after, U = self._watched_choice(after), self._watched_choice(U)
        flow_now = np.zeros_like(flow) if late else flow  # what the period adds itself
        V_new = np.empty_like(V)
        worst = 0.0
        for j in range(J):
            c = comply.copy()
            c[1] += after[j, 1] - U[j, 1]  # the resolute type counts its programme
            r = resist * blunt[j]
            out = p_out[j]
            worst = max(
                worst,
                kernels.solve_period(
                    self.grid, after[j, 0], U[j, 0][None], c, r, 1.0, p.noise, self.tol,
                    self.resolution, rule, out, roots_out[j],
                ),
            )  # fmt: skip
            kernels.continuation(
                self.grid, after[j, 0], U[j, 0][None], c, r, out, 1.0, p.noise, flow_now[j, 0],
                V_new[j, 0],
            )  # fmt: skip
            kernels.resolute_value(
                self.grid, after[j, 1], U[j, 1], comply, r, out, p.noise, flow_now[j, 1],
                V_new[j, 1],
            )  # fmt: skip
        return V_new, float(worst)


def offers_at(mu: np.ndarray, p: Params, harm: np.ndarray | float | None = None) -> np.ndarray:
    """Whether entrants come with offers at each public belief of ``mu`` under the numbers
    ``p`` (``third_parties.instrument``): always or never, or with ``choose`` where an
    offer's expected gain beats a threat's (``_kernels.entry_gain``; ties: a threat).
    ``harm``: what a carried-out threat does the target (default: the punishment)."""
    x = p.demand_a + p.demand_b * mu
    P = p.punishment_at(x)
    harm = P if harm is None else harm
    if not p.entrant_choose:
        return np.full(np.shape(mu), p.entrant_offers)
    return kernels.entry_gain(mu, x, P, harm, True, p) > kernels.entry_gain(
        mu, x, P, harm, False, p
    )


def respond(
    grid: np.ndarray,
    W: np.ndarray,
    comply: np.ndarray,
    resist: np.ndarray,
    *,
    discount: float,
    noise: float,
    resolution: int,
    selection: str,
    flow: np.ndarray,
    p_out: np.ndarray,
    roots_out: np.ndarray,
    W_out: np.ndarray,
    W_resist: np.ndarray | None = None,
    W_comply: np.ndarray | None = None,
) -> float:
    """One period of the target's programme for any demand: the equilibrium compliance
    ``p_out[type, g]`` at every grid belief (every stable root, the one ``selection`` names;
    ``roots_out[g]`` their number) given the stage payoffs ``comply``/``resist`` (2 x grid)
    and the pliable type's continuation ``W``; then its value this period, ``W_out``, with
    ``flow`` its expected payoff from third parties at each belief. ``W_resist[g, :]``, if
    given, is its continuation after resisting at grid belief ``g`` (else ``W``);
    ``W_comply[g, :]`` likewise after complying (not both). The step
    :meth:`StageGame.solve` takes in each period, for other models' use (the
    demander's-choice game). Returns the residual.

    With ``W_comply`` the programme is solved with the two choices' roles swapped: the
    kernel's per-row side is the one after resisting, and a target that resists with
    probability ``1 - p`` is the same target (Bayes' rule, the logit reply and the value
    are symmetric in the relabelling), so its compliance is ``1 -`` the swapped root; the
    lowest and highest rules swap with it."""
    if W_comply is not None:
        if W_resist is not None:
            raise ValueError("respond: a per-row continuation on one side only")
        swapped = {"lowest": "highest", "highest": "lowest"}.get(selection, selection)
        worst = kernels.solve_period(
            grid, W, W_comply, resist, comply, discount, noise, StageGame.tol, resolution,
            SELECTION_CODES[swapped], p_out, roots_out,
        )  # fmt: skip
        kernels.continuation(grid, W, W_comply, resist, comply, p_out, discount, noise, flow,
                             W_out)  # fmt: skip
        np.subtract(1.0, p_out, out=p_out)
        return float(worst)
    Wr = W[None] if W_resist is None else W_resist
    worst = kernels.solve_period(
        grid, W, Wr, comply, resist, discount, noise, StageGame.tol, resolution,
        SELECTION_CODES[selection], p_out, roots_out,
    )  # fmt: skip
    kernels.continuation(grid, W, Wr, comply, resist, p_out, discount, noise, flow, W_out)
    return float(worst)


def respond_both(
    grid: np.ndarray,
    W: np.ndarray,
    V: np.ndarray,
    comply: np.ndarray,
    resist: np.ndarray,
    *,
    discount: float,
    noise: float,
    resolution: int,
    selection: str,
    flow: np.ndarray,
    flow_resolute: np.ndarray,
    p_out: np.ndarray,
    roots_out: np.ndarray,
    W_out: np.ndarray,
    V_out: np.ndarray,
    where: str = "",
) -> float:
    """:func:`respond` with both types strategic (``target.resolute: strategic``): the
    period's joint equilibrium (``_kernels.solve_period_both``, every stable root, the one
    ``selection`` names) given the pliable type's continuation ``W`` and the resolute
    type's ``V``, then each type's value this period (``W_out``, ``V_out``; ``flow`` and
    ``flow_resolute`` their payoffs from third parties). A cell where no equilibrium is
    found is refused with one line naming ``target.resolute`` (and ``where``, e.g. the
    period). Returns the residual."""
    worst = kernels.solve_period_both(
        grid, W, W, V, V, comply, resist, discount, noise, resolution,
        SELECTION_CODES[selection], p_out, roots_out,
    )  # fmt: skip
    if (roots_out < 0).any():
        g = int(np.argmax(roots_out < 0))
        raise ScenarioError.bad(
            "target.resolute",
            f"no equilibrium found with both types strategic{where} at belief {grid[g]:.3g}; "
            "raise solver.resolution or target.noise, or use target.resolute: commitment",
        )
    kernels.continuation(grid, W, W[None], comply, resist, p_out, discount, noise, flow, W_out)
    kernels.continuation(
        grid, V, V[None], comply[1:], resist[1:], p_out, discount, noise, flow_resolute, V_out
    )
    return float(worst)


def equilibrium_of(stage: StageGame) -> dict[str, Any]:
    """What a solved stage game says about its equilibrium: the selection rule, the largest
    fixed-point residual and the share of cells with several stable equilibria."""
    out = {
        "selection": stage.selection,
        "residual": stage.residual,
        "multiple_equilibria": stage.multiplicity,
    }
    if stage.stationary:
        out |= {"stationary_iterations": stage.iterations, "value_change": stage.value_change}
    return out

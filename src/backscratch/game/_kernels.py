"""Numba kernels of the demander's-choice game: D's side of one period of the solution
(carrying out a resisted threat, the value of each action) and one period of equilibrium
play for every run.

Private to :mod:`backscratch.game`. Tables over the public state are ``[..., j, g]``: the
``j``-th point of the grid of beliefs that D is its first type (low-cost, or reliable;
one point when D has no private type) and the ``g``-th of beliefs that the target is
pliable, both uniform on [0, 1]. Type index 0 of D is that first type. The target's responses and Bayes' rule are the
dyad's (:mod:`backscratch.core.kernels`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from backscratch.core.kernels import on_grid, posterior
from backscratch.dyad._kernels import _latency_limit, _watched_entrants, draw_level, read_cell
from backscratch.dyad.codes import COMPLIED, NO_DEMAND, RESISTED

DRAWS_PER_PERIOD = 4
"""Uniforms per run and period: D's action (used when its choices are noisy), the target's
response, D's decision to carry out a resisted threat, the delivery of a promised reward."""

ENTRANT_DRAWS = 3
"""Uniforms per run and period for the third parties when they are played
(``third_parties.update_belief``), drawn after the others: how many enter, how many of
their demands the target meets, how many are carried out or paid."""


@njit(cache=True)
def choose(q_row, noise, u):
    """D's action from its action values ``q_row`` at the run's belief: the first maximum
    when ``noise`` is 0, else a logit draw of scale ``noise`` with uniform ``u``."""
    n = q_row.shape[0]
    best = 0
    for a in range(1, n):
        if q_row[a] > q_row[best]:
            best = a
    if noise <= 0.0:
        return best
    total = 0.0
    for a in range(n):
        total += np.exp((q_row[a] - q_row[best]) / noise)
    acc = 0.0
    for a in range(n):
        acc += np.exp((q_row[a] - q_row[best]) / noise) / total
        if u < acc:
            return a
    return n - 1


@njit(cache=True, inline="always")
def on_grid2(table, nu, mu):
    """Linear interpolation of ``table[j, g]`` at the belief ``nu`` about D and ``mu``
    about the target (a table with one row is constant in ``nu``)."""
    n = table.shape[0]
    if n == 1:
        return on_grid(table[0], mu)
    pos = nu * (n - 1)
    j = min(int(pos), n - 2)
    w = pos - j
    return on_grid(table[j], mu) * (1.0 - w) + on_grid(table[j + 1], mu) * w


@njit(cache=True, inline="always")
def _carry(gain, noise):
    """The probability of carrying out a threat whose net gain is ``gain``: exact (ties carry
    out) when ``noise`` is 0, else its logit."""
    if noise <= 0.0:
        return 1.0 if gain >= 0.0 else 0.0
    return 1.0 / (1.0 + np.exp(-gain / noise))


@njit(cache=True, inline="always")
def _gain(i, nu, mu, s0, s1, V_next, static, delta):
    """Type ``i``'s net gain from acting (carrying out a resisted threat; delivering a
    promised reward): its ``static[i]`` gain this period, plus the value of the belief
    about D that acting rather than not acting leaves (Bayes' rule on the types'
    probabilities ``s0``, ``s1`` of acting; none with one type)."""
    gain = static[i]
    if static.shape[0] == 2:
        up = posterior(nu, s0, s1, True)
        down = posterior(nu, s0, s1, False)
        gain += delta * (on_grid2(V_next[i], up, mu) - on_grid2(V_next[i], down, mu))
    return gain


BISECTIONS = 50
"""Bisection steps for a type's probability of acting (to about 1e-15)."""


@njit(cache=True)
def execute(nu, mu_after, V_next, static, delta, noise, sigma, prev, prev_move, weight):
    """D's equilibrium probabilities of acting, ``sigma[type, g]``, at the belief ``nu``
    about D: carrying out a resisted threat (``static[i] = audience - k_i P``, ``mu_after``
    the belief about the target after resistance) or delivering a promised reward
    (``static[i] = renege_i - price x``, ``mu_after`` the belief after compliance), given
    each type's value next period ``V_next[type, j, g]``.

    One round of the fixed point between the target's response and D's: a Gauss-Seidel
    sweep over the types, each type's best reply the root of ``L(gain / noise) - s`` (it is
    positive at 0 and negative at 1), found by bisection; then, in each cell, a secant step
    on the move ``best reply - sigma`` through the previous round's (``prev``,
    ``prev_move``; a move of 0 there means none yet), kept in [0, 1], which settles both
    the two-cycles and the slow drifts that plain repetition falls into; or, with
    ``weight`` > 0, that share of the move (averaging, for the longer cycles the secant
    can fall into). Updates ``sigma``,
    ``prev`` and ``prev_move`` in place; returns the largest move a best reply asked for."""
    worst = 0.0
    K = static.shape[0]
    for g in range(mu_after.shape[0]):
        m = mu_after[g]
        for i in range(K):
            old = sigma[i, g]
            if K == 1:
                new = _carry(_gain(0, nu, m, 1.0, 1.0, V_next, static, delta), noise)
            else:
                lo, hi = 0.0, 1.0
                for _ in range(BISECTIONS):
                    s = 0.5 * (lo + hi)
                    s0 = s if i == 0 else sigma[0, g]
                    s1 = s if i == 1 else sigma[1, g]
                    gain = _gain(i, nu, m, s0, s1, V_next, static, delta)
                    if _carry(gain, noise) > s:
                        lo = s
                    else:
                        hi = s
                new = 0.5 * (lo + hi)
            move = new - old
            nxt = new
            r0 = prev_move[i, g]
            if weight > 0.0:
                nxt = old + weight * move
            elif r0 != 0.0 and move != r0:
                nxt = old - move * (old - prev[i, g]) / (move - r0)
                if not (0.0 <= nxt <= 1.0):
                    nxt = old + 0.5 * move
            prev[i, g] = old
            prev_move[i, g] = move
            sigma[i, g] = nxt
            worst = max(worst, abs(move))
    return worst


@njit(cache=True)
def outcome_terms(grid, nu, sigma, W_next, base, amount, out, table):
    """What the target gets on one side of its choice, given D's types' probabilities
    ``sigma[type, g]`` of acting there at the belief ``nu`` about D (``q`` D's public
    probability): the stage payoff ``out[type, g] = base[type] + q * amount`` (resisting a
    threat: ``base`` 0, ``amount = -P``; complying with an offer whose delivery is D's
    choice: ``base = -c x``, ``amount = price x``) and, when ``table`` has a row per grid
    point (D's type private and learned from this act), the pliable type's continuation
    ``table[g, m]`` at the ``m``-th grid belief about it: next period's value
    ``W_next[j, m]`` at the belief about D that acting (probability ``q``) or not leaves."""
    K = sigma.shape[0]
    for g in range(grid.shape[0]):
        s0, s1 = sigma[0, g], sigma[K - 1, g]
        q = nu * s0 + (1.0 - nu) * s1 if K == 2 else s0
        out[0, g] = base[0] + q * amount
        out[1, g] = base[1] + q * amount
        if table.shape[0] != grid.shape[0]:
            continue  # nothing learned about D: the continuation is next period's own
        up = posterior(nu, s0, s1, True)
        down = posterior(nu, s0, s1, False)
        for m in range(grid.shape[0]):
            table[g, m] = q * on_grid2(W_next, up, grid[m]) + (1.0 - q) * on_grid2(
                W_next, down, grid[m]
            )


@njit(cache=True)
def action_values(
    grid, nu, p, sigma, dsig, V_next, N_next, threat, x, P, paid, value, costs, audience,
    extra, tough, price_x, renege, hawk_bias, promise_cost, delta, Q_out, N_out,
):  # fmt: skip
    """Each type's value of one action, ``Q_out[type, g]`` under D's objective and
    ``N_out[type, g]`` for the nation, given the target's compliance ``p[type, g]``, D's
    probabilities of carrying out ``sigma`` (threats only) and next period's values: the
    demand's gain ``value * x`` less the reward ``paid`` (and the leader's ``extra`` on a
    deal) if the target complies; if it resists, the threat carried out (cost ``k * P``)
    or backed down from (``audience`` cost), each with the belief about D it leaves; plus
    the leader's ``tough`` bonus for threatening. With ``price_x`` > 0 delivering the
    reward is D's choice (``strategic.renege_costs``): on compliance type ``i`` delivers
    with probability ``dsig[i, g]`` (paying ``price_x``; the leader's hawk bias adds
    ``hawk_bias * price_x``) or reneges (``renege[i]``; the leader's ``promise_cost`` too),
    each with the belief about D it leaves (``paid`` and ``extra`` are then 0)."""
    K = costs.shape[0]
    for g in range(grid.shape[0]):
        mu = grid[g]
        p_pl, p_re = p[0, g], p[1, g]
        yes = mu * p_pl + (1.0 - mu) * p_re
        mc = posterior(mu, p_pl, p_re, True)
        mr = posterior(mu, p_pl, p_re, False)
        for i in range(K):
            if price_x > 0.0:
                d0, d1, s = dsig[0, g], dsig[K - 1, g], dsig[i, g]
                up = posterior(nu, d0, d1, True)
                down = posterior(nu, d0, d1, False)
                q_c = (
                    value * x
                    + s * (-(1.0 + hawk_bias) * price_x + delta * on_grid2(V_next[i], up, mc))
                    + (1.0 - s)
                    * (-renege[i] - promise_cost + delta * on_grid2(V_next[i], down, mc))
                )
                n_c = (
                    value * x
                    + s * (-price_x + delta * on_grid2(N_next[i], up, mc))
                    + (1.0 - s) * (-renege[i] + delta * on_grid2(N_next[i], down, mc))
                )
            else:
                q_c = value * x - paid + extra + delta * on_grid2(V_next[i], nu, mc)
                n_c = value * x - paid + delta * on_grid2(N_next[i], nu, mc)
            if threat:
                s0 = sigma[0, g]
                s1 = sigma[K - 1, g]
                s = sigma[i, g]
                up = posterior(nu, s0, s1, True) if K == 2 else nu
                down = posterior(nu, s0, s1, False) if K == 2 else nu
                cost = costs[i] * P
                q_r = s * (-cost + delta * on_grid2(V_next[i], up, mr)) + (1.0 - s) * (
                    -audience + delta * on_grid2(V_next[i], down, mr)
                )
                n_r = s * (-cost + delta * on_grid2(N_next[i], up, mr)) + (1.0 - s) * (
                    delta * on_grid2(N_next[i], down, mr)
                )
            else:
                q_r = delta * on_grid2(V_next[i], nu, mr)
                n_r = delta * on_grid2(N_next[i], nu, mr)
            Q_out[i, g] = yes * q_c + (1.0 - yes) * q_r + tough
            N_out[i, g] = yes * n_c + (1.0 - yes) * n_r


@njit(cache=True)
def advance(t, mu, nu, pliable, d_type, u, Q_t, p_t, carry_t, deliver_t, gm, rec, params, u_e):
    """Play period ``t`` for every run: D picks the action its values ``Q_t[a, j, g]``
    favour at the run's public state (interpolated), the target responds with the
    equilibrium probability ``p_t[a, type, j, g]`` of its type, D's type ``d_type[i]``
    carries out a resisted threat with probability ``carry_t[a, type, j, g]``, a promised
    reward is delivered with probability ``gm.reliability`` or, when delivering is D's
    choice (``gm.chooses_delivery``), with its type's ``deliver_t[a, type, j, g]``, and
    observers update both beliefs. ``gm`` holds the menu's columns and the payoff numbers
    (:class:`backscratch.game.terms.Terms`); ``rec`` the record arrays
    (:class:`backscratch.game.results.Records`). With ``u_e`` (:data:`ENTRANT_DRAWS` rows;
    none: the third parties are not played) the dyad's entrants come after the exchange, on
    the belief it left, and their watched encounters move it (the dyad's
    ``_watched_entrants`` with its numbers ``params``; ``third_parties.update_belief``)."""
    n_a = Q_t.shape[0]
    K = carry_t.shape[1]
    q_row = np.empty(n_a)
    for i in range(mu.shape[0]):
        m, v = mu[i], nu[i]
        for a in range(n_a):
            q_row[a] = on_grid2(Q_t[a], v, m)
        a = choose(q_row, gm.choice_noise, u[0, i])
        x = gm.x[a]
        rec.action[t, i] = a
        rec.belief[t, i] = m
        rec.d_belief[t, i] = v
        rec.demand[t, i] = x if gm.demands[a] else 0.0
        rec.price[t, i] = gm.price[a] if gm.offer[a] else 0.0
        rec.punished[t, i] = 0
        rec.backed_down[t, i] = 0
        rec.transfer[t, i] = 0.0
        pay_d, pay_t, pay_l = 0.0, 0.0, 0.0
        if not gm.demands[a]:
            rec.response[t, i] = NO_DEMAND
        else:
            p_pl = on_grid2(p_t[a, 0], v, m)
            p_re = on_grid2(p_t[a, 1], v, m)
            tau = 0 if pliable[i] else 1
            complied = u[1, i] < (p_pl if pliable[i] else p_re)
            cost = gm.c_threat[tau] if gm.threat[a] else gm.c_offer[tau]
            if gm.threat[a]:
                pay_l += gm.hawk_bias * gm.value * x
            if complied:
                rec.response[t, i] = COMPLIED
                pay_d += gm.value * x
                pay_t -= cost * x
                if gm.offer[a] and gm.price[a] > 0.0:
                    if gm.chooses_delivery:
                        s0 = on_grid2(deliver_t[a, 0], v, m)
                        s1 = on_grid2(deliver_t[a, K - 1], v, m)
                        delivered = u[3, i] < (s0 if d_type[i] == 0 else s1)
                        nu[i] = posterior(v, s0, s1, delivered)
                        if not delivered:
                            pay_d -= gm.renege[d_type[i]]
                    else:
                        delivered = u[3, i] < gm.reliability
                    if delivered:
                        paid = gm.price[a] * x
                        rec.transfer[t, i] = paid
                        pay_d -= paid
                        pay_t += paid
                        pay_l -= gm.hawk_bias * paid
                    else:
                        pay_l -= gm.promise_cost
            else:
                rec.response[t, i] = RESISTED
                if gm.threat[a]:
                    s0 = on_grid2(carry_t[a, 0], v, m)
                    s1 = on_grid2(carry_t[a, K - 1], v, m)
                    punished = u[2, i] < (s0 if d_type[i] == 0 else s1)
                    if punished:
                        rec.punished[t, i] = 1
                        pay_d -= gm.costs[d_type[i]] * gm.punishment[a]
                        pay_t -= gm.punishment[a]
                    else:
                        rec.backed_down[t, i] = 1
                        pay_l -= gm.audience_cost
                    if gm.learns_cost:
                        nu[i] = posterior(v, s0, s1, punished)
            mu[i] = posterior(m, p_pl, p_re, complied)
        rec.entries[t, i] = 0
        rec.entrant_complied[t, i] = 0
        rec.payoff_third_parties[t, i] = 0.0
        if u_e.shape[0] > 0:
            entries, met, pay_e, pay_3, _, after, _, _ = _watched_entrants(
                mu[i], pliable[i], u_e[0, i], u_e[1, i], u_e[2, i], params
            )
            mu[i] = after
            rec.entries[t, i] = entries
            rec.entrant_complied[t, i] = met
            rec.payoff_third_parties[t, i] = pay_3
            pay_t += pay_e
        rec.payoff_demander[t, i] = pay_d
        rec.payoff_leader[t, i] = pay_d + pay_l
        rec.payoff_target[t, i] = pay_t


@njit(cache=True)
def _next(T_next, V_next, N_next, mu, start, limit, gm, delta, pi, u, q, n):
    """D's payoff from what each type's capacity choice from latency ``start`` (within
    ``limit``) at belief ``mu`` leads to, ``q[type]`` under D's objective and ``n[type]``
    under the nation's (:func:`_ahead` at the latency and belief it leaves): the
    expectation over the type's logit choice (``hedging.investment_observed``;
    ``_kernels.read_cell`` of the dyad, once for both types, ``pi`` and ``u`` its scratch)
    of each level's latency and the posterior seeing it leaves."""
    read_cell(T_next, 0, gm.levels, gm.capacity_cost, gm.productivity, delta, gm.latency_max,
              start, limit, mu, gm.capacity_noise, pi, u)  # fmt: skip
    q[:] = 0.0
    n[:] = 0.0
    for i in range(gm.levels.shape[0]):
        lat = min(start + gm.productivity * gm.levels[i], limit)
        seen = posterior(mu, pi[0, i], pi[1, i], True)
        a_q, a_n = _ahead(V_next, lat, seen, gm, delta), _ahead(N_next, lat, seen, gm, delta)
        for k in range(2):
            q[k] += pi[k, i] * a_q
            n[k] += pi[k, i] * a_n


@njit(cache=True, inline="always")
def _ahead(V_next, lat, mu, gm, delta):
    """D's payoff from the latency ``lat`` the target ends a period with (less
    ``cost_to_demander`` per unit) plus its discounted value next period there, at belief
    ``mu`` (latency above the grid valued as its top)."""
    return -gm.latency_cost * lat + delta * on_grid2(V_next, min(lat / gm.latency_max, 1.0), mu)


@njit(cache=True)
def latency_action_values(grid, p, T_next, V_next, N_next, gm, demands, threat, offer, x, P,
                          paid, sigma, extra, tough, delta, Q_out, N_out):  # fmt: skip
    """D's value of one action at every (latency, belief) grid point when the target
    chooses its capacity, ``Q_out[j, g]`` under D's objective and ``N_out[j, g]`` for the
    nation: for each target type (weights ``mu``, ``1 - mu``) and answer (compliance
    ``p[j, type, g]``), the demand's gain ``value * x`` less the expected reward ``paid``
    (and the leader's ``extra``) if it complies, the threat carried out (probability
    ``sigma``, cost ``k P``) or backed down from (the leader's audience cost) if it
    resists; then the latency the type's capacity choice leads to from what the answer
    leaves it — ``L_j`` after resisting, ``L_j - demand_rollback`` after complying
    (within a freeze or a cap), less ``rollback`` more if an offer's reward is delivered
    (probability ``gm.reliability``) — at the belief the answer leaves, each level by the
    type's logit choice on its values ``T_next[j, type, g]`` at the start of next period and
    at the posterior seeing it leaves (:func:`_next`), the latency costing D
    ``cost_to_demander`` per unit, and D's value ``V_next[j, g]`` (``N_next``) there
    (:func:`_ahead`). Without a demand the target just chooses its capacity. ``tough``:
    the leader's bonus for threatening."""
    J, G = V_next.shape
    rho = gm.reliability
    pi = np.empty((2, gm.levels.shape[0]))
    u = np.empty((2, gm.levels.shape[0]))
    sums = np.empty((6, 2))  # by type, D's and the nation's: complied, paid, resisted
    c_q, c_n, o_q, o_n, r_q, r_n = sums[0], sums[1], sums[2], sums[3], sums[4], sums[5]
    gain = gm.value * x - paid
    for j in range(J):
        L = gm.latency_max * j / (J - 1)
        kept = max(0.0, L - gm.demand_rollback)
        rolled = max(0.0, kept - gm.rollback)
        lim_kept = _latency_limit(kept, gm.demand_freeze, gm.demand_cap)
        lim_rolled = _latency_limit(rolled, gm.demand_freeze, gm.demand_cap)
        for g in range(G):
            mu = grid[g]
            q, n = 0.0, 0.0
            if not demands:
                _next(T_next, V_next, N_next, mu, L, np.inf, gm, delta, pi, u, c_q, c_n)
                for k in range(2):
                    w = mu if k == 0 else 1.0 - mu
                    q += w * c_q[k]
                    n += w * c_n[k]
                Q_out[j, g], N_out[j, g] = q, n
                continue
            p_pl, p_re = p[j, 0, g], p[j, 1, g]
            mc = posterior(mu, p_pl, p_re, True)
            mr = posterior(mu, p_pl, p_re, False)
            _next(T_next, V_next, N_next, mc, kept, lim_kept, gm, delta, pi, u, c_q, c_n)
            if offer and gm.rollback > 0.0:
                _next(T_next, V_next, N_next, mc, rolled, lim_rolled, gm, delta, pi, u, o_q, o_n)
                for k in range(2):
                    c_q[k] = rho * o_q[k] + (1.0 - rho) * c_q[k]
                    c_n[k] = rho * o_n[k] + (1.0 - rho) * c_n[k]
            _next(T_next, V_next, N_next, mr, L, np.inf, gm, delta, pi, u, r_q, r_n)
            for k in range(2):
                w = mu if k == 0 else 1.0 - mu
                pk = p_pl if k == 0 else p_re
                rq, rn = r_q[k], r_n[k]
                if threat:
                    hit = -sigma * gm.costs[0] * P
                    rq += hit - (1.0 - sigma) * gm.audience_cost
                    rn += hit
                q += w * (pk * (gain + extra + c_q[k]) + (1.0 - pk) * rq)
                n += w * (pk * (gain + c_n[k]) + (1.0 - pk) * rn)
            Q_out[j, g], N_out[j, g] = q + tough, n


@njit(cache=True)
def invest_played(t, mu, lat, pliable, u_level, T_next, gm, rec, delta):
    """The rest of period ``t`` of the game with latency in its state (``hedging.mode:
    choice``), after :func:`advance` has played the exchange with the tables' axis ``j`` at
    each run's latency over ``latency_max`` (D's cost known, entrants not played): a
    carried-out threat's harm blunted to ``P * exp(-deterrence * L)``; then each target
    draws a level from its logit choice on its values ``T_next[j, type, g]`` from the
    latency its answer left (``L``, less ``demand_rollback`` after complying and
    ``rollback`` more after an honoured exchange, within a freeze or a cap;
    ``_kernels.read_cell`` of the dyad, uniform ``u_level[i]``), pays ``capacity_cost`` per
    unit, and the public belief is updated on the level run
    (``hedging.investment_observed``); D pays ``cost_to_demander`` per unit of the latency
    the target ends the period with."""
    pi = np.empty((2, gm.levels.shape[0]))
    scratch = np.empty((2, gm.levels.shape[0]))
    for i in range(mu.shape[0]):
        L, after = lat[i], mu[i]
        rec.d_belief[t, i] = 1.0  # D's cost is known: the axis held latency
        a = rec.action[t, i]
        if rec.punished[t, i]:
            rec.payoff_target[t, i] += gm.punishment[a] * (1.0 - np.exp(-gm.deterrence * L))
        kept = L
        limit = np.inf
        if rec.response[t, i] == COMPLIED:
            kept = max(0.0, kept - gm.demand_rollback)
            if rec.transfer[t, i] > 0.0:  # an honoured exchange
                kept = max(0.0, kept - gm.rollback)
            limit = _latency_limit(kept, gm.demand_freeze, gm.demand_cap)
        read_cell(T_next, 0, gm.levels, gm.capacity_cost, gm.productivity, delta, gm.latency_max,
                  kept, limit, after, gm.capacity_noise, pi, scratch)  # fmt: skip
        pick = draw_level(pi, 0 if pliable[i] else 1, u_level[i])
        cap = gm.levels[pick]
        grown = min(kept + gm.productivity * cap, limit)
        mu[i] = posterior(after, pi[0, pick], pi[1, pick], True)
        lat[i] = grown
        rec.latency[t, i] = grown
        rec.capacity[t, i] = cap
        rec.payoff_target[t, i] -= gm.capacity_cost * cap
        rec.payoff_demander[t, i] -= gm.latency_cost * grown
        rec.payoff_leader[t, i] -= gm.latency_cost * grown

"""Numba kernel of the demander's-choice game: one period of equilibrium play for every run.

Private to :mod:`backscratch.game`. The solved tables come from
:func:`backscratch.game.model.solve`; the target's responses and Bayes' rule are the dyad's
(:mod:`backscratch.core.kernels`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from backscratch.core.kernels import on_grid, posterior
from backscratch.dyad.codes import COMPLIED, NO_DEMAND, RESISTED

DRAWS_PER_PERIOD = 4
"""Uniforms per run and period: D's action (used when its choices are noisy), the target's
response, D's decision to carry out a resisted threat, the delivery of a promised reward."""


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


@njit(cache=True)
def advance(t, mu, pliable, u, Q_t, p_t, carry, gm, rec):
    """Play period ``t`` for every run: D picks the action its values ``Q_t[a, g]`` favour
    at the run's belief (interpolated), the target responds with the equilibrium
    probability ``p_t[a, type, g]`` of its type, D carries out a resisted threat with
    probability ``carry[a]``, a promised reward is delivered with probability
    ``gm.reliability``, and observers update the belief. ``gm`` holds the menu's columns and
    the payoff numbers (:class:`backscratch.game.model.Terms`); ``rec`` the record arrays
    (:class:`backscratch.game.results.Records`)."""
    n_a = Q_t.shape[0]
    q_row = np.empty(n_a)
    for i in range(mu.shape[0]):
        m = mu[i]
        for a in range(n_a):
            q_row[a] = on_grid(Q_t[a], m)
        a = choose(q_row, gm.choice_noise, u[0, i])
        x = gm.x[a]
        rec.action[t, i] = a
        rec.belief[t, i] = m
        rec.demand[t, i] = x if gm.demands[a] else 0.0
        rec.price[t, i] = gm.price[a] if gm.offer[a] else 0.0
        rec.punished[t, i] = 0
        rec.backed_down[t, i] = 0
        rec.transfer[t, i] = 0.0
        pay_d, pay_t, pay_l = 0.0, 0.0, 0.0
        if not gm.demands[a]:
            rec.response[t, i] = NO_DEMAND
        else:
            p_pl = on_grid(p_t[a, 0], m)
            p_re = on_grid(p_t[a, 1], m)
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
                    if u[3, i] < gm.reliability:
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
                    if u[2, i] < carry[a]:
                        rec.punished[t, i] = 1
                        pay_d -= gm.execution_cost * gm.punishment[a]
                        pay_t -= gm.punishment[a]
                    else:
                        rec.backed_down[t, i] = 1
                        pay_l -= gm.audience_cost
            mu[i] = posterior(m, p_pl, p_re, complied)
        rec.payoff_demander[t, i] = pay_d
        rec.payoff_leader[t, i] = pay_d + pay_l
        rec.payoff_target[t, i] = pay_t

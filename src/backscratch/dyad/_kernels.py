"""Numba kernels of the dyad: Bayes' rule, belief-grid interpolation, one period of play
(:func:`advance`; :func:`advance_choice` when the target chooses its capacity), the
third parties' entry and replies, and the capacity choice's values.

Private to the dyad: :mod:`backscratch.dyad.stage` (the target's programme) and
:mod:`backscratch.dyad.model` call them. Conventions:

* type index 0 = pliable, 1 = resolute;
* the pliable type is strategic, the resolute type is the commitment type (see
  :func:`solve_period`) unless ``target.resolute: strategic`` makes it strategic too
  (:func:`solve_period_both`);
* ``p_table[t, type, g]`` = probability that a target of that type complies in period ``t``
  when the public belief is the ``g``-th point of a uniform grid on [0, 1];
* response codes: -1 no demand, 0 resisted, 1 complied;
* each period draws :data:`DRAWS_PER_PERIOD` uniforms per run, ``u[:, i]`` for run ``i``:
  response, punishment, reward delivery, third-party entries, their compliance, their
  punishments.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from backscratch.core.kernels import on_grid as _on_grid
from backscratch.core.kernels import posterior
from backscratch.dyad.codes import COMPLIED, NO_DEMAND, RESISTED

DRAWS_PER_PERIOD = 6


@njit(cache=True)
def _same(a, b):
    """Whether two rows are equal element by element."""
    for i in range(a.shape[0]):
        if a[i] != b[i]:
            return False
    return True


@njit(cache=True, inline="always")
def _row(Wr, g):
    """The continuation after resistance at grid point ``g``: ``Wr``'s one row, or its
    ``g``-th when it has one per grid point."""
    return Wr[0] if Wr.shape[0] == 1 else Wr[g]


@njit(cache=True)
def _excess(g, mu, p_pl, p_re, W, Wr, comply, resist, discount, noise):
    """``BR(p_pl) - p_pl`` for the strategic (pliable) type at grid point ``g``.

    ``BR`` is its logit best response when it complies with probability ``p_pl``, the
    resolute type with ``p_re``, and observers update by Bayes' rule accordingly; ``W`` is
    its continuation after complying, ``Wr`` after resisting (see :func:`solve_period`).
    """
    w_c = _on_grid(W, posterior(mu, p_pl, p_re, True))
    w_r = _on_grid(_row(Wr, g), posterior(mu, p_pl, p_re, False))
    d = comply[0, g] - resist[0, g] + discount * (w_c - w_r)
    return _logit(d, noise) - p_pl


CONTINUATION, LOWEST, HIGHEST = 0, 1, 2
"""Selection rules among a cell's stable equilibria: the one nearest the equilibrium at the
next lower grid belief (at belief 0, the myopic reply), ties to the lower; the lowest; the
highest."""


@njit(cache=True, inline="always")
def _sig(z):
    """The logistic ``1 / (1 + exp(-z))`` of a log-odds ``z``."""
    return 1.0 / (1.0 + np.exp(-z))


@njit(cache=True)
def _logit(z, noise):
    """The logistic ``1 / (1 + exp(-z / noise))``: about four times faster than the
    ``tanh`` form, and equal to it within a few units in the last place (``exp``
    overflowing to infinity for ``z / noise`` below about -709 gives exactly 0)."""
    return _sig(z / noise)


EXCLUSION_MARGIN = 1e-12
"""An interval is ruled out only if its bound on ``h`` clears zero by this much (rounding)."""


@njit(cache=True, inline="always")
def _levels(n):
    """The number of levels of the sparse range tables of a row of ``n`` values
    (:func:`_range_tables`): the least ``k`` with ``2**k > n``."""
    levels = 1
    while (1 << levels) <= n:
        levels += 1
    return levels


@njit(cache=True)
def _range_tables(W, mins, maxs):
    """Sparse tables of ``W``: ``mins[k, i]`` / ``maxs[k, i]`` = min / max of
    ``W[i : i + 2**k]`` (constant-time range minimum and maximum queries)."""
    n = W.shape[0]
    mins[0, :n] = W
    maxs[0, :n] = W
    k = 1
    while (1 << k) <= n:
        half = 1 << (k - 1)
        for i in range(n - (1 << k) + 1):
            mins[k, i] = min(mins[k - 1, i], mins[k - 1, i + half])
            maxs[k, i] = max(maxs[k - 1, i], maxs[k - 1, i + half])
        k += 1


@njit(cache=True, inline="always")
def _range_query(mins, maxs, i, j):
    """Min and max of entries ``i .. j`` (``i <= j``) from :func:`_range_tables`' tables:
    two overlapping power-of-two blocks."""
    k = 0
    while (1 << (k + 1)) <= j - i + 1:
        k += 1
    m = j - (1 << k) + 1
    return min(mins[k, i], mins[k, m]), max(maxs[k, i], maxs[k, m])


@njit(cache=True, inline="always")
def _w_range(W, mins, maxs, lo, hi):
    """Min and max of the interpolated ``W`` over the beliefs ``[lo, hi]``: the values at the
    ends and at every grid point between them (``W`` is linear between grid points)."""
    a = _on_grid(W, lo)
    b = _on_grid(W, hi)
    w_min, w_max = min(a, b), max(a, b)
    last = W.shape[0] - 1
    i = max(int(np.ceil(lo * last)), 0)
    j = min(int(np.floor(hi * last)), last)
    if i <= j:
        t_min, t_max = _range_query(mins, maxs, i, j)
        w_min, w_max = min(w_min, t_min), max(w_max, t_max)
    return w_min, w_max


@njit(cache=True, inline="always")
def _w_range_scan(W, lo, hi):
    """:func:`_w_range` by scanning the grid points between ``lo`` and ``hi`` (no tables):
    the same min and max, cheaper than building the tables for a row queried only a few
    dozen times (the demander's-choice game's one row per grid belief)."""
    a = _on_grid(W, lo)
    b = _on_grid(W, hi)
    w_min, w_max = min(a, b), max(a, b)
    last = W.shape[0] - 1
    for k in range(max(int(np.ceil(lo * last)), 0), min(int(np.floor(hi * last)), last) + 1):
        w_min = min(w_min, W[k])
        w_max = max(w_max, W[k])
    return w_min, w_max


@njit(cache=True)
def _slope_tables(W, smins, smaxs):
    """Sparse tables of ``W``'s slopes (per unit of belief): ``smins[k, i]`` / ``smaxs[k, i]``
    = the smallest / largest over the grid segments ``i .. i + 2**k - 1`` (segment ``i``
    joins grid points ``i`` and ``i + 1``)."""
    last = W.shape[0] - 1
    slope = np.empty(last)
    for i in range(last):
        slope[i] = (W[i + 1] - W[i]) * last
    _range_tables(slope, smins, smaxs)


@njit(cache=True, inline="always")
def _slope_range(W, smins, smaxs, lo, hi):
    """The smallest and largest slope of the interpolated ``W`` (:func:`on_grid`'s segments)
    over the beliefs ``[lo, hi]``: by :func:`_slope_tables`, or by scanning the segments
    when the tables are empty (a row queried only a few dozen times). Rounding can move a
    posterior across a grid point by an ulp, which moves ``W`` by about ``1e-16`` of its
    slope: far less than :func:`_classify`'s margin."""
    last = W.shape[0] - 1
    i = min(int(lo * last), last - 1)
    j = min(int(hi * last), last - 1)
    if smins.shape[0] == 0:
        s_min, s_max = np.inf, -np.inf
        for k in range(i, j + 1):
            s = (W[k + 1] - W[k]) * last
            s_min, s_max = min(s_min, s), max(s_max, s)
        return s_min, s_max
    return _range_query(smins, smaxs, i, j)


@njit(cache=True, inline="always")
def _product_bound(s, if_positive, if_negative):
    """``s`` times the factor its sign calls for (a bound of a slope times a derivative in
    a range); exactly 0 when ``s`` is, whatever the factor (even infinite)."""
    if s > 0.0:
        return s * if_positive
    if s < 0.0:
        return s * if_negative
    return 0.0


EXCLUDED, DECREASING, UNKNOWN = 0, 1, 2
"""What :func:`_classify` proves of ``h`` on an interval: no stable root there, ``h``
strictly decreasing (at most one root, a stable one), or neither."""
SLOPE_MARGIN = 1e-6
"""A slope bound proves ``h`` strictly monotone only if it keeps ``BR'`` from 1 by this
much: ``h`` then moves by at least ``1e-6`` of an interval's width across it, far above
the rounding of its evaluation, so its computed signs change at most once too."""


@njit(cache=True, inline="always")
def _classify(
    g, mu, a, b, p_re, W, Wr_g, mins, maxs, rmins, rmaxs, slopes, rslopes, comply, resist,
    discount, noise,
):  # fmt: skip
    """What bounds prove of ``h = BR - id`` on ``[a, b]``: :data:`EXCLUDED` (no stable
    root), :data:`DECREASING` or :data:`UNKNOWN`. ``slopes`` / ``rslopes``: the
    :func:`_slope_tables` of ``W`` / ``Wr_g`` (min and max stacked).

    On ``[a, b]`` the posterior after compliance rises with the pliable type's compliance
    ``p`` and the posterior after resistance falls, so each lies between its values at the
    ends; ``W`` over those belief ranges bounds the value difference ``d``, the logit of
    ``d`` bounds ``BR`` (it increases with ``d``), and so ``h`` lies in
    ``[BR_lo - b, BR_hi - a]``: if that excludes 0, :data:`EXCLUDED`. Otherwise the slope:
    ``BR' = BR (1 - BR) d' / noise`` with ``d' = discount (W'(c) c' + Wr'(r) |r'|)``, where
    ``c' >= 0`` (falling in ``p``) and ``|r'|`` (rising) are Bayes' rule's derivatives
    and ``W'``, ``Wr'`` lie between the smallest and largest slopes of the interpolated
    continuations over the posteriors' ranges. If the upper bound on ``BR'`` is below 1
    (a continuation falling in the belief, as a target's value does when looking pliable
    invites demands, gives ``BR' <= 0``), ``h`` strictly falls: :data:`DECREASING`; if the
    lower bound is above 1, ``h`` strictly rises and has no downward crossing:
    :data:`EXCLUDED`.
    """
    c_a = posterior(mu, a, p_re, True)
    c_b = posterior(mu, b, p_re, True)
    r_a = posterior(mu, a, p_re, False)
    r_b = posterior(mu, b, p_re, False)
    c_lo, c_hi = min(c_a, c_b), max(c_a, c_b)
    r_lo, r_hi = min(r_a, r_b), max(r_a, r_b)
    c_min, c_max = _w_range(W, mins, maxs, c_lo, c_hi)
    if rmins.shape[0] == 0:  # no tables for this row: scan it
        r_min, r_max = _w_range_scan(Wr_g, r_lo, r_hi)
    else:
        r_min, r_max = _w_range(Wr_g, rmins, rmaxs, r_lo, r_hi)
    base = comply[0, g] - resist[0, g]
    br_lo = _logit(base + discount * (c_min - r_max), noise)
    br_hi = _logit(base + discount * (c_max - r_min), noise)
    if br_lo - b > EXCLUSION_MARGIN or br_hi - a < -EXCLUSION_MARGIN:
        return EXCLUDED
    spread = mu * (1.0 - mu)
    den_ca = mu * a + (1.0 - mu) * p_re  # c'(p) = spread p_re / den_c(p)^2
    den_cb = mu * b + (1.0 - mu) * p_re
    den_ra = mu * (1.0 - a) + (1.0 - mu) * (1.0 - p_re)  # |r'(p)| = spread (1-p_re) / den_r^2
    den_rb = mu * (1.0 - b) + (1.0 - mu) * (1.0 - p_re)
    if spread <= 0.0 or min(den_ca, den_rb) <= 0.0:  # no learning, or Bayes' rule jumps
        return UNKNOWN if spread > 0.0 else DECREASING
    # divided twice, not by the square, which can underflow to 0 (an overflow to inf only
    # leaves the bound uninformative)
    dc_hi = spread * p_re / den_ca / den_ca
    dc_lo = spread * p_re / den_cb / den_cb
    dr_hi = spread * (1.0 - p_re) / den_rb / den_rb
    dr_lo = spread * (1.0 - p_re) / den_ra / den_ra
    sc_min, sc_max = _slope_range(W, slopes[0], slopes[1], c_lo, c_hi)
    sr_min, sr_max = _slope_range(Wr_g, rslopes[0], rslopes[1], r_lo, r_hi)
    d_hi = _product_bound(sc_max, dc_hi, dc_lo) + _product_bound(sr_max, dr_hi, dr_lo)
    d_lo = _product_bound(sc_min, dc_lo, dc_hi) + _product_bound(sr_min, dr_lo, dr_hi)
    if d_hi <= 0.0:
        return DECREASING
    if br_lo <= 0.5 <= br_hi:
        peak = 0.25
    else:
        peak = max(br_lo * (1.0 - br_lo), br_hi * (1.0 - br_hi))
    if peak * discount * d_hi / noise <= 1.0 - SLOPE_MARGIN:
        return DECREASING
    trough = min(br_lo * (1.0 - br_lo), br_hi * (1.0 - br_hi))
    if d_lo > 0.0 and trough * discount * d_lo / noise >= 1.0 + SLOPE_MARGIN:
        return EXCLUDED
    return UNKNOWN


@njit(cache=True)
def _refine(g, mu, lo, hi, h_lo, h_hi, p_re, W, Wr, comply, resist, discount, noise, tol):
    """The root of ``h`` in ``(lo, hi]``, given ``h(lo) > 0 >= h(hi)``: regula falsi with the
    Illinois modification (Dowell & Jarratt 1971), the bracket kept throughout, to a bracket
    narrower than ``tol`` or an exact zero; a bisection step whenever the secant stalls."""
    side = 0
    for _ in range(200):
        if hi - lo <= tol:
            break
        x = (lo * h_hi - hi * h_lo) / (h_hi - h_lo)
        if not (lo < x < hi) or side == 3 or side == -3:
            x = 0.5 * (lo + hi)
            side = 0
        h_x = _excess(g, mu, x, p_re, W, Wr, comply, resist, discount, noise)
        if h_x == 0.0:
            return x
        if h_x > 0.0:
            lo, h_lo = x, h_x
            side = side - 1 if side <= 0 else -1
            if side <= -2:
                h_hi *= 0.5
        else:
            hi, h_hi = x, h_x
            side = side + 1 if side >= 0 else 1
            if side >= 2:
                h_lo *= 0.5
    return 0.5 * (lo + hi) if h_hi != 0.0 else hi


@njit(cache=True)
def solve_period(
    grid, W, Wr, comply, resist, discount, noise, tol, resolution, selection, p_out, n_out
):
    """Equilibrium compliance probabilities of one period, at every grid belief.

    The resolute type is the commitment ("tough") type of Kreps & Wilson (1982): it plays its
    myopic logit reply ``p_re = L((u_C - u_R) / noise)``. The pliable type is strategic: its
    ``p_pl`` solves ``p_pl = BR(p_pl)``, a best response that takes into account the Bayes
    posteriors its own mixing implies. The excess ``h(p) = BR(p) - p`` is > 0 at 0 and < 0
    at 1 (a logit reply lies strictly inside (0, 1)), so a root always exists, and the
    stable ones (``BR`` crossing the diagonal from above: slope of ``BR`` below 1) alternate
    with unstable ones.

    Every stable root is found by branch and bound on ``[0, 1]``: an interval is dropped
    where bounds prove that ``h`` keeps one sign on it (:func:`_classify`), otherwise halved
    until narrower than ``1 / resolution``; in each such interval a downward sign change of
    ``h`` is a stable root, refined to ``tol`` (:func:`_refine`). Where bounds prove ``h``
    strictly decreasing on an interval, it holds at most one root, and bisection on the
    sign of ``h`` goes straight to the cell halving would reach (one evaluation of ``h`` a
    level instead of two bound tests): the same roots, bit for bit. So no stable root is missed
    unless an unstable one lies within ``1 / resolution`` of it (the pair then cancels in
    the sign test). Of the stable roots, the one ``selection`` names is played:
    :data:`CONTINUATION`, the root nearest the one played at the next lower grid belief
    (ties to the lower) — at belief 0 observers cannot learn, the root is unique and equals
    the myopic reply, so this follows the equilibrium continuously from the no-reputation
    case and jumps only where its branch ends; :data:`LOWEST`; :data:`HIGHEST`. None of them
    depends on the instrument. Writes ``p_out`` (2 x grid) and ``n_out[g]``, the number of
    stable roots at grid belief ``g``, and returns the largest residual ``|BR(p) - p|`` of
    the selected roots.

    ``W`` is the pliable type's continuation value over next period's belief after it
    complies; ``Wr`` after it resists: one row (the same at every grid belief; the dyad's
    ``W[None]``) or one row per grid belief (the demander's-choice game, where what the
    target expects after resisting depends on what D's carrying out reveals about D).
    """
    n = W.shape[0]
    levels = _levels(n)
    mins = np.empty((levels, n))
    maxs = np.empty((levels, n))
    slopes = np.empty((2, levels, n - 1))
    _range_tables(W, mins, maxs)
    _slope_tables(W, slopes[0], slopes[1])
    if Wr.shape[0] == 1 and _same(W, Wr[0]):  # the dyad: one continuation
        rmins, rmaxs, rslopes = mins, maxs, slopes
    elif Wr.shape[0] == 1:
        rmins = np.empty((levels, n))
        rmaxs = np.empty((levels, n))
        rslopes = np.empty((2, levels, n - 1))
        _range_tables(Wr[0], rmins, rmaxs)
        _slope_tables(Wr[0], rslopes[0], rslopes[1])
    else:  # one row per grid belief: each row is scanned where queried
        rmins = np.empty((0, n))
        rmaxs = np.empty((0, n))
        rslopes = np.empty((2, 0, n - 1))
    width = 1.0 / resolution
    stack_lo = np.empty(128)
    stack_hi = np.empty(128)
    worst = 0.0
    for g in range(grid.shape[0]):
        mu = grid[g]
        Wr_g = _row(Wr, g)
        p_re = _logit(comply[1, g] - resist[1, g], noise)
        start = _logit(comply[0, g] - resist[0, g], noise)
        anchor = start if g == 0 else p_out[0, g - 1]
        best = 0.0
        best_key = np.inf
        count = 0
        if _excess(g, mu, 0.0, p_re, W, Wr, comply, resist, discount, noise) <= 0.0:
            count = 1  # BR(0) = 0 (the logit underflows): 0 is a stable root
            best_key = anchor if selection == CONTINUATION else 0.0
        top = 0
        stack_lo[0], stack_hi[0] = 0.0, 1.0
        while top >= 0:
            a, b = stack_lo[top], stack_hi[top]
            top -= 1
            kind = _classify(
                g, mu, a, b, p_re, W, Wr_g, mins, maxs, rmins, rmaxs, slopes, rslopes, comply,
                resist, discount, noise,
            )  # fmt: skip
            if kind == EXCLUDED:
                continue
            if kind == UNKNOWN and b - a > width:  # halve; the left half first (roots in order)
                m = 0.5 * (a + b)
                stack_lo[top + 1], stack_hi[top + 1] = m, b
                stack_lo[top + 2], stack_hi[top + 2] = a, m
                top += 2
                continue
            h_a = _excess(g, mu, a, p_re, W, Wr, comply, resist, discount, noise)
            h_b = _excess(g, mu, b, p_re, W, Wr, comply, resist, discount, noise)
            if not (h_a > 0.0 and h_b <= 0.0):
                continue
            while b - a > width:  # DECREASING: its one root's cell, by bisection on the sign
                m = 0.5 * (a + b)
                h_m = _excess(g, mu, m, p_re, W, Wr, comply, resist, discount, noise)
                if h_m > 0.0:
                    a, h_a = m, h_m
                else:
                    b, h_b = m, h_m
            root = _refine(g, mu, a, b, h_a, h_b, p_re, W, Wr, comply, resist, discount, noise, tol)
            count += 1
            if selection == CONTINUATION:
                key = abs(root - anchor)
            elif selection == LOWEST:
                key = root
            else:
                key = -root
            if key < best_key:
                best_key = key
                best = root
        p_out[0, g] = best
        p_out[1, g] = p_re
        n_out[g] = count
        worst = max(worst, abs(_excess(g, mu, best, p_re, W, Wr, comply, resist, discount, noise)))
    return worst


NEWTON_TOL = 1e-10
"""Largest ``|d / s - z|`` (either type, log-odds) at which Newton's method has found an
equilibrium of a period with both types strategic."""

BOTH_RESOLUTION = 256
"""Cap on ``solver.resolution`` for the search with both types strategic: boxes whose
probabilities span less than ``1 / min(solver.resolution, BOTH_RESOLUTION)`` are handed
to Newton's method."""

BOTH_LOG_MIN = 0.25
"""A box where Newton's method fails, and around which the excess does not wind (else its
root is found by bisection on the degree, :func:`degree_root`), is halved again while
either side is wider than this in log-odds."""

BOTH_LOG_LEAF = 1.0
"""A box is also halved while either side is wider than this in log-odds: in the tails a
box narrow in probability can hold several equilibria (at the reference, with noise 0.08,
up to four where both types almost surely comply), whose signs cancel over its corners.
Two equilibria within this of each other in log-odds and within ``1 / BOTH_RESOLUTION`` in
probability can still share a box and be missed."""

SAME_ROOT = 1e-9
"""Two equilibria whose compliance probabilities differ by no more than this (both types)
are one: they differ only in how rarely a type takes the other answer (deep in the tails,
where log-odds of 30 and 60 are both "always"). Where one of them is stable the one kept is
a stable one."""

ROOTS_MAX = 32
"""Most distinct equilibria one grid belief's search keeps (both types strategic)."""


@njit(cache=True, inline="always")
def _log_odds(p):
    """The log-odds of probability ``p``, kept within +-700 (``p`` 0 or 1)."""
    if p <= 0.0:
        return -700.0
    if p >= 1.0:
        return 700.0
    return np.log(p) - np.log1p(-p)


@njit(cache=True, inline="always")
def _posterior_z(mu, za, zb):
    """Bayes' rule ``mu a / (mu a + (1 - mu) b)`` for ``a = sig(za)``, ``b = sig(zb)``,
    in log-odds: exact however small either probability is (in probabilities both may
    round to 0, and the rule to 0 / 0); :func:`encounter_posterior` for one observation."""
    if mu <= 0.0 or mu >= 1.0:
        return mu
    return _sig(np.log(mu) - np.log1p(-mu) + _log_logit(za) - _log_logit(zb))


@njit(cache=True, inline="always")
def _both_d(g, mu, zx, zy, W, Wr, V, Vr, comply, resist, discount):
    """The two types' value of complying less resisting and the posteriors, ``(d_pliable,
    d_resolute, mu_C, mu_R)``, when they comply with log-odds ``zx`` / ``zy`` and observers
    update by Bayes' rule (in log-odds, :func:`_posterior_z`: exact where a probability
    rounds to 0 or 1); ``W``/``Wr`` the pliable type's continuation after complying /
    resisting, ``V``/``Vr`` the resolute type's."""
    m_c = _posterior_z(mu, zx, zy)
    m_r = _posterior_z(mu, -zx, -zy)
    d_pl = comply[0, g] - resist[0, g] + discount * (_on_grid(W, m_c) - _on_grid(Wr, m_r))
    d_re = comply[1, g] - resist[1, g] + discount * (_on_grid(V, m_c) - _on_grid(Vr, m_r))
    return d_pl, d_re, m_c, m_r


@njit(cache=True, inline="always")
def _slope_at(row, mu):
    """The slope of :func:`~backscratch.core.kernels.on_grid`'s interpolation of ``row`` at
    ``mu`` (the segment ``on_grid`` reads)."""
    last = row.shape[0] - 1
    j = min(int(mu * last), last - 1)
    return (row[j + 1] - row[j]) * last


@njit(cache=True)
def _both_newton_step(g, mu, zx, zy, W, Wr, V, Vr, comply, resist, discount, noise):
    """``F(z) = d(z) / s - z`` at ``z = (zx, zy)`` and its Jacobian: ``(fx, fy, a, b, c, d)``
    with ``[[a, b], [c, d]]`` the Jacobian. ``dd_i/dz_j = discount * (A_i'(mu_C) dmu_C/dz_j
    - B_i'(mu_R) dmu_R/dz_j)``, ``A_i``/``B_i`` type ``i``'s continuations after complying /
    resisting, and Bayes' rule in log-odds: ``dmu_C/dz_x = mu_C (1 - mu_C) (1 - p_x)``,
    ``dmu_C/dz_y = -mu_C (1 - mu_C) (1 - p_y)``, ``dmu_R/dz_x = -mu_R (1 - mu_R) p_x``,
    ``dmu_R/dz_y = mu_R (1 - mu_R) p_y``."""
    px, py, qx, qy = _sig(zx), _sig(zy), _sig(-zx), _sig(-zy)
    d_pl, d_re, m_c, m_r = _both_d(g, mu, zx, zy, W, Wr, V, Vr, comply, resist, discount)
    fx, fy = d_pl / noise - zx, d_re / noise - zy
    sc, sr = m_c * (1.0 - m_c), m_r * (1.0 - m_r)
    cx, cy, rx, ry = sc * qx, -sc * qy, -sr * px, sr * py
    k = discount / noise
    wc, wr = _slope_at(W, m_c), _slope_at(Wr, m_r)
    vc, vr = _slope_at(V, m_c), _slope_at(Vr, m_r)
    return (fx, fy, k * (wc * cx - wr * rx) - 1.0, k * (wc * cy - wr * ry),
            k * (vc * cx - vr * rx), k * (vc * cy - vr * ry) - 1.0)  # fmt: skip


@njit(cache=True)
def _newton_both(g, mu, zx, zy, W, Wr, V, Vr, comply, resist, discount, noise):
    """Newton's method on ``F(z) = d(z) / s - z = 0`` from ``(zx, zy)`` (log-odds), each step
    halved until ``max |F|`` falls (at most 40 steps of at most 12 halvings; where it fails
    the search falls back on the degree, so a failure is cut short): ``(zx, zy, found)``,
    found when ``max |F|`` is at most :data:`NEWTON_TOL`."""
    fx, fy, a, b, c, d = _both_newton_step(g, mu, zx, zy, W, Wr, V, Vr, comply, resist,
                                           discount, noise)  # fmt: skip
    size = max(abs(fx), abs(fy))
    for _ in range(40):
        if size <= NEWTON_TOL:
            return zx, zy, True
        det = a * d - b * c
        if det == 0.0:
            return zx, zy, False
        sx, sy = -(d * fx - b * fy) / det, -(a * fy - c * fx) / det
        step = 1.0
        for _ in range(12):
            nx, ny = zx + step * sx, zy + step * sy
            gx, gy, ga, gb, gc, gd = _both_newton_step(g, mu, nx, ny, W, Wr, V, Vr, comply,
                                                       resist, discount, noise)  # fmt: skip
            if max(abs(gx), abs(gy)) < size:
                break
            step *= 0.5
        else:
            return zx, zy, False
        zx, zy, fx, fy, a, b, c, d = nx, ny, gx, gy, ga, gb, gc, gd
        size = max(abs(fx), abs(fy))
    return zx, zy, size <= NEWTON_TOL


@njit(cache=True)
def _adjusted(g, mu, zx, zy, W, Wr, V, Vr, comply, resist, discount, noise):
    """Where the adjustment ``dz/dt = d(z) / s - z`` leads from ``(zx, zy)``: Euler steps of
    0.05 until either type's excess is at most :data:`NEWTON_TOL` or 20,000 steps (a stable
    equilibrium attracts it; the last resort of :func:`solve_period_both`)."""
    for _ in range(20_000):
        d_pl, d_re, _, _ = _both_d(g, mu, zx, zy, W, Wr, V, Vr, comply, resist, discount)
        fx, fy = d_pl / noise - zx, d_re / noise - zy
        if max(abs(fx), abs(fy)) <= NEWTON_TOL:
            break
        zx, zy = zx + 0.05 * fx, zy + 0.05 * fy
    return zx, zy


@njit(cache=True, inline="always")
def _posterior_range(mu, lo_a, hi_a, lo_b, hi_b):
    """The range of ``posterior(mu, a, b, True)`` (rising in ``a``, falling in ``b``) over
    ``a`` in ``[lo_a, hi_a]`` and ``b`` in ``[lo_b, hi_b]``; ``[0, 1]`` where an extreme is
    0 / 0."""
    if mu * lo_a + (1.0 - mu) * hi_b <= 0.0 or mu * hi_a + (1.0 - mu) * lo_b <= 0.0:
        return 0.0, 1.0
    return posterior(mu, lo_a, hi_b, True), posterior(mu, hi_a, lo_b, True)


@njit(cache=True, inline="always")
def _d_range(base, A, Amins, Amaxs, B, Bmins, Bmaxs, c_lo, c_hi, r_lo, r_hi, discount):
    """The range of a type's value difference ``d`` when its posterior after complying lies
    in ``[c_lo, c_hi]`` and after resisting in ``[r_lo, r_hi]`` (``A``/``B`` its
    continuations after complying / resisting, with their range tables)."""
    a_min, a_max = _w_range(A, Amins, Amaxs, c_lo, c_hi)
    b_min, b_max = _w_range(B, Bmins, Bmaxs, r_lo, r_hi)
    return base + discount * (a_min - b_max), base + discount * (a_max - b_min)


@njit(cache=True, inline="always")
def _side(f):
    """Bit flags of the sign of ``f``: 1 positive, 2 negative, 3 both (``|f|`` at most
    :data:`NEWTON_TOL`, zero within the root's tolerance)."""
    if f > NEWTON_TOL:
        return 1
    return 2 if f < -NEWTON_TOL else 3


@njit(cache=True, inline="always")
def _reach(g, W, Wr, V, Vr, tables, comply, resist, discount, noise):
    """The box ``(x0, x1, y0, y1)`` of log-odds both types' replies can reach at grid point
    ``g``, over every posterior (``tables``: :func:`both_tables`)."""
    t = tables
    lo, hi = _d_range(comply[0, g] - resist[0, g], W, t[0, 0], t[0, 1], Wr, t[1, 0], t[1, 1],
                      0.0, 1.0, 0.0, 1.0, discount)  # fmt: skip
    lo2, hi2 = _d_range(comply[1, g] - resist[1, g], V, t[2, 0], t[2, 1], Vr, t[3, 0],
                        t[3, 1], 0.0, 1.0, 0.0, 1.0, discount)  # fmt: skip
    return lo / noise, hi / noise, lo2 / noise, hi2 / noise


@njit(cache=True)
def both_roots(g, mu, W, Wr, V, Vr, tables, comply, resist, discount, noise, width, roots,
               stable, corners=True):  # fmt: skip
    """Every equilibrium of grid belief ``g`` (at ``mu``) with both types strategic, into
    ``roots[k] = (z_pl, z_re)`` (log-odds of complying) and ``stable[k]``; returns their
    number. The search of :func:`solve_period_both` (``tables``: the four continuations'
    range tables, :func:`both_tables`; ``width`` the widest a box may be, in probability;
    ``corners``: start Newton's method only in boxes whose corners show both signs of both
    types' excess)."""
    base_pl = comply[0, g] - resist[0, g]
    base_re = comply[1, g] - resist[1, g]
    t = tables
    boxes = np.empty((256, 4))
    scratch = np.empty((256, 4))  # for the winding numbers of _degree
    boxes[0, 0], boxes[0, 1], boxes[0, 2], boxes[0, 3] = _reach(
        g, W, Wr, V, Vr, tables, comply, resist, discount, noise
    )
    found = 0
    top = 0
    while top >= 0:
        x0, x1, y0, y1 = boxes[top, 0], boxes[top, 1], boxes[top, 2], boxes[top, 3]
        top -= 1
        c_lo, c_hi = _posterior_range(mu, _sig(x0), _sig(x1), _sig(y0), _sig(y1))
        s_lo, s_hi = _posterior_range(mu, _sig(-x1), _sig(-x0), _sig(-y1), _sig(-y0))
        lo, hi = _d_range(base_pl, W, t[0, 0], t[0, 1], Wr, t[1, 0], t[1, 1], c_lo, c_hi,
                          s_lo, s_hi, discount)  # fmt: skip
        lo, hi = lo / noise, hi / noise
        if lo > x1 or hi < x0:
            continue
        lo2, hi2 = _d_range(base_re, V, t[2, 0], t[2, 1], Vr, t[3, 0], t[3, 1], c_lo, c_hi,
                            s_lo, s_hi, discount)  # fmt: skip
        lo2, hi2 = lo2 / noise, hi2 / noise
        if lo2 > y1 or hi2 < y0:
            continue
        # a root of the box lies where both replies can reach
        x0, x1, y0, y1 = max(x0, lo), min(x1, hi), max(y0, lo2), min(y1, hi2)
        if x1 < x0:  # the bounds' rounding
            x0 = x1 = 0.5 * (x0 + x1)
        if y1 < y0:
            y0 = y1 = 0.5 * (y0 + y1)
        wx, wy = _sig(x1) - _sig(x0), _sig(y1) - _sig(y0)
        split = wx > width or wy > width
        if not split and max(x1 - x0, y1 - y0) > BOTH_LOG_LEAF:  # a tail, narrow in p only
            split = True
            wx, wy = x1 - x0, y1 - y0
        zx, zy, ok = 0.0, 0.0, False
        if not split:
            # Newton's method only where both excesses change sign over the box's corners
            sx = sy = 0
            for cx in (x0, x1):
                for cy in (y0, y1):
                    fx, fy = _excess_z(g, mu, cx, cy, W, Wr, V, Vr, comply, resist, discount,
                                       noise)  # fmt: skip
                    sx |= _side(fx)
                    sy |= _side(fy)
            if corners and (sx != 3 or sy != 3):
                continue
            zx, zy, ok = _newton_both(g, mu, 0.5 * (x0 + x1), 0.5 * (y0 + y1), W, Wr, V, Vr,
                                      comply, resist, discount, noise)  # fmt: skip
            if ok:  # a root, perhaps of a neighbouring box
                found = _keep_root(g, mu, zx, zy, W, Wr, V, Vr, comply, resist, discount,
                                   noise, roots, stable, found)  # fmt: skip
            else:
                # the box's own root by bisection on the degree, where the excess winds
                # around it; else the box halved in log-odds
                turns, status, zx, zy = _degree(g, mu, x0, x1, y0, y1, W, Wr, V, Vr, comply,
                                                resist, discount, noise, scratch)  # fmt: skip
                ok = status == 1
                if status == 0 and turns != 0:
                    zx, zy, ok = degree_root(g, mu, x0, x1, y0, y1, W, Wr, V, Vr, comply,
                                             resist, discount, noise)  # fmt: skip
                if ok:
                    found = _keep_root(g, mu, zx, zy, W, Wr, V, Vr, comply, resist, discount,
                                       noise, roots, stable, found)  # fmt: skip
                elif max(x1 - x0, y1 - y0) > BOTH_LOG_MIN:
                    split = True
                    wx, wy = x1 - x0, y1 - y0
        if split:
            if top + 2 >= boxes.shape[0]:
                raise ValueError("both_roots: the search's stack overflowed")
            lower, upper = boxes[top + 2], boxes[top + 1]
            lower[0], lower[1], lower[2], lower[3] = x0, x1, y0, y1
            upper[0], upper[1], upper[2], upper[3] = x0, x1, y0, y1
            if wx >= wy:
                lower[1] = upper[0] = 0.5 * (x0 + x1)
            else:
                lower[3] = upper[2] = 0.5 * (y0 + y1)
            top += 2
    return found


@njit(cache=True)
def _keep_root(g, mu, zx, zy, W, Wr, V, Vr, comply, resist, discount, noise, roots, stable,
               found):  # fmt: skip
    """Add the root ``(zx, zy)`` to the ``found`` of ``roots`` / ``stable`` unless one
    within :data:`SAME_ROOT` is there (then the one kept is stable if either is); returns
    the new count."""
    _, _, a, b, c, d = _both_newton_step(g, mu, zx, zy, W, Wr, V, Vr, comply, resist,
                                         discount, noise)  # fmt: skip
    steady = a + d < 0.0 and a * d - b * c > 0.0
    for k in range(found):
        if (abs(_sig(roots[k, 0]) - _sig(zx)) <= SAME_ROOT
                and abs(_sig(roots[k, 1]) - _sig(zy)) <= SAME_ROOT):  # fmt: skip
            if steady and not stable[k]:  # one equilibrium, held by its stable root
                roots[k, 0], roots[k, 1], stable[k] = zx, zy, True
            return found
    if found == roots.shape[0]:
        return found
    roots[found, 0], roots[found, 1] = zx, zy
    stable[found] = steady
    return found + 1


DEGREE_STEP = math.pi / 3
"""The largest turn of ``F`` between two neighbouring samples of an edge that
:func:`_edge_turn` accepts; wider turns are sampled again at the midpoint."""

DEGREE_SAMPLES = 200_000
"""Most evaluations of ``F`` the winding number of one edge may take."""


@njit(cache=True, inline="always")
def _excess_z(g, mu, zx, zy, W, Wr, V, Vr, comply, resist, discount, noise):
    """``F(z) = d(z) / s - z`` of :func:`_newton_both`, both types (log-odds)."""
    d_pl, d_re, _, _ = _both_d(g, mu, zx, zy, W, Wr, V, Vr, comply, resist, discount)
    return d_pl / noise - zx, d_re / noise - zy


@njit(cache=True, inline="always")
def _wrapped(a):
    """An angle difference brought into (-pi, pi]."""
    while a > math.pi:
        a -= 2.0 * math.pi
    while a <= -math.pi:
        a += 2.0 * math.pi
    return a


@njit(cache=True)
def _edge_turn(g, mu, ax, ay, bx, by, W, Wr, V, Vr, comply, resist, discount, noise, stack):
    """How far ``F`` (:func:`_excess_z`) turns along the segment from ``(ax, ay)`` to
    ``(bx, by)``, in radians: the sum of its turns between samples, a pair of samples
    refined at its midpoint while it turns by more than :data:`DEGREE_STEP`. Returns
    ``(turn, status, zx, zy)``: status 0 done; 1 a sample where ``max |F|`` is at most
    :data:`NEWTON_TOL`, at ``(zx, zy)`` (a root on the edge); 2 more than
    :data:`DEGREE_SAMPLES` evaluations. ``stack``: scratch, ``(n, 4)``."""
    fx, fy = _excess_z(g, mu, ax, ay, W, Wr, V, Vr, comply, resist, discount, noise)
    if max(abs(fx), abs(fy)) <= NEWTON_TOL:
        return 0.0, 1, ax, ay
    hx, hy = _excess_z(g, mu, bx, by, W, Wr, V, Vr, comply, resist, discount, noise)
    if max(abs(hx), abs(hy)) <= NEWTON_TOL:
        return 0.0, 1, bx, by
    stack[0, 0], stack[0, 1] = 0.0, math.atan2(fy, fx)
    stack[0, 2], stack[0, 3] = 1.0, math.atan2(hy, hx)
    top, evaluations, turn = 0, 2, 0.0
    while top >= 0:
        t0, a0, t1, a1 = stack[top, 0], stack[top, 1], stack[top, 2], stack[top, 3]
        top -= 1
        step = _wrapped(a1 - a0)
        if abs(step) <= DEGREE_STEP or t1 - t0 < 1e-14:
            turn += step
            continue
        if evaluations >= DEGREE_SAMPLES or top + 2 >= stack.shape[0]:
            return turn, 2, 0.0, 0.0
        tm = 0.5 * (t0 + t1)
        mx, my = ax + tm * (bx - ax), ay + tm * (by - ay)
        fx, fy = _excess_z(g, mu, mx, my, W, Wr, V, Vr, comply, resist, discount, noise)
        evaluations += 1
        if max(abs(fx), abs(fy)) <= NEWTON_TOL:
            return turn, 1, mx, my
        am = math.atan2(fy, fx)
        stack[top + 1, 0], stack[top + 1, 1] = t0, a0  # the first half, then the second
        stack[top + 1, 2], stack[top + 1, 3] = tm, am
        stack[top + 2, 0], stack[top + 2, 1] = tm, am
        stack[top + 2, 2], stack[top + 2, 3] = t1, a1
        top += 2
    return turn, 0, 0.0, 0.0


@njit(cache=True)
def _degree(g, mu, x0, x1, y0, y1, W, Wr, V, Vr, comply, resist, discount, noise, stack):
    """The winding number of ``F`` around the box ``[x0, x1] x [y0, y1]`` (log-odds; its
    degree: the box holds a root where it is not 0), with :func:`_edge_turn`'s status and
    root."""
    total = 0.0
    corners = ((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))
    for k in range(4):
        turn, status, zx, zy = _edge_turn(g, mu, corners[k][0], corners[k][1],
                                          corners[k + 1][0], corners[k + 1][1], W, Wr, V, Vr,
                                          comply, resist, discount, noise, stack)  # fmt: skip
        if status != 0:
            return 0, status, zx, zy
        total += turn
    return int(np.rint(total / (2.0 * math.pi))), 0, 0.0, 0.0


@njit(cache=True)
def degree_root(g, mu, x0, x1, y0, y1, W, Wr, V, Vr, comply, resist, discount, noise):
    """One equilibrium of grid belief ``g`` with both types strategic, by bisection on the
    degree (the two-dimensional analogue of bisection on a sign change): the box ``[x0,
    x1] x [y0, y1]`` (log-odds) that both types' replies can reach is mapped into itself by
    the replies, so ``F`` (:func:`_excess_z`) winds once around it; of its two halves one
    winds around a root too, and is kept, until the box is narrower than
    :data:`BOTH_LOG_MIN`, where Newton's method polishes the root, or, where it fails (a
    root at a kink of the interpolated continuations), narrower than 1e-9. Returns
    ``(zx, zy, found)``. The last resort of :func:`solve_period_both`: it finds one root,
    not every one, and needs only that ``F`` is continuous."""
    stack = np.empty((256, 4))
    d, status, zx, zy = _degree(g, mu, x0, x1, y0, y1, W, Wr, V, Vr, comply, resist,
                                discount, noise, stack)  # fmt: skip
    for _ in range(400):
        if status == 1:
            return zx, zy, True
        if status == 2 or d == 0:
            return 0.0, 0.0, False
        cx, cy = 0.5 * (x0 + x1), 0.5 * (y0 + y1)
        if max(x1 - x0, y1 - y0) < BOTH_LOG_MIN:
            zx, zy, ok = _newton_both(g, mu, cx, cy, W, Wr, V, Vr, comply, resist, discount,
                                      noise)  # fmt: skip
            if ok and x0 - 1e-9 <= zx <= x1 + 1e-9 and y0 - 1e-9 <= zy <= y1 + 1e-9:
                return zx, zy, True
            if max(x1 - x0, y1 - y0) < 1e-9:
                return cx, cy, True
        wide = x1 - x0 >= y1 - y0  # halve the longer side: the lower half first
        hx, hy = (cx, y1) if wide else (x1, cy)
        half, status, zx, zy = _degree(g, mu, x0, hx, y0, hy, W, Wr, V, Vr, comply, resist,
                                       discount, noise, stack)  # fmt: skip
        if status == 0 and half != 0:
            x1, y1, d = hx, hy, half
        elif status == 0 and wide:  # the upper half winds as the whole box does
            x0 = cx
        elif status == 0:
            y0 = cy
    return 0.0, 0.0, False


@njit(cache=True)
def both_tables(W, Wr, V, Vr):
    """The range tables (:func:`_range_tables`) of the four continuations of
    :func:`both_roots`, stacked ``[row, min/max, level, point]``."""
    n = W.shape[0]
    levels = _levels(n)
    tables = np.empty((4, 2, levels, n))
    _range_tables(W, tables[0, 0], tables[0, 1])
    _range_tables(Wr, tables[1, 0], tables[1, 1])
    _range_tables(V, tables[2, 0], tables[2, 1])
    _range_tables(Vr, tables[3, 0], tables[3, 1])
    return tables


@njit(cache=True)
def solve_period_both(
    grid, W, Wr, V, Vr, comply, resist, discount, noise, resolution, selection, p_out, n_out,
):  # fmt: skip
    """Equilibrium compliance of one period when *both* types are strategic
    (``target.resolute: strategic``; docs/model.md, The target's equilibrium).

    Each type's reply is its logit best response to the posteriors both types' mixing
    implies, a fixed point in two dimensions, solved in log-odds ``z = d(z) / s`` (``p =
    sig(z)``; ``1 - p = sig(-z)`` keeps Bayes' rule exact where ``p`` rounds to 1, which in
    probabilities makes spurious equilibria of "resisting reveals the pliable type").
    Every one is searched for by subdivision (:func:`both_roots`): from the box that both
    types' replies can reach, a box is dropped where bounds prove it holds none (either
    type's reply, bounded by its continuations' ranges over the posteriors the box allows,
    cannot land in the box's side), otherwise cut to where both replies can land and its
    side with the wider span of probabilities halved until both span less than ``1 /
    min(resolution, BOTH_RESOLUTION)`` and less than :data:`BOTH_LOG_LEAF` in log-odds; from
    each box left whose corners show both signs of both excesses, Newton's method
    (:func:`_newton_both`, exact Jacobian); where it fails, bisection on the degree
    (:func:`degree_root`) if the excess winds around the box, else the box halved again in
    log-odds while wider than :data:`BOTH_LOG_MIN`; roots whose probabilities agree within
    :data:`SAME_ROOT` are one (stable if either is). If no root is found, Newton's method
    from every box, then from where the adjustment leads from the anchor, then bisection
    on the degree over the whole reachable box. A root is stable
    when both eigenvalues of the Jacobian of ``d / s - z`` have negative real parts (trace <
    0 < determinant: the adjustment returns to it; the Jacobian of ``BR(p) - p`` in
    probabilities has the same eigenvalues). Of the stable roots, ``selection`` picks as in
    :func:`solve_period`, by the distance in both probabilities (at belief 0 observers
    cannot learn and the root is the two myopic replies); where none is stable, the root
    nearest the anchor is played and ``n_out[g]`` is 0. Writes ``p_out`` (2 x grid) and
    returns the largest residual (either type's ``|BR - p|``) of the roots played.
    ``W``/``Wr``: the pliable type's continuation after complying / resisting; ``V``/``Vr``:
    the resolute type's (one row each)."""
    tables = both_tables(W, Wr, V, Vr)
    width = 1.0 / min(resolution, BOTH_RESOLUTION)
    roots = np.empty((ROOTS_MAX, 2))
    stable = np.zeros(ROOTS_MAX, dtype=np.bool_)
    worst = 0.0
    for g in range(grid.shape[0]):
        mu = grid[g]
        if g == 0:
            ax = _logit(comply[0, g] - resist[0, g], noise)
            ay = _logit(comply[1, g] - resist[1, g], noise)
        else:
            ax, ay = p_out[0, g - 1], p_out[1, g - 1]
        found = both_roots(g, mu, W, Wr, V, Vr, tables, comply, resist, discount, noise, width,
                           roots, stable)  # fmt: skip
        if found == 0:  # no box's corners showed both signs: Newton's method from every box
            found = both_roots(g, mu, W, Wr, V, Vr, tables, comply, resist, discount, noise,
                               width, roots, stable, False)  # fmt: skip
        if found == 0:  # and from where the adjustment dynamics lead from the anchor
            zx, zy = _adjusted(g, mu, _log_odds(ax), _log_odds(ay), W, Wr, V, Vr, comply,
                               resist, discount, noise)  # fmt: skip
            zx, zy, ok = _newton_both(g, mu, zx, zy, W, Wr, V, Vr, comply, resist, discount,
                                      noise)  # fmt: skip
            if not ok:  # and by bisection on the degree, which cannot miss every root
                x0, x1, y0, y1 = _reach(g, W, Wr, V, Vr, tables, comply, resist, discount,
                                        noise)  # fmt: skip
                zx, zy, ok = degree_root(g, mu, x0 - 1.0, x1 + 1.0, y0 - 1.0, y1 + 1.0, W, Wr,
                                         V, Vr, comply, resist, discount, noise)  # fmt: skip
            if ok:
                found = _keep_root(g, mu, zx, zy, W, Wr, V, Vr, comply, resist, discount,
                                   noise, roots, stable, 0)  # fmt: skip
        count = 0
        for k in range(found):
            count += stable[k]
        best, best_key = -1, np.inf
        for k in range(found):
            if count > 0 and not stable[k]:
                continue
            px, py = _sig(roots[k, 0]), _sig(roots[k, 1])
            if selection == CONTINUATION or count == 0:
                key = abs(px - ax) + abs(py - ay)
            elif selection == LOWEST:
                key = px + 1e-3 * py
            else:
                key = -px - 1e-3 * py
            if key < best_key:
                best, best_key = k, key
        if best < 0:  # none found: reported, for the caller to refuse
            n_out[g] = -1
            p_out[0, g], p_out[1, g] = ax, ay
            worst = np.inf
            continue
        zx, zy = roots[best, 0], roots[best, 1]
        p_out[0, g], p_out[1, g] = _sig(zx), _sig(zy)
        n_out[g] = count
        d_pl, d_re, _, _ = _both_d(g, mu, zx, zy, W, Wr, V, Vr, comply, resist, discount)
        worst = max(worst, abs(_logit(d_pl, noise) - _sig(zx)),
                    abs(_logit(d_re, noise) - _sig(zy)))  # fmt: skip
    return worst


@njit(cache=True)
def continuation(grid, W, Wr, comply, resist, p, discount, noise, flow, W_out):
    """The strategic (pliable) type's expected value at every grid belief, given ``p``.

    ``W_t = flow + u_R + discount * W_{t+1}(mu_R) + noise * log(1 + exp(d / noise))``, with
    ``d`` the value difference between complying and resisting (the exact expected maximum
    under logistic shocks of scale ``noise``) and ``flow`` the expected payoff of the
    period's third-party threats at that belief.
    """
    for g in range(grid.shape[0]):
        mu = grid[g]
        w_c = _on_grid(W, posterior(mu, p[0, g], p[1, g], True))
        w_r = _on_grid(_row(Wr, g), posterior(mu, p[0, g], p[1, g], False))
        z = (comply[0, g] - resist[0, g] + discount * (w_c - w_r)) / noise
        soft = z + np.log1p(np.exp(-z)) if z > 0 else np.log1p(np.exp(z))
        W_out[g] = flow[g] + resist[0, g] + discount * w_r + noise * soft


SMALL_MEAN = 30.0
"""Below this mean (``n * min(p, 1 - p)``) a binomial draw searches up from 0; above it,
from the mode."""


@njit(cache=True)
def binomial_draw(n, p, u):
    """Inverse-CDF draw of a Binomial(n, p) count from one uniform ``u``, exact for any
    ``n`` (the count returned is the smallest ``k`` with ``u < F(k)``, up to rounding).

    With ``p > 1/2`` it counts failures instead. A small mean searches up from 0 (at most
    about ``mean + 10 sd`` steps, ``(1 - p)^n`` far from underflow); otherwise the search
    starts at the mode, whose probability comes from ``lgamma`` in log space, and ``F`` at
    the mode is summed down to where the terms fall below ``1e-18`` of it: about
    ``20 sd`` steps in all, so ``n = 10^5`` costs a few hundred multiplications, not
    ``n`` (and ``q^n`` never underflows to 0 entries, as a search from 0 would)."""
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    if p > 0.5:
        return n - binomial_draw(n, 1.0 - p, 1.0 - u)
    q = 1.0 - p
    if n * p <= SMALL_MEAN:
        pk = q**n
        cdf = pk
        k = 0
        while u >= cdf and k < n:
            pk *= (n - k) / (k + 1) * p / q
            k += 1
            cdf += pk
        return k
    m = int((n + 1) * p)
    if m > n:
        m = n
    p_mode = math.exp(
        math.lgamma(n + 1.0) - math.lgamma(m + 1.0) - math.lgamma(n - m + 1.0)
        + m * math.log(p) + (n - m) * math.log(q)
    )  # fmt: skip
    cdf_mode = p_mode
    pk = p_mode
    k = m
    while k > 0:  # F(m) = sum of the pmf from m down
        pk *= k / (n - k + 1) * q / p
        k -= 1
        cdf_mode += pk
        if pk < 1e-18 * cdf_mode:
            break
    k, cdf, pk = m, cdf_mode, p_mode
    if u < cdf_mode:  # walk down: F(k - 1) = F(k) - pmf(k)
        while k > 0 and u < cdf - pk:
            cdf -= pk
            pk *= k / (n - k + 1) * q / p
            k -= 1
            if pk < 1e-18 * cdf:
                break
        return k
    while u >= cdf and k < n:  # walk up
        pk *= (n - k) / (k + 1) * p / q
        k += 1
        cdf += pk
        if pk < 1e-18 * cdf:
            break
    return k


@njit(cache=True)
def entry_probability(mu, x, value, punishment, credibility, exec_cost, entry_cost, entry_noise):
    """Probability that a watching third party enters with a threat demand of size ``x``.

    Chain-store logic: expected gain ``mu * value * x - (1 - mu) * credibility * exec_cost *
    punishment - entry_cost``, passed through a logistic of scale ``entry_noise``.
    """
    gain = mu * value * x - (1.0 - mu) * credibility * exec_cost * punishment - entry_cost
    return _logit(gain, entry_noise)


@njit(cache=True, inline="always")
def entrant_replies(x, harm, offers, params):
    """Each type's probability of meeting one entrant's demand ``x`` (a number or an
    array), ``(pliable, resolute)``: its myopic logit reply to the entrant's threat (which
    would do it ``harm``) or, if ``offers``, to the entrant's offer of ``offer.price`` per
    unit delivered with ``offer.reliability``."""
    if offers:
        reward = params.reliability * params.price * x
        return (
            _logit(reward - params.cost_offer_pliable * x, params.noise),
            _logit(reward - params.cost_offer_resolute * x, params.noise),
        )
    return (
        _logit(params.credibility * harm - params.cost_threat_pliable * x, params.noise),
        _logit(params.credibility * harm - params.cost_threat_resolute * x, params.noise),
    )


@njit(cache=True, inline="always")
def _log_logit(z):
    """``log(1 / (1 + exp(-z)))`` without overflow or a log of 0."""
    return -np.log1p(np.exp(-z)) if z > 0.0 else z - np.log1p(np.exp(z))


@njit(cache=True, inline="always")
def reply_logs(x, harm, offers, params):
    """The logs of :func:`entrant_replies` and of their complements, ``(log q_pl, log (1 -
    q_pl), log q_re, log (1 - q_re))`` at one demand ``x``: what an encounter's outcome
    tells the public (``third_parties.update_belief``)."""
    if offers:
        reward = params.reliability * params.price * x
        z_pl = (reward - params.cost_offer_pliable * x) / params.noise
        z_re = (reward - params.cost_offer_resolute * x) / params.noise
    else:
        z_pl = (params.credibility * harm - params.cost_threat_pliable * x) / params.noise
        z_re = (params.credibility * harm - params.cost_threat_resolute * x) / params.noise
    return _log_logit(z_pl), _log_logit(-z_pl), _log_logit(z_re), _log_logit(-z_re)


@njit(cache=True, inline="always")
def encounter_posterior(mu, met, refused, l_pl, l1_pl, l_re, l1_re):
    """The public belief after the target met ``met`` entrants' demands and refused
    ``refused``, from ``mu``, by Bayes' rule given both types' reply logs
    (:func:`reply_logs`)."""
    if mu <= 0.0 or mu >= 1.0:
        return mu
    lo = np.log(mu) - np.log1p(-mu) + met * (l_pl - l_re) + refused * (l1_pl - l1_re)
    return 1.0 / (1.0 + np.exp(-lo))


@njit(cache=True)
def encounter_values(grid, W, n, entry, logs, out, kind=0):
    """A type's expected ``W`` after this period's encounters, at every grid belief ``mu``
    the demander's exchange left: ``sum over (c, r) of P(c met, r refused | type) *
    W(posterior(mu; c, r))``, each of the ``n`` third parties entering with probability
    ``entry[g]`` and the target meeting its demand with the type's reply probability
    (``logs[:, g]``: :func:`reply_logs` at ``mu``; ``kind`` 0 the pliable type, 1 the
    resolute): a multinomial over (met, refused, stayed out), summed in log space."""
    lf = np.empty(n + 1)  # log k!
    for k in range(n + 1):
        lf[k] = math.lgamma(k + 1.0)
    for g in range(grid.shape[0]):
        mu, e = grid[g], entry[g]
        l_pl, l1_pl, l_re, l1_re = logs[0, g], logs[1, g], logs[2, g], logs[3, g]
        l_own = l_pl if kind == 0 else l_re
        l1_own = l1_pl if kind == 0 else l1_re
        if e <= 0.0 or n == 0:
            out[g] = _on_grid(W, mu)
            continue
        le = np.log(e)
        l_out = np.log1p(-e) if e < 1.0 else -np.inf
        total = 0.0
        for c in range(n + 1):
            for r in range(n - c + 1):
                k = n - c - r
                if k > 0 and e >= 1.0:
                    continue
                lp = lf[n] - lf[c] - lf[r] - lf[k]
                lp += c * (le + l_own) + r * (le + l1_own) + (k * l_out if k > 0 else 0.0)
                post = encounter_posterior(mu, c, r, l_pl, l1_pl, l_re, l1_re)
                total += np.exp(lp) * _on_grid(W, post)
        out[g] = total


@njit(cache=True, inline="always")
def entry_gain(mu, x, punishment, harm, offers, params):
    """A watching third party's expected gain from entering with a demand ``x`` at public
    belief ``mu`` (numbers or arrays), backed by a threat or, if ``offers``, an offer:
    ``sum_type P(type) * (p_type * win - (1 - p_type) * loss) - entry_cost``, with ``p_type``
    the type's reply (:func:`entrant_replies` under ``third_parties.entry: best_response``;
    the rule's 1 for the pliable and 0 for the resolute type otherwise) and (win, loss) =
    (v x, credibility * execution_cost * punishment) for a threat, ((v - reliability *
    price) x, 0) for an offer."""
    p_pl, p_re = entrant_replies(x, harm, offers, params)
    if not params.entry_best_response:  # the rule: the pliable gives in, the resolute not
        p_pl = p_pl * 0.0 + 1.0
        p_re = p_re * 0.0
    if offers:
        win = (params.value - params.reliability * params.price) * x
        loss = 0.0 * x
    else:
        win = params.value * x
        loss = params.credibility * params.execution_cost * punishment + 0.0 * x
    return (
        mu * (p_pl * win - (1.0 - p_pl) * loss)
        + (1.0 - mu) * (p_re * win - (1.0 - p_re) * loss)
        - params.entry_cost
    )


@njit(cache=True, inline="always")
def entrants_offer(mu, x, punishment, harm, params):
    """Whether this period's entrants come with offers (at one run): always or never, as
    ``third_parties.instrument`` says, or with ``choose`` when an offer's expected gain
    (:func:`entry_gain`) beats a threat's (ties: a threat)."""
    if params.entrant_choose:
        return entry_gain(mu, x, punishment, harm, True, params) > entry_gain(
            mu, x, punishment, harm, False, params
        )
    return params.entrant_offers


@njit(cache=True, inline="always")
def entry_chance(mu, x, punishment, harm, offers, params):
    """Probability that a watching third party enters with a demand ``x`` at public belief
    ``mu`` (numbers or arrays), backed by a threat or, if ``offers``, an offer: the logit of
    :func:`entry_gain`; under ``third_parties.entry: rule`` with a threat that is
    :func:`entry_probability`, the dyad's original formula, computed as it always was."""
    if not (params.entry_best_response or offers):
        return entry_probability(
            mu, x, params.value, punishment, params.credibility, params.execution_cost,
            params.entry_cost, params.entry_noise,
        )  # fmt: skip
    return _logit(entry_gain(mu, x, punishment, harm, offers, params), params.entry_noise)


@njit(cache=True, inline="always")
def _entrants(mu, x, punishment, harm, is_pliable, u_entry, u_e_comply, u_e_punish, params):
    """This period's third parties at one run: how many enter on belief ``mu``
    (:func:`entry_chance`), how many of their demands the target meets (its myopic logit
    reply, :func:`entrant_replies`), the payoffs, and whether they offered:
    ``(entries, complied, pay_t, pay_3, offers)``;
    a resisted threat is carried out with the scenario's credibility and does the target
    ``harm`` (``punishment`` where latency does not blunt it); a met offer is paid with the
    offer's reliability."""
    pay_t = 0.0
    pay_3 = 0.0
    entries = 0
    e_complied = 0
    offers = False
    if params.third_parties > 0:
        offers = entrants_offer(mu, x, punishment, harm, params)
        e = entry_chance(mu, x, punishment, harm, offers, params)
        entries = binomial_draw(params.third_parties, e, u_entry)
        if entries > 0:
            p_pl, p_re = entrant_replies(x, harm, offers, params)
            p_e = p_pl if is_pliable else p_re
            e_complied = binomial_draw(entries, p_e, u_e_comply)
            if offers:
                c_offer = params.cost_offer_pliable if is_pliable else params.cost_offer_resolute
                delivered = binomial_draw(e_complied, params.reliability, u_e_punish)
                paid = params.price * x * delivered
                pay_t += paid - c_offer * x * e_complied
                pay_3 += params.value * x * e_complied - paid
            else:
                c_threat = params.cost_threat_pliable if is_pliable else params.cost_threat_resolute
                e_punished = binomial_draw(entries - e_complied, params.credibility, u_e_punish)
                pay_t -= c_threat * x * e_complied + harm * e_punished
                pay_3 += (
                    params.value * x * e_complied - params.execution_cost * punishment * e_punished
                )
    return entries, e_complied, pay_t, pay_3, offers


@njit(cache=True)
def _watched_entrants(mu, is_pliable, u_entry, u_e_comply, u_e_punish, params, blunt=1.0):
    """:func:`_entrants` after the demander's exchange, on the belief ``mu`` it left, with
    the public watching (``third_parties.update_belief``): ``(entries, complied, pay_t,
    pay_3, offers, belief, faced, relation)``, the belief after the encounters
    (:func:`encounter_posterior`) and, for the hedging rule, the entrants' expected
    punishment faced over the credibility and the reward they offered; ``blunt``: the share
    of a punishment the target's latency leaves (``hedging.mode: choice``)."""
    x = params.demand_a + params.demand_b * mu
    P = params.punishment + params.punishment_per_unit * x
    entries, complied, pay_t, pay_3, offers = _entrants(
        mu, x, P, P * blunt, is_pliable, u_entry, u_e_comply, u_e_punish, params
    )
    after = mu
    if entries > 0:
        l_pl, l1_pl, l_re, l1_re = reply_logs(x, P * blunt, offers, params)
        after = encounter_posterior(mu, complied, entries - complied, l_pl, l1_pl, l_re, l1_re)
    faced = 0.0 if offers else P * entries
    relation = params.reliability * params.price * x * entries if offers else 0.0
    return entries, complied, pay_t, pay_3, offers, after, faced, relation


@njit(cache=True, inline="always")
def _demanded(t, i, mu, x, punishment, harm, p_pl, p_re, is_pliable, threat, offer,
              reliability, u_resp, u_punish, u_reward, pay_d, pay_t, params, rec):  # fmt: skip
    """The demander's demand at one run (if ``threat or offer``): the target meets it with its
    type's equilibrium probability (``p_pl``, ``p_re``), a delivered reward is paid, a resisted
    threat is carried out (``harm`` to the target, ``execution_cost * punishment`` to D) or
    backed down from, and a dated strike comes on top. Writes the period's demand records and
    returns ``(pay_d, pay_t, complied, honoured, belief)`` with the Bayes posterior."""
    value = params.value
    credibility = params.credibility
    exec_cost = params.execution_cost
    rec.belief[t, i] = mu
    rec.punished[t, i] = 0
    rec.backed_down[t, i] = 0
    rec.transfer[t, i] = 0.0
    honoured = False
    complied = False
    belief = mu
    if threat or offer:
        p_own = p_pl if is_pliable else p_re
        if threat:
            cost = params.cost_threat_pliable if is_pliable else params.cost_threat_resolute
        else:
            cost = params.cost_offer_pliable if is_pliable else params.cost_offer_resolute
        complied = u_resp < p_own
        if complied:
            pay_d += value * x
            pay_t -= cost * x
            if offer and u_reward < reliability:
                paid = params.price * x
                rec.transfer[t, i] = paid
                pay_d -= paid
                pay_t += paid
                honoured = True
        elif threat:
            if u_punish < credibility:
                rec.punished[t, i] = 1
                pay_t -= harm
                pay_d -= exec_cost * punishment
            else:
                rec.backed_down[t, i] = 1
        rec.demand[t, i] = x
        rec.response[t, i] = COMPLIED if complied else RESISTED
        belief = posterior(mu, p_pl, p_re, complied)
    else:
        rec.demand[t, i] = 0.0
        rec.response[t, i] = NO_DEMAND
    if params.strike > 0.0:  # a threat carried out on a date, whatever T did
        rec.punished[t, i] = 1
        pay_t -= harm
        pay_d -= exec_cost * punishment
    return pay_d, pay_t, complied, honoured, belief


@njit(cache=True)
def advance(t, belief, capacity, latency, pliable, u, p_t, threat, offer, reliability, params, rec):
    """Play period ``t`` for every run, updating ``belief``, ``capacity`` and ``latency``.

    Order within the period: third parties enter on the current belief and their threats are
    met (myopic logit reply, unobserved by the public); the demander's demand is met (the
    equilibrium table ``p_t``) and the belief updated by Bayes' rule (with
    ``third_parties.update_belief`` the third parties come only now, on that belief, and
    each encounter updates it again: :func:`encounter_posterior`); the target invests in
    capacity by the behavioural rule (``hedging.mode: rule``; the target's choice:
    :func:`advance_choice`), which produces latent capability (a stock); honoured exchanges
    roll it back.

    ``u`` holds :data:`DRAWS_PER_PERIOD` uniforms per run; ``threat``, ``offer`` and
    ``reliability`` are this period's instrument; ``params`` is the scenario's
    :class:`backscratch.dyad.params.Params` (read by field name); ``rec`` the record arrays
    of shape (horizon, runs), a :class:`backscratch.dyad.results.Records` (one field per
    declared column).
    """
    value = params.value
    credibility = params.credibility
    exec_cost = params.execution_cost
    price = params.price
    latency_cost = params.latency_cost
    cost_pliable = params.cost_threat_pliable
    cost_resolute = params.cost_threat_resolute
    u_resp, u_punish, u_reward, u_entry, u_e_comply, u_e_punish = u[0], u[1], u[2], u[3], u[4], u[5]
    demand_made = threat or offer
    for i in range(belief.shape[0]):
        mu = belief[i]
        is_pliable = pliable[i]
        x = params.demand_a + params.demand_b * mu
        punishment = params.punishment + params.punishment_per_unit * x  # Params.punishment_at
        pay_d = 0.0
        # third parties (after the demander when their encounters are watched)
        late = params.entrants_update
        entries, e_complied, pay_t, pay_3, offers = 0, 0, 0.0, 0.0, False
        faced, relation_e = 0.0, 0.0
        if not late:
            entries, e_complied, pay_t, pay_3, offers = _entrants(
                mu, x, punishment, punishment, is_pliable, u_entry[i], u_e_comply[i],
                u_e_punish[i], params,
            )  # fmt: skip
        # the demander (written out here, not through _demanded: 2.7x faster, measured)
        rec.belief[t, i] = mu
        rec.punished[t, i] = 0
        rec.backed_down[t, i] = 0
        rec.transfer[t, i] = 0.0
        honoured = False
        if demand_made:
            p_pl = _on_grid(p_t[0], mu)
            p_re = _on_grid(p_t[1], mu)
            p_own = p_pl if is_pliable else p_re
            if threat:
                cost = cost_pliable if is_pliable else cost_resolute
            else:
                cost = params.cost_offer_pliable if is_pliable else params.cost_offer_resolute
            complied = u_resp[i] < p_own
            if complied:
                pay_d += value * x
                pay_t -= cost * x
                if offer and u_reward[i] < reliability:
                    paid = price * x
                    rec.transfer[t, i] = paid
                    pay_d -= paid
                    pay_t += paid
                    honoured = True
            elif threat:
                if u_punish[i] < credibility:
                    rec.punished[t, i] = 1
                    pay_t -= punishment
                    pay_d -= exec_cost * punishment
                else:
                    rec.backed_down[t, i] = 1
            rec.demand[t, i] = x
            rec.response[t, i] = COMPLIED if complied else RESISTED
            belief[i] = posterior(mu, p_pl, p_re, complied)
        else:
            rec.demand[t, i] = 0.0
            rec.response[t, i] = NO_DEMAND
        if params.strike > 0.0:  # a threat carried out on a date, whatever T did
            rec.punished[t, i] = 1
            pay_t -= punishment
            pay_d -= exec_cost * punishment
        if late:  # entrants on the belief the exchange left; the public watches them
            entries, e_complied, pay_e, pay_3, offers, belief[i], faced_e, relation_e = (
                _watched_entrants(belief[i], is_pliable, u_entry[i], u_e_comply[i],
                                  u_e_punish[i], params)
            )  # fmt: skip
            pay_t += pay_e
            faced = credibility * ((punishment if threat else 0.0) + faced_e)
        # hedging
        if not late:
            faced = (
                credibility * punishment * ((1.0 if threat else 0.0) + (0 if offers else entries))
            )
        relation = reliability * price * x if offer else 0.0
        if offers:
            relation += relation_e if late else params.reliability * price * x * entries
        cap = _capacity_step(capacity[i], faced, relation, params.dismantle, params.destroy,
                             params)  # fmt: skip
        capacity[i] = cap
        rec.capacity[t, i] = cap
        stock = _latency_step(latency[i], cap, honoured, params.ship_out, params.latency_cap,
                              params)  # fmt: skip
        latency[i] = stock
        pay_d -= latency_cost * stock
        rec.latency[t, i] = stock
        rec.entries[t, i] = entries
        rec.entrant_complied[t, i] = e_complied
        rec.payoff_demander[t, i] = pay_d
        rec.payoff_target[t, i] = pay_t
        rec.payoff_third_parties[t, i] = pay_3


@njit(cache=True, inline="always")
def _on_column(V, k, g, lat, l_max):
    """``V[:, k, g]`` (values on a uniform latency grid over [0, ``l_max``]) interpolated
    linearly at latency ``lat``, clamped to the grid."""
    last = V.shape[0] - 1
    pos = min(max(lat, 0.0), l_max) / l_max * last
    j = min(int(pos), last - 1)
    w = pos - j
    return V[j, k, g] * (1.0 - w) + V[j + 1, k, g] * w


@njit(cache=True, inline="always")
def _on_plane(T, k, mu, lat, l_max):
    """``T[:, k, :]`` (latency grid x belief grid) interpolated bilinearly at ``(mu, lat)``,
    latency clamped to [0, ``l_max``]."""
    last = T.shape[0] - 1
    pos = min(max(lat, 0.0), l_max) / l_max * last
    j = min(int(pos), last - 1)
    w = pos - j
    return _on_grid(T[j, k], mu) * (1.0 - w) + _on_grid(T[j + 1, k], mu) * w


@njit(cache=True)
def invest_values(V, levels, cost, productivity, discount, l_max, U):
    """The value of choosing capacity, at every (latency, type, belief) grid point:
    ``U[j, k, g] = max_i -cost * levels[i] + discount * V(L_j + productivity * levels[i])``
    with ``V[j, k, g]`` next period's value of type ``k`` (interpolated in latency):
    :func:`invest_after` from the grid's own latencies, with no limit."""
    J = V.shape[0]
    starts = np.empty(J)
    for j in range(J):
        starts[j] = l_max * j / (J - 1)
    invest_after(V, levels, cost, productivity, discount, l_max, starts, False, np.inf, U)


@njit(cache=True, inline="always")
def _latency_limit(kept, freeze, cap):
    """The most latency a target that complied may end the period with: ``kept`` (what it
    holds after the period's rollbacks) under a freeze, ``cap`` under a cap, the lower of
    the two under both (``inf``: no limit)."""
    return min(kept if freeze else np.inf, cap)


@njit(cache=True)
def invest_after(V, levels, cost, productivity, discount, l_max, starts, freeze, cap, U):
    """The value of choosing capacity from latency ``starts[j]`` (after a compliance, ``L_j``
    less the rollbacks), within a complied freeze's or cap's limit: ``U[j, k, g] = max_i
    -cost * levels[i] + discount * V(min(starts[j] + productivity * levels[i], limit))``,
    ``limit`` that start under a freeze, ``cap`` under a cap, none with neither
    (:func:`_latency_limit`)."""
    J, K, G = V.shape
    for j in range(J):
        limit = _latency_limit(starts[j], freeze, cap)
        for k in range(K):
            for g in range(G):
                best = -np.inf
                for i in range(levels.shape[0]):
                    lat = min(starts[j] + productivity * levels[i], limit)
                    val = -cost * levels[i] + discount * _on_column(V, k, g, lat, l_max)
                    if val > best:
                        best = val
                U[j, k, g] = best


@njit(cache=True, inline="always")
def _lse(u, k, noise):
    """``noise * log sum_i exp(u[k, i] / noise)``, the logit chooser's expected maximum."""
    top = u[k, 0]
    for i in range(1, u.shape[1]):
        top = max(top, u[k, i])
    total = 0.0
    for i in range(u.shape[1]):
        total += np.exp((u[k, i] - top) / noise)
    return top + noise * np.log(total)


@njit(cache=True)
def read_cell(V, row, levels, cost, productivity, discount, l_max, start, limit, mu, noise, pi,
              u):  # fmt: skip
    """The two types' capacity choice from latency ``start`` (within ``limit``) at public
    belief ``mu`` when observers read type from it (``hedging.investment_observed``).

    Each type ``k`` runs ``levels[i]`` with the logit probability ``pi[k, i]`` (scale
    ``noise``, ``hedging.capacity_noise``: a private shock to each level's payoff) of ``u[k, i] =
    -cost * levels[i] + discount * V(k, L_i, mu)``, ``L_i = min(start + productivity *
    levels[i], limit)``: it takes the belief as given, not manipulating what its level
    reveals. Observers read the level: seeing ``i`` leaves the Bayes posterior ``mu_i`` of
    ``mu`` given both types' ``pi[:, i]``. Returns each type's expected value, the logit
    chooser's expected maximum ``noise * log sum exp(u / noise)`` plus ``sum_i pi[k, i] *
    discount * (V(k, L_i, mu_i) - V(k, L_i, mu))``, what the posterior its level leaves
    adds (the shock of the level chosen is ``E max - u[k, i]`` on average, whichever ``i``).
    ``V[:, row + k, :]`` over latency and belief, interpolated. Fills ``pi`` and ``u``."""
    values = np.empty(2)
    n = levels.shape[0]
    for i in range(n):
        lat = min(start + productivity * levels[i], limit)
        for k in range(2):
            u[k, i] = -cost * levels[i] + discount * _on_plane(V, row + k, mu, lat, l_max)
    for k in range(2):
        values[k] = _lse(u, k, noise)
        for i in range(n):
            pi[k, i] = np.exp((u[k, i] - values[k]) / noise)
    for i in range(n):
        seen = posterior(mu, pi[0, i], pi[1, i], True)
        lat = min(start + productivity * levels[i], limit)
        for k in range(2):
            values[k] += (
                pi[k, i]
                * discount
                * (_on_plane(V, row + k, seen, lat, l_max) - _on_plane(V, row + k, mu, lat, l_max))
            )
    return values


@njit(cache=True, inline="always")
def draw_level(pi, k, u):
    """The index of the level type ``k`` runs, drawn from its choice probabilities
    ``pi[k]`` with the uniform ``u`` (the inverse CDF; the last level where rounding
    leaves ``u`` above their sum)."""
    acc = 0.0
    for i in range(pi.shape[1]):
        acc += pi[k, i]
        if u < acc:
            return i
    return pi.shape[1] - 1


@njit(cache=True)
def invest_read(V, levels, cost, productivity, discount, l_max, starts, freeze, cap, grid,
                noise, U):  # fmt: skip
    """:func:`invest_after` when observers read type from the capacity run
    (``hedging.investment_observed``): ``U[j, k, g]`` each type's expected value of the
    choice (:func:`read_cell`) from latency ``starts[j]`` at grid belief ``grid[g]``, within
    a complied freeze's or cap's limit."""
    J, _, G = V.shape
    n = levels.shape[0]
    pi = np.empty((2, n))
    u = np.empty((2, n))
    for j in range(J):
        limit = _latency_limit(starts[j], freeze, cap)
        for g in range(G):
            values = read_cell(V, 0, levels, cost, productivity, discount, l_max, starts[j],
                               limit, grid[g], noise, pi, u)  # fmt: skip
            U[j, 0, g] = values[0]
            U[j, 1, g] = values[1]


@njit(cache=True)
def resolute_value(grid, Uc, Ur, comply, resist, p, noise, flow, V_out):
    """The resolute type's expected value at every grid belief, given the compliance ``p``.

    It is the commitment type: it complies iff ``u_C + Uc(mu) + eps >= u_R + Ur(mu)`` at the
    *current* belief ``mu`` (its programme counts, what its answer reveals does not), with
    ``Uc``/``Ur`` its value of the programme after complying / resisting. Its expected
    payoff is ``u_R + noise * log(1 + exp(z / noise)) - p_R * dU(mu)`` (the expected
    maximum, less the part of the index that is not paid now) plus the continuation at the
    Bayes posteriors; ``flow`` adds its third-party payoff."""
    for g in range(grid.shape[0]):
        mu = grid[g]
        du = Uc[g] - Ur[g]
        z = (comply[1, g] - resist[1, g] + du) / noise
        soft = z + np.log1p(np.exp(-z)) if z > 0 else np.log1p(np.exp(z))
        w_c = _on_grid(Uc, posterior(mu, p[0, g], p[1, g], True))
        w_r = _on_grid(Ur, posterior(mu, p[0, g], p[1, g], False))
        V_out[g] = (
            flow[g] + resist[1, g] + noise * soft - p[1, g] * du + p[1, g] * w_c
            + (1.0 - p[1, g]) * w_r
        )  # fmt: skip


@njit(cache=True)
def advance_choice(t, belief, capacity, latency, pliable, u, table, threat, offer, reliability,
                   params, levels, discount, rec, u_level):  # fmt: skip
    """:func:`advance` when the target chooses its capacity (``hedging.mode: choice``).

    ``table[j, r, g]`` at latency grid point ``j`` and belief grid point ``g``: rows 0 and 1
    each type's compliance probability this period, rows 2 and 3 its value at the start of
    next period. Latency ``L`` blunts every carried-out threat to ``P * exp(-deterrence * L)``
    (third parties' included). After the response the latency a compliance gives up
    (``demand_rollback``) and an honoured exchange's ``rollback`` leave; then the target
    runs the capacity of ``levels`` that maximises ``-capacity_cost * K + discount * V(mu',
    min(L + productivity * K, limit))`` (ties: the lowest; ``limit`` a complied freeze's or
    cap's, :func:`_latency_limit`, else none), after dated events (dismantle, strike), and
    the stock grows by ``productivity * K`` to at most ``limit`` (less what is shipped out,
    within a dated cap). With ``third_parties.update_belief`` the entrants come after the
    exchange, on the belief it left, and the capacity is chosen on the belief their watched
    encounters leave (:func:`_watched_entrants`). With ``hedging.investment_observed`` each
    type draws its capacity from its logit choice at the cell (:func:`read_cell`, uniform
    ``u_level[i]``) and the public belief is updated on the level run."""
    u_resp, u_punish, u_reward, u_entry, u_e_comply, u_e_punish = u[0], u[1], u[2], u[3], u[4], u[5]
    pi = np.empty((2, levels.shape[0]))
    scratch = np.empty((2, levels.shape[0]))
    demand_made = threat or offer
    l_max = params.latency_max
    for i in range(belief.shape[0]):
        mu = belief[i]
        lat = latency[i]
        is_pliable = pliable[i]
        x = params.demand_a + params.demand_b * mu
        punishment = params.punishment + params.punishment_per_unit * x
        blunt = np.exp(-params.deterrence * lat)
        harm = punishment * blunt
        entries, e_complied, pay_t, pay_3 = 0, 0, 0.0, 0.0
        if not params.entrants_update:
            entries, e_complied, pay_t, pay_3, _ = _entrants(
                mu, x, punishment, harm, is_pliable, u_entry[i], u_e_comply[i], u_e_punish[i],
                params,
            )  # fmt: skip
        p_pl = _on_plane(table, 0, mu, lat, l_max) if demand_made else 0.0
        p_re = _on_plane(table, 1, mu, lat, l_max) if demand_made else 0.0
        pay_d, pay_t, complied, honoured, mu_next = _demanded(
            t, i, mu, x, punishment, harm, p_pl, p_re, is_pliable, threat, offer,
            reliability, u_resp[i], u_punish[i], u_reward[i], 0.0, pay_t, params, rec,
        )  # fmt: skip
        if params.entrants_update:  # entrants on the belief the exchange left, watched
            entries, e_complied, pay_e, pay_3, _, mu_next, _, _ = _watched_entrants(
                mu_next, is_pliable, u_entry[i], u_e_comply[i], u_e_punish[i], params, blunt
            )
            pay_t += pay_e
        belief[i] = mu_next
        kept = lat
        if complied:
            kept = max(0.0, kept - params.demand_rollback)
        if honoured:
            kept = max(0.0, kept - params.rollback)
        limit = np.inf
        if complied:
            limit = _latency_limit(kept, params.demand_freeze, params.demand_cap)
        row = 2 if is_pliable else 3
        cap = 0.0
        if params.investment_observed:  # a logit draw; the public reads the level run
            read_cell(table, 2, levels, params.capacity_cost, params.productivity, discount,
                      l_max, kept, limit, mu_next, params.capacity_noise, pi, scratch)  # fmt: skip
            pick = draw_level(pi, row - 2, u_level[i])
            cap = levels[pick]
            mu_next = posterior(mu_next, pi[0, pick], pi[1, pick], True)
            belief[i] = mu_next
        else:
            best = -np.inf
            for k in range(levels.shape[0]):
                val = -params.capacity_cost * levels[k] + discount * _on_plane(
                    table, row, mu_next, min(kept + params.productivity * levels[k], limit),
                    l_max,
                )  # fmt: skip
                if val > best:
                    best = val
                    cap = levels[k]
        cap = max(0.0, cap - params.dismantle) * (1.0 - params.destroy)
        capacity[i] = cap
        rec.capacity[t, i] = cap
        pay_t -= params.capacity_cost * cap
        grown = min(kept + params.productivity * cap, limit)
        stock = min(max(0.0, grown - params.ship_out), params.latency_cap)
        latency[i] = stock
        pay_d -= params.latency_cost * stock
        rec.latency[t, i] = stock
        rec.entries[t, i] = entries
        rec.entrant_complied[t, i] = e_complied
        rec.payoff_demander[t, i] = pay_d
        rec.payoff_target[t, i] = pay_t
        rec.payoff_third_parties[t, i] = pay_3


@njit(cache=True)
def _capacity_step(cap, faced, relation, dismantle, destroy, params):
    """Next capacity: the behavioural rule (``docs/model.md``, Hedging and latency), then
    what is dismantled, then the share a strike destroys; never below 0."""
    cap = max(
        0.0,
        cap
        + params.hedging_base
        + params.threat_sensitivity * faced
        - params.relationship_sensitivity * relation,
    )
    return max(0.0, cap - dismantle) * (1.0 - destroy)


@njit(cache=True)
def _latency_step(stock, cap, honoured, ship_out, latency_cap, params):
    """Next latency: what capacity produces, less the rollback of an honoured exchange and
    what is shipped out, within the cap in force; never below 0."""
    stock = stock + params.productivity * cap
    if honoured:
        stock -= params.rollback
    return min(max(0.0, stock - ship_out), latency_cap)


@njit(cache=True)
def hedge(belief, entries, offered, honoured, threat, offer, reliability, credibility, punishment0, price,
          ship_out, dismantle, destroy, latency_cap, capacity0, latency0, params, capacity_out,
          latency_out):  # fmt: skip
    """The hedging recurrence of :func:`advance` alone, over recorded play: from each run's
    public belief ``belief[t, i]``, third-party entries ``entries[t, i]`` (and whether they
    came with offers, ``offered[t, i]``) and honoured
    exchanges ``honoured[t, i]`` under the plan's per-period ``threat``, ``offer`` and
    ``reliability`` (and the terms in force, ``credibility``, lump-sum ``punishment0`` and
    ``price`` per period) and the dated events (``ship_out``, ``dismantle``, ``destroy``,
    ``latency_cap`` per period), the capacity and latency stocks every period would have under
    ``params``'s hedging numbers. Hedging feeds back into nothing else (not beliefs,
    compliance or entries), so for the same play this equals the records a full simulation
    writes, bit for bit: a fit of hedging parameters can replay it instead of re-simulating."""
    H, n = belief.shape
    for t in range(H):  # period by period, runs innermost: the records' memory order
        for i in range(n):
            cap = capacity0 if t == 0 else capacity_out[t - 1, i]
            stock = latency0 if t == 0 else latency_out[t - 1, i]
            x = params.demand_a + params.demand_b * belief[t, i]
            punishment = punishment0[t] + params.punishment_per_unit * x
            n_threats = 0 if offered[t, i] else entries[t, i]
            faced = credibility[t] * punishment * ((1.0 if threat[t] else 0.0) + n_threats)
            relation = reliability[t] * price[t] * x if offer[t] else 0.0
            if offered[t, i]:
                relation += params.reliability * price[t] * x * entries[t, i]
            cap = _capacity_step(cap, faced, relation, dismantle[t], destroy[t], params)
            capacity_out[t, i] = cap
            latency_out[t, i] = _latency_step(stock, cap, honoured[t, i], ship_out[t],
                                              latency_cap[t], params)  # fmt: skip


CHUNK_SUMS = (
    "made", "complied", "punished", "backed_down", "demander", "target", "third", "transfer",
    "offers", "exchanges", "final_belief", "entries", "final_latency", "crossed",
    "backdowns_disc", "broken_disc", "toughness",
    "growth_c", "growth_c_n", "growth_r", "growth_r_n", "jump_c", "jump_c_n",
    "jump_r", "jump_r_n", "entries_c", "entries_c_n", "entries_r", "entries_r_n",
)  # fmt: skip
"""The order of :func:`chunk_sums`' output."""


@njit(cache=True)
def chunk_sums(
    resp, demand, belief, entries, latency, punished, backed_down, transfer,
    pay_d, pay_t, pay_3, threat, offer, a, b, shadow, threshold, value, price,
):  # fmt: skip
    """The sums behind a dyad summary over runs ``a .. b-1`` of records ``[t, run]``, in one
    pass (in the order of :data:`CHUNK_SUMS`): counts of demands made, complied with,
    punishments, back-downs, offers and honoured exchanges; each side's payoff discounted
    by ``shadow ** t``; transfers, entries, the last period's belief and latency, the runs
    whose latency reached ``threshold``; discounted back-downs and broken promises
    (compliance with an offer of a positive reward, ``price * demand > 0``, not paid);
    toughness (``value * demand`` where ``threat[t]``, minus transfers, discounted); and
    the demand's change, the belief's change and the next period's entries after
    compliance and after resistance, with their counts (the demand's change only where the
    next period has a demand too). Each period's column is summed over the runs, then the
    periods weighted by ``shadow ** t``."""
    T = resp.shape[0]
    out = np.zeros(len(CHUNK_SUMS))
    crossed = np.zeros(b - a, dtype=np.bool_)
    for t in range(T):
        disc = shadow**t
        s_d = s_t = s_3 = s_bd = s_broken = s_tough = 0.0
        for i in range(a, b):
            r = resp[t, i]
            made = r != NO_DEMAND
            x, paid = demand[t, i], transfer[t, i]
            if made:
                out[0] += 1.0
                if offer[t]:
                    out[8] += 1.0
                    if paid > 0:
                        out[9] += 1.0
            if r == COMPLIED:
                out[1] += 1.0
                if offer[t] and price * x > 0 and paid == 0:
                    s_broken += 1.0
            out[2] += punished[t, i]
            out[3] += backed_down[t, i]
            s_bd += backed_down[t, i]
            s_d += pay_d[t, i]
            s_t += pay_t[t, i]
            s_3 += pay_3[t, i]
            out[7] += paid
            out[11] += entries[t, i]
            s_tough += (value * x if threat[t] else 0.0) - paid
            if latency[t, i] >= threshold:
                crossed[i - a] = True
            if t + 1 < T and made:
                k = 17 if r == COMPLIED else (19 if r == RESISTED else -1)
                if k >= 0:
                    if resp[t + 1, i] != NO_DEMAND:
                        out[k] += demand[t + 1, i] - x
                        out[k + 1] += 1.0
                    out[k + 4] += belief[t + 1, i] - belief[t, i]
                    out[k + 5] += 1.0
                    out[k + 8] += entries[t + 1, i]
                    out[k + 9] += 1.0
        out[4] += disc * s_d
        out[5] += disc * s_t
        out[6] += disc * s_3
        out[14] += disc * s_bd
        out[15] += disc * s_broken
        out[16] += disc * s_tough
    for i in range(a, b):
        out[10] += belief[T - 1, i]
        out[12] += latency[T - 1, i]
    out[13] = crossed.sum()
    return out

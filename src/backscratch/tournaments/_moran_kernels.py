"""numba kernels of the Moran process as the Axelrod library plays it (birth ∝ fitness, death
uniform), on counts when matches are deterministic and on individuals when they are not.

Random numbers are counter-based (``_ipd_kernels.uniform``): run ``r`` uses the
key ``subkey(root, r)``; generation ``g`` draws counters ``4g`` (who reproduces), ``4g + 1``
(who dies), ``4g + 2`` (whether the offspring mutates) and ``4g + 3`` (into what), and its
matches (individual mode) use keys hashed from the run, the generation and the two players.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from backscratch.tournaments._ipd_kernels import (
    match_key,
    match_length,
    play,
    subkey,
    uniform,
)


@njit(cache=True)
def _pick(weights, u):
    """Index ``i`` with the cumulative sum of ``weights`` first >= ``u * total``."""
    total = 0.0
    for w in weights:
        total += w
    r = u * total
    acc = 0.0
    last = 0
    for i in range(weights.shape[0]):
        if weights[i] > 0.0:
            last = i
        acc += weights[i]
        if acc >= r and weights[i] > 0.0:
            return i
    return last


@njit(cache=True)
def _step(types_w, counts, fit, g, key, mutation_rate):
    """Birth (∝ fitness, or ∝ counts if every fitness is 0), death (uniform), mutation."""
    n = counts.shape[0]
    total = 0.0
    for a in range(n):
        types_w[a] = counts[a] * fit[a]
        total += types_w[a]
    if total <= 0.0:
        for a in range(n):
            types_w[a] = counts[a]
    born = _pick(types_w, uniform(key, 4 * g))
    for a in range(n):
        types_w[a] = counts[a]
    dead = _pick(types_w, uniform(key, 4 * g + 1))
    if mutation_rate > 0.0 and n > 1 and uniform(key, 4 * g + 2) < mutation_rate:
        k = int(uniform(key, 4 * g + 3) * (n - 1))
        born = k if k < born else k + 1
    counts[dead] -= 1
    counts[born] += 1


@njit(cache=True)
def moran_counts(pair_score, counts0, mutation_rate, max_generations, root, runs, out):
    """Runs of the Moran process with a fixed score table.

    ``pair_score[a, b]`` is the score (per turn) of an ``a`` against a ``b``; an individual's
    fitness is the sum of its scores against every other member. ``out[r, :n]`` receives the
    final counts, ``out[r, n]`` the number of generations.
    """
    n = counts0.shape[0]
    counts = np.empty(n, dtype=np.int64)
    fit = np.empty(n)
    w = np.empty(n)
    for r in range(runs):
        key = subkey(root, r)
        for a in range(n):
            counts[a] = counts0[a]
        g = 0
        while g < max_generations:
            if mutation_rate == 0.0:
                alive = 0
                for a in range(n):
                    if counts[a] > 0:
                        alive += 1
                if alive <= 1:
                    break
            for a in range(n):
                f = -pair_score[a, a]
                for b in range(n):
                    f += counts[b] * pair_score[a, b]
                fit[a] = f
            _step(w, counts, fit, g, key, mutation_rate)
            g += 1
        for a in range(n):
            out[r, a] = counts[a]
        out[r, n] = g


@njit(cache=True)
def moran_individuals(
    kinds,
    params,
    counts0,
    turns,
    prob_end,
    noise,
    stage,
    mutation_rate,
    max_generations,
    root,
    runs,
    out,
):
    """As :func:`moran_counts`, but every generation plays every pair of individuals afresh
    (stochastic strategies, noise or random match lengths); fitness sums scores per turn."""
    n = counts0.shape[0]
    size = 0
    for a in range(n):
        size += counts0[a]
    counts = np.empty(n, dtype=np.int64)
    pop = np.empty(size, dtype=np.int64)
    fit_ind = np.empty(size)
    fit = np.empty(n)
    w = np.empty(n)
    ha = np.zeros(turns, dtype=np.int64)
    hb = np.zeros(turns, dtype=np.int64)
    sa = np.zeros(4, dtype=np.int64)
    sb = np.zeros(4, dtype=np.int64)
    for r in range(runs):
        key = subkey(root, r)
        for a in range(n):
            counts[a] = counts0[a]
        g = 0
        while g < max_generations:
            alive = 0
            for a in range(n):
                if counts[a] > 0:
                    alive += 1
            if alive <= 1 and mutation_rate == 0.0:
                break
            # individuals in type order (the process is exchangeable, so order is immaterial)
            k = 0
            for a in range(n):
                for _ in range(counts[a]):
                    pop[k] = a
                    k += 1
            fit_ind[:] = 0.0
            gkey = subkey(key, 1 << 40 | g)
            for i in range(size):
                for j in range(i + 1, size):
                    mkey = match_key(gkey, 0, i, j)
                    m = match_length(mkey, turns, prob_end)
                    x, y, _, _ = play(
                        kinds[pop[i]],
                        params[pop[i]],
                        kinds[pop[j]],
                        params[pop[j]],
                        m,
                        noise,
                        stage,
                        mkey,
                        ha,
                        hb,
                        sa,
                        sb,
                    )
                    fit_ind[i] += x / m
                    fit_ind[j] += y / m
            # birth ∝ individual fitness = type chosen ∝ the sum of its members' fitness
            for a in range(n):
                fit[a] = 0.0
            for i in range(size):
                fit[pop[i]] += fit_ind[i]
            for a in range(n):
                fit[a] = fit[a] / counts[a] if counts[a] > 0 else 0.0
            _step(w, counts, fit, g, key, mutation_rate)
            g += 1
        for a in range(n):
            out[r, a] = counts[a]
        out[r, n] = g

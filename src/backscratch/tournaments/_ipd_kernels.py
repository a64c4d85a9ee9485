"""numba kernels of iterated 2×2 games: one decision, one match, a whole round robin.

Strategies are integer codes with a parameter vector (see :mod:`backscratch.tournaments.ipd_strategies`,
where every rule is also written in plain Python). Random numbers are counter-based: the
uniform for (match key, counter) is a SplitMix64 hash (Steele, Lea & Flood 2014, *OOPSLA*),
and each match's key is hashed from the root key, the repetition and the two players'
indices. So every number depends only on what it is for, not on the order in which matches
are played, and deterministic matches draw none at all.

Within a match, turn ``t`` uses counters ``4t`` and ``4t + 1`` for the first player's
decision and noise, ``4t + 2`` and ``4t + 3`` for the second's; the match length under
probabilistic ending uses its own hashed key.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from backscratch.tournaments import ipd_strategies as s

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_LENGTH_SALT = np.uint64(0x5851F42D4C957F2D)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53
MASK = (1 << 64) - 1

# Each rule's code, from the registry (numba reads these module constants at compile time).
COOPERATOR = s.Cooperator.kind
DEFECTOR = s.Defector.kind
TIT_FOR_TAT = s.TitForTat.kind
SUSPICIOUS_TIT_FOR_TAT = s.SuspiciousTitForTat.kind
GRUDGER = s.Grudger.kind
TIT_FOR_2_TATS = s.TitFor2Tats.kind
ALTERNATOR = s.Alternator.kind
WIN_STAY_LOSE_SHIFT = s.WinStayLoseShift.kind
RANDOM = s.Random.kind
TWO_TITS_FOR_TAT = s.TwoTitsForTat.kind
BULLY = s.Bully.kind
ANTI_TIT_FOR_TAT = s.AntiTitForTat.kind
CYCLER = s.Cycler.kind
HARD_TIT_FOR_TAT = s.HardTitForTat.kind
HARD_TIT_FOR_2_TATS = s.HardTitFor2Tats.kind
SOFT_GRUDGER = s.SoftGrudger.kind
APPEASER = s.Appeaser.kind
PROBER = s.Prober.kind
MEMORY_ONE = s.MemoryOne.kind
FOOL_ME_ONCE = s.FoolMeOnce.kind
GRADUAL = s.Gradual.kind
GO_BY_MAJORITY = s.GoByMajority.kind

STATE_SLOTS = 4
"""Integers of per-player state: slot 0 counts the opponent's defections."""


@njit(cache=True, inline="always")
def mix64(z):
    """SplitMix64's finaliser: a bijective scramble of a 64-bit integer."""
    z = np.uint64(z)
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True, inline="always")
def subkey(key, index):
    """The key of child ``index`` of ``key`` (repetition, player, ...)."""
    return mix64(np.uint64(key) + (np.uint64(index) + np.uint64(1)) * _GOLDEN)


@njit(cache=True, inline="always")
def uniform(key, counter):
    """Uniform number ``counter`` (in [0, 1)) of the stream ``key``."""
    return float(subkey(key, counter) >> _S11) * _TO_UNIT


@njit(cache=True)
def match_key(root, rep, i, j):
    """The key of the match between players ``i`` and ``j`` in repetition ``rep``."""
    return subkey(subkey(subkey(root, rep), i), j)


@njit(cache=True)
def match_length(key, turns, prob_end):
    """``turns``, or with ``prob_end > 0`` a geometric length (at least 1) capped at ``turns``."""
    if prob_end <= 0.0:
        return turns
    if prob_end >= 1.0:
        return 1
    u = uniform(np.uint64(key) ^ _LENGTH_SALT, 0)
    n = int(np.ceil(np.log(1.0 - u) / np.log(1.0 - prob_end)))
    return min(max(n, 1), turns)


@njit(cache=True, inline="always")
def decide(kind, par, t, me, opp, st, key, counter):
    """The move (0 = C, 1 = D) of a strategy in turn ``t`` given both histories ``me[:t]``,
    ``opp[:t]`` and its state ``st``; ``uniform(key, counter)`` is drawn only if needed."""
    C, D = 0, 1
    if kind == COOPERATOR:
        return C
    if kind == DEFECTOR:
        return D
    if kind == TIT_FOR_TAT:
        return C if t == 0 else opp[t - 1]
    if kind == SUSPICIOUS_TIT_FOR_TAT:
        return D if t == 0 else opp[t - 1]
    if kind == GRUDGER:
        return D if st[0] > 0 else C
    if kind == TIT_FOR_2_TATS:
        return D if t >= 2 and opp[t - 1] == D and opp[t - 2] == D else C
    if kind == ALTERNATOR:
        return C if t == 0 or me[t - 1] == D else D
    if kind == WIN_STAY_LOSE_SHIFT:
        if t == 0:
            return C
        return me[t - 1] if opp[t - 1] == C else 1 - me[t - 1]
    if kind == RANDOM:
        return C if uniform(key, counter) < par[0] else D
    if kind == TWO_TITS_FOR_TAT:
        if t >= 1 and opp[t - 1] == D:
            return D
        if t >= 2 and opp[t - 2] == D:
            return D
        return C
    if kind == BULLY:
        return C if t > 0 and opp[t - 1] == D else D
    if kind == ANTI_TIT_FOR_TAT:
        return D if t > 0 and opp[t - 1] == C else C
    if kind == CYCLER:
        return int(par[1 + t % int(par[0])])
    if kind == HARD_TIT_FOR_TAT:
        for k in range(max(0, t - 3), t):
            if opp[k] == D:
                return D
        return C
    if kind == HARD_TIT_FOR_2_TATS:
        for k in range(max(0, t - 3), t - 1):
            if opp[k] == D and opp[k + 1] == D:
                return D
        return C
    if kind == SOFT_GRUDGER:
        if st[1] != 0:
            move = D if st[2] < 3 else C
            st[2] += 1
            if st[2] == 5:
                st[1] = 0
                st[2] = 0
            return move
        if t > 0 and opp[t - 1] == D:
            st[1] = 1
            return D
        return C
    if kind == APPEASER:
        if t == 0:
            return C
        return 1 - me[t - 1] if opp[t - 1] == D else me[t - 1]
    if kind == PROBER:
        if t == 0:
            return D
        if t <= 2:
            return C
        if opp[1] == C and opp[2] == C:
            return D
        return opp[t - 1]
    if kind == MEMORY_ONE:
        p = par[4] if t == 0 else par[2 * me[t - 1] + opp[t - 1]]
        return C if uniform(key, counter) < p else D
    if kind == FOOL_ME_ONCE:
        return D if st[0] > 1 else C
    if kind == GRADUAL:
        if t == 0:
            return C
        if st[1] > 0:
            st[1] -= 1
            return D
        if st[2] > 0:
            st[2] -= 1
            return C
        if opp[t - 1] == D:
            st[1] = st[0] - 1
            st[2] = 2
            return D
        return C
    if kind == GO_BY_MAJORITY:
        return D if st[0] > t - st[0] else C
    return 0  # unreachable: callers pass only the codes above


@njit(cache=True, _nrt=False)  # no reference counting: 20x faster, and it allocates nothing
def play(kind_a, par_a, kind_b, par_b, length, noise, stage, key, ha, hb, sa, sb):
    """Play one match of ``length`` turns; fill the histories ``ha``/``hb`` (after noise).

    ``stage[a, b, 0]`` / ``stage[a, b, 1]`` are the first / second player's payoffs when they
    play ``a`` and ``b``. Returns ``(score_a, score_b, cooperations_a, cooperations_b)``.
    """
    for k in range(sa.shape[0]):
        sa[k] = 0
        sb[k] = 0
    score_a = 0.0
    score_b = 0.0
    coop_a = 0
    coop_b = 0
    for t in range(length):
        a = decide(kind_a, par_a, t, ha, hb, sa, key, 4 * t)
        b = decide(kind_b, par_b, t, hb, ha, sb, key, 4 * t + 2)
        if noise > 0.0:
            if uniform(key, 4 * t + 1) < noise:
                a = 1 - a
            if uniform(key, 4 * t + 3) < noise:
                b = 1 - b
        ha[t] = a
        hb[t] = b
        sa[0] += b
        sb[0] += a
        score_a += stage[a, b, 0]
        score_b += stage[a, b, 1]
        coop_a += 1 - a
        coop_b += 1 - b
    return score_a, score_b, coop_a, coop_b


@njit(cache=True)
def round_robin(kinds, params, pairs_i, pairs_j, reps, turns, prob_end, noise, stage, root, out):
    """Every pair ``(pairs_i[k], pairs_j[k])`` in every repetition (codes checked by the
    caller). ``out[r, k, :]`` receives (score of i, score of j, turns, cooperations of i, of j).
    """
    ha = np.zeros(turns, dtype=np.int64)
    hb = np.zeros(turns, dtype=np.int64)
    sa = np.zeros(STATE_SLOTS, dtype=np.int64)
    sb = np.zeros(STATE_SLOTS, dtype=np.int64)
    for r in range(reps):
        for k in range(pairs_i.shape[0]):
            i = pairs_i[k]
            j = pairs_j[k]
            key = match_key(root, r, i, j)
            n = match_length(key, turns, prob_end)
            sc_a, sc_b, c_a, c_b = play(
                kinds[i], params[i], kinds[j], params[j], n, noise, stage, key, ha, hb, sa, sb
            )
            out[r, k, 0] = sc_a
            out[r, k, 1] = sc_b
            out[r, k, 2] = n
            out[r, k, 3] = c_a
            out[r, k, 4] = c_b


def py_mix64(z: int) -> int:
    """Plain-Python :func:`mix64` (for the reference implementation and tests)."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def py_subkey(key: int, index: int) -> int:
    """Plain-Python :func:`subkey`."""
    return py_mix64((key + ((index + 1) * 0x9E3779B97F4A7C15)) & MASK)


def py_uniform(key: int, counter: int) -> float:
    """Plain-Python :func:`uniform`."""
    return (py_subkey(key, counter) >> 11) * _TO_UNIT


def py_match_key(root: int, rep: int, i: int, j: int) -> int:
    """Plain-Python :func:`match_key`."""
    return py_subkey(py_subkey(py_subkey(root, rep), i), j)


def py_match_length(key: int, turns: int, prob_end: float) -> int:
    """Plain-Python :func:`match_length`."""
    if prob_end <= 0.0:
        return turns
    if prob_end >= 1.0:
        return 1
    u = py_uniform(key ^ int(_LENGTH_SALT), 0)
    n = int(np.ceil(np.log(1.0 - u) / np.log(1.0 - prob_end)))
    return min(max(n, 1), turns)

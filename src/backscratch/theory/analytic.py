"""Analytic results of the field, each with its formula, its source and a simulation.

Every ``*_simulated`` function estimates by seeded Monte Carlo what the formula beside it
states, so that tests (and ``backscratch solve``) can show the two agree.
"""

from __future__ import annotations

import numpy as np

from backscratch.core.errors import ScenarioError

# --------------------------------------------------------------- Axelrod: TFT threshold


def tft_threshold(T: float, R: float, P: float, S: float) -> float:
    """Smallest continuation probability w at which TIT FOR TAT is collectively stable.

    ``w* = max((T - R) / (T - P), (T - R) / (R - S))`` (Axelrod 1984, *The Evolution of
    Cooperation*, Proposition 2): below it ALL D (first term) or alternation (second term)
    invades. Requires a Prisoner's Dilemma, ``T > R > P > S``.
    """
    if not T > R > P > S:
        raise ScenarioError(f"tft-threshold: need T > R > P > S, got {T}, {R}, {P}, {S}")
    return max((T - R) / (T - P), (T - R) / (R - S))


def tft_invasion_simulated(
    T: float, R: float, P: float, S: float, w: float, matches: int = 200_000, seed: int = 0
) -> dict[str, float]:
    """Mean total payoff against a TIT FOR TAT native, of TFT itself, of ALL D and of the
    alternator (D, C, D, C, ...), over matches whose length is geometric with continuation
    probability ``w`` (each match lasts at least one move). The native resists invasion when
    its own score is at least each mutant's."""
    rng = np.random.default_rng(seed)
    n = rng.geometric(1.0 - w, size=matches)  # number of moves, >= 1
    tft = R * n
    alld = T + P * (n - 1)
    # Alternator vs TFT: D/C -> T, C/D -> S, D/C -> T, ...
    alternator = T * np.ceil(n / 2) + S * np.floor(n / 2)
    return {
        "tft": float(tft.mean()),
        "all_d": float(alld.mean()),
        "alternator": float(alternator.mean()),
    }


# ------------------------------------------------- the chain store (Kreps–Wilson 1982)


def chain_store_entry_rounds(prior: float, stake: float, rounds: int) -> list[int]:
    """Rounds-left values ``k`` at which a challenger enters in equilibrium, starting from
    the prior reputation: entry iff ``p_k < b^k`` (Kreps & Wilson 1982; Milgrom & Roberts
    1982), where ``b`` is the challenger's stake and, while the incumbent has never given in,
    its reputation stays at the prior until ``b^k`` exceeds it. ``prior`` 0.1, ``stake`` 0.5,
    10 rounds -> entry only with 3 or fewer rounds left."""
    _check_chain_store(prior, stake, rounds)
    return [k for k in range(rounds, 0, -1) if prior < stake**k]


def _check_chain_store(prior: float, stake: float, rounds: int) -> None:
    if not 0.0 < prior < 1.0:
        raise ScenarioError(f"chain-store: prior must be in (0, 1), got {prior}")
    if not 0.0 < stake < 1.0:
        raise ScenarioError(f"chain-store: stake must be in (0, 1), got {stake}")
    if rounds < 1:
        raise ScenarioError(f"chain-store: rounds must be at least 1, got {rounds}")


def chain_store_simulated(
    prior: float, stake: float, rounds: int, games: int = 100_000, seed: int = 0
) -> dict[str, list[float]]:
    """Play the Kreps–Wilson equilibrium many times and record entry by rounds left.

    Challenger with ``k`` rounds left enters iff the reputation p < b^k (indifferent at
    equality; enters). The tough incumbent always fights; the weak one fights with the
    probability that makes the posterior after a fight exactly ``b^(k-1)``, and accommodates
    otherwise, which reveals it (reputation 0: every later challenger enters, the cascade).
    Returns the entry frequency per rounds-left value (index 0 = ``rounds`` left), and the
    entry frequency after an accommodation has been seen.
    """
    _check_chain_store(prior, stake, rounds)
    rng = np.random.default_rng(seed)
    tough = rng.random(games) < prior
    p = np.full(games, prior)
    entries = np.zeros(rounds)
    after_concession = []
    revealed = np.zeros(games, dtype=bool)
    for i, k in enumerate(range(rounds, 0, -1)):
        enter = p < stake**k
        entries[i] = enter.mean()
        if revealed.any():
            after_concession.append(float(enter[revealed].mean()))
        target = stake ** (k - 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            beta = np.where(p < target, p * (1 - target) / ((1 - p) * target), 1.0)
        fight = enter & (tough | (rng.random(games) < np.clip(beta, 0.0, 1.0)))
        accommodate = enter & ~fight
        p = np.where(fight & (p < target), target, p)
        p = np.where(accommodate, 0.0, p)
        revealed |= accommodate
    return {
        "entry_by_rounds_left": entries.tolist(),
        "entry_after_concession": after_concession,
    }


# ---------------------------------------------------- Drezner (1998): conflict expectations


def drezner_credible(rho: float, c_t: float, c_s: float) -> bool:
    """The sender's threat is credible iff ``rho * c_t > c_s`` (Drezner 1998, *ISQ* 42;
    ``rho = 1 - B``: the weight on relative gains, high between adversaries)."""
    return rho * c_t > c_s


def drezner_max_concession(rho: float, c_t: float, c_s: float) -> float:
    """Largest demand the target concedes: ``D* = (c_t - rho * c_s) / (1 + rho)`` (0 if the
    threat is not credible or nothing is conceded)."""
    if not drezner_credible(rho, c_t, c_s):
        return 0.0
    return max(0.0, (c_t - rho * c_s) / (1.0 + rho))


def drezner_max_concession_searched(rho: float, c_t: float, c_s: float, grid: int = 200_001):
    """D* by search: the largest demand D on a grid at which the target's utility of conceding,
    ``-D - rho * D`` (it loses D and the sender gains D relative to it), is at least that of
    sanctions, ``-c_t + rho * c_s``, in Drezner's ``U = B*P_i + (1 - B)*(P_i - P_j)``."""
    if not drezner_credible(rho, c_t, c_s):
        return 0.0
    demands = np.linspace(0.0, max(c_t, 1e-9) * 2, grid)
    concede = -demands - rho * demands
    conflict = -c_t + rho * c_s
    ok = demands[concede >= conflict]
    return float(ok.max()) if ok.size else 0.0


# ------------------------------------------- Sechser (2010)-style compellence with payments


def sechser_optimal_demand(p: float, c_t: float, c_c: float) -> float:
    """The challenger's optimal net demand ``z* = p + (c_T - c_C) / 2`` (reconstructed from
    Sechser 2010, *IO* 64(4): target accepts iff its private reputation cost ``r ~ U[0, R]``
    satisfies ``r <= p + c_T - z``; the challenger gets ``z`` on acceptance, ``p - c_C`` in
    war)."""
    return p + (c_t - c_c) / 2.0


def sechser_acceptance(c_t: float, c_c: float, R: float) -> float:
    """Acceptance probability at ``z*``: ``(c_T + c_C) / (2R)``, independent of ``p``."""
    return (c_t + c_c) / (2.0 * R)


def _check_sechser(p: float, c_t: float, c_c: float, R: float) -> None:
    if R <= 0:
        raise ScenarioError(f"sechser: R must be positive, got {R}")
    if not 0 <= (c_t + c_c) / (2 * R) <= 1:
        raise ScenarioError("sechser: need 0 <= (c_T + c_C) / (2R) <= 1 for an interior optimum")


def sechser_simulated(
    p: float, c_t: float, c_c: float, R: float, draws: int = 200_000, seed: int = 0
) -> dict[str, float]:
    """Monte Carlo: draw reputation costs ``r ~ U[0, R]``, pick the demand ``z`` on a grid
    that maximises the challenger's simulated payoff, and report it with its simulated
    acceptance rate."""
    _check_sechser(p, c_t, c_c, R)
    r = np.sort(np.random.default_rng(seed).uniform(0.0, R, draws))
    zs = np.linspace(p + c_t - R, p + c_t, 2001)
    accept = np.searchsorted(r, p + c_t - zs, side="right") / draws
    value = accept * zs + (1 - accept) * (p - c_c)
    best = int(np.argmax(value))
    return {"z_star": float(zs[best]), "acceptance": float(accept[best])}

"""Evolutionary dynamics over any payoff matrix: replicator dynamics, finite populations.

* **Replicator dynamics** (Taylor & Jonker 1978, *Math. Biosci.* 40): one population,
  ``dx_i/dt = x_i ((A x)_i - x·A x)``; two populations (demanders vs targets, a bimatrix game
  ``A``, ``B``): ``dx_i/dt = x_i ((A y)_i - x·A y)``, ``dy_j/dt = y_j ((B x)_j - y·B x)``.
* **Finite populations** of size Z with selection intensity β (Nowak, Sasaki, Taylor &
  Fudenberg 2004, *Nature* 428; Traulsen, Nowak & Pacheco 2006, *Phys. Rev. E* 74): an
  individual's fitness is its average payoff against the Z - 1 others. Two update rules:
  ``fermi`` (pairwise comparison: a random individual imitates another with probability
  ``1 / (1 + exp(-β (f_other - f_self)))``, the rule of EGTtools, Fernández Domingos et al.
  2023, *iScience* 26) and ``moran`` (birth–death with fitness ``1 - β + β·payoff``).
  :func:`fixation_probability` is the exact probability that one mutant takes over;
  :func:`small_mutation_stationary` the stationary distribution over monomorphic populations
  when mutations are rare (Fudenberg & Imhof 2006, *J. Econ. Theory* 131); and
  :func:`stationary_distribution` the exact one for any mutation rate μ (the full Markov chain
  over population compositions).
* **Two populations** in the small-mutation limit (Veller & Hayward 2016, *J. Econ. Theory*
  162): states are pairs of monomorphic populations, each mutant arising in either population
  with probability 1/2 and fixing against the other population's resident.
* **The Moran process as the Axelrod library plays it** (:func:`moran_process`): a population of
  strategies of an iterated game; every generation every pair plays a match, fitness is the
  sum of scores per turn, one individual reproduces with probability proportional to fitness
  and its offspring replaces a uniformly chosen one (possibly the parent), mutating with
  probability μ into another type. Runs are simulated in numba (``_moran_kernels``).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations_with_replacement
from math import comb

import numpy as np
from scipy import sparse
from scipy.integrate import solve_ivp
from scipy.sparse.linalg import spsolve
from scipy.special import expit, logsumexp

from backscratch.core.errors import ScenarioError
from backscratch.tournaments import _moran_kernels as kernel
from backscratch.tournaments import iterated

RULES = ("fermi", "moran")


def _matrix(payoff, name: str = "payoff", square: bool = True) -> np.ndarray:
    try:
        a = np.array(payoff, dtype=float)
    except (TypeError, ValueError):
        raise ScenarioError.bad(name, "must be a matrix of numbers") from None
    if a.ndim != 2 or a.size == 0 or (square and a.shape[0] != a.shape[1]):
        shape = "an n x n" if square else "a non-empty 2-D"
        raise ScenarioError.bad(name, f"must be {shape} matrix, got shape {list(a.shape)}")
    if not np.isfinite(a).all():
        raise ScenarioError.bad(name, "entries must be finite")
    return a


MAX_POPULATION = 100_000
"""Largest population size Z (the stationary distribution and fixation probabilities sum
over every count of mutants, so the work grows with Z)."""

MAX_T = 1e6
"""Longest time span of the replicator dynamics."""


def _check_t_max(t_max: float) -> None:
    if not np.isfinite(t_max) or not 0.0 < t_max <= MAX_T:
        raise ScenarioError.bad("t_max", f"{t_max} must be a time span in (0, {MAX_T:g}]")


def _check_population(
    Z: int, beta: float, rule: str, mu: float = 0.0, name: str = "population"
) -> None:
    if int(Z) < 2:
        raise ScenarioError.bad(name, f"Z = {Z} must be at least 2")
    if int(Z) > MAX_POPULATION:
        raise ScenarioError.bad(name, f"Z = {Z} is more than the limit of {MAX_POPULATION:,}")
    if not np.isfinite(beta) or beta < 0:
        raise ScenarioError.bad("beta", f"{beta} must be a finite number >= 0")
    if rule not in RULES:
        raise ScenarioError.bad("rule", f"unknown rule '{rule}' (known: {', '.join(RULES)})")
    if rule == "moran" and beta > 1:
        raise ScenarioError.bad(
            "beta", f"{beta} must be <= 1 under the moran rule (1 - β + β·payoff)"
        )
    if not 0.0 <= mu <= 1.0:
        raise ScenarioError.bad("mu", f"{mu} must lie in [0, 1]")


def _log_ratios(a: np.ndarray, resident: int, mutant: int, Z: int, beta: float, rule: str):
    """log(T-(k) / T+(k)) for k = 1..Z-1 mutants (an individual meets the Z - 1 others)."""
    k = np.arange(1, Z, dtype=float)
    f_m = ((k - 1) * a[mutant, mutant] + (Z - k) * a[mutant, resident]) / (Z - 1)
    f_r = (k * a[resident, mutant] + (Z - k - 1) * a[resident, resident]) / (Z - 1)
    if rule == "fermi":
        return -beta * (f_m - f_r)
    g_m, g_r = 1 - beta + beta * f_m, 1 - beta + beta * f_r
    if (g_m <= 0).any() or (g_r <= 0).any():
        raise ScenarioError.bad("beta", "fitness 1 - β + β·payoff must stay positive (moran rule)")
    return np.log(g_r) - np.log(g_m)


def log_fixation_probability(
    payoff, resident: int, mutant: int, Z: int, beta: float = 1.0, rule: str = "fermi"
) -> float:
    """Natural log of :func:`fixation_probability` (finite where the probability underflows)."""
    a = _matrix(payoff)
    _check_population(Z, beta, rule)
    cum = np.cumsum(_log_ratios(a, resident, mutant, int(Z), float(beta), rule))
    return float(-np.logaddexp(0.0, logsumexp(cum)))


def fixation_probability(
    payoff, resident: int, mutant: int, Z: int, beta: float = 1.0, rule: str = "fermi"
) -> float:
    """Probability that a single ``mutant`` takes over a population of ``Z - 1`` residents:
    ``1 / (1 + sum_i prod_{k<=i} T-(k)/T+(k))``, computed in log space."""
    return float(np.exp(log_fixation_probability(payoff, resident, mutant, Z, beta, rule)))


def fixation_matrix(payoff, Z: int, beta: float = 1.0, rule: str = "fermi") -> np.ndarray:
    """``rho[i, j]``: probability that one ``j`` mutant fixes in a population of ``i``
    (diagonal: NaN)."""
    a = _matrix(payoff)
    n = a.shape[0]
    rho = np.full((n, n), np.nan)
    for i in range(n):
        for j in range(n):
            if i != j:
                rho[i, j] = fixation_probability(a, i, j, Z, beta, rule)
    return rho


def _stationary(T: np.ndarray) -> np.ndarray:
    """Stationary distribution of the row-stochastic matrix ``T``."""
    n = T.shape[0]
    M = (T - np.eye(n)).T
    M[-1, :] = 1.0
    b = np.zeros(n)
    b[-1] = 1.0
    pi = np.linalg.solve(M, b)
    pi = np.clip(pi, 0.0, None)
    return pi / pi.sum()


def small_mutation_stationary(
    payoff, Z: int, beta: float = 1.0, rule: str = "fermi"
) -> tuple[np.ndarray, np.ndarray]:
    """Stationary distribution over monomorphic populations when mutations are rare, and the
    transition matrix between them (``T[i, j] = rho[i, j] / (n - 1)``)."""
    rho = fixation_matrix(payoff, Z, beta, rule)
    n = rho.shape[0]
    if n == 1:
        return np.ones(1), np.ones((1, 1))
    T = np.where(np.isnan(rho), 0.0, rho / (n - 1))
    T[np.diag_indices(n)] = 1.0 - T.sum(axis=1)
    return _stationary(T), T


def compositions(Z: int, n: int) -> np.ndarray:
    """Every composition of a population of ``Z`` into ``n`` strategies (rows of counts)."""
    out = []
    for bars in combinations_with_replacement(range(Z + 1), n - 1):
        cuts = (0, *bars, Z)
        out.append([cuts[i + 1] - cuts[i] for i in range(n)])
    return np.array(out, dtype=np.int64)


MAX_STATES = 200_000
"""Largest full Markov chain :func:`stationary_distribution` builds."""


def full_transition_matrix(
    payoff, Z: int, beta: float = 1.0, mu: float = 1e-3, rule: str = "fermi"
) -> tuple[np.ndarray, sparse.csr_matrix]:
    """The Markov chain of the pairwise-comparison process with mutation over population
    compositions: each step a random individual (type ``i``) with probability ``mu`` switches
    to another type at random, else picks a random other individual (type ``j``) and imitates
    it with the update rule's probability. Returns ``(states, T)``, ``T[s, s']`` the
    probability of moving from composition ``states[s]`` to ``states[s']``."""
    a = _matrix(payoff)
    _check_population(Z, beta, rule, mu)
    n, Z = a.shape[0], int(Z)
    if comb(Z + n - 1, n - 1) > MAX_STATES:
        raise ScenarioError.bad(
            "mu",
            f"{comb(Z + n - 1, n - 1)} population states is too many for the exact chain "
            f"(at most {MAX_STATES}); use the small-mutation limit (mu 0)",
        )
    states = compositions(Z, n)
    index = {tuple(s): k for k, s in enumerate(states)}
    rows, cols, vals = [], [], []
    for k, x in enumerate(states):
        fit = (a @ x - np.diag(a)) / (Z - 1)  # payoff against the Z - 1 others
        out = 0.0
        for i in range(n):
            if x[i] == 0:
                continue
            for j in range(n):
                if j == i:
                    continue
                if rule == "fermi":
                    p = expit(beta * (fit[j] - fit[i]))
                else:
                    gi, gj = 1 - beta + beta * fit[i], 1 - beta + beta * fit[j]
                    p = gj / (gi + gj)
                rate = x[i] / Z * ((1 - mu) * x[j] / (Z - 1) * p + mu / (n - 1))
                if rate > 0:
                    y = x.copy()
                    y[i] -= 1
                    y[j] += 1
                    rows.append(k)
                    cols.append(index[tuple(y)])
                    vals.append(rate)
                    out += rate
        rows.append(k)
        cols.append(k)
        vals.append(1.0 - out)
    m = len(states)
    return states, sparse.csr_matrix((vals, (rows, cols)), shape=(m, m))


def stationary_distribution(
    payoff, Z: int, beta: float = 1.0, mu: float = 1e-3, rule: str = "fermi"
) -> tuple[np.ndarray, np.ndarray]:
    """The exact stationary distribution of :func:`full_transition_matrix`: ``(states,
    probabilities)``; the abundance of each strategy is ``probabilities @ states / Z``."""
    states, T = full_transition_matrix(payoff, Z, beta, mu, rule)
    m = len(states)
    M = (T - sparse.identity(m)).T.tolil()
    M[m - 1, :] = np.ones(m)
    b = np.zeros(m)
    b[-1] = 1.0
    pi = spsolve(M.tocsc(), b)
    pi = np.clip(pi, 0.0, None)
    return states, pi / pi.sum()


def abundances(payoff, Z: int, beta: float = 1.0, mu: float = 0.0, rule: str = "fermi"):
    """Long-run share of each strategy: the small-mutation limit when ``mu == 0``, else the
    exact chain."""
    if mu == 0:
        return small_mutation_stationary(payoff, Z, beta, rule)[0]
    states, pi = stationary_distribution(payoff, Z, beta, mu, rule)
    return pi @ states / Z


def _simplex(x0, n: int, name: str) -> np.ndarray:
    x = np.full(n, 1.0 / n) if x0 is None else np.array(x0, dtype=float)
    if x.shape != (n,) or (x < 0).any() or not np.isclose(x.sum(), 1.0):
        raise ScenarioError.bad(name, f"{n} non-negative shares summing to 1")
    return x


def replicator(payoff, x0=None, t_max: float = 100.0, points: int = 201):
    """Replicator dynamics from ``x0`` (default: equal shares): ``(t, x[t, i])``."""
    _check_t_max(t_max)
    a = _matrix(payoff)
    x0 = _simplex(x0, a.shape[0], "x0")

    def rhs(_t, x):
        f = a @ x
        return x * (f - x @ f)

    t = np.linspace(0.0, float(t_max), int(points))
    sol = solve_ivp(rhs, (0.0, t[-1]), x0, t_eval=t, rtol=1e-10, atol=1e-12, method="LSODA")
    return sol.t, _on_simplex(sol.y.T)


def _on_simplex(x: np.ndarray) -> np.ndarray:
    """Clip the integrator's round-off (tiny negative shares) and renormalise each row."""
    x = np.clip(x, 0.0, None)
    return x / x.sum(axis=1, keepdims=True)


def bimatrix_replicator(A, B, x0=None, y0=None, t_max: float = 100.0, points: int = 201):
    """Two-population replicator dynamics: ``A[i, j]`` is row type ``i``'s payoff against
    column type ``j``, ``B[j, i]`` column type ``j``'s against row type ``i``. Returns
    ``(t, x[t, i], y[t, j])``."""
    _check_t_max(t_max)
    A = _matrix(A, "demander payoffs", square=False)
    B = _matrix(B, "target payoffs", square=False)
    if B.shape != A.shape[::-1]:
        raise ScenarioError(f"target payoffs: shape {list(B.shape)} must be {list(A.shape[::-1])}")
    n, m = A.shape
    x0 = _simplex(x0, n, "x0")
    y0 = _simplex(y0, m, "y0")

    def rhs(_t, z):
        x, y = z[:n], z[n:]
        fx, fy = A @ y, B @ x
        return np.concatenate([x * (fx - x @ fx), y * (fy - y @ fy)])

    t = np.linspace(0.0, float(t_max), int(points))
    sol = solve_ivp(
        rhs,
        (0.0, t[-1]),
        np.concatenate([x0, y0]),
        t_eval=t,
        rtol=1e-10,
        atol=1e-12,
        method="LSODA",
    )
    return sol.t, _on_simplex(sol.y[:n].T), _on_simplex(sol.y[n:].T)


def _constant_fixation(delta: np.ndarray, Z: int, beta: float) -> np.ndarray:
    """Fermi fixation probability of one mutant whose payoff exceeds the residents' by a
    constant ``delta`` (frequency-independent: the other population is monomorphic)."""
    k = np.arange(1, Z)
    cum = -beta * np.multiply.outer(delta, k)
    return np.exp(-np.logaddexp(0.0, logsumexp(cum, axis=-1)))


def two_population_stationary(A, B, Z_rows: int, Z_cols: int | None = None, beta: float = 1.0):
    """Small-mutation limit of two populations (Fermi rule): the stationary distribution
    ``pi[i, j]`` over (row resident ``i``, column resident ``j``) and its marginals."""
    A = _matrix(A, "demander payoffs", square=False)
    B = _matrix(B, "target payoffs", square=False)
    if B.shape != A.shape[::-1]:
        raise ScenarioError(f"target payoffs: shape {list(B.shape)} must be {list(A.shape[::-1])}")
    Z_cols = Z_rows if Z_cols is None else Z_cols
    _check_population(Z_rows, beta, "fermi")
    _check_population(Z_cols, beta, "fermi")
    n, m = A.shape
    T = np.zeros((n * m, n * m))
    for i in range(n):
        for j in range(m):
            s = i * m + j
            if n > 1:
                rho = _constant_fixation(A[:, j] - A[i, j], int(Z_rows), beta)
                for i2 in range(n):
                    if i2 != i:
                        T[s, i2 * m + j] += 0.5 * rho[i2] / (n - 1)
            if m > 1:
                rho = _constant_fixation(B[:, i] - B[j, i], int(Z_cols), beta)
                for j2 in range(m):
                    if j2 != j:
                        T[s, i * m + j2] += 0.5 * rho[j2] / (m - 1)
            T[s, s] = 1.0 - T[s].sum()
    pi = _stationary(T).reshape(n, m)
    return pi, pi.sum(axis=1), pi.sum(axis=0)


@dataclass
class MoranResult:
    """Runs of the Moran process: ``final[r, a]`` counts of type ``a`` at the end of run
    ``r``, ``generations[r]`` the generations it took."""

    players: list[str]
    initial: np.ndarray
    final: np.ndarray
    generations: np.ndarray
    mutation_rate: float

    @property
    def fixed(self) -> np.ndarray:
        """Per run, the index of the type that took over (-1 if none did)."""
        full = self.final == self.initial.sum()
        return np.where(full.any(axis=1), full.argmax(axis=1), -1)

    def fixation_frequencies(self) -> dict[str, float]:
        """Share of runs that each type took over."""
        fixed = self.fixed
        return {p: float((fixed == a).mean()) for a, p in enumerate(self.players)}

    def summary(self) -> dict:
        freq = self.fixation_frequencies()
        runs = len(self.generations)
        return {
            "players": list(self.players),
            "initial": self.initial.tolist(),
            "runs": runs,
            "mutation_rate": self.mutation_rate,
            "fixation_frequencies": freq,
            "fixation_se": {p: float(np.sqrt(f * (1 - f) / runs)) for p, f in freq.items()},
            "mean_final_share": dict(
                zip(
                    self.players,
                    (self.final.mean(axis=0) / self.initial.sum()).tolist(),
                    strict=True,
                )
            ),
            "mean_generations": float(self.generations.mean()),
        }


def moran_process(
    players,
    counts,
    *,
    game: iterated.StageGame | None = None,
    turns: int = 200,
    seed: int = 0,
    noise: float = 0.0,
    prob_end: float = 0.0,
    mutation_rate: float = 0.0,
    runs: int = 1,
    max_generations: int = 1_000_000,
    cache: bool = True,
) -> MoranResult:
    """Simulate ``runs`` Moran processes of a population with ``counts[a]`` individuals of
    strategy ``players[a]`` (names, classes or instances of :mod:`backscratch.tournaments.ipd_strategies`),
    each to fixation (or ``max_generations`` when ``mutation_rate > 0``).

    When every strategy is deterministic and there is no noise nor probabilistic ending, each
    pair's match is played once and its scores reused, as the Axelrod library's deterministic
    cache does (``cache=False`` turns that off); otherwise every generation plays every pair
    of individuals afresh.
    """
    game = game or iterated.StageGame.prisoners_dilemma()
    iterated._check(turns, 1, noise, prob_end)
    strategies = iterated.make_strategies(players, game)
    counts = np.array(counts, dtype=np.int64)
    if counts.shape != (len(strategies),) or (counts < 0).any() or counts.sum() < 2:
        raise ScenarioError.bad("counts", "one non-negative count per strategy, at least 2 in all")
    if not 0.0 <= mutation_rate <= 1.0:
        raise ScenarioError.bad("mu", f"{mutation_rate} must lie in [0, 1]")
    if int(runs) < 1:
        raise ScenarioError.bad("runs", f"{runs} must be at least 1")
    if mutation_rate > 0 and max_generations >= 1_000_000:
        raise ScenarioError.bad(
            "generations", "with mutation the process never fixes; give a limit"
        )
    kinds, params = iterated._arrays(strategies)
    n = len(strategies)
    out = np.zeros((int(runs), n + 1), dtype=np.int64)
    root = iterated.root_key(seed)
    deterministic = cache and noise == 0 and prob_end == 0
    deterministic &= not any(s.classifier["stochastic"] for s in strategies)
    if deterministic:
        pair = iterated.tournament(strategies, game=game, turns=turns, repetitions=1, seed=seed)
        scores = np.zeros((n, n))
        for k, (i, j) in enumerate(pair.pairs):
            m = pair.matches[0, k]
            scores[i, j], scores[j, i] = m[0] / m[2], m[1] / m[2]
        if (scores < 0).any():
            raise ScenarioError("moran: fitness-proportional selection needs scores >= 0")
        kernel.moran_counts(
            scores, counts, float(mutation_rate), int(max_generations), root, int(runs), out
        )
    else:
        if game.row.min() < 0:
            raise ScenarioError("moran: fitness-proportional selection needs payoffs >= 0")
        kernel.moran_individuals(
            kinds,
            params,
            counts,
            int(turns),
            float(prob_end),
            float(noise),
            game.stage(),
            float(mutation_rate),
            int(max_generations),
            root,
            int(runs),
            out,
        )
    return MoranResult(
        [s.name for s in strategies], counts, out[:, :n], out[:, n], float(mutation_rate)
    )


def birth_death_fixation(scores, i: int, j: int, N: int, k: int) -> float:
    """Exact probability that type ``i`` takes over from ``k`` copies against ``N - k`` of type
    ``j`` in :func:`moran_process` (fitness = sum of scores against the others, birth ∝
    fitness, uniform death): the absorbing probability of a birth–death chain with
    ``T-(x)/T+(x) = f_j(x)/f_i(x)`` (Nowak 2006, *Evolutionary Dynamics*, ch. 6)."""
    s = np.asarray(scores, dtype=float)
    x = np.arange(1, N)
    f_i = (x - 1) * s[i, i] + (N - x) * s[i, j]
    f_j = x * s[j, i] + (N - x - 1) * s[j, j]
    with np.errstate(divide="ignore"):
        log_gamma = np.log(f_j) - np.log(f_i)
    cum = np.concatenate([[0.0], np.cumsum(log_gamma)])  # prod_{x<=m} gamma_x for m = 0..N-1
    return float(np.exp(logsumexp(cum[:k]) - logsumexp(cum)))

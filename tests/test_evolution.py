"""Evolutionary dynamics: finite populations against EGTtools, the Moran process against the
exact birth–death chain, replicator dynamics against known equilibria.

EGTtools (installed with the ``oracle`` extra) is the oracle for the stationary distribution.
It encodes Defect = 0 and Cooperate = 1, so a stage matrix must be written D-first for it; a
C-first one gives other numbers silently (checked below).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backscratch.cli import main
from backscratch.core.errors import ScenarioError
from backscratch.core.schema import load_scenario
from backscratch.tournaments import coercion, evolution, iterated

PUBLISHED = {"Cooperator": 0.0192, "Defector": 0.1242, "Tit For Tat": 0.8566}
"""EGTtools' small-mutation-limit example: AllC, AllD, TFT, Z = 50, β = 1."""
PER_ROUND = np.array([[3, 0, 3], [5, 1, 1.02], [3, 0.995, 3]])


@pytest.fixture(scope="module")
def egt():
    return pytest.importorskip("egttools")


@pytest.fixture(scope="module")
def allc_alld_tft():
    return iterated.tournament(["Cooperator", "Defector", "TitForTat"], turns=200)


def test_tournament_gives_the_published_per_round_payoffs(allc_alld_tft):
    np.testing.assert_allclose(allc_alld_tft.payoff_matrix, PER_ROUND, rtol=0, atol=1e-12)


def test_small_mutation_limit_reproduces_the_published_distribution(allc_alld_tft):
    pi, T = evolution.small_mutation_stationary(allc_alld_tft.payoff_matrix, 50, 1.0)
    for name, p in zip(allc_alld_tft.players, pi, strict=True):
        assert p == pytest.approx(PUBLISHED[name], abs=5e-5)
    np.testing.assert_allclose(pi @ T, pi, atol=1e-14)  # stationary
    np.testing.assert_allclose(T.sum(axis=1), 1.0)


def test_small_mutation_limit_equals_egttools(egt, allc_alld_tft):
    sd = egt.analytical.StochDynamics(3, PER_ROUND, 50)
    np.testing.assert_allclose(
        evolution.small_mutation_stationary(PER_ROUND, 50, 1.0)[0],
        sd.calculate_stationary_distribution(1.0),
        rtol=0,
        atol=1e-12,
    )
    transitions, _ = sd.transition_and_fixation_matrix(1.0)  # column-stochastic
    np.testing.assert_allclose(
        evolution.small_mutation_stationary(PER_ROUND, 50, 1.0)[1], transitions.T, atol=1e-14
    )


def test_egttools_payoffs_need_the_defect_first_stage_matrix(egt, allc_alld_tft):
    """Our iterated game and EGTtools' agree only with its D = 0 encoding of the stage game."""
    B = egt.behaviors.NormalForm.TwoActions
    players = [B.Cooperator(), B.Defector(), B.TFT()]
    R, P, S, T = allc_alld_tft.game.rpst
    d_first = np.array([[P, T], [S, R]])  # egttools: action 0 = defect, 1 = cooperate
    c_first = np.array([[R, S], [T, P]])  # our order: C = 0
    good = egt.games.NormalFormGame(200, d_first, players).expected_payoffs()
    bad = egt.games.NormalFormGame(200, c_first, players).expected_payoffs()
    np.testing.assert_allclose(good, allc_alld_tft.payoff_matrix, atol=1e-12)
    assert np.abs(bad - allc_alld_tft.payoff_matrix).max() > 1.0


@pytest.mark.parametrize(
    ("payoff", "Z", "mu"),
    [(PER_ROUND, 10, 0.05), ([[3, 0], [5, 1]], 30, 0.01), ([[4, 1], [3, 2]], 25, 0.1)],
)
def test_full_chain_with_mutation_equals_egttools(egt, payoff, Z, mu):
    payoff = np.asarray(payoff, dtype=float)
    n = payoff.shape[0]
    theirs = (
        egt.analytical.StochDynamics(n, payoff, Z, mu=mu)
        .calculate_full_transition_matrix(1.0)
        .toarray()
        .T
    )
    their_states = np.array([egt.sample_simplex(i, Z, n) for i in range(theirs.shape[0])])
    states, T = evolution.full_transition_matrix(payoff, Z, 1.0, mu)
    index = {tuple(s): k for k, s in enumerate(states)}
    perm = np.array([index[tuple(s)] for s in their_states])
    ours = T.toarray()[np.ix_(perm, perm)]
    off = ~np.eye(len(perm), dtype=bool)
    np.testing.assert_allclose(ours[off], theirs[off], atol=1e-15)
    np.testing.assert_allclose(ours.sum(axis=1), 1.0, atol=1e-12)
    if n == 2:
        # EGTtools' diagonal omits mutations into absent strategies when n > 2; with two
        # strategies its chain is exact and the stationary distributions agree
        pi = egt.utils.calculate_stationary_distribution(theirs.T)
        _, ours_pi = evolution.stationary_distribution(payoff, Z, 1.0, mu)
        np.testing.assert_allclose(ours_pi[perm], pi, atol=1e-10)


def test_exact_chain_tends_to_the_small_mutation_limit():
    sml = evolution.abundances(PER_ROUND, 20, 1.0, 0.0)
    near = evolution.abundances(PER_ROUND, 20, 1.0, 1e-6)
    far = evolution.abundances(PER_ROUND, 20, 1.0, 0.2)
    assert np.abs(near - sml).max() < 1e-3
    assert np.abs(far - sml).max() > 0.05
    assert far.sum() == pytest.approx(1.0)


# ---------------------------------------------------------------- fixation probabilities

matrix2 = st.lists(st.floats(-5, 5), min_size=4, max_size=4).map(
    lambda v: np.array(v).reshape(2, 2)
)


@settings(max_examples=60, deadline=None)
@given(a=matrix2, Z=st.integers(2, 60), beta=st.floats(0, 3))
def test_fixation_ratio_identity(a, Z, beta):
    """rho_B / rho_A = prod T-/T+ = exp(-beta sum_k (f_B(k) - f_A(k))) (Nowak 2006, ch. 6)."""
    log_b = evolution.log_fixation_probability(a, 0, 1, Z, beta)  # one B among A
    log_a = evolution.log_fixation_probability(a, 1, 0, Z, beta)  # one A among B
    k = np.arange(1, Z)  # number of B
    f_b = ((k - 1) * a[1, 1] + (Z - k) * a[1, 0]) / (Z - 1)
    f_a = (k * a[0, 1] + (Z - k - 1) * a[0, 0]) / (Z - 1)
    expected = beta * (f_b - f_a).sum()
    assert log_b - log_a == pytest.approx(expected, abs=1e-8 * max(1.0, abs(expected)))
    assert log_b <= 0 and 0 <= evolution.fixation_probability(a, 0, 1, Z, beta) <= 1


@settings(max_examples=20, deadline=None)
@given(Z=st.integers(2, 80), c=st.floats(-3, 3))
def test_neutral_fixation_is_one_over_z(Z, c):
    neutral = np.full((3, 3), c)
    rho = evolution.fixation_matrix(neutral, Z, 1.0)
    off = ~np.eye(3, dtype=bool)
    np.testing.assert_allclose(rho[off], 1 / Z, rtol=1e-12)
    assert evolution.fixation_probability(PER_ROUND, 0, 1, Z, 0.0) == pytest.approx(1 / Z)


def test_moran_rule_constant_fitness_formula():
    """Constant relative fitness r: rho = (1 - 1/r) / (1 - 1/r^Z) (Moran 1958)."""
    r, Z = 1.5, 12
    a = np.array([[1.0, 1.0], [r, r]])
    rho = evolution.fixation_probability(a, 0, 1, Z, 1.0, rule="moran")
    assert rho == pytest.approx((1 - 1 / r) / (1 - r**-Z), rel=1e-12)


# ----------------------------------------------------------------- replicator dynamics


def test_replicator_reaches_known_equilibria():
    _, x = evolution.replicator([[3, 0], [5, 1]], [0.99, 0.01], t_max=60)
    assert x[-1, 1] > 0.999  # Prisoner's Dilemma: defection takes over
    chicken = iterated.StageGame.named("chicken").row  # CC 3, CD 2, DC 4, DD 1
    p = (chicken[0, 1] - chicken[1, 1]) / (
        chicken[0, 1] - chicken[1, 1] + chicken[1, 0] - chicken[0, 0]
    )
    _, y = evolution.replicator(chicken, [0.9, 0.1], t_max=200)
    assert y[-1, 0] == pytest.approx(p, abs=1e-6)
    assert np.allclose(y.sum(axis=1), 1.0) and (y >= 0).all()


def test_two_populations():
    A = np.array([[2.0, -1.0, 0.0], [1.0, 0.5, 3.0]])
    B = np.array([[0.0, 1.0], [1.0, -2.0], [0.5, 0.5]])
    pi, pd, pt = evolution.two_population_stationary(A, B, 30, beta=0.0)
    assert np.allclose(pi, 1 / pi.size)  # neutral drift: every pair equally likely
    # a dominant demander strategy (best against every target) holds most of the mass
    A = np.array([[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]])
    B = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    pi, pd, pt = evolution.two_population_stationary(A, B, 40, beta=1.0)
    assert pd[1] > 0.99 and pt[1] > 0.99 and pi.sum() == pytest.approx(1.0)
    _, x, y = evolution.bimatrix_replicator(A, B, t_max=50)
    assert x[-1, 1] > 0.99 and y[-1, 1] > 0.99


def test_demander_and_target_populations_on_oye_dyad():
    res = coercion.tournament(load_scenario("oye-dyad"), repetitions=40)
    pi, pd, pt = evolution.two_population_stationary(
        res.payoff_matrix, res.target_payoff_matrix, 50, beta=1.0
    )
    assert pi.shape == (len(res.demanders), len(res.targets))
    assert pd.sum() == pytest.approx(1.0) and pt.sum() == pytest.approx(1.0)
    # always_resist is never a target's best reply here; it must not dominate the long run
    assert pt[res.targets.index("always_resist")] < 1 / len(res.targets)


# --------------------------------------------------------------------- Moran process


def test_moran_simulation_matches_exact_birth_death_fixation():
    pair = iterated.tournament(["TitForTat", "Defector"], turns=20)
    exact = evolution.birth_death_fixation(pair.payoff_matrix, 0, 1, 10, 3)
    res = evolution.moran_process(["TitForTat", "Defector"], [3, 7], turns=20, runs=8000, seed=1)
    freq = res.fixation_frequencies()["Tit For Tat"]
    assert abs(freq - exact) < 4 * np.sqrt(exact * (1 - exact) / 8000)
    # the per-individual path (taken with noise) agrees too, at a noise too small to matter
    ind = evolution.moran_process(
        ["TitForTat", "Defector"], [2, 4], turns=10, runs=1500, seed=2, noise=1e-12
    )
    pair = iterated.tournament(["TitForTat", "Defector"], turns=10)
    exact = evolution.birth_death_fixation(pair.payoff_matrix, 0, 1, 6, 2)
    freq = ind.fixation_frequencies()["Tit For Tat"]
    assert abs(freq - exact) < 4 * np.sqrt(exact * (1 - exact) / 1500)


def test_moran_is_deterministic_and_mutation_runs_to_the_limit():
    kw = {"turns": 30, "runs": 50, "seed": 9}
    a = evolution.moran_process(["TitForTat", "Random", "Defector"], [3, 3, 3], **kw)
    b = evolution.moran_process(["TitForTat", "Random", "Defector"], [3, 3, 3], **kw)
    assert np.array_equal(a.final, b.final) and np.array_equal(a.generations, b.generations)
    assert (a.fixed >= 0).all()
    m = evolution.moran_process(
        ["TitForTat", "Defector"],
        [5, 5],
        turns=10,
        runs=5,
        mutation_rate=0.1,
        max_generations=300,
        seed=1,
    )
    assert (m.generations == 300).all() and (m.final.sum(axis=1) == 10).all()
    with pytest.raises(ScenarioError, match="generations: with mutation"):
        evolution.moran_process(["TitForTat", "Defector"], [5, 5], mutation_rate=0.1)


# -------------------------------------------------------------------------- command


def test_evolve_command_gives_the_published_distribution(capsys):
    code = main(["evolve", "--strategies", "Cooperator,Defector,TitForTat", "--format", "json"])
    captured = capsys.readouterr()
    assert code == 0 and captured.err == ""
    data = json.loads(captured.out)
    for name, p in PUBLISHED.items():
        assert data["stationary"][name] == pytest.approx(p, abs=5e-5)
    assert data["replicator"]["final"]["Defector"] < 1e-3


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--population", "1"], "--population"),
        (["--beta", "-1"], "--beta"),
        (["--mu", "2"], "--mu"),
        (["--rule", "imitate"], "--rule"),
        (["--payoff-matrix", "[[1,2],[3]]"], "--payoff-matrix"),
        (["--payoff-matrix", "[[1,2],[3,4]]", "--strategies", "A,B,C"], "--payoff-matrix"),
        (["--game", "coercion", "--dynamics", "moran"], "--dynamics"),
    ],
)
def test_evolve_bad_input_is_one_line_exit_2(capsys, args, field):
    code = main(["evolve", *args])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert captured.err.count("\n") == 1 and field in captured.err

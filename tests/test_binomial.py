"""The binomial draws behind third-party entries: exact for any count (no underflow of q^n)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binom

import backscratch as bs
from backscratch.dyad import _kernels as kernels
from backscratch.dyad.params import Params


def draws(n: int, p: float, u: np.ndarray) -> np.ndarray:
    return np.array([kernels.binomial_draw(n, p, x) for x in u])


@pytest.mark.parametrize("p", [0.5, 0.3, 0.9])
def test_a_draw_of_a_hundred_thousand_has_the_binomials_mean_and_variance(p):
    n = 100_000
    u = np.random.default_rng(7).random(20_000)
    k = draws(n, p, u)
    mean, var = n * p, n * p * (1 - p)
    # s.e. of the mean sqrt(var / 20000) <= 1.2; of the variance about var * 0.01.
    assert abs(k.mean() - mean) < 6.0
    assert k.var() == pytest.approx(var, rel=0.05)


@pytest.mark.parametrize(
    ("n", "p"),
    [(1, 0.5), (10, 0.05), (60, 0.5), (1_100, 0.5), (2_000, 0.7), (100_000, 1e-4), (100_000, 0.4)],
)
def test_every_draw_is_the_exact_quantile(n, p):
    # The smallest k with u < F(k): scipy's percent point function, draw for draw, for the
    # search up from 0 (small means) and the one from the mode alike.
    u = np.random.default_rng(n).random(2_000)
    assert np.array_equal(draws(n, p, u), binom.ppf(u, n, p).astype(int))


def test_the_end_points_and_extreme_uniforms():
    assert kernels.binomial_draw(0, 0.5, 0.3) == 0
    assert kernels.binomial_draw(5_000, 0.0, 0.99) == 0
    assert kernels.binomial_draw(5_000, 1.0, 0.01) == 5_000
    # Tail probabilities below 1e-18 of the mode's are not summed: u = 0 and u -> 1 land
    # beyond 7 standard deviations (sd = 158), never at a wrong place near the middle.
    assert kernels.binomial_draw(100_000, 0.5, 0.0) <= 50_000 - 7 * 158
    assert 50_000 + 7 * 158 <= kernels.binomial_draw(100_000, 0.5, 1.0 - 1e-16) <= 100_000


def test_two_thousand_third_parties_enter_as_often_as_their_entry_probability_says():
    # Entry probability about 0.5 each (no entry cost, wide entry noise): q^2000 = 0.5^2000
    # underflows, and a search up from 0 gave every period 0 or 2000 entries.
    count = 2_000
    scenario = bs.load_scenario(
        "oye-dyad",
        runs=200,
        overrides={
            "horizon": 5,
            "third_parties.count": count,
            "third_parties.entry_cost": 0.0,
            "third_parties.noise": 20.0,
        },
    )
    records = bs.run(scenario, policy="blackmail").records
    p = Params.from_scenario(scenario)
    mu = records["belief"]
    x = p.demand_a + p.demand_b * mu
    e = kernels.entry_probability(
        mu, x, p.value, p.punishment_at(x), p.credibility, p.execution_cost, p.entry_cost,
        p.entry_noise,
    )  # fmt: skip
    assert 0.4 < e.min() and e.max() < 0.6
    entries = records["entries"]
    # 1000 run-periods of about 1000 expected entries each, s.d. about 22 each.
    assert entries.mean() == pytest.approx(count * e.mean(), rel=0.005)
    assert entries.std() < 3 * np.sqrt(count * 0.25) + count * e.std()

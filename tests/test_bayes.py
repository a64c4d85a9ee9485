"""Belief updating: Bayes' rule by hand, in the engine, and as a martingale."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backscratch.core.schema import load_scenario
from backscratch.dyad._kernels import COMPLIED, RESISTED, posterior
from backscratch.dyad.model import DyadModel

# Hand computation. A myopic target facing a fixed demand x = 1 under a threat with
# punishment P = 1 and credibility q = 0.5 compares -c*x with -q*P = -0.5. With private
# logistic shocks of scale s = 0.25, a type with cost c complies with probability
# 1 / (1 + exp(-(0.5 - c) / 0.25)):
#   pliable  (c = 0.2): 1 / (1 + exp(-1.2)) = 0.7685247834990175
#   resolute (c = 0.8): 1 / (1 + exp(+1.2)) = 0.2314752165009825
# Prior mu_0 = 0.5. After one compliance: mu_1 = 0.5*0.76852 / (0.5*0.76852 + 0.5*0.23148)
#   = 0.7685247834990175. After a second compliance:
#   mu_2 = 0.76852^2 / (0.76852^2 + 0.23148^2) = 0.9168273035060774.
# After compliance then resistance: mu_2 = 0.76852*0.23148 / (0.76852*0.23148 + 0.23148*0.76852)
#   = 0.5. After a first resistance: mu_1 = 0.2314752165009825.
HAND = {
    (): 0.5,
    (COMPLIED,): 0.7685247834990175,
    (RESISTED,): 0.2314752165009825,
    (COMPLIED, COMPLIED): 0.9168273035060774,
    (COMPLIED, RESISTED): 0.5,
    (RESISTED, RESISTED): 1 - 0.9168273035060774,
}


@pytest.fixture(scope="module")
def two_period():
    sc = load_scenario(
        "oye-dyad",
        {
            "horizon": 2,
            "runs": 4000,
            "seed": 7,
            "policy": "blackmail",
            "demander.demand_rule": "fixed",
            "demander.demand": 1.0,
            "target.strategy": "myopic",
            "target.prior_pliable": 0.5,
            "target.cost": 0.2,
            "target.resolve_pliable": 0.0,
            "target.resolve_resolute": 0.6,
            "third_parties.count": 0,
            "target.noise": 0.25,
            "threat.punishment": 1.0,
            "threat.credibility": 0.5,
        },
    )
    model = DyadModel(sc)
    result = model.run()
    return result, model.belief


def test_scalar_posterior_matches_hand_computation():
    p_pl, p_re = 0.7685247834990175, 0.2314752165009825
    mu1 = posterior(0.5, p_pl, p_re, True)
    assert mu1 == pytest.approx(HAND[(COMPLIED,)], rel=1e-14)
    assert posterior(mu1, p_pl, p_re, True) == pytest.approx(HAND[(COMPLIED, COMPLIED)], rel=1e-14)
    assert posterior(mu1, p_pl, p_re, False) == pytest.approx(0.5, rel=1e-14)


def test_engine_beliefs_follow_bayes_over_two_periods(two_period):
    result, final = two_period
    resp, belief = result.records["response"], result.records["belief"]
    assert np.all(belief[0] == 0.5)
    seen = 0
    for history, expected in HAND.items():
        if len(history) == 1:
            sel = resp[0] == history[0]
            got = belief[1][sel]
        elif len(history) == 2:
            sel = (resp[0] == history[0]) & (resp[1] == history[1])
            got = final[sel]
        else:
            continue
        assert sel.sum() > 100, history  # every history is actually visited
        np.testing.assert_allclose(got, expected, rtol=1e-12)
        seen += 1
    assert seen == 5


def test_compliance_frequencies_match_the_hand_probabilities(two_period):
    result, _ = two_period
    comply = result.records["response"][0] == COMPLIED
    pliable = result.pliable
    # 4000 runs, about 2000 of each type: binomial s.e. of a share about 0.0095.
    assert comply[pliable].mean() == pytest.approx(0.7685, abs=0.04)
    assert comply[~pliable].mean() == pytest.approx(0.2315, abs=0.04)


# Probabilities from 1e-6 up, plus the exact end points: products of tinier numbers underflow.
probs = st.one_of(st.floats(1e-6, 1.0), st.sampled_from([0.0, 1.0]))


@given(mu=probs, p_pl=probs, p_re=probs)
def test_posterior_is_a_martingale_and_stays_a_probability(mu, p_pl, p_re):
    after_c = posterior(mu, p_pl, p_re, True)
    after_r = posterior(mu, p_pl, p_re, False)
    assert 0.0 <= after_c <= 1.0 and 0.0 <= after_r <= 1.0
    pr_c = mu * p_pl + (1 - mu) * p_re
    # Observers' expected posterior equals their prior (law of iterated expectations),
    # wherever both observations have positive probability.
    if 1e-9 < pr_c < 1 - 1e-9:
        assert pr_c * after_c + (1 - pr_c) * after_r == pytest.approx(mu, abs=1e-9)
    # Compliance is good news about pliability exactly when pliable types comply more.
    if p_pl > p_re and 0 < mu < 1:
        assert after_c >= mu >= after_r


def test_uninformative_behaviour_leaves_the_belief_unchanged():
    mu = np.linspace(0, 1, 11)
    np.testing.assert_allclose(posterior(mu, 0.3, 0.3, True), mu, atol=1e-15)
    np.testing.assert_allclose(posterior(mu, 1.0, 1.0, False), mu)  # zero-probability event

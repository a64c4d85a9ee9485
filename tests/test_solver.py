"""The forward-looking target's dynamic programme and the strategy catalogue."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backscratch.core.schema import load_scenario
from backscratch.dyad.model import DyadModel, StageGame, plan_for
from backscratch.dyad.policies import DEMAND_RULES, POLICIES
from backscratch.dyad.targets import TARGETS


def _stage(policy="blackmail", **over):
    sc = load_scenario("oye-dyad", {"horizon": 15, "solver.belief_grid": 101, **over})
    return sc, StageGame.from_scenario(sc, plan_for(sc, policy))


def test_zero_discount_is_the_myopic_logit_rule():
    sc, stage = _stage()
    p = stage.solve(discount=0.0)
    comply, resist = stage.immediate(0)
    expected = 1 / (1 + np.exp(-(comply - resist) / sc.target.noise))
    np.testing.assert_allclose(p[0], expected, rtol=1e-12)
    np.testing.assert_allclose(p, np.broadcast_to(expected, p.shape), rtol=1e-12)


def test_last_period_is_myopic_and_earlier_periods_protect_reputation():
    _sc, stage = _stage()
    p = stage.solve(discount=0.9)
    myopic = stage.solve(discount=0.0)
    np.testing.assert_allclose(p[-1], myopic[-1], rtol=1e-12)  # nothing left to protect
    # Under threat the pliable type concedes less early on than it would myopically:
    # resisting keeps future demands small.
    assert np.all(p[0, 0] <= myopic[0, 0] + 1e-12)
    assert np.mean(myopic[0, 0] - p[0, 0]) > 0.05


def test_offers_that_pay_attract_more_compliance_when_the_future_matters():
    _sc, stage = _stage("backscratching")
    assert np.all(stage.solve(0.9)[0] >= stage.solve(0.0)[0] - 1e-12)


def test_fixed_point_converges():
    for policy in POLICIES:
        _, stage = _stage(policy)
        stage.solve(0.95)
        assert stage.residual < 1e-10, policy


@settings(max_examples=25, deadline=None)
@given(
    shadow=st.floats(0.0, 0.99),
    c_pl=st.floats(0.0, 1.5),
    extra=st.floats(0.0, 1.5),
    credibility=st.floats(0.0, 1.0),
    noise=st.floats(0.03, 1.0),
    policy=st.sampled_from(["blackmail", "backscratching", "mixed"]),
)
def test_pliable_types_comply_at_least_as_often_without_a_future(
    shadow, c_pl, extra, credibility, noise, policy
):
    """In the last period (or with no shadow of the future) nothing is left to protect, and
    the pliable type, whose cost of complying is lower, complies at least as often. Earlier
    it need not: the strategic pliable type may resist more than the resolute commitment type
    to protect its reputation (Kreps & Wilson 1982), and where the period's fixed point has
    several roots the selection rule can switch root between neighbouring beliefs (found by
    hypothesis: period 1 of 8, shadow 0.875, cost 1, resolve 0.0625, credibility 0, noise 1,
    one belief grid point)."""
    _, stage = _stage(
        policy,
        horizon=8,
        **{
            "target.cost": c_pl,
            "target.resolve_resolute": extra,
            "threat.credibility": credibility,
            "target.noise": noise,
        },
    )
    p = stage.solve(shadow)
    assert np.all((p >= 0) & (p <= 1))
    assert np.all(p[-1, 0] >= p[-1, 1] - 1e-9)
    myopic = stage.solve(0.0)
    assert np.all(myopic[:, 0] >= myopic[:, 1] - 1e-9)


def test_rule_based_targets():
    _sc, stage = _stage()
    assert np.all(TARGETS["always_comply"]().compliance(stage, 0.9) == 1)
    assert np.all(TARGETS["always_resist"]().compliance(stage, 0.9) == 0)


@pytest.mark.parametrize(
    "cls", [*POLICIES.values(), *TARGETS.values(), *DEMAND_RULES.values()], ids=lambda c: c.name
)
def test_every_strategy_is_documented_and_classified(cls):
    doc = inspect.getdoc(cls) or ""
    assert len(doc) > 80, "docstring says what it does and where it comes from"
    assert any(ch.isdigit() for ch in doc), "docstring names a source (author, year)"
    assert isinstance(cls.classifier, dict) and "stochastic" in cls.classifier
    assert "memory_depth" in cls.classifier


def test_learning_demand_rule_scales_with_belief():
    rule = DEMAND_RULES["learning"](size=2.0, floor=0.25)
    np.testing.assert_allclose(rule.demand([0.0, 0.5, 1.0]), [0.5, 1.25, 2.0])
    np.testing.assert_allclose(DEMAND_RULES["fixed"](2.0, 0.25).demand([0.0, 1.0]), [2.0, 2.0])


@pytest.mark.parametrize("name", ["oye-dyad", "ties-calibrated", "iran-2003-2013"])
def test_shipped_scenarios_have_smooth_equilibria_with_pliable_types_more_compliant(name):
    """Where the period's fixed point has many roots (extreme noise, empty threats: see above)
    the selected root can jump between neighbouring beliefs; in the shipped scenarios it does
    not, and pliable types comply at least as often in every period."""
    sc = load_scenario(name, {"runs": 8})
    for policy in ("blackmail", "backscratching", "mixed"):
        p = DyadModel(sc, policy).compliance
        assert np.abs(np.diff(p[:, 0, :], axis=1)).max() < 0.1, policy
        assert np.all(p[:, 0] >= p[:, 1] - 1e-9), policy

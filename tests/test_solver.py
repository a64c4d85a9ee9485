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
def test_shipped_scenarios_equilibria_are_smooth_where_unique(name):
    """Where a period has one stable equilibrium at every belief, the equilibrium is smooth in
    the belief and pliable types comply at least as often as resolute ones. Where it has
    several (oye-dyad under offers: about half the cells), the selection follows one branch
    and jumps where that branch ends, in under 1% of neighbouring cells."""
    sc = load_scenario(name, {"runs": 8})
    for policy in ("blackmail", "backscratching", "mixed"):
        model = DyadModel(sc, policy)
        p, several = model.compliance, model.stage.multiplicity
        jumps = np.abs(np.diff(p[:, 0, :], axis=1)) > 0.1
        if several == 0.0:
            assert not jumps.any(), policy
            assert np.all(p[:, 0] >= p[:, 1] - 1e-9), policy
        else:
            assert (name, policy) in {("oye-dyad", "backscratching"), ("oye-dyad", "mixed")}
            assert jumps.mean() < 0.01, policy


# ------------------------------------------------------------ several equilibria, selection


def _period_inputs(stage, t):
    """The continuation value W_{t+1} and the payoffs of period ``t`` as the solver sees them."""
    from backscratch.dyad import _kernels as K
    from backscratch.dyad.stage import SELECTION_CODES

    G = len(stage.grid)
    W, W_next, flow = np.zeros(G), np.empty(G), stage.third_party_flow()
    p, roots = np.zeros((2, G)), np.zeros(G, dtype=np.int64)
    rule = SELECTION_CODES[stage.selection]
    for s in range(stage.horizon - 1, t, -1):
        comply, resist = stage.immediate(s)
        K.solve_period(stage.grid, W, W[None], comply, resist, 0.9, stage.params.noise, stage.tol,
                       stage.resolution, rule, p, roots)  # fmt: skip
        K.continuation(
            stage.grid, W, W[None], comply, resist, p, 0.9, stage.params.noise, flow, W_next
        )
        W, W_next = W_next, W
    return W, *stage.immediate(t)


def test_every_stable_equilibrium_is_found_and_the_one_played_is_stable():
    """Under offers in oye-dyad half the cells have several equilibria (the pooling root,
    the pliable type mimicking the resolute, is an unstable fixed point between them). A
    brute-force scan of the fixed-point condition at 20,001 points finds the same stable
    roots (to the stated resolution); the one played is stable (best-response slope below
    1); the three rules order as named."""
    from backscratch.dyad import _kernels as K
    from backscratch.dyad.stage import SELECTION_CODES

    _sc, stage = _stage("backscratching", horizon=40, **{"solver.belief_grid": 201})
    W, comply, resist = _period_inputs(stage, 0)
    noise, G = stage.params.noise, len(stage.grid)
    played = {}
    counts = np.zeros(G, dtype=np.int64)
    for rule in ("continuation", "lowest", "highest"):
        p = np.zeros((2, G))
        K.solve_period(stage.grid, W, W[None], comply, resist, 0.9, noise, stage.tol, stage.resolution,
                       SELECTION_CODES[rule], p, counts)  # fmt: skip
        played[rule] = p[0].copy()
    xs = np.linspace(0.0, 1.0, 20_001)
    several = 0
    for g in range(0, G, 10):
        mu, p_re = stage.grid[g], K._logit(comply[1, g] - resist[1, g], noise)

        def h(x, g=g, mu=mu, p_re=p_re):
            return K._excess(g, mu, x, p_re, W, W[None], comply, resist, 0.9, noise)

        hs = np.array([h(x) for x in xs])
        # every root, in order, as (position, stable?); a pair closer than the resolution
        # (1 / solver.resolution) is below the stated resolution and may be missed together
        crossings = np.flatnonzero((hs[:-1] > 0) != (hs[1:] > 0))
        roots = [(xs[k], bool(hs[k] > 0)) for k in crossings]
        every = sum(is_stable for _, is_stable in roots)
        while True:
            close = [
                i
                for i in range(len(roots) - 1)
                if roots[i + 1][0] - roots[i][0] < 1 / stage.resolution
            ]
            if not close:
                break
            del roots[close[0] : close[0] + 2]
        resolved = sum(is_stable for _, is_stable in roots)
        assert resolved <= counts[g] <= every, g
        stable = counts[g]
        several += stable > 1
        for rule, p in played.items():
            assert abs(h(p[g])) < 1e-9
            slope = (h(min(p[g] + 1e-6, 1.0)) - h(max(p[g] - 1e-6, 0.0))) / 2e-6 + 1.0
            assert slope < 1.0, (rule, g, slope)
        assert played["lowest"][g] <= played["continuation"][g] + 1e-12
        assert played["continuation"][g] <= played["highest"][g] + 1e-12
    assert several >= 5  # the offers game really has several equilibria here


@pytest.mark.parametrize("policy", ["backscratching", "blackmail"])
def test_what_the_bounds_prove_of_an_interval_holds(policy):
    """The search drops an interval of compliance probabilities only where its bounds prove
    that ``h = BR(p) - p`` has no downward crossing there (one sign, or rising throughout),
    and bisects on the sign where they prove ``h`` strictly falling. Checked on 600 random
    intervals (random cells, periods 0 and 20), each sampled at 400 points: a dropped one
    has no downward sign change, a falling one falls at every step; the scanned rows of the
    demander's-choice game (no tables) are classified the same. And the bounds decide most
    intervals (else the search is a scan); under threats, where the target's value falls
    with its reputation for pliability, every interval they do not drop is falling."""
    from backscratch.dyad import _kernels as K

    _sc, stage = _stage(policy, horizon=40, **{"solver.belief_grid": 201})
    rng = np.random.default_rng(7)
    noise, n = stage.params.noise, len(stage.grid)
    levels = int(np.floor(np.log2(n))) + 1
    kinds = {K.EXCLUDED: 0, K.DECREASING: 0, K.UNKNOWN: 0}
    no_tables, no_slopes = np.empty((0, n)), np.empty((2, 0, n - 1))
    for t in (0, 20):
        W, comply, resist = _period_inputs(stage, t)
        mins, maxs = np.empty((levels, n)), np.empty((levels, n))
        slopes = np.empty((2, levels, n - 1))
        K._range_tables(W, mins, maxs)
        K._slope_tables(W, slopes[0], slopes[1])
        for _ in range(300):
            g = int(rng.integers(n))
            a = float(rng.uniform(0.0, 1.0))
            b = min(1.0, a + float(rng.choice([1 / 4096, 1 / 256, 1 / 16, 0.5])))
            mu, p_re = stage.grid[g], K._logit(comply[1, g] - resist[1, g], noise)
            args = (comply, resist, 0.9, noise)
            kind = K._classify(g, mu, a, b, p_re, W, W, mins, maxs, mins, maxs, slopes, slopes,
                               *args)  # fmt: skip
            scanned = K._classify(g, mu, a, b, p_re, W, W, mins, maxs, no_tables, no_tables,
                                  slopes, no_slopes, *args)  # fmt: skip
            assert scanned == kind, (t, g, a, b)
            kinds[kind] += 1
            hs = np.array([K._excess(g, mu, x, p_re, W, W[None], *args)
                           for x in np.linspace(a, b, 400)])  # fmt: skip
            if kind == K.EXCLUDED:
                assert not np.any((hs[:-1] > 0) & (hs[1:] <= 0)), (t, g, a, b)
            elif kind == K.DECREASING:
                assert np.all(np.diff(hs) < 0), (t, g, a, b)
    assert kinds[K.UNKNOWN] < 200
    if policy == "blackmail":  # each interval: no root or h falling
        assert kinds[K.UNKNOWN] == 0 and kinds[K.DECREASING] > 30
    else:
        assert kinds[K.EXCLUDED] > 250 and kinds[K.DECREASING] > 10


def test_results_report_how_often_there_are_several_equilibria():
    import backscratch as bs
    from backscratch.dyad.api import diagnostics

    bm = bs.run("oye-dyad", policy="blackmail", runs=200)
    offers = bs.run("oye-dyad", policy="backscratching", runs=200)
    assert bm.diagnostics()["multiple_equilibria"] == 0.0
    d = diagnostics(offers)
    assert d["selection"] == "continuation" and d["residual"] < 1e-9
    assert 0.4 < d["multiple_equilibria"] < 0.7
    assert (
        d["by_selection"]["continuation"]["cooperation_rate"]
        == offers.summary()["cooperation_rate"]
    )
    # the choice among them moves the headline by a little, and the report says how much
    coop = [v["cooperation_rate"] for v in d["by_selection"].values()]
    assert 0.001 < max(coop) - min(coop) < 0.05


def test_the_stationary_programme_by_value_iteration(capsys, monkeypatch):
    """``solver.stationary``: at a short shadow (0.5) value iteration settles in about 35
    iterations on the 40-period programme's first period (to 1e-9) under every instrument;
    at the reference shadow it settles under threats (about 220 iterations, first period
    within 1e-3) but not under offers, where the selected equilibrium of the offers game
    cycles: refused with one line rather than played unsettled."""
    import backscratch as bs
    from backscratch.cli import main

    for shadow, policies in (
        (0.5, ("blackmail", "backscratching", "mixed")),
        (0.9, ("blackmail",)),
    ):
        sc = bs.load_scenario("oye-dyad").with_updates(shadow=shadow)
        stat = sc.with_updates(**{"solver.stationary": True})
        for policy in policies:
            finite = StageGame.from_scenario(sc, plan_for(sc, policy)).solve(shadow)
            game = StageGame.from_scenario(stat, plan_for(stat, policy))
            table = game.solve(shadow)
            assert 10 < game.iterations < 400 and game.value_change <= 1e-10
            assert (table == table[:1]).all()
            tol = 1e-9 if shadow == 0.5 else 1e-3
            assert np.abs(table[0] - finite[0]).max() < tol, (shadow, policy)
            if policy == "blackmail":  # no end-of-horizon effect (0.89 and 0.96 apart)
                assert np.abs(table[-1] - finite[-1]).max() > 0.5
    monkeypatch.setattr(StageGame, "stationary_iterations", 300)  # (2,000 in use: 6 s)
    code = main(["run", "oye-dyad", "--runs", "10", "--policy", "backscratching",
                 "--set", "solver.stationary=true"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "solver.stationary: value iteration did not settle" in err
    assert len(err.strip().splitlines()) == 1

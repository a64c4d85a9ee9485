"""Both target types strategic (``target.resolute: strategic``; docs/model.md, The target's
equilibrium): the two-dimensional per-period equilibrium, its search and what it finds."""

from __future__ import annotations

import numpy as np
import pytest

import backscratch as bs
from backscratch.cli import main
from backscratch.core.errors import ScenarioError
from backscratch.core.schema import load_scenario
from backscratch.dyad import _kernels as kernels
from backscratch.dyad.scenario import Scenario
from backscratch.dyad.stage import StageGame, plan_for
from backscratch.game.model import solve as solve_game

STRATEGIC = {"target.resolute": "strategic"}


def _stage(policy: str, **overrides) -> tuple[StageGame, float]:
    sc = load_scenario("oye-dyad").with_updates(**{**STRATEGIC, **overrides})
    return StageGame.from_scenario(sc, plan_for(sc, policy)), sc.shadow


def _first_period_inputs(monkeypatch, policy: str, **overrides):
    """What the solver is handed in the first period of ``policy``'s game: (stage, the
    arguments of ``solve_period_both``)."""
    stage, shadow = _stage(policy, **overrides)
    calls = []
    solve = kernels.solve_period_both

    def spy(*args):
        calls.append(tuple(np.copy(a) if isinstance(a, np.ndarray) else a for a in args))
        return solve(*args)

    monkeypatch.setattr(kernels, "solve_period_both", spy)
    stage.solve(discount=shadow)
    return stage, calls[-1]


@pytest.mark.parametrize("policy", ["blackmail", "backscratching", "mixed"])
def test_with_no_future_both_types_play_their_myopic_replies(policy):
    """One period: nothing to protect, so the strategic resolute type is the commitment type
    and the table is the commitment game's (the search finds the one root)."""
    strategic, shadow = _stage(policy, horizon=1)
    commitment, _ = _stage(policy, horizon=1, **{"target.resolute": "commitment"})
    np.testing.assert_allclose(
        strategic.solve(discount=shadow), commitment.solve(discount=shadow), atol=1e-9
    )
    assert (strategic.stable_roots == 1).all()


def _best_reply_gap(p, comply, resist, after, grid, noise) -> float:
    """The largest gap between each type's reply ``p[k, g]`` and its logit best reply when
    its value after the exchange is ``after[k]`` (over the belief the exchange leaves)."""
    worst = 0.0
    for g, mu in enumerate(grid):
        mc = kernels.posterior(mu, p[0, g], p[1, g], True)
        mr = kernels.posterior(mu, p[0, g], p[1, g], False)
        for k in (0, 1):
            net = np.interp(mc, grid, after[k]) - np.interp(mr, grid, after[k])
            z = (comply[k, g] - resist[k, g] + net) / noise
            worst = max(worst, abs(1.0 / (1.0 + np.exp(-z)) - p[k, g]))
    return worst


@pytest.mark.parametrize("policy", ["blackmail", "backscratching", "mixed"])
def test_watched_entrants_enter_both_types_replies_by_their_own_encounters(policy):
    """Two periods with the entrants watched (``third_parties.update_belief``): they come
    after each exchange, on the belief it left, so each strategic type weighs its own
    payoff from them (``_type_flows``: M e(mu) E[max], by its own replies to entrants) and,
    in the first period, its expectation of its last-period value over the belief its own
    encounters leave (``encounter_values`` with its kind). Rebuilt here from those pieces —
    the last period's value as the expected maximum under the logistic shock — every
    cell's two replies in both periods are the logit best replies, within 1e-8. The types'
    flows differ by up to 0.69, so a resolute type that counted the pliable type's flow or
    encounters would fail (each mutation was tried), and the table differs from the
    commitment type's, which does not look ahead, by more than 0.2."""
    watched = {"third_parties.update_belief": True, "third_parties.entry_cost": 0.2}
    stage, shadow = _stage(policy, horizon=2, **watched)
    p = stage.solve(discount=shadow)
    comply, resist = stage.immediate(0)
    flow = stage._type_flows(np.ones(1))[0]
    grid, noise = stage.grid, stage.params.noise
    assert _best_reply_gap(p[1], comply, resist, flow, grid, noise) < 1e-8
    entry, logs = stage._encounter_inputs()
    after = np.empty_like(flow)
    for k in (0, 1):
        mc = kernels.posterior(grid, p[1, 0], p[1, 1], True)
        mr = kernels.posterior(grid, p[1, 0], p[1, 1], False)
        w_c, w_r = np.interp(mc, grid, flow[k]), np.interp(mr, grid, flow[k])
        z = (comply[k] - resist[k] + w_c - w_r) / noise
        last = resist[k] + w_r + noise * np.logaddexp(0.0, z)
        seen = np.empty_like(last)
        kernels.encounter_values(grid, last, stage.params.third_parties, entry, logs, seen, k)
        after[k] = flow[k] + shadow * seen
    assert _best_reply_gap(p[0], comply, resist, after, grid, noise) < 1e-8
    assert np.abs(flow[0] - flow[1]).max() > 0.5
    commitment, _ = _stage(policy, horizon=2, **watched, **{"target.resolute": "commitment"})
    assert np.abs(p - commitment.solve(discount=shadow)).max() > 0.2


@pytest.mark.parametrize(
    "others",
    [
        {"third_parties.count": 0},
        {"third_parties.instrument": "offer", "third_parties.update_belief": True,
         "third_parties.entry_cost": 0.0},
    ],
)  # fmt: skip
def test_types_that_differ_in_nothing_pool_and_learn_nothing(others):
    """Under offers with no cost link and no third parties — or with third parties that
    offer too, watched — the two types have the same payoffs and the same future: every
    equilibrium has them comply alike, so the belief never moves ("a price, not weakness"
    holds exactly), in every period and cell."""
    stage, shadow = _stage("backscratching", horizon=8, **others)
    p = stage.solve(discount=shadow)
    np.testing.assert_allclose(p[:, 0], p[:, 1], atol=1e-9)
    assert stage.multiplicity == 0.0
    # the reply is the myopic one: complying's value net of resisting, with no reputation
    comply, resist = stage.immediate(0)
    np.testing.assert_allclose(
        p[0, 0], 1.0 / (1.0 + np.exp(-(comply[0] - resist[0]) / stage.params.noise)), atol=1e-9
    )


def test_the_jacobian_is_the_derivative(monkeypatch):
    """The search's Newton steps and its stability test use an exact Jacobian of
    ``d(z) / s - z``; central differences agree with it away from the grid's kinks."""
    _, args = _first_period_inputs(monkeypatch, "blackmail", horizon=4)
    grid, W, Wr, V, Vr, comply, resist, discount, noise = args[:9]
    rng = np.random.default_rng(3)
    checked = 0
    last = len(grid) - 1
    while checked < 200:
        g = int(rng.integers(1, last))
        zx, zy = rng.uniform(-6.0, 6.0, 2)
        mu = grid[g]
        px, py = 1 / (1 + np.exp(-zx)), 1 / (1 + np.exp(-zy))
        m_c = mu * px / (mu * px + (1 - mu) * py)
        m_r = mu * (1 - px) / (mu * (1 - px) + (1 - mu) * (1 - py))
        if min(abs(m * last - round(m * last)) for m in (m_c, m_r)) < 0.05:
            continue  # too near a kink of the interpolation for differences of 1e-6
        out = kernels._both_newton_step(g, mu, zx, zy, W, Wr, V, Vr, comply, resist,
                                        discount, noise)  # fmt: skip
        e = 1e-6
        num = []
        for dx, dy in ((e, 0.0), (0.0, e)):
            hi = kernels._both_newton_step(g, mu, zx + dx, zy + dy, W, Wr, V, Vr, comply,
                                           resist, discount, noise)  # fmt: skip
            lo = kernels._both_newton_step(g, mu, zx - dx, zy - dy, W, Wr, V, Vr, comply,
                                           resist, discount, noise)  # fmt: skip
            num.append(((hi[0] - lo[0]) / (2 * e), (hi[1] - lo[1]) / (2 * e)))
        jac = np.array([[out[2], out[3]], [out[4], out[5]]])
        diff = np.array([[num[0][0], num[1][0]], [num[0][1], num[1][1]]])
        np.testing.assert_allclose(jac, diff, rtol=1e-4, atol=1e-5)
        checked += 1


def _brute_force_roots(g, args, step):
    """Every equilibrium of cell ``g`` by a plain scan of the log-odds plane (step
    ``step``) for cells where both excesses change sign, each polished by Newton's method."""
    grid, W, Wr, V, Vr, comply, resist, discount, noise = args[:9]
    mu = grid[g]
    base = comply[:, g] - resist[:, g]
    span = [
        (base[0] + discount * (W.min() - Wr.max())) / noise,
        (base[0] + discount * (W.max() - Wr.min())) / noise,
        (base[1] + discount * (V.min() - Vr.max())) / noise,
        (base[1] + discount * (V.max() - Vr.min())) / noise,
    ]
    zx = np.arange(span[0] - step, span[1] + 2 * step, step)
    zy = np.arange(span[2] - step, span[3] + 2 * step, step)
    X, Y = np.meshgrid(zx, zy, indexing="ij")
    px, py, qx, qy = (1 / (1 + np.exp(-v)) for v in (X, Y, -X, -Y))
    m_c = mu * px / (mu * px + (1 - mu) * py)
    m_r = mu * qx / (mu * qx + (1 - mu) * qy)
    Fx = (base[0] + discount * (np.interp(m_c, grid, W) - np.interp(m_r, grid, Wr))) / noise - X
    Fy = (base[1] + discount * (np.interp(m_c, grid, V) - np.interp(m_r, grid, Vr))) / noise - Y

    def both_signs(F):
        corners = np.stack([F[:-1, :-1], F[1:, :-1], F[:-1, 1:], F[1:, 1:]])
        return (corners.max(axis=0) >= 0) & (corners.min(axis=0) <= 0)

    cells = np.argwhere(both_signs(Fx) & both_signs(Fy))
    roots: list[tuple[float, float]] = []
    for i, j in cells:
        x, y, ok = kernels._newton_both(g, mu, zx[i] + step / 2, zy[j] + step / 2, W, Wr, V,
                                        Vr, comply, resist, discount, noise)  # fmt: skip
        p = (1 / (1 + np.exp(-x)), 1 / (1 + np.exp(-y)))
        if ok and not any(max(abs(p[0] - a), abs(p[1] - b)) <= 1e-7 for a, b in roots):
            roots.append(p)
    return sorted(roots)


def test_the_search_finds_every_equilibrium_a_plain_scan_finds(monkeypatch):
    """Branch and bound against brute force: at three beliefs of a short game with several
    equilibria (noise 0.3, so that they lie within a scannable plane), the search returns
    the same equilibria as a scan of the whole log-odds plane at step 0.02."""
    _, args = _first_period_inputs(monkeypatch, "blackmail", horizon=3, **{"target.noise": 0.3})
    grid, W, Wr, V, Vr, comply, resist, discount, noise = args[:9]
    tables = kernels.both_tables(W, Wr, V, Vr)
    several = 0
    for g in (40, 100, 160):
        roots = np.empty((kernels.ROOTS_MAX, 2))
        stable = np.zeros(kernels.ROOTS_MAX, dtype=np.bool_)
        n = kernels.both_roots(g, grid[g], W, Wr, V, Vr, tables, comply, resist, discount,
                               noise, 1.0 / 256, roots, stable)  # fmt: skip
        ours = sorted((1 / (1 + np.exp(-x)), 1 / (1 + np.exp(-y))) for x, y in roots[:n])
        theirs = _brute_force_roots(g, args, 0.02)
        assert len(ours) == len(theirs), (g, ours, theirs)
        np.testing.assert_allclose(np.array(ours), np.array(theirs), atol=1e-7)
        several += n > 1
    assert several >= 1  # the check is not only of unique equilibria


def _degree_scan(g, args, n):
    """Every equilibrium of cell ``g`` that a grid of ``n`` x ``n`` boxes over the plane
    both replies can reach finds by its winding numbers (a box around which ``d / s - z``
    winds holds a root, found by bisection on the degree inside it): ``(px, py, stable)``."""
    grid, W, Wr, V, Vr, comply, resist, discount, noise = args[:9]
    mu = grid[g]
    tables = kernels.both_tables(W, Wr, V, Vr)
    x0, x1, y0, y1 = kernels._reach(g, W, Wr, V, Vr, tables, comply, resist, discount, noise)
    xs, ys = np.linspace(x0 - 1, x1 + 1, n + 1), np.linspace(y0 - 1, y1 + 1, n + 1)
    stack = np.empty((256, 4))
    out = []
    for i in range(n):
        for j in range(n):
            deg, status, zx, zy = kernels._degree(g, mu, xs[i], xs[i + 1], ys[j], ys[j + 1], W,
                                                  Wr, V, Vr, comply, resist, discount, noise,
                                                  stack)  # fmt: skip
            if status == 0 and deg == 0:
                continue
            if status == 0:
                zx, zy, ok = kernels.degree_root(g, mu, xs[i], xs[i + 1], ys[j], ys[j + 1], W,
                                                 Wr, V, Vr, comply, resist, discount, noise)  # fmt: skip
                assert ok
            _, _, a, b, c, d = kernels._both_newton_step(g, mu, zx, zy, W, Wr, V, Vr, comply,
                                                         resist, discount, noise)  # fmt: skip
            out.append((1 / (1 + np.exp(-zx)), 1 / (1 + np.exp(-zy)), a + d < 0 < a * d - b * c))
    return out


def test_at_the_reference_noise_no_root_of_a_degree_scan_is_missed(monkeypatch):
    """At the reference noise (0.08) the equilibria crowd into the tails, where a box
    narrow in probability is wide in log-odds: in the first period of mixed with one third
    party over 5 periods (where the search once found none at belief 0.885 and the run was
    refused), every root that a 100 x 100 scan of winding numbers finds is one the search
    reports, stable where the scan's is (a stable and an unstable root that agree within
    ``SAME_ROOT`` in probability are one, stable, equilibrium)."""
    overrides = {"horizon": 5, "third_parties.count": 1}
    _, args = _first_period_inputs(monkeypatch, "mixed", **overrides)
    grid, W, Wr, V, Vr, comply, resist, discount, noise = args[:9]
    tables = kernels.both_tables(W, Wr, V, Vr)
    most, tails = 0, 0
    for g in (15, 90, 177):
        roots = np.empty((kernels.ROOTS_MAX, 2))
        stable = np.zeros(kernels.ROOTS_MAX, dtype=np.bool_)
        n = kernels.both_roots(g, grid[g], W, Wr, V, Vr, tables, comply, resist, discount,
                               noise, 1.0 / 256, roots, stable)  # fmt: skip
        ours = [(1 / (1 + np.exp(-x)), 1 / (1 + np.exp(-y))) for x, y in roots[:n]]
        for px, py, steady in _degree_scan(g, args, 100):
            gaps = [max(abs(a - px), abs(b - py)) for a, b in ours]
            k = int(np.argmin(gaps))
            assert gaps[k] <= 1e-7, (g, px, py, ours)
            assert stable[k] or not steady, (g, px, py)
        most = max(most, n)
        tails += int((np.abs(roots[:n]) > 20).any())
    assert most >= 8 and tails >= 2  # several equilibria, some deep in the tails


def test_the_last_resort_finds_an_equilibrium_where_none_was_found(monkeypatch):
    """Bisection on the degree: the plane both replies can reach is mapped into itself, so
    the excess winds once around it (in every cell), and halving keeps a half around which
    it winds, down to a root. At belief 0.885 of the game the search once refused, it lands
    on an equilibrium (both types' ``|BR - p|`` below 1e-12), and the run now solves."""
    overrides = {"horizon": 5, "third_parties.count": 1}
    stage, args = _first_period_inputs(monkeypatch, "mixed", **overrides)
    grid, W, Wr, V, Vr, comply, resist, discount, noise = args[:9]
    tables = kernels.both_tables(W, Wr, V, Vr)
    stack = np.empty((256, 4))
    for g in range(0, len(grid), 10):
        x0, x1, y0, y1 = kernels._reach(g, W, Wr, V, Vr, tables, comply, resist, discount,
                                        noise)  # fmt: skip
        deg, status, _, _ = kernels._degree(g, grid[g], x0 - 1, x1 + 1, y0 - 1, y1 + 1, W, Wr,
                                            V, Vr, comply, resist, discount, noise, stack)  # fmt: skip
        assert (status, deg) == (0, 1), g
    g = int(np.argmin(np.abs(grid - 0.885)))
    x0, x1, y0, y1 = kernels._reach(g, W, Wr, V, Vr, tables, comply, resist, discount, noise)
    zx, zy, ok = kernels.degree_root(g, grid[g], x0 - 1, x1 + 1, y0 - 1, y1 + 1, W, Wr, V, Vr,
                                     comply, resist, discount, noise)  # fmt: skip
    assert ok
    d_pl, d_re, _, _ = kernels._both_d(g, grid[g], zx, zy, W, Wr, V, Vr, comply, resist,
                                       discount)  # fmt: skip
    assert abs(kernels._logit(d_pl, noise) - kernels._sig(zx)) < 1e-12
    assert abs(kernels._logit(d_re, noise) - kernels._sig(zy)) < 1e-12
    assert stage.residual < 1e-9 and (stage.stable_roots >= 0).all()


def test_stable_roots_attract_and_unstable_ones_repel(monkeypatch):
    """The stability label (both eigenvalues of the Jacobian with negative real parts) is
    what the adjustment ``dz/dt = d(z)/s - z`` does: from a small displacement it returns
    to a stable root and leaves an unstable one."""
    _, args = _first_period_inputs(monkeypatch, "blackmail", horizon=3, **{"target.noise": 0.3})
    grid, W, Wr, V, Vr, comply, resist, discount, noise = args[:9]
    tables = kernels.both_tables(W, Wr, V, Vr)
    seen = set()
    for g in range(20, 181, 20):
        roots = np.empty((kernels.ROOTS_MAX, 2))
        stable = np.zeros(kernels.ROOTS_MAX, dtype=np.bool_)
        n = kernels.both_roots(g, grid[g], W, Wr, V, Vr, tables, comply, resist, discount,
                               noise, 1.0 / 256, roots, stable)  # fmt: skip
        for k in range(n):
            start = roots[k] + np.array([1e-3, -1e-3])
            z = start.copy()
            for _ in range(4000):  # Euler steps of the adjustment
                f = kernels._both_newton_step(g, grid[g], z[0], z[1], W, Wr, V, Vr, comply,
                                              resist, discount, noise)[:2]  # fmt: skip
                z = z + 0.01 * np.array(f)
            near = np.abs(z - roots[k]).max() < 1e-4
            assert near == bool(stable[k]), (g, roots[k], stable[k], z)
            seen.add(bool(stable[k]))
    assert seen == {True, False}


def test_at_the_reference_the_outcome_depends_on_the_selection():
    """The finding at the reference (docs/model.md): with both types strategic, offers
    (as threats, whose game takes five times as long to solve) have several stable
    equilibria in most cells, from both types resisting to both complying, so the first
    period's compliance at the prior spans nearly [0, 1] across the selection rules; every
    one solved to a residual below 1e-9."""
    first = {}
    for rule in ("lowest", "highest"):
        stage, shadow = _stage("backscratching", **{"solver.selection": rule})
        p = stage.solve(discount=shadow)
        g = int(np.searchsorted(stage.grid, 0.5))
        first[rule] = p[0, 0, g]
        assert stage.residual < 1e-9
        assert stage.multiplicity > 0.5
        assert (stage.stable_roots >= 0).all()
    assert first["lowest"] < 0.05 and first["highest"] > 0.95


@pytest.mark.parametrize(
    "overrides, named",
    [
        ({"hedging.mode": "choice"}, "hedging.mode"),
        ({"solver.stationary": True}, "solver.stationary"),
        ({"target.strategy": "myopic"}, "target.strategy"),
    ],
)
def test_combinations_not_built_are_refused_by_name(overrides, named):
    with pytest.raises(ScenarioError) as info:
        bs.run("oye-dyad", policy="blackmail", runs=10, overrides={**STRATEGIC, **overrides})
    assert "target.resolute" in str(info.value) and named in str(info.value)


def _one_action(policy: str, **overrides) -> Scenario:
    """A demander's-choice game with one action on the menu (the policy at the scenario's
    demand, a threat D carries out for free) and both types strategic, over 4 periods."""
    return load_scenario("oye-dyad").with_updates(**{
        **STRATEGIC, "horizon": 4, "threat.execution_cost": 0.0, "threat.credibility": 1.0,
        "strategic.instruments": [policy], "strategic.demand_factors": [1.0],
        "strategic.price_factors": [1.0], "strategic.choice_noise": 0.0,
        "demander.demand_rule": "fixed", "policy": policy, "solver.belief_grid": 101,
        **overrides,
    })  # fmt: skip


@pytest.mark.parametrize("watched", [False, True])
@pytest.mark.parametrize("policy", ["blackmail", "backscratching", "mixed"])
def test_in_the_demanders_choice_game_one_action_is_the_dyads_strategic_programme(policy, watched):
    """With one action on the menu, the game's target with both types strategic is the
    dyad's: the same compliance in every period and cell (1e-12) and the same number of
    stable equilibria, the entrants watched or not — so the resolute type's value rolls
    back in the game as in the dyad. Under threats the commitment type's table differs from
    it by more than 0.1, so a game that kept the resolute type myopic would fail (under
    offers, which cost both types the same, by 0.047)."""
    over = {"third_parties.update_belief": watched, "third_parties.entry_cost": 0.2}
    sc = _one_action(policy, **over)
    eq = solve_game(sc)
    stage = StageGame.from_scenario(sc, plan_for(sc))
    table = stage.solve(discount=sc.shadow)
    assert np.abs(eq.comply[:, 0, :, 0] - table).max() < 1e-12
    assert (eq.stable_roots[:, 0, 0] == stage.stable_roots).all()
    commitment = solve_game(sc.with_updates(**{"target.resolute": "commitment"}))
    apart = np.abs(commitment.comply[:, 0, :, 0] - table).max()
    assert apart > (0.1 if policy != "backscratching" else 0.04)


def test_in_the_demanders_choice_game_play_earns_d_its_solved_value():
    """Both types strategic, D choosing between no demand and free threats at P = 2 over 6
    periods: D's solved value at the prior (13.48) is the mean discounted payoff of 100,000
    runs of play within 4 standard errors and 0.03 (play interpolates the target's
    selected equilibrium between grid beliefs, across the cells where the selection
    switches: the gap is 0.016 at 101, 201 and 401 beliefs)."""
    sc = bs.load_scenario("oye-dyad", runs=100_000).with_updates(**{
        **STRATEGIC, "horizon": 6, "threat.execution_cost": 0.0, "threat.punishment": 2.0,
        "solver.belief_grid": 101, "strategic.instruments": ["none", "blackmail"],
    })  # fmt: skip
    played = bs.equilibrium(sc)
    eq = played.solution
    d = played.discounted("payoff_demander")
    assert abs(d.mean() - eq.value_at(eq.V[0], 0.5)) < 4 * d.std() / np.sqrt(d.size) + 0.03
    assert eq.multiplicity > 0.5  # several equilibria in most cells: the selection matters


@pytest.mark.parametrize(
    "option", ["strategic.cost_types=[0.1,1]", "strategic.renege_costs=[5,0]",
               "strategic.stationary=true"],
)  # fmt: skip
def test_the_demanders_choice_game_refuses_what_it_does_not_build(option, capsys):
    code = main(["equilibrium", "oye-dyad", "--set", "target.resolute=strategic", "--set",
                 option, "--set", "strategic.choice_noise=0.05"])  # fmt: skip
    _, err = capsys.readouterr()
    assert code == 2
    assert err.startswith("backscratch: error: ") and err.count("\n") == 1
    assert "target.resolute" in err and "Traceback" not in err

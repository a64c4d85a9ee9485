"""The demander's choice: D picks its instrument, demand and price; credibility is its
sequentially rational choice (docs/model.md, "The demander's choice")."""

from __future__ import annotations

import json

import numpy as np
import pytest

import backscratch as bs
from backscratch.cli import main
from backscratch.dyad._kernels import posterior
from backscratch.dyad.stage import StageGame, plan_for
from backscratch.game.api import equilibrium, first_move, phase_map
from backscratch.game.menu import Menu
from backscratch.game.model import GameModel, solve


def scenario(runs: int = 300, **overrides):
    return bs.load_scenario("oye-dyad", runs=runs, overrides=overrides)


def test_at_the_reference_a_unitary_d_never_carries_out_a_threat_and_pays_instead():
    # Known cost k = 0.5 > 0 and no audience cost: backing down is always cheaper than
    # punishing (nothing about D is left to learn), so no threat is credible — the chain-store
    # paradox (Selten 1978) — and D opens with an offer at every belief.
    s = solve(scenario())
    threats = s.menu.threat
    assert np.all(s.carry[:, threats] == 0.0)
    for row in s.policy(0):
        assert row["instrument"] == "backscratching"
    # Rational targets do not comply with a threat alone that will not be carried out: at
    # every period and belief each type complies no more than with a bare demand (the
    # logit floor L(-c x / noise); reputation only lowers it), and in the noise -> 0 limit
    # not at all.
    alone = np.flatnonzero(threats & ~s.menu.offer)
    tgt = s.scenario.target
    costs = np.array([tgt.cost + tgt.resolve_pliable, tgt.cost + tgt.resolve_resolute])
    for a in alone:
        floor = 1 / (1 + np.exp(costs * s.menu.x[a] / tgt.noise))
        assert np.all(s.comply[:, a] <= floor[None, :, None, None] + 1e-12)
    sharp = solve(scenario(**{"target.noise": 0.005}))
    assert sharp.comply[:, alone].max() < 1e-6
    r = GameModel(s.scenario, s).run()
    assert r.records["punished"].sum() == 0
    assert r.summary()["threat_share"] == 0.0


@pytest.mark.parametrize(("k", "audience", "punishment"), [(0.5, 0.2, 1.0), (0.2, 0.2, 1.0),
                                                          (0.1, 0.2, 2.0), (0.0, 0.0, 1.0)])  # fmt: skip
def test_credibility_is_fearons_closed_form(k, audience, punishment):
    # The leader carries out iff k * P <= the audience cost of backing down (Fearon 1994).
    sc = scenario(**{
        "threat.execution_cost": k, "domestic.audience_cost": audience,
        "threat.punishment": punishment, "strategic.objective": "leader",
    })  # fmt: skip
    s = solve(sc)
    expect = (k * s.menu.punishment <= audience).astype(float)
    th = s.menu.threat
    assert np.all(s.carry[:, th] == expect[th][None, :, None, None, None])
    # with noise, the logit of the same payoff difference
    noisy = solve(sc.with_updates(**{"strategic.choice_noise": 0.1}))
    gain = audience - k * noisy.menu.punishment
    want = 1 / (1 + np.exp(-gain / 0.1))
    assert np.allclose(noisy.carry[:, th], want[th][None, :, None, None, None], atol=1e-12)


def test_a_known_costless_threat_is_always_carried_out_and_a_large_one_is_chosen():
    r = equilibrium(scenario(**{"threat.execution_cost": 0.0, "threat.punishment": 2.0}))
    summary = r.summary()
    assert summary["credibility"] == 1.0  # every resisted threat punished
    assert r.solution.choice_at(0, 0.5)["instrument"] == "blackmail"
    assert summary["threat_share"] > 0.9


@pytest.mark.parametrize("shadow", [0.5, 0.9])
def test_both_regions_of_the_threat_size_by_shadow_map(shadow):
    # With costless punishment: a small threat loses to an offer, a large one wins.
    small = first_move(scenario(**{"threat.execution_cost": 0.0, "threat.punishment": 0.5,
                                   "shadow": shadow}))  # fmt: skip
    large = first_move(scenario(**{"threat.execution_cost": 0.0, "threat.punishment": 2.0,
                                   "shadow": shadow}))  # fmt: skip
    assert small["instrument"] == "backscratching"
    assert large["instrument"] == "blackmail"
    # the threat saves D the price: at least a tenth more than the offer's payoff
    assert large["demander_payoff"] > 1.1 * small["demander_payoff"]


def test_one_period_values_are_the_closed_form():
    # Horizon 1: no future, both target types play the myopic logit reply, and D's value of
    # each action is c * (v x - rho R x) + (1 - c) * (-q k P).
    sc = scenario(horizon=1, **{"threat.execution_cost": 0.0})
    s = solve(sc)
    p = sc.target
    noise, v, rho = p.noise, sc.demander.value, sc.offer.reliability
    mu = s.grid
    for a in range(len(s.menu)):
        if not s.menu.demands[a]:
            assert np.all(s.Q[0, a] == 0.0)
            continue
        x, price, P = s.menu.x[a], s.menu.price[a], s.menu.punishment[a]
        paid = rho * price * x if s.menu.offer[a] else 0.0
        q = s.carry[0, a, 0, 0, 0]
        costs = np.array([p.cost + p.resolve_pliable, p.cost + p.resolve_resolute])
        if not s.menu.threat[a]:
            costs = np.array([p.cost, p.cost])  # cost_resolve_link 0
        u_c = paid - costs * x
        u_r = -q * P if s.menu.threat[a] else 0.0
        yes_types = 1 / (1 + np.exp(-(u_c - u_r) / noise))
        assert np.allclose(s.comply[0, a, :, 0, 0], yes_types, atol=1e-9)
        c = mu * yes_types[0] + (1 - mu) * yes_types[1]
        want = c * (v * x - paid) + (1 - c) * (-q * 0.0 * P)
        assert np.allclose(s.Q[0, a, 0], want, atol=1e-9)
    best = np.argmax(s.Q[0], axis=0)
    assert np.array_equal(s.choice[0].argmax(axis=0), best)


def test_beliefs_move_by_bayes_rule_on_the_equilibrium_path():
    r = equilibrium(scenario(runs=200, **{"threat.execution_cost": 0.0, "threat.punishment": 1.0}))
    s, rec = r.solution, r.records
    t = 0
    a = rec["action"][t]
    mu = rec["belief"][t]
    p_pl = np.array(
        [np.interp(m, s.grid, s.comply[t, k, 0, 0]) for m, k in zip(mu, a, strict=True)]
    )
    p_re = np.array(
        [np.interp(m, s.grid, s.comply[t, k, 1, 0]) for m, k in zip(mu, a, strict=True)]
    )
    complied = rec["response"][t] == 1
    want = np.where(complied, posterior(mu, p_pl, p_re, True), posterior(mu, p_pl, p_re, False))
    assert np.allclose(rec["belief"][t + 1], want, atol=1e-15)


def test_the_leaders_choice_can_cost_the_nation():
    # A hawkish leader (eta = 1) values the toughness of a threat: with costless punishment
    # at P = 1 it adds a threat where the nation would only pay, and the nation pays for it.
    base = {"threat.execution_cost": 0.0, "threat.punishment": 1.0, "strategic.objective": "leader",
            "domestic.audience_cost": 0.0, "domestic.promise_cost": 0.0}  # fmt: skip
    dove = first_move(scenario(**base, **{"domestic.hawk_bias": 0.0}))
    hawk = first_move(scenario(**base, **{"domestic.hawk_bias": 1.0}))
    assert dove["lock_in_cost"] == pytest.approx(0.0, abs=1e-9)
    assert dove["action"] == dove["nation_action"]
    assert hawk["nation_choice"] == "backscratching"
    assert hawk["instrument"] in ("blackmail", "mixed")
    assert hawk["lock_in_cost"] > 0.05 * hawk["nation_optimum"]


def test_play_is_deterministic_and_the_map_does_not_depend_on_workers():
    a = equilibrium(scenario(runs=100))
    b = equilibrium(scenario(runs=100))
    for name, values in a.records.items():
        assert np.array_equal(values, b.records[name]), name
    sc = scenario(**{"threat.execution_cost": 0.0})
    axes = {"threat.punishment": [0.5, 2.0], "shadow": [0.5, 0.9]}
    one = phase_map(sc, axes=axes)
    two = phase_map(sc, axes=axes, backend="local", workers=2)
    assert one.rows == two.rows
    assert repr(one) == "<PhaseMap: oye-dyad, threat.punishment x shadow, 4 cells>"
    assert {r["instrument"] for r in one.rows} == {"backscratching", "blackmail"}


def test_bad_maps_are_one_line_errors(capsys):
    for args, fragment in [
        (["--map", "shadow=0.5,0.9"], "--map: give two different fields"),
        (["--map", "shadow=0.5", "--map", "threat.nope=1,2"], "threat.nope"),
        (["--map", "shadow=0.5", "--map", "threat.punishment=1:2:x"], "--map threat.punishment"),
        (["--plot", "x.png"], "--plot"),
        (["--map", "shadow=0.5", "--map", "threat.punishment=-1,1"], "threat.punishment"),
        (["--map", "shadow=0.5", "--map", "shadow=0.9"], "--map: give two different fields"),
        (["--map", "shadow=0.5", "--map", "threat.punishment=1", "--backend", "gpu"], "--backend"),
        (["--map", "shadow=0.5", "--map", "threat.punishment=1", "--workers", "0"], "--workers"),
    ]:
        code = main(["equilibrium", "oye-dyad", *args])
        err = capsys.readouterr().err
        assert code == 2, args
        assert err.count("\n") == 1 and fragment in err, (args, err)


def test_equilibrium_json(capsys):
    code = main(["equilibrium", "oye-dyad", "--runs", "50", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data["first_move"]["instrument"] == "backscratching"
    assert len(data["policy"]) == 11
    assert data["diagnostics"]["residual"] < 1e-9
    assert 0.95 < data["summary"]["cooperation_rate"] <= 1.0


GAMBIT_MENU = {
    "strategic.instruments": ["none", "blackmail", "backscratching"],
    "strategic.demand_factors": [1.0],
    "strategic.price_factors": [1.0],
    "third_parties.count": 0,
    "domestic.promise_cost": 0.0,
}


@pytest.mark.parametrize(
    ("case", "instrument"),
    [
        ({}, "backscratching"),  # the reference: no threat is credible, D pays
        ({"strategic.objective": "leader", "threat.execution_cost": 0.2,
          "domestic.audience_cost": 0.5}, "backscratching"),  # credible but small: D pays
        ({"strategic.objective": "leader", "threat.execution_cost": 0.0,
          "domestic.audience_cost": 0.1, "threat.punishment": 2.0}, "blackmail"),
        ({"strategic.objective": "leader", "threat.execution_cost": 0.0,
          "domestic.audience_cost": 0.1, "threat.punishment": 1.5, "shadow": 0.5}, "blackmail"),
    ],
)  # fmt: skip
def test_two_periods_agree_with_gambit(case, instrument):
    # The two-period game as a Gambit tree (D strategic, information sets by public
    # history), solved by logit_solve, against backscratch's backward induction on its
    # belief grid with the target's noise 1e-4: the same first move, the same responses to
    # it, the same punishments, the same second move after a yes.
    from backscratch.game.extensive import backscratch_two_period, gambit_two_period

    sc = scenario(**GAMBIT_MENU, **case)
    g, b = gambit_two_period(sc), backscratch_two_period(sc)
    a = b["first"]
    assert g["first"] == a and g["first_probabilities"][a] > 0.999
    assert Menu.from_scenario(sc).instrument[a] == instrument
    mu = sc.target.prior_pliable
    if a in b["comply"]:
        assert g["comply"][a] == pytest.approx(b["comply"][a], abs=1e-4)
        # a punishment decision is compared where the path reaches it (the end of the logit
        # branch refines only what is reached with some probability)
        resisted = mu * (1 - b["comply"][a][0]) + (1 - mu) * (1 - b["comply"][a][1])
        if a in b["carry"] and resisted > 1e-3:
            assert g["carry"][a] == pytest.approx(b["carry"][a], abs=1e-4)
    assert g["second_after_yes"] == b["second_after_yes"]


@pytest.mark.parametrize("price", [0.8, 1.2])
def test_two_periods_with_d_reliability_typed_agree_with_gambit(price):
    # The same tree with D's reliability its private type (nature draws it; each type of D
    # a player that decides whether to deliver; D's action blind to its type): Gambit's
    # logit_solve and backscratch agree on the first move (the offer), the target's
    # responses, each type's delivery in the first period — the opportunist delivers, for
    # reputation, although reneging would save it the price — and the second move after
    # a delivered exchange.
    from backscratch.game.extensive import backscratch_two_period, gambit_two_period

    sc = scenario(**GAMBIT_MENU, **{"strategic.renege_costs": [5.0, 0.0],
                                    "strategic.choice_noise": 0.05, "offer.price": price})  # fmt: skip
    g, b = gambit_two_period(sc), backscratch_two_period(sc)
    a = b["first"]
    assert g["first"] == a and g["first_probabilities"][a] > 0.999
    assert Menu.from_scenario(sc).instrument[a] == "backscratching"
    assert g["comply"][a] == pytest.approx(b["comply"][a], abs=1e-4)
    assert g["deliver"][a] == pytest.approx(b["deliver"][a], abs=1e-4)
    assert b["deliver"][a][1] > 0.99  # the opportunist delivers in the first period
    assert g["second_after_yes"] == b["second_after_yes"]


def test_equilibrium_out_writes_the_records_and_the_map_its_cells(tmp_path, capsys):
    import pyarrow.parquet as pq

    out = tmp_path / "eq"
    assert main(["equilibrium", "oye-dyad", "--runs", "30", "--set", "horizon=5", "--out",
                 str(out), "--format", "json"]) == 0  # fmt: skip
    printed = json.loads(capsys.readouterr().out)
    table = pq.read_table(out / "periods.parquet")
    assert table.num_rows == 30 * 5
    assert set(table.column("action").to_pylist()) == {printed["first_move"]["action"]}
    saved = json.loads((out / "equilibrium.json").read_text())
    assert saved["summary"] == printed["summary"] and "version" in saved
    from backscratch.core import store

    assert store.verify(out)["kind"] == "equilibrium"
    assert set(store.verify(out)["files"]) == {"periods.parquet", "scenario.yaml",
                                                "equilibrium.json"}  # fmt: skip
    cells = tmp_path / "map"
    assert main(["equilibrium", "oye-dyad", "--set", "horizon=5", "--map", "shadow=0.5,0.9",
                 "--map", "threat.punishment=1", "--out", str(cells)]) == 0  # fmt: skip
    assert pq.read_table(cells / "phase_map.parquet").num_rows == 2
    assert len(json.loads((cells / "phase_map.json").read_text())["cells"]) == 2
    assert store.verify(cells)["kind"] == "phase-map"
    assert main(["equilibrium", "oye-dyad", "--set", "horizon=5", "--out", str(cells)]) == 2
    assert "holds a phase-map result" in capsys.readouterr().err
    file = tmp_path / "file"
    file.write_text("x")
    assert main(["equilibrium", "oye-dyad", "--out", str(file)]) == 2
    assert "--out" in capsys.readouterr().err


def test_noisy_choices_are_a_logit_over_action_values():
    exact = solve(scenario(horizon=5))
    noisy = solve(scenario(horizon=5, **{"strategic.choice_noise": 0.05}))
    assert np.allclose(noisy.choice.sum(axis=1), 1.0)
    # period 0 at the prior: the logit of the action values, and its mode is the exact choice
    q = np.array([noisy.value_at(noisy.Q[0, a], 0.5) for a in range(len(noisy.menu))])
    shares = np.array([noisy.value_at(noisy.choice[0, a], 0.5) for a in range(len(noisy.menu))])
    want = np.exp((q - q.max()) / 0.05)
    assert np.allclose(shares, want / want.sum(), atol=1e-6)
    assert int(np.argmax(shares)) == exact.action_at(0, 0.5)
    loud = solve(scenario(runs=400, horizon=5, **{"strategic.choice_noise": 1.0}))
    first = GameModel(loud.scenario, loud).run().records["action"][0]
    # play draws from the choice probabilities: the modal action's share matches them
    mode = int(np.argmax([loud.value_at(loud.choice[0, a], 0.5) for a in range(len(loud.menu))]))
    share = loud.value_at(loud.choice[0, mode], 0.5)
    assert share < 0.9 and np.mean(first == mode) == pytest.approx(share, abs=0.08)


def test_the_menu_can_be_set_from_the_command_line(capsys):
    args = ["equilibrium", "oye-dyad", "--runs", "20", "--set", "horizon=3", "--format", "json",
            "--set", "strategic.instruments=[none,backscratching]",
            "--set", "strategic.demand_factors=[1]", "--set", "strategic.price_factors=[1,1.5]"]  # fmt: skip
    assert main(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["diagnostics"]["actions"] == 3  # none + one demand x two prices
    assert data["first_move"]["instrument"] == "backscratching"
    assert main(["equilibrium", "oye-dyad", "--set", "schedule=[{policy: blackmail}]"]) == 2
    assert "--set schedule: expected a value or a list of values" in capsys.readouterr().err


def test_the_noise_limit_settles():
    from backscratch.game.api import noise_limit

    rows = noise_limit(scenario(**{"threat.execution_cost": 0.0, "threat.punishment": 1.5}))
    assert [r["noise"] for r in rows] == pytest.approx([0.08, 0.04, 0.02, 0.01])
    # the same first move at every noise, met ever more surely, its value converging
    assert len({r["action"] for r in rows}) == 1
    coop = [r["cooperation"] for r in rows]
    assert coop == sorted(coop) and coop[-1] > 0.999 > coop[0]
    pay = [r["demander_payoff"] for r in rows]
    assert abs(pay[-1] - pay[-2]) < 0.1 * abs(pay[1] - pay[0])


# --- D's private cost: credibility as an equilibrium outcome -------------------------------

REPUTATION = {
    "strategic.cost_types": [0.1, 1.0], "strategic.choice_noise": 0.05,
    "strategic.objective": "leader", "domestic.audience_cost": 0.5, "domestic.hawk_bias": 0.0,
    "domestic.promise_cost": 0.0, "threat.punishment": 2.0, "solver.belief_grid": 51,
    "third_parties.count": 0,
}  # fmt: skip
"""Two types of D: the low-cost one strictly prefers carrying out (k P = 0.2 < the audience
cost 0.5), the high-cost one strictly prefers backing down (k P = 2 > 0.5) when nothing is
left to learn. No third parties: they are not players of the game yet and judge D by
``threat.execution_cost``."""


@pytest.fixture(scope="module")
def reputation():
    return solve(scenario(horizon=4, **REPUTATION))


@pytest.mark.parametrize(("j", "k"), [(-1, 0.1), (0, 1.0)])
def test_a_belief_about_d_that_is_certain_is_the_known_cost_game(reputation, j, k):
    # When observers are sure of D's type (belief 1 or 0) nothing is learnt from what D does,
    # so that slice of the private-cost game is the known-cost game with that cost.
    sc = reputation.scenario
    known = solve(sc.with_updates(**{"strategic.cost_types": [], "threat.execution_cost": k}))
    i = 0 if j == -1 else 1
    assert np.allclose(reputation.comply[:, :, :, j], known.comply[:, :, :, 0], atol=1e-9)
    assert np.allclose(reputation.carry[:, :, i, j], known.carry[:, :, 0, 0], atol=1e-9)
    assert np.allclose(reputation.V[:, i, j], known.V[:, 0, 0], atol=1e-9)
    assert np.allclose(reputation.Q[:, :, j], known.Q[:, :, 0], atol=1e-9)


def test_in_the_last_period_each_type_carries_out_by_its_own_cost(reputation):
    # No future: a resisted threat is carried out by the logit of audience cost - k P.
    s, last = reputation, reputation.scenario.horizon - 1
    th = s.menu.threat
    for i, k in enumerate(s.scenario.strategic.cost_types):
        want = 1 / (1 + np.exp(-(0.5 - k * s.menu.punishment) / 0.05))
        assert np.allclose(s.carry[last, th, i], want[th][:, None, None], atol=1e-9)


def test_a_high_cost_d_bluffs_early_to_keep_its_reputation(reputation):
    # Kreps & Wilson (1982), Milgrom & Roberts (1982): a D that would back down if nothing
    # were left to learn carries out resisted threats early, because being thought the
    # low-cost type makes later threats work; the bluff fades as the horizon nears.
    s = reputation
    a = int(np.flatnonzero(s.menu.threat & ~s.menu.offer)[0])
    j, g = 5, 25  # belief 0.5 about D and about the target
    myopic = 1 / (1 + np.exp(-(0.5 - 1.0 * s.menu.punishment[a]) / 0.05))
    bluff = s.carry[:, a, 1, j, g]
    assert myopic < 1e-9 and bluff[0] > 0.035  # about 0.07
    assert bluff[0] > 10 * bluff[2] and bluff[-1] < 1e-9
    # and what D is believed to be moves its choice: threats when thought low-cost, offers
    # when thought high-cost
    assert s.choice_at(0, 0.5, nu=1.0)["instrument"] == "blackmail"
    assert s.choice_at(0, 0.5, nu=0.0)["instrument"] == "backscratching"
    d = s.diagnostics()
    assert d["unsettled_cells"] < 0.05 and d["residual"] < 1e-8


def test_play_draws_d_types_and_moves_the_belief_about_d_by_bayes_rule(reputation):
    s = reputation
    r = GameModel(s.scenario.with_updates(runs=400), s).run()
    rec = r.records
    assert set(np.unique(r.d_cost)) == {0.1, 1.0}
    assert abs(np.mean(r.d_cost == 0.1) - 0.5) < 0.1
    nu = rec["d_belief"]
    assert np.all(nu[0] == 0.5)
    punished = rec["punished"][:-1] == 1
    backed = rec["backed_down"][:-1] == 1
    moved = nu[1:] - nu[:-1]
    assert punished.any() and backed.any()
    assert np.all(moved[punished] > 0) and np.all(moved[backed] < 0)
    assert np.all(moved[~(punished | backed)] == 0)
    # the low-cost type carries out far more of its resisted threats
    resisted = (rec["punished"] + rec["backed_down"]) == 1
    low = np.broadcast_to(r.d_cost == 0.1, resisted.shape)
    rate = [rec["punished"][resisted & (low == side)].mean() for side in (True, False)]
    assert rate[0] > 0.9 and rate[1] < 0.5 * rate[0]


def test_private_cost_types_are_checked():
    with pytest.raises(bs.ScenarioError, match="choice_noise: must be > 0 with two cost_types"):
        scenario(**{"strategic.cost_types": [0.1, 1.0]})
    with pytest.raises(bs.ScenarioError, match="the low cost first"):
        scenario(**{"strategic.cost_types": [1.0, 0.1], "strategic.choice_noise": 0.05})
    with pytest.raises(bs.ScenarioError, match="give two costs"):
        scenario(**{"strategic.cost_types": [0.1]})


def test_the_command_reports_each_types_carrying_out(capsys):
    sets = [a for k, v in REPUTATION.items() for a in ("--set", f"{k}={json.dumps(v)}")]
    args = ["equilibrium", "oye-dyad", "--runs", "50", "--set", "horizon=4", "--format", "json"]
    assert main([*args, *sets]) == 0
    data = json.loads(capsys.readouterr().out)
    low, high = data["reputation"]["carry"]
    assert min(low) > 0.99 and high[0] > 0.035 and high[-1] < 1e-9
    d = data["diagnostics"]
    assert d["reputation_grid"] == 11 and 0 <= d["unsettled_cells"] < 0.05
    assert "final_d_belief" in data["summary"]


def test_a_phase_map_with_a_folder_resumes_and_is_bit_identical(tmp_path, monkeypatch):
    import backscratch.game.api as gapi

    sc = scenario(horizon=3)
    axes = {"threat.punishment": [0.5, 2.0], "shadow": [0.5, 0.9]}
    whole = phase_map(sc, axes=axes)
    out = tmp_path / "map"
    first = phase_map(sc, axes=axes, out=out)
    assert first.rows == whole.rows and len(list((out / "cells").glob("cell-*.json"))) == 4
    # a run cut short: one cell lost, another half-written; only those two are solved again
    (out / "cells" / "cell-00001.json").unlink()
    (out / "cells" / "cell-00002.json").write_text('{"cell": 2, "ro')
    (out / "cells" / ".cell-00003.json.tmp.part").write_text("x")
    solved = []
    real = gapi.map_cell
    monkeypatch.setattr(gapi, "map_cell", lambda args: solved.append(args[0]) or real(args))
    again = phase_map(sc, axes=axes, out=out)
    assert sorted(solved) == [1, 2] and again.rows == whole.rows
    assert not list((out / "cells").glob(".*.part"))
    with pytest.raises(bs.ScenarioError, match="holds a different phase map"):
        phase_map(sc, axes={"threat.punishment": [0.5], "shadow": [0.5]}, out=out)


@pytest.mark.parametrize("shadow", [0.5, 0.9])
def test_the_stationary_game_by_value_iteration(shadow):
    """``strategic.stationary``: value iteration converges (to 1e-10) and its values are a
    fixed point of one more period; at a short shadow (0.5, where 0.5^40 is negligible) it
    is the 40-period game's first period to 1e-8; at the reference shadow 0.9 the stationary
    values exceed the 40-period ones by about what the lost tail is worth (19.88 -> 20.18)."""
    from backscratch.game.model import backward

    sc = bs.load_scenario("oye-dyad").with_updates(shadow=shadow)
    st = solve(sc.with_updates(**{"strategic.stationary": True}))
    d = st.diagnostics()
    assert d["stationary"] and d["value_change"] <= 1e-10 and d["iterations"] > 10
    again = backward(sc.model_copy(update={"horizon": 1}),
                     terminal=(st.V[0], st.N[0], st.W[0]))  # fmt: skip
    assert np.abs(again.V[0] - st.V[0]).max() < 1e-8
    assert np.abs(again.W[0] - st.W[0]).max() < 1e-8
    assert (st.Q == st.Q[:1]).all()  # one policy in every period
    finite = solve(sc)
    if shadow == 0.5:
        np.testing.assert_allclose(st.Q[0], finite.Q[0], atol=1e-8)
    else:
        mu = sc.target.prior_pliable
        gain = st.value_at(st.N[0], mu) - finite.value_at(finite.N[0], mu)
        assert 0.1 < gain < 0.6  # 0.30: the value of periods 41 onwards


# D's reliability as its private type (strategic.renege_costs): a reliable D (reneging
# costs it 5, far above any reward of the menu, at most 1.5 x 0.8 = 1.2) and an
# opportunist (reneging costs it nothing).
RELIABILITY = {
    "strategic.renege_costs": [5.0, 0.0],
    "strategic.choice_noise": 0.05,
    "strategic.reputation_grid": 5,
    "solver.belief_grid": 51,
}


def _priced_offer(s):
    m = s.menu
    return next(a for a in range(len(m)) if m.offer[a] and m.price[a] > 0)


def test_reliability_types_that_both_always_deliver_are_the_known_reliable_game():
    """Renege costs far above every reward: both types deliver, nothing is learned, and
    the game is the one with rewards delivered for sure (``offer.reliability`` 1) — at
    every period, action and belief, to rounding. This also checks that solving the
    target's programme with the per-row continuation on the compliance side (the roles of
    complying and resisting swapped, ``dyad.stage.respond``) is the same programme."""
    base = {"strategic.choice_noise": 0.05, "horizon": 4, "solver.belief_grid": 51}
    known = solve(scenario(**base, **{"offer.reliability": 1.0}))
    both = solve(scenario(**base, **{"strategic.renege_costs": [60.0, 50.0],
                                     "strategic.reputation_grid": 5}))  # fmt: skip
    for j in range(5):
        assert np.abs(known.Q[:, :, 0] - both.Q[:, :, j]).max() < 1e-9
        assert np.abs(known.comply[:, :, :, 0] - both.comply[:, :, :, j]).max() < 1e-9
    assert both.deliver[:, _priced_offer(both)].min() > 0.999


def test_the_opportunist_delivers_to_keep_its_reputation_and_reneges_at_the_end():
    """Kreps & Wilson's chain store with the roles of promise and threat: an opportunist
    saves the price by reneging, and does so in the last period (no future offers to
    buy); before it, while observers are unsure (belief 0.5 that D is reliable), it
    delivers, because reneging would reveal it and cost the cooperation its future offers
    buy. Where the public is sure it is the opportunist (belief 0) there is nothing to
    keep, and it reneges from the first period."""
    s = solve(scenario(horizon=6, **RELIABILITY))
    a, H = _priced_offer(s), 6
    opportunist = [s.value_at(s.deliver[t, a, 1], 0.5, 0.5) for t in range(H)]
    assert min(opportunist[:-1]) > 0.95 and opportunist[-1] < 0.05
    assert s.value_at(s.deliver[0, a, 1], 0.5, 0.0) < 0.05
    assert s.deliver[:, a, 0].min() > 0.99  # the reliable type always delivers
    # the target trusts a D of good reputation: it complies far more with the offer at
    # belief 1 about D than at belief 0 in the first period
    trusted = s.value_at(s.comply[0, a, 0], 0.5, 1.0)
    distrusted = s.value_at(s.comply[0, a, 0], 0.5, 0.0)
    assert trusted > distrusted + 0.3


def test_play_reveals_the_opportunist_when_it_reneges():
    """Equilibrium play draws D's type (prior ``strategic.prior_reliable``); in the last
    period the opportunist's complied-with offers go unpaid and the reliable type's are
    paid, and the public belief about D ends near the truth for each."""
    sc = scenario(runs=2000, horizon=4, **RELIABILITY)
    r = GameModel(sc).run()
    rec, opp = r.records, r.d_renege_cost == 0.0
    assert 800 < opp.sum() < 1200  # prior 0.5
    paid = rec["transfer"][-1] > 0
    priced = (rec["price"][-1] > 0) & (rec["response"][-1] == 1)
    assert paid[priced & opp].mean() < 0.05 and paid[priced & ~opp].mean() > 0.95
    assert r.final_d_belief[opp].mean() < 0.1 and r.final_d_belief[~opp].mean() > 0.9
    assert 0.3 < r.summary()["delivery"] < 0.99


def test_a_guarantor_delivers_so_nothing_is_learned_about_d():
    """With a guarantor holding the goods (P6), delivery is not D's choice: rewards are
    paid at the guarantor's reliability and the belief about D never moves."""
    sc = scenario(runs=2000, horizon=3, **RELIABILITY, **{"mediation.guarantor": True})
    r = GameModel(sc).run()
    assert np.all(r.records["d_belief"] == sc.strategic.prior_reliable)
    share, n = r.summary()["delivery"], 2000 * 3
    se = (sc.mediation.reliability * (1 - sc.mediation.reliability) / n) ** 0.5
    assert abs(share - sc.mediation.reliability) < 4 * se + 0.01
    # and it stands in for a reputation: a D known to be an opportunist buys almost no
    # cooperation by itself, almost all of it with a guarantor
    known = {**RELIABILITY, "strategic.prior_reliable": 0.0}
    alone = GameModel(scenario(runs=1000, horizon=3, **known)).run().summary()
    held = GameModel(scenario(runs=1000, horizon=3, **known, **{"mediation.guarantor": True}))
    assert alone["cooperation_rate"] < 0.1 < 0.9 < held.run().summary()["cooperation_rate"]


def test_reliability_types_are_checked():
    with pytest.raises(bs.ScenarioError, match="choice_noise: must be > 0 with two renege"):
        scenario(**{"strategic.renege_costs": [5.0, 0.0]})
    with pytest.raises(bs.ScenarioError, match=r"the reliable type's \(higher\) cost first"):
        scenario(**{"strategic.renege_costs": [0.0, 5.0], "strategic.choice_noise": 0.05})
    with pytest.raises(bs.ScenarioError, match="renege_costs: give two costs"):
        scenario(**{"strategic.renege_costs": [5.0]})
    with pytest.raises(bs.ScenarioError, match="stationary: not with renege_costs"):
        scenario(**{"strategic.renege_costs": [5.0, 0.0], "strategic.stationary": True,
                    "strategic.choice_noise": 0.05})  # fmt: skip
    with pytest.raises(bs.ScenarioError, match="one private trait of D at a time"):
        scenario(**{"strategic.renege_costs": [5.0, 0.0], "strategic.cost_types": [0.1, 1],
                    "strategic.choice_noise": 0.05})  # fmt: skip


WATCHED = {"third_parties.update_belief": True, "third_parties.entry_cost": 0.2}
"""Third parties watched, and cheap enough to enter that about one comes a period."""


@pytest.mark.parametrize("instrument", ["blackmail", "backscratching", "mixed"])
def test_with_watched_encounters_a_one_action_game_is_the_dyads_programme(instrument):
    """With one action on the menu (D's demand fixed, a threat it carries out for free),
    the game's target is the dyad's under that policy with the entrants watched: the same
    compliance in every period and cell (1e-12). Watching moves the dyad's own table by up
    to 0.73 under threats, so a game that left the encounters out would fail."""
    over = {
        **WATCHED, "horizon": 8, "threat.execution_cost": 0.0, "threat.credibility": 1.0,
        "strategic.instruments": [instrument], "strategic.demand_factors": [1.0],
        "strategic.price_factors": [1.0], "strategic.choice_noise": 0.0,
        "demander.demand_rule": "fixed", "policy": instrument, "solver.belief_grid": 101,
    }  # fmt: skip
    sc = scenario(**over)
    game = solve(sc).comply[:, 0, :, 0]
    dyad = StageGame.from_scenario(sc, plan_for(sc)).solve(sc.shadow)
    assert np.abs(game - dyad).max() < 1e-12
    if instrument == "blackmail":
        unwatched = sc.with_updates(**{"third_parties.update_belief": False})
        before = StageGame.from_scenario(unwatched, plan_for(unwatched)).solve(sc.shadow)
        assert np.abs(dyad - before).max() > 0.3


def test_play_with_watched_encounters_earns_d_its_solved_value():
    """D (none or blackmail, its threats free to carry out) at the prior: its solved value
    with the entrants watched equals the mean discounted payoff of 100,000 runs of play,
    in which the entrants come after each exchange and move the belief, within 4 standard
    errors and 0.01 (play interpolates between grid beliefs). Watching raises the value
    from 11.22 to 12.28 — the encounters spread the belief, and D's value is convex in it
    — so a solver or a player that left either side out would fail. Unwatched, the game
    does not play the entrants (their entries are reported as none)."""
    over = {
        **WATCHED, "horizon": 8, "solver.belief_grid": 201, "threat.execution_cost": 0.0,
        "threat.punishment": 1.5, "strategic.instruments": ["none", "blackmail"],
    }  # fmt: skip
    sc = scenario(runs=100_000, **over)
    played = equilibrium(sc)
    eq = played.solution
    value = eq.value_at(eq.V[0], sc.target.prior_pliable)
    d = played.discounted("payoff_demander")
    assert abs(d.mean() - value) < 4 * d.std() / np.sqrt(d.size) + 0.01
    assert played.summary()["entries_per_period"] > 0.5
    unwatched = sc.with_updates(**{"third_parties.update_belief": False}, runs=300)
    alone = equilibrium(unwatched)
    assert value > alone.solution.value_at(alone.solution.V[0], 0.5) + 0.5
    assert alone.summary()["entries_per_period"] is None
    assert not alone.records["entries"].any()


def test_with_watched_encounters_the_pliable_target_gets_its_solved_value():
    """The target's side of play with the entrants watched (D pays, free threats at P = 1,
    entry cost 0.2): the pliable type's solved value at the prior (-12.51) is the mean
    discounted payoff of its runs within 4 standard errors and 0.1 (its shocks' option
    value, with `target.noise` 0.02). The entrants it meets after showing itself pliable
    are most of that: unwatched (entrants coming first and learning nothing) its value is
    -1.18, so a game that left the encounters out of play or of the value would fail."""
    over = {
        **WATCHED, "threat.execution_cost": 0.0, "threat.punishment": 1.0, "target.noise": 0.02,
    }  # fmt: skip
    played = equilibrium(scenario(runs=20_000, **over))
    eq = played.solution
    value = eq.value_at(eq.W[0], 0.5)
    mine = played.discounted("payoff_target")[played.pliable]
    assert abs(mine.mean() - value) < 4 * mine.std() / np.sqrt(mine.size) + 0.1
    unwatched = solve(scenario(**{**over, "third_parties.update_belief": False}))
    assert unwatched.value_at(unwatched.W[0], 0.5) > value + 5.0

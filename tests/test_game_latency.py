"""Latency in the demander's-choice game (issue 15, item 1; ``hedging.mode: choice`` with
``hedging.investment_observed``): the target chooses its capacity in the game's state, the
public reads the level it runs, and D weighs the latency its threats and offers lead the
target to build (docs/model.md, The demander's choice, Latency). Free threats (execution
cost 0, P = 1.5) over 10 periods unless a test names a change: there D threatens, so
latency has something to deter."""

from __future__ import annotations

import numpy as np
import pytest

import backscratch as bs
from backscratch.cli import main
from backscratch.game.model import GameModel, solve

FREE = {"threat.execution_cost": 0.0, "threat.punishment": 1.5, "horizon": 10}
READ = {"hedging.mode": "choice", "hedging.investment_observed": True}


def _game(runs=2000, **over):
    return bs.load_scenario("oye-dyad", runs=runs).with_updates(**FREE, **READ, **over)


def test_with_nothing_to_invest_the_game_is_the_game_without_latency():
    """One capacity level of 0 and no deterrence: at latency 0, the only latency play
    reaches, D's action values, its policy and the target's compliance are those of the
    game with latency out of its state (within 1e-12; 6 periods). Off it, D's values differ
    by up to 0.7 (it pays `cost_to_demander` for latency held), so the grid is not one
    point."""
    flat = {"hedging.threat_sensitivity": 0.0, "hedging.relationship_sensitivity": 0.0,
            "hedging.rollback": 0.0, "hedging.base": 0.0}  # fmt: skip
    sc = bs.load_scenario("oye-dyad").with_updates(**{**FREE, "horizon": 6})
    rule = solve(sc.with_updates(**flat))
    lat = solve(sc.with_updates(**READ, **{"hedging.capacity_levels": [0.0]}))
    assert np.abs(lat.Q[:, :, 0] - rule.Q[:, :, 0]).max() < 1e-12
    assert np.array_equal(lat.choice[:, :, 0], rule.choice[:, :, 0])
    assert np.abs(lat.comply[..., 0, :] - rule.comply[..., 0, :]).max() < 1e-12
    assert np.abs(lat.Q[:, :, 1:] - rule.Q[:, :, :1]).max() > 0.5


def test_ds_solved_value_is_the_mean_of_play():
    """D's value of the game at the start, solved over (latency, belief), against its mean
    discounted payoff in play (50,000 runs; within 4 SE + 0.01): 15.107 against 15.101,
    SE 0.011. D's side must read the programme as play does: valuing each type's best
    level at the unread belief instead puts play 0.14 below the solution, and play that
    does not update the belief on the level run, 1.56."""
    sc = _game(runs=50000, **{"hedging.deterrence": 1.0})
    s = solve(sc)
    records = GameModel(sc, s).run().records
    d = (records["payoff_demander"] * sc.shadow ** np.arange(sc.horizon)[:, None]).sum(axis=0)
    solved = s.value_at(s.V[0, 0], sc.target.prior_pliable, s.d_prior)
    se = d.std() / np.sqrt(d.size)
    assert abs(solved - d.mean()) < 4 * se + 0.01
    assert records["latency"][-1].mean() > 0.2  # the target does build latency


def test_latency_that_deters_makes_d_threaten_less():
    """As latency blunts punishment more (β = `hedging.deterrence` 0, then 2), D threatens
    in fewer periods (1.00, then 0.60), offers in more, earns less (15.58, then 14.97) and
    the target more (-4.75, then -1.28): the deterrent latency buys is priced into D's
    choice of instrument."""
    at = {}
    for beta in (0.0, 2.0):
        sc = _game(**{"hedging.deterrence": beta})
        at[beta] = GameModel(sc, solve(sc)).run().summary()
    assert at[0.0]["threat_share"] > 0.95 and at[2.0]["threat_share"] < 0.75
    assert at[2.0]["demander_payoff"] < at[0.0]["demander_payoff"] - 0.3
    assert at[2.0]["target_payoff"] > at[0.0]["target_payoff"] + 2.0
    assert at[0.0]["final_latency"] < 0.01 and at[2.0]["final_latency"] > 0.2


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--set", "hedging.mode=choice"], "hedging.investment_observed: the demander's-choice game with latency"),
        (["--set", "hedging.mode=choice", "--set", "hedging.investment_observed=true",
          "--set", "target.resolute=strategic"], "target.resolute: strategic is built for"),
        (["--set", "hedging.mode=choice", "--set", "hedging.investment_observed=true",
          "--set", "strategic.cost_types=[0,1]", "--set", "strategic.choice_noise=0.05"],
         "strategic.cost_types: not built with hedging.mode: choice"),
    ],
)  # fmt: skip
def test_what_the_latency_game_does_not_build_is_a_one_line_error(extra, message, capsys):
    code = main(["equilibrium", "oye-dyad", "--set", "horizon=3", *extra])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1

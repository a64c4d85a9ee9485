"""Third parties who best-respond to equilibrium play and who may offer instead of threaten
(issue 14, item 10; ``third_parties.entry``, ``third_parties.instrument``; docs/model.md,
Third parties). At the reference scenario ``oye-dyad`` unless a test names a change."""

from __future__ import annotations

import numpy as np
import pytest

import backscratch as bs
from backscratch.dyad import _kernels as kernels
from backscratch.dyad.params import Params


def _summary(policy="blackmail", runs=4000, **over):
    return bs.run("oye-dyad", policy=policy, runs=runs, overrides=over).summary()


def _params(**over) -> Params:
    return Params.from_scenario(bs.load_scenario("oye-dyad", overrides=over))


def test_best_response_entry_is_the_rule_when_the_rule_is_right():
    """With replies of exactly 1 (pliable) and 0 (resolute) the best-response gain is the
    rule's; the entry probabilities agree to rounding at every belief."""
    mu = np.linspace(0, 1, 11)
    x = 0.3 + 0.7 * mu
    rule = kernels.entry_chance(mu, x, 1.0 + 0 * x, 1.0 + 0 * x, False, _params())
    # a resolute type that never gives in and a pliable one that always does: huge
    # resolve on one side, none and a large punishment on the other
    sharp = _params(**{"target.noise": 1e-4, "target.resolve_resolute": 50.0,
                       "target.resolve_pliable": 0.0, "third_parties.entry": "best_response"})  # fmt: skip
    br = kernels.entry_chance(mu, x, 1.0 + 0 * x, 1.0 + 0 * x, False, sharp)
    np.testing.assert_allclose(br, rule, atol=1e-12)


def test_entrants_who_best_respond_stay_out_where_no_one_gives_in():
    """At punishment 0.2 no type meets an entrant's threat (0.6 x 0.2 is below either type's
    cost of a concession), so best-responding entrants stay out; the rule, which assumes the
    pliable type gives in, still sends some (0.0098 a period). At the reference the two
    hardly differ (0.0313 against 0.0315)."""
    rule = _summary(**{"threat.punishment": 0.2})["entries_per_period"]
    br = _summary(**{"threat.punishment": 0.2, "third_parties.entry": "best_response"})
    assert rule > 0.005
    assert br["entries_per_period"] < 0.05 * rule
    ref_rule = _summary()["entries_per_period"]
    ref_br = _summary(**{"third_parties.entry": "best_response"})["entries_per_period"]
    assert ref_br == pytest.approx(ref_rule, rel=0.1)


def test_paying_entrants_make_giving_in_to_threats_pay():
    """When third parties come with offers, not threats, looking pliable attracts paying
    entrants, so the forward-looking pliable type gives in to D's threats to look pliable:
    blackmail's cooperation rises from 0.27 to 0.95. A myopic target, which has no
    reputation to invest in, answers D exactly as before."""
    threat = _summary()["cooperation_rate"]
    offer = _summary(**{"third_parties.instrument": "offer"})
    assert threat < 0.35 and offer["cooperation_rate"] > 3 * threat
    assert offer["entries_per_period"] > 10 * _summary()["entries_per_period"]
    assert offer["third_party_payoff"] > 0
    runs = 1000
    plain = bs.run("oye-dyad", policy="blackmail", runs=runs,
                   overrides={"target.strategy": "myopic"}).records  # fmt: skip
    paid = bs.run("oye-dyad", policy="blackmail", runs=runs,
                  overrides={"target.strategy": "myopic",
                             "third_parties.instrument": "offer"}).records  # fmt: skip
    np.testing.assert_array_equal(plain["response"], paid["response"])


def test_entrant_offers_are_paid_with_the_offers_reliability():
    """Met entrant offers are paid about ``offer.reliability`` of the time: the third
    parties' payoff is ``(v - R) x`` per paid concession and ``v x`` per unpaid one."""
    sc = bs.load_scenario("oye-dyad", runs=3000, overrides={
        "third_parties.instrument": "offer", "third_parties.count": 50})  # fmt: skip
    r = bs.run(sc, policy="backscratching").records
    met = r["entrant_complied"].astype(float)
    x = r["demand"]
    v, price, rho = sc.demander.value, sc.offer.price, sc.offer.reliability
    # pay_3 = v x met - R x delivered  =>  delivered = (v x met - pay_3) / (R x)
    delivered = (v * x * met - r["payoff_third_parties"]) / (price * x)
    assert met.sum() > 1000
    assert delivered.sum() / met.sum() == pytest.approx(rho, abs=0.02)


def test_entrant_offers_hold_capacity_back_and_the_replay_still_matches():
    """Under the hedging rule entrants' offers count as the relationship (capacity forgone),
    not as threats faced; the hedging replay gives the simulation's stocks bit for bit."""
    from backscratch.dyad.model import replay_hedging

    over = {"third_parties.instrument": "offer", "third_parties.count": 20}
    sc = bs.load_scenario("oye-dyad", runs=500, overrides=over)
    played = bs.run(sc, policy="blackmail")
    again = sc.with_updates(**{"hedging.relationship_sensitivity": 0.3})
    replay = replay_hedging(played, again)
    full = bs.run(again, policy="blackmail").records
    np.testing.assert_array_equal(replay["capacity"], full["capacity"])
    np.testing.assert_array_equal(replay["latency"], full["latency"])
    threats = bs.run(sc.with_updates(**{"third_parties.instrument": "threat"}), policy="blackmail")
    assert played.records["capacity"][-1].mean() < threats.records["capacity"][-1].mean()


def test_entrants_who_choose_threaten_a_target_that_looks_pliable_and_pay_one_that_does_not():
    """``instrument: choose``: an entrant threatens where a threat's expected gain beats an
    offer's. At the reference that is from belief 0.455 up (below it resistance is likely
    and costly); when carrying a threat out is dear (execution cost 5) only from 0.845. The
    hedging replay still matches the simulation, entrant by entrant."""
    from backscratch.dyad.model import replay_hedging
    from backscratch.dyad.stage import StageGame, plan_for

    def crossover(sc):
        offers = StageGame.from_scenario(sc, plan_for(sc, "blackmail")).entrants_offer()
        grid = np.linspace(0, 1, len(offers))
        assert offers[: np.argmin(offers)].all() and not offers[np.argmin(offers) :].any()
        return grid[np.argmin(offers)]

    sc = bs.load_scenario("oye-dyad", runs=500, overrides={"third_parties.instrument": "choose"})
    assert 0.4 < crossover(sc) < 0.5
    dear = sc.with_updates(**{"threat.execution_cost": 5.0, "third_parties.count": 20})
    assert crossover(dear) > 0.8
    played = bs.run(dear, policy="blackmail")
    again = dear.with_updates(**{"hedging.relationship_sensitivity": 0.3})
    replay = replay_hedging(played, again)
    full = bs.run(again, policy="blackmail").records
    np.testing.assert_array_equal(replay["capacity"], full["capacity"])
    assert not np.array_equal(played.records["capacity"], full["capacity"])


UPDATE = {"third_parties.update_belief": True}


def test_encounter_values_match_a_direct_simulation_of_the_encounters():
    """The pliable type's expected continuation after the encounters
    (``kernels.encounter_values``: a multinomial over met, refused and stayed out, in log
    space) equals a Monte Carlo of the encounters themselves — n entrants, each entering
    with probability e and met with the pliable type's reply, the belief updated by Bayes'
    rule from both types' replies — at every belief tried, within 4 standard errors."""
    p = _params(**UPDATE, **{"third_parties.count": 3})
    grid = np.linspace(0.0, 1.0, 201)
    W = grid**2  # a convex value: the spread of the posterior matters, not only its mean
    x, e = 0.3 + 0.7 * 0.6, 0.35
    logs = np.array(kernels.reply_logs(x, 1.0, False, p))
    q_pl, q_re = np.exp(logs[0]), np.exp(logs[2])
    exact = np.empty(201)
    kernels.encounter_values(grid, W, 3, np.full(201, e), np.repeat(logs[:, None], 201, 1), exact)
    rng = np.random.default_rng(7)
    n_draws = 200_000
    entered = rng.random((n_draws, 3)) < e
    met = (entered & (rng.random((n_draws, 3)) < q_pl)).sum(axis=1)
    refused = entered.sum(axis=1) - met
    for g in (20, 100, 160):
        mu = grid[g]
        lo = (
            np.log(mu / (1 - mu))
            + met * np.log(q_pl / q_re)
            + refused * np.log((1 - q_pl) / (1 - q_re))
        )
        post = 1 / (1 + np.exp(-lo))
        vals = np.interp(post, grid, W)
        assert abs(exact[g] - vals.mean()) < 4 * vals.std() / np.sqrt(n_draws) + 1e-12
    assert exact[100] > W[100] + 1e-3  # the encounters spread the belief: W convex


def test_without_third_parties_watching_encounters_changes_nothing():
    """With no third parties, ``update_belief`` reorders nothing that exists: the target's
    compliance and its play are the default's (compliance to 1e-12; the same responses)."""
    over = {"third_parties.count": 0}
    sc = bs.load_scenario("oye-dyad", runs=500, overrides=over)
    off = bs.run(sc, policy="mixed")
    on = bs.run(sc.with_updates(**UPDATE), policy="mixed")
    from backscratch.dyad.model import DyadModel

    assert (
        np.abs(
            DyadModel(sc, "mixed").compliance
            - DyadModel(sc.with_updates(**UPDATE), "mixed").compliance
        ).max()
        < 1e-12
    )
    np.testing.assert_array_equal(off.records["response"], on.records["response"])


def test_watched_encounters_make_giving_in_invite_other_demanders_at_the_reference():
    """P2 at the reference (delta = 0.9, blackmail): with the entrants coming before the
    exchange and unwatched, entries after compliance (0.030) are no higher than after
    resistance (0.033); watched, giving in invites eight times as many (0.133 against
    0.016), and the public tells the types apart further (mixed: final belief 0.89 for
    pliable targets, 0.10 for resolute, against 0.72 and 0.27)."""
    off, on = (_summary("blackmail", 2000, **o) for o in ({}, UPDATE))
    assert off["entries_after_compliance"] < off["entries_after_resistance"]
    assert on["entries_after_compliance"] > 4 * on["entries_after_resistance"]
    gaps = []
    for o in ({}, UPDATE):
        r = bs.run("oye-dyad", policy="mixed", overrides=o)
        b, pl = r.records["belief"][-1], np.asarray(r.pliable, bool)
        gaps.append(b[pl].mean() - b[~pl].mean())
    assert gaps[1] > 1.5 * gaps[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "oye-dyad", "--set", "third_parties.update_belief=true", "--set",
          "third_parties.count=101"], "third_parties.count: at most 100"),
    ],
)  # fmt: skip
def test_watched_encounters_bad_input_is_a_one_line_error(args, message, capsys):
    from backscratch.cli import main

    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_watched_encounters_stream_block_by_block_bit_for_bit():
    """A run of more than one random block with watched encounters equals the same runs
    simulated block by block on one solution of the target's programme (`run --out`,
    `sweep`)."""
    from backscratch.dyad.sweep import per_run_by_block

    sc = bs.load_scenario("oye-dyad", runs=4200).with_updates(**UPDATE, horizon=12)
    whole = bs.run(sc, policy="blackmail").per_run()
    blocks = per_run_by_block(sc, "blackmail")
    for key, col in whole.items():
        np.testing.assert_array_equal(col, blocks[key], err_msg=key)


@pytest.mark.parametrize("policy", ["blackmail", "mixed"])
def test_watched_encounters_with_hedging_as_the_targets_choice(policy):
    """In ``hedging.mode: choice`` too: with no third parties the programme is the one
    without watching (compliance to 1e-12, the same play), and with the reference's
    watched encounters it streams block by block bit for bit (the play to 1e-10 of the
    belief: the two programmes' tables agree to rounding, not to the bit)."""
    from backscratch.dyad.model import DyadModel
    from backscratch.dyad.sweep import per_run_by_block

    choice = {"hedging.mode": "choice", "hedging.deterrence": 1.0, "horizon": 12,
              "solver.latency_grid": 6}  # fmt: skip
    sc = bs.load_scenario("oye-dyad", runs=300, overrides={**choice, "third_parties.count": 0})
    a, b = DyadModel(sc, policy), DyadModel(sc.with_updates(**UPDATE), policy)
    assert np.abs(a.compliance - b.compliance).max() < 1e-12
    ra, rb = a.run().records, b.run().records
    for key in ("response", "capacity", "latency"):
        np.testing.assert_array_equal(ra[key], rb[key], err_msg=key)
    np.testing.assert_allclose(ra["belief"], rb["belief"], atol=1e-10)  # the table to 1e-13
    watched = bs.load_scenario("oye-dyad", runs=4200, overrides={**choice, **UPDATE})
    whole = bs.run(watched, policy=policy).per_run()
    blocks = per_run_by_block(watched, policy)
    for key, col in whole.items():
        np.testing.assert_array_equal(col, blocks[key], err_msg=key)

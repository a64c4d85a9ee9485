"""The model's other mechanisms on the reference scenario (``docs/model.md``, "What must be
true": P2, P4, P5, P6), and dated schedules."""

from __future__ import annotations

import numpy as np
import pytest

import backscratch as bs
from backscratch.cli import main
from backscratch.core.errors import ScenarioError
from backscratch.core.schema import load_scenario
from backscratch.dyad.results import Comparison
from backscratch.dyad.stage import plan_for


@pytest.fixture(scope="module")
def reference(oye):
    return bs.compare(oye, policies=["blackmail", "backscratching", "mixed"])


# ----------------------------------------------------------------------------- P2


def test_p2_contagion_at_the_reference_and_where_it_holds(reference, oye):
    """P2 as the model finds it (docs/model.md, P2). At the reference shadow δ = 0.9 it
    fails twice: within blackmail, entries after a compliance do not exceed entries after a
    resistance, and paid compliance draws third parties too — under the stable equilibria
    of the offers game, complying reveals the pliable type. It holds under offers where paid
    compliance carries no reputation (a myopic target)."""
    p = reference.summaries()
    bm, offers = p["blackmail"], p["backscratching"]
    assert bm["entries_after_compliance"] < bm["entries_after_resistance"] + 0.01
    assert offers["entries_per_period"] > 2 * bm["entries_per_period"] > 0.05
    myopic = bs.run(oye, policy="backscratching", overrides={"target.strategy": "myopic"})
    assert myopic.summary()["entries_per_period"] < 0.005


@pytest.mark.parametrize(
    ("shadow", "holds"),
    [(0.5, True), (0.6, True), (0.75, False), (0.85, False), (0.93, True), (0.97, True)],
)
def test_p2_within_blackmail_holds_outside_the_band_0_65_to_0_9(oye, shadow, holds):
    """Entries after a compliance exceed entries after a resistance (all else at the
    reference) for δ ≤ 0.64 and δ ≥ 0.91, and not in between (docs/model.md, P2, names
    the band). Each side is asserted with a 20–30% margin."""
    s = bs.run(oye, policy="blackmail", overrides={"shadow": shadow}).summary()
    after_yes, after_no = s["entries_after_compliance"], s["entries_after_resistance"]
    if holds:
        assert after_yes > 1.3 * after_no, (after_yes, after_no)
    else:
        assert after_yes < 0.8 * after_no, (after_yes, after_no)


@pytest.mark.parametrize("shadow", [0.5, 0.9])
def test_p2_entries_rise_with_the_number_of_watchers(oye, shadow):
    """More watchers, more entries — strongly at δ = 0.5, weakly at the reference δ = 0.9
    (0.031 a period with 2 watchers, 0.040 with 8), where the target resists harder the more
    watch."""
    entries = [
        bs.run(
            oye.with_updates(**{"third_parties.count": m, "shadow": shadow}), policy="blackmail"
        ).summary()["entries_per_period"]
        for m in (0, 2, 8)
    ]
    assert entries[0] == 0.0
    rise = 0.1 if shadow == 0.5 else 0.005
    assert entries[2] > entries[1] + rise > rise


def test_third_parties_deter_concessions(oye):
    """Forward-looking targets anticipate contagion: more watchers, less giving in to threats."""
    coop = [
        bs.run(oye.with_updates(**{"third_parties.count": m}), policy="blackmail").summary()[
            "cooperation_rate"
        ]
        for m in (0, 4)
    ]
    assert coop[1] < coop[0] - 0.1


# ------------------------------------------------------- price, not weakness (the ratchet)


def _offers(oye, link, strategy="forward_looking"):
    sc = oye.with_updates(
        runs=1000, **{"target.cost_resolve_link": link, "target.strategy": strategy}
    )
    return bs.run(sc, policy="backscratching").summary()


def test_a_paid_yes_reveals_type_only_when_cost_is_tied_to_resolve(oye):
    """With ``target.cost_resolve_link`` = 0 both types face the same offer: a myopic target's
    paid yes moves the belief not at all. Tie a quarter of resolve to the cost of complying
    and it does (the pliable type, cheaper, says yes more often)."""
    assert _offers(oye, 0.0, "myopic")["belief_jump_after_compliance"] == 0.0
    assert _offers(oye, 0.25, "myopic")["belief_jump_after_compliance"] > 0.01
    forward = [_offers(oye, k)["belief_jump_after_compliance"] for k in (0.0, 0.5)]
    assert forward[1] > 5 * forward[0] > 0  # the belief moves under offers


def test_the_ratchet_effect_forward_looking_targets_hide_a_low_cost(oye):
    """Freixas, Guesnerie & Tirole (1985): once a yes reveals a low cost, a forward-looking
    pliable type refuses offers it would take myopically, lest the demands ratchet up. At
    link 0 the forward-looking and myopic targets meet offers about equally (0.84 against
    0.86 at the reference); at link 0.5 the forward-looking one meets far fewer (0.27
    against 0.66) — offers then do no better than threats (0.27)."""
    gap = {
        k: _offers(oye, k, "myopic")["cooperation_rate"] - _offers(oye, k)["cooperation_rate"]
        for k in (0.0, 0.5)
    }
    assert abs(gap[0.0]) < 0.05
    assert gap[0.5] > 0.2
    assert _offers(oye, 0.5)["demand_growth_after_compliance"] > 5 * max(
        _offers(oye, 0.0)["demand_growth_after_compliance"], 1e-3
    )


# ----------------------------------------------------------------------------- P4


def test_p4_threats_feed_latency(reference, oye):
    p = reference.summaries()
    assert p["blackmail"]["final_latency"] > p["backscratching"]["final_latency"] + 0.5
    assert p["mixed"]["final_latency"] > p["backscratching"]["final_latency"] + 0.1
    assert p["blackmail"]["threshold_crossed_share"] > 0.9
    assert p["backscratching"]["threshold_crossed_share"] == 0.0
    # ...and rises with threat intensity (the punishment threatened).
    lat = [
        bs.run(oye.with_updates(**{"threat.punishment": pun}), policy="blackmail").summary()[
            "final_latency"
        ]
        for pun in (0.5, 1.0, 2.0)
    ]
    assert lat[0] < lat[1] < lat[2]


def test_honoured_exchanges_roll_latency_back(oye):
    sc = oye.with_updates(**{"hedging.initial": 1.0})
    lat = bs.run(sc, policy="backscratching").records["latency"]
    assert lat[-1].mean() < 0.7  # rollback for relief
    # Without rollback and without anyone threatening (no third parties), nothing moves it.
    quiet = sc.with_updates(**{"hedging.rollback": 0.0, "third_parties.count": 0})
    no_rollback = bs.run(quiet, policy="backscratching")
    np.testing.assert_allclose(no_rollback.records["latency"], 1.0, rtol=0, atol=1e-12)


# ----------------------------------------------------------------------------- P5


def test_p5_hawk_bias_locks_in_blackmail(reference, oye):
    pair = {p: reference[p] for p in ("blackmail", "backscratching")}
    two = Comparison(oye, pair)
    dom = two.domestic()
    star = dom["eta_star"]
    assert star is not None and star > 0
    assert dom["preferred_at_zero"] == "backscratching"
    below = two.domestic([0.0, 0.9 * star])["sweep"]
    above = two.domestic([1.1 * star, 3 * star])["sweep"]
    assert all(r["preferred"] == "backscratching" for r in below)
    assert all(r["preferred"] == "blackmail" for r in above)
    assert above[0]["cooperation_rate"] < below[0]["cooperation_rate"] - 0.3
    # eta* is exact: the leader is indifferent there.
    at = {p: r.leader_payoff(star) for p, r in pair.items()}
    assert at["blackmail"] == pytest.approx(at["backscratching"], rel=1e-9)


def test_p5_over_every_instrument(reference):
    """With all three instruments on the table the leader's η = 0 pick is the best payer
    abroad (mixed, at the reference) and η* is where blackmail overtakes it."""
    dom = reference.domestic()
    national = {p: reference[p].leader_payoff(0.0) for p in reference.policies}
    assert dom["preferred_at_zero"] == max(national, key=national.get) == "mixed"
    star = dom["eta_star"]
    assert star is not None and 0.5 < star < 5.0
    at = {p: reference[p].leader_payoff(star) for p in reference.policies}
    assert at["blackmail"] == pytest.approx(max(at.values()), rel=1e-9)
    assert reference[dom["preferred_at_zero"]].leader_payoff(0.95 * star) > reference[
        "blackmail"
    ].leader_payoff(0.95 * star)


def test_p5_eta_star_does_not_depend_on_the_unit_of_concession(oye):
    """Toughness is in payoff units, so measuring concessions in a unit ten times smaller
    (demands ×10, every per-unit value, cost, resolve and price ÷10) leaves play, payoffs
    and η* unchanged. In concession units η* would scale by ten."""
    a = 10.0
    base = oye.with_updates(runs=300)
    scaled = base.with_updates(
        **{
            "demander.demand": base.demander.demand * a,
            "demander.value": base.demander.value / a,
            "target.cost": base.target.cost / a,
            "target.resolve_pliable": base.target.resolve_pliable / a,
            "target.resolve_resolute": base.target.resolve_resolute / a,
            "offer.price": base.offer.price / a,
        }
    )
    pols = ["blackmail", "backscratching", "mixed"]
    one, ten = bs.compare(base, policies=pols), bs.compare(scaled, policies=pols)
    assert one.domestic()["eta_star"] == pytest.approx(ten.domestic()["eta_star"], rel=1e-6)
    for p in pols:
        assert one[p].leader_payoff(1.0) == pytest.approx(ten[p].leader_payoff(1.0), rel=1e-6)


def test_p5_broken_promises_cost_the_leader_of_offers_only(oye):
    """``domestic.promise_cost`` is charged per undelivered reward: it lowers the leader's
    payoff under offers by exactly cost × discounted broken promises, and leaves threats'."""
    cheap = oye.with_updates(runs=300, **{"domestic.promise_cost": 0.0})
    dear = cheap.with_updates(**{"domestic.promise_cost": 1.0})
    for policy, hit in (("backscratching", True), ("blackmail", False)):
        a, b = bs.run(cheap, policy=policy), bs.run(dear, policy=policy)
        broken = a.discounted(a.broken_promises()).mean()
        drop = a.leader_payoff(0.0) - b.leader_payoff(0.0)
        assert drop == pytest.approx(broken, rel=1e-9, abs=1e-12)
        assert (broken > 0.1) if hit else (broken == 0.0)


def test_p5_reported_by_compare(capsys):
    import json

    code = main(
        [
            "compare",
            "oye-dyad",
            "--policies",
            "blackmail,backscratching",
            "--runs",
            "400",
            "--eta",
            "0:3:4",
            "--format",
            "json",
        ]
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    dom = data["domestic"]
    assert [r["eta"] for r in dom["sweep"]] == [0.0, 1.0, 2.0, 3.0]
    # eta* from the records, by hand: the leader's payoff is A + eta * B per policy, with A
    # the discounted national payoff minus audience costs (empty threats and broken promises)
    # and B the discounted toughness in payoff units (value of the demands backed by threats
    # minus the rewards paid).
    sc = load_scenario("oye-dyad", {"runs": 400})
    w = sc.shadow ** np.arange(sc.horizon)
    d = sc.domestic
    line = {}
    for policy in ("blackmail", "backscratching"):
        r = bs.run(sc, policy=policy)
        rec = r.records
        threat, offer = bool(r.plan.threat.all()), bool(r.plan.offer.all())
        backed = sc.demander.value * rec["demand"] if threat else np.zeros_like(rec["demand"])
        broken = (rec["response"] == 1) & offer & (rec["demand"] > 0) & (rec["transfer"] == 0)
        costs = d.audience_cost * (w @ rec["backed_down"]) + d.promise_cost * (w @ broken)
        a = (w @ rec["payoff_demander"] - costs).mean()
        line[policy] = (a, (w @ (backed - rec["transfer"])).mean())
    (a_bm, b_bm), (a_bs, b_bs) = line["blackmail"], line["backscratching"]
    assert dom["eta_star"] == pytest.approx((a_bs - a_bm) / (b_bm - b_bs), rel=1e-9)
    assert 0.3 < dom["eta_star"] < 3.0
    for row in dom["sweep"]:
        expected = "blackmail" if row["eta"] > dom["eta_star"] else "backscratching"
        assert row["preferred"] == expected
        coop = data["policies"][expected]["cooperation_rate"]
        assert row["cooperation_rate"] == coop


# ----------------------------------------------------------------------------- P6


def test_p6_reliability_raises_exchange_success(oye):
    success = [
        bs.run(oye.with_updates(**{"offer.reliability": rho}), policy="backscratching").summary()[
            "exchange_success"
        ]
        for rho in (0.5, 0.8, 0.98)
    ]
    assert success[0] + 0.1 < success[1] < success[2] - 0.1


def test_p6_a_guarantor_raises_reliability(oye):
    plain = bs.run(oye, policy="backscratching").summary()["exchange_success"]
    guarded = bs.run(oye.with_updates(**{"mediation.guarantor": True}), policy="backscratching")
    assert guarded.summary()["exchange_success"] > plain + 0.1


# ------------------------------------------------------------------------- schedules

SCHEDULE = [
    {"date": "2000-01", "policy": "none"},
    {"date": "2000-07", "policy": "blackmail", "note": "sanctions"},
    {"date": "2001-01", "policy": "backscratching", "guarantor": True},
]


def test_schedule_sets_instruments_by_date(oye):
    sc = oye.with_updates(schedule=SCHEDULE, horizon=24)
    plan = plan_for(sc)
    assert plan.name == "scheduled"
    np.testing.assert_array_equal(plan.codes[:6], 0)
    np.testing.assert_array_equal(plan.codes[6:12], 1)
    np.testing.assert_array_equal(plan.codes[12:], 2)
    assert not plan.guarantor[:12].any() and plan.guarantor[12:].all()
    res = bs.run(sc)
    assert (res.records["response"][:6] == -1).all()
    assert res.records["punished"][6:12].any() and not res.records["punished"][12:].any()
    assert list(res.series("latency"))[:2] == ["2000-01", "2000-02"]
    table = res.to_arrow()
    assert table.column("date").to_pylist()[:13][-1] == "2001-01"


def test_dated_terms_hold_from_their_entry_to_the_next(oye):
    # Threats made credible in 2000-11 (credibility 0.95, a small punishment 0.2: some still
    # resist), back in 2001-05
    # to the scenario's terms; an offer from 2001-09 with a price of its own that is kept.
    from backscratch.dyad.model import DyadModel, replay_hedging

    entries = [
        {"date": "2000-01", "policy": "blackmail"},
        {"date": "2000-11", "policy": "blackmail", "credibility": 0.95, "punishment": 0.2},
        {"date": "2001-05", "policy": "blackmail"},
        {"date": "2001-09", "policy": "backscratching", "price": 1.2, "reliability": 0.5},
    ]
    sc = oye.with_updates(schedule=entries, horizon=30, runs=400)
    plan = plan_for(sc)
    np.testing.assert_array_equal(plan.terms["credibility"][9:17], [np.nan] + [0.95] * 6 + [np.nan])
    assert set(plan.terms) == {"credibility", "punishment", "price", "reliability"}
    model = DyadModel(sc)
    # Static expectations, as for instruments: in each stretch the target plays the game in
    # which that stretch's terms last to the horizon — the constant game with those terms.
    tight = oye.with_updates(
        horizon=30, runs=400, policy="blackmail",
        **{"threat.credibility": 0.95, "threat.punishment": 0.2},
    )  # fmt: skip
    loose = oye.with_updates(horizon=30, runs=400, policy="blackmail")
    paid = oye.with_updates(
        horizon=30, runs=400, policy="backscratching",
        **{"offer.price": 1.2, "offer.reliability": 0.5},
    )  # fmt: skip
    for other, span in ((loose, slice(0, 10)), (tight, slice(10, 16)), (loose, slice(16, 20)),
                        (paid, slice(20, 30))):  # fmt: skip
        np.testing.assert_array_equal(model.compliance[span], DyadModel(other).compliance[span])
    assert not np.array_equal(model.compliance[10:16], DyadModel(loose).compliance[10:16])
    # The simulation plays the terms in force: resisted threats are carried out at 0.95 in
    # the tight stretch (0.6 elsewhere).
    res = model.run()
    r = res.records
    resisted = r["response"] == 0
    carried = {k: r["punished"][s][resisted[s]].mean() for k, s in
               (("tight", slice(10, 16)), ("loose", slice(0, 10)))}  # fmt: skip
    assert carried["tight"] > 0.9 and 0.5 < carried["loose"] < 0.7
    honoured = r["transfer"][20:][r["response"][20:] == 1]
    assert 0.4 < (honoured > 0).mean() < 0.6  # reliability 0.5 from 2001-09
    # Replaying the hedging recurrence still equals a full simulation under dated terms.
    other = sc.with_updates(**{"hedging.threat_sensitivity": 0.7})
    full = DyadModel(other).run().records
    replayed = replay_hedging(res, other)
    assert np.array_equal(replayed["latency"], full["latency"])


def test_quarterly_calendar(oye):
    sc = oye.with_updates(
        schedule=[{"date": "2000-08", "policy": "mixed"}],
        **{"calendar.months_per_period": 3, "horizon": 4},
    )
    assert sc.calendar.dates(4) == ["2000-01", "2000-04", "2000-07", "2000-10"]
    np.testing.assert_array_equal(plan_for(sc).codes, [1, 1, 3, 3])  # 2000-08 is in period 2


def test_counterfactuals_are_compared_like_policies(oye):
    sc = oye.with_updates(counterfactuals={"carrots-late": SCHEDULE}, horizon=24)
    c = bs.compare(sc, policies=["blackmail", "carrots-late"])
    assert c.policies == ["blackmail", "carrots-late"]
    # A counterfactual is played exactly as the same schedule in force, on the same seeds...
    scheduled = bs.run(sc.with_updates(schedule=SCHEDULE))
    for name in ("response", "demand", "latency", "payoff_target"):
        np.testing.assert_array_equal(c["carrots-late"].records[name], scheduled.records[name])
    np.testing.assert_array_equal(c["carrots-late"].pliable, c["blackmail"].pliable)
    # ...and it is not blackmail: no demands in its first six months, offers from 2001-01.
    s = c.summaries()
    assert (c["carrots-late"].records["response"][:6] == -1).all()
    assert s["blackmail"]["transfer_per_run"] == 0.0
    assert s["carrots-late"]["transfer_per_run"] > 1.0


@pytest.mark.parametrize(
    ("schedule", "needle"),
    [
        (
            [{"date": "2006-12", "policy": "blackmail"}, {"date": "2006-01", "policy": "mixed"}],
            "schedule[1].date '2006-01' is not after schedule[0].date '2006-12'",
        ),
        ([{"date": "2006-12", "policy": "sanctions"}], "schedule.0.policy: input should be"),
        ([{"date": "2006-13", "policy": "blackmail"}], "date '2006-13' is not a month"),
        ([{"policy": "blackmail"}], "schedule.0.date: field required"),
        (
            [{"date": "2006-01", "policy": "blackmail", "credibility": 1.5}],
            "schedule.0.credibility: input should be less than or equal to 1",
        ),
        ([{"date": "2006-01", "policy": "mixed", "price": -1}], "schedule.0.price: input should"),
    ],
)
def test_bad_schedules(oye, schedule, needle):
    with pytest.raises(ScenarioError) as err:
        oye.with_updates(schedule=schedule)
    assert needle in str(err.value) and "\n" not in str(err.value)


def test_bad_schedule_file_through_the_cli(tmp_path, capsys):
    bad = tmp_path / "s.yaml"
    bad.write_text(
        "schedule:\n  - {date: '2006-12', policy: blackmail}\n  - {date: '2006-01', policy: mixed}\n"
    )
    assert main(["run", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "dates must increase" in err and err.count("\n") == 1
    assert main(["run", str(tmp_path / "nope.yaml")]) == 2
    assert "no such file" in capsys.readouterr().err

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


def test_p2_threat_concessions_invite_third_parties_paid_ones_do_not(reference):
    p = reference.summaries()
    bm, offers = p["blackmail"], p["backscratching"]
    assert bm["entries_after_compliance"] > offers["entries_after_compliance"] + 0.02
    assert offers["entries_per_period"] < 0.005  # near zero under pure backscratching
    # Within blackmail at a shorter shadow (the target gives in more often), entries follow
    # concessions rather than refusals.
    short = bs.run(load_scenario("oye-dyad", {"shadow": 0.5}), policy="blackmail").summary()
    assert short["entries_after_compliance"] > short["entries_after_resistance"] + 0.2


def test_p2_entries_rise_with_the_number_of_watchers(oye):
    entries = [
        bs.run(
            oye.with_updates(**{"third_parties.count": m, "shadow": 0.5}), policy="blackmail"
        ).summary()["entries_per_period"]
        for m in (0, 2, 8)
    ]
    assert entries[0] == 0.0
    assert entries[2] > entries[1] + 0.1 > 0.1


def test_third_parties_deter_concessions(oye):
    """Forward-looking targets anticipate contagion: more watchers, less giving in to threats."""
    coop = [
        bs.run(oye.with_updates(**{"third_parties.count": m}), policy="blackmail").summary()[
            "cooperation_rate"
        ]
        for m in (0, 4)
    ]
    assert coop[1] < coop[0] - 0.1


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
    no_rollback = bs.run(sc.with_updates(**{"hedging.rollback": 0.0}), policy="backscratching")
    assert no_rollback.records["latency"][-1].mean() == pytest.approx(
        1.0, abs=1e-3
    )  # rare entrants


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
    # the discounted national payoff minus audience costs and B the discounted toughness.
    sc = load_scenario("oye-dyad", {"runs": 400})
    w = sc.shadow ** np.arange(sc.horizon)
    line = {}
    for policy in ("blackmail", "backscratching"):
        r = bs.run(sc, policy=policy)
        rec = r.records
        backed = rec["demand"] if r.plan.threat.all() else np.zeros_like(rec["demand"])
        a = (w @ rec["payoff_demander"] - sc.domestic.audience_cost * w @ rec["backed_down"]).mean()
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

"""The column's other mechanisms on the reference scenario (MODEL.md §7: P2, P4, P5, P6),
and dated schedules."""

from __future__ import annotations

import numpy as np
import pytest

from backscratch.cli import main
from backscratch.dyad import api as experiments
from backscratch.dyad.model import plan_for
from backscratch.dyad.scenario import ScenarioError, load_scenario


@pytest.fixture(scope="module")
def reference(oye):
    return experiments.compare(oye, ["blackmail", "backscratching", "mixed"], keep=True)


# ----------------------------------------------------------------------------- P2


def test_p2_threat_concessions_invite_third_parties_paid_ones_do_not(reference):
    p = reference["policies"]
    bm, bs = p["blackmail"], p["backscratching"]
    assert bm["entries_after_compliance"] > bs["entries_after_compliance"] + 0.02
    assert bs["entries_per_period"] < 0.005  # near zero under pure backscratching
    # Within blackmail at a shorter shadow (the target gives in more often), entries follow
    # concessions rather than refusals.
    short = experiments.run(load_scenario("oye-dyad", {"shadow": 0.5}), "blackmail").summary()
    assert short["entries_after_compliance"] > short["entries_after_resistance"] + 0.2


def test_p2_entries_rise_with_the_number_of_watchers(oye):
    entries = [
        experiments.run(
            oye.with_updates(**{"third_parties.count": m, "shadow": 0.5}), "blackmail"
        ).summary()["entries_per_period"]
        for m in (0, 2, 8)
    ]
    assert entries[0] == 0.0
    assert entries[2] > entries[1] + 0.1 > 0.1


def test_third_parties_deter_concessions(oye):
    """Forward-looking targets anticipate contagion: more watchers, less giving in to threats."""
    coop = [
        experiments.run(oye.with_updates(**{"third_parties.count": m}), "blackmail").summary()[
            "cooperation_rate"
        ]
        for m in (0, 4)
    ]
    assert coop[1] < coop[0] - 0.1


# ----------------------------------------------------------------------------- P4


def test_p4_threats_feed_latency(reference, oye):
    p = reference["policies"]
    assert p["blackmail"]["final_latency"] > p["backscratching"]["final_latency"] + 0.5
    assert p["mixed"]["final_latency"] > p["backscratching"]["final_latency"] + 0.1
    assert p["blackmail"]["threshold_crossed_share"] > 0.9
    assert p["backscratching"]["threshold_crossed_share"] == 0.0
    # ...and rises with threat intensity (the punishment threatened).
    lat = [
        experiments.run(oye.with_updates(**{"threat.punishment": pun}), "blackmail").summary()[
            "final_latency"
        ]
        for pun in (0.5, 1.0, 2.0)
    ]
    assert lat[0] < lat[1] < lat[2]


def test_honoured_exchanges_roll_latency_back(oye):
    sc = oye.with_updates(**{"hedging.initial": 1.0})
    lat = experiments.run(sc, "backscratching").records["latency"]
    assert lat[-1].mean() < 0.7  # rollback for relief
    no_rollback = experiments.run(sc.with_updates(**{"hedging.rollback": 0.0}), "backscratching")
    assert no_rollback.records["latency"][-1].mean() == pytest.approx(
        1.0, abs=1e-3
    )  # rare entrants


# ----------------------------------------------------------------------------- P5


def test_p5_hawk_bias_locks_in_blackmail(reference):
    pair = {p: reference["results"][p] for p in ("blackmail", "backscratching")}
    dom = experiments.hawk_threshold(pair)
    star = dom["eta_star"]
    assert star is not None and star > 0
    assert dom["preferred_at_zero"] == "backscratching"
    below = experiments.hawk_threshold(pair, [0.0, 0.9 * star])["sweep"]
    above = experiments.hawk_threshold(pair, [1.1 * star, 3 * star])["sweep"]
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
    assert [r["eta"] for r in data["domestic"]["sweep"]] == [0.0, 1.0, 2.0, 3.0]
    assert data["domestic"]["eta_star"] > 0


# ----------------------------------------------------------------------------- P6


def test_p6_reliability_raises_exchange_success(oye):
    success = [
        experiments.run(oye.with_updates(**{"offer.reliability": rho}), "backscratching").summary()[
            "exchange_success"
        ]
        for rho in (0.5, 0.8, 0.98)
    ]
    assert success[0] + 0.1 < success[1] < success[2] - 0.1


def test_p6_a_guarantor_raises_reliability(oye):
    plain = experiments.run(oye, "backscratching").summary()["exchange_success"]
    guarded = experiments.run(oye.with_updates(**{"mediation.guarantor": True}), "backscratching")
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
    res = experiments.run(sc)
    assert (res.records["response"][:6] == -1).all()
    assert res.records["punished"][6:12].any() and not res.records["punished"][12:].any()
    assert list(res.series("latency"))[:2] == ["2000-01", "2000-02"]
    table = res.to_table()
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
    res = experiments.compare(sc, ["blackmail", "carrots-late"])["policies"]
    assert set(res) == {"blackmail", "carrots-late"}


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

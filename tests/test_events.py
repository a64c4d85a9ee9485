"""Dated events in schedules (issue 15): stock shipped out, capacity dismantled, a cap while
an entry holds, a threat carried out on a date; rollback bought by an exchange."""

from __future__ import annotations

import numpy as np
import pytest

import backscratch as bs
from backscratch.cli import main
from backscratch.core.errors import ScenarioError
from backscratch.dyad.model import replay_hedging

BASE = {
    "horizon": 24,
    "calendar": {"start": "2000-01", "months_per_period": 1},
    "hedging": {
        "initial": 3.0, "initial_capacity": 0.5, "base": 0.0, "threat_sensitivity": 0.2,
        "relationship_sensitivity": 0.0, "productivity": 0.2, "rollback": 0.0, "threshold": 10.0,
    },
}  # fmt: skip


def _run(schedule, hedging=None, runs=200):
    over = {**BASE, "schedule": schedule}
    if hedging:
        over = {**over, "hedging": {**BASE["hedging"], **hedging}}
    return bs.run(bs.load_scenario("oye-dyad", runs=runs, overrides=over))


def test_an_exchange_that_buys_rollback_makes_latency_fall_while_the_deal_is_honoured():
    """Under offers from 2000-07 with a rollback of 0.5 per honoured exchange (more than the
    0.1 a period capacity adds), every run's stock falls in each period an exchange is
    honoured; under pressure over the same months it grows."""
    pressure = [{"date": "2000-01", "policy": "blackmail"}]
    deal = [*pressure, {"date": "2000-07", "policy": "backscratching"}]
    res = _run(deal, {"rollback": 0.5, "threat_sensitivity": 0.0})
    r = res.records
    lat = r["latency"]
    honoured = (r["transfer"] > 0)[6:]
    change = np.diff(lat, axis=0)[5:]  # change in periods 6, 7, ...
    assert honoured.mean() > 0.5  # the deal is mostly honoured
    live = honoured & (lat[5:-1] > 0.5)  # a stock left to roll back
    assert live.sum() > 1000 and (change[live] < 0).all()
    assert lat[6:].mean(axis=1)[-1] < 0.5 * lat[5].mean()  # the mean stock falls by half
    kept = _run(pressure, {"rollback": 0.5, "threat_sensitivity": 0.0})
    assert (np.diff(kept.records["latency"].mean(axis=1))[6:] > 0).all()


def test_pressure_builds_more_capacity_than_no_demand():
    """The behavioural rule (hedging is not yet the target's choice: issue 15, item 1):
    capacity grows with the expected punishment faced, so under threats the target ends
    with more capacity and latency than with no demand, by a margin half the rule would miss."""
    threat = _run([{"date": "2000-01", "policy": "blackmail"}])
    calm = _run([{"date": "2000-01", "policy": "none"}])
    k_threat = threat.records["capacity"][-1].mean()
    k_calm = calm.records["capacity"][-1].mean()
    assert k_calm < 0.6  # third parties' rare threats only
    assert k_threat - k_calm > 2.0  # about 2.96; half the rule's effect would fail


def test_ship_out_dismantle_and_cap_move_the_stocks_exactly():
    plain = [{"date": "2000-01", "policy": "none"}]
    events = [
        {"date": "2000-01", "policy": "none"},
        {"date": "2000-05", "policy": "none", "ship_out": 1.5, "dismantle": 0.2},
        {"date": "2000-10", "policy": "none", "cap": 2.0},
        {"date": "2001-04", "policy": "none"},
    ]
    a = _run(plain).records
    b = _run(events).records
    t = 4  # 2000-05
    assert np.array_equal(a["latency"][:t], b["latency"][:t])
    # in the event's period: capacity less 0.2, the stock less 1.5 (and less what 0.2 of
    # capacity would have produced)
    assert b["capacity"][t] == pytest.approx(a["capacity"][t] - 0.2)
    assert b["latency"][t] == pytest.approx(a["latency"][t] - 1.5 - 0.2 * 0.2)
    cap_from, cap_to = 9, 15  # 2000-10 to 2001-03: the cap holds until the next entry
    assert (b["latency"][cap_from:cap_to] <= 2.0).all()
    assert np.allclose(b["latency"][cap_from:cap_to], 2.0)  # the stock would exceed it
    assert (np.diff(b["latency"][cap_to - 1 :], axis=0) > 0).all()  # growth resumes after


def test_a_strike_on_a_date_punishes_every_run_and_destroys_capacity():
    plain = [{"date": "2000-01", "policy": "none"}]
    strike = [*plain, {"date": "2000-06", "policy": "none", "strike": True,
                       "strike_destroys": 0.5}]  # fmt: skip
    a, b = _run(plain).records, _run(strike).records
    t = 5
    assert (b["punished"][t] == 1).all() and (b["punished"][:t] == 0).all()
    assert (b["payoff_target"][t] < a["payoff_target"][t] - 0.9).all()  # the lump sum P = 1
    assert np.allclose(b["capacity"][t], 0.5 * a["capacity"][t])


def test_replaying_hedging_with_events_equals_the_simulation_bit_for_bit():
    sched = [
        {"date": "2000-01", "policy": "blackmail"},
        {"date": "2000-04", "policy": "backscratching", "ship_out": 0.7, "cap": 3.0},
        {"date": "2000-09", "policy": "mixed", "strike": True, "strike_destroys": 0.3},
        {"date": "2000-12", "policy": "blackmail", "dismantle": 0.4},
    ]
    res = _run(sched, {"rollback": 0.2})
    replay = replay_hedging(res, res.scenario)
    assert np.array_equal(replay["latency"], res.records["latency"])
    assert np.array_equal(replay["capacity"], res.records["capacity"])
    other = res.scenario.with_updates(**{"hedging.productivity": 0.35})
    assert np.array_equal(replay_hedging(res, other)["latency"], bs.run(other).records["latency"])


def test_the_iran_fuel_swap_counterfactual_ships_the_leu_out():
    """The 2009 fuel swap as the event it was: about 1.2 t of LEU out in 2009-10, fuel back
    as the reward, a guarantor holding the goods; as happened, nothing was shipped."""
    sc = bs.load_scenario("iran-2003-2013", runs=200)
    swap = sc.counterfactuals["backscratching-from-2009"][-1]
    assert (swap.date, swap.policy, swap.guarantor, swap.ship_out) == (
        "2009-10", "backscratching", True, 1.2,
    )  # fmt: skip
    assert all(e.ship_out == 0 for e in sc.schedule)
    cmp = bs.compare(sc, policies=["as-happened", "backscratching-from-2009"])
    t = sc.calendar.period_of("2009-10")
    before = cmp["as-happened"].records["latency"][t - 1]
    a = cmp["as-happened"].records["latency"][t]
    b = cmp["backscratching-from-2009"].records["latency"][t]
    assert np.array_equal(before, cmp["backscratching-from-2009"].records["latency"][t - 1])
    assert (a - b).mean() > 1.1  # the 1.2 t (less where the stock was smaller)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"date": "2004-01", "policy": "blackmail", "cap": -1}, "schedule.0.cap"),
        ({"date": "2004-01", "policy": "blackmail", "ship_out": -0.5}, "schedule.0.ship_out"),
        ({"date": "2004-01", "policy": "none", "strike_destroys": 0.5}, "needs strike: true"),
        ({"date": "2004-01", "policy": "none", "explode": 1}, "schedule.0.explode: unknown"),
        ({"date": "1999-01", "policy": "none", "ship_out": 1.0}, "is before calendar.start"),
    ],
)
def test_bad_events_are_one_line_errors_naming_the_entry(capsys, tmp_path, entry, message):
    with pytest.raises(ScenarioError, match=message.replace(".", r"\.")):
        bs.load_scenario("iran-2003-2013", overrides={"schedule": [entry]})
    path = tmp_path / "s.yaml"
    import yaml

    path.write_text(yaml.safe_dump({"extends": "iran-2003-2013", "schedule": [entry]}))
    assert main(["run", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and not (tmp_path / "o").exists()


US_EU3 = [
    {"actor": "US", "instrument": "threat", "credibility": 0.9, "punishment": 1.5},
    {"actor": "EU3", "instrument": "offer", "price": 0.4, "reliability": 0.7},
]


def test_two_demanders_in_one_period_are_the_joint_instrument_with_each_ones_terms():
    """The US threatening (q 0.9, P 1.5) while the EU3 offer (R 0.4, reliability 0.7), from
    2000-07: the same records, bit for bit, as the entry written as ``mixed`` with those
    terms — and not the same as either demander alone (so each one's terms count)."""
    joint = _run([{"date": "2000-01", "policy": "blackmail"},
                  {"date": "2000-07", "demanders": US_EU3}])  # fmt: skip
    terms = {"credibility": 0.9, "punishment": 1.5, "price": 0.4, "reliability": 0.7}
    written = _run([{"date": "2000-01", "policy": "blackmail"},
                    {"date": "2000-07", "policy": "mixed", **terms}])  # fmt: skip
    assert joint.scenario.schedule[1].policy == "mixed"
    assert all(np.array_equal(joint.records[k], written.records[k]) for k in joint.records)
    t = joint.scenario.calendar.period_of("2000-07")
    assert joint.records["transfer"][t:].sum() > 0  # the EU3 pay
    threat, offer = ({"date": "2000-07", "demanders": [d]} for d in US_EU3)
    us = _run([{"date": "2000-01", "policy": "blackmail"}, threat])
    eu = _run([{"date": "2000-01", "policy": "blackmail"}, offer])
    assert us.scenario.schedule[1].policy == "blackmail" and us.records["transfer"].sum() == 0
    assert eu.scenario.schedule[1].policy == "backscratching"
    assert not np.array_equal(eu.records["response"], joint.records["response"])
    softer = [{**US_EU3[0], "credibility": 0.2}, US_EU3[1]]  # the US's own terms count
    soft = _run([{"date": "2000-01", "policy": "blackmail"},
                 {"date": "2000-07", "demanders": softer}])  # fmt: skip
    assert soft.summary()["cooperation_rate"] != joint.summary()["cooperation_rate"]


@pytest.mark.parametrize(
    ("demanders", "extra", "message"),
    [
        ([US_EU3[0], {**US_EU3[0], "actor": "UK"}], {}, "US, UK each attach a threat"),
        ([{"actor": "EU3", "instrument": "offer", "punishment": 1.0}], {},
         "demander EU3: punishment is not a term of an offer"),
        (US_EU3, {"policy": "blackmail"}, "'blackmail' but the demanders make it 'mixed'"),
        (US_EU3, {"price": 0.9}, "price: set on the entry and on demander EU3"),
    ],
)  # fmt: skip
def test_bad_demanders_are_one_line_errors(capsys, tmp_path, demanders, extra, message):
    entry = {"date": "2004-01", "demanders": demanders, **extra}
    with pytest.raises(ScenarioError, match=message):
        bs.load_scenario("oye-dyad", overrides={**BASE, "schedule": [entry]})
    import yaml

    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({"extends": "oye-dyad", "schedule": [entry]}))
    assert main(["run", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and not (tmp_path / "o").exists()

"""The model's acceptance properties on the reference scenario (``docs/model.md``, "What must
be true": P1, P3, P7, P8).

Fixed seeds, 2,000 runs per policy; the margins are several standard errors wide and far
narrower than what a model with the reputation mechanism removed or reversed produces
(see ``test_reputation_mechanism_is_what_drives_p3``).
"""

from __future__ import annotations

import numpy as np
import pytest

import backscratch as bs
from backscratch.dyad.results import COMPLIED, OFFER, RESISTED, THREAT


@pytest.fixture(scope="module")
def reference(oye):
    return {p: bs.run(oye, policy=p) for p in ("blackmail", "backscratching", "mixed", "none")}


def _growth_signs(result, code):
    """Share of demand-periods with response ``code`` followed by a larger / smaller demand."""
    r = result.records
    sel = (r["response"][:-1] == code) & (r["response"][1:] >= 0)
    step = (r["demand"][1:] - r["demand"][:-1])[sel]
    return (step > 0).mean(), (step < 0).mean()


# ----------------------------------------------------------------------------- P1


def test_p1_threat_concessions_invite_larger_demands(reference):
    bm = reference["blackmail"].summary()
    assert bm["demand_growth_after_compliance"] > 0.01
    assert bm["demand_growth_after_resistance"] < -0.005
    # Not just on average: nearly every concession is followed by a larger demand, nearly
    # every refusal by a smaller one.
    res = reference["blackmail"]
    assert _growth_signs(res, COMPLIED)[0] > 0.95
    assert _growth_signs(res, RESISTED)[1] > 0.95


def test_p1_paid_concessions_do_not_bring_threats_or_much_larger_demands(reference):
    offers = reference["backscratching"]
    table = offers.to_arrow()
    instrument = table.column("instrument").to_numpy()
    assert not np.any(instrument & THREAT)  # compliance never brings a threat...
    assert np.all(instrument == OFFER)  # ...only further offers
    grow_bs = offers.summary()["demand_growth_after_compliance"]
    grow_bm = reference["blackmail"].summary()["demand_growth_after_compliance"]
    assert grow_bs < 0.5 * grow_bm  # a price, not weakness: far less escalation


# ----------------------------------------------------------------------------- P3


def test_p3_backscratching_cooperation_exceeds_blackmail(reference):
    bm = reference["blackmail"].summary()["cooperation_rate"]
    offers = reference["backscratching"].summary()["cooperation_rate"]
    # 80,000 demand-periods each: s.e. of a rate < 0.005. The gap is 0.59 at the reference
    # parameters; a model with half the effect (0.30) fails.
    assert offers > bm + 0.45


def test_p3_gap_widens_with_the_shadow_of_the_future(oye):
    def gap(shadow):
        sc = oye.with_updates(shadow=shadow)
        p = bs.compare(sc, policies=["blackmail", "backscratching"]).summaries()
        return p["backscratching"]["cooperation_rate"] - p["blackmail"]["cooperation_rate"]

    g5, g9 = gap(0.5), gap(0.9)
    assert g9 > g5 + 0.15


def test_reputation_mechanism_is_what_drives_p3(oye):
    """Control: with a myopic target (no reputation to protect) the shadow has no effect on the
    gap; a model that produced P3 by construction would still show it."""

    def gap(shadow):
        sc = oye.with_updates(shadow=shadow, **{"target.strategy": "myopic"})
        p = bs.compare(sc, policies=["blackmail", "backscratching"]).summaries()
        return p["backscratching"]["cooperation_rate"] - p["blackmail"]["cooperation_rate"]

    assert gap(0.9) == pytest.approx(gap(0.5), abs=1e-12)


# ----------------------------------------------------------------------------- P7


def _demander_before_latency(r, oye):
    """D's payoff without the latency term (-cost_to_demander * latency, tested separately)."""
    return r["payoff_demander"] + oye.hedging.cost_to_demander * r["latency"]


def test_p7_successful_blackmail_costs_the_demander_nothing(reference, oye):
    r = reference["blackmail"].records
    comply = r["response"] == COMPLIED
    assert comply.sum() > 1000
    np.testing.assert_array_equal(r["transfer"][comply], 0.0)
    np.testing.assert_allclose(
        _demander_before_latency(r, oye)[comply], oye.demander.value * r["demand"][comply]
    )
    # ...and failed blackmail is costly when carried out: k * P for D, P for T (in periods
    # without third-party demands, which cost T separately).
    pun = (r["punished"] == 1) & (r["entries"] == 0)
    assert pun.sum() > 1000
    np.testing.assert_allclose(
        _demander_before_latency(r, oye)[pun], -oye.threat.execution_cost * oye.threat.punishment
    )
    np.testing.assert_allclose(r["payoff_target"][pun], -oye.threat.punishment)
    assert reference["blackmail"].summary()["target_payoff"] < 0


def test_p7_backscratching_costs_what_it_pays(reference, oye):
    r = reference["backscratching"].records
    paid = r["transfer"] > 0
    assert paid.sum() > 1000
    x = r["demand"][paid]
    np.testing.assert_allclose(r["transfer"][paid], oye.offer.price * x)
    np.testing.assert_allclose(
        _demander_before_latency(r, oye)[paid], (oye.demander.value - oye.offer.price) * x
    )
    # Undelivered rewards (reliability < 1) happen, and cost D nothing but leave T with its cost.
    unpaid = (r["response"] == COMPLIED) & ~paid
    share_unpaid = unpaid.sum() / (r["response"] == COMPLIED).sum()
    assert share_unpaid == pytest.approx(1 - oye.offer.reliability, abs=0.01)
    # Totals: D's payoff equals value of concessions minus what it paid.
    res = reference["backscratching"]
    w = oye.shadow ** np.arange(oye.horizon)
    gained = w @ np.where(r["response"] == COMPLIED, oye.demander.value * r["demand"], 0.0)
    latency = w @ (oye.hedging.cost_to_demander * r["latency"])
    np.testing.assert_allclose(
        res.discounted("payoff_demander"), gained - w @ r["transfer"] - latency
    )


def test_no_demand_is_the_baseline(reference, oye):
    res = reference["none"]
    s, r = res.summary(), res.records
    assert s["demand_periods"] == 0 and s["transfer_per_run"] == 0.0
    assert s["punishments_per_period"] == 0.0 and s["cooperation_rate"] == 0.0
    # What is left is the third parties' business and the latency it provokes.
    np.testing.assert_allclose(r["payoff_demander"], -oye.hedging.cost_to_demander * r["latency"])
    assert np.all(r["payoff_target"][r["entries"] == 0] == 0.0)


# ----------------------------------------------------------------------------- P8


def test_p8_blackmail_does_at_least_as_well_with_short_shadow_and_overwhelming_threat():
    from backscratch.core.schema import load_scenario

    sc = load_scenario("blackmail-works")
    assert sc.shadow <= 0.2 and sc.threat.credibility == 1.0
    p = bs.compare(sc, policies=["blackmail", "backscratching"]).summaries()
    bm, offers = p["blackmail"], p["backscratching"]
    assert bm["cooperation_rate"] >= offers["cooperation_rate"]
    assert bm["demander_payoff"] > offers["demander_payoff"]
    # ...and it is the same model: lengthen the shadow and weaken the threat, and it flips.
    sc2 = sc.with_updates(shadow=0.95, **{"threat.punishment": 1.0, "threat.credibility": 0.6})
    p2 = bs.compare(sc2, policies=["blackmail", "backscratching"]).summaries()
    assert p2["backscratching"]["cooperation_rate"] > p2["blackmail"]["cooperation_rate"]

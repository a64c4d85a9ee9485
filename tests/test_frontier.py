"""A common scale for threats and offers: punishment per unit of demand, and the threat
frontier every comparison reports (docs/model.md, "Threats and offers on one scale")."""

from __future__ import annotations

import json

import numpy as np
import pytest

import backscratch as bs
from backscratch.cli import main
from backscratch.core.errors import ScenarioError
from backscratch.dyad.codes import RESISTED
from backscratch.dyad.frontier import FRONTIER_METRICS, RTOL


def test_a_per_unit_punishment_scales_with_the_demand_backed(oye):
    """With ``threat.punishment_per_unit = c`` and no lump sum, a carried-out threat costs
    the target exactly c·x for a demand x (and D k·c·x)."""
    sc = oye.with_updates(
        runs=300,
        **{
            "threat.punishment": 0.0,
            "threat.punishment_per_unit": 1.5,
            "third_parties.count": 0,
            "hedging.cost_to_demander": 0.0,  # D's payoff: the punishment's cost only
        },
    )
    r = bs.run(sc, policy="blackmail")
    rec = r.records
    hit = (rec["punished"] == 1) & (rec["response"] == RESISTED)
    assert hit.sum() > 100
    np.testing.assert_allclose(rec["payoff_target"][hit], -1.5 * rec["demand"][hit], rtol=1e-12)
    k = sc.threat.execution_cost
    np.testing.assert_allclose(
        rec["payoff_demander"][hit], -k * 1.5 * rec["demand"][hit], rtol=1e-12
    )
    # The demand varies (a learning demander), so the harm does too: not a lump sum.
    assert np.ptp(rec["demand"][hit]) > 0.2


def test_a_per_unit_threat_binds_larger_demands_as_an_offer_does(oye):
    """Doubling every demand leaves the compliance rate under a per-unit threat and under a
    per-unit offer nearly where it was, but a lump-sum threat loses its bite."""
    base = oye.with_updates(runs=400, **{"third_parties.count": 0})
    per_unit = base.with_updates(
        **{"threat.punishment": 0.0, "threat.punishment_per_unit": base.threat.punishment}
    )

    def coop(sc, policy, demand):
        return bs.run(sc.with_updates(**{"demander.demand": demand}), policy=policy).summary()[
            "cooperation_rate"
        ]

    lump_drop = coop(base, "blackmail", 1.0) - coop(base, "blackmail", 2.0)
    unit_drop = coop(per_unit, "blackmail", 1.0) - coop(per_unit, "blackmail", 2.0)
    offer_drop = coop(base, "backscratching", 1.0) - coop(base, "backscratching", 2.0)
    assert lump_drop > 0.1
    assert abs(unit_drop) < 0.5 * lump_drop
    assert abs(offer_drop) < 0.5 * lump_drop


@pytest.fixture(scope="module")
def frontier():
    return bs.threat_frontier("oye-dyad", runs=400)


def test_the_frontier_brackets_the_flip(frontier):
    """At the reference blackmail is behind on both metrics; just above the frontier's
    punishment it is ahead, just below it behind — checked by independent comparisons."""
    s = frontier.summary()
    for m in FRONTIER_METRICS:
        f = s[m]["factor"]
        assert s[m]["blackmail_ahead"] is False
        assert 1.05 < f < 3.0, (m, f)
        for factor, ahead in ((f * (1 + 2 * RTOL), True), (f / (1 + 2 * RTOL), False)):
            c = bs.compare(
                "oye-dyad",
                runs=400,
                policies=["blackmail", "backscratching"],
                overrides={"threat.punishment": factor},
            ).summaries()
            gap = c["blackmail"][m] - c["backscratching"][m]
            assert (gap >= 0) is ahead, (m, factor, gap)


def test_the_frontier_lies_below_where_blackmail_already_wins():
    """``blackmail-works`` (certain, overwhelming threat): blackmail is ahead, and the
    frontier is a fraction of its punishment."""
    s = bs.threat_frontier("blackmail-works", runs=300).summary()
    for m in FRONTIER_METRICS:
        assert s[m]["blackmail_ahead"] is True
        assert s[m]["factor"] is not None and s[m]["factor"] < 0.5


def test_the_frontier_is_a_result(frontier):
    table = frontier.to_pandas()
    assert len(table) == len(frontier.evaluated) >= 5
    assert list(table["factor"]) == sorted(table["factor"])
    assert "blackmail matches backscratching" in repr(frontier)
    assert "matches backscratching at punishment" in frontier.sentence("cooperation_rate")
    with pytest.raises(ScenarioError, match="dyad scenarios"):
        bs.threat_frontier("tribute")


def test_compare_reports_the_frontier(capsys, tmp_path):
    args = ["compare", "oye-dyad", "--runs", "200", "--set", "horizon=15"]
    assert main([*args, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    expected = bs.threat_frontier("oye-dyad", runs=200, overrides={"horizon": 15}).summary()
    assert data["threat_frontier"] == expected
    assert main([*args, "--no-frontier", "--format", "json"]) == 0
    assert "threat_frontier" not in json.loads(capsys.readouterr().out)
    # a pair without backscratching has no frontier
    assert main([*args, "--policies", "blackmail,mixed", "--format", "json"]) == 0
    assert "threat_frontier" not in json.loads(capsys.readouterr().out)
    out = tmp_path / "c"
    assert main([*args, "--out", str(out)]) == 0
    assert "Threat frontier" in capsys.readouterr().out
    assert json.loads((out / "compare.json").read_text())["threat_frontier"] == expected
    assert main(["report", str(out), "-o", str(out / "r.html")]) == 0
    page = (out / "r.html").read_text()
    assert "Threat frontier" in page and "matches at punishment" in page

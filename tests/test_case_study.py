"""The US–Iran case: data, calibration (recovery of known parameters), counterfactuals, demo."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from backscratch.cli import main
from backscratch.core.schema import load_scenario
from backscratch.data import iran
from backscratch.dyad.model import DyadModel, plan_for
from backscratch.studies import calibrate_iaea as cal
from backscratch.studies.casestudy import COUNTERFACTUALS


def test_timeline_is_read_with_its_metrics():
    rows = iran.load()
    assert len(rows) == 61
    leu = iran.metric_series("leu_3.5pct_produced_cumulative", rows)
    assert leu[0] == ("2008-08-30", 480.0) and len(leu) == 5
    assert all(r.source for r in rows)  # every row cites its page


def test_timeline_errors_name_the_problem(tmp_path):
    bad = tmp_path / "t.csv"
    bad.write_text("date,kind\n2003-01-01,threat\n")
    with pytest.raises(ValueError, match="expected columns"):
        iran.load(bad)
    with pytest.raises(ValueError, match="metric 'nope'"):
        iran.metric_series("nope")


def test_schedule_codes_the_record():
    sc = load_scenario("iran-2003-2013")
    plan = plan_for(sc)
    dates = sc.calendar.dates(sc.horizon)
    assert dates[0] == "2003-01" and dates[-1] == "2013-02"
    at = dict(zip(dates, plan.codes.tolist(), strict=True))
    assert at["2007-01"] == 1  # sanctions (UNSC 1737)
    assert at["2009-10"] == 3  # fuel-swap talks with sanctions in force
    assert plan.guarantor[dates.index("2010-05")]  # Tehran Declaration: Turkey holds the LEU
    assert set(sc.counterfactuals) == set(COUNTERFACTUALS)
    # Counterfactuals agree with the record until October 2009, then diverge.
    for name in COUNTERFACTUALS:
        other = plan_for(sc, name)
        t = dates.index("2009-10")
        np.testing.assert_array_equal(other.codes[:t], plan.codes[:t])
    assert (plan_for(sc, "backscratching-from-2009").codes[dates.index("2010-06") :] == 2).all()


def test_counterfactuals_share_history_until_they_diverge():
    sc = load_scenario("iran-2003-2013", {"runs": 300})
    t = sc.calendar.period_of("2009-10")
    a = DyadModel(sc, "as-happened").run().records
    b = DyadModel(sc, "backscratching-from-2009").run().records
    for col in ("response", "latency", "belief"):
        np.testing.assert_array_equal(a[col][:t], b[col][:t])
    assert not np.array_equal(a["latency"][t:], b["latency"][t:])


def test_calibration_recovers_known_parameters():
    sc = load_scenario("iran-2003-2013", {"runs": 300})
    truth = {"hedging.threat_sensitivity": 0.2, "hedging.relationship_sensitivity": 0.4}
    dates, _ = cal.observations()
    synthetic = cal.latency_growth(DyadModel(sc.with_updates(**truth)).run(), dates)
    fit = cal.calibrate_latency(sc, dates, synthetic)
    for key, value in truth.items():
        assert fit.params[key] == pytest.approx(value, rel=0.02), key  # stated tolerance: 2%
    assert fit.rmse < 1e-3


def test_calibration_to_the_iaea_series_is_reported():
    sc = load_scenario("iran-2003-2013", {"runs": 300})
    dates, observed = cal.observations()
    fit = cal.calibrate_latency(sc, dates, observed)
    assert fit.n_points == 5 and fit.metric == "leu_3.5pct_produced_cumulative"
    assert fit.rmse == pytest.approx(np.sqrt(np.mean((fit.fitted - observed) ** 2)))
    assert fit.rmse < 1.0  # t UF6, on values from 0.48 to 7.0
    assert np.corrcoef(fit.fitted, observed)[0, 1] > 0.95


def test_calibrate_command(capsys, tmp_path):
    fig = tmp_path / "fit.png"
    code = main(
        ["calibrate", "iran-2003-2013", "--runs", "200", "--plot", str(fig), "--format", "json"]
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["n_points"] == 5 and len(data["points"]) == 5
    assert set(data["params"]) == set(cal.FREE)
    assert fig.read_bytes()[:4] == b"\x89PNG"


def test_calibrate_outside_the_calendar_is_a_clean_error(capsys):
    assert main(["calibrate", "oye-dyad"]) == 2
    err = capsys.readouterr().err
    assert "outside the scenario's calendar" in err and err.count("\n") == 1


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--out", str(out), "--runs", "300"]) == 0
    return out


def test_demo_writes_summary_with_the_contract(demo_dir):
    summary = json.loads((demo_dir / "summary.json").read_text())
    assert list(summary) == ["case", "fit", "counterfactuals"]
    assert summary["case"] == "iran-2003-2013"
    assert set(summary["fit"]) == {"metric", "rmse", "n_points"}
    assert list(summary["counterfactuals"]) == list(COUNTERFACTUALS)
    for s in summary["counterfactuals"].values():
        assert set(s) == {"cooperation_rate", "final_latency", "threshold_crossed_share"}
    cf = summary["counterfactuals"]
    assert cf["backscratching-from-2009"]["final_latency"] < cf["as-happened"]["final_latency"]


def test_demo_report_is_self_contained_and_matches_the_summary(demo_dir):
    page = (demo_dir / "report.html").read_text()
    summary = json.loads((demo_dir / "summary.json").read_text())
    assert page.startswith("<!DOCTYPE html>")
    assert len(re.findall(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]{1000,}"', page)) >= 5
    assert not re.search(r'(src|href)="https?://', page)  # nothing fetched from outside
    embedded = re.search(r'<script type="application/json" id="summary">(.*?)</script>', page)
    assert json.loads(embedded.group(1)) == summary
    cf_table = page.split('class="counterfactuals"')[1].split("</table>")[0]
    for name, s in summary["counterfactuals"].items():
        assert name in cf_table
        for key in ("cooperation_rate", "final_latency", "threshold_crossed_share"):
            assert f"{s[key]:.3f}" in cf_table
    assert f"{summary['fit']['rmse']:.3f}" in page
    for heading in ("What was run", "What it means", "Caveats"):
        assert heading in page

"""``backscratch validate``: backtests of the three cases against history they were not fitted to."""

from __future__ import annotations

import json

import numpy as np
import pytest

import backscratch as bs
from backscratch.cli import main
from backscratch.core.errors import ScenarioError
from backscratch.data import timeline
from backscratch.studies import validate as V

CASES = ("iran-2003-2013", "north-korea-1985-2009", "libya-1986-2004")


@pytest.fixture(scope="module")
def iran():
    return bs.load_scenario("iran-2003-2013")


@pytest.fixture(scope="module")
def iran_backtest(iran):
    return V.validate(iran)


def _csv(path, rows):
    path.write_text("date,value\n" + "".join(f"{d},{v}\n" for d, v in rows))
    return path


def test_the_fit_sees_only_observations_up_to_calibrated_until(iran, iran_backtest, tmp_path):
    """Moving a held-out observation leaves the fit bit-identical; moving one in the fit
    changes it (the split is enforced, not declared)."""
    kg = [(d, v) for d, v in timeline.metric_series("leu_3.5pct_produced_cumulative")]
    assert [d[:7] <= "2009-12" for d, _ in kg] == [True, True, False, False, False]
    held_out = _csv(tmp_path / "a.csv", [*kg[:2], *((d, v * 3) for d, v in kg[2:])])
    in_fit = _csv(tmp_path / "b.csv", [(kg[0][0], kg[0][1] * 3), *kg[1:]])
    a = V.validate(iran, observed=held_out)
    b = V.validate(iran, observed=in_fit)
    assert a.params == iran_backtest.params
    assert np.array_equal(a.path, iran_backtest.path, equal_nan=True)
    k = "hedging.threat_sensitivity"
    assert abs(b.params[k] - iran_backtest.params[k]) > 0.1 * iran_backtest.params[k]


def test_iran_backtest_scores_match_a_hand_computation(iran_backtest):
    bt = iran_backtest
    obs, ins = bt.series.values, bt.in_sample
    # the origin: 0 at the end of 2007-01, by definition of a series counting from 2007-02
    assert bt.series.dates[0] == "2007-01" and obs[0] == 0.0 and ins.sum() == 3
    assert bt.series.origin_point == 0 and bt.path[bt.scenario.calendar.period_of("2007-01")] == 0
    assert "least squares on 2 in-sample points (and the series' origin" in bt.fit_note
    assert np.allclose(obs[1:], [0.48, 0.63, 2.4, 2.8, 7.0])  # kg -> t
    t = np.array([bt.scenario.calendar.period_of(d[:7]) for d in bt.series.dates])
    slope, icpt = np.polyfit(t[ins], obs[ins], 1)
    trend_rmse = np.sqrt(np.mean((icpt + slope * t[~ins] - obs[~ins]) ** 2))
    model_rmse = np.sqrt(np.mean((bt.path[t[~ins]] - obs[~ins]) ** 2))
    assert bt.scores["rmse_trend_out_of_sample"] == pytest.approx(trend_rmse, rel=1e-12)
    assert bt.scores["rmse_out_of_sample"] == pytest.approx(model_rmse, rel=1e-12)
    # the verdict counts the threshold: IAEA LEU passed L* = 4 t by 2012-09 and the model
    # path stays below it through 2013-02, so the backtest fails although the directions agree
    assert bt.threshold["observed_first_at_or_above"] == "2012-09"
    assert bt.threshold["model"] is None and np.nanmax(bt.path) < 4.0
    out_phases = [p for p in bt.phases if p["out_of_sample"]]
    assert out_phases and all(p["agree"] for p in out_phases)
    assert bt.verdict == "fail" and any("threshold 4" in r for r in bt.reasons)


def test_the_verdict_fails_on_a_wrong_direction_and_passes_on_the_models_own_path(
    iran, iran_backtest, tmp_path
):
    """A verdict that can fail: the same scenario against an invented series that falls
    after the fit fails on direction; against its own mean path (threshold moved out of
    reach) it passes."""
    sc = iran.with_updates(**{"hedging.threshold": 100.0})
    bt = V.validate(sc)
    months = ["2008-08", "2008-11", "2010-05", "2011-06", "2012-09"]
    periods = [sc.calendar.period_of(m) for m in months]
    own = _csv(
        tmp_path / "own.csv", [(m, bt.path[t] * 1000) for m, t in zip(months, periods, strict=True)]
    )
    passing = V.validate(sc, observed=own)
    assert passing.verdict == "pass", passing.reasons
    assert passing.scores["rmse_out_of_sample"] < 0.1 * passing.scores["rmse_trend_out_of_sample"]
    falling = [(m, bt.path[t] * 1000) for m, t in zip(months[:3], periods[:3], strict=True)]
    falling += [("2011-06", 800.0), ("2012-09", 100.0)]
    failing = V.validate(sc, observed=_csv(tmp_path / "fall.csv", falling))
    assert failing.verdict == "fail"
    assert any("observed falling, simulated rising" in r for r in failing.reasons)


def test_direction_uses_the_flat_tolerance():
    assert V._direction(0.04, 1.0, 0.05) == "flat"
    assert V._direction(-0.06, 1.0, 0.05) == "falling"
    assert V._direction(0.06, 1.0, 0.05) == "rising"
    assert V._direction(float("nan"), 1.0, 0.05) == "no data"


def test_decline_is_the_fall_from_the_running_peak():
    sc = bs.load_scenario("libya-1986-2004", runs=50, overrides={"horizon": 5})
    res = bs.run(sc)
    res.records["latency"][:] = np.array([[1.0], [3.0], [2.0], [4.0], [0.5]])
    assert np.allclose(V.model_path(res), [0.0, 0.0, 1.0, 0.0, 3.5])


@pytest.mark.parametrize("case", CASES)
def test_each_case_validates_on_its_split(capsys, case, tmp_path):
    """Every built-in case runs through validate: its per-phase table, scores and verdict on
    the console and in JSON, a figure, and a sealed folder."""
    out = tmp_path / "v"
    code = main(["validate", case, "--runs", "200", "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 0
    assert "phase" in text and "verdict:" in text and "time-trend null" in text
    doc = json.loads((out / "validation.json").read_text())
    sc = bs.load_scenario(case)
    assert doc["calibrated_until"] == sc.validation.calibrated_until
    assert [p["phase"] for p in doc["phases"]] == [p.name for p in sc.validation.phases]
    assert doc["verdict"] in ("pass", "fail", "untestable")
    assert (out / "validation.png").stat().st_size > 10_000
    assert json.loads((out / "contents.json").read_text())["kind"] == "validation"
    assert main(["validate", case, "--runs", "200", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == doc["verdict"]


def test_validation_needs_a_split():
    with pytest.raises(ScenarioError, match=r"validation\.calibrated_until"):
        V.validate(bs.load_scenario("oye-dyad"))


def test_the_fit_recovers_a_known_parameter_and_flags_one_the_data_cannot_see(tmp_path):
    """Observations made by the model itself at threat_sensitivity = 0.2, under pressure
    only: the fit recovers 0.2 with a finite standard error and calls it identified; the
    relationship sensitivity, which no offer ever engages, has a flat profile."""
    over = {
        "schedule": [{"date": "2003-01", "policy": "blackmail"}],
        "counterfactuals": {},
        "hedging.threshold": 100.0,
        "hedging.threat_sensitivity": 0.2,
        "hedging.relationship_sensitivity": 1.0,
    }
    truth = bs.load_scenario("iran-2003-2013", runs=200, overrides=over)
    path = V.validate(truth.with_updates(**{"validation.free": []})).path
    months = ["2007-06", "2007-12", "2008-06", "2008-12", "2009-06", "2009-12", "2011-01"]
    rows = [(m, path[truth.calendar.period_of(m)] * 1000) for m in months]
    start = truth.with_updates(**{"hedging.threat_sensitivity": 0.05})
    bt = V.validate(start, observed=_csv(tmp_path / "own.csv", rows))
    d = bt.diagnostics
    ts, rs = d["hedging.threat_sensitivity"], d["hedging.relationship_sensitivity"]
    assert ts["value"] == pytest.approx(0.2, rel=1e-3)
    assert ts["identification"] == "identified"
    assert rs["identification"] in ("flat profile", "at a bound")
    assert max(rs["profile"]["objective"]) < 1e-6  # moving it changes nothing
    assert min(ts["profile"]["objective"]) < 1e-9 < max(ts["profile"]["objective"])


def test_calibrate_to_a_series_fits_every_point_and_recovers_the_parameters(tmp_path, capsys):
    """``calibrate --to series`` on observations the model made at threat_sensitivity 0.3
    and relationship_sensitivity 0.5 (the Iran schedule: pressure, then offers), with no
    ``calibrated_until``: every point is in the fit, both values come back with standard
    errors, and the saved scenario carries them; the options are refused where they mean
    nothing."""
    over = {
        "hedging.threshold": 100.0,
        "hedging.threat_sensitivity": 0.3,
        "hedging.relationship_sensitivity": 0.5,
        "validation.calibrated_until": None,
    }
    truth = bs.load_scenario("iran-2003-2013", runs=200, overrides=over)
    path = V.validate(truth.with_updates(**{"validation.calibrated_until": "2013-02",
                                            "validation.free": []})).path  # fmt: skip
    months = [f"{y}-{m:02d}" for y in range(2007, 2013) for m in (3, 9)]
    rows = [(m, path[truth.calendar.period_of(m)] * 1000) for m in months]
    observed = _csv(tmp_path / "own.csv", rows)
    start = truth.with_updates(**{"hedging.threat_sensitivity": 0.05,
                                  "hedging.relationship_sensitivity": 0.05})  # fmt: skip
    fit = bs.calibrate(start, to="series", observed=observed)
    n = len(fit.series.dates)  # the months and the series' origin (0 by definition)
    assert n == len(months) + 1 and fit.scores["n_in_sample"] == n
    assert fit.scores["n_out_of_sample"] == 0
    for name, true in (("hedging.threat_sensitivity", 0.3),
                       ("hedging.relationship_sensitivity", 0.5)):  # fmt: skip
        d = fit.diagnostics[name]
        assert d["value"] == pytest.approx(true, rel=1e-2), name
        assert d["se"] is not None and d["identification"] == "identified", name
    file = tmp_path / "start.yaml"
    from backscratch.core.schema import dump_yaml

    file.write_text(dump_yaml(start))
    saved = tmp_path / "fitted.yaml"
    args = ["calibrate", str(file), "--to", "series", "--observed", str(observed)]
    assert main([*args, "--save", str(saved), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["n_in_sample"] == n
    again = bs.load_scenario(saved)
    assert again.hedging.threat_sensitivity == doc["params"]["hedging.threat_sensitivity"]
    assert main(["calibrate", str(file), "--observed", str(observed)]) == 2
    assert "--observed: only with --to series" in capsys.readouterr().err
    none_free = tmp_path / "none.yaml"
    none_free.write_text(dump_yaml(start.with_updates(**{"validation.free": []})))
    assert main(["calibrate", str(none_free), "--to", "series", "--observed", str(observed)]) == 2
    assert "validation.free" in capsys.readouterr().err


def test_the_rank_correlation_is_spearmans_with_average_ranks_for_ties():
    # the backtests' rank correlation (computed without scipy.stats) against scipy's, on
    # series with and without ties; and a reversed order gives -1
    from scipy.stats import spearmanr

    rng = np.random.default_rng(3)
    for i in range(200):
        n = int(rng.integers(3, 40))
        a = rng.integers(0, 5, n).astype(float) if i % 2 else rng.normal(size=n)
        b = rng.normal(size=n) + a
        if np.ptp(a) == 0:
            continue
        assert V._spearman(a, b) == pytest.approx(spearmanr(a, b).statistic, abs=1e-12)
    x = np.arange(10.0)
    assert V._spearman(x, -(x**3)) == pytest.approx(-1.0)
    assert V._spearman(x, np.ones(10)) is None

"""TIES: the shares of V7 from the raw file, errors on bad files, and the SMM calibration."""

from __future__ import annotations

import hashlib
import json
import re
from importlib import resources
from types import SimpleNamespace

import numpy as np
import pytest
from scipy.optimize import brentq

from backscratch.cli import main
from backscratch.core.errors import ScenarioError
from backscratch.core.schema import load_scenario
from backscratch.data import ties
from backscratch.dyad import _kernels as kernels
from backscratch.studies import calibrate_ties as ties_fit


@pytest.fixture(scope="module")
def cases():
    return ties.load()


def test_shipped_copy_is_the_file_of_the_provenance_note():
    folder = resources.files("backscratch.data") / "ties"
    digest = hashlib.sha256((folder / ties.FILE).read_bytes()).hexdigest()
    assert digest in (folder / "PROVENANCE.md").read_text("utf-8")


def test_v7_shares_from_the_raw_file(cases):
    d = ties.describe(cases)
    assert (d["n_cases"], d["n_coded"]) == (1412, 1024)
    tf = d["threat_first"]
    assert tf["n"] == 807
    assert round(100 * tf["acquiesce_threat_stage"], 1) == 25.0
    assert round(100 * tf["acquiesce_any_stage"], 1) == 39.2
    ct = d["carrots_threat_stage"]
    assert ct["with"]["n"] == 27 and round(100 * ct["with"]["acquiesce_any_stage"], 1) == 51.9
    assert round(100 * ct["without"]["acquiesce_any_stage"], 1) == 37.1
    assert ct["with"]["n"] + ct["without"]["n"] == d["n_coded"]


def test_json_contract(capsys):
    assert main(["data", "ties", "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert isinstance(d["n_coded"], int)
    assert set(d["threat_first"]) >= {"n", "acquiesce_threat_stage", "acquiesce_any_stage"}
    for k in ("with", "without"):
        assert set(d["carrots_threat_stage"][k]) >= {"n", "acquiesce_any_stage"}
    assert "selection" in d["caveat"]


def test_quirks_are_reported_not_dropped(cases):
    q = ties.quirks(cases)
    kinds = {}
    for row in q:
        kinds[row["quirk"]] = kinds.get(row["quirk"], 0) + 1
    assert kinds == {
        "outcome after imposition but imposition = 0": 15,
        "threat-stage outcome but threat = 0": 3,
        "threat-stage outcome but imposition = 1": 1,
    }
    quirky = {row["caseid"] for row in q}
    assert quirky <= {c.caseid for c in cases if c.coded}  # kept among the coded cases


def test_table_output_and_grouping(capsys, cases):
    assert main(["data", "ties", "--by", "costs"]) == 0
    text = capsys.readouterr().out
    assert "0.250 [0.222, 0.281]" in text and "Caveat" in text and "selection" in text
    groups = ties.by(cases, "costs")
    assert list(groups) == ["minor", "major", "severe", "not coded"]
    assert sum(g["n"] for g in groups.values()) == 1024
    # Anticipated costs matter as the coercion literature expects: major > minor.
    assert (
        groups["major"]["acquiesce_any_stage"]["ci95"][0]
        > groups["minor"]["acquiesce_any_stage"]["ci95"][1]
    )


@pytest.mark.parametrize(("k", "n"), [(14, 27), (202, 807), (0, 10), (10, 10), (1, 3)])
def test_wilson_interval_inverts_the_score_test(k, n):
    """The Wilson interval is the set of p at which |k/n - p| <= z sqrt(p(1-p)/n)."""
    z = 1.959964
    lo, hi = ties.wilson(k, n)
    f = lambda p: abs(k / n - p) - z * np.sqrt(p * (1 - p) / n)  # noqa: E731
    want_lo = 0.0 if k == 0 else brentq(f, 1e-12, min(k / n, 1 - 1e-9))
    want_hi = 1.0 if k == n else brentq(f, max(k / n, 1e-9), 1 - 1e-12)
    assert lo == pytest.approx(want_lo, abs=1e-9) and hi == pytest.approx(want_hi, abs=1e-9)


def _csv_with(tmp_path, edit):
    text = (resources.files("backscratch.data") / "ties" / ties.FILE).read_text("utf-8")
    lines = text.splitlines()
    path = tmp_path / "ties.csv"
    path.write_text("\n".join(edit(lines)) + "\n", "utf-8")
    return path


def _bad_outcome(lines):
    header = lines[0].split(",")
    i = header.index("finaloutcome")
    row = next(csv_row for csv_row in lines[1:] if '"' not in csv_row)
    cells = row.split(",")
    cells[i] = "11"
    return [lines[0], ",".join(cells)]


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda tmp: tmp / "missing.csv", r"missing\.csv: no such file"),
        (
            lambda tmp: _csv_with(tmp, lambda ls: ["a,b", "1,2"]),
            r"not the TIES CSV \(missing column",
        ),
        (lambda tmp: _csv_with(tmp, _bad_outcome), r"ties\.csv:2, column finaloutcome: '11'"),
        (lambda tmp: _csv_with(tmp, lambda ls: ls[:1]), r"ties\.csv: no cases"),
    ],
)
def test_bad_data_file_is_one_line_exit_2(tmp_path, capsys, make, needle):
    path = make(tmp_path)
    with pytest.raises(ScenarioError, match=needle):
        ties.load(path)
    for argv in (
        ["data", "ties", "--path", str(path)],
        ["calibrate", "oye-dyad", "--to", "ties", "--data", str(path), "--runs", "10"],
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert re.search(needle, err) and err.count("\n") == 1


def test_case_reading_of_a_run_by_hand():
    """Run 0 complies at once; run 1 resists, is punished, complies; run 2 resists, the
    demander backs down (sender capitulation), later compliance does not count; run 3 resists
    and is punished to the horizon (stalemate)."""
    C, R = kernels.COMPLIED, 1 - kernels.COMPLIED
    response = np.array([[C, R, R, R], [C, C, C, R], [C, C, C, R]])
    backed = np.zeros((3, 4), dtype=bool)
    backed[0, 2] = True
    result = SimpleNamespace(records={"response": response, "backed_down": backed})
    out = ties_fit.case_outcomes(result)
    assert out["threat_stage"].tolist() == [True, False, False, False]
    assert out["any_stage"].tolist() == [True, True, False, False]


def test_calibration_recovers_known_parameters():
    truth = np.array([0.4, 0.55, 0.6])
    data = ties_fit.simulated_moments(
        load_scenario("oye-dyad", {"runs": 40_000, "seed": 11}), truth
    )
    sc = load_scenario("oye-dyad", {"runs": 4000, "seed": 12})  # other random numbers
    sd = np.array([0.015, 0.017, 0.096])  # the TIES moments' bootstrap standard errors
    # From the first of the fit's starts, (0.5, 0.6, 2.0), far from both truths; from all
    # four the fit finds the same optima (each extra start costs ~4 s and finds nothing new).
    start = ties_fit.STARTS[:1]
    theta = ties_fit.fit_moments(sc, data, sd, starts=start)
    assert (np.abs(theta - truth) < [0.05, 0.05, 0.25]).all(), theta
    # ... and a different truth gives a different answer (the fit is not a constant).
    other = ties_fit.simulated_moments(
        load_scenario("oye-dyad", {"runs": 40_000, "seed": 11}), [0.7, 0.3, 2.0]
    )
    assert np.abs(ties_fit.fit_moments(sc, other, sd, starts=start) - [0.7, 0.3, 2.0]).max() < 0.3


def test_shipped_calibrated_scenario_reproduces_the_ties_moments():
    sc = load_scenario("ties-calibrated")
    assert "TIES" in sc.description
    check = ties_fit.evaluate(sc)
    assert check.within_ci.all()
    # and the moments are matched far more tightly than their intervals
    assert np.abs(check.errors).max() < 0.01
    # whereas the uncalibrated reference dyad misses the threat-stage share
    assert not ties_fit.evaluate(load_scenario("oye-dyad", {"runs": 10_000})).within_ci.all()


def test_calibrate_command_json(capsys, tmp_path):
    fig, saved = tmp_path / "fit.png", tmp_path / "mine.yaml"
    argv = ["calibrate", "oye-dyad", "--to", "ties", "--runs", "1500", "--format", "json"]
    assert main([*argv, "--bootstrap", "2", "--plot", str(fig), "--save", str(saved)]) == 0
    captured = capsys.readouterr()
    d = json.loads(captured.out)  # exactly one JSON object: progress went to stderr
    progress = captured.err.strip().splitlines()
    # each of the fit's four starts, then each of the two re-fits
    assert [line.split(":")[1].split()[0] for line in progress] == [f"{k}/6" for k in range(1, 7)]
    assert set(d["params"]) == set(ties_fit.FREE) and set(d["se"]) == set(ties_fit.FREE)
    assert d["se_method"] == "bootstrap: sd of 2 re-fits on resampled cases"
    assert all(np.isfinite(v) and v > 0 for v in d["se"].values())
    assert all(m["within_ci"] for m in d["moments"].values())
    for alt in d["alternatives"]:  # any other solution reported also fits
        assert (
            abs(alt["params"]["target.prior_pliable"] - d["params"]["target.prior_pliable"]) > 0.05
        )
    assert fig.stat().st_size > 5000
    mine = load_scenario(str(saved))
    assert mine.name == "mine" and mine.threat.credibility == pytest.approx(
        d["params"]["threat.credibility"]
    )
    assert main(["calibrate", "iran-2003-2013", "--save", str(saved)]) == 2
    assert "--save: only with --to ties" in capsys.readouterr().err


def test_delta_method_gives_the_documented_standard_errors():
    """At the shipped calibration (10,000 runs), the delta method gives the standard errors
    the README reports: 0.038, 0.032 and 0.21."""
    sc = load_scenario("ties-calibrated")
    theta = ties_fit.params_of(sc)
    _, _, cov = ties_fit.data_moments(ties.load(), bootstrap=2000, seed=sc.seed)
    se = ties_fit.delta_se(sc, theta, cov, ties_fit.simulated_moments(sc, theta))
    np.testing.assert_allclose(se, [0.038, 0.032, 0.21], rtol=0.05)


def test_two_distinct_parameter_sets_fit_the_ties_shares():
    """The moments are not monotone in the prior (a learning demander asks more of a target
    believed pliable): the TIES shares are matched exactly near prior 0.3 and within their
    95% intervals near prior 0.9, so the data do not pin the prior down. The fit reports the
    best and lists the other."""
    sc = load_scenario("oye-dyad", {"runs": 4000})
    observed, _, cov = ties_fit.data_moments(ties.load(), bootstrap=500)
    sd = np.sqrt(np.diag(cov))
    found = ties_fit.solutions(sc, observed, sd, starts=((0.5, 0.6, 2.0), (0.9, 0.5, 0.5)))
    priors = sorted(theta[0] for theta, _ in found)
    assert len(found) == 2 and priors[0] < 0.45 and priors[1] > 0.8, found
    for theta, _ in found:
        assert np.all(np.abs(ties_fit.simulated_moments(sc, theta) - observed) <= 1.96 * sd)
    # ... while a prior in between fits nothing: threat-stage compliance collapses there
    assert ties_fit.simulated_moments(sc, [0.6, 0.46, 0.25])[0] < 0.1

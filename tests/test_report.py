"""`backscratch report`: a self-contained HTML report of any run / compare / sweep / demo folder,
and `compare --out`, whose folder it reads."""

from __future__ import annotations

import json
import re

import numpy as np
import pyarrow.parquet as pq
import pytest

import backscratch as bs
from backscratch.cli import main
from backscratch.core.schema import load_scenario
from backscratch.dyad import io as folders


def cli(capsys, *args):
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_self_contained(text: str) -> None:
    """Nothing in the page is fetched: no external scripts, styles, fonts or images."""
    assert "<link" not in text and "<iframe" not in text and "@import" not in text
    assert not re.search(r"<script[^>]*\ssrc=", text)
    for ref in re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)["']""", text):
        assert ref.startswith(("data:", "#")), ref
    assert not re.search(r"url\(\s*['\"]?(?!data:)", text)


def images(text: str) -> int:
    return text.count('<img src="data:image/png;base64,')


def sections(text: str) -> list[str]:
    return re.findall(r"<h2>([^<]+)</h2>", text)


@pytest.fixture(scope="module")
def compare_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("cmp") / "cmp"
    assert (
        main(["compare", "oye-dyad", "--runs", "60", "--set", "horizon=15", "--out", str(out)]) == 0
    )
    return out


def test_compare_out_writes_summary_scenario_and_every_policys_periods(compare_dir):
    data = json.loads((compare_dir / "compare.json").read_text())
    keys = ["scenario", "runs", "seed", "version", "policies", "domestic", "diagnostics"]
    keys.append("threat_frontier")
    assert list(data) == keys
    for policy, d in data["diagnostics"].items():
        assert set(d["by_selection"]) == {"continuation", "lowest", "highest"}
        assert d["by_selection"]["continuation"]["cooperation_rate"] == pytest.approx(
            data["policies"][policy]["cooperation_rate"]
        )
    assert list(data["policies"]) == ["blackmail", "backscratching", "mixed"]
    assert data["domestic"]["eta_star"] is not None
    table = pq.read_table(compare_dir / "periods.parquet")
    assert table.num_rows == 3 * 60 * 15
    assert table["policy"].to_pylist()[:: 60 * 15] == ["blackmail", "backscratching", "mixed"]
    sc = load_scenario(compare_dir / "scenario.yaml")
    assert (sc.runs, sc.horizon) == (60, 15)


def test_periods_read_back_bit_identical(compare_dir):
    stored = folders.load_compare(compare_dir)
    sc = folders.read_scenario(compare_dir)
    assert stored.policies == ["blackmail", "backscratching", "mixed"]
    for policy in ("blackmail", "mixed"):
        fresh = bs.run(sc, policy=policy)
        for column in fresh.records:
            np.testing.assert_array_equal(stored[policy].records[column], fresh.records[column])
        np.testing.assert_array_equal(stored[policy].pliable, fresh.pliable)
        assert stored[policy].summary() == fresh.summary()
    assert stored.domestic() == json.loads((compare_dir / "compare.json").read_text())["domestic"]


def test_compare_json_output_is_unchanged_by_out(capsys, tmp_path):
    code, out, err = cli(
        capsys,
        "compare",
        "oye-dyad",
        "--runs",
        "30",
        "--set",
        "horizon=8",
        "--format",
        "json",
        "--out",
        tmp_path / "c",
    )
    assert code == 0 and err == ""
    assert list(json.loads(out)) == ["scenario", "runs", "seed", "policies", "threat_frontier"]
    assert out.count("\n") == 1
    assert (tmp_path / "c" / "compare.json").is_file()


def test_report_of_a_compare_folder(capsys, compare_dir, tmp_path):
    target = tmp_path / "sub" / "report.html"
    code, out, err = cli(capsys, "report", compare_dir, "-o", target)
    assert code == 0 and err == "" and "report written to" in out
    text = target.read_text()
    assert_self_contained(text)
    assert sections(text) == [
        "What was run",
        "Results",
        "Domestic lock-in",
        "Method",
        "Caveats",
        "Parameters",
    ]
    assert images(text) == 6  # cooperation, demand, belief, entries, latency, bars
    for label in (
        "blackmail",
        "backscratching",
        "mixed",
        "threshold L* = 1",
        "common random numbers",
    ):
        assert label in text
    # parameters with their units
    assert re.search(r"<td>threat\.credibility</td><td>0\.600</td><td>probability</td>", text)
    assert re.search(r"<td>shadow</td><td>0\.900</td><td>probability</td>", text)
    summary = json.loads(
        re.search(r'<script type="application/json" id="summary">(.*?)</script>', text).group(1)
    )
    assert summary["kind"] == "compare" and set(summary["policies"]) == {
        "blackmail",
        "backscratching",
        "mixed",
    }


def test_report_of_a_run_folder(capsys, tmp_path):
    run_dir = tmp_path / "run"
    assert (
        cli(
            capsys,
            "run",
            "oye-dyad",
            "--runs",
            "40",
            "--set",
            "horizon=10",
            "--policy",
            "backscratching",
            "--out",
            run_dir,
        )[0]
        == 0
    )
    code, _, err = cli(capsys, "report", run_dir, "-o", tmp_path / "r.html")
    assert code == 0 and err == ""
    text = (tmp_path / "r.html").read_text()
    assert_self_contained(text)
    assert sections(text) == ["What was run", "Results", "Method", "Caveats", "Parameters"]
    assert images(text) == 5
    assert "<code>backscratch run</code>" in text and "backscratching" in text


def test_report_of_a_sweep_folder_says_what_is_unfinished(capsys, tmp_path):
    sweep_dir = tmp_path / "sw"
    args = [
        "sweep",
        "oye-dyad",
        "--runs",
        "30",
        "--set",
        "horizon=10",
        "--grid",
        "shadow=0.5,0.9",
        "--grid",
        "third_parties.count=0,2",
        "--policies",
        "blackmail,backscratching",
        "--out",
        sweep_dir,
    ]
    assert cli(capsys, *args)[0] == 0
    code, _, _ = cli(capsys, "report", sweep_dir, "-o", tmp_path / "s.html")
    assert code == 0
    text = (tmp_path / "s.html").read_text()
    assert_self_contained(text)
    assert "8 of 8" in text and "Only" not in text
    assert images(text) == 6  # four metrics against shadow, a heatmap, a paired contrast
    assert (
        "Paired contrast backscratching − blackmail of the cooperation rate over shadow × "
        "third_parties.count: per-run differences on common random numbers" in text
    )
    assert "shadow" in text and "third_parties.count" in text and "mean ± 95% CI" in text
    # figures against shadow say what they hold fixed (never a silent mean over a key)
    assert "one line per policy at third_parties.count = 2; bands" in text
    assert "means over shadow" not in text and "means over third" not in text
    next(iter(sorted((sweep_dir / "done").glob("*.json")))).unlink()
    assert cli(capsys, "report", sweep_dir, "-o", tmp_path / "s2.html")[0] == 0
    assert "Only 7 of 8 tasks are finished" in (tmp_path / "s2.html").read_text()


def test_report_of_a_demo_folder(demo_run):
    from backscratch.studies import demo

    folder = demo_run[0]
    text = demo.report_page(folder)
    assert_self_contained(text)
    assert images(text) == 2
    assert sections(text) == [
        "The reference dyad",
        "Domestic lock-in",
        "The case study",
        "Method",
        "Caveats",
        "Parameters",
    ]
    ref = json.loads((folder / "reference.json").read_text())
    case = json.loads((folder / "summary.json").read_text())
    # The tables show the folder's numbers: every policy's cooperation rate, every
    # counterfactual's final latency, and eta*.
    for s in ref["policies"].values():
        assert f"<td>{s['cooperation_rate']:.3f}</td>" in text
    for s in case["counterfactuals"].values():
        assert f"<td>{s['final_latency']:.3f}</td>" in text
    assert f"η* = {ref['domestic']['eta_star']:.3f}" in text
    blob = re.search(r'<script type="application/json" id="summary">(.*?)</script>', text)
    embedded = json.loads(blob.group(1).replace("<\\/", "</"))
    assert embedded == {"kind": "demo", "reference": ref, "case": case}


@pytest.mark.parametrize(
    ("make", "args", "message"),
    [
        (None, ["missing"], "backscratch: error: {d}/missing: no such folder"),
        ("empty", ["empty"], "backscratch: error: {d}/empty: not a results folder"),
        (
            "empty",
            ["empty", "-o", "{d}/report.txt"],
            "backscratch: error: -o '{d}/report.txt': the report file name must end in .html",
        ),
    ],
)
def test_bad_report_input_is_one_line_and_exit_2(capsys, tmp_path, make, args, message):
    if make:
        (tmp_path / make).mkdir()
    argv = [
        "report",
        *(
            a.format(d=tmp_path) if "{d}" in a else str(tmp_path / a) if i == 0 else a
            for i, a in enumerate(args)
        ),
    ]
    if "-o" not in argv:
        argv += ["-o", str(tmp_path / "out.html")]
    code, out, err = cli(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith(message.format(d=tmp_path)) and err.count("\n") == 1
    assert not (tmp_path / "out.html").exists()


def test_the_belief_figure_shows_learning_by_true_type_not_a_flat_mean(demo_run):
    """Over all runs the public belief is a martingale (its mean stays at the prior), so the
    demo's belief figure splits it by the target's true type: at the reference parameters the
    gap between pliable and resolute targets' final beliefs is wide under every policy, and
    the caption quotes the numbers of the runs plotted."""
    from backscratch.report import figures
    from backscratch.studies import demo

    cmp = bs.compare("oye-dyad", runs=2000)
    results = {p: cmp[p] for p in ("blackmail", "backscratching", "mixed")}
    for name, res in results.items():
        ends = figures.belief_ends(res)
        assert abs(ends["all"] - 0.5) < 0.02, (name, ends)  # the prior: a martingale
        assert ends["pliable"] - ends["resolute"] > 0.15, (name, ends)  # 0.21 to 0.46
    caption = demo.belief_caption(results)
    e = figures.belief_ends(results["backscratching"])
    assert f"backscratching: {e['pliable']:.2f} if pliable, {e['resolute']:.2f}" in caption
    fig = figures.belief_by_type(results)
    assert [ax.get_title() for ax in fig.axes] == list(results)
    assert all(len(ax.get_lines()) == 3 for ax in fig.axes)
    text = (demo_run[0] / "report.html").read_text("utf-8")
    assert "by the target&#x27;s true type" in text and "Final belief, blackmail:" in text


def test_the_demo_report_shows_the_three_backtests(demo_run):
    """The demo validates each case on its own split; its report and summary.json carry the
    same verdicts, with the reasons."""
    folder = demo_run[0]
    summary = json.loads((folder / "summary.json").read_text())
    text = (folder / "report.html").read_text("utf-8")
    assert "<h2>Backtests against history</h2>" in text or "Backtests against history" in text
    assert set(summary["backtests"]) == {
        "iran-2003-2013", "north-korea-1985-2009", "libya-1986-2004",
    }  # fmt: skip
    for name, bt in summary["backtests"].items():
        assert f"{name}: " in text and f"<b>{bt['verdict']}</b>" in text
        for reason in bt["reasons"]:
            assert reason.split(" (")[0] in text.replace("&#x27;", "'")
    assert "backscratch validate" in demo_run[1]


def test_the_demo_report_lists_its_parameters_with_units(demo_run):
    text = (demo_run[0] / "report.html").read_text("utf-8")
    params = text[text.index("Parameters</h2>") :]
    assert "<td>hedging.threat_sensitivity</td>" in params
    assert "capacity units per payoff unit" in params and "<pre>" not in params.split("YAML")[0]


def test_the_demo_on_one_process_gives_the_same_files_as_on_a_pool(demo_run):
    """The demo's parts run on a process pool (``demo_run`` used every core); in this
    process alone they give the same summary.json and reference.json to the byte."""
    import json

    from backscratch.studies import demo

    assert sorted(demo.LONGEST_FIRST) == sorted(demo.PARTS)  # the pool takes every part
    folder = demo_run[0]
    alone = demo.run({"runs": 300}, workers=1)
    for name, doc in (("summary.json", alone.summary_json()),
                      ("reference.json", alone.reference_json())):  # fmt: skip
        assert json.loads((folder / name).read_text()) == json.loads(json.dumps(doc)), name


@pytest.mark.parametrize("objective", ["nation", "leader"])
def test_the_demo_lock_in_map_is_the_phase_map_without_solving_the_nation_per_cell(objective):
    """The demo's lock-in cells leave out the nation's terms and take them from the nation's
    one solve (the ``strategic`` part's when ``oye-dyad``'s game is the nation's): the rows
    equal :func:`~backscratch.game.api.phase_map`'s, which solves the nation in every cell,
    value for value — also when an override makes the reference game the leader's."""
    from backscratch.game.api import first_move, phase_map
    from backscratch.studies import demo

    ov = {"horizon": 2, "strategic.objective": objective}
    nation = demo.nation_move(ov, first_move(demo._oye(ov)))
    rows = [
        demo.with_nation(demo.lock_in_cell(i, ov), nation) for i in range(len(demo.LOCK_IN_CELLS))
    ]
    assert rows == phase_map(demo._leader(ov), axes=demo.LOCK_IN_AXES).rows

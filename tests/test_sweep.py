"""Sweeps: bit-identical on every backend and worker count, resumable after SIGKILL."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from backscratch.cli import main
from backscratch.core.errors import ScenarioError
from backscratch.core.schema import load_scenario
from backscratch.core.store import file_sha256
from backscratch.dyad import sweep as sw
from backscratch.dyad.results import RUN_METRICS

GRID = ["shadow=0.5:0.9:3", "third_parties.count=0,2"]
POLICIES = ["blackmail", "backscratching"]


def _run(out: Path, backend: str = "serial", workers: int | None = None, runs: int = 200):
    sc = load_scenario("oye-dyad", {"runs": runs, "horizon": 20})
    grid = sw.parse_grid(GRID, sc)
    res = sw.sweep(sc, grid=grid, out=out, policies=POLICIES, backend=backend, workers=workers)
    return {"tasks": res.tasks, "skipped": res.skipped, "ran": res.ran}


def _hashes(out: Path) -> dict[str, str]:
    return {p.name: file_sha256(p) for p in sorted((out / "parts").glob("*.parquet"))}


def _children() -> set[int]:
    """This process's descendants, except multiprocessing's resource tracker (a helper that
    lives as long as the interpreter that started it, whatever the backend)."""
    import psutil

    return {
        p.pid
        for p in psutil.Process().children(recursive=True)
        if "resource_tracker" not in " ".join(p.cmdline())
    }


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "sweep"
    assert _run(out) == {"tasks": 12, "skipped": 0, "ran": 12}
    return out


def test_parts_manifest_and_layout(reference):
    manifest = json.loads((reference / "manifest.json").read_text())
    assert manifest["grid"] == {"shadow": [0.5, 0.7, 0.9], "third_parties.count": [0, 2]}
    assert len(manifest["tasks"]) == 12
    table = pq.read_table(reference / "parts" / "task-000000.parquet")
    assert table.num_rows == 200
    metrics = [m.name for m in RUN_METRICS]
    for col in ("task", "point", "shadow", "third_parties.count", "policy", "run", *metrics):
        assert col in table.column_names
    assert (
        pq.ParquetFile(reference / "parts" / "task-000000.parquet")
        .metadata.row_group(0)
        .column(0)
        .compression
        == "ZSTD"
    )


@pytest.mark.parametrize(("backend", "workers"), [("local", 2), ("local", 1), ("dask", 2)])
def test_p9_identical_on_every_backend_and_worker_count(reference, tmp_path, backend, workers):
    before = _children()
    out = tmp_path / "sweep"
    _run(out, backend, workers)
    assert _hashes(out) == _hashes(reference)
    # Pools and the LocalCluster are shut down: no worker or nanny process is left behind.
    deadline = time.time() + 10
    while time.time() < deadline:
        left = _children() - before
        if not left:
            break
        time.sleep(0.1)
    assert not left


def test_rerun_skips_finished_parts(reference):
    assert _run(reference) == {"tasks": 12, "skipped": 12, "ran": 0}


def test_half_written_or_corrupt_parts_are_redone(reference, tmp_path):
    out = tmp_path / "sweep"
    _run(out)
    parts = out / "parts"
    (out / "done" / "task-000003.json").unlink()  # killed between part and record
    (parts / ".task-000005.parquet.abc.part").write_bytes(b"PAR1 half")  # killed mid-write
    names, rows = sw.Sweep.open(out).summarize()  # unfinished parts are never read
    assert sum(dict(zip(names, r, strict=True))["runs"] for r in rows) == 11 * 200
    (parts / "task-000007.parquet").write_bytes(b"garbage")  # corrupted after the fact
    with pytest.raises(ScenarioError, match=r"task-000007\.parquet: changed since its task"):
        sw.Sweep.open(out).summarize()  # a finished part that no longer verifies: refused
    assert _run(out) == {"tasks": 12, "skipped": 10, "ran": 2}
    assert _hashes(out) == _hashes(reference)


def test_sigkill_midway_then_resume_equals_uninterrupted(tmp_path):
    out = tmp_path / "killed"
    cmd = [
        sys.executable,
        "-m",
        "backscratch",
        "sweep",
        "oye-dyad",
        "--out",
        str(out),
        "--grid",
        "shadow=0.3:0.95:4",
        "--grid",
        "third_parties.count=0,1,2,3,4",
        "--policies",
        "blackmail,backscratching,mixed",
        "--runs",
        "1000",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and len(list((out / "done").glob("*.json"))) < 10:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done_at_kill = len(list((out / "done").glob("*.json")))
    assert 10 <= done_at_kill < 60, "the kill must land mid-sweep"
    assert subprocess.run(cmd, capture_output=True, check=False).returncode == 0
    whole = tmp_path / "whole"
    cmd_whole = [*cmd]
    cmd_whole[cmd.index(str(out))] = str(whole)
    assert subprocess.run(cmd_whole, capture_output=True, check=False).returncode == 0
    assert _hashes(out) == _hashes(whole)
    assert len(_hashes(out)) == 60


def test_a_different_sweep_in_the_same_folder_is_refused(reference):
    sc = load_scenario("oye-dyad", {"runs": 200, "horizon": 20, "shadow": 0.1})
    with pytest.raises(ScenarioError, match="holds a different sweep"):
        sw.sweep(sc, grid=sw.parse_grid(GRID, sc), out=reference, policies=POLICIES)


def test_summarize_and_plot_commands(reference, tmp_path, capsys):
    assert main(["summarize", str(reference), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 12 and all(r["runs"] == 200 for r in rows)
    by = {(r["shadow"], r["third_parties.count"], r["policy"]): r for r in rows}
    # The grid is live: threats lose cooperation as the shadow lengthens; offers do not.
    bm_short, bm_long = by[(0.5, 0, "blackmail")], by[(0.9, 0, "blackmail")]
    assert bm_short["cooperation_rate"] > bm_long["cooperation_rate"] + 0.1
    # Never pooled silently: grouping by policy alone would average over the grid keys.
    assert main(["summarize", str(reference), "--by", "policy"]) == 2
    err = capsys.readouterr().err.strip()
    assert "--where: none given for shadow (0.5, 0.7, 0.9)" in err and "\n" not in err
    where = ["--where", "shadow=0.9", "--where", "third_parties.count=0"]
    assert main(["summarize", str(reference), "--by", "policy", *where, "--format", "json"]) == 0
    fixed = {r["policy"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(fixed) == set(POLICIES)
    for name, r in fixed.items():  # exactly the runs at that point
        assert r["cooperation_rate"] == by[(0.9, 0, name)]["cooperation_rate"]
    assert main(["summarize", str(reference), "--by", "policy", "--where", "shadow=0.8"]) == 2
    assert "--where shadow: 0.8 is not one of 0.5, 0.7, 0.9" in capsys.readouterr().err
    assert main(["plot", str(reference), "--x", "shadow", "-o", str(tmp_path / "x.png")]) == 2
    assert "none given for third_parties.count" in capsys.readouterr().err
    for x, name, w in (("shadow", "lines.png", ["--where", "third_parties.count=2"]),
                       ("shadow,third_parties.count", "heat.svg", [])):  # fmt: skip
        assert main(["plot", str(reference), "--x", x, *w, "-o", str(tmp_path / name)]) == 0
        assert (tmp_path / name).stat().st_size > 1000


def test_plot_facets_contrasts_and_labels(reference, tmp_path, capsys):
    import pandas as pd

    import backscratch as bs

    df = bs.load_sweep(reference)
    # Small multiples: one panel per third-party count, one line per policy, each line the
    # runs' mean at that point; axes named by field, symbol and unit.
    fig = bs.plot_sweep(reference, x="shadow", facet="third_parties.count")
    axes = [ax for ax in fig.axes if ax.get_lines()]
    assert [ax.get_title() for ax in axes] == [
        "third parties count M = 0",
        "third parties count M = 2",
    ]
    assert axes[0].get_xlabel() == "shadow δ [probability]"
    assert axes[0].get_ylabel().startswith("cooperation rate [share]")
    for ax, m in zip(axes, (0, 2), strict=True):
        for line in ax.get_lines():
            policy = line.get_label().split(" = ")[1]
            sel = df[(df["third_parties.count"] == m) & (df["policy"] == policy)]
            want = sel.groupby("shadow")["cooperation_rate"].mean().to_numpy()
            assert np.allclose(line.get_ydata(), want, rtol=0, atol=1e-12)
    # A paired contrast: one line, the mean of the per-run differences (hand computed).
    pair = ("backscratching", "blackmail")
    fig = bs.plot_sweep(reference, x="shadow", contrast=pair, where={"third_parties.count": 0})
    (ax,) = [ax for ax in fig.axes if ax.get_lines()]
    (line, zero) = ax.get_lines()
    at0 = df[df["third_parties.count"] == 0]
    wide = at0.pivot_table(index=["shadow", "run"], columns="policy", values="demander_payoff")
    fig = bs.plot_sweep(
        reference, x="shadow", y="demander_payoff", contrast=pair, where={"third_parties.count": 0}
    )
    (ax,) = [ax for ax in fig.axes if ax.get_lines()]
    diff = (wide["backscratching"] - wide["blackmail"]).groupby("shadow").mean()
    assert np.allclose(ax.get_lines()[0].get_ydata(), diff.to_numpy(), rtol=0, atol=1e-9)
    assert list(zero.get_ydata()) == [0.0, 0.0]
    # A contrast heatmap: a diverging map symmetric about 0, every cell's value written.
    fig = bs.plot_sweep(reference, x="shadow,third_parties.count", contrast=pair)
    heat = fig.axes[0]
    (image,) = heat.get_images()
    lo, hi = image.get_clim()
    assert image.get_cmap().name == "RdBu" and lo == -hi and hi > 0
    wide = df.pivot_table(
        index=["shadow", "third_parties.count", "run"], columns="policy", values="cooperation_rate"
    )
    cells = (wide["backscratching"] - wide["blackmail"]).groupby(level=[0, 1]).mean()
    assert sorted(float(t.get_text()) for t in heat.texts) == sorted(
        round(v, 2) for v in cells.to_numpy()
    )
    assert isinstance(cells, pd.Series) and len(heat.texts) == 6
    # The series key fixed by --where draws one series (it clashed with the default --hue).
    args = ["plot", str(reference), "--x", "shadow,third_parties.count", "--where"]
    assert main([*args, "policy=blackmail", "-o", str(tmp_path / "one.png")]) == 0
    capsys.readouterr()
    args = ["plot", str(reference), "--x", "shadow", "--facet"]
    assert main([*args, "shadow", "-o", str(tmp_path / "no.png")]) == 2
    err = capsys.readouterr().err
    assert "--facet shadow: is already on an axis" in err and err.count("\n") == 1
    assert main([*args, "policy", "--contrast", "backscratching-blackmail"]) == 2
    assert "--facet policy: a contrast is already over the policies" in capsys.readouterr().err
    assert not (tmp_path / "no.png").exists()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--grid", "shadoww=0.5,0.9"], "shadoww: unknown field"),
        (["--grid", "shadow=0.5:0.9"], "a range is start:stop:count"),
        (["--grid", "shadow=1.5"], "shadow: input should be less than or equal to 1"),
        (["--grid", "shadow"], "expected key=v1,v2"),
        (["--grid", "shadow=,"], "--grid shadow: expected a non-empty list of values"),
        (["--grid", "shadow=0.9:0.5:0"], "a range is start:stop:count"),
        (["--backend", "mpi"], "unknown backend 'mpi'"),
        (["--workers", "0", "--backend", "local"], "--workers: must be at least 1"),
        (["--scheduler", "127.0.0.1:1"], "--scheduler: only with the dask backend"),
        (["--grid", "runs=10,20"], "--grid runs: set runs directly, not as a grid key"),
    ],
)
def test_bad_sweep_input(tmp_path, capsys, args, needle):
    out = tmp_path / "never"
    assert main(["sweep", "oye-dyad", "--out", str(out), "--runs", "10", *args]) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1


def test_unwritable_out_and_unreachable_scheduler(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    args = ["sweep", "oye-dyad", "--runs", "10"]
    assert main([*args, "--out", str(blocker / "sweep")]) == 2
    err = capsys.readouterr().err
    assert "is a file, not a folder" in err and "--out" in err and err.count("\n") == 1
    out = tmp_path / "sweep"
    assert main([*args, "--out", str(out), "--backend", "dask", "--scheduler", "127.0.0.1:1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--scheduler 127.0.0.1:1: cannot connect" in err[0]
    assert not list((out / "done").glob("*.json"))


def test_summarize_needs_a_sweep_folder(tmp_path, capsys):
    assert main(["summarize", str(tmp_path)]) == 2
    assert "not a sweep folder" in capsys.readouterr().err


@pytest.mark.parametrize("policy", ["blackmail", "mixed"])
def test_tasks_simulate_block_by_block_with_the_same_bits(policy):
    from backscratch.dyad.api import run
    from backscratch.dyad.model import DyadModel

    sc = load_scenario("oye-dyad", {"runs": 9000, "horizon": 20})  # two full blocks and a part
    whole = run(sc, policy=policy).per_run()
    blocks = sw.per_run_by_block(sc, policy)
    assert all(np.array_equal(whole[k], blocks[k], equal_nan=True) for k in whole)
    with pytest.raises(ValueError, match="multiple of"):
        DyadModel(sc, policy, first_run=100)


def test_progress_goes_to_stderr_every_5_percent_and_stdout_stays_clean(tmp_path, capsys):
    args = ["sweep", "oye-dyad", "--grid", "shadow=0.5:0.9:30", "--runs", "20", "--set"]
    assert main([*args, "horizon=5", "--out", str(tmp_path / "s")]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("sweep ") and "%)" not in captured.out  # no progress here
    lines = captured.err.strip().splitlines()
    percents = [int(line.split("(")[1].split("%")[0]) for line in lines]
    assert all(line.startswith("sweep: ") and " tasks (" in line for line in lines)
    assert percents == sorted(percents) and percents[-1] == 100 and percents[0] < 10
    assert 15 <= len(lines) <= 22  # about one line per 5% of 90 tasks, not one per task
    assert main([*args, "horizon=5", "--out", str(tmp_path / "s")]) == 0  # resumed: done
    (resumed,) = capsys.readouterr().err.strip().splitlines()  # one line: nothing left to do
    assert re.fullmatch(r"sweep: 90/90 tasks \(100%\), \d+\.\d s", resumed)


def test_a_sweep_reads_as_a_dataframe_with_grid_values_as_written(reference, tmp_path):
    import pandas as pd
    import polars as pl

    import backscratch as bs

    df = bs.load_sweep(reference)
    assert df.shape[0] == 12 * 200
    assert {"shadow", "third_parties.count", "policy", "run", "cooperation_rate"} <= set(df)
    assert sorted(df["shadow"].unique()) == [0.5, 0.7, 0.9]
    # The parts folder is readable as it stands, by pandas, polars and DuckDB alike.
    raw = pd.read_parquet(reference / "parts")
    assert raw.shape == df.shape
    assert pl.read_parquet(str(reference / "parts" / "*.parquet")).height == df.shape[0]
    # A range gives its points as one would write them: 0.6, not 0.6000000000000001.
    sc = load_scenario("oye-dyad", {"runs": 10, "horizon": 3})
    res = bs.sweep(sc, grid=sw.parse_grid(["shadow=0.5:0.95:10"], sc), out=tmp_path / "r",
                   policies=["blackmail"])  # fmt: skip
    assert res.grid["shadow"] == [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]
    got = res.to_pandas()
    assert (got["shadow"] == 0.6).sum() == 10
    # Values are typed by their field: an integer written for a probability is a float.
    assert sw.check_grid({"shadow": [0, 1]}, sc) == {"shadow": [0.0, 1.0]}
    with pytest.raises(ScenarioError, match="grid shadow: expected a non-empty list"):
        sw.check_grid({"shadow": "0.5"}, sc)


def test_a_second_sweep_on_a_folder_refuses_and_killed_tasks_leave_no_temp_files(tmp_path, capsys):
    import fcntl

    out = tmp_path / "sw"
    args = ["sweep", "oye-dyad", "--runs", "5", "--set", "horizon=3", "--grid",
            "shadow=0.5,0.6", "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    stale = out / "parts" / ".task-000000.parquet.x1y2.part"
    stale.write_bytes(b"half a part")
    (out / "parts" / "task-000000.parquet").unlink()  # that task was killed mid-write
    with open(out / ".lock", "a+") as fh:  # another sweep holds the folder
        fh.write("pid 4242")
        fh.flush()
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        capsys.readouterr()
        assert main(args) == 2
        err = capsys.readouterr().err.strip()
        assert "--out" in err and "a sweep is already running there (pid 4242)" in err
        assert stale.exists()  # nothing touched while the other sweep runs
        fcntl.flock(fh, fcntl.LOCK_UN)
    assert main(args) == 0  # resumes: the killed task again, its temp file gone
    assert not stale.exists() and (out / "parts" / "task-000000.parquet").exists()


def test_a_paired_contrast_is_the_mean_of_per_run_differences(reference, capsys):
    # The policies share random numbers run by run, so the contrast pairs (point, run).
    df = sw.Sweep.open(reference).to_arrow().to_pandas()
    sub = df[df["third_parties.count"] == 0]
    a = sub[sub.policy == "backscratching"].set_index(["point", "run"])
    b = sub[sub.policy == "blackmail"].set_index(["point", "run"])
    hand = (
        (a["cooperation_rate"] - b["cooperation_rate"])
        .groupby(a["shadow"])
        .agg(["mean", "std", "count"])
    )
    names, rows = sw.Sweep.open(reference).contrast(
        "backscratching", "blackmail", by=["shadow"], where={"third_parties.count": 0}
    )
    got = {r[0]: dict(zip(names, r, strict=True)) for r in rows}
    assert sorted(got) == sorted(hand.index)
    for shadow, row in hand.iterrows():
        g = got[shadow]
        assert g["runs"] == row["count"] == 200
        assert g["cooperation_rate"] == pytest.approx(row["mean"], abs=1e-12)
        half = 1.96 * row["std"] / np.sqrt(row["count"])
        assert g["cooperation_rate_ci95"] == pytest.approx(half, rel=1e-9)
    # the command prints the same rows; unnamed keys and unknown policies are refused
    args = ["summarize", str(reference), "--contrast", "backscratching-blackmail", "--by",
            "shadow", "--where", "third_parties.count=0", "--format", "json"]  # fmt: skip
    assert main(args) == 0
    printed = json.loads(capsys.readouterr().out)
    assert [r["cooperation_rate"] for r in printed] == [got[k]["cooperation_rate"] for k in
                                                         sorted(got)]  # fmt: skip
    assert main([*args[:6], "--format", "json"]) == 2
    assert "none given for third_parties.count" in capsys.readouterr().err
    assert main(["summarize", str(reference), "--contrast", "mixed-blackmail"]) == 2
    assert "--contrast 'mixed-blackmail': expected A-B" in capsys.readouterr().err


def test_tables_for_papers_parse_back_to_the_same_numbers(reference, capsys):
    assert main(["summarize", str(reference), "--format", "json"]) == 0
    want = json.loads(capsys.readouterr().out)
    names = list(want[0])

    def cells(text, fmt):
        if fmt == "markdown":
            lines = [ln.strip().strip("|").split("|") for ln in text.strip().splitlines()]
            return [c.strip() for c in lines[0]], [[c.strip() for c in r] for r in lines[2:]]
        body = text.split("\\midrule")[1].split("\\bottomrule")[0].strip().splitlines()
        head = text.split("\\toprule")[1].split("\\midrule")[0].strip().removesuffix(" \\\\")
        split = [r.removesuffix(" \\\\").split(" & ") for r in body]
        return [h.strip().replace("\\_", "_") for h in head.split(" & ")], split

    for fmt in ("markdown", "latex"):
        assert main(["summarize", str(reference), "--format", fmt, "--digits", "6"]) == 0
        header, rows = cells(capsys.readouterr().out, fmt)
        assert header == names and len(rows) == len(want)
        for got, row in zip(rows, want, strict=True):
            for name, cell in zip(names, got, strict=True):
                value = row[name]
                if name in ("shadow", "third_parties.count"):
                    assert cell == str(value)  # grid values exactly as written
                elif isinstance(value, float) and not np.isnan(value):
                    assert float(cell) == pytest.approx(value, abs=5e-7)
                    assert len(cell.split(".")[1]) == 6  # rounded as asked
                elif isinstance(value, str | int):
                    assert cell == str(value)
    # the default rounding is stated (4 digits), and Stata names are legal and unique
    assert main(["summarize", str(reference), "--format", "markdown"]) == 0
    first = capsys.readouterr().out.splitlines()[2].split("|")
    assert first[5].strip() == f"{want[0]['cooperation_rate']:.4f}"
    assert main(["summarize", str(reference), "--format", "csv", "--stata-names"]) == 0
    stata = capsys.readouterr().out.splitlines()[0].split(",")
    assert stata[:2] == ["shadow", "third_parties_count"] and len(set(stata)) == len(stata)
    assert all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,31}", n) for n in stata)


def test_sweep_limits_are_refused_before_any_task_and_stated_in_the_help(tmp_path):
    """The bounds a sweep enforces are the ones its --help states; a grid over them is refused
    before a folder is made."""
    base = load_scenario("oye-dyad", {"runs": 2})
    over = int(np.ceil(np.sqrt(sw.MAX_TASKS)))  # over x over points x 1 policy > MAX_TASKS
    grid = {"shadow": list(np.linspace(0, 1, over)), "horizon": list(range(1, over + 1))}
    with pytest.raises(ScenarioError, match=f"more than the limit of {sw.MAX_TASKS:,} tasks"):
        sw.sweep(base, grid=grid, out=tmp_path / "s", policies=["blackmail"])
    assert not (tmp_path / "s").exists()
    from typer.testing import CliRunner

    from backscratch.cli.common import app

    text = " ".join(CliRunner().invoke(app, ["sweep", "--help"]).output.split())
    assert f"{sw.MAX_GRID:,} values" in text and f"{sw.MAX_TASKS:,} tasks" in text

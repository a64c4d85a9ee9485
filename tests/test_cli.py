"""The command line: outputs, the JSON contract, and bad input (one line, exit 2, nothing written)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from backscratch.cli import main
from backscratch.dyad.results import CONTRACT


def cli(capsys, *args):
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_compare_json_contract(capsys):
    code, out, err = cli(
        capsys,
        "compare",
        "oye-dyad",
        "--policies",
        "blackmail,backscratching",
        "--runs",
        "300",
        "--seed",
        "5",
        "--format",
        "json",
    )
    assert code == 0 and err == ""
    data = json.loads(out)  # exactly one JSON object, nothing else
    assert list(data) == ["scenario", "runs", "seed", "policies", "threat_frontier"]
    assert data["scenario"] == "oye-dyad" and data["runs"] == 300 and data["seed"] == 5
    assert list(data["policies"]) == ["blackmail", "backscratching"]
    for summary in data["policies"].values():
        assert list(summary) == list(CONTRACT)
        assert all(isinstance(v, float) for v in summary.values())
    assert data["policies"]["backscratching"]["punishments_per_period"] == 0.0
    assert data["policies"]["blackmail"]["punishments_per_period"] > 0.0


def test_run_writes_parquet_scenario_and_summary(capsys, tmp_path):
    out_dir = tmp_path / "res"
    code, out, _ = cli(
        capsys,
        "run",
        "oye-dyad",
        "--runs",
        "50",
        "--set",
        "horizon=7",
        "--set",
        "policy=mixed",
        "--out",
        str(out_dir),
    )
    assert code == 0 and "cooperation rate" in out
    table = pq.read_table(out_dir / "periods.parquet")
    assert table.num_rows == 50 * 7
    for col in (
        "run",
        "period",
        "policy",
        "instrument",
        "demand",
        "response",
        "punished",
        "backed_down",
        "transfer",
        "belief",
        "payoff_demander",
        "payoff_target",
    ):
        assert col in table.column_names
    assert set(table.column("policy").to_pylist()) == {"mixed"}
    assert set(table.column("instrument").to_pylist()) == {3}
    summary = json.loads((out_dir / "summary.json").read_text())
    assert summary["policy"] == "mixed" and summary["runs"] == 50
    # The written scenario reproduces the run.
    code, _, _ = cli(
        capsys, "run", str(out_dir / "scenario.yaml"), "--out", str(tmp_path / "again")
    )
    assert code == 0
    assert pq.read_table(tmp_path / "again" / "periods.parquet").equals(table)


def test_scenarios_lists_builtins(capsys):
    code, out, _ = cli(capsys, "scenarios")
    assert code == 0 and "oye-dyad" in out and "blackmail-works" in out


def test_demo_prints_a_readable_summary(demo_run):
    """What the demo prints is what it wrote: every number in its tables and sentences comes
    from its own summary.json and reference.json."""
    folder, out = demo_run
    case = json.loads((folder / "summary.json").read_text())
    ref = json.loads((folder / "reference.json").read_text())
    for word in (
        "US–Iran",
        "What the numbers say",
        "cooperation rate",
        str(folder / "report.html"),
    ):
        assert word in out

    def row(first: str) -> str:
        return next(line for line in out.splitlines() if line.strip("│ ").startswith(first))

    for name, s in case["counterfactuals"].items():
        cells = row(name)
        assert f"{s['cooperation_rate']:.3f}" in cells and f"{s['final_latency']:.2f}" in cells
    coop = row("cooperation rate")
    for policy in ("blackmail", "backscratching", "mixed"):
        assert f"{ref['policies'][policy]['cooperation_rate']:.3f}" in coop
    assert f"RMSE {case['fit']['rmse']:.2f} t over 5 points" in out
    assert f"η* = {ref['domestic']['eta_star']:.2f}" in out
    ts = ref["ties"]["moments"]["threat_stage"]
    assert f"threat stage in {ts['observed']:.1%} of {ts['n']} cases" in out
    game = ref["equilibrium"]
    flat = " ".join(out.split())  # sentences wrap at 120 columns
    assert f"opens with {game['first_move']['action']}" in flat
    worst = max(game["lock_in"], key=lambda r: r["lock_in_cost"])
    assert f"costing the nation {worst['lock_in_cost']:.2f}" in flat
    # the lock-in table of the report: the nation's choice where the leader's differs
    assert {r["nation_choice"] for r in game["lock_in"]} == {"backscratching"}
    assert any(r["instrument"] != r["nation_choice"] for r in game["lock_in"])
    assert "What would a rational D do?" in (folder / "report.html").read_text()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["run", "no-such-scenario"], "not a built-in scenario"),
        (["run", "missing.yaml"], "scenario file 'missing.yaml': no such file"),
        (["run", "oye-dyad", "--set", "threat.credibilty=0.5"], "threat.credibilty: unknown field"),
        (
            ["run", "oye-dyad", "--set", "threat.credibility=1.2"],
            "threat.credibility: input should be less",
        ),
        (["run", "oye-dyad", "--set", "offer.reliability=-0.2"], "offer.reliability"),
        (
            ["run", "oye-dyad", "--set", "target.resolve_resolute=-3"],
            "target.resolve_resolute: input should be greater",
        ),
        (
            ["run", "oye-dyad", "--runs", "0"],
            "--runs 0: input should be greater than or equal to 1",
        ),
        (["compare", "oye-dyad", "--policies", "bribery"], "--policies: unknown policy 'bribery'"),
        (["compare", "oye-dyad", "--format", "xml"], "--format"),
        (["run", "oye-dyad", "--bogus"], "No such option: --bogus"),
        (["calibrate", "oye-dyad"], "the IAEA fit needs a dated scenario"),
        (
            ["run", "oye-dyad", "--runs", "100000000", "--set", "horizon=10000"],
            "more than the disk",
        ),
        # only run and compare take the tribute model; the rest say so in one line
        (["sweep", "tribute", "--out", "x"], "`backscratch sweep` takes dyad scenarios"),
        (["calibrate", "tribute", "--to", "ties"], "`backscratch calibrate` takes dyad"),
        (
            ["tournament", "--game", "coercion", "--scenario", "tribute"],
            "`backscratch tournament` takes dyad scenarios, not model 'tribute'",
        ),
        (
            ["evolve", "--game", "coercion", "--scenario", "tribute"],
            "`backscratch evolve` takes dyad scenarios, not model 'tribute'",
        ),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(capsys, tmp_path, args, needle):
    out_dir = tmp_path / "never"
    code, _out, err = cli(
        capsys,
        *args,
        *(["--out", str(out_dir)] if args[0] == "run" and "--bogus" not in args else []),
    )
    assert code == 2
    assert needle in err
    assert err.count("\n") == 1 and err.startswith("backscratch: error: ")
    assert "Traceback" not in err
    assert not out_dir.exists()


def test_malformed_file_through_the_installed_command(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("shadow: 0.9\nthreat: {credibility: [1\n")
    out_dir = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "backscratch", "run", str(bad), "--out", str(out_dir)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("backscratch: error: ") and "malformed YAML" in proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stdout == ""
    assert not out_dir.exists()


def test_version(capsys):
    from backscratch import __version__

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"backscratch {__version__}"


def test_the_command_line_starts_without_its_heavy_dependencies():
    # `backscratch --help` and `backscratch scenarios` should start fast: importing the
    # command line loads no model schema and none of numpy, numba, scipy, pyarrow, pydantic.
    code = (
        "import sys, backscratch.cli; "
        "print(sorted(m for m in ('numba', 'scipy', 'pyarrow', 'pydantic', 'numpy', 'pandas') "
        "if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


@pytest.mark.parametrize("args", [["scenarios"], ["--version"]])
def test_the_console_scripts_fast_paths_print_what_the_full_command_line_prints(args, capsys):
    """`backscratch scenarios` and `--version` are answered before typer loads (it builds
    pydantic adapters for every command's options): the same output as the full command
    line, and a process answering them imports neither typer nor pydantic."""
    from backscratch._entry import main as entry

    assert main(args) == 0
    full = capsys.readouterr().out
    assert entry(args) == 0
    assert capsys.readouterr().out == full and len(full) > 10
    code = (
        "import sys, contextlib, io; from backscratch._entry import main\n"
        f"with contextlib.redirect_stdout(io.StringIO()): main({args!r})\n"
        "print(sorted(m for m in ('typer', 'pydantic') if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"
    assert entry(["scenarios", "--help"]) == 0 and "List the built-in" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args",
    [
        ["run", "oye-dyad"],
        ["compare", "oye-dyad"],
        ["sweep", "oye-dyad", "--grid", "shadow=0.5"],
        ["equilibrium", "oye-dyad"],
        ["tournament"],
        ["evolve"],
        ["demo"],
    ],
)
def test_an_out_that_is_a_file_is_refused_before_any_work(capsys, tmp_path, args):
    file = tmp_path / "taken"
    file.write_text("keep")
    for out in (file, file / "below"):
        assert main([*args, "--out", str(out)]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("backscratch: error: --out") and "\n" not in err
    assert file.read_text() == "keep" and sorted(tmp_path.iterdir()) == [file]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["compare", "oye-dyad", "--eta", "nan"], "--eta 'nan': every value must be a finite"),
        (["compare", "oye-dyad", "--eta", "0,inf"], "--eta '0,inf': every value must be a finite"),
        (["compare", "oye-dyad", "--eta", "-1"], "--eta '-1': every value must be at least 0"),
        (["compare", "oye-dyad", "--eta", "0:2:30000000"], "more than 10,000 values"),
        (["equilibrium", "oye-dyad", "--map", "shadow=0:1:20000", "--map", "horizon=3"],
         "--map shadow '0:1:20000': more than 10,000 values"),
        (["sweep", "oye-dyad", "--grid", "shadow=0:1:3000000"],
         "--grid shadow: 3,000,000 values is more than the limit of 10,000"),
        (["sweep", "oye-dyad", "--grid", "shadow=[0.5"], "--grid shadow: malformed YAML"),
        (["solve", "tft-threshold", "--set", "T=.inf"], "T must be a finite number"),
        (["solve", "chain-store", "--set", "rounds=.inf"], "rounds must be a finite number"),
        (["solve", "chain-store", "--set", "rounds=100000000"], "rounds must be in [1, 10000]"),
        (["solve", "drezner", "--set", "rho=-1", "--set", "c_t=-2"], "rho must be in [0, 1]"),
        (["solve", "drezner", "--set", "rho=2"], "rho must be in [0, 1], got 2"),
        (["solve", "sechser", "--set", "c_c=-1"], "c_c must be in [0, 1e+06]"),
        (["evolve", "--t-max", "-1"], "--t-max: -1.0 must be a time span"),
        (["evolve", "--t-max", "nan"], "--t-max: nan must be a time span"),
        (["evolve", "--population", "1000000000"], "--population: Z = 1000000000 is more than"),
        (["evolve", "--game", "coercion", "--target-population", "0"],
         "--target-population: Z = 0 must be at least 2"),
        (["evolve", "--dynamics", "moran", "--counts", "1.5,2.7"], "--counts '1.5,2.7'"),
        (["run", "oye-dyad", "--set", "description=" + "[" * 40 + "]" * 40],
         "--set description: YAML nested more than 32 deep"),
    ],
)  # fmt: skip
def test_bad_numbers_and_sizes_fail_in_one_line_before_any_work(capsys, tmp_path, args, fragment):
    out = tmp_path / "out"
    writes = args[0] in ("run", "compare", "sweep", "equilibrium", "evolve")
    assert main([*args, *(["--out", str(out)] if writes else [])]) == 2
    err = capsys.readouterr().err.strip()
    assert fragment in err and "\n" not in err and "Traceback" not in err
    assert not out.exists()


def test_results_folders_are_sealed_and_trusted_only_when_whole(capsys, tmp_path):
    folder = tmp_path / "r"
    assert main(["compare", "oye-dyad", "--runs", "10", "--out", str(folder)]) == 0
    contents = json.loads((folder / "contents.json").read_text())
    assert contents["kind"] == "compare"
    assert set(contents["files"]) == {"compare.json", "scenario.yaml", "periods.parquet"}
    capsys.readouterr()
    # another kind of result over it: refused before any work, untouched, unless --force
    before = (folder / "compare.json").read_bytes()
    assert main(["run", "oye-dyad", "--runs", "10", "--out", str(folder)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("backscratch: error: --out") and "holds a compare result" in err
    assert (folder / "compare.json").read_bytes() == before
    assert main(["run", "oye-dyad", "--runs", "10", "--out", str(folder), "--force"]) == 0
    assert not (folder / "compare.json").exists()
    assert json.loads((folder / "contents.json").read_text())["kind"] == "run"
    assert main(["report", str(folder), "--output", str(tmp_path / "ok.html")]) == 0
    capsys.readouterr()

    def refused(fragment):
        html = tmp_path / "bad.html"
        assert main(["report", str(folder), "--output", str(html)]) == 2
        err = capsys.readouterr().err.strip()
        assert fragment in err and "\n" not in err and not html.exists()

    summary = folder / "summary.json"
    good = summary.read_bytes()
    summary.write_bytes(good.replace(b'"runs": 10', b'"runs": 11'))
    refused("summary.json: changed or corrupted since it was written")
    summary.write_bytes(good)
    (folder / "compare.json").write_text("{}")
    refused("compare.json: another result mixed into this run folder")
    (folder / "compare.json").unlink()
    (folder / "periods.parquet").rename(tmp_path / "moved.parquet")
    refused("periods.parquet: missing (listed in contents.json)")
    (tmp_path / "moved.parquet").rename(folder / "periods.parquet")
    seal = json.loads((folder / "contents.json").read_text())
    (folder / "contents.json").write_text(json.dumps({**seal, "files": {"../x": "0"}}))
    refused("lists '../x', outside the folder")
    (folder / "contents.json").write_text("[1, 2]")
    refused("contents.json: unreadable")
    (folder / "contents.json").unlink()
    refused("incomplete results folder (no contents.json")
    # a sweep folder is never overwritten by another verb
    sweep = tmp_path / "s"
    assert main(["sweep", "oye-dyad", "--runs", "5", "--set", "horizon=3",
                 "--grid", "shadow=0.5", "--out", str(sweep)]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["run", "oye-dyad", "--out", str(sweep), "--force"]) == 2
    assert "holds a sweep" in capsys.readouterr().err


def test_citation_file_names_the_package_version():
    import tomllib

    import yaml

    root = Path(__file__).resolve().parents[1]
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    citation = yaml.safe_load((root / "CITATION.cff").read_text())
    assert str(citation["version"]) == project["version"]
    assert citation["license"] == project["license"]

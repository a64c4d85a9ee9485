"""``run --out`` streamed block by block: the same files, byte for byte, in bounded memory."""

from __future__ import annotations

import hashlib

import pyarrow.parquet as pq

import backscratch as bs
from backscratch.cli import main
from backscratch.dyad import io
from backscratch.dyad.api import streamed_summary


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_streamed_run_writes_the_same_bytes_as_one_held_in_memory(tmp_path):
    """30,000 runs x 40 periods (1.2 M rows: two Parquet row groups) in blocks of 8,192 runs,
    so blocks and row groups do not line up: every file is identical to the in-memory
    write, and the summary equals the in-memory result's to the last bit."""
    sc = bs.load_scenario("oye-dyad", runs=30_000)
    held = bs.run(sc)
    io.write_run(held, tmp_path / "held")
    streamed = io.stream_run(sc, tmp_path / "streamed", block=8192)
    for name in ("periods.parquet", "summary.json", "scenario.yaml", "contents.json"):
        assert _digest(tmp_path / "held" / name) == _digest(tmp_path / "streamed" / name), name
    assert pq.ParquetFile(tmp_path / "streamed" / "periods.parquet").metadata.num_row_groups == 2
    assert streamed.summary() == held.summary()
    other = sc.with_updates(**{"solver.selection": "highest"})
    assert streamed_summary(other, None, block=4096) == bs.run(other).summary()


def test_the_summary_does_not_depend_on_how_the_runs_are_blocked():
    sc = bs.load_scenario("oye-dyad", runs=10_000, overrides={"policy": "backscratching"})
    by_block = {b: streamed_summary(sc, None, block=b) for b in (4096, 8192, 12288)}
    assert by_block[4096] == by_block[8192] == by_block[12288] == bs.run(sc).summary()


def test_a_streamed_comparison_writes_the_same_bytes_as_one_held_in_memory(tmp_path):
    """Three policies x 20,000 runs x 40 periods (2.4 M rows, row groups straddling the
    policies) in blocks of 8,192 runs: periods.parquet, scenario.yaml, compare.json and the
    seal are identical to the in-memory write, and so is every summary and the leader's
    line of each policy."""
    sc = bs.load_scenario("oye-dyad", runs=20_000)
    policies = ["blackmail", "backscratching", "mixed"]
    held = bs.compare(sc, policies=policies)
    io.write_compare(held, tmp_path / "held", diagnostics={"x": 1})
    streamed = io.stream_compare(sc, tmp_path / "streamed", policies=policies, block=8192)
    io.finish_compare(streamed, tmp_path / "streamed", diagnostics={"x": 1})
    for name in ("periods.parquet", "compare.json", "scenario.yaml", "contents.json"):
        assert _digest(tmp_path / "held" / name) == _digest(tmp_path / "streamed" / name), name
    assert pq.ParquetFile(tmp_path / "streamed" / "periods.parquet").metadata.num_row_groups == 3
    assert streamed.summaries() == held.summaries()
    assert {p: r.leader_line() for p, r in streamed.results.items()} == {
        p: r.leader_line() for p, r in held.results.items()
    }


def test_keep_periods_writes_the_same_files_as_streaming(tmp_path):
    """``--keep-periods`` holds the records in memory and writes them at once: the same files
    as the default streamed write, for run and compare; without --out it is refused."""
    from backscratch.cli import main

    args = ["oye-dyad", "--runs", "5000", "--set", "horizon=20"]
    for command in ("run", "compare"):
        assert main([command, *args, "--out", str(tmp_path / f"{command}-s")]) == 0
        assert (
            main([command, *args, "--out", str(tmp_path / f"{command}-k"), "--keep-periods"]) == 0
        )
        for f in sorted((tmp_path / f"{command}-s").iterdir()):
            assert _digest(f) == _digest(tmp_path / f"{command}-k" / f.name), (command, f.name)
    assert main(["run", *args, "--keep-periods"]) == 2


def test_run_without_a_folder_streams_its_summary(capsys):
    """``backscratch run`` without ``--out`` simulates block by block and keeps only the
    sums (memory bounded by a block; at 10^6 runs 0.42 GB against 3.3 GB held whole): the
    same summary, to the last bit, as the whole result, blocks or not."""
    sc = bs.load_scenario("oye-dyad", runs=9000, overrides={"horizon": 12})
    streamed = io.stream_summary(sc, policy="mixed", block=4096)
    assert streamed.summary() == bs.run(sc, policy="mixed").summary()
    assert streamed.diagnostics()["residual"] < 1e-9
    assert main(["run", "oye-dyad", "--runs", "300", "--set", "horizon=5"]) == 0
    assert "cooperation" in capsys.readouterr().out

"""``run --out`` streamed block by block: the same files, byte for byte, in bounded memory."""

from __future__ import annotations

import hashlib

import numpy as np
import pyarrow.parquet as pq
import pytest

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


def _numpy_chunk(result, runs):
    """The chunk sums of ``result``'s runs ``runs`` written directly in numpy, from the
    metrics' definitions (docs/results.md): the reference for the one-pass kernel."""
    from backscratch.dyad.codes import COMPLIED, NO_DEMAND, RESISTED

    sc, plan = result.scenario, result.plan
    r = {k: v[:, runs] for k, v in result.records.items()}
    disc = sc.shadow ** np.arange(sc.horizon)
    resp, demand, belief, entries = r["response"], r["demand"], r["belief"], r["entries"]
    made = resp != NO_DEMAND
    offers = made & plan.offer[:, None]
    broken = (resp == COMPLIED) & plan.offer[:, None] & (sc.offer.price * demand > 0)
    broken &= r["transfer"] == 0
    backed = np.where(plan.threat[:, None], sc.demander.value * demand, 0.0)
    pay_d = disc @ r["payoff_demander"]
    audience = sc.domestic.audience_cost * (disc @ r["backed_down"].astype(float))
    audience += sc.domestic.promise_cost * (disc @ broken.astype(float))
    out = {
        "runs": float(resp.shape[1]),
        "cells": float(resp.size),
        "made": made.sum(),
        "complied": (resp == COMPLIED).sum(),
        "punished": r["punished"].sum(),
        "backed_down": r["backed_down"].sum(),
        "demander": pay_d.sum(),
        "target": (disc @ r["payoff_target"]).sum(),
        "third": (disc @ r["payoff_third_parties"]).sum(),
        "transfer": r["transfer"].sum(),
        "offers": offers.sum(),
        "exchanges": (offers & (r["transfer"] > 0)).sum(),
        "final_belief": belief[-1].sum(),
        "entries": entries.sum(),
        "final_latency": r["latency"][-1].sum(),
        "crossed": (r["latency"] >= sc.hedging.threshold).any(axis=0).sum(),
        "leader0": (pay_d - audience).sum(),
        "toughness": (disc @ (backed - r["transfer"])).sum(),
    }
    nxt = made[1:] & made[:-1]
    for name, values, code, needs_next in (
        ("growth_c", demand[1:] - demand[:-1], COMPLIED, True),
        ("growth_r", demand[1:] - demand[:-1], RESISTED, True),
        ("jump_c", belief[1:] - belief[:-1], COMPLIED, False),
        ("jump_r", belief[1:] - belief[:-1], RESISTED, False),
        ("entries_c", entries[1:], COMPLIED, False),
        ("entries_r", entries[1:], RESISTED, False),
    ):
        sel = (resp[:-1] == code) & (nxt if needs_next else made[:-1])
        out[name], out[name + "_n"] = values[sel].sum(), sel.sum()
    return {k: float(v) for k, v in out.items()}


@pytest.mark.parametrize(
    "name, overrides",
    [
        ("oye-dyad", {"policy": "blackmail"}),
        ("oye-dyad", {"policy": "mixed", "third_parties.count": 3}),
        ("oye-dyad", {"policy": "backscratching", "domestic.promise_cost": 1.0,
                      "strategic.renege_costs": [0.5, 0.0], "strategic.choice_noise": 0.1}),
        ("oye-dyad", {"policy": "mixed", "horizon": 1}),
        ("iran-2003-2013", {}),
    ],
)  # fmt: skip
def test_the_one_pass_summary_sums_equal_the_metrics_definitions(name, overrides):
    """Every chunk sum behind a summary (``DyadResult.partials``, one numba pass) equals the
    same sum written directly in numpy from the metrics' definitions, to rounding (1e-10
    relative; a sum that skipped a condition or a period differs by far more), in every
    chunk, including a last, partial one; and every count is nonzero somewhere, so the test
    is not vacuous."""
    sc = bs.load_scenario(name, runs=5000, overrides=overrides)
    result = bs.run(sc)
    chunks = result.partials()
    assert len(chunks) == 2  # 4,096 runs and 904
    starts = [0, 4096]
    for start, chunk in zip(starts, chunks, strict=True):
        want = _numpy_chunk(result, slice(start, min(start + 4096, sc.runs)))
        assert set(chunk) == set(want)
        for key, value in want.items():
            assert chunk[key] == pytest.approx(value, rel=1e-10, abs=1e-9), key
    if name == "iran-2003-2013":
        assert sum(c["crossed"] for c in chunks) > 0
    if sc.horizon > 1:
        assert sum(c["jump_c_n"] + c["jump_r_n"] for c in chunks) > 0

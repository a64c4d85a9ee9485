"""Schedules coded from event files (``backscratch code-events``)."""

from __future__ import annotations

import json

import pytest
import yaml

import backscratch as bs
from backscratch.cli import main
from backscratch.core.errors import ScenarioError
from backscratch.data import timeline
from backscratch.dyad.coding import code_events
from backscratch.dyad.stage import plan_for

RULES = {
    "threat": "blackmail",
    "sanction": "blackmail",
    "offer": "backscratching",
    "agreement": {"policy": "mixed", "guarantor": True},
    "military": {"strike": True},
}


def _events(tmp_path, rows):
    path = tmp_path / "e.csv"
    body = "".join(f"{d},{k},A,{e},S{i}\n" for i, (d, k, e) in enumerate(rows))
    path.write_text("date,kind,actor,event,source\n" + body)
    return path


def test_rows_of_a_month_combine_and_the_policy_persists(tmp_path):
    path = _events(tmp_path, [
        ("2003-02-10", "threat", "ultimatum"),
        ("2003-05-01", "offer", "package"),
        ("2003-05-20", "sanction", "new round"),
        ("2003-09-03", "military", "strike"),
        ("2003-11-30", "agreement", "deal"),
    ])  # fmt: skip
    entries, coded = code_events(path, RULES)
    assert [(e.date, e.policy) for e in entries] == [
        ("2003-02", "blackmail"),
        ("2003-05", "mixed"),  # an offer and a sanction in the same month
        ("2003-09", "mixed"),  # a strike sets no policy: the one in force goes on
        ("2003-11", "mixed"),
    ]
    assert entries[2].strike and not entries[1].strike
    assert entries[3].guarantor is True
    assert "row 3: 2003-05-01 offer (A): package [S1]" in entries[1].note
    assert "row 4: 2003-05-20 sanction" in entries[1].note
    assert [c.coded_as for c in coded] == [
        "policy=blackmail", "policy=backscratching", "policy=blackmail", "strike=True",
        "policy=mixed, guarantor=True",
    ]  # fmt: skip


def test_events_add_up_within_a_month_and_skip_leaves_rows_out(tmp_path):
    path = _events(tmp_path, [
        ("2004-01-05", "removal", "airlift"),
        ("2004-01-27", "removal", "ship"),
        ("2004-02-01", "talk", "chat"),
    ])  # fmt: skip
    entries, coded = code_events(path, {"removal": {"dismantle": 0.5}, "talk": "skip"})
    assert len(entries) == 1 and entries[0].dismantle == 1.0
    assert coded[-1].coded_as == "skipped"


def test_every_event_row_of_a_case_is_coded_and_runs(tmp_path, capsys):
    """The Iran timeline coded by the rules above: one coding per event row (metric rows
    are observations), entries in month order, and the coded scenario runs."""
    rows = timeline.load(case="iran")
    events = [r for r in rows if r.kind != "metric"]
    rules = tmp_path / "r.yaml"
    rules.write_text(yaml.safe_dump(RULES))
    out = tmp_path / "coded.yaml"
    assert main(["code-events", "iran", "--rules", str(rules), "--from", "iran-2003-2013",
                 "-o", str(out), "--format", "json"]) == 0  # fmt: skip
    doc = json.loads(capsys.readouterr().out)
    assert [r["date"] for r in doc["rows"]] == [r.date for r in events]
    assert {r["kind"] for r in doc["rows"]} == {r.kind for r in events}
    sc = bs.load_scenario(str(out), runs=50)
    months = sorted({r.date[:7] for r in events})
    assert [e.date for e in sc.schedule] == months
    sanctions = [r.date[:7] for r in events if r.kind == "sanction"]
    plan = plan_for(sc)
    for m in sanctions:
        assert plan.threat[sc.calendar.period_of(m)]  # a sanction's month carries a threat
    assert bs.run(sc).records["response"].shape == (sc.horizon, 50)


def test_bad_rules_name_the_kind_and_field(tmp_path):
    path = _events(tmp_path, [("2003-02-10", "threat", "x")])
    for rules, message in [
        ({"threat": "bribery"}, "threat.policy: unknown policy"),
        ({"threat": {"ship_out": -1}}, "threat: ship_out"),
        ({"threat": {"strike_destroys": 0.5}}, "needs strike"),
        ([], "expected a mapping"),
    ]:
        with pytest.raises(ScenarioError, match=message):
            code_events(path, rules)

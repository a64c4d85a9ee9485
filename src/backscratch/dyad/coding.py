"""Schedules coded from event files (``backscratch code-events``; docs/model.md, Schedules).

An event CSV has one row per event: ``date`` (``YYYY-MM-DD`` or ``YYYY-MM``), ``kind``,
``actor``, ``event`` and ``source`` (a case timeline has these and more; its ``metric`` rows
are observations, not events, and are skipped). Coding rules map each kind to what it means
for the demander, e.g.::

    threat: blackmail
    sanction: blackmail
    offer: backscratching
    agreement: {policy: mixed, guarantor: true}
    military: {strike: true}

A rule is a policy name, or a mapping of the fields of a schedule entry (``policy``,
``guarantor``, the terms ``credibility``/``punishment``/``price``/``reliability`` and the
events ``ship_out``/``dismantle``/``cap``/``strike``/``strike_destroys``); ``skip`` leaves
rows of that kind out. Rows of one month make one entry: their instruments combine (a
threat and an offer in the same month are ``mixed``), events add up and the later row's
terms win; a month whose rules set no policy keeps the policy in force. Each entry's
``note`` lists the rows it codes with their sources, and :func:`code_events` returns the
coding of every row, so a reviewer sees how each was read.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backscratch.core.errors import ScenarioError
from backscratch.dyad.policies import POLICIES, POLICY_NAMES
from backscratch.dyad.scenario import ScheduleEntry, month_index

COLUMNS = ("date", "kind", "actor", "event", "source")
"""The columns an event file must have."""
MAX_ROWS = 100_000
SKIP = "skip"
ENTRY_FIELDS = tuple(f for f in ScheduleEntry.model_fields if f not in ("date", "note"))


@dataclass(frozen=True)
class Coded:
    """How one row of an event file was coded."""

    row: int
    date: str
    kind: str
    actor: str
    event: str
    source: str
    coded_as: str


def _instrument(policy: str) -> tuple[bool, bool]:
    cls = POLICIES[policy]
    return bool(cls.threat), bool(cls.offer)


def _policy_of(threat: bool, offer: bool) -> str:
    for name in POLICY_NAMES:
        if _instrument(name) == (threat, offer):
            return name
    raise AssertionError("every instrument pair has a policy")  # pragma: no cover


def check_rules(rules: Any, where: str = "--rules") -> dict[str, dict[str, Any] | None]:
    """Coding rules as ``kind -> entry fields`` (``None``: skip); one-line errors naming the
    kind and field."""
    if not isinstance(rules, dict) or not rules:
        raise ScenarioError(f"{where}: expected a mapping of event kinds to codings")
    out: dict[str, dict[str, Any] | None] = {}
    for kind, rule in rules.items():
        if rule == SKIP:
            out[str(kind)] = None
            continue
        fields = {"policy": rule} if isinstance(rule, str) else rule
        if not isinstance(fields, dict):
            raise ScenarioError(f"{where}: {kind}: expected a policy name or a mapping")
        unknown = sorted(set(fields) - set(ENTRY_FIELDS))
        if unknown:
            raise ScenarioError(
                f"{where}: {kind}.{unknown[0]}: unknown field (known: {', '.join(ENTRY_FIELDS)})"
            )
        policy = fields.get("policy")
        if policy is not None and policy not in POLICY_NAMES:
            raise ScenarioError(
                f"{where}: {kind}.policy: unknown policy '{policy}' (known: "
                f"{', '.join(POLICY_NAMES)}, or skip)"
            )
        try:  # the fields' types and ranges, as a schedule entry checks them
            ScheduleEntry(date="2000-01", policy=policy or "none", **{
                k: v for k, v in fields.items() if k != "policy"})  # fmt: skip
        except ValueError as exc:
            first = str(exc).splitlines()
            raise ScenarioError(f"{where}: {kind}: {' '.join(first[1:3]).strip()}") from None
        out[str(kind)] = dict(fields)
    return out


def read_events(path: str | Path) -> list[dict[str, str]]:
    """The rows of an event file, with one-line errors naming the file, row and column."""
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(f"{path}: no such event file")
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        raise ScenarioError(f"{path}: not a readable UTF-8 CSV") from None
    csv.field_size_limit(1 << 16)
    try:
        reader = csv.DictReader(text.splitlines())
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            raise ScenarioError(f"{path}: missing column {missing[0]} (needs {', '.join(COLUMNS)})")
        rows: list[dict[str, str]] = []
        for n, r in enumerate(reader, start=2):
            if len(rows) >= MAX_ROWS:
                raise ScenarioError(f"{path}: more than {MAX_ROWS:,} rows")
            rows.append({**{k: (r.get(k) or "").strip() for k in COLUMNS}, "_row": str(n),
                         "_metric": (r.get("metric") or "").strip()})  # fmt: skip
    except csv.Error as exc:
        raise ScenarioError(f"{path}: malformed CSV ({exc})") from None
    return rows


def code_events(
    path: str | Path, rules: Any, *, start: str | None = None
) -> tuple[list[ScheduleEntry], list[Coded]]:
    """The schedule coded from the event file ``path`` by ``rules``, and the coding of every
    row. ``start`` (``YYYY-MM``): refuse events before the calendar starts."""
    rules = check_rules(rules)
    rows = read_events(path)
    months: dict[str, list[tuple[dict[str, str], dict[str, Any]]]] = {}
    coding: list[Coded] = []
    last = None
    for r in rows:
        where = f"{path}: row {r['_row']}"
        if r["kind"] == "metric" or (not r["kind"] and r["_metric"]):
            continue  # an observation, not an event
        try:
            month_index(r["date"][:7], "date")
        except ValueError:
            raise ScenarioError(f"{where}: date '{r['date']}' is not YYYY-MM-DD") from None
        month = r["date"][:7]
        if last is not None and month_index(month) < month_index(last):
            raise ScenarioError(f"{where}: date {r['date']} is before the row above ({last})")
        last = month
        if start is not None and month_index(month) < month_index(start):
            raise ScenarioError(f"{where}: date {r['date']} is before calendar.start {start}")
        if r["kind"] not in rules:
            raise ScenarioError(
                f"{where}: kind '{r['kind']}' has no coding rule (rules for: "
                f"{', '.join(sorted(rules))}; map it to skip to leave it out)"
            )
        rule = rules[r["kind"]]
        coded = "skipped" if rule is None else ", ".join(f"{k}={v}" for k, v in rule.items())
        coding.append(Coded(int(r["_row"]), r["date"], r["kind"], r["actor"], r["event"],
                            r["source"], coded))  # fmt: skip
        if rule is not None:
            months.setdefault(month, []).append((r, rule))
    entries: list[ScheduleEntry] = []
    policy = "none"
    for month, coded_rows in months.items():
        threat = offer = False
        fields: dict[str, Any] = {}
        events = {"ship_out": 0.0, "dismantle": 0.0}
        named = False
        for _, rule in coded_rows:
            if rule.get("policy") is not None:
                t, o = _instrument(rule["policy"])
                threat, offer, named = threat or t, offer or o, True
            for k, v in rule.items():
                if k in events:
                    events[k] += float(v)
                elif k == "strike":
                    fields["strike"] = fields.get("strike", False) or bool(v)
                elif k != "policy":
                    fields[k] = v
        if named:
            policy = _policy_of(threat, offer)
        note = "; ".join(
            f"row {r['_row']}: {r['date']} {r['kind']} ({r['actor']}): {r['event'][:80]} "
            f"[{r['source'][:120]}]"
            for r, _ in coded_rows
        )
        entries.append(ScheduleEntry(date=month, policy=policy, note=note,
                                     **fields, **{k: v for k, v in events.items() if v}))  # fmt: skip
    if not entries:
        raise ScenarioError(f"{path}: no event row was coded (every kind skipped?)")
    return entries, coding

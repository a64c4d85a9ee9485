"""TIES: Threat and Imposition of Economic Sanctions, version 4.1 (1,412 cases, 1945–2005).

Morgan, T. Clifton, Navin Bapat and Yoshiharu Kobayashi (2014), "Threat and Imposition of
Economic Sanctions 1945–2005: Updating the TIES Dataset", *Conflict Management and Peace
Science* 31(5): 541–558. The CSV (an exact export of the distributed ``TIESv4-1.xls``) ships
as package data beside this module with ``PROVENANCE.md`` (source, checksums, column notes,
known quirks). :func:`load` reads it into a typed table with the outcome codes decoded;
:func:`describe` computes the descriptive shares of ``backscratch data ties``.

The shares are descriptive: sanctions threats are not randomly assigned (senders threaten
where they expect to win, and targets that would give in cheaply may concede before any
threat is recorded), so they are not causal effects of threats or carrots.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from backscratch.core.errors import ScenarioError

FILE = "TIESv4-1.csv"
CITATION = (
    "Morgan, Bapat & Kobayashi (2014), 'Threat and Imposition of Economic Sanctions "
    "1945-2005: Updating the TIES Dataset', Conflict Management and Peace Science 31(5)"
)
CAVEAT = (
    "Descriptive shares, not causal effects: senders choose where to threaten and targets "
    "that would concede cheaply may do so before a threat is recorded (selection effects)."
)

OUTCOMES = {
    1: "partial acquiescence by target to threat",
    2: "complete acquiescence by target to threat",
    3: "capitulation by sender in threat stage",
    4: "stalemate in threat stage",
    5: "negotiated settlement in threat stage",
    6: "partial acquiescence by target after imposition",
    7: "total acquiescence by target after imposition",
    8: "capitulation by sender after imposition",
    9: "stalemate after imposition",
    10: "negotiated settlement after imposition",
}
"""``finaloutcome`` codes (PROVENANCE.md)."""
ACQUIESCE_THREAT = frozenset({1, 2})
ACQUIESCE_IMPOSITION = frozenset({6, 7})
ACQUIESCE_ANY = ACQUIESCE_THREAT | ACQUIESCE_IMPOSITION
COSTS = {1: "minor", 2: "major", 3: "severe"}
"""``anticipatedtargetcosts`` codes."""
USA, IRAN = 2, 630
"""Correlates of War country codes."""

REQUIRED = (
    "caseid",
    "startyear",
    "endyear",
    "primarysender",
    "sender1",
    "sender2",
    "sender3",
    "sender4",
    "sender5",
    "targetstate",
    "threat",
    "imposition",
    "carrots",
    "carrotsduringsanction",
    "anticipatedtargetcosts",
    "scommit",
    "finaloutcome",
)


@dataclass(frozen=True)
class Case:
    """One TIES case, typed, with its outcome decoded."""

    caseid: str
    start_year: int | None
    end_year: int | None
    """Empty in the file for episodes still ongoing."""
    primary_sender: int | None
    """COW code of the primary sender (2 = USA); None for institutions without one."""
    senders: tuple[int, ...]
    target: int | None
    threat: bool
    """The sender threatened before (or without) imposing: the threat stage was observed."""
    imposition: bool
    carrots_threat: bool
    """A positive inducement was offered at the threat stage (``carrots`` non-empty)."""
    carrots_during: bool
    """An inducement was offered while sanctions were in place."""
    anticipated_target_costs: int | None
    """1 minor, 2 major, 3 severe."""
    sender_commitment: int | None
    """``scommit``, 1 (weak) to 3 (strong)."""
    outcome: int | None
    """``finaloutcome`` 1-10, None when not coded (ongoing or missing)."""

    @property
    def coded(self) -> bool:
        return self.outcome is not None

    @property
    def outcome_label(self) -> str:
        return OUTCOMES.get(self.outcome, "not coded") if self.outcome else "not coded"

    @property
    def outcome_stage(self) -> str | None:
        """``threat`` for outcomes 1-5, ``imposition`` for 6-10."""
        if self.outcome is None:
            return None
        return "threat" if self.outcome <= 5 else "imposition"

    @property
    def acquiesced(self) -> bool | None:
        """The target acquiesced, partly or completely, at some stage (codes 1, 2, 6, 7)."""
        return None if self.outcome is None else self.outcome in ACQUIESCE_ANY

    @property
    def quirk(self) -> str | None:
        """Why the stage variables and the outcome disagree, if they do."""
        if self.outcome is None:
            return None
        if self.outcome_stage == "imposition" and not self.imposition:
            return "outcome after imposition but imposition = 0"
        if self.outcome_stage == "threat" and not self.threat:
            return "threat-stage outcome but threat = 0"
        if self.outcome_stage == "threat" and self.imposition:
            return "threat-stage outcome but imposition = 1"
        return None


def _int(value: str, where: str, column: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    try:
        f = float(value)
    except ValueError:
        raise ScenarioError(f"{where}, column {column}: '{value}' is not a number") from None
    if not f.is_integer():
        raise ScenarioError(f"{where}, column {column}: '{value}' is not an integer code")
    return int(f)


def _flag(value: str, where: str, column: str) -> bool:
    v = _int(value, where, column)
    if v not in (0, 1):
        raise ScenarioError(f"{where}, column {column}: expected 0 or 1, got '{value}'")
    return bool(v)


def _codes(value: str, where: str, column: str) -> bool:
    """Whether a multi-code cell (``"1 3"``; empty or ``0`` = none) names any inducement."""
    codes = [_int(v, where, column) for v in value.split()]
    if any(c is None or c < 0 or c > 9 for c in codes):
        raise ScenarioError(f"{where}, column {column}: '{value}' is not a list of codes")
    return any(codes)


def _code(value: str, where: str, column: str, allowed) -> int | None:
    v = _int(value, where, column)
    if v is not None and v not in allowed:
        raise ScenarioError(
            f"{where}, column {column}: '{value}' is not a code ({min(allowed)}-{max(allowed)})"
        )
    return v


def load(path: str | Path | None = None) -> list[Case]:
    """Read the TIES CSV (default: the copy shipped with the package) into typed cases.

    Raises :class:`~backscratch.core.errors.ScenarioError` naming the file (and the row and
    column) on a missing, unreadable or malformed file.
    """
    if path is None:
        where = FILE
        text = (resources.files("backscratch.data") / "ties" / FILE).read_text("utf-8")
    else:
        where = str(path)
        p = Path(path)
        if not p.is_file():
            raise ScenarioError(f"{where}: no such file")
        try:
            text = p.read_text("utf-8")
        except UnicodeDecodeError:
            raise ScenarioError(f"{where}: not UTF-8 text (expected the TIES CSV)") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or ())]
    if missing:
        raise ScenarioError(f"{where}: not the TIES CSV (missing column {missing[0]})")
    cases = []
    for n, r in enumerate(reader, start=2):
        at = f"{where}:{n}"
        if None in r or any(v is None for v in r.values()):
            raise ScenarioError(f"{at}: wrong number of cells")
        senders = tuple(
            s
            for c in ("sender1", "sender2", "sender3", "sender4", "sender5")
            if (s := _int(r[c], at, c)) is not None
        )
        cases.append(
            Case(
                caseid=r["caseid"].strip(),
                start_year=_int(r["startyear"], at, "startyear"),
                end_year=_int(r["endyear"], at, "endyear"),
                primary_sender=_int(r["primarysender"], at, "primarysender"),
                senders=senders,
                target=_int(r["targetstate"], at, "targetstate"),
                threat=_flag(r["threat"], at, "threat"),
                imposition=_flag(r["imposition"], at, "imposition"),
                carrots_threat=_codes(r["carrots"], at, "carrots"),
                carrots_during=_codes(r["carrotsduringsanction"], at, "carrotsduringsanction"),
                anticipated_target_costs=_code(
                    r["anticipatedtargetcosts"], at, "anticipatedtargetcosts", COSTS
                ),
                sender_commitment=_code(r["scommit"], at, "scommit", (1, 2, 3)),
                outcome=_code(r["finaloutcome"], at, "finaloutcome", OUTCOMES),
            )
        )
    if not cases:
        raise ScenarioError(f"{where}: no cases")
    return cases


def wilson(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval for a binomial share k/n (95% by default); (nan, nan) if n = 0."""
    if n == 0:
        return (math.nan, math.nan)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (max(0.0, centre - half), min(1.0, centre + half))


def share(cases: list[Case], outcomes: frozenset[int]) -> dict:
    """Share of ``cases`` whose outcome is in ``outcomes``, with count and Wilson 95% CI."""
    k = sum(c.outcome in outcomes for c in cases)
    n = len(cases)
    lo, hi = wilson(k, n)
    return {"n": n, "k": k, "share": k / n if n else math.nan, "ci95": [lo, hi]}


def _group(cases: list[Case]) -> dict:
    """Acquiescence at the threat stage, after imposition and at any stage, of coded cases."""
    threatened = [c for c in cases if c.threat]
    imposed = [c for c in cases if c.imposition]
    return {
        "n": len(cases),
        "acquiesce_threat_stage": share(threatened, ACQUIESCE_THREAT),
        "acquiesce_after_imposition": share(imposed, ACQUIESCE_IMPOSITION),
        "acquiesce_any_stage": share(cases, ACQUIESCE_ANY),
    }


BY = {
    "threat": ("sender threatened first", lambda c: "threat first" if c.threat else "no threat"),
    "carrots": (
        "carrots at the threat stage",
        lambda c: "with" if c.carrots_threat else "without",
    ),
    "carrots_during": (
        "carrots during sanctions",
        lambda c: "with" if c.carrots_during else "without",
    ),
    "costs": (
        "anticipated target costs",
        lambda c: COSTS.get(c.anticipated_target_costs, "not coded"),
    ),
    "commitment": (
        "sender commitment",
        lambda c: str(c.sender_commitment) if c.sender_commitment else "not coded",
    ),
    "sender": ("primary sender", lambda c: "USA" if c.primary_sender == USA else "other"),
    "decade": ("decade of onset", lambda c: f"{c.start_year // 10 * 10}s" if c.start_year else "?"),
}
"""Columns ``backscratch data ties --by`` groups on: name -> (title, key function)."""


def by(cases: list[Case], column: str) -> dict[str, dict]:
    """Acquiescence shares of coded cases grouped by one of :data:`BY`."""
    if column not in BY:
        raise ScenarioError.bad("by", f"unknown column (known: {', '.join(BY)})", column)
    key = BY[column][1]
    groups: dict[str, list[Case]] = {}
    for c in cases:
        if c.coded:
            groups.setdefault(key(c), []).append(c)
    order = list(COSTS.values())

    def rank(label: str):
        return (label in ("not coded", "?"), order.index(label) if label in order else 0, label)

    return {k: _group(groups[k]) for k in sorted(groups, key=rank)}


def quirks(cases: list[Case]) -> list[dict]:
    """Cases whose stage variables and outcome disagree, reported (never dropped)."""
    return [{"caseid": c.caseid, "outcome": c.outcome, "quirk": c.quirk} for c in cases if c.quirk]


def describe(cases: list[Case]) -> dict:
    """The descriptive shares of ``backscratch data ties`` (the JSON contract plus more).

    Stage conditioning follows the stage variables as coded (``threat``, ``imposition``);
    cases whose outcome disagrees with them are kept and listed under ``quirks``.
    """
    coded = [c for c in cases if c.coded]
    first = [c for c in coded if c.threat]
    carrots = [c for c in coded if c.carrots_threat]
    no_carrots = [c for c in coded if not c.carrots_threat]
    imposed = [c for c in coded if c.imposition]

    def any_stage(group):
        s = share(group, ACQUIESCE_ANY)
        return {"n": s["n"], "acquiesce_any_stage": s["share"], "ci95": s["ci95"]}

    t_stage = share(first, ACQUIESCE_THREAT)
    t_any = share(first, ACQUIESCE_ANY)
    return {
        "source": CITATION,
        "caveat": CAVEAT,
        "n_cases": len(cases),
        "n_coded": len(coded),
        "threat_first": {
            "n": len(first),
            "acquiesce_threat_stage": t_stage["share"],
            "acquiesce_threat_stage_ci95": t_stage["ci95"],
            "acquiesce_any_stage": t_any["share"],
            "acquiesce_any_stage_ci95": t_any["ci95"],
        },
        "imposed": {
            "n": len(imposed),
            "acquiesce_after_imposition": share(imposed, ACQUIESCE_IMPOSITION)["share"],
            "acquiesce_after_imposition_ci95": share(imposed, ACQUIESCE_IMPOSITION)["ci95"],
        },
        "any_stage": share(coded, ACQUIESCE_ANY),
        "carrots_threat_stage": {"with": any_stage(carrots), "without": any_stage(no_carrots)},
        "carrots_during_sanctions": {
            "with": any_stage([c for c in imposed if c.carrots_during]),
            "without": any_stage([c for c in imposed if not c.carrots_during]),
        },
        "by_anticipated_target_costs": by(coded, "costs"),
        "us_primary_sender": _group([c for c in coded if c.primary_sender == USA]),
        "iran_target": _group([c for c in coded if c.target == IRAN]),
        "quirks": quirks(cases),
    }

"""Case timelines (events and reported metrics) of the built-in cases.

Each case's CSV and its provenance (``PROVENANCE.md``: how it was compiled, every source
page, cautions on units) ship as package data in its own folder beside this module. Each row
is one event or one reported metric value with the page it was read from:

- ``iran``: the Iran nuclear case, 2002 – Feb 2013 (IAEA metrics; ends in February 2013 on
  purpose);
- ``north_korea``: North Korea, 1985–2009 (plutonium estimates, reactor status);
- ``libya``: Libya, 1986–2004 (what was removed in 2004).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

CASES = {
    "iran": ("iran", "iran_timeline_2002_2013.csv"),
    "north_korea": ("north_korea", "nk_timeline_1985_2009.csv"),
    "libya": ("libya", "libya_timeline_1986_2004.csv"),
}
"""Built-in case name -> (folder, file) of its timeline."""
KINDS = ("threat", "sanction", "offer", "agreement", "military", "metric")


@dataclass(frozen=True)
class Row:
    """One row of the timeline."""

    date: str
    kind: str
    actor: str
    event: str
    metric: str
    value: float | None
    unit: str
    source: str

    @property
    def month(self) -> str:
        """``YYYY-MM`` of the row's date."""
        return self.date[:7]


def load(path: str | Path | None = None, case: str = "iran") -> list[Row]:
    """Read a timeline file at ``path`` (default: the shipped timeline of ``case``, one of
    :data:`CASES`), in file order.

    Raises ``OSError``/``ValueError`` naming the file and the problem on a missing or
    malformed file.
    """
    if path is None:
        if case not in CASES:
            raise ValueError(f"case '{case}': not a built-in case ({', '.join(CASES)})")
        folder, where = CASES[case]
        text = (resources.files("backscratch.data") / folder / where).read_text("utf-8")
    else:
        where = str(path)
        text = Path(path).read_text("utf-8")
    rows = []
    reader = csv.DictReader(text.splitlines())
    need = {"date", "kind", "actor", "event", "metric", "value", "unit", "source"}
    if not need <= set(reader.fieldnames or ()):
        raise ValueError(f"{where}: expected columns {sorted(need)}")
    for n, r in enumerate(reader, start=2):
        if r["kind"] not in KINDS:
            raise ValueError(f"{where}:{n}: kind '{r['kind']}' is not one of {', '.join(KINDS)}")
        value = float(r["value"]) if r["value"] else None
        rows.append(
            Row(
                r["date"],
                r["kind"],
                r["actor"],
                r["event"],
                r["metric"],
                value,
                r["unit"],
                r["source"],
            )
        )
    return rows


def metric_series(
    metric: str, rows: list[Row] | None = None, case: str = "iran"
) -> list[tuple[str, float]]:
    """``(date, value)`` pairs of one metric of ``rows`` (default: ``case``'s timeline), by
    date."""
    rows = load(case=case) if rows is None else rows
    series = sorted(
        (r.date, r.value)
        for r in rows
        if r.kind == "metric" and r.metric == metric and r.value is not None
    )
    if not series:
        known = sorted({r.metric for r in rows if r.kind == "metric" and r.metric})
        raise ValueError(f"metric '{metric}': not in the timeline (known: {', '.join(known)})")
    return series

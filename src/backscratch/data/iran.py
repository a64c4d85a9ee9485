"""The Iran nuclear case timeline, 2002 – Feb 2013 (events and IAEA metrics).

The CSV and its provenance (``PROVENANCE.md``: how it was compiled, every source page, and
cautions on units) ship as package data beside this module. Each row is one event or one
reported metric value with the page it was read from.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

FILE = "iran_timeline_2002_2013.csv"
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


def load(path: str | Path | None = None) -> list[Row]:
    """Read the timeline (default: the copy shipped with the package), in file order.

    Raises ``OSError``/``ValueError`` naming the file and the problem on a missing or
    malformed file.
    """
    if path is None:
        text = (resources.files("backscratch.data") / "iran" / FILE).read_text("utf-8")
        where = FILE
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


def metric_series(metric: str, rows: list[Row] | None = None) -> list[tuple[str, float]]:
    """``(date, value)`` pairs of one metric, by date."""
    rows = load() if rows is None else rows
    series = sorted(
        (r.date, r.value)
        for r in rows
        if r.kind == "metric" and r.metric == metric and r.value is not None
    )
    if not series:
        raise ValueError(f"metric '{metric}': not in the Iran timeline")
    return series

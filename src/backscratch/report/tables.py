"""Tables for papers: a summary's columns and rows as CSV, Markdown or LaTeX, numbers rounded
to the digits asked for, grid values exactly as written, and Stata-safe column names on
request."""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Sequence
from typing import Any

FORMATS = ("csv", "markdown", "latex")
"""The formats :func:`render` writes."""

DIGITS = 4
"""Digits after the point of a number in Markdown and LaTeX when none are asked for (CSV
keeps every digit unless asked)."""

STATA_LENGTH = 32
"""Longest variable name Stata accepts."""


def stata_names(names: Sequence[str]) -> list[str]:
    """``names`` as Stata variable names: letters, digits and ``_`` only (a dot or anything
    else becomes ``_``), not starting with a digit, at most :data:`STATA_LENGTH` characters,
    made unique by a numbered suffix where cutting or replacing collides."""
    out: list[str] = []
    for name in names:
        base = re.sub(r"[^A-Za-z0-9_]", "_", name)
        if not base or base[0].isdigit():
            base = "_" + base
        base = base[:STATA_LENGTH]
        cand, k = base, 1
        while cand in out:
            tail = f"_{k}"
            cand, k = base[: STATA_LENGTH - len(tail)] + tail, k + 1
        out.append(cand)
    return out


def _cell(value: Any, digits: int | None) -> str:
    if isinstance(value, bool) or not isinstance(value, float):
        return "" if value is None else str(value)
    if math.isnan(value):
        return "nan"
    return repr(value) if digits is None else f"{value:.{digits}f}"


_LATEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
          "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\^{}"}  # fmt: skip


def _tex(text: str) -> str:
    return "".join(_LATEX.get(c, c) for c in text)


def render(
    names: Sequence[str],
    rows: Sequence[Sequence[Any]],
    fmt: str,
    *,
    digits: int | None = None,
    stata: bool = False,
    grid: Sequence[str] = (),
) -> str:
    """The table as ``fmt`` (one of :data:`FORMATS`): floats rounded to ``digits`` after
    the point (default :data:`DIGITS` for Markdown and LaTeX, every digit for CSV), the
    columns named in ``grid`` (grid keys) exactly as the sweep holds their values, and with
    ``stata`` the column names of :func:`stata_names`."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown table format {fmt!r}")
    if digits is None and fmt != "csv":
        digits = DIGITS
    header = stata_names(names) if stata else list(names)
    body = [
        [str(v) if n in grid else _cell(v, digits) for n, v in zip(names, r, strict=True)]
        for r in rows
    ]
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(body)
        return buf.getvalue()
    if fmt == "markdown":
        lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" ---: " for _ in header) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in body]
        return "\n".join(lines) + "\n"
    lines = [
        r"\begin{tabular}{" + "r" * len(header) + "}",
        r"\toprule",
        " & ".join(_tex(h) for h in header) + r" \\",
        r"\midrule",
        *(" & ".join(_tex(c) for c in r) + r" \\" for r in body),
        r"\bottomrule",
        r"\end{tabular}",
    ]
    return "\n".join(lines) + "\n"

"""The result protocol every model's results follow, and the declarations they are built from.

A result is an object, never a JSON-shaped dict. Each one has

* ``summary()`` — its declared metrics by name (the same names wherever the metric appears:
  tables, JSON, sweeps, the dashboard);
* ``to_arrow()`` — its data as one long table (one row per run and period, per year, per
  match ...); ``to_pandas()`` and ``to_polars()`` convert that table;
* a ``repr`` of one line and ``_repr_html_`` (a small table of the summary in Jupyter).

Models declare their recorded variables as :class:`Column` and their summary metrics as
:class:`Metric` (name, label, unit, meaning), once; tables, figures and the command line read
labels and units from there.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd
    import polars as pl
    import pyarrow as pa


@dataclass(frozen=True)
class Column:
    """One recorded variable: name, numpy dtype, unit and meaning."""

    name: str
    dtype: str
    unit: str
    doc: str


@dataclass(frozen=True)
class Metric:
    """One summary metric: name (its key everywhere), short label, unit and meaning."""

    name: str
    label: str
    unit: str
    doc: str

    @property
    def title(self) -> str:
        """``label (unit)``, or the label alone for a dimensionless share or count."""
        return self.label if self.unit in ("", "share", "count") else f"{self.label} ({self.unit})"


def by_name(metrics: Iterable[Metric], names: Iterable[str]) -> tuple[Metric, ...]:
    """The metrics called ``names``, in that order (a ``KeyError`` names an unknown one)."""
    table = {m.name: m for m in metrics}
    return tuple(table[n] for n in names)


class Result:
    """Base of every result object; subclasses define :meth:`summary`, :meth:`to_arrow`
    and :meth:`_headline` (and :attr:`metrics`, the declarations of the summary's keys)."""

    metrics: tuple[Metric, ...] = ()

    def summary(self) -> dict[str, Any]:
        """The declared metrics, by name."""
        raise NotImplementedError

    def to_arrow(self) -> pa.Table:
        """The result's data as one pyarrow table."""
        raise NotImplementedError

    def to_pandas(self) -> pd.DataFrame:
        """:meth:`to_arrow` as a pandas DataFrame."""
        return self.to_arrow().to_pandas()

    def to_polars(self) -> pl.DataFrame:
        """:meth:`to_arrow` as a polars DataFrame (needs ``pip install polars``)."""
        try:
            import polars as pl
        except ImportError:  # pragma: no cover - polars is optional
            raise ImportError("to_polars needs polars: pip install polars") from None
        out = pl.from_arrow(self.to_arrow())
        assert isinstance(out, pl.DataFrame)
        return out

    def _headline(self) -> str:
        """What the result is, in a few words (its repr)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self._headline()}>"

    def _summary_rows(self) -> list[tuple[str, Any]]:
        """(title, value) of each declared metric present in the summary."""
        values = self.summary()
        return [(m.title, values[m.name]) for m in self.metrics if m.name in values]

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td style='text-align:left'>{html.escape(k)}</td><td>{_cell(v)}</td></tr>"
            for k, v in self._summary_rows()
        )
        head = html.escape(f"{type(self).__name__}: {self._headline()}")
        return f"<div><p><b>{head}</b></p><table>{rows}</table></div>"


class PolicyComparison(Result):
    """Base of comparisons: several policies of one scenario on common random numbers,
    ``results[policy]`` each one's result (subclasses declare ``scenario`` and ``results``)."""

    if TYPE_CHECKING:
        results: Mapping[str, Result]

    def __getitem__(self, policy: str) -> Any:
        return self.results[policy]

    @property
    def policies(self) -> list[str]:
        """The policies compared, in order."""
        return list(self.results)

    def summaries(self) -> dict[str, dict[str, Any]]:
        """Each policy's ``summary()`` (computed once)."""
        cache: dict[str, dict[str, Any]] = self.__dict__.setdefault("_summaries", {})
        for p, r in self.results.items():
            if p not in cache:
                cache[p] = r.summary()
        return dict(cache)

    def _repr_html_(self) -> str:
        s = self.summaries()
        rows = [[m.title, *(s[p][m.name] for p in s)] for m in self.metrics]
        head = html.escape(f"{type(self).__name__}: {self._headline()}")
        return f"<div><p><b>{head}</b></p>{html_table(['metric', *s], rows)}</div>"


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.4g}"
    return html.escape(str(value))


def html_table(header: list[str], rows: Iterable[Iterable[Any]]) -> str:
    """A small HTML table (floats to 4 significant digits) for ``_repr_html_``."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def mean_ci(samples: np.ndarray, level: float = 0.95) -> np.ndarray:
    """Rows of ``samples`` (one value per repetition): (mean, low, high), a Student-t
    interval of the mean (NaN bounds with fewer than two values)."""
    from scipy import stats

    samples = np.asarray(samples, dtype=float)
    n = samples.shape[1]
    mean = samples.mean(axis=1)
    if n < 2:
        nan = np.full_like(mean, np.nan)
        return np.stack([mean, nan, nan], axis=1)
    half = stats.t.ppf(0.5 + level / 2, n - 1) * samples.std(axis=1, ddof=1) / np.sqrt(n)
    return np.stack([mean, mean - half, mean + half], axis=1)

"""Figures of the tribute model, in the style of :mod:`backscratch.report.figures`.

Okabe–Ito colours, labelled axes with units; each function returns a matplotlib ``Figure``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from backscratch.core import store
from backscratch.report.figures import OKABE_ITO, STYLE, colour, plt, png

__all__ = ["commitment_heatmap", "compare_paths", "png", "wealth_over_time"]


def wealth_over_time(result, run: int = 0, top: int = 7) -> Figure:
    """Left: wealth of each actor over the years in one run (the ``top`` richest at the end
    coloured, the others grey). Right: the top actor's share of wealth and the total
    relative to isolated actors, mean and 10–90% band over all runs."""
    w = result.wealth[:, run, :]
    stored = np.asarray(result.wealth_years)
    years = np.arange(result.years_done + 1)
    order = np.argsort(-w[-1])
    with plt.rc_context(STYLE):
        fig, (ax, bx) = plt.subplots(1, 2, figsize=(9.6, 3.6))
        for rank, a in enumerate(order):
            if rank < top:
                ax.plot(stored, w[:, a], color=OKABE_ITO[rank % len(OKABE_ITO)], lw=1.2,
                        label=f"actor {a}")  # fmt: skip
            else:
                ax.plot(stored, w[:, a], color="grey", lw=0.6, alpha=0.6)
        ax.set_xlabel("year")
        ax.set_ylabel("wealth (wealth units)")
        ax.set_title(f"{result.scenario.name} ({result.policy}): wealth, run {run}")
        if result.actors <= 12:
            ax.legend(frameon=False, fontsize=7, ncol=2)
        y = result.yearly()
        for i, (key, label) in enumerate(
            (("top_share", "top actor's share"), ("relative_wealth", "total / isolated"))
        ):
            arr = y[key]
            c = OKABE_ITO[i]
            bx.plot(years, arr.mean(axis=1), color=c, label=label)
            lo, hi = np.quantile(arr, [0.1, 0.9], axis=1)
            bx.fill_between(years, lo, hi, color=c, alpha=0.15, lw=0)
        bx.set_xlabel("year")
        bx.set_ylabel("fraction")
        bx.set_ylim(0, max(1.05, float(y["relative_wealth"].max()) * 1.02))
        bx.set_title(f"all {result.runs} runs: mean, 10–90% band")
        bx.legend(frameon=False, fontsize=8)
        fig.tight_layout()
        return fig


def commitment_heatmap(result, run: int = 0, snapshot: int = -1) -> Figure:
    """Commitment of each actor (row) to each other (column), in percent, at one stored
    year of one run (default: the last)."""
    year = result.snapshot_years[snapshot]
    c = result.commitment_at(year)[run].astype(float)
    n = c.shape[0]
    with plt.rc_context(STYLE):
        size = 3.2 + min(n, 40) * 0.12
        fig, ax = plt.subplots(figsize=(size + 1.0, size))
        im = ax.imshow(c, cmap="cividis", vmin=0, vmax=100, origin="upper")
        ax.grid(False)
        if n <= 30:
            ax.set_xticks(range(n))
            ax.set_yticks(range(n))
        ax.set_xlabel("committed to (actor)")
        ax.set_ylabel("actor")
        ax.set_title(f"Commitments in year {year}, run {run}")
        fig.colorbar(im, ax=ax, label="commitment (%)")
        return fig


def compare_paths(results: dict, key: str, ylabel: str, window: int = 10) -> Figure:
    """A yearly statistic (trailing mean over ``window`` years, averaged over runs) per
    variant, e.g. ``fights`` or ``top_share``."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 3.4))
        for i, (name, res) in enumerate(results.items()):
            arr = res.yearly()[key].mean(axis=1)
            if window > 1 and len(arr) > window:
                kernel = np.ones(window) / window
                arr = np.convolve(arr, kernel, mode="valid")
                x = np.arange(window - 1, window - 1 + len(arr))
            else:
                x = np.arange(len(arr))
            ax.plot(x, arr, color=colour(name, i), label=name)
        ax.set_xlabel("year")
        ax.set_ylabel(ylabel)
        ax.legend(frameon=False, fontsize=8)
        return fig


def write_run_figures(result, out: str | Path) -> dict[str, Path]:
    """``wealth.png`` and ``commitment.png`` (run 0) of a tribute run, under ``out``."""
    out = Path(out)
    figs = (("wealth", wealth_over_time(result)), ("commitment", commitment_heatmap(result)))
    return {name: store.write_bytes(png(fig), out / f"{name}.png") for name, fig in figs}


def write_compare_figures(comparison, out: str | Path) -> dict[str, Path]:
    """``fights.png`` and ``top_share.png``: yearly means per variant, under ``out``."""
    out = Path(out)
    paths = {}
    for key, label in (("fights", "fights / year"), ("top_share", "top actor's share")):
        fig = compare_paths(comparison.results, key, f"{label} (mean over runs)")
        paths[key] = store.write_bytes(png(fig), out / f"{key}.png")
    return paths

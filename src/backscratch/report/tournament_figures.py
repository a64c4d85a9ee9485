"""Figures of tournaments and evolution, in the style of :mod:`backscratch.report.figures`
(Okabe–Ito palette, labelled axes; each function returns a matplotlib ``Figure``)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from backscratch.core import store
from backscratch.report.figures import OKABE_ITO, STYLE, png
from backscratch.tournaments.coercion import CoercionTournamentResult


def ranked_boxplot(
    names: list[str], scores: np.ndarray, ranking: list[str], ylabel: str, title: str
) -> Figure:
    """One box per player of its per-repetition scores (``scores[i, r]``), best first."""
    order = [names.index(n) for n in ranking]
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(max(4.0, 0.55 * len(names) + 1.5), 3.6))
        data = [np.asarray(scores[i], dtype=float) for i in order]
        box = ax.boxplot(data, patch_artist=True, widths=0.6, medianprops={"color": "black"})
        for k, patch in enumerate(box["boxes"]):
            patch.set_facecolor(OKABE_ITO[k % (len(OKABE_ITO) - 1)])
            patch.set_alpha(0.75)
        ax.set_xticks(range(1, len(order) + 1), ranking, rotation=45, ha="right")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        fig.tight_layout()
        return fig


def payoff_heatmap(
    matrix: np.ndarray,
    rows: list[str],
    cols: list[str],
    title: str,
    label: str,
    xlabel: str = "opponent",
    ylabel: str = "player",
) -> Figure:
    """The payoff matrix as a heatmap (viridis, colour-blind safe), values written in."""
    m = np.asarray(matrix, dtype=float)
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(
            figsize=(max(4.0, 0.6 * len(cols) + 2.5), max(3.0, 0.45 * len(rows) + 1.5))
        )
        im = ax.imshow(m, cmap="viridis", aspect="auto")
        ax.set_xticks(range(len(cols)), cols, rotation=45, ha="right")
        ax.set_yticks(range(len(rows)), rows)
        ax.grid(False)
        if m.size <= 400:
            mid = (np.nanmax(m) + np.nanmin(m)) / 2
            for i in range(m.shape[0]):
                for j in range(m.shape[1]):
                    ax.text(
                        j,
                        i,
                        f"{m[i, j]:.2f}",
                        ha="center",
                        va="center",
                        fontsize=7,
                        color="black" if m[i, j] > mid else "white",
                    )
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        fig.colorbar(im, ax=ax, label=label)
        fig.tight_layout()
        return fig


def stationary_bars(names: list[str], probabilities, title: str) -> Figure:
    """The stationary distribution as bars."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(max(3.5, 0.55 * len(names) + 1.5), 3.2))
        ax.bar(
            range(len(names)),
            probabilities,
            color=[OKABE_ITO[k % len(OKABE_ITO)] for k in range(len(names))],
        )
        ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
        ax.set_ylabel("long-run share")
        ax.set_title(title)
        fig.tight_layout()
        return fig


def write_tournament_figures(result, out: str | Path) -> dict[str, Path]:
    """``ranks.png`` (ranked box plot) and ``payoffs.png`` (payoff heatmap) of a tournament
    (2×2 or coercion) under ``out``."""
    if isinstance(result, CoercionTournamentResult):  # demanders (rows) against targets
        box = ranked_boxplot(
            result.demanders,
            result.demander_scores(),
            result.summary()["ranking"],
            "mean payoff per round (over targets)",
            f"Demanders on {result.scenario}: {result.repetitions} runs per pair",
        )
        heat = payoff_heatmap(
            result.payoff_matrix,
            result.demanders,
            result.targets,
            f"Demander payoff per round ({result.scenario})",
            "payoff per round",
            "target",
            "demander",
        )
    else:
        box = ranked_boxplot(
            result.players,
            result.normalised_scores,
            result.ranked_names,
            "mean score per turn (over opponents)",
            f"{result.game.name}: {result.turns} turns, {result.repetitions} repetitions",
        )
        heat = payoff_heatmap(
            result.payoff_matrix,
            result.players,
            result.players,
            f"Mean score per turn ({result.game.name})",
            "score per turn",
        )
    out = Path(out)
    return {
        name: store.write_bytes(png(fig), out / f"{name}.png")
        for name, fig in (("ranks", box), ("payoffs", heat))
    }


def write_evolution_figure(evo, out: str | Path) -> Path:
    """``evolution.png``: the stationary distribution, the co-evolving populations' shares
    or the Moran process's fixation frequencies, under ``out``."""
    rows = evo.shares()
    title = {
        "moran": "Moran process: fixation frequencies",
        "coercion": "Demanders and targets: long-run shares",
        "stationary": f"Stationary distribution (Z = {evo.contract.get('population')})",
    }[evo.kind]
    fig = stationary_bars([r[1] for r in rows], [r[2] for r in rows], title)
    return store.write_bytes(png(fig), Path(out) / "evolution.png")

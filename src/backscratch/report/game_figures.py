"""Figures of the demander's-choice game, in the style of :mod:`backscratch.report.figures`."""

from __future__ import annotations

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from backscratch.report.figures import STYLE, colour, plt

__all__ = ["phase_figure"]


def phase_figure(result) -> Figure:
    """The phase diagram of a :class:`~backscratch.game.api.PhaseMap`: the instrument D
    opens with in each cell (colours fixed per instrument, as in every figure), the
    cooperation of its first demand written in the cell, and a legend of the instruments
    that appear."""
    k1, k2 = result.keys
    v1, v2 = result.values
    instruments = result.grid("instrument")
    names = sorted({str(n) for n in instruments.flat})
    codes = np.vectorize(names.index)(instruments).astype(float)
    coop = result.grid("cooperation")
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(1.2 + 0.45 * len(v2), 1.0 + 0.4 * len(v1)))
        cmap = ListedColormap([colour(n, i) for i, n in enumerate(names)])
        ax.imshow(codes, cmap=cmap, vmin=-0.5, vmax=len(names) - 0.5, origin="lower",
                  aspect="auto")  # fmt: skip
        ax.set_xticks(range(len(v2)), [f"{v:g}" for v in v2], rotation=90)
        ax.set_yticks(range(len(v1)), [f"{v:g}" for v in v1])
        ax.set_xlabel(k2)
        ax.set_ylabel(k1)
        ax.grid(False)
        if len(v1) * len(v2) <= 400:
            for i in range(len(v1)):
                for j in range(len(v2)):
                    c = coop[i, j]
                    label = "–" if c is None else f"{c:.2f}"
                    ax.text(j, i, label, ha="center", va="center", fontsize=6, color="white")
        ax.set_title(
            f"{result.scenario.name}: D's first move ({result.scenario.strategic.objective}); "
            "cells: cooperation",
            fontsize=9,
        )
        ax.legend(
            handles=[Patch(color=colour(n, i), label=n) for i, n in enumerate(names)],
            frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0),
        )  # fmt: skip
    return fig

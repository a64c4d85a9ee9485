"""Element-level checks of a matplotlib figure: no text cut off, no empty chart.

A PNG cannot be asked where its labels are, but the figure that made it can. These checks
draw the figure (as saving it would) and read its artists:

- :func:`clipped_texts`: every text the renderer drew (titles, axis and tick labels, legend
  entries, colour-bar labels, annotations) must lie inside the area a PNG of the figure
  keeps (:func:`kept_area`) and inside its own clip box where clipping is on;
- :func:`empty_axes`: every panel must draw data (a line, a collection, a bar or an image
  with at least one finite value), reference lines such as ``axhline`` not counting.
"""

from __future__ import annotations

from unittest import mock

import numpy as np
from matplotlib import rcParams
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.collections import Collection
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.transforms import BboxBase

__all__ = ["clipped_texts", "empty_axes", "kept_area"]

TOLERANCE = 0.5
"""Pixels a text's box may reach past an edge (rounding of font metrics)."""


def _canvas(fig: Figure) -> FigureCanvasAgg:
    """The figure's Agg canvas (every figure here has one: ``matplotlib.use("Agg")``),
    attached if it has another."""
    canvas = fig.canvas
    return canvas if isinstance(canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)


def _renderer(fig: Figure) -> RendererAgg:
    return _canvas(fig).get_renderer()


def kept_area(fig: Figure, bbox_inches: str | None = "tight") -> BboxBase:
    """The area, in display pixels, that ``fig.savefig(..., bbox_inches=bbox_inches)``
    writes: with ``"tight"`` (how every figure here is saved, see
    :func:`backscratch.report.figures.png`) the figure's tight box padded by
    ``savefig.pad_inches``, as :meth:`~matplotlib.figure.Figure.savefig` computes it;
    otherwise the canvas. Call it on a drawn figure."""
    if bbox_inches != "tight":
        return fig.bbox
    box = fig.get_tightbbox(_renderer(fig))
    if box is None:  # nothing drawn: savefig keeps the canvas
        return fig.bbox
    box = box.padded(rcParams["savefig.pad_inches"])
    return box.transformed(fig.dpi_scale_trans)


def _inside(box: BboxBase, frame: BboxBase) -> bool:
    return (
        box.x0 >= frame.x0 - TOLERANCE
        and box.y0 >= frame.y0 - TOLERANCE
        and box.x1 <= frame.x1 + TOLERANCE
        and box.y1 <= frame.y1 + TOLERANCE
    )


def _owner(fig: Figure, text: Text) -> Axes | None:
    """The panel a text belongs to (axis labels have no ``.axes`` of their own)."""
    if isinstance(text.axes, Axes):
        return text.axes
    return next((ax for ax in fig.axes if any(t is text for t in ax.findobj(Text))), None)


def _name(fig: Figure, ax: Axes | None) -> str:
    if ax is not None and ax.get_title():
        return f"axes {ax.get_title()!r}"
    if ax is not None:
        return f"axes {fig.axes.index(ax) + 1} of {len(fig.axes)}"
    return "the figure"


def _box(b: BboxBase) -> str:
    return "[" + ", ".join(f"{v:.0f}" for v in (b.x0, b.y0, b.x1, b.y1)) + "]"


def drawn_texts(fig: Figure) -> list[Text]:
    """Draw ``fig`` (layout engines run, tick labels placed) and return each visible,
    non-empty text the renderer drew, once, in drawing order. ``Text.draw`` is wrapped
    for the duration of the draw (not thread-safe)."""
    drawn: list[Text] = []
    draw = Text.draw

    def recording(self: Text, renderer) -> None:
        draw(self, renderer)
        if self.get_visible() and self.get_text().strip():
            drawn.append(self)

    with mock.patch.object(Text, "draw", recording):
        _canvas(fig).draw()
    return list(dict.fromkeys(drawn))


def clipped_texts(fig: Figure, bbox_inches: str | None = "tight") -> list[str]:
    """Every text of ``fig`` drawn cut off: its window extent, after a full draw, not
    inside :func:`kept_area` (what a PNG saved with ``bbox_inches`` keeps), or not inside
    its clip box where clipping is on. An empty list: nothing is cut off."""
    texts = drawn_texts(fig)
    renderer = _renderer(fig)
    area = kept_area(fig, bbox_inches)
    found = []
    for text in texts:
        box = text.get_window_extent(renderer)
        if not np.isfinite(box.extents).all():
            continue  # not placed: matplotlib draws nothing at a NaN position
        where = f"{text.get_text()!r} ({_name(fig, _owner(fig, text))})"
        if not _inside(box, area):
            found.append(f"{where} at {_box(box)} reaches past the saved area {_box(area)}")
        clip = text.get_clip_box() if text.get_clip_on() else None
        if clip is not None and not _inside(box, clip):
            found.append(f"{where} at {_box(box)} is cut by its clip box {_box(clip)}")
    return found


def _finite(*arrays) -> bool:
    """Some index is finite in every array (a point that can be drawn)."""
    try:
        stacked: list[np.ndarray] = [
            np.ma.filled(np.ma.asarray(a, dtype=float), np.nan).ravel() for a in arrays
        ]
    except (TypeError, ValueError):  # categorical data: drawn where present
        return all(len(np.ravel(a)) > 0 for a in arrays)
    if not stacked or any(len(a) != len(stacked[0]) for a in stacked):
        return all(np.isfinite(a).any() for a in stacked)
    return bool(np.logical_and.reduce([np.isfinite(a) for a in stacked]).any())


def _draws_data(ax: Axes, artist) -> bool:
    if not artist.get_visible():
        return False
    if isinstance(artist, Line2D):  # in data coordinates: axhline / axvline do not count
        return artist.get_transform() == ax.transData and _finite(
            artist.get_xdata(), artist.get_ydata()
        )
    if isinstance(artist, AxesImage):
        return artist.get_array() is not None and _finite(artist.get_array())
    if isinstance(artist, Collection):
        paths = artist.get_paths()
        if artist.get_offset_transform() == ax.transData:  # markers placed at data points
            offsets = np.asarray(artist.get_offsets())
            return len(paths) > 0 and len(offsets) > 0 and _finite(offsets[:, 0], offsets[:, 1])
        return any(np.asarray(p.vertices).size and np.isfinite(p.vertices).all() for p in paths)
    if artist in ax.patches:  # bars and other patches added to the axes
        return bool(np.isfinite(artist.get_extents().extents).all())
    return False


def empty_axes(fig: Figure) -> list[str]:
    """Every visible panel of ``fig`` that draws no data (see the module docstring), and
    the figure itself if it has no panel. An empty list: every chart shows something."""
    panels = [ax for ax in fig.axes if ax.get_visible()]
    if not panels:
        return ["the figure has no axes"]
    return [
        f"{_name(fig, ax)} draws no data"
        for ax in panels
        if not any(_draws_data(ax, a) for a in ax.get_children())
    ]

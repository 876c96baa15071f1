"""Figures drawn without pyplot, each with its own Agg canvas.

A bare ``matplotlib.figure.Figure`` has no renderer of its own: every ``tight_layout`` or ``get_tightbbox`` call
makes a new one (by starting a PNG print and abandoning it), and matplotlib's cache of text sizes is kept per
renderer, so each call measures every label again. A figure made here keeps one Agg renderer, and the labels
measured to lay it out are not measured again to crop it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def new_figure(**kwargs: Any) -> Figure:
    """``Figure(**kwargs)`` attached to an Agg canvas (thread-safe: no pyplot state)."""
    fig = Figure(**kwargs)
    FigureCanvasAgg(fig)
    return fig


#: the artist label of the row labels of :func:`row_labels`
ROW_LABEL = "row-label"


def row_labels(ax: Any, ys: Sequence[float], labels: Sequence[str], fontsize: Any = None) -> None:
    """Label the rows at ``ys`` left of the axes, where y tick labels of length-0 ticks would be (same font size,
    pad and alignment: the same image), as texts: each tick costs a few Line2D and Text objects, a fifth of the
    time of a plot of 40 rows. ``fontsize``: default the axis' tick label size.
    ``[t.get_text() for t in ax.texts if t.get_label() == ROW_LABEL]`` reads them back."""
    size = fontsize or ax.yaxis.get_tick_params(which="major").get("labelsize", mpl.rcParams["ytick.labelsize"])
    pad = mpl.rcParams["ytick.major.pad"]
    ax.set_yticks([])
    for y, text in zip(ys, labels, strict=True):
        ax.annotate(text, (0.0, y), xycoords=("axes fraction", "data"), xytext=(-pad, 0), textcoords="offset points",
                    ha="right", va="center_baseline", fontsize=size, label=ROW_LABEL)


def glyph_marker(text: str) -> Any:
    """A scatter marker drawn as the outline of ``text`` centred on the point and scaled so that its larger side
    is one marker size: what matplotlib draws for the mathtext marker ``f"${text}$"``, from the plain text path,
    so that no mathtext parser is built (about 0.05 s, the first time in a process)."""
    from matplotlib.markers import MarkerStyle
    from matplotlib.textpath import TextPath
    from matplotlib.transforms import Affine2D

    path = TextPath((0.0, 0.0), text)
    box = path.get_extents()
    centred = Affine2D().translate(-box.x0 - box.width / 2, -box.y0 - box.height / 2).scale(
        1.0 / max(box.width, box.height)).transform_path(path)
    # MarkerStyle scales a path marker by 0.5 / max |vertex|; undo that, so the glyph's box is the unit square
    reach = float(np.max(np.abs(centred.vertices)))
    return MarkerStyle(centred, transform=Affine2D().scale(2.0 * reach))

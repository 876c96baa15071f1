"""Figures drawn without pyplot, each with its own Agg canvas.

A bare ``matplotlib.figure.Figure`` has no renderer of its own: every ``tight_layout`` or ``get_tightbbox`` call
makes a new one (by starting a PNG print and abandoning it), and matplotlib's cache of text sizes is kept per
renderer, so each call measures every label again. A figure made here keeps one Agg renderer, and the labels
measured to lay it out are not measured again to crop it.
"""

from __future__ import annotations

from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def new_figure(**kwargs: Any) -> Figure:
    """``Figure(**kwargs)`` attached to an Agg canvas (thread-safe: no pyplot state)."""
    fig = Figure(**kwargs)
    FigureCanvasAgg(fig)
    return fig

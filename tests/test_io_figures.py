"""new_figure: a Figure with its own Agg canvas lays out and crops exactly as a bare Figure, measuring once;
glyph_marker: the mathtext marker's outline without the mathtext parser."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.markers import MarkerStyle

from painregen.io.figures import glyph_marker, new_figure
from painregen.report.output import svg_text, tight_bbox


def _draw(fig: Figure) -> Figure:
    ax = fig.subplots()
    ax.set_yticks(range(30), [f"Study {i} · cohort {i % 3} · paw withdrawal threshold" for i in range(30)])
    ax.set_xlabel("SMD")
    fig.tight_layout()
    return fig


def test_same_drawing_as_a_bare_figure() -> None:
    a, b = _draw(Figure(figsize=(7.5, 9.0))), _draw(new_figure(figsize=(7.5, 9.0)))
    assert tuple(tight_bbox(a).bounds) == tuple(tight_bbox(b).bounds)
    assert svg_text(a, "x", tight_bbox(a)) == svg_text(b, "x", tight_bbox(b))


def test_the_renderer_is_kept() -> None:
    fig = new_figure(figsize=(4.0, 3.0))
    assert fig._get_renderer() is fig._get_renderer()  # a bare Figure makes a new one per call
    bare = Figure(figsize=(4.0, 3.0))
    assert bare._get_renderer() is not bare._get_renderer()


@pytest.mark.parametrize("text", ["+", "?", "\u2212", "5"])
def test_glyph_marker_draws_the_mathtext_marker(text: str) -> None:
    ours, theirs = glyph_marker(text), MarkerStyle(f"${text}$")
    a = ours.get_transform().transform_path(ours.get_path())
    b = theirs.get_transform().transform_path(theirs.get_path())
    assert np.allclose(a.vertices, b.vertices, rtol=0, atol=1e-9)
    assert np.array_equal(a.codes, b.codes)
    box = a.get_extents()  # centred on the point, larger side one marker size
    assert max(box.width, box.height) == pytest.approx(1.0)
    assert (box.x0 + box.x1) / 2 == pytest.approx(0.0, abs=1e-12)
    assert (box.y0 + box.y1) / 2 == pytest.approx(0.0, abs=1e-12)

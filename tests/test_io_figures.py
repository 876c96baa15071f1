"""new_figure: a Figure with its own Agg canvas lays out and crops exactly as a bare Figure, measuring once."""

from __future__ import annotations

from matplotlib.figure import Figure

from painregen.io.figures import new_figure
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

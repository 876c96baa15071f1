"""Plots: each returns a Figure and saves as SVG, PNG and PDF."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

from painregen.io.figures import ROW_LABEL
from painregen.meta import rma, subgroup, trimfill
from painregen.meta.plots import baujat, forest, funnel, save_figure

RNG = np.random.default_rng(4)
VI = RNG.uniform(0.02, 0.2, 12)
YI = 0.4 + RNG.normal(0, np.sqrt(VI + 0.05))
GRP = np.array(["IT", "IV"] * 6)


@pytest.mark.parametrize("suffix", [".svg", ".png", ".pdf"])
def test_figures_save(tmp_path: Path, suffix: str) -> None:
    res = rma(YI, VI)
    figs = [forest(res, labels=[f"S{i}" for i in range(12)]), forest(subgroup(YI, VI, GRP), groups=GRP),
            funnel(res, fill=trimfill(res)), baujat(res)]
    for i, fig in enumerate(figs):
        assert isinstance(fig, Figure)
        out = save_figure(fig, tmp_path / f"fig{i}{suffix}")
        assert out.stat().st_size > 1000
    head = (tmp_path / f"fig0{suffix}").read_bytes()[:8]
    assert {".svg": b"<?xml", ".png": b"\x89PNG", ".pdf": b"%PDF"}[suffix] in head


def test_forest_contents_and_errors(tmp_path: Path) -> None:
    res = rma(YI, VI)
    fig = forest(res, labels=[f"S{i}" for i in range(12)])
    labels = [t.get_text() for t in fig.axes[0].texts if t.get_label() == ROW_LABEL]
    assert labels[0] == "S0" and labels[-1].startswith("RE model (k = 12")
    assert not fig.axes[0].get_yticks().size  # the rows are labelled by texts, not ticks
    with pytest.raises(ValueError, match="unsupported figure format"):
        save_figure(fig, tmp_path / "x.gif")
    with pytest.raises(ValueError, match="intercept-only"):
        forest(rma(YI, VI, mods=np.arange(12.0)))


def test_row_labels_draw_what_tick_labels_draw() -> None:
    """io.figures.row_labels puts each label where a y tick label of a length-0 tick goes: the same image."""
    from painregen.io.figures import new_figure, row_labels

    def draw(as_ticks: bool) -> np.ndarray:
        fig = new_figure(figsize=(5, 3))
        ax = fig.subplots()
        ax.errorbar([0.2, -0.1, 0.4], [0, 1, 2], xerr=0.3, fmt="s")
        ax.tick_params(axis="y", labelsize="small")
        names = ["Smith 2020", "Lee et al. (2019) — rats", "RE model (k = 3)"]
        if as_ticks:
            ax.set_yticks([0, 1, 2], names)
        else:
            row_labels(ax, [0, 1, 2], names)
        ax.tick_params(axis="y", length=0)
        fig.tight_layout()
        fig.canvas.draw()
        return np.asarray(fig.canvas.buffer_rgba()).copy()  # type: ignore[attr-defined]

    ticks, texts = draw(True), draw(False)
    assert ticks.shape == texts.shape and np.array_equal(ticks, texts)

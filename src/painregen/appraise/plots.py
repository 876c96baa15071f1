"""Risk-of-bias figures with a native SYRCLE template: a traffic-light plot per study and weighted summary bars.

These are the two figures robvis draws (McGuinness & Higgins 2021, Res Syn Meth 12:55), drawn here from
:class:`~painregen.appraise.syrcle.SyrcleAssessment` objects. Every one of the ten SYRCLE items always gets its
column and its bar, whatever the answers: an item nobody answered is drawn as "not assessed" (grey) rather than
silently dropped (robvis issues #131 and #155 report domains missing from its summary plot). As SYRCLE gives no
summary score, no "overall" column is drawn.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from painregen.appraise.catalogue import get_instrument
from painregen.appraise.syrcle import JUDGEMENTS, SyrcleAssessment
from painregen.io.figures import glyph_marker, new_figure

__all__ = ["COLOURS", "summary_bars", "summary_table", "traffic_light"]

COLOURS = {"low": "#02C100", "unclear": "#E2DF07", "high": "#BF0000", "not_assessed": "#BBBBBB"}
SYMBOLS = {"low": "+", "unclear": "?", "high": "−", "not_assessed": ""}
LABELS = {"low": "Low risk", "unclear": "Unclear risk", "high": "High risk", "not_assessed": "Not assessed"}


def _item_labels() -> list[str]:
    return [f"{it.name} ({it.bias})" for it in get_instrument("syrcle").items]


def summary_table(assessments: Mapping[str, SyrcleAssessment],
                  weights: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Share of (weighted) studies per item (rows, all ten, in order) and judgement (columns, all four).

    ``weights``: per-study weights (e.g. animals, or inverse-variance weights from the meta-analysis); default 1.
    Each row sums to 1. ValueError for a negative weight, a study without weight, or no positive weight.
    """
    if not assessments:
        raise ValueError("no assessments to summarise")
    w = {s: 1.0 for s in assessments} if weights is None else {s: float(weights[s]) for s in assessments}
    if any(v < 0 for v in w.values()) or sum(w.values()) <= 0:
        raise ValueError("weights must be non-negative with a positive total")
    items = [it.id for it in get_instrument("syrcle").items]
    data = np.zeros((len(items), len(JUDGEMENTS)))
    for study, a in assessments.items():
        judged = a.judgements()
        for i, item in enumerate(items):
            data[i, JUDGEMENTS.index(judged[item])] += w[study]
    data /= sum(w.values())
    return pd.DataFrame(data, index=pd.Index(items, name="item"), columns=list(JUDGEMENTS))


def summary_bars(assessments: Mapping[str, SyrcleAssessment], weights: Mapping[str, float] | None = None, *,
                 title: str | None = None) -> Figure:
    """Horizontal stacked bars: per SYRCLE item, the (weighted) share of studies at each judgement."""
    table = summary_table(assessments, weights)
    labels = _item_labels()
    fig = new_figure(figsize=(9, 0.45 * len(labels) + 1.6))
    ax = fig.subplots()
    y = np.arange(len(labels))[::-1]
    left = np.zeros(len(labels))
    for j in JUDGEMENTS:
        share = table[j].to_numpy()
        ax.barh(y, share * 100, left=left * 100, color=COLOURS[j], edgecolor="black", linewidth=0.5, height=0.7,
                label=LABELS[j])
        left += share
    ax.set_yticks(y, labels)
    ax.set_xlim(0, 100)
    ax.set_xlabel("Studies (%)" + ("" if weights is None else ", weighted"))
    ax.legend(ncols=4, loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.2 / len(labels)), frameon=False)
    ax.set_title(title or f"SYRCLE risk of bias, {len(assessments)} studies")
    fig.tight_layout()
    return fig


def traffic_light(assessments: Mapping[str, SyrcleAssessment], *, title: str | None = None) -> Figure:
    """One row per study, one column per SYRCLE item (D1-D10), a coloured disc with its symbol per judgement."""
    if not assessments:
        raise ValueError("no assessments to plot")
    items = get_instrument("syrcle").items
    studies = list(assessments)
    width, height = 0.55 * len(items) + 5.6, 0.4 * len(studies) + 1.4
    fig = new_figure(figsize=(width, max(height, 4.2)))
    fig.subplots_adjust(left=1.5 / width, right=(1.5 + 0.55 * len(items)) / width, top=1 - 0.9 / max(height, 4.2),
                        bottom=0.3 / max(height, 4.2))
    ax = fig.subplots()
    per_study = [assessments[study].judgements() for study in studies]
    cells = [(c, r, judged[it.id]) for r, judged in enumerate(per_study) for c, it in enumerate(items)]
    xs = np.array([c for c, _, _ in cells], dtype=float)
    ys = np.array([r for _, r, _ in cells], dtype=float)
    judgement = [j for _, _, j in cells]
    # one collection for the discs and one per symbol (hundreds of separate artists made this plot slow to save)
    ax.scatter(xs, ys, s=260, c=[COLOURS[j] for j in judgement], edgecolors="black", linewidths=0.5, zorder=2)
    for j in JUDGEMENTS:
        at = np.array([x == j for x in judgement])
        if SYMBOLS[j] and at.any():
            ax.scatter(xs[at], ys[at], s=70, marker=glyph_marker(SYMBOLS[j]), c="black", linewidths=0, zorder=3)
    ax.set_xticks(range(len(items)), [f"D{it.number}" for it in items])
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(studies)), studies)
    ax.set_xlim(-0.6, len(items) - 0.4)
    ax.set_ylim(len(studies) - 0.4, -0.6)
    ax.grid(True, color="#DDDDDD", zorder=1)
    ax.set_frame_on(False)
    ax.tick_params(length=0)
    key = "\n".join(f"D{it.number}: {label}" for it, label in zip(items, _item_labels(), strict=True))
    handles = [Patch(facecolor=COLOURS[j], edgecolor="black", label=LABELS[j]) for j in JUDGEMENTS]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False, title="Judgement")
    ax.text(1.04, 0.0, key, transform=ax.transAxes, ha="left", va="bottom", fontsize=7)
    ax.set_title(title or "SYRCLE risk of bias", pad=24)
    return fig

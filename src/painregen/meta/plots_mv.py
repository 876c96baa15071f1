"""Forest plot of a multilevel (three-level) model: :func:`painregen.meta.rma_mv` results.

Rows are the effect sizes grouped by outer cluster (study), or one row per study. The summary diamond
is the model's pooled estimate with its confidence interval, and the dashed line its prediction interval
(total variance sum(sigma2), as metafor's ``predict.rma.mv``).

Weights are the generalised-least-squares weights of the intercept-only model: with M_s the marginal
covariance of study s (sampling covariance plus every variance component), the pooled estimate is
b = sum_s 1'M_s^-1 y_s / sum_s 1'M_s^-1 1, so row i of study s has weight (M_s^-1 1)_i and the study the
sum of its rows' weights (Konstantopoulos 2011, Res Synth Methods 2:61). A study's own estimate is the GLS
mean of its rows under C_s = M_s - sigma2_outer J (the study-level variance removed), with variance
1/(1'C_s^-1 1): its effects pooled with the within-study heterogeneity the model estimated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from matplotlib.figure import Figure

from painregen.io.figures import new_figure
from painregen.meta.inference import critical_value
from painregen.meta.plots import _diamond, finish_forest
from painregen.meta.results_mv import RmaMvResult

__all__ = ["StudyRows", "forest_mv", "study_estimates"]


@dataclass(frozen=True)
class StudyRows:
    """Per outer cluster (in order of first appearance): its label, row indices, GLS estimate, variance and
    weight (share of the total, summing to 1)."""

    labels: tuple[str, ...]
    rows: tuple[np.ndarray, ...]
    yi: np.ndarray
    vi: np.ndarray
    weight: np.ndarray
    row_weight: np.ndarray  # per fitted row, share of the total


def study_estimates(res: RmaMvResult, studies: Sequence[Any] | np.ndarray) -> StudyRows:
    """Study-level GLS estimates and weights of an intercept-only multilevel fit (module docstring).

    ``studies``: the outer cluster label of each fitted row (the ``clusters[0]`` given to ``rma_mv``)."""
    if not res.int_only:
        raise ValueError("forest plots need an intercept-only model")
    lab = np.asarray([str(s) for s in studies])
    if lab.shape != (res.k,):
        raise ValueError(f"{lab.size} study labels for {res.k} effects")
    order = list(dict.fromkeys(lab.tolist()))
    rows, est, var, wsum = [], [], [], []
    row_w = np.zeros(res.k)
    for s in order:
        r = np.flatnonzero(lab == s)
        m_full = res.marginal_cov(r)
        w = np.linalg.solve(m_full, np.ones(r.size))
        row_w[r] = w
        c = m_full - float(res.sigma2[0])
        u = np.linalg.solve(c, np.ones(r.size))
        rows.append(r)
        var.append(1.0 / float(u.sum()))
        est.append(float(u @ res.yi[r]) / float(u.sum()))
        wsum.append(float(w.sum()))
    total = float(np.sum(wsum))
    return StudyRows(tuple(order), tuple(rows), np.array(est), np.array(var), np.array(wsum) / total,
                     row_w / total)


def _keep(weights: np.ndarray, max_rows: int | None) -> np.ndarray:
    """Indices of the rows to draw: all, or the ``max_rows`` heaviest in their original order."""
    if max_rows is None or weights.size <= max_rows:
        return np.arange(weights.size)
    return np.sort(np.argsort(-weights, kind="stable")[:max_rows])


def forest_mv(
    res: RmaMvResult,
    *,
    studies: Sequence[Any] | np.ndarray,
    labels: Sequence[str] | None = None,
    by: Literal["comparison", "study"] = "comparison",
    max_rows: int | None = None,
    show_pi: bool = True,
    xlabel: str = "Effect size",
) -> Figure:
    """Forest plot of an intercept-only :class:`RmaMvResult`.

    ``studies``: outer cluster label per fitted row; ``labels``: row labels (``by="comparison"``).
    ``by="study"`` draws one row per study (its GLS estimate, see the module docstring), labelled with its number
    of effects. ``max_rows`` draws
    only the heaviest rows (in their order) and says how many were left out; the diamond always uses them all.
    """
    sr = study_estimates(res, studies)
    crit = critical_value(res.alpha, res.ddf)
    if by == "study":
        yi, se, w = sr.yi, np.sqrt(sr.vi), sr.weight
        names = [f"{s} ({r.size})" for s, r in zip(sr.labels, sr.rows, strict=True)]
    elif by == "comparison":
        order = np.concatenate(sr.rows)
        rl = list(labels) if labels is not None else [f"{s} #{i + 1}" for i, s in enumerate(studies)]
        if len(rl) != res.k:
            raise ValueError(f"{len(rl)} labels for {res.k} effects")
        yi, se, w = res.yi[order], np.sqrt(res.vi[order]), sr.row_weight[order]
        names = [rl[i] for i in order]
    else:
        raise ValueError("by must be 'comparison' or 'study'")
    keep = _keep(w, max_rows)
    n = keep.size
    n_rows = n + 3 + (1 if n < w.size else 0)
    fig = new_figure(figsize=(7.5, 1.2 + 0.28 * n_rows))
    ax = fig.subplots()
    ypos = n_rows - 1 - np.arange(n, dtype=float)
    ax.hlines(ypos, yi[keep] - crit * se[keep], yi[keep] + crit * se[keep], color="black", linewidth=0.8)
    ax.scatter(yi[keep], ypos, s=20 + 80 * w[keep] / np.max(w), marker="s", color="black", zorder=3)
    ticks, ticklabels = ypos.tolist(), [names[i] for i in keep]
    y = float(ypos[-1]) if n else float(n_rows)
    if n < w.size:
        y -= 1
        ticks.append(y)
        ticklabels.append(f"... {w.size - n} lighter {'studies' if by == 'study' else 'effects'} not drawn")
    y -= 1.5
    _diamond(ax, y, float(res.b[0]), float(res.ci_low[0]), float(res.ci_high[0]), "black")
    ticks.append(y)
    ticklabels.append(f"Multilevel RE model (k = {res.k}, studies = {len(sr.labels)})")
    if show_pi:
        pred = res.predict()
        ax.hlines(y - 0.55, pred["pi_low"][0], pred["pi_high"][0], color="black", linestyle="--", linewidth=0.9)
    return finish_forest(fig, ax, ticks, ticklabels, y, n_rows, xlabel)

"""Plots of case-deletion diagnostics (metafor's ``plot.infl.rma.uni`` and ``forest(leave1out(...))``).

- influence_panels: one panel per diagnostic of :func:`painregen.meta.influence` (externally standardised residual,
  DFFITS, Cook's distance, covariance ratio, tau2 and Q_E after deletion, leverage, weight), studies along the x axis,
  influential studies (metafor's criteria, Viechtbauer & Cheung 2010) drawn in red with the cut-offs as dotted lines.
- leave1out_plot: the pooled estimate and CI with each study left out, against the estimate from all studies.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from painregen.io.figures import new_figure
from painregen.meta.influence import Influence, LeaveOneOut
from painregen.meta.plots import finish_forest
from painregen.meta.results import RmaResult

PANELS = (("rstudent", "rstudent"), ("dffits", "dffits"), ("cook.d", "cook.d"), ("cov.r", "cov.r"),
          ("tau2.del", "tau2.del"), ("QE.del", "QE.del"), ("hat", "hat"), ("weight", "weight (%)"))


def influence_panels(infl: Influence, res: RmaResult, labels: Sequence[str] | None = None) -> Figure:
    """Eight panels of diagnostics with influential studies highlighted (red) and metafor's cut-offs."""
    table = infl.table
    k, p = res.k, res.p
    x = np.arange(1, k + 1)
    flagged = infl.influential()
    fig = new_figure(figsize=(10.0, 5.5))
    axes = fig.subplots(2, 4, sharex=True)
    cut = {"dffits": 3.0 * np.sqrt(p / (k - p)), "hat": 3.0 * p / k, "rstudent": 1.96}
    for ax, (col, title) in zip(axes.ravel(), PANELS, strict=True):
        vals = table[col].to_numpy(dtype=float)
        ax.plot(x, vals, color="0.6", linewidth=0.7, zorder=1)
        ax.scatter(x[~flagged], vals[~flagged], s=14, color="black", zorder=2)
        ax.scatter(x[flagged], vals[flagged], s=22, color="tab:red", zorder=3)
        if col in cut:
            for sign in ((-1.0, 1.0) if col in ("rstudent", "dffits") else (1.0,)):
                ax.axhline(sign * cut[col], color="0.4", linestyle=":", linewidth=0.8)
        if col == "tau2.del":
            ax.axhline(res.tau2, color="0.4", linestyle="--", linewidth=0.8)
        if col == "QE.del":
            ax.axhline(res.QE, color="0.4", linestyle="--", linewidth=0.8)
        ax.set_title(title, fontsize="small")
        ax.tick_params(labelsize="x-small")
    names = list(labels) if labels is not None else [str(i) for i in x]
    if k <= 30:
        for ax in axes[1]:
            ax.set_xticks(x, names, rotation=90, fontsize="x-small")
    fig.tight_layout()
    return fig


def leave1out_plot(l1o: LeaveOneOut, res: RmaResult, labels: Sequence[str] | None = None,
                   xlabel: str = "Pooled estimate with the study left out") -> Figure:
    """Forest-style plot: each row is the pooled estimate (95% CI) without that study; the vertical band is the
    estimate from all studies."""
    t = l1o.table
    k = len(t)
    names = [f"without {s}" for s in (labels if labels is not None else [str(i + 1) for i in range(k)])]
    fig = new_figure(figsize=(7.5, 1.4 + 0.28 * (k + 3)))
    ax = fig.subplots()
    ypos = k - np.arange(k, dtype=float)
    ax.axvspan(float(res.ci_low[0]), float(res.ci_high[0]), color="0.9", zorder=0)
    ax.axvline(float(res.b[0]), color="black", linewidth=0.8, linestyle="--")
    ax.hlines(ypos, t["ci.lb"], t["ci.ub"], color="black", linewidth=0.8)
    ax.scatter(t["estimate"], ypos, marker="s", color="black", s=22, zorder=3)
    for yy, (est, lo, hi) in zip(ypos, t[["estimate", "ci.lb", "ci.ub"]].to_numpy(), strict=True):
        ax.annotate(f"{est:.2f} [{lo:.2f}, {hi:.2f}]", (1.0, yy), xycoords=("axes fraction", "data"),
                    xytext=(8, 0), textcoords="offset points", va="center", fontsize="small")
    ax.tick_params(axis="y", labelsize="small")
    return finish_forest(fig, ax, list(ypos), names, 0.5, k, xlabel)

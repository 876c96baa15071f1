"""Figures of dose-response analyses (matplotlib; return a Figure, never show it): one study, pooled curves.

Observed group means with 95% confidence intervals, the selected fitted curve with a pointwise 95%
band (delta method; under aveAIC the model-averaged curve, which the MED and window come from), the
saturation window shaded between MED and saturation dose, and both marked.
Doses spanning more than a factor of 20 are drawn on a symmetric-log axis so the control stays visible.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter
from scipy import stats

from painregen.io.figures import new_figure

from .meta_dr import DoseCurve
from .results import MCPModResult


def dose_label(dose: float) -> str:
    """A dose as a short tick label: ``0``, ``0.3``, ``300``, then ``1e5``, ``3e6`` from 10,000 on."""
    if abs(dose) < 1e4:
        return f"{dose:g}"
    mantissa, exponent = f"{dose:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def symlog_doses(ax: Any, linthresh: float) -> None:
    """A symmetric-log dose axis labelled by :func:`dose_label`: plain text, where the log scale's default labels
    (``10^2``) are mathtext, whose parser costs matplotlib a quarter of a second to build in each process."""
    ax.set_xscale("symlog", linthresh=linthresh)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: dose_label(x)))


def plot_dose_response(result: MCPModResult, *, xscale: str = "auto", title: str | None = None,
                       ylabel: str = "response", xlabel: str = "dose") -> Figure:
    """Draw ``result`` (an :class:`MCPModResult`) and return the Figure."""
    data = result.data
    fig = new_figure(figsize=(6.4, 4.2))
    ax: Any = fig.add_subplot(1, 1, 1)
    q = stats.norm.isf(0.025) if not np.isfinite(data.df) else stats.t.isf(0.025, data.df)
    ax.errorbar(data.doses, data.means, yerr=q * data.se, fmt="o", color="black", capsize=3,
                label="observed mean ± 95% CI", zorder=3)
    positive = data.doses[data.doses > 0]
    use_log = xscale == "log" or (xscale == "auto" and positive.size > 0 and positive.max() / positive.min() > 20)
    if use_log:
        grid = np.concatenate([[0.0], np.geomspace(positive.min() / 3, data.max_dose, 300)])
        symlog_doses(ax, float(positive.min()) / 3)
    else:
        grid = np.linspace(0.0, data.max_dose, 300)
    if result.selected_model is not None and result.selection.method == "aveAIC":
        from .selection import ModelAverage

        avg = ModelAverage(result.fits, tuple(result.selection.weights[f.model] for f in result.fits))
        ax.plot(grid, avg.predict(grid), color="tab:blue", label="model average (aveAIC)")
    elif result.selected_model is not None:
        fit = result.fit(result.selected_model)
        mean = fit.predict(grid)
        band = q * fit.predict_se(grid)
        ax.plot(grid, mean, color="tab:blue", label=f"fitted {fit.model}")
        ax.fill_between(grid, mean - band, mean + band, color="tab:blue", alpha=0.2, linewidth=0)
    w = result.window
    if w.window is not None:
        ax.axvspan(w.window[0], w.window[1], color="tab:green", alpha=0.12, label="saturation window")
    if w.med is not None:
        ax.axvline(w.med, color="tab:green", linestyle="--", label=f"MED {w.med:.3g}")
    if w.saturation is not None:
        ax.axvline(w.saturation, color="tab:orange", linestyle=":", label=f"saturation {w.saturation:.3g}")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title or ("dose-response" if result.selected_model is None else f"MCP-Mod: {result.selected_model}"))
    ax.legend(fontsize="small", loc="best")
    fig.tight_layout()
    return fig


def draw_pooled_curves(ax: Any, curves: Mapping[str, DoseCurve], *, xlabel: str = "dose",
                       ylabel: str = "pooled effect vs vehicle", title: str | None = None) -> None:
    """Pooled dose-response curves (one per label) with their pointwise 95% bands on ``ax``: a symmetric-log dose
    axis from vehicle (0), the y range set by the curves so that a wide band does not flatten them."""
    for label, c in curves.items():
        line = ax.plot(c.dose, c.fit, label=label)[0]
        ax.fill_between(c.dose, c.ci_low, c.ci_high, color=line.get_color(), alpha=0.12, linewidth=0)
    fits = [c.fit for c in curves.values()]
    if fits:
        top, low = max(float(np.nanmax(f)) for f in fits), min(0.0, *(float(np.nanmin(f)) for f in fits))
        pad = 0.25 * (top - low) if top > low else 1.0
        ax.set_ylim(low - pad, top + pad)
        ax.legend(fontsize="x-small", frameon=False)
    ax.axhline(0.0, color="grey", linewidth=0.6)
    positive = [float(c.dose[1]) for c in curves.values() if c.dose.size > 1]
    symlog_doses(ax, min(positive) if positive else 1.0)
    ax.set_xlim(left=0.0)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)


def plot_pooled_curves(curves: Mapping[str, DoseCurve], **kwargs: Any) -> Figure:
    """A Figure of :func:`draw_pooled_curves`."""
    fig = new_figure(figsize=(6.4, 4.2))
    draw_pooled_curves(fig.add_subplot(1, 1, 1), curves, **kwargs)
    fig.tight_layout()
    return fig

"""Forest, funnel and Baujat plots (matplotlib; each returns a Figure, no global pyplot state).

- forest: RevMan-style (Cochrane RevMan 5 layout): study labels, estimates with confidence intervals (box
  area proportional to weight), weight and "estimate [CI]" columns, summary diamonds (per subgroup and
  overall), the prediction interval (Riley et al. 2011), heterogeneity and overall-effect tests, and
  "favours" labels under the axis.
- funnel: effect against standard error with the pseudo 95% region around the estimate,
  significance contours around 0 (contour-enhanced funnel, Peters et al. 2008, J Clin Epidemiol
  61:991-996) and the trim-and-fill studies as open points.
- baujat: contribution of each study to heterogeneity against its influence on the pooled
  estimate (Baujat et al. 2002, Stat Med 21:2641-2652).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Polygon
from scipy import stats

from painregen.io.figures import new_figure, row_labels
from painregen.meta.collate import r_label
from painregen.meta.inference import critical_value
from painregen.meta.influence import deletion_fits
from painregen.meta.results import RmaResult
from painregen.meta.subgroup import SubgroupResult
from painregen.meta.trimfill import TrimfillResult

FORMATS = (".svg", ".png", ".pdf")


def save_figure(fig: Figure, path: str | Path, *, dpi: int = 150) -> Path:
    """Save a figure as SVG, PNG or PDF (chosen by the file suffix)."""
    out = Path(path)
    if out.suffix.lower() not in FORMATS:
        raise ValueError(f"unsupported figure format {out.suffix!r}; use one of {FORMATS}")
    fig.savefig(out, dpi=dpi, bbox_inches="tight")
    return out


def _diamond(ax: Axes, y: float, est: float, lo: float, hi: float, color: str, height: float = 0.35) -> None:
    ax.add_patch(Polygon([[lo, y], [est, y + height], [hi, y], [est, y - height]], closed=True, color=color))


def _study_rows(ax: Axes, res: RmaResult, rows: np.ndarray, ypos: np.ndarray, crit: float) -> None:
    se = np.sqrt(res.vi[rows])
    lo, hi = res.yi[rows] - crit * se, res.yi[rows] + crit * se
    w = res.weights[rows] / np.max(res.weights)
    ax.hlines(ypos, lo, hi, color="black", linewidth=0.8)
    ax.scatter(res.yi[rows], ypos, s=20 + 80 * w, marker="s", color="black", zorder=3)


def _right_text(ax: Axes, y: float, weight: str, estimate: str, bold: bool = False) -> None:
    """The weight and estimate [CI] columns to the right of the plot, on row ``y``."""
    style: dict[str, Any] = {"fontsize": "small", "va": "center", "fontweight": "bold" if bold else "normal"}
    ax.annotate(weight, (1.0, y), xycoords=("axes fraction", "data"), xytext=(42, 0), textcoords="offset points",
                ha="right", **style)
    ax.annotate(estimate, (1.0, y), xycoords=("axes fraction", "data"), xytext=(52, 0), textcoords="offset points",
                ha="left", **style)


def _ci_text(est: float, lo: float, hi: float) -> str:
    return f"{est:.2f} [{lo:.2f}, {hi:.2f}]"


def _note(ax: Axes, y: float, text: str) -> None:
    """A line of small print under a summary row, aligned with the study labels."""
    ax.annotate(text, (0.0, y), xycoords=("axes fraction", "data"), xytext=(-8, 0), textcoords="offset points",
                ha="right", va="center", fontsize="x-small", color="0.25")


def forest(
    res: RmaResult | SubgroupResult,
    *,
    labels: Sequence[str] | None = None,
    groups: Sequence[str] | None = None,
    show_pi: bool = True,
    xlabel: str = "Effect size",
    columns: bool = True,
    favours: tuple[str, str] | None = None,
) -> Figure:
    """RevMan-style forest plot of an intercept-only fit, or of a :class:`SubgroupResult` (``groups`` then gives
    the level of each study, in the order of the overall fit's rows).

    Left: the study labels; middle: estimates with 95% CIs (box area ~ weight), a diamond per subgroup and for the
    pooled estimate, the prediction interval (Riley et al. 2011) as a dashed bar; right (``columns``): each study's
    weight in percent of the total and ``estimate [CI]``; under summary rows, the heterogeneity statistics, the test
    for the overall effect and (subgroups) the test for subgroup differences; ``favours`` = (left, right) labels
    written under the axis on each side of the line of no effect (e.g. ("Favours control", "Favours treatment")).
    """
    fit = res.overall if isinstance(res, SubgroupResult) else res
    if not fit.int_only:
        raise ValueError("forest plots need an intercept-only model")
    k = fit.k
    names = list(labels) if labels is not None else [f"Study {i + 1}" for i in range(k)]
    if len(names) != k:
        raise ValueError(f"{len(names)} labels for {k} studies")
    crit = critical_value(fit.alpha, None)
    blocks: list[tuple[str | None, np.ndarray, RmaResult | None]] = []
    if isinstance(res, SubgroupResult):
        if groups is None or len(groups) != k:
            raise ValueError("give groups (one level per study) to draw a subgroup forest plot")
        g = np.array([r_label(v) for v in groups], dtype=object)
        for lev, fit_lev in zip(res.levels, res.fits, strict=True):
            blocks.append((lev, np.flatnonzero(g == lev), fit_lev))
    else:
        blocks.append((None, np.arange(k), None))
    weight_pct = 100.0 * fit.weights / np.sum(fit.weights)
    n_rows = k + 3 * sum(1 for b in blocks if b[0] is not None) + 4
    fig = new_figure(figsize=(9.5 if columns else 7.5, 1.4 + 0.28 * n_rows))
    ax = fig.subplots()
    y = float(n_rows)
    ticks: list[float] = []
    ticklabels: list[str] = []
    for level, rows, sub in blocks:  # level/sub are None for a plain (no subgroup) plot
        if level is not None:
            y -= 1
            ticks.append(y)
            ticklabels.append(str(level))
        ypos = y - 1 - np.arange(rows.size)
        _study_rows(ax, fit, rows, ypos, crit)
        if columns:
            se = np.sqrt(fit.vi[rows])
            for yy, i, s in zip(ypos, rows, se, strict=True):
                _right_text(ax, float(yy), f"{weight_pct[i]:.1f}%", _ci_text(fit.yi[i], fit.yi[i] - crit * s,
                                                                             fit.yi[i] + crit * s))
        ticks.extend(ypos.tolist())
        ticklabels.extend(names[i] for i in rows)
        y = float(ypos[-1]) if rows.size else y
        if sub is not None:
            y -= 1
            _diamond(ax, y, float(sub.b[0]), float(sub.ci_low[0]), float(sub.ci_high[0]), "tab:blue")
            ticks.append(y)
            ticklabels.append(f"RE model for {level} (k = {sub.k})")
            if columns:
                _right_text(ax, y, f"{np.sum(weight_pct[rows]):.1f}%",
                            _ci_text(float(sub.b[0]), float(sub.ci_low[0]), float(sub.ci_high[0])), bold=True)
                _note(ax, y - 0.8, _heterogeneity(sub))
                y -= 0.6
    y -= 1.5
    label = "FE model" if not fit.random else "RE model"
    _diamond(ax, y, float(fit.b[0]), float(fit.ci_low[0]), float(fit.ci_high[0]), "black")
    ticks.append(y)
    ticklabels.append(f"{label} (k = {k}, I2 = {fit.I2:.0f}%)")
    if columns:
        _right_text(ax, y, "100.0%", _ci_text(float(fit.b[0]), float(fit.ci_low[0]), float(fit.ci_high[0])),
                    bold=True)
    bottom = y
    if show_pi and fit.random:
        pred = fit.predict()
        lo, hi = float(pred.pi_low[0]), float(pred.pi_high[0])
        ax.hlines(y - 0.55, lo, hi, color="black", linestyle="--", linewidth=0.9)
        if columns:
            _right_text(ax, y - 0.55, "", f"[{lo:.2f}, {hi:.2f}] (PI)")
        bottom = y - 0.55
    if columns:
        notes = [_heterogeneity(fit), _overall_test(fit)]
        if isinstance(res, SubgroupResult):
            notes.append(f"Test for subgroup differences: Q = {res.Q_between:.2f}, df = {res.Q_between_df} "
                         f"({_p(res.Q_between_p)})")
        for j, text in enumerate(notes):
            _note(ax, bottom - 0.9 - 0.6 * j, text)
        bottom -= 0.9 + 0.6 * (len(notes) - 1)
        top = float(n_rows) + 0.3
        header: dict[str, Any] = {"fontsize": "small", "fontweight": "bold", "va": "bottom"}
        ax.annotate("Weight", (1.0, top), xycoords=("axes fraction", "data"), xytext=(42, 0),
                    textcoords="offset points", ha="right", **header)
        ax.annotate("Estimate [95% CI]", (1.0, top), xycoords=("axes fraction", "data"), xytext=(52, 0),
                    textcoords="offset points", ha="left", **header)
        ax.annotate("Study", (0.0, top), xycoords=("axes fraction", "data"), xytext=(-8, 0),
                    textcoords="offset points", ha="right", **header)
    if favours is not None:
        for text, dx, ha in ((favours[0], -6, "right"), (favours[1], 6, "left")):
            ax.annotate(text, (0.0, 0.0), xycoords=("data", "axes fraction"), xytext=(dx, -30),
                        textcoords="offset points", ha=ha, va="top", fontsize="small")
        ax.xaxis.labelpad = 22
    ax.tick_params(axis="y", labelsize="small")
    return finish_forest(fig, ax, ticks, ticklabels, bottom, n_rows, xlabel)


def _p(p: float) -> str:
    """``p = 0.012`` or ``p < 0.001``."""
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _heterogeneity(fit: RmaResult) -> str:
    tau = f"Tau2 = {fit.tau2:.3f}; " if fit.random else ""
    return f"Heterogeneity: {tau}Q = {fit.QE:.2f}, df = {fit.QE_df} ({_p(fit.QE_p)}); I2 = {fit.I2:.0f}%"


def _overall_test(fit: RmaResult) -> str:
    stat = "t" if fit.ddf is not None else "Z"
    return f"Test for overall effect: {stat} = {float(fit.stat[0]):.2f} ({_p(float(fit.pval[0]))})"


def finish_forest(fig: Figure, ax: Any, ticks: Sequence[float], ticklabels: Sequence[str], y: float, n_rows: int,
                  xlabel: str) -> Figure:
    """Line of no effect, row labels, limits and a clean frame: the common end of every forest plot."""
    ax.axvline(0.0, color="grey", linewidth=0.6)
    row_labels(ax, ticks, ticklabels)
    ax.set_ylim(y - 1.2, n_rows + 0.5)
    ax.set_xlabel(xlabel)
    ax.spines[["top", "right", "left"]].set_visible(False)
    ax.tick_params(axis="y", length=0)
    fig.tight_layout()
    return fig


def funnel(
    res: RmaResult,
    *,
    fill: TrimfillResult | None = None,
    contours: Sequence[float] = (0.10, 0.05, 0.01),
    xlabel: str = "Effect size",
) -> Figure:
    """Funnel plot (standard error on a reversed y axis) with significance contours around 0 and,
    given ``fill``, the trim-and-fill studies as open circles."""
    sei = np.sqrt(res.vi)
    top = float(np.max(sei)) * 1.05
    if fill is not None and fill.fill_vi.size:
        top = max(top, float(np.max(np.sqrt(fill.fill_vi))) * 1.05)
    fig = new_figure(figsize=(6.0, 5.0))
    ax = fig.subplots()
    se_grid = np.linspace(0.0, top, 100)
    levels = sorted(contours)  # smallest p first = widest region
    span = float(np.max(np.abs(res.yi))) + 3.0 * top
    shades = ("0.70", "0.80", "0.90", "1.0")
    ax.fill_betweenx(se_grid, -span, span, color=shades[0], zorder=0, label=f"p < {levels[0]}")
    for i, level in enumerate(levels):
        z = stats.norm.ppf(1.0 - level / 2.0)
        upper = levels[i + 1] if i + 1 < len(levels) else None
        label = f"{level} < p < {upper}" if upper is not None else f"p > {level}"
        ax.fill_betweenx(se_grid, -z * se_grid, z * se_grid, color=shades[min(i + 1, 3)], zorder=0, label=label)
    est = float(fill.fit.b[0]) if fill is not None else float(res.b[0])
    crit = stats.norm.ppf(0.975)
    ax.plot(est - crit * se_grid, se_grid, color="black", linewidth=0.7, linestyle=":")
    ax.plot(est + crit * se_grid, se_grid, color="black", linewidth=0.7, linestyle=":")
    ax.axvline(float(res.b[0]), color="black", linewidth=0.8)
    ax.scatter(res.yi, sei, color="black", s=18, zorder=3, label="studies")
    if fill is not None and fill.k0 > 0:
        ax.scatter(fill.fill_yi, np.sqrt(fill.fill_vi), facecolors="white", edgecolors="black", s=18, zorder=3,
                   label=f"filled (k0 = {fill.k0})")
    ax.set_ylim(top, 0.0)
    xs = np.concatenate([res.yi, fill.fill_yi if fill is not None else np.empty(0)])
    pad = 0.1 * float(np.ptp(xs) or 1.0)
    ax.set_xlim(min(float(xs.min()), -crit * top * 0.5) - pad, max(float(xs.max()), crit * top * 0.5) + pad)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Standard error")
    ax.legend(loc="lower right", fontsize="small", frameon=False)
    fig.tight_layout()
    return fig


def baujat_values(res: RmaResult) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of the Baujat plot for the fitted model (as metafor's ``baujat``):
    x_i = (y_i - x_i'b)^2 / (v_i + tau2), the squared Pearson residual (the study's share of Q for a
    fixed-effect model); y_i = (b - b(-i))' vb(-i)^-1 (b - b(-i)), its influence on the estimate,
    from the fit without study i (tau2 re-estimated)."""
    resid = res.yi - res.X @ res.b
    x_val = resid**2 / (res.vi + res.tau2)
    fits = deletion_fits(res)
    diff = res.b[None, :] - fits.b
    infl = np.einsum("ip,ip->i", diff, np.linalg.solve(fits.vb, diff[..., None])[..., 0])
    return x_val, infl


def baujat(res: RmaResult, *, labels: Sequence[str] | None = None) -> Figure:
    """Baujat plot: contribution to heterogeneity (x) against influence on the result (y)."""
    x_val, y_val = baujat_values(res)
    names = list(labels) if labels is not None else [str(i + 1) for i in range(res.k)]
    fig = new_figure(figsize=(6.0, 5.0))
    ax = fig.subplots()
    ax.scatter(x_val, y_val, s=0)
    for xv, yv, name in zip(x_val, y_val, names, strict=True):
        ax.annotate(name, (xv, yv), ha="center", va="center", fontsize="small")
    ax.set_xlabel("Squared Pearson residual (contribution to Q)")
    ax.set_ylabel("Influence on the pooled result")
    fig.tight_layout()
    return fig

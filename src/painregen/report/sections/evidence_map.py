"""Evidence map: comparisons per injury model x route x cell product, with a pooled effect per cell
(a heat-map, and every cell in evidence_map.csv)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from painregen.io.figures import new_figure
from painregen.meta import ConvergenceError, rma
from painregen.report.output import ReportOutput, mpl_text
from painregen.report.pipeline import Analysis
from painregen.report.sections.base import Section

MAX_ROWS, MAX_COLUMNS = 30, 12
NOT_REPORTED = "not reported"
Z95 = 1.959963984540054  # normal 97.5% quantile


def pool_cell(yi: np.ndarray, vi: np.ndarray, method: str) -> dict[str, float | None]:
    """Pooled estimate and 95% CI of one cell: the single effect when k = 1, else an rma fit."""
    if yi.size == 1:
        est, half = float(yi[0]), Z95 * float(np.sqrt(vi[0]))
        return {"estimate": est, "ci_low": est - half, "ci_high": est + half}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = rma(yi, vi, method=method)
    except (ConvergenceError, ValueError, np.linalg.LinAlgError):
        return {"estimate": None, "ci_low": None, "ci_high": None}
    return {"estimate": float(fit.b[0]), "ci_low": float(fit.ci_low[0]), "ci_high": float(fit.ci_high[0])}


def map_table(frame: pd.DataFrame, method: str) -> pd.DataFrame:
    rows = []
    for (model, route, product), g in frame.groupby(["model", "route", "product"], sort=True):
        rows.append({"model": model, "route": route, "product": product, "n_studies": g["study"].nunique(),
                     "k": len(g), **pool_cell(g["yi"].to_numpy(float), g["vi"].to_numpy(float), method)})
    out = pd.DataFrame(rows, columns=["model", "route", "product", "n_studies", "k", "estimate", "ci_low", "ci_high"])
    return out.sort_values(["k", "n_studies"], ascending=False, kind="stable").reset_index(drop=True)


def heatmap(table: pd.DataFrame, measure: str) -> tuple[Figure, int, int]:
    """Rows: model · route, columns: product; colour = pooled effect; text = studies (comparisons)."""
    table = table.assign(row=table["model"] + " · " + table["route"])
    rows: list[str] = sorted(table.groupby("row")["k"].sum().sort_values(ascending=False, kind="stable")
                             .index[:MAX_ROWS])
    cols: list[str] = list(table.groupby("product")["k"].sum().sort_values(ascending=False, kind="stable")
                           .index[:MAX_COLUMNS])
    grid = np.full((len(rows), len(cols)), np.nan)
    fig = new_figure(figsize=(2.2 + 1.25 * len(cols), 1.6 + 0.42 * len(rows)))
    ax = fig.subplots()
    sub = table[table["row"].isin(rows) & table["product"].isin(cols)]
    for r in sub.itertuples():
        i, j = rows.index(str(r.row)), cols.index(str(r.product))
        grid[i, j] = np.nan if r.estimate is None else r.estimate
        ax.text(j, i, f"{r.n_studies} ({r.k})", ha="center", va="center", fontsize=7)
    lim = float(np.nanmax(np.abs(grid))) if np.isfinite(grid).any() else 1.0
    im = ax.imshow(np.ma.masked_invalid(grid), cmap="RdBu", vmin=-lim, vmax=lim, aspect="auto")
    ax.set_facecolor("#f2f2f2")
    ax.set_xticks(range(len(cols)), [mpl_text(c) for c in cols], rotation=35, ha="right", fontsize=8)
    ax.set_yticks(range(len(rows)), [mpl_text(r) for r in rows], fontsize=8)
    fig.colorbar(im, ax=ax, label=f"pooled {measure} (> 0 favours treatment)", shrink=0.8)
    ax.set_title("studies (comparisons) per model · route and product", fontsize=9)
    fig.tight_layout()
    return fig, len(rows), len(cols)


def build(a: Analysis, out: ReportOutput) -> Section | None:
    if a.frame.empty:
        return None
    table = map_table(a.frame, a.method)
    csv = out.csv("evidence_map.csv", table, top=True)
    ctx: dict[str, Any] = {"rows": out.top(table), "n_cells": len(table), "measure": a.measure}
    methods = [f"Evidence map: within each model x route x product cell, the comparisons (latest timepoint, every "
               f"outcome domain) are pooled with a random-effects model ({a.method}) taken as independent; a cell "
               "with one comparison shows that comparison with its normal-theory 95% CI. The map is descriptive."]
    known = bool((table[["model", "route", "product"]].to_numpy() != NOT_REPORTED).any())
    if not known:  # one grey cell says nothing: say what is missing instead
        ctx["unmapped"] = True
        return Section("evidence_map", "Evidence map", ctx, tables={"map": csv}, methods=methods,
                       studies=sorted(set(a.frame["study"])))
    fig, n_rows, n_cols = heatmap(table, a.measure)
    n_row_total = table[["model", "route"]].drop_duplicates().shape[0]
    caption = (f"Evidence map: pooled {a.measure} of all comparisons (every outcome domain) per injury model and "
               f"route (rows) and cell product (columns); numbers are studies (comparisons). Grey: no evidence.")
    if n_rows < n_row_total or n_cols < table["product"].nunique():
        caption += f" The {n_rows} model · route rows and {n_cols} products with most comparisons are drawn."
    ref = out.figure(fig, "evidence_map", caption)
    return Section("evidence_map", "Evidence map", ctx, figures={"map": ref}, tables={"map": csv}, methods=methods,
                   studies=sorted(set(a.frame["study"])))

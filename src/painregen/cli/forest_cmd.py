"""`painregen forest`, `painregen influence` and `painregen leave1out`: pictures and case-deletion tables of a
meta-analysis of one effect per row (metafor's ``forest``, ``influence`` and ``leave1out``)."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from painregen.cli.common import console, data_command, err_console, fail, print_json

if TYPE_CHECKING:
    import pandas as pd

FAVOURS = ("Favours control", "Favours treatment")
ID_COLUMNS = ("study", "experiment", "cohort", "outcome")


UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


def study_labels(frame: pd.DataFrame, column: str | None = None, exclude: str | None = None) -> list[str]:
    """Row labels for plots and tables: ``column``, else ``label``, else study (with cohort and outcome when a study
    has several rows; not ``exclude``, e.g. the subgroup column, which heads the rows), else row numbers. A study key
    that is a UUID (SyRF) is shown by its first 8 characters."""
    if column is None and "label" in frame.columns:
        column = "label"
    if column is not None:
        return ["" if v is None else str(v) for v in frame[column]]
    if "study" not in frame.columns:
        return [f"Row {i + 1}" for i in range(len(frame))]
    parts = ["study"] if frame["study"].astype(str).is_unique else [
        c for c in ("study", "cohort", "outcome") if c in frame.columns and c != exclude]

    def cell(c: str, i: int) -> str:
        text = str(frame[c].iloc[i])
        return text[:8] if c == "study" and UUID.match(text) else text

    return [" · ".join(cell(c, i) for c in parts if frame[c].iloc[i] is not None) for i in range(len(frame))]


def draw_forest(res: Any, frame: pd.DataFrame, subgroup: str | None, out: Path, *, labels: list[str] | None = None,
                favours: tuple[str, str] = FAVOURS, xlabel: str = "Effect size") -> None:
    """Save the RevMan-style forest plot of an intercept-only fit or a subgroup analysis as ``out``."""
    import numpy as np

    from painregen import meta
    from painregen.meta.plots import FORMATS, forest, save_figure

    if out.suffix.lower() not in FORMATS:
        fail(f"unsupported plot format {out.suffix!r}; use {', '.join(FORMATS)}", code=2)
    fit = res.overall if isinstance(res, meta.SubgroupResult) else res
    if not isinstance(fit, meta.RmaResult) or not fit.int_only:
        fail("a forest plot needs a model without --mods or --random (add --subgroup for subgroup diamonds)", code=2)
    names = labels if labels is not None else study_labels(frame, exclude=subgroup)
    keep = frame[subgroup].notna().to_numpy() if subgroup else np.ones(len(frame), dtype=bool)
    groups = frame.loc[keep, subgroup].tolist() if subgroup else None
    fig = forest(res, labels=[n for n, k in zip(names, keep, strict=True) if k], groups=groups, favours=favours,
                 xlabel=xlabel)
    save_figure(fig, out)
    err_console.print(f"wrote {out}", highlight=False)


def _fit(file: Path, yi: str, vi: str, method: str, test: str, columns: list[str], na_values: str | None,
         mods: str | None = None, subgroup: str | None = None) -> tuple[Any, pd.DataFrame]:
    """Read the effects and fit rma (or the subgroup analysis): the shared first step of these commands."""
    from painregen import meta
    from painregen.cli.meta_cmd import METHODS, _say, _split
    from painregen.cli.meta_input import load_effects

    method, test = method.upper(), test.lower()
    if method not in METHODS:
        fail(f"unknown method {method!r}; use one of {', '.join(METHODS)}", code=2)
    if test not in ("z", "knha"):
        fail(f"unknown test {test!r}; use z or knha", code=2)
    mod_cols = _split(mods, ",")
    data = load_effects(file, yi, vi, [*columns, *mod_cols, *([subgroup] if subgroup else [])],
                        _split(na_values, ","), optional=[*ID_COLUMNS, "label"])
    _say(data.warnings)
    if data.skipped:
        err_console.print(f"skipped {data.skipped} row(s) with missing {yi}/{vi}")
    frame = data.frame
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if subgroup:
                res: Any = meta.subgroup(frame["yi"], frame["vi"], frame[subgroup], method=method, test=test)
            else:
                res = meta.rma(frame["yi"], frame["vi"], mods=frame[mod_cols] if mod_cols else None, method=method,
                               test=test)
        except (ValueError, meta.ConvergenceError) as exc:
            fail(str(exc))
    _say(list(dict.fromkeys(str(w.message) for w in caught)))
    if not subgroup and res.k < len(frame):
        fail("rows with missing moderators: remove them first so that each row keeps its label", code=2)
    return res, frame


YI = typer.Option("yi", "--yi", help="Column of effect sizes.")
VI = typer.Option("vi", "--vi", help="Column of sampling variances.")
METHOD = typer.Option("REML", "--method", help="tau2 estimator (FE, DL, REML, ...).")
TEST = typer.Option("z", "--test", help="z or knha (Knapp-Hartung).")
LABELS = typer.Option(None, "--labels", help="Column of row labels (default: label, else study).")
NA = typer.Option(None, "--na-values", help="Extra words meaning 'missing' in the subgroup column.")


@data_command
def forest_command(
    file: Path = typer.Argument(..., help="CSV with one effect per row (e.g. the output of `painregen effects`)."),
    output: Path = typer.Option(..., "-o", "--output", help="Figure file: .svg, .png or .pdf."),
    yi: str = YI, vi: str = VI, method: str = METHOD, test: str = TEST,
    subgroup: str | None = typer.Option(None, "--subgroup", help="Column of subgroups (a diamond per subgroup)."),
    labels: str | None = LABELS,
    favours_left: str = typer.Option(FAVOURS[0], "--favours-left", help="Label under the axis, left of 0."),
    favours_right: str = typer.Option(FAVOURS[1], "--favours-right", help="Label under the axis, right of 0."),
    xlabel: str = typer.Option("Effect size", "--xlabel", help="Axis title (e.g. SMD)."),
    na_values: str | None = NA,
) -> None:
    """RevMan-style forest plot: labels, estimate [CI], weights, favours labels, subgroup and pooled diamonds, PI."""
    res, frame = _fit(file, yi, vi, method, test, [labels] if labels else [], na_values, subgroup=subgroup)
    draw_forest(res, frame, subgroup, output, labels=study_labels(frame, labels, exclude=subgroup),
                favours=(favours_left, favours_right), xlabel=xlabel)


@data_command
def influence_command(
    file: Path = typer.Argument(..., help="CSV with one effect per row."),
    yi: str = YI, vi: str = VI, method: str = METHOD, test: str = TEST,
    mods: str | None = typer.Option(None, "--mods", help="Moderators, comma-separated columns."),
    labels: str | None = LABELS,
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the table as CSV here."),
    plot: Path | None = typer.Option(None, "--plot", help="Draw the diagnostics (.svg, .png or .pdf)."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object instead of the table."),
    na_values: str | None = NA,
) -> None:
    """Case-deletion diagnostics per study (metafor influence: rstudent, dffits, cook.d, cov.r, tau2.del, QE.del,
    hat, weight, dfbetas; inf marks influential studies)."""
    from painregen import meta
    from painregen.meta.printing import fmt, table

    res, frame = _fit(file, yi, vi, method, test, [labels] if labels else [], na_values, mods=mods)
    try:
        infl = meta.influence(res)
    except ValueError as exc:
        fail(str(exc))
    from painregen.meta.plots_influence import influence_panels

    names = study_labels(frame, labels)
    summary = _labelled(infl.summary(), names, output)
    _save_plot(plot, lambda: influence_panels(infl, res, names))
    if json_out:
        rows = summary.to_dict(orient="records")
        print_json(meta.results.clean_json({"k": res.k, "method": res.method, "studies": rows}))
        return
    cols = ["rstudent", "dffits", "cook.d", "cov.r", "tau2.del", "QE.del", "hat", "weight"]
    body = [[_short(r["label"]), *(fmt(r[c], 3) for c in cols), "*" if r["inf"] else ""]
            for r in summary.to_dict(orient="records")]
    lines = table(body, ["", *cols, "inf"])
    console.print("\n".join([f"Influence diagnostics (k = {res.k}; {res.method}); * = influential "
                             "(Viechtbauer & Cheung 2010):", "", *lines]), highlight=False, markup=False,
                  soft_wrap=True)


@data_command
def leave1out_command(
    file: Path = typer.Argument(..., help="CSV with one effect per row."),
    yi: str = YI, vi: str = VI, method: str = METHOD, test: str = TEST,
    labels: str | None = LABELS,
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the table as CSV here."),
    plot: Path | None = typer.Option(None, "--plot", help="Draw the leave-one-out estimates (.svg, .png, .pdf)."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object instead of the table."),
) -> None:
    """The pooled estimate with each study left out in turn (metafor leave1out)."""
    from painregen import meta
    from painregen.meta.printing import fmt, fmt_p, table

    res, frame = _fit(file, yi, vi, method, test, [labels] if labels else [], None)
    try:
        l1o = meta.leave1out(res)
    except ValueError as exc:
        fail(str(exc))
    from painregen.meta.plots_influence import leave1out_plot

    names = study_labels(frame, labels)
    summary = _labelled(l1o.table.copy(), names, output)
    _save_plot(plot, lambda: leave1out_plot(l1o, res, names))
    if json_out:
        rows = summary.to_dict(orient="records")
        print_json(meta.results.clean_json({"k": res.k, "method": res.method, "estimate": float(res.b[0]),
                                            "studies": rows}))
        return
    stat = "tval" if res.ddf is not None else "zval"
    body = [[_short(f"-{r['label']}"), fmt(r["estimate"]), fmt(r["se"]), fmt(r["zval"]), fmt_p(r["pval"]),
             fmt(r["ci.lb"]), fmt(r["ci.ub"]), fmt(r["tau2"]), fmt(r["I2"], 1)]
            for r in summary.to_dict(orient="records")]
    lines = table(body, ["", "estimate", "se", stat, "pval", "ci.lb", "ci.ub", "tau^2", "I^2"])
    console.print("\n".join([f"Leave-one-out (k = {res.k}; {res.method}; all studies: {fmt(res.b[0])}):", "",
                             *lines]), highlight=False, markup=False, soft_wrap=True)


def _labelled(summary: pd.DataFrame, names: list[str], output: Path | None) -> pd.DataFrame:
    """The per-study table with its labels first, written as CSV to ``output`` when given."""
    summary.insert(0, "label", names)
    if output is not None:
        summary.to_csv(output, index=False)
        err_console.print(f"wrote {output}", highlight=False)
    return summary


def _save_plot(plot: Path | None, draw: Callable[[], Any]) -> None:
    if plot is None:
        return
    from painregen.meta.plots import FORMATS, save_figure

    if plot.suffix.lower() not in FORMATS:
        fail(f"unsupported plot format {plot.suffix!r}; use {', '.join(FORMATS)}", code=2)
    save_figure(draw(), plot)
    err_console.print(f"wrote {plot}", highlight=False)


def _short(text: str, width: int = 18) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"

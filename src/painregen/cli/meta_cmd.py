"""`painregen meta` and `painregen bias`: pooling and publication-bias tests on a table of yi and vi."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import typer

from painregen.cli.common import data_command, err_console, fail, print_json
from painregen.evidence.cells import CellError, as_float, is_missing
from painregen.io.problems import InvalidDataError, Problem
from painregen.io.tables import Table, read_csv

METHODS = ("FE", "DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM")


def load_effects(file: Path, yi: str, vi: str, extra: list[str]) -> tuple[pd.DataFrame, int]:
    """Rows with yi, vi (and the named columns); rows with empty yi or vi are skipped and counted."""
    table = read_csv(file)
    problems = [Problem(table.file, 1, c, f"column '{c}' is missing", "name it with --yi/--vi/--mods/...")
                for c in dict.fromkeys([yi, vi, *extra]) if c not in table.columns]
    if problems:
        raise InvalidDataError(problems)
    keep, values, skipped = [], [], 0
    for i, row in enumerate(table.rows):
        if is_missing(row.get(yi)) or is_missing(row.get(vi)):
            skipped += 1
            continue
        pair = []
        for col in (yi, vi):
            try:
                pair.append(as_float(row[col]))
            except CellError as exc:
                problems.append(Problem(table.file, table.row_numbers[i], col, str(exc), exc.fix))
        if len(pair) == 2 and pair[1] <= 0:
            problems.append(Problem(table.file, table.row_numbers[i], vi, f"{vi} must be positive, got {pair[1]:g}",
                                    "check the sampling variance"))
        keep.append(i)
        values.append(pair)
    if problems:
        raise InvalidDataError(problems)
    frame = pd.DataFrame({"yi": [v[0] for v in values], "vi": [v[1] for v in values]})
    for col in extra:
        frame[col] = _column(table, col, keep)
    return frame, skipped


def _column(table: Table, col: str, keep: list[int]) -> pd.Series:
    raw = [table.rows[i].get(col) for i in keep]
    try:
        return pd.Series([np.nan if is_missing(v) else as_float(v) for v in raw], dtype=float)
    except CellError:
        return pd.Series([None if is_missing(v) else str(v).strip() for v in raw], dtype=object)


def _split(text: str | None, sep: str) -> list[str]:
    return [t.strip() for t in text.split(sep) if t.strip()] if text else []


@data_command
def meta_command(
    file: Path = typer.Argument(..., help="CSV with one effect per row (e.g. the output of `painregen effects`)."),
    yi: str = typer.Option("yi", "--yi", help="Column of effect sizes."),
    vi: str = typer.Option("vi", "--vi", help="Column of sampling variances."),
    method: str = typer.Option("REML", "--method", help="tau2 estimator: " + ", ".join(METHODS) + "."),
    test: str = typer.Option("z", "--test", help="z or knha (Knapp-Hartung)."),
    mods: str | None = typer.Option(None, "--mods", help="Moderators, comma-separated columns (meta-regression)."),
    subgroup: str | None = typer.Option(None, "--subgroup", help="Column defining subgroups."),
    random: str | None = typer.Option(None, "--random", help="Nested random effects, e.g. study/experiment."),
    level: float = typer.Option(95, "--level", help="Confidence level in percent."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object (the only output format now)."),
) -> None:
    """Pool effects (FE or random effects), with meta-regression, subgroups or a multilevel model."""
    from painregen import meta

    method, test = method.upper(), test.lower()
    if method not in METHODS:
        fail(f"unknown method {method!r}; use one of {', '.join(METHODS)}", code=2)
    if test not in ("z", "knha"):
        fail(f"unknown test {test!r}; use z or knha", code=2)
    mod_cols, levels = _split(mods, ","), _split(random, "/")
    frame, skipped = load_effects(file, yi, vi, [*mod_cols, *([subgroup] if subgroup else []), *levels])
    if skipped:
        err_console.print(f"skipped {skipped} row(s) with missing {yi}/{vi}")
    moderators = frame[mod_cols] if mod_cols else None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if levels:
                if method not in ("REML", "ML"):
                    fail("multilevel models are fitted by REML or ML", code=2)
                res: Any = meta.rma_mv(frame["yi"], frame["vi"], clusters=[frame[c].astype(str) for c in levels],
                                       mods=moderators, method=method, test="t" if test == "knha" else "z",
                                       level=level)
            elif subgroup:
                res = meta.subgroup(frame["yi"], frame["vi"], frame[subgroup], method=method, test=test, level=level)
            else:
                res = meta.rma(frame["yi"], frame["vi"], mods=moderators, method=method, test=test, level=level)
        except (ValueError, meta.ConvergenceError) as exc:
            fail(str(exc))
    for w in caught:
        err_console.print(f"warning: {w.message}", highlight=False)
    print_json(res.to_dict())


@data_command
def bias_command(
    file: Path = typer.Argument(..., help="CSV with one effect per row."),
    yi: str = typer.Option("yi", "--yi", help="Column of effect sizes."),
    vi: str = typer.Option("vi", "--vi", help="Column of sampling variances."),
    method: str = typer.Option("REML", "--method", help="tau2 estimator of the underlying model."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Egger regression, rank correlation, trim-and-fill and fail-safe N (metafor defaults)."""
    from painregen import meta

    frame, skipped = load_effects(file, yi, vi, [])
    if skipped:
        err_console.print(f"skipped {skipped} row(s) with missing {yi}/{vi}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = meta.bias_report(frame["yi"].to_numpy(), frame["vi"].to_numpy(), method=method.upper())
        except (ValueError, meta.ConvergenceError) as exc:
            fail(str(exc))
    print_json(res.to_dict())

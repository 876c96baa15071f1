"""Effect sizes for a whole input file: metafor-style columns, or comparisons built from a Dataset."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from painregen.effects.base import EffectInputError
from painregen.effects.comparisons import build_comparisons
from painregen.effects.escalc import EscalcResult, escalc
from painregen.effects.orient import orient
from painregen.evidence import models as m
from painregen.evidence.cells import CellError, as_float, is_missing
from painregen.io.problems import InvalidDataError, Problem
from painregen.io.tables import Cell, Table

CONTINUOUS = ("MD", "SMD", "SMDH", "ROM", "NMD")
BINARY = ("OR", "RR", "RD")
MINUTES_PER_DAY = 1440.0


@dataclass
class EffectTable:
    columns: list[str]
    rows: list[dict[str, Cell]]
    warnings: list[str]


def _needed(measure: str, columns: list[str]) -> list[tuple[str, ...]]:
    """Column groups the measure needs; each tuple lists acceptable alternatives."""
    if measure in BINARY:
        return [("ai",), ("ci",), ("bi", "n1i"), ("di", "n2i")]
    groups = [("m1i",), ("sd1i", "se1i"), ("n1i",), ("m2i",), ("sd2i", "se2i"), ("n2i",)]
    if measure == "NMD":
        groups.append(("msham",))
    return groups


def metafor_effects(table: Table, measure: str, variant: str | None = None) -> EffectTable:
    """metafor-format rows (m1i, sd1i|se1i, n1i, m2i, ...) -> the same rows plus yi and vi."""
    problems: list[Problem] = []
    for group in _needed(measure, table.columns):
        if not any(c in table.columns for c in group):
            problems.append(Problem(table.file, 1, group[0], f"column '{' or '.join(group)}' is missing for "
                                    f"{measure}", f"add a '{group[0]}' column"))
    if problems:
        raise InvalidDataError(problems)
    numeric = ["m1i", "sd1i", "se1i", "n1i", "m2i", "sd2i", "se2i", "n2i", "msham", "sdsham", "nsham",
               "ai", "bi", "ci", "di"]
    arrays: dict[str, np.ndarray] = {}
    for col in (c for c in numeric if c in table.columns):
        values = np.full(len(table.rows), np.nan)
        for i, row in enumerate(table.rows):
            v = row.get(col)
            if is_missing(v):
                problems.append(Problem(table.file, table.row_numbers[i], col, f"{col} is empty",
                                        "fill it or remove the row"))
                continue
            try:
                values[i] = as_float(v)
            except CellError as exc:
                problems.append(Problem(table.file, table.row_numbers[i], col, str(exc), exc.fix))
                continue
            if col.startswith(("sd", "se")) and values[i] < 0:
                problems.append(Problem(table.file, table.row_numbers[i], col, f"{col} must not be negative, got "
                                        f"{values[i]:g}", "check the value"))
            elif col in ("n1i", "n2i", "nsham") and values[i] < 1:
                problems.append(Problem(table.file, table.row_numbers[i], col, f"{col} must be at least 1, got "
                                        f"{values[i]:g}", "check the group size"))
        arrays[col] = values
    if problems:
        raise InvalidDataError(problems)
    result = _escalc(measure, arrays, table, variant)
    rows = [dict(r) | {"yi": _num(y), "vi": _num(v)} for r, y, v in zip(table.rows, result.yi, result.vi,
                                                                       strict=True)]
    warnings = [f"{table.file}:{table.row_numbers[w.row]}: {w.reason}" for w in result.warnings]
    warnings += [f"{table.file}:{table.row_numbers[w.row]}: flag: {w.reason}" for w in result.flags]
    return EffectTable([*table.columns, "yi", "vi"], rows, warnings)


def _escalc(measure: str, arrays: dict[str, np.ndarray], table: Table | None, variant: str | None) -> EscalcResult:
    try:
        return escalc(measure, variant=variant, **arrays)
    except EffectInputError as exc:
        name = table.file if table else "input"
        raise InvalidDataError(
            Problem(name, table.row_numbers[r] if table is not None and r is not None else r, col, msg)
            for r, col, msg in exc.problems
        ) from None


def _num(x: float) -> float | None:
    return None if np.isnan(x) else float(x)


def dataset_effects(ds: m.Dataset, measure: str, *, syrf: bool = False, variant: str | None = None) -> EffectTable:
    """Comparisons of a Dataset (treated vs control per experiment, outcome, time) -> yi, vi, signed so that
    positive means the treated cohort did better."""
    if measure not in CONTINUOUS:
        raise InvalidDataError([Problem("input", None, None, f"{measure} needs 2x2 counts (ai, bi, ci, di)",
                                        "use a metafor-format file for binary outcomes")])
    cs = build_comparisons(ds, need_sham=measure == "NMD")
    comps = cs.comparisons
    arrays = {k: np.array([getattr(c, k) for c in comps], dtype=float)
              for k in ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")}
    if measure == "NMD":
        arrays |= {k: np.array([getattr(c, k) for c in comps], dtype=float) for k in ("msham", "sdsham", "nsham")}
    warnings = list(cs.skipped)
    if not comps:
        return EffectTable(_columns(), [], warnings)
    res = _escalc(measure, arrays, None, variant)
    gib_worse = np.array([not c.greater_is_better for c in comps])
    yi = orient(res.yi, gib_worse, measure=measure)
    rows = []
    for i, c in enumerate(comps):
        time = round(c.time_days * MINUTES_PER_DAY, 6) if syrf else c.time_days
        rows.append({"study": c.study, "experiment": c.experiment, "cohort": c.cohort, "control": c.control,
                     "outcome": c.outcome, "time": time, "m1i": c.m1i, "sd1i": c.sd1i, "n1i": c.n1i, "m2i": c.m2i,
                     "sd2i": c.sd2i, "n2i": c.n2i, "k_shared": c.k_shared, "yi": _num(yi[i]), "vi": _num(res.vi[i]),
                     **{k: v for k, v in c.covariates.items() if isinstance(v, str | int | float | bool) or v is None}})
    for w, kind in [(w, "") for w in res.warnings] + [(w, "flag: ") for w in res.flags]:
        c = comps[w.row]
        warnings.append(f"study {c.study}, cohort {c.cohort}, outcome {c.outcome}: {kind}{w.reason}")
    columns = _columns() + [k for k in rows[0] if k not in _columns()]
    return EffectTable(columns, rows, warnings)


def _columns() -> list[str]:
    return ["study", "experiment", "cohort", "control", "outcome", "time", "m1i", "sd1i", "n1i", "m2i", "sd2i",
            "n2i", "k_shared", "yi", "vi"]

"""Effect sizes for a whole input file: metafor-style columns, or comparisons built from a Dataset."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from functools import partial

import numpy as np

from painregen.effects.base import EffectInputError, FloatArray
from painregen.effects.collapse import METHODS, Method, trapezoid_weights
from painregen.effects.collapse import collapse as collapse_series
from painregen.effects.comparisons import (
    EXCLUDED,
    INCLUDED,
    SHARED_RULES,
    Comparison,
    ComparisonSet,
    LedgerEntry,
    Shared,
    build_comparisons,
)
from painregen.effects.covariance import IntArray, VcovBlock, collapse_vcov, shared_control_vcov
from painregen.effects.escalc import EscalcResult, escalc
from painregen.effects.orient import orient
from painregen.evidence import models as m
from painregen.evidence.cells import float_column
from painregen.io.problems import InvalidDataError, Problem
from painregen.io.tables import Cell, Table

CONTINUOUS = ("MD", "SMD", "SMDH", "ROM", "NMD")
BINARY = ("OR", "RR", "RD")
MINUTES_PER_DAY = 1440.0


@dataclass
class EffectTable:
    """Rows of effects (``columns`` name their keys) and warnings; ``vcov_blocks`` holds the known sampling
    covariances between rows (indices into ``rows``) when comparisons sharing a control keep its full n
    (``dataset_effects(..., shared="covariance")``); pass them to ``painregen.meta.rma_mv(..., V=...)``."""

    columns: list[str]
    rows: list[dict[str, Cell]]
    warnings: list[str]
    vcov_blocks: list[VcovBlock] = field(default_factory=list)
    ledger: list[LedgerEntry] = field(default_factory=list)  # every comparison considered and its fate

    def ledger_counts(self) -> dict[str, int]:
        """Comparisons per fate: ``included``, then each exclusion reason."""
        counts = Counter(e.status if e.status == INCLUDED else e.reason for e in self.ledger)
        return dict(sorted(counts.items(), key=lambda kv: (kv[0] != INCLUDED, -kv[1], kv[0])))


def _needed(measure: str, columns: list[str]) -> list[tuple[str, ...]]:
    """Column groups the measure needs; each tuple lists acceptable alternatives."""
    if measure in BINARY:
        return [("ai",), ("ci",), ("bi", "n1i"), ("di", "n2i")]
    groups = [("m1i",), ("sd1i", "se1i"), ("n1i",), ("m2i",), ("sd2i", "se2i"), ("n2i",)]
    if measure == "NMD":
        groups.append(("msham",))
    return groups


def _out_of_range(col: str, x: float) -> tuple[str, str] | None:
    """The problem (message, fix) with a metafor-format value, if any: negative SD/SE, group size below 1."""
    if col.startswith(("sd", "se")) and x < 0:
        return f"{col} must not be negative, got {x:g}", "check the value"
    if col in ("n1i", "n2i", "nsham") and x < 1:
        return f"{col} must be at least 1, got {x:g}", "check the group size"
    return None


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
        arrays[col] = float_column(table, col, problems, check=partial(_out_of_range, col),
                                   missing_ok=True)  # a blank cell: the row's yi/vi stay empty, with a warning
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


def dataset_effects(ds: m.Dataset, measure: str, *, syrf: bool = False, variant: str | None = None,
                    shared: Shared = "split", collapse: Method | None = None) -> EffectTable:
    """Comparisons of a Dataset (treated vs control per experiment, outcome, time) -> yi, vi, signed so that
    positive means the treated cohort did better.

    ``shared``: a control shared by k comparisons enters each with n/k animals (``"split"``, the default) or with
    its full n, the comparisons' covariances then given in ``EffectTable.vcov_blocks`` (``"covariance"``; see
    :mod:`painregen.effects.covariance`; the table's ``n2i`` and ``vi`` are then at the full n).
    ``collapse``: ``None`` keeps every timepoint; ``"last"``, ``"peak"`` or ``"auc"`` reduce each comparison
    (study, experiment, treated cohort, outcome) to one row with :func:`painregen.effects.collapse` on the days
    scale (see :func:`_collapsed`).
    """
    if measure not in CONTINUOUS:
        raise InvalidDataError([Problem("input", None, None, f"{measure} needs 2x2 counts (ai, bi, ci, di)",
                                        "use a metafor-format file for binary outcomes")])
    if shared not in SHARED_RULES:
        raise ValueError(f"shared must be one of {', '.join(SHARED_RULES)} (got {shared!r})")
    if collapse is not None and collapse not in METHODS:
        raise ValueError(f"collapse must be one of {', '.join(METHODS)} or None (got {collapse!r})")
    cs = build_comparisons(ds, need_sham=measure == "NMD", shared=shared)
    comps = cs.comparisons
    arrays = {k: np.array([getattr(c, k) for c in comps], dtype=float)
              for k in ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")}
    if measure == "NMD":
        arrays |= {k: np.array([getattr(c, k) for c in comps], dtype=float) for k in ("msham", "sdsham", "nsham")}
    warnings = list(cs.skipped)
    if not comps:
        return EffectTable(_columns(), [], warnings, ledger=cs.ledger)
    res = _escalc(measure, arrays, None, variant)
    gib_worse = np.array([not c.greater_is_better for c in comps])
    yi = orient(res.yi, gib_worse, measure=measure)
    ledger = _final_ledger(cs, yi, res)
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
    blocks = shared_control_vcov(comps, yi, measure, variant=variant) if shared == "covariance" else []
    table = EffectTable(columns, rows, warnings, blocks, ledger)
    return table if collapse is None else _collapsed(table, comps, collapse, syrf)


def _final_ledger(cs: ComparisonSet, yi: FloatArray, res: EscalcResult) -> list[LedgerEntry]:
    """The ledger with each included comparison's yi and vi, and comparisons whose effect is undefined moved to
    the exclusions with escalc's reason."""
    ledger = list(cs.ledger)
    undefined = {w.row: w.reason for w in res.warnings}
    for i, at in enumerate(cs.ledger_index):
        entry = ledger[at]
        if i in undefined or not (np.isfinite(yi[i]) and np.isfinite(res.vi[i])):
            ledger[at] = replace(entry, status=EXCLUDED, reason="undefined",
                                 detail=f"{entry.detail}: {undefined.get(i, 'effect size not computable')}")
        else:
            ledger[at] = replace(entry, yi=float(yi[i]), vi=float(res.vi[i]))
    return ledger


def _collapsed(table: EffectTable, comps: list[Comparison], method: Method, syrf: bool) -> EffectTable:
    """One row per comparison (study, experiment, treated cohort, outcome), in first-seen order.

    ``yi``/``vi`` from :func:`painregen.effects.collapse` over the comparison's timepoints in days (so an AUC is
    in effect x days whatever the file's time unit). ``time`` is the timepoint used (``last``/``peak``; minutes
    for SyRF files) or ``"auc"``; the group summaries (``m1i`` ... ``n2i``, ``k_shared``) are those of that
    timepoint, empty for ``auc``. Adds ``collapse`` (the method) and ``n_timepoints``. Covariance blocks are
    collapsed with the same weights, timepoints treated as independent (:func:`collapse_vcov`).
    """
    groups: dict[tuple[str, str, str, str], list[int]] = {}
    for i, c in enumerate(comps):
        groups.setdefault((c.study, c.experiment, c.cohort, c.outcome), []).append(i)
    rows: list[dict[str, Cell]] = []
    weights: list[tuple[IntArray, FloatArray]] = []
    warnings = list(table.warnings)
    for (study, exp, cohort, outcome), idx in groups.items():
        members = np.array(idx, dtype=np.int64)
        t = np.array([comps[i].time_days for i in idx])
        y = np.array([np.nan if table.rows[i]["yi"] is None else table.rows[i]["yi"] for i in idx], dtype=float)
        v = np.array([np.nan if table.rows[i]["vi"] is None else table.rows[i]["vi"] for i in idx], dtype=float)
        ce = collapse_series(t, y, v, method)
        w = _collapse_weights(t, y, v, method, ce.time)
        weights.append((members, w))
        pick = int(np.argmax(w)) if method != "auc" and w.any() else int(np.argmax(t))
        row = dict(table.rows[idx[pick]])
        if method == "auc":
            row |= {k: None for k in ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i", "k_shared")}
            row["time"] = "auc"
        row |= {"yi": _num(ce.yi), "vi": _num(ce.vi), "collapse": method, "n_timepoints": ce.n_timepoints}
        rows.append(row)
        if ce.reason:
            warnings.append(f"study {study}, experiment {exp}, cohort {cohort}, outcome {outcome}: "
                            f"collapse {method}: {ce.reason}")
    at = table.columns.index("vi") + 1
    columns = [*table.columns[:at], "collapse", "n_timepoints", *table.columns[at:]]
    vi = np.array([np.nan if r["vi"] is None else r["vi"] for r in rows], dtype=float)
    blocks = collapse_vcov(table.vcov_blocks, weights, vi) if table.vcov_blocks else []
    return EffectTable(columns, rows, warnings, blocks, table.ledger)


def _collapse_weights(t: FloatArray, y: FloatArray, v: FloatArray, method: Method, chosen: float | None) -> FloatArray:
    """Weights w with collapsed yi = sum(w * y) over the defined timepoints (0 elsewhere), as
    :func:`painregen.effects.collapse` computes it."""
    w = np.zeros(t.size)
    ok = np.isfinite(y) & np.isfinite(v)
    if method != "auc":
        if chosen is not None:
            w[np.flatnonzero(ok & (t == chosen))[:1]] = 1.0
        return w
    if ok.sum() >= 2:
        rows = np.flatnonzero(ok)
        order = rows[np.argsort(t[rows], kind="stable")]
        w[order] = trapezoid_weights(t[order])
    return w


def _columns() -> list[str]:
    return ["study", "experiment", "cohort", "control", "outcome", "time", "m1i", "sd1i", "n1i", "m2i", "sd2i",
            "n2i", "k_shared", "yi", "vi"]

"""`painregen meta` for multilevel models with general random terms (``--random-term``, ``--struct``, ``--dfs``)
and for rare-event 2x2 tables (``--method MH|PETO --measure OR|RR|RD``).

Imported by the command function; it loads numpy, pandas and the meta core only when it handles the call.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from painregen.cli.common import console, err_console, fail, print_json

if TYPE_CHECKING:
    from painregen.meta.mh import MhResult

RARE_METHODS = ("MH", "PETO")
STRUCTS = ("CS", "HCS", "UN", "GEN", "ID", "DIAG", "AR", "HAR")


@dataclass
class ExtraRequest:
    """The options of `painregen meta` this module handles."""

    file: Path
    yi: str = "yi"
    vi: str = "vi"
    method: str = "REML"
    test: str = "z"
    mods: str | None = None
    random: str | None = None
    terms: list[str] = field(default_factory=list)
    struct: str = "CS"
    dfs: str = "residual"
    measure: str | None = None
    correct: bool = True
    add: str | None = None
    to: str | None = None
    drop00: str | None = None
    level: float = 95
    json_out: bool = False
    na_values: list[str] = field(default_factory=list)
    others: list[str] = field(default_factory=list)  # other options given, which these models do not take

    @property
    def rare(self) -> bool:
        return self.method.upper() in RARE_METHODS


def wanted(method: str, terms: Sequence[str], dfs: str, struct: str, measure: str | None) -> bool:
    """Whether this module handles the call (the other options of `painregen meta` keep their own path)."""
    return bool(terms) or method.upper() in RARE_METHODS or dfs.lower() != "residual" or struct.upper() != "CS" \
        or measure is not None


def run(req: ExtraRequest) -> None:
    """Fit and print (``--json``: one JSON object; else a metafor-style summary)."""
    from painregen.meta import printing_mv

    if req.others:
        fail(f"{', '.join(req.others)} cannot be combined with "
             f"{'--method ' + req.method.upper() if req.rare else '--random-term/--struct/--dfs'}", code=2)
    if req.rare:
        res: Any = _rare(req)
        text = printing_mv.format_mh(res)
    else:
        res = _random_terms(req)
        text = printing_mv.format_random_terms(res)
    if req.json_out:
        print_json(res.to_dict())
    else:
        console.print(text, highlight=False, markup=False, soft_wrap=True)


def _say(messages: Sequence[str]) -> None:
    for m in dict.fromkeys(messages):
        err_console.print(f"warning: {m}", highlight=False, soft_wrap=True)


def _formulas(req: ExtraRequest) -> list[str]:
    from painregen.cli.meta_input import split_list

    out = list(req.terms)
    if req.random:
        out.insert(0, "~ 1 | " + "/".join(split_list(req.random, "/")))
    if not out:
        fail("--struct and --dfs need random effects: --random-term \"~ 1 | study\" (or --random study/experiment)",
             code=2)
    return out


def _random_terms(req: ExtraRequest) -> Any:
    from painregen import meta
    from painregen.cli.meta_input import load_effects
    from painregen.cli.meta_run import MetaRequest
    from painregen.meta.random_terms import variables

    method, test, dfs = req.method.upper(), req.test.lower(), req.dfs.lower()
    if method not in ("REML", "ML"):
        fail(f"--random-term models are fitted by REML or ML, not {method}", code=2)
    if test not in ("z", "t", "knha"):
        fail(f"unknown test {test!r}; use z or t", code=2)
    if dfs not in ("residual", "contain"):
        fail(f"unknown --dfs {req.dfs!r}; use residual or contain", code=2)
    structs = [s.strip().upper() for s in req.struct.split(",") if s.strip()]
    bad = [s for s in structs if s not in STRUCTS]
    if bad or not structs or len(structs) > 2:
        fail(f"--struct takes one or two (comma-separated) of {', '.join(STRUCTS)}", code=2)
    formulas = _formulas(req)
    try:
        random_cols = variables(formulas)
    except ValueError as exc:
        fail(str(exc), code=2)
    mreq = MetaRequest(mods=req.mods)
    mod_cols = mreq.mod_columns()
    data = load_effects(req.file, req.yi, req.vi, [*random_cols, *(c for c in mod_cols if c not in random_cols)],
                        req.na_values)
    _say(data.warnings)
    if data.skipped:
        err_console.print(f"skipped {data.skipped} row(s) with missing {req.yi}/{req.vi}")
    frame = data.frame
    mods: Any = None
    if mod_cols:
        mods = frame[mod_cols].copy()
        if mreq.formula is not None:
            mods.attrs["formula"] = mreq.formula
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            res = meta.rma_mv(frame["yi"], frame["vi"], random=formulas, data=frame, struct=structs, mods=mods,
                              method=method, test="t" if test in ("t", "knha") else "z", dfs=dfs, level=req.level)
        except (ValueError, meta.ConvergenceError) as exc:
            fail(str(exc))
    _say([str(w.message) for w in caught])
    return res


def _rare(req: ExtraRequest) -> MhResult:
    from painregen import meta

    method = req.method.upper()
    measure = (req.measure or "OR").upper()
    if measure not in ("OR", "RR", "RD") or (method == "PETO" and measure != "OR"):
        fail(f"--measure {measure}: {'Peto' if method == 'PETO' else 'Mantel-Haenszel'} takes "
             f"{'OR' if method == 'PETO' else 'OR, RR or RD'}", code=2)
    try:
        kw = _zero_cells(req)
    except ValueError as exc:
        fail(str(exc), code=2)
    cells = read_counts(req.file)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if method == "MH":
                return meta.rma_mh(**cells, measure=measure, correct=req.correct, level=req.level, **kw)
            return meta.rma_peto(**cells, level=req.level, **kw)
    except ValueError as exc:
        fail(str(exc))
    finally:
        _say([str(w.message) for w in caught])


def _zero_cells(req: ExtraRequest) -> dict[str, Any]:
    """``--add 0.5[,0]``, ``--to only0[,none]``, ``--drop00 true[,false]`` as metafor's one- or two-valued
    arguments."""
    from painregen.cli.meta_input import split_list
    from painregen.meta.tables2x2 import options as zero_cell_options

    add = [float(x) for x in split_list(req.add)] if req.add else [0.5]
    to = split_list(req.to) if req.to else ["only0"]
    truth = {"true": True, "false": False, "t": True, "f": False, "1": True, "0": False}
    drop = split_list(req.drop00) if req.drop00 else ["true"]
    if any(d.lower() not in truth for d in drop):
        raise ValueError("--drop00 takes true or false (one value, or two separated by a comma)")
    drop00 = [truth[d.lower()] for d in drop]
    zero_cell_options(add, to, drop00)  # validates the number of values
    return {"add": add, "to": to, "drop00": drop00}


def read_counts(file: Path) -> dict[str, Any]:
    """The 2x2 counts of ``file``: columns ``ai, bi, ci, di`` or ``ai, ci, n1i, n2i`` (empty cells: the row is
    omitted); every malformed cell is reported as ``file:row:column``."""
    import numpy as np
    import pandas as pd

    from painregen.evidence.cells import CellError, as_float, is_missing
    from painregen.io.problems import InvalidDataError, Problem
    from painregen.io.tables import read_csv

    table = read_csv(file)
    cols = set(table.columns)
    if {"ai", "bi", "ci", "di"} <= cols:
        names = ["ai", "bi", "ci", "di"]
    elif {"ai", "ci", "n1i", "n2i"} <= cols:
        names = ["ai", "ci", "n1i", "n2i"]
    else:
        raise InvalidDataError([Problem(table.file, 1, "ai", "2x2 counts not found: the file needs columns ai, bi, "
                                        "ci, di (or ai, ci, n1i, n2i)", "name the columns as metafor does")])
    problems: list[Problem] = []
    out = {n: np.full(len(table.rows), np.nan) for n in names}
    for i, row in enumerate(table.rows):
        for n in names:
            cell = row.get(n)
            if is_missing(cell):
                continue
            try:
                v = as_float(cell)
            except CellError as exc:
                problems.append(Problem(table.file, table.row_numbers[i], n, str(exc), exc.fix))
                continue
            if v < 0 or not float(v).is_integer():
                problems.append(Problem(table.file, table.row_numbers[i], n, f"{n} must be a count (a whole "
                                        f"number >= 0), got {cell}", "check the 2x2 table"))
            out[n][i] = v
        vals = {n: out[n][i] for n in names}
        for ev, tot in (("ai", "n1i"), ("ci", "n2i")):
            if tot in vals and np.isfinite(vals[ev]) and np.isfinite(vals[tot]) and vals[ev] > vals[tot]:
                problems.append(Problem(table.file, table.row_numbers[i], ev, f"{ev} ({vals[ev]:g}) exceeds {tot} "
                                        f"({vals[tot]:g})", f"{ev} counts events among the {tot} animals"))
    if problems:
        raise InvalidDataError(problems)
    missing = pd.DataFrame(out).isna().any(axis=1)
    if missing.any():
        err_console.print(f"warning: {int(missing.sum())} row(s) with missing counts omitted", highlight=False)
    return out

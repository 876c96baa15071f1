"""What the registry can store, checked on a whole Dataset before anything is written.

The readers check each cell as they read it (:mod:`painregen.evidence.cells`, :mod:`painregen.io.tables`,
:mod:`painregen.io.jsonsafe`); this walk is the last line for values that are built rather than read (a dose
parsed from text, a time converted from minutes) and for datasets made in code. Every integer must fit the
registry's 64-bit columns, every number must be finite, and no text may hold a NUL character (PostgreSQL refuses
it). Each problem names the record's source row and the field.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel

from painregen.evidence import models as m
from painregen.io.jsonsafe import INT_MAX, INT_MIN
from painregen.io.problems import InvalidDataError, Problem, ProblemCollector

FIELD_COLUMNS = {("Dose", "amount"): "dose", ("Dose", "unit"): "dose_unit", ("Dose", "basis"): "dose_basis",
                 ("Dose", "text"): "dose"}


def _bad(value: Any) -> tuple[str, str] | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and not INT_MIN <= value <= INT_MAX:
        return "is out of range: integers must lie within ±9.2 × 10^18 (64 bits)", "check the value"
    if isinstance(value, float) and not math.isfinite(value):
        return f"is {value}, and the registry stores finite numbers only", "write a finite number"
    if isinstance(value, str) and "\x00" in value:
        return "holds a NUL character (\\x00), which the registry cannot store", "delete it"
    return None


def _walk(record: BaseModel, row: int | None, problems: ProblemCollector) -> None:
    row = getattr(record, "source_row", None) or row
    kind = type(record).__name__
    for name, value in record.__dict__.items():
        column = FIELD_COLUMNS.get((kind, name), name)
        if isinstance(value, BaseModel):
            _walk(value, row, problems)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, BaseModel):
                    _walk(item, row, problems)
        elif isinstance(value, dict):
            for key, item in value.items():
                bad = _bad(key) or _bad(item)
                if bad is not None:
                    problems.add(row, f"{column}.{str(key).replace(chr(0), '')}", f"{name} {key!r}: {bad[0]}", bad[1])
        else:
            bad = _bad(value)
            if bad is not None:
                problems.add(row, column, f"{column} {bad[0]}", bad[1])


def storable_problems(ds: m.Dataset, file: str) -> ProblemCollector:
    """Problems of values the registry cannot store, as a collector (empty when there are none)."""
    problems = ProblemCollector(file)
    for study in ds.studies:
        _walk(study, None, problems)
    return problems


def check_truth(truth: Any, file: str, where: str) -> dict[str, Any]:
    """A simulator's ``truth`` read from ``where`` (a sidecar file, a sheet): it must be a JSON object."""
    if not isinstance(truth, dict):
        raise InvalidDataError([Problem(file, None, None, f"the {where} must hold a JSON object, not "
                                        f"{type(truth).__name__}", "export the dataset again, or delete it")])
    return truth

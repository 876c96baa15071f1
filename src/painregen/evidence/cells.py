"""Turning one spreadsheet cell into a typed value, with a message that says how to fix it when it can't."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from enum import Enum

import numpy as np

from painregen.io.problems import Problem
from painregen.io.tables import Cell, Table

MISSING = {"", "na", "n/a", "nan", "none", "null", "not reported", "nr", "-"}
TRUE = {"true", "t", "yes", "y", "1"}
FALSE = {"false", "f", "no", "n", "0"}

# Common spellings of enumerated values, beyond the values themselves.
ENUM_SYNONYMS: dict[str, dict[str, str]] = {
    "Sex": {"m": "male", "f": "female", "males": "male", "females": "female", "both": "mixed", "mixed sex": "mixed",
            "not reported": "unknown", "nr": "unknown"},
    "Role": {"vehicle": "control", "model control": "control", "disease control": "control", "model": "control",
             "treatment": "treated", "normal": "sham", "naive": "sham", "sham-operated": "sham"},
    "DoseBasis": {"per animal": "per_animal", "animal": "per_animal", "per rat": "per_animal",
                  "per mouse": "per_animal", "per kg": "per_kg", "kg": "per_kg", "/kg": "per_kg"},
    "TimingMode": {"prevention": "preventive", "prophylactic": "preventive", "treatment": "therapeutic"},
    "AverageType": {"average": "mean"},
    "DonorRelation": {"auto": "autologous", "allo": "allogeneic", "xeno": "xenogeneic", "syn": "syngeneic",
                      "n/a": "not_applicable"},
    "Pillar": {"immunomodulation": "immunomodulation", "pyroptosis": "inflammatory_cell_death",
               "inflammatory cell death": "inflammatory_cell_death", "trophic support": "trophic_support",
               "vascular/ecm remodelling": "vascular_ecm_remodelling",
               "vascular remodelling": "vascular_ecm_remodelling"},
}


class CellError(ValueError):
    """A cell that cannot be read; the message says what was expected, ``fix`` how to mend it."""

    def __init__(self, message: str, fix: str | None = None) -> None:
        super().__init__(message)
        self.fix = fix


def is_missing(v: Cell) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return isinstance(v, str) and v.strip().lower() in MISSING


def as_text(v: Cell) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


INT_MIN, INT_MAX = -(2**63), 2**63 - 1  # the registry's integer columns are 64-bit signed (SQLite, PostgreSQL)


def _shown(v: Cell) -> str:
    """A cell's value for a message, cut short when it is long (a 5,000-digit number, a pasted paragraph)."""
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) >= 10**30:
        return f"a number of about {int(v.bit_length() * 0.30103) + 1} digits"
    text = repr(v)
    return text if len(text) <= 60 else text[:57] + "..."


def as_float(v: Cell) -> float:
    if isinstance(v, bool):
        raise CellError(f"expected a number, got {v!r}")
    if isinstance(v, int | float):
        try:
            x = float(v)
        except OverflowError:
            x = math.inf
    else:
        text = str(v).strip().replace("\u2212", "-")
        if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", text):
            text = text.replace(",", "")
        try:
            x = float(text)
        except ValueError:
            raise CellError(f"expected a number, got {_shown(v)}", "write a plain number such as 12.5") from None
    if not math.isfinite(x):
        raise CellError(f"expected a finite number, got {_shown(v)}", "write a plain number such as 12.5")
    return x


def as_int(v: Cell) -> int:
    """A whole number within the registry's 64-bit range (a digit string is read exactly, not through a float)."""
    text = v.strip() if isinstance(v, str) else None
    if isinstance(v, int) and not isinstance(v, bool):
        n = v
    elif text is not None and re.fullmatch(r"[-+]?\d+", text):
        n = int(text) if len(text) <= 20 else INT_MAX + 1  # never convert thousands of digits
    else:
        x = as_float(v)
        if not x.is_integer():
            raise CellError(f"expected a whole number, got {_shown(v)}", "write a count such as 8")
        n = int(x)
    if not INT_MIN <= n <= INT_MAX:
        raise CellError(f"{_shown(v)} is too large: whole numbers must lie within ±9.2 × 10^18 (64 bits)",
                        "check the value; a count of animals is a small number")
    return n


def as_bool(v: Cell) -> bool:
    if isinstance(v, bool):
        return v
    text = as_text(v).lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise CellError(f"expected TRUE or FALSE, got {v!r}", "write TRUE or FALSE")


def as_enum(v: Cell, enum: type[Enum]) -> str:
    text = as_text(v)
    key = re.sub(r"\s+", " ", text.lower().replace("-", " ")).strip()
    values = {str(e.value).lower(): str(e.value) for e in enum}
    if key in values:
        return values[key]
    if key.replace(" ", "_") in values:
        return values[key.replace(" ", "_")]
    synonyms = ENUM_SYNONYMS.get(enum.__name__, {})
    if key in synonyms:
        return synonyms[key]
    allowed = ", ".join(str(e.value) for e in enum)
    raise CellError(f"{text!r} is not one of the allowed values", f"use one of: {allowed}")


def as_term(v: Cell, vocabulary: str) -> str:
    """Resolve free text, a label, a synonym or a CURIE to the CURIE of a vocabulary term."""
    from painregen.evidence.vocab import UnknownTermError, get_vocabulary  # loads rapidfuzz: only when needed

    text = as_text(v)
    try:
        return get_vocabulary(vocabulary).resolve(text).curie
    except UnknownTermError as exc:
        nearest = "; ".join(f"{t.label} ({t.curie})" for t in exc.nearest[:5])
        raise CellError(
            f"unknown {vocabulary} {text!r}",
            f"use a term of the {vocabulary} vocabulary (`painregen vocab search`); nearest: {nearest}",
        ) from None


def float_column(table: Table, col: str, problems: list[Problem], *, fix_empty: str = "fill it",
                 check: Callable[[float], tuple[str, str] | None] | None = None,
                 missing_ok: bool = False) -> np.ndarray:
    """Column ``col`` of ``table`` as floats, NaN where a cell is empty or unreadable. Each such cell, and each
    value for which ``check`` returns ``(message, fix)``, adds a :class:`Problem` (file, row, column) to
    ``problems``, in row order. With ``missing_ok`` an empty cell (or NA, NR, ...) is only NaN, not a problem."""
    values = np.full(len(table.rows), np.nan)
    for i, row in enumerate(table.rows):
        v = row.get(col)
        if is_missing(v):
            if not missing_ok:
                problems.append(Problem(table.file, table.row_numbers[i], col, f"{col} is empty", fix_empty))
            continue
        try:
            values[i] = as_float(v)
        except CellError as exc:
            problems.append(Problem(table.file, table.row_numbers[i], col, str(exc), exc.fix))
            continue
        bad = check(values[i]) if check is not None else None
        if bad is not None:
            problems.append(Problem(table.file, table.row_numbers[i], col, *bad))
    return values

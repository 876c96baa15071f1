"""Reading a table of effects for `painregen meta` / `bias` / `forest` / `influence`: yi, vi and the columns a
model uses, with missing values as R's ``read.csv(na.strings = ...)`` sees them and never a silent drop.

- yi / vi: a row whose yi or vi is empty (or NA, NR, ...) is skipped and counted; text or vi <= 0 is an error.
- Other columns (moderators, subgroups, clusters, labels): a column is numeric when every cell is a number or
  missing. Missing means an empty cell or ``NA``, plus the words given with ``--na-values``. In a text column any
  other word is a real category: a level that looks like a missing-value word (``none``, ``NR``, ``n/a``, ``-``,
  ...) is kept and warned about (say ``--na-values NR`` to treat it as missing). In a column of numbers such words
  cannot be values: they are read as missing, with a warning naming them and their rows.

The cells are read by the csv module (:func:`painregen.io.tables.read_csv`) into NumPy arrays; the pandas DataFrame
the richer options work on is built on first use of :attr:`EffectsInput.frame`, so that a plain `painregen meta`
does not load pandas. Imported by the CLI commands inside their functions.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from painregen.evidence.cells import MISSING, CellError, as_float, is_missing
from painregen.io.problems import InvalidDataError, Problem
from painregen.io.tables import Table, read_csv

if TYPE_CHECKING:
    import pandas as pd

NA_DEFAULT = ("NA",)


@dataclass
class EffectsInput:
    """The rows with yi and vi, the requested columns, their file row numbers and what was said about them.

    ``columns`` maps ``yi``, ``vi`` and each requested column to its values: float arrays (NaN missing) or, for a
    text column, object arrays (None missing); ``frame`` is the same as a DataFrame."""

    columns: dict[str, np.ndarray]
    rows: list[int]
    skipped: int
    warnings: list[str] = field(default_factory=list)

    @functools.cached_property
    def frame(self) -> pd.DataFrame:
        """The columns as a DataFrame (``yi``, ``vi`` float, then the requested columns; built on first use)."""
        import pandas as pd

        frame = pd.DataFrame({"yi": self.columns["yi"], "vi": self.columns["vi"]}, dtype=float)
        for col, values in self.columns.items():
            if col not in ("yi", "vi"):
                frame[col] = pd.Series(values, dtype=values.dtype)
        return frame


def split_list(text: str | None, sep: str = ",") -> list[str]:
    return [t.strip() for t in text.split(sep) if t.strip()] if text else []


def load_effects(file: Path, yi: str, vi: str, extra: Sequence[str], na_values: Sequence[str] = (),
                 optional: Sequence[str] = ()) -> EffectsInput:
    """yi, vi and the ``extra`` columns (and the ``optional`` ones the file has) of the rows that have yi and vi
    (see the module docstring)."""
    table = read_csv(file)
    extra = [*extra, *(c for c in optional if c in table.columns and c not in extra)]
    problems = [Problem(table.file, 1, c, f"column '{c}' is missing", "name it with --yi/--vi/--mods/...")
                for c in dict.fromkeys([yi, vi, *extra]) if c not in table.columns]
    if problems:
        raise InvalidDataError(problems)
    keep: list[int] = []
    values: list[tuple[float, float]] = []
    skipped = 0
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
        if len(pair) == 2:
            keep.append(i)
            values.append((pair[0], pair[1]))
    if problems:
        raise InvalidDataError(problems)
    columns = {"yi": np.array([v[0] for v in values], dtype=float), "vi": np.array([v[1] for v in values], dtype=float)}
    out = EffectsInput(columns=columns, rows=[table.row_numbers[i] for i in keep], skipped=skipped)
    na = set(NA_DEFAULT) | {v.strip() for v in na_values}
    for col in dict.fromkeys(extra):
        columns[col], said = typed_column(table, col, keep, na)
        out.warnings.extend(said)
    return out


def typed_column(table: Table, col: str, keep: list[int], na: set[str]) -> tuple[np.ndarray, list[str]]:
    """Column ``col`` at rows ``keep``: numeric (float, NaN missing) or text (object, None missing)."""
    cells = [table.rows[i].get(col) for i in keep]
    texts = [None if c is None else str(c).strip() for c in cells]
    numbers: list[float] = []
    words: dict[str, list[int]] = {}
    numeric = True
    for i, t in zip(keep, texts, strict=True):
        if t is None or t == "" or t in na:
            numbers.append(np.nan)
            continue
        try:
            numbers.append(as_float(t))
        except CellError:
            if is_missing(t):
                words.setdefault(t, []).append(table.row_numbers[i])
                numbers.append(np.nan)
            else:
                numeric = False
                break
    said: list[str] = []
    if numeric and any(np.isfinite(numbers)):
        for word, rows in words.items():
            said.append(f"{table.file}: column {col}: {word!r} at row(s) {_rows(rows)} read as missing (the other "
                        f"values are numbers); say --na-values {word} to make this explicit")
        return np.array(numbers, dtype=float), said
    values = [None if (t is None or t == "" or t in na) else t for t in texts]
    for level in dict.fromkeys(v for v in values if v is not None and v.lower() in MISSING):
        rows = [table.row_numbers[i] for i, v in zip(keep, values, strict=True) if v == level]
        said.append(f"{table.file}: column {col}: the level {level!r} (row(s) {_rows(rows)}) looks like a missing "
                    f"value but is kept as a category; to treat it as missing say --na-values {level}")
    return _objects(values), said


def _objects(values: Sequence[str | None]) -> np.ndarray:
    """A 1-D object array of ``values`` (``np.array`` would make a 2-D array of equal-length sequences)."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _rows(rows: list[int], most: int = 6) -> str:
    head = ", ".join(str(r) for r in rows[:most])
    return head + (f" and {len(rows) - most} more" if len(rows) > most else "")


def repeated_rows_warning(frame: pd.DataFrame | Mapping[str, np.ndarray], columns: Sequence[str]) -> str | None:
    """A warning when a study contributes several rows for the same cohort and outcome (e.g. several timepoints):
    ``columns`` are the identifying columns present (study, experiment, cohort, outcome); ``frame`` a DataFrame or
    a mapping of column -> values."""
    present = [c for c in columns if c in frame]
    if "study" not in present or len(present) < 2:
        return None
    import pandas as pd

    if isinstance(frame, pd.DataFrame):
        key = frame[present].astype(str)
    else:
        key = pd.DataFrame({c: pd.Series(frame[c], dtype=frame[c].dtype) for c in present}).astype(str)
    counts = key.value_counts()
    dup = counts[counts > 1]
    if dup.empty:
        return None
    n_rows = int(dup.sum())
    example = ", ".join(f"{c} {v}" for c, v in zip(present, dup.index[0], strict=True))
    return (f"{n_rows} rows share a {'/'.join(present)} with another row ({len(dup)} such groups, e.g. {example}: "
            f"{int(dup.iloc[0])} rows): these are repeated measures (timepoints) of the same animals, not independent "
            "effects. Collapse them first (`painregen effects ... --collapse last`) or model the dependence "
            "(`--random study/experiment`, `--robust study`).")


def unidentified_levels_warning(frame: pd.DataFrame, levels: Sequence[str]) -> str | None:
    """A warning when a nested random-effects level adds nothing: every unit of an outer level holds a single unit
    of the next level (e.g. one experiment per study), so the two variance components are not separately
    identified (the likelihood depends only on their sum)."""
    said = []
    for outer, inner in itertools.pairwise(levels):
        per_outer = frame.groupby(frame[outer].astype(str))[inner].nunique()
        if (per_outer <= 1).all():
            said.append(f"every {outer} has a single {inner}: the {outer} and {inner} variance components are not "
                        f"separately identified (the split between them is arbitrary); drop the {inner} level "
                        f"(`--random {'/'.join(lv for lv in levels if lv != inner)}`) or check the {inner} column")
    return "; ".join(said) if said else None

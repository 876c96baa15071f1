"""Write the painregen template as an Excel workbook, empty or filled with a dataset.

Sheets, in order:

* ``observations``, ``mechanisms``, ``adverse_events``: the data sheets. Row 1 is the header (bold, frozen, with
  an auto-filter); its fill colour shows the level a column belongs to (study, experiment, cohort, ...), required
  columns are written in dark red, and each header cell carries a comment with the column's description. Every
  column with a closed set of values (vocabulary terms, enumerations, TRUE/FALSE, dose units) has a drop-down
  list. The drop-downs only *warn* about other values: painregen also accepts synonyms and CURIEs and checks
  every value on import.
* ``columns``: one row per column, explaining it (from :func:`painregen.evidence.dictionary.data_dictionary`),
  with an example value. Examples live here, never in the data sheets, so an empty template imports as an empty
  dataset without errors.
* ``lists`` (hidden): the vocabulary labels and enumerated values the drop-downs refer to.
* ``truth`` (hidden, simulated datasets only): the simulator's true parameters as JSON text, read back by
  :func:`read_workbook_truth`.

When a dataset is given, its rows come from :func:`painregen.evidence.flatten.dataset_to_tables`; vocabulary
CURIEs are written as their labels (the values the drop-downs offer) whenever the label resolves back to the
same CURIE, so reading the workbook with :func:`painregen.io.tables.read_xlsx` and
:func:`painregen.evidence.build.build_dataset` gives the dataset back (plus :func:`read_workbook_truth` for a
simulated dataset's ``truth``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.cell.cell import Cell as XlCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from painregen import __version__
from painregen.evidence import models as m
from painregen.evidence.dictionary import DictEntry, data_dictionary
from painregen.evidence.flatten import dataset_to_tables
from painregen.evidence.limits import check_truth
from painregen.evidence.template_spec import PREFIXES, SHEETS, Column
from painregen.evidence.vocab import get_vocabulary
from painregen.io.jsonsafe import load_json
from painregen.io.problems import InvalidDataError, Problem
from painregen.io.tables import Cell, escape_formula
from painregen.io.xlsx import Workbook as SheetReader

__all__ = ["COLUMNS_SHEET", "LISTS_SHEET", "TRUTH_SHEET", "dropdown_values", "read_workbook_truth",
           "write_template_xlsx"]

COLUMNS_SHEET = "columns"
LISTS_SHEET = "lists"
TRUTH_SHEET = "truth"
TRUTH_CHUNK = 30_000  # characters of JSON per cell (Excel holds at most 32,767)
EXCEL_MAX_ROW = 1_048_576
EXCEL_MAX_CELL_CHARS = 32_767

LEVEL_FILLS = {
    "study": "DDEBF7",
    "experiment": "E2EFDA",
    "cohort": "FFF2CC",
    "intervention": "FCE4D6",
    "dose": "F8CBAD",
    "outcome": "EDE2F6",
    "observation": "D9D9D9",
    "mechanism": "E2EFDA",
    "adverse_event": "FCE4D6",
}
REQUIRED_FONT = Font(bold=True, color="9C0006")
HEADER_FONT = Font(bold=True)
COLUMNS_HEADER = ("sheet", "column", "title", "description", "type", "unit", "required", "permitted values",
                  "vocabulary", "identifier system", "example")


def dropdown_values(col: Column) -> list[Cell] | None:
    """Values offered by a column's drop-down list, or ``None`` for a free column.

    Vocabulary columns offer the term labels; enumerations and columns with permitted values offer those values;
    booleans offer TRUE and FALSE. List columns (several values separated by ';') have no drop-down.
    """
    if col.vocabulary:
        return [t.label for t in get_vocabulary(col.vocabulary)]
    if col.type_name == "boolean":
        return [True, False]
    if col.type_name == "list":
        return None
    return list(col.permitted) or None


def _list_title(col: Column) -> str:
    """Header of a column of the lists sheet: the vocabulary, the enumeration or the column it serves."""
    if col.vocabulary:
        return col.vocabulary
    if col.type_name == "boolean":
        return "TRUE/FALSE"
    if col.type_name == "enum":
        return str(col.base_type.__name__)
    return col.name


@cache
def _label_of(vocabulary: str, curie: str) -> str:
    """The term's label when it resolves back to the same CURIE (else the CURIE itself)."""
    vocab = get_vocabulary(vocabulary)
    try:
        label = vocab.get(curie).label
    except KeyError:
        return curie
    try:
        return label if vocab.resolve(label).curie == curie else curie
    except ValueError:
        return curie


class _Lists:
    """The hidden sheet of drop-down values; one column per distinct list."""

    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws
        self.refs: dict[tuple[Cell, ...], str] = {}

    def ref(self, title: str, values: Sequence[Cell]) -> str:
        key = tuple(values)
        if key not in self.refs:
            idx = len(self.refs) + 1
            letter = get_column_letter(idx)
            self.ws.cell(1, idx, title).font = HEADER_FONT
            for i, v in enumerate(values, start=2):
                _set(self.ws.cell(i, idx), v, LISTS_SHEET)
            self.refs[key] = f"{LISTS_SHEET}!${letter}$2:${letter}${len(values) + 1}"
        return self.refs[key]


class ExportNotes:
    """What an export had to change to fit a workbook (text cut to Excel's cell limit, control characters
    dropped), as lines for the person exporting; the first :data:`MAX_NOTES` are kept, the rest counted."""

    MAX_NOTES = 20

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.total = 0

    def add(self, line: str) -> None:
        self.total += 1
        if len(self.lines) < self.MAX_NOTES:
            self.lines.append(line)

    def summary(self) -> list[str]:
        more = self.total - len(self.lines)
        return self.lines + ([f"... and {more} more cell(s) changed"] if more else [])


def _set(cell: XlCell, value: Cell, sheet: str) -> None:
    """Store a value; text is always text (a leading '=' does not make a formula)."""
    if isinstance(value, str) and len(value) > EXCEL_MAX_CELL_CHARS:
        raise ValueError(f"{sheet}!{cell.coordinate}: text of {len(value)} characters exceeds Excel's limit of "
                         f"{EXCEL_MAX_CELL_CHARS}")
    try:
        cell.value = value
    except IllegalCharacterError:
        raise ValueError(f"{sheet}!{cell.coordinate}: the text holds control characters that Excel cannot store: "
                         f"{value!r:.80}") from None
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"


def _set_data(cell: XlCell, value: Cell, sheet: str, column: str, escape: bool, notes: ExportNotes) -> None:
    """Store a data-sheet value so that any text the registry holds fits: control characters that a workbook
    cannot hold are dropped, text beyond Excel's 32,767 characters is cut (with a comment on the cell), and
    text that a spreadsheet would run as a formula gets a leading quote (:func:`escape_formula`) unless
    ``escape`` is False. Every change is noted in ``notes``."""
    if not isinstance(value, str):
        _set(cell, value, sheet)
        return
    where = f"{sheet}!{cell.coordinate} ({column})"
    text: str = ILLEGAL_CHARACTERS_RE.sub("", value)
    if text != value:
        notes.add(f"{where}: {len(value) - len(text)} control character(s) dropped (a workbook cannot hold them)")
    if escape:
        text = escape_formula(text)
    if len(text) > EXCEL_MAX_CELL_CHARS:
        notes.add(f"{where}: text of {len(text):,} characters cut to Excel's limit of {EXCEL_MAX_CELL_CHARS:,}; "
                  "export to CSV or JSON to keep it whole")
        cell.comment = Comment(f"Cut from {len(text):,} characters to Excel's limit; the CSV and JSON exports keep "
                               "the whole text.", f"painregen {__version__}")
        text = text[:EXCEL_MAX_CELL_CHARS]
    _set(cell, text, sheet)


def _comment(entry: DictEntry | None) -> Comment | None:
    if entry is None:
        return None
    parts = [entry.title, ("REQUIRED. " if entry.required else "") + entry.description]
    if entry.unit:
        parts.append(f"Unit: {entry.unit}.")
    if entry.permitted_text:
        parts.append(f"Values: {entry.permitted_text}.")
    if entry.example:
        parts.append(f"Example: {entry.example}")
    comment = Comment("\n".join(parts), f"painregen {__version__}")
    comment.width, comment.height = 320, 160
    return comment


def _entry_for(name: str, entries: dict[str, DictEntry]) -> DictEntry | None:
    if name in entries:
        return entries[name]
    for prefix in PREFIXES:  # rob_<item>, arrive_<item>, annotation_<question>
        if name.startswith(prefix):
            return next((e for key, e in entries.items() if key.startswith(prefix + "<")), None)
    return None


def _width(values: list[str]) -> float:
    return float(min(max([8, *(len(v) for v in values)]) + 2, 50))


def _write_data_sheet(ws: Worksheet, sheet: str, columns: list[str], rows: list[dict[str, Cell]],
                      entries: dict[str, DictEntry], lists: _Lists, labels: bool, escape: bool,
                      notes: ExportNotes) -> None:
    spec = {c.name: c for c in SHEETS[sheet]}
    for j, name in enumerate(columns, start=1):
        col = spec.get(name)
        level = col.level if col is not None else "study"  # prefixed columns are study-level
        entry = _entry_for(name, entries)
        cell = ws.cell(1, j)
        _set_data(cell, name, sheet, name, escape, notes)
        cell.font = REQUIRED_FONT if col is not None and col.required else HEADER_FONT
        cell.fill = PatternFill("solid", fgColor=LEVEL_FILLS.get(level, "FFFFFF"))
        cell.comment = _comment(entry)
        samples = [name, entry.example if entry else ""]
        for i, row in enumerate(rows, start=2):
            value = row.get(name)
            if value is None:
                continue
            if labels and col is not None and col.vocabulary and isinstance(value, str):
                value = _label_of(col.vocabulary, value)
            _set_data(ws.cell(i, j), value, sheet, name, escape, notes)
            if i < 202:
                samples.append(str(value))
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = _width(samples)
        choices = dropdown_values(col) if col is not None else None
        if col is not None and choices:
            what = f"a term of the {col.vocabulary} vocabulary" if col.vocabulary else "one of the listed values"
            dv = DataValidation(
                type="list",
                formula1=lists.ref(_list_title(col), choices),
                allow_blank=True,
                showErrorMessage=True,
                errorStyle="warning",
                errorTitle="Not in the list",
                error=(f"{name}: expected {what}. painregen also accepts synonyms and CURIEs and checks every "
                       "value on import; keep it if you are sure.")[:225],
            )
            dv.add(f"{letter}2:{letter}{EXCEL_MAX_ROW}")
            ws.add_data_validation(dv)
    ws.freeze_panes = "A2"
    if columns:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(len(rows) + 1, 1)}"


def _write_columns_sheet(ws: Worksheet, entries: list[DictEntry]) -> None:
    for j, name in enumerate(COLUMNS_HEADER, start=1):
        ws.cell(1, j, name).font = HEADER_FONT
    for i, e in enumerate(entries, start=2):
        values: list[Cell] = [e.sheet, e.variable, e.title, e.description, e.type, e.unit,
                              "yes" if e.required else "no", e.permitted_text, e.vocabulary or "",
                              e.identifier_system, e.example]
        for j, v in enumerate(values, start=1):
            _set(ws.cell(i, j), v, COLUMNS_SHEET)
        if e.required:
            ws.cell(i, 2).font = REQUIRED_FONT
    widths = (16, 24, 24, 70, 9, 20, 9, 50, 14, 30, 30)
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = w
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in ws.iter_rows(min_row=2, min_col=4, max_col=8):
        for c in row:
            c.alignment = wrap
    ws.freeze_panes = "C2"


@contextmanager
def full_precision_numbers() -> Iterator[None]:
    """Write floats with all 17 significant digits while saving.

    openpyxl formats numbers with ``"%.16g"``, which loses the last digit of some doubles; Excel itself stores
    IEEE doubles, so a workbook can hold them exactly. ``repr`` gives the shortest string that round-trips.
    """
    import openpyxl.cell._writer as writer

    original = writer.safe_string

    def exact(value: object) -> str:
        if isinstance(value, float) and math.isfinite(value):
            return repr(value)
        return str(original(value))

    writer.safe_string = exact
    try:
        yield
    finally:
        writer.safe_string = original


def write_template_xlsx(path: Path, dataset: m.Dataset | None = None, *, labels: bool = True,
                        formula_escape: bool = True) -> ExportNotes:
    """Write the template workbook to ``path``: empty, or holding ``dataset``'s rows; returns the notes on cells
    changed to fit a workbook (see :func:`_set_data`).

    ``labels=False`` keeps vocabulary values as CURIEs instead of writing their labels; ``formula_escape=False``
    writes text that starts like a formula without the protecting quote (it is still stored as text).
    """
    notes = ExportNotes()
    tables = dataset_to_tables(dataset if dataset is not None else m.Dataset())
    all_entries = data_dictionary()
    wb = Workbook()
    wb.properties.creator = f"painregen {__version__}"
    wb.properties.title = "painregen template"
    first = wb.active
    if first is not None:
        wb.remove(first)
    data_sheets = {sheet: wb.create_sheet(sheet) for sheet in SHEETS}
    columns_ws = wb.create_sheet(COLUMNS_SHEET)
    lists_ws = wb.create_sheet(LISTS_SHEET)
    lists = _Lists(lists_ws)
    for sheet, ws in data_sheets.items():
        columns, rows = tables[sheet]
        entries = {e.variable: e for e in all_entries if e.sheet == sheet}
        _write_data_sheet(ws, sheet, columns, rows, entries, lists, labels, formula_escape, notes)
    _write_columns_sheet(columns_ws, [e for e in all_entries if e.sheet in SHEETS])
    lists_ws.sheet_state = "hidden"
    if dataset is not None and dataset.truth is not None:
        _write_truth(wb.create_sheet(TRUTH_SHEET), dataset.truth)
    wb.active = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with full_precision_numbers():
        wb.save(path)
    return notes


def _write_truth(ws: Worksheet, truth: dict[str, Any]) -> None:
    try:
        text = json.dumps(truth, ensure_ascii=False, allow_nan=False, sort_keys=False)
    except ValueError:
        raise ValueError("the dataset's truth holds NaN or infinite numbers, which JSON cannot store") from None
    ws.cell(1, 1, "truth_json").font = HEADER_FONT
    for i, start in enumerate(range(0, len(text), TRUTH_CHUNK), start=2):
        _set(ws.cell(i, 1), text[start:start + TRUTH_CHUNK], TRUTH_SHEET)
    ws.sheet_state = "hidden"


def read_workbook_truth(path: Path) -> dict[str, Any] | None:
    """The simulator's true parameters stored by :func:`write_template_xlsx` (``None`` when there are none).

    A damaged sheet, invalid JSON or anything but a JSON object is a problem naming the sheet, never a traceback.
    """
    where = f"{path.name}[{TRUTH_SHEET}]"
    wb = SheetReader(path, path.name)
    try:
        if TRUTH_SHEET not in wb.sheets:
            return None
        cells = [rec[0] for row, rec in wb.rows(TRUTH_SHEET, where) if row > 1 and rec]
    finally:
        wb.close()
    text = "".join(str(c) for c in cells if c is not None)
    if not text:
        return None
    try:
        doc = load_json(text, where)
    except InvalidDataError as exc:  # lines of the JSON text are not rows of the sheet
        raise InvalidDataError([Problem(where, None, p.column, p.message, p.fix) for p in exc.problems],
                               exc.total) from None
    return check_truth(doc, where, f"'{TRUTH_SHEET}' sheet")

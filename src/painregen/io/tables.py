"""Reading and writing plain tables (CSV, XLSX sheets) with the row numbers a person sees.

io knows file formats, not the evidence model: it turns files into :class:`Table` objects (header + rows of
cell values) and back, reporting unreadable files as :class:`~painregen.io.problems.Problem` records.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from painregen.io.problems import InvalidDataError, Problem, ProblemCollector

Cell = str | int | float | bool | None
MAX_CELL = 1_000_000


@dataclass
class Table:
    """A header and its rows; ``row_numbers[i]`` is the spreadsheet row of ``rows[i]`` (header = row 1)."""

    file: str
    columns: list[str]
    rows: list[dict[str, Cell]]
    row_numbers: list[int] = field(default_factory=list)
    sheet: str | None = None

    def __post_init__(self) -> None:
        if not self.row_numbers:
            self.row_numbers = list(range(2, len(self.rows) + 2))

    def __len__(self) -> int:
        return len(self.rows)


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def decode_text(data: bytes, file: str) -> str:
    """Decode UTF-8 (with or without BOM); any other encoding is a problem naming the line and the fix."""
    if not data.strip():
        raise InvalidDataError([Problem(file, None, None, "the file is empty", "export the data again")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InvalidDataError(
            [
                Problem(
                    file,
                    line,
                    None,
                    f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})",
                    "save it as 'CSV UTF-8' (Excel: File > Save As > CSV UTF-8)",
                )
            ]
        ) from None


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED = re.compile(r"'*[=+\-@\t\r]")
MAX_BLANK_HEADER_REPORTS = 20


def escape_formula(text: str) -> str:
    """OWASP's defence against formula injection: a text cell that a spreadsheet would run as a formula
    (starting with ``= + - @``, tab or carriage return) gets a leading single quote. A text that already starts
    with quotes before such a character gets one more, so :func:`unescape_formula` restores every text exactly."""
    return "'" + text if _ESCAPED.match(text) else text


def unescape_formula(text: str) -> str:
    """Undo :func:`escape_formula`: drop one leading quote before a formula character (a spreadsheet's own
    convention too: a leading apostrophe marks a cell as text)."""
    return text[1:] if text[:1] == "'" and _ESCAPED.match(text, 1) else text


def column_letter(index: int) -> str:
    """Spreadsheet letter of a 0-based column index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _clean(value: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    return unescape_formula(value) if value[0] == "'" else value


class _RowCollector:
    """Rows of a table as dicts keyed by the header, with the checks every reader needs: a value in a column
    whose header cell is blank, and NUL characters (the registry cannot store them; PostgreSQL refuses them)."""

    def __init__(self, name: str, header: list[str], problems: ProblemCollector) -> None:
        self.name = name
        self.header = header
        self.named = [(j, h) for j, h in enumerate(header) if h]
        self.blank = [j for j, h in enumerate(header) if not h]
        self.reported: set[int] = set()
        self.problems = problems
        self.rows: list[dict[str, Cell]] = []
        self.numbers: list[int] = []
        for j, h in enumerate(header):
            if "\x00" in h:
                self._nul(1, column_letter(j))

    def _nul(self, row: int, column: str) -> None:
        self.problems.add(row, column, "the cell holds a NUL character (\\x00), which the registry cannot store",
                          "delete it; a file full of them is UTF-16 text: save it as CSV UTF-8")

    def _unnamed(self, row: int, j: int) -> None:
        if j in self.reported or len(self.reported) >= MAX_BLANK_HEADER_REPORTS:
            return
        self.reported.add(j)
        letter = column_letter(j)
        self.problems.add(row, letter, f"column {letter} holds values (the first on row {row}) but its header cell "
                          "is blank, so they would be lost", f"name column {letter} in row 1, or delete its values")

    def add(self, row: int, values: Sequence[Cell], check_nul: bool = True) -> None:
        if all(v is None for v in values):
            return
        width = len(self.header)
        for j in self.blank:
            if j < len(values) and values[j] is not None:
                self._unnamed(row, j)
        if len(values) > width:
            for j in range(width, len(values)):
                if values[j] is not None:
                    self._unnamed(row, j)
        if check_nul:
            for j, v in enumerate(values):
                if isinstance(v, str) and "\x00" in v:
                    self._nul(row, self.header[j] if j < width and self.header[j] else column_letter(j))
        n = len(values)
        self.rows.append({h: values[j] if j < n else None for j, h in self.named})
        self.numbers.append(row)

    def table(self, sheet: str | None = None) -> Table:
        self.problems.raise_if_any()
        return Table(self.name, [h for _, h in self.named], self.rows, self.numbers, sheet)


def read_csv(path: Path, *, display_name: str | None = None) -> Table:
    """Read a CSV file (comma, semicolon or tab separated, as its header shows) into a :class:`Table`."""
    name = display_name or path.name
    text = decode_text(path.read_bytes(), name)
    return parse_csv_text(text, name)


def read_csv_header(path: Path, *, display_name: str | None = None) -> list[str]:
    """The column names of a CSV file (its first record), without reading the rows."""
    name = display_name or path.name
    return _csv_header(_csv_reader(decode_text(path.read_bytes(), name)), name)


def _csv_reader(text: str) -> Any:
    end = text.find("\n")
    first_line = text if end < 0 else text[:end]
    delimiter = max(",;\t", key=first_line.count)  # the header decides: commas, semicolons or tabs
    return csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=delimiter)


def _csv_header(reader: Any, name: str) -> list[str]:
    try:
        first = next(reader, None)
    except csv.Error as exc:
        raise _malformed(name, reader.line_num, exc) from None
    if first is None or not any(c.strip() for c in first):
        raise InvalidDataError([Problem(name, 1, None, "the file has no header row", "put column names in row 1")])
    header = [unescape_formula(h.strip()) for h in first]
    problems = _header_problems(header, name)
    if problems:
        raise InvalidDataError(problems)
    return header


def parse_csv_text(text: str, name: str) -> Table:
    reader = _csv_reader(text)
    header = _csv_header(reader, name)
    collector = ProblemCollector(name)
    rows = _RowCollector(name, header, collector)
    has_nul = "\x00" in text
    i = 1  # spreadsheet row of the record (a quoted cell may span several lines of the file)
    try:
        for i, rec in enumerate(reader, start=2):
            if len(rec) > len(header) and any(c.strip() for c in rec[len(header):]):
                collector.add(i, None, f"row has {len(rec)} cells but the header has {len(header)}", "check quoting")
                continue
            rows.add(i, [_clean(c) for c in rec], has_nul)
    except csv.Error as exc:
        collector.add(i + 1, None, f"malformed CSV: {exc}", "check quoting")
    return rows.table()


def _malformed(name: str, line: int, exc: Exception) -> InvalidDataError:
    return InvalidDataError([Problem(name, line, None, f"malformed CSV: {exc}", "check quoting")])


def _header_problems(header: Sequence[str], name: str) -> list[Problem]:
    seen: set[str] = set()
    problems = []
    for h in header:
        if h and h in seen:
            problems.append(Problem(name, 1, h, "column appears twice", "rename or remove one of them"))
        seen.add(h)
    return problems


def read_xlsx(path: Path, *, display_name: str | None = None) -> dict[str, Table]:
    """Read every visible sheet of an XLSX workbook (first row = header); see :mod:`painregen.io.xlsx`."""
    from painregen.io.xlsx import Workbook

    name = display_name or path.name
    wb = Workbook(path, name)
    tables: dict[str, Table] = {}
    try:
        for title, visible in wb.sheets.items():
            if not visible:
                continue
            sheet = f"{name}[{title}]"
            it = wb.rows(title, sheet)
            first = next(it, None)
            if first is None:
                continue
            header = ["" if (h := _xlsx_cell(v)) is None else str(h) for v in first[1]]
            while header and not header[-1]:
                header.pop()
            problems = _header_problems(header, sheet)
            if problems:
                raise InvalidDataError(problems)
            rows = _RowCollector(sheet, header, ProblemCollector(sheet))
            for i, rec in it:
                rows.add(i, [_xlsx_cell(v) for v in rec])
            tables[title] = rows.table(title)
    finally:
        wb.close()
    return tables


def _xlsx_cell(v: object) -> Cell:
    if v is None:
        return None
    if isinstance(v, bool | int):
        return v
    if isinstance(v, float):  # calamine gives every number as a float; a count is an int, as openpyxl gives it
        return int(v) if v.is_integer() and abs(v) < 2**53 else v
    s = str(v).strip()
    return unescape_formula(s) if s else None


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Mapping[str, Cell]], *,
              formula_escape: bool = True) -> None:
    """Write a CSV (UTF-8). Text cells that a spreadsheet would run as formulas are escaped with a leading
    quote (:func:`escape_formula`) unless ``formula_escape`` is False; numbers are never escaped."""
    esc = escape_formula if formula_escape else str
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([esc(c) for c in columns])
        for r in rows:
            w.writerow([esc(v) if isinstance(v := r.get(c), str) else format_cell(v) for c in columns])


def format_cell(v: Cell) -> str:
    """Text form of a cell: floats keep full precision (repr), booleans are TRUE/FALSE, None is empty."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return repr(v) if v != int(v) or abs(v) >= 1e16 else str(int(v)) if abs(v) < 1e15 else repr(v)
    return str(v)

"""Reading and writing plain tables (CSV, XLSX sheets) with the row numbers a person sees.

io knows file formats, not the evidence model: it turns files into :class:`Table` objects (header + rows of
cell values) and back, reporting unreadable files as :class:`~painregen.io.problems.Problem` records.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from painregen.io.problems import InvalidDataError, Problem

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


def _clean(value: str) -> str | None:
    value = value.strip()
    return value if value != "" else None


def read_csv(path: Path, *, display_name: str | None = None) -> Table:
    """Read a CSV file (comma, semicolon or tab separated, as its header shows) into a :class:`Table`."""
    name = display_name or path.name
    text = decode_text(path.read_bytes(), name)
    return parse_csv_text(text, name)


def parse_csv_text(text: str, name: str) -> Table:
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)  # the header decides: commas, semicolons or tabs
    dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect, delimiter=delimiter)
    try:
        records = list(reader)
    except csv.Error as exc:
        problem = Problem(name, reader.line_num, None, f"malformed CSV: {exc}", "check quoting")
        raise InvalidDataError([problem]) from None
    if not records or not any(c.strip() for c in records[0]):
        raise InvalidDataError([Problem(name, 1, None, "the file has no header row", "put column names in row 1")])
    header = [h.strip() for h in records[0]]
    problems = _header_problems(header, name)
    if problems:
        raise InvalidDataError(problems)
    rows: list[dict[str, Cell]] = []
    numbers: list[int] = []
    for i, rec in enumerate(records[1:], start=2):
        if not any(c.strip() for c in rec):
            continue
        if len(rec) > len(header) and any(c.strip() for c in rec[len(header) :]):
            problems.append(
                Problem(name, i, None, f"row has {len(rec)} cells but the header has {len(header)}", "check quoting")
            )
            continue
        rec = rec + [""] * (len(header) - len(rec))
        rows.append({h: _clean(v) for h, v in zip(header, rec, strict=False) if h})
        numbers.append(i)
    if problems:
        raise InvalidDataError(problems)
    return Table(name, [h for h in header if h], rows, numbers)


def _header_problems(header: Sequence[str], name: str) -> list[Problem]:
    seen: set[str] = set()
    problems = []
    for h in header:
        if h and h in seen:
            problems.append(Problem(name, 1, h, "column appears twice", "rename or remove one of them"))
        seen.add(h)
    return problems


def read_xlsx(path: Path, *, display_name: str | None = None) -> dict[str, Table]:
    """Read every visible sheet of an XLSX workbook (first row = header)."""
    from openpyxl import load_workbook

    name = display_name or path.name
    if path.stat().st_size == 0:
        raise InvalidDataError([Problem(name, None, None, "the file is empty", "export the data again")])
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise InvalidDataError(
            [Problem(name, None, None, f"not a readable .xlsx workbook ({type(exc).__name__})", "save as .xlsx")]
        ) from None
    tables: dict[str, Table] = {}
    try:
        for ws in wb.worksheets:
            if ws.sheet_state != "visible":
                continue
            it = ws.iter_rows(values_only=True)
            first = next(it, None)
            if first is None:
                continue
            header = ["" if h is None else str(h).strip() for h in first]
            problems = _header_problems(header, f"{name}[{ws.title}]")
            if problems:
                raise InvalidDataError(problems)
            rows: list[dict[str, Cell]] = []
            numbers: list[int] = []
            for i, rec in enumerate(it, start=2):
                values = [_xlsx_cell(v) for v in rec]
                if all(v is None for v in values):
                    continue
                values += [None] * (len(header) - len(values))
                rows.append({h: v for h, v in zip(header, values, strict=False) if h})
                numbers.append(i)
            tables[ws.title] = Table(f"{name}[{ws.title}]", [h for h in header if h], rows, numbers, ws.title)
    finally:
        wb.close()
    return tables


def _xlsx_cell(v: object) -> Cell:
    if v is None:
        return None
    if isinstance(v, bool | int | float):
        return v
    s = str(v).strip()
    return s if s else None


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Mapping[str, Cell]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(columns)
        for r in rows:
            w.writerow([format_cell(r.get(c)) for c in columns])


def format_cell(v: Cell) -> str:
    """Text form of a cell: floats keep full precision (repr), booleans are TRUE/FALSE, None is empty."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return repr(v) if v != int(v) or abs(v) >= 1e16 else str(int(v)) if abs(v) < 1e15 else repr(v)
    return str(v)

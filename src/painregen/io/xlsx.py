"""Reading XLSX workbooks fast and safely.

Cells are read with python-calamine (Rust; about fifteen times faster than openpyxl on a 60,000-row sheet).
calamine builds each sheet as a dense grid spanning its used range, so one hostile cell at ``XFD1048576`` would ask
for 17 billion cells and abort the process. Before calamine sees a workbook, :func:`sheet_extents` therefore scans
every worksheet's XML as a stream (never held whole) for its row and column references: a sheet whose used range
exceeds :data:`MAX_CELLS`, or whose XML expands beyond :data:`MAX_SHEET_BYTES`, is refused with a problem; a
sheet whose rows or cells lack their references (legal, but then the extent is unknown) is read with openpyxl's
streaming reader instead. Neither reader trusts the sheet's ``<dimension>`` tag.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from painregen.io.problems import InvalidDataError, Problem

MAX_CELLS = 20_000_000  # rows x columns of a sheet's used range (a 60,000 x 60 sheet is 3.6 million)
MAX_SHEET_BYTES = 2_000_000_000  # decompressed XML of one worksheet
EXCEL_MAX_ROWS = 1_048_576
_ROWS = re.compile(rb"<(?:\w+:)?row\b")
_ROW_REFS = re.compile(rb'<(?:\w+:)?row\b[^>]*?\sr="(\d+)"')
_CELLS = re.compile(rb"<(?:\w+:)?c\b")
_CELL_REFS = re.compile(rb'<(?:\w+:)?c\b[^>]*?\sr="([A-Z]{1,3})\d')
_PREFIXED = re.compile(rb"<\w+:(?:row|c)\b")
_FAST_ROW_REFS = re.compile(rb'<row r="(\d+)"')  # the attribute order Excel, LibreOffice and openpyxl write
_FAST_CELL_REFS = re.compile(rb'<c r="([A-Z]{1,3})\d')
CHUNK = 1 << 22


@dataclass
class Extent:
    rows: int = 0
    columns: int = 0
    unreferenced: bool = False  # a row or cell without its r attribute


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


_LAST: list[tuple[tuple[str, int, int], dict[str, Extent]]] = []  # the last workbook scanned (read twice)


def sheet_extents(path: Path) -> dict[str, Extent]:
    """Used range of each worksheet part (``xl/worksheets/sheetN.xml``) from its row and cell references."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if _LAST and _LAST[0][0] == key:
        return _LAST[0][1]
    out = _scan(path)
    _LAST[:] = [(key, out)]
    return out


def _scan(path: Path) -> dict[str, Extent]:
    out: dict[str, Extent] = {}
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                continue
            if info.file_size > MAX_SHEET_BYTES:
                raise ValueError(f"{info.filename} expands to {info.file_size / 1e9:.1f} GB")
            ext = out[info.filename] = Extent()
            with z.open(info) as fh:
                tail = b""
                while chunk := fh.read(CHUNK):
                    data = tail + chunk
                    cut = data.rfind(b">") + 1  # a tag never straddles the cut
                    data, tail = data[:cut], data[cut:]
                    # whole-chunk passes in C, not a Python loop per cell; the general patterns (any attribute
                    # order, namespace prefixes) only when the usual layout does not account for every tag
                    rows, cols = _FAST_ROW_REFS.findall(data), _FAST_CELL_REFS.findall(data)
                    usual = (len(rows) == data.count(b"<row") and len(cols) == data.count(b"<c")
                             and _PREFIXED.search(data) is None)
                    if not usual:
                        rows, cols = _ROW_REFS.findall(data), _CELL_REFS.findall(data)
                        if len(rows) != len(_ROWS.findall(data)) or len(cols) != len(_CELLS.findall(data)):
                            ext.unreferenced = True
                    if rows:
                        ext.rows = max(ext.rows, max(int(r) if len(r) < 12 else 10**12 for r in set(rows)))
                    if cols:
                        ext.columns = max(ext.columns, max(_column_number(c) for c in set(cols)))
    return out


def _problem(name: str, message: str, fix: str = "open the file in Excel or LibreOffice and save it again as "
             ".xlsx") -> InvalidDataError:
    return InvalidDataError([Problem(name, None, None, message, fix)])


class Workbook:
    """The visible (or all) sheets of an XLSX file as rows of cell values, read by calamine when every sheet's
    extent is known and small enough, else by openpyxl's streaming reader."""

    def __init__(self, path: Path, name: str) -> None:
        self.path, self.name = path, name
        if path.stat().st_size == 0:
            raise _problem(name, "the file is empty", "export the data again")
        try:
            extents = sheet_extents(path)
        except Exception as exc:  # a damaged zip raises BadZipFile, zlib.error, EOFError, OSError, ValueError, ...
            raise _problem(name, f"not a readable .xlsx workbook ({type(exc).__name__}: {str(exc)[:120]})") from None
        for member, ext in extents.items():
            if ext.rows > EXCEL_MAX_ROWS or ext.rows * max(ext.columns, 1) > MAX_CELLS:
                raise _problem(name, f"a sheet ({member}) spans {ext.rows:,} rows x {ext.columns:,} columns, beyond "
                               f"what painregen reads ({MAX_CELLS:,} cells)", "delete the stray cells far below or to "
                               "the right of the data, or split the workbook")
        self.streaming = any(e.unreferenced for e in extents.values())
        try:
            if self.streaming:
                from openpyxl import load_workbook

                self._book: Any = load_workbook(path, read_only=True, data_only=True)
                self.sheets = {ws.title: ws.sheet_state == "visible" for ws in self._book.worksheets}
            else:
                from python_calamine import CalamineWorkbook, SheetVisibleEnum

                self._book = CalamineWorkbook.from_path(str(path))
                self.sheets = {m.name: m.visible == SheetVisibleEnum.Visible for m in self._book.sheets_metadata
                               if str(m.typ).endswith("WorkSheet")}
        except Exception as exc:  # both libraries raise many types for a damaged workbook
            raise _problem(name, f"not a readable .xlsx workbook ({type(exc).__name__})") from None

    def rows(self, sheet: str, label: str) -> Iterator[tuple[int, tuple[object, ...]]]:
        """(row number, cell values) of one sheet; damage is a problem naming ``label`` and the last row read."""
        row = 0
        try:
            if self.streaming:
                ws = self._book[sheet]
                ws.reset_dimensions()  # openpyxl's read-only mode would cut the rows and columns to <dimension>
                source: Any = ws.iter_rows(values_only=True)
            else:
                source = self._book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            for row, rec in enumerate(source, start=1):
                if row > EXCEL_MAX_ROWS:
                    raise _problem(label, f"the sheet has rows beyond Excel's last row ({EXCEL_MAX_ROWS:,})")
                yield row, tuple(rec)
        except InvalidDataError:
            raise
        except Exception as exc:  # XML, zip and value errors of a damaged sheet
            detail = str(exc).splitlines()[0][:200] if str(exc) else ""
            raise InvalidDataError([Problem(label, row + 1, None, f"the sheet cannot be read after row {row} "
                                            f"({type(exc).__name__}: {detail})", "open the file in Excel or "
                                            "LibreOffice and save it again as .xlsx")]) from None

    def close(self) -> None:
        close = getattr(self._book, "close", None)
        if close is not None:
            close()

"""Problems found in input files, reported as ``file:row:column: message`` with the fix."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem in an input file.

    ``row`` is the 1-based line of a spreadsheet as a person sees it (the header is row 1, the first data row is
    row 2); ``column`` is the column header. Either may be ``None`` when the problem is with the whole file.
    """

    file: str
    row: int | None
    column: str | None
    message: str
    fix: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{'' if self.row is None else self.row}:{self.column or ''}"
        text = f"{where}: {self.message}"
        if self.fix:
            text += f" (fix: {self.fix})"
        return text

    def to_dict(self) -> dict[str, object]:
        return {"file": self.file, "row": self.row, "column": self.column, "message": self.message, "fix": self.fix}


class InvalidDataError(ValueError):
    """Raised when a file has one or more problems; carries all of them, so users can fix everything at once."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems) or "invalid data")


class ProblemCollector:
    """Collects problems while reading a file; raises them together at the end."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def add(self, row: int | None, column: str | None, message: str, fix: str | None = None) -> None:
        """Record a problem; a second problem at the same cell (row and column) is a consequence of the first
        and is not repeated."""
        if row is not None and column is not None and any(
            p.row == row and p.column == column for p in self.problems
        ):
            return
        self.problems.append(Problem(self.file, row, column, message, fix))

    def __bool__(self) -> bool:
        return bool(self.problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise InvalidDataError(self.problems)

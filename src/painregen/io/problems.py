"""Problems found in input files, reported as ``file:row:column: message`` with the fix.

A file with tens of thousands of bad rows must not cost quadratic time or unbounded memory: the collector keeps
the first :data:`MAX_KEPT` problems (what the JSON and web API return) and counts the rest; the command line
prints the first :data:`MAX_SHOWN` and says how many more there are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

MAX_KEPT = 2_000  # problems carried by an InvalidDataError (JSON, web)
MAX_SHOWN = 200  # problems printed by the command line and in the error's message


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


def summary_lines(problems: list[Problem], total: int, limit: int = MAX_SHOWN) -> list[str]:
    """The first ``limit`` problems as text, then one line counting the others (of ``total`` in all)."""
    lines = [str(p) for p in problems[:limit]]
    if total > len(lines):
        lines.append(f"... and {total - len(lines)} more problem(s)")
    return lines


class InvalidDataError(ValueError):
    """Raised when a file has one or more problems; carries them (the first :data:`MAX_KEPT`), so users can fix
    everything at once. ``total`` counts every problem found, also those not kept."""

    def __init__(self, problems: Iterable[Problem], total: int | None = None) -> None:
        kept = list(problems)
        self.problems: list[Problem] = kept[:MAX_KEPT]
        self.total: int = max(total or 0, len(kept))
        super().__init__("\n".join(summary_lines(self.problems, self.total)) or "invalid data")

    @property
    def more(self) -> int:
        """Problems found but not kept."""
        return self.total - len(self.problems)


class ProblemCollector:
    """Collects problems while reading a file; raises them together at the end.

    Costs are linear in the number of problems: a set of (row, column) cells finds repeats, and only the first
    ``keep`` problems are stored (the rest are counted in ``total``).
    """

    def __init__(self, file: str, keep: int = MAX_KEPT) -> None:
        self.file = file
        self.keep = keep
        self.problems: list[Problem] = []
        self.total = 0
        self._cells: set[tuple[int, str]] = set()

    def has(self, row: int | None, column: str | None) -> bool:
        """Whether a problem was already recorded at this cell."""
        return row is not None and column is not None and (row, column) in self._cells

    def add(self, row: int | None, column: str | None, message: str, fix: str | None = None) -> None:
        """Record a problem; a second problem at the same cell (row and column) is a consequence of the first
        and is not repeated."""
        if row is not None and column is not None:
            if (row, column) in self._cells:
                return
            self._cells.add((row, column))
        self.total += 1
        if len(self.problems) < self.keep:
            self.problems.append(Problem(self.file, row, column, message, fix))

    def merge(self, other: ProblemCollector) -> None:
        """Take over the problems of another collector (another sheet of the same workbook)."""
        for p in other.problems:
            self.total += 1
            if len(self.problems) < self.keep:
                self.problems.append(p)
        self.total += other.total - len(other.problems)

    def __bool__(self) -> bool:
        return self.total > 0

    def raise_if_any(self) -> None:
        if self.total:
            raise InvalidDataError(self.problems, self.total)

"""Shared types of the effect-size core: arrays, row problems, and what a measure's formula returns.

Nothing here computes an effect; see ``measures`` (the registry), the formula modules
(``continuous``, ``smd``, ``binary``, ``nmd``) and ``escalc`` (the public verb).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class RowWarning:
    """One note about one input row.

    ``row`` is the 0-based index into the input arrays, ``code`` a short machine-readable key
    (``"undefined"``, ``"missing"``, ``"se_as_sd"``, ...) and ``reason`` a sentence for people.
    """

    row: int
    code: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.reason}"


class EffectInputError(ValueError):
    """Malformed effect-size input (negative SD, n < 1, a required column missing, ...).

    ``problems`` lists ``(row, column, message)``; ``row`` is the 0-based row index, or ``None``
    when the problem concerns a whole column (missing, wrong length).
    """

    def __init__(self, problems: list[tuple[int | None, str, str]]) -> None:
        self.problems = problems
        shown = "; ".join(_format_problem(p) for p in problems[:10])
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        super().__init__(f"invalid effect-size input: {shown}{more}")


def _format_problem(problem: tuple[int | None, str, str]) -> str:
    row, column, message = problem
    where = f"row {row}, column {column}" if row is not None else f"column {column}"
    return f"{where}: {message}"


@dataclass(frozen=True)
class RowCondition:
    """Rows (a boolean mask) to which one note applies."""

    mask: BoolArray
    code: str
    reason: str


@dataclass(frozen=True)
class Computed:
    """What a measure's formula returns before ``escalc`` assembles the result.

    ``undefined`` conditions set ``yi``/``vi`` to NaN for their rows and become warnings;
    ``flags`` are data-quality notes on rows whose effect is defined.
    """

    yi: FloatArray
    vi: FloatArray
    undefined: tuple[RowCondition, ...] = field(default=())
    flags: tuple[RowCondition, ...] = field(default=())

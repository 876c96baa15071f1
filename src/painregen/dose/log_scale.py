"""MCP-Mod on a log10 dose axis, with the vehicle group kept at 0.

Preclinical doses often span decades (1e5 to 1e7 cells), where shapes are closer to functions of log dose. The
analysis axis is ``x = log10(dose + offset) - log10(offset) = log10(1 + dose / offset)``: the log of the dose
shifted by ``offset`` (DoseFinding's device for the linear-in-log-dose model, Pinheiro, Bornkamp & Bretz 2006,
with the natural log there), minus its value at vehicle so that vehicle stays at ``x = 0`` as MCP-Mod's shapes
require. The map is monotone increasing, so target doses, intervals and the window map back end to end
(:func:`painregen.dose.window.map_window`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .errors import DoseInputError


@dataclass(frozen=True)
class LogDoseScale:
    """``x = log10(1 + dose / offset)`` and back (``dose = offset (10^x - 1)``)."""

    offset: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.offset) and self.offset > 0):
            raise DoseInputError(f"the log-dose offset must be a positive number (got {self.offset})")

    @classmethod
    def for_doses(cls, doses: npt.ArrayLike, offset: float | None = None) -> LogDoseScale:
        """The scale for these doses: ``offset`` if given, else a tenth of the lowest positive dose."""
        d = np.asarray(doses, dtype=float)
        if offset is not None:
            return cls(float(offset))
        positive = d[d > 0]
        if positive.size == 0:
            raise DoseInputError("a log dose scale needs at least one positive dose")
        return cls(float(positive.min()) / 10)

    def forward(self, doses: npt.ArrayLike) -> npt.NDArray[np.float64]:
        d = np.asarray(doses, dtype=float)
        if np.any(d < 0):
            raise DoseInputError("doses must not be negative (vehicle = 0)")
        return np.log10(1.0 + d / self.offset)

    def inverse(self, x: float) -> float:
        return float(self.offset * (10.0 ** float(x) - 1.0))

    def to_dict(self) -> dict[str, Any]:
        return {"scale": "log10", "offset": self.offset, "x": "log10(1 + dose / offset)"}

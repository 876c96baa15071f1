"""Sign convention: make a positive effect mean that the treated group did better."""

from __future__ import annotations

from dataclasses import replace
from typing import overload

import numpy as np
import numpy.typing as npt

from painregen.effects.base import FloatArray
from painregen.effects.escalc import EscalcResult
from painregen.effects.measures import get_measure


@overload
def orient(yi: EscalcResult, greater_is_worse: npt.ArrayLike, *, measure: str | None = None) -> EscalcResult: ...
@overload
def orient(yi: npt.ArrayLike, greater_is_worse: npt.ArrayLike, *, measure: str | None = None) -> FloatArray: ...


def orient(yi: EscalcResult | npt.ArrayLike, greater_is_worse: npt.ArrayLike, *,
           measure: str | None = None) -> EscalcResult | FloatArray:
    """Flip the sign of ``yi`` where ``greater_is_worse`` is true, so that positive = treated better.

    ``yi`` is computed as group 1 (treated) minus group 2 (control) for MD/SMD/SMDH/RD, and as a
    log ratio treated/control for ROM/OR/RR; when lower values are better for the outcome (e.g.
    a pain score) a positive raw difference means the treated group did worse, so the sign (or
    the log ratio's direction, ``log(m2/m1) = -log(m1/m2)``) is reversed. Variances are unchanged.

    Measures registered with ``orientation="intrinsic"`` are already oriented and are returned
    unchanged: NMD divides by the deficit ``msham - m2i``, whose sign carries the direction of
    the scale. Pass an :class:`EscalcResult` (its measure is used) or an array plus ``measure``;
    an array without ``measure`` is always flipped. ``greater_is_worse`` is a bool or one per row.
    This is the GreaterIsWorse convention of CAMARADES/SyRF exports.
    """
    code = yi.measure if isinstance(yi, EscalcResult) else measure
    intrinsic = code is not None and get_measure(code).orientation == "intrinsic"
    if isinstance(yi, EscalcResult):
        if intrinsic:
            return yi
        flipped = _flip(yi.yi, greater_is_worse)
        flipped.setflags(write=False)
        return replace(yi, yi=flipped)
    values = np.asarray(yi, dtype=float)
    return values.copy() if intrinsic else _flip(values, greater_is_worse)


def _flip(values: FloatArray, greater_is_worse: npt.ArrayLike) -> FloatArray:
    worse = np.asarray(greater_is_worse, dtype=bool)
    return np.where(worse, -values, values).astype(float)

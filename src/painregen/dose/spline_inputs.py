"""Inputs of the across-study dose-response models: checked contrasts, the dose scale and the spline basis.

Shared by the one-stage model (:mod:`.meta_dr`), the two-stage model (:mod:`.two_stage`) and the Emax profile
(:mod:`.emax_meta`): :func:`spline_design` checks one row per treated-versus-vehicle contrast, puts the doses on the
spline's scale (linear, or ``log10(dose + offset)``) and builds the restricted-cubic-spline basis relative to dose 0
(:mod:`.splines`; knots at the Orsini percentiles, fewer when those tie).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from painregen.dose.errors import DoseInputError
from painregen.dose.splines import ORSINI_PERCENTILES, default_knots, rcs_basis
from painregen.meta.control import FIT_ERRORS as FIT_ERRORS  # re-exported for the dose modules

FloatArray = npt.NDArray[np.float64]
Scale = Literal["auto", "linear", "log10"]
Block = tuple[npt.ArrayLike, npt.ArrayLike]


def _f(x: Any) -> Any:
    """JSON-ready float (None for NaN/inf)."""
    x = float(x)
    return x if np.isfinite(x) else None


def _transform(dose: FloatArray, scale: str, offset: float) -> tuple[FloatArray, float]:
    """Dose on the spline scale and the value of vehicle (dose 0) on it."""
    if scale == "linear":
        return dose, 0.0
    if scale == "log10":
        return np.log10(dose + offset), float(np.log10(offset))
    raise DoseInputError(f"scale must be 'linear' or 'log10' (got {scale!r})")


def _check_inputs(dose: Any, yi: Any, vi: Any, study: Any) -> tuple[FloatArray, FloatArray, FloatArray, np.ndarray]:
    d = np.asarray(dose, dtype=float).ravel()
    y = np.asarray(yi, dtype=float).ravel()
    v = np.asarray(vi, dtype=float).ravel()
    s = np.asarray(study, dtype=object).ravel().astype(str)
    if not d.size == y.size == v.size == s.size:
        raise DoseInputError("dose, yi, vi and study must have the same length")
    if np.any(~np.isfinite(d)) or np.any(d < 0) or np.any(~np.isfinite(y)) or np.any(~np.isfinite(v) | (v <= 0)):
        raise DoseInputError("dose must be finite and >= 0, yi finite and vi finite and > 0 (drop incomplete rows)")
    return d, y, v, s


@dataclass(frozen=True)
class SplineDesign:
    """Checked contrasts and their spline basis relative to dose 0 (shared by the one- and two-stage models)."""

    dose: FloatArray
    yi: FloatArray
    vi: FloatArray
    study: np.ndarray
    offset: float
    knots: FloatArray
    X: FloatArray
    knot_note: str | None = None

    @property
    def terms(self) -> tuple[str, ...]:
        return ("dose", *(f"rcs{j}" for j in range(1, self.X.shape[1])))

    def grid(self, grid: npt.ArrayLike | None = None) -> FloatArray:
        """``grid`` as an array, default 101 doses from 0 to the largest."""
        if grid is None:
            return np.linspace(0.0, float(self.dose.max()), 101)
        return np.asarray(grid, dtype=float).ravel()


def spline_design(dose: npt.ArrayLike, yi: npt.ArrayLike, vi: npt.ArrayLike, study: npt.ArrayLike, *,
                  knots: npt.ArrayLike | None = None, scale: str = "linear",
                  offset: float | None = None) -> SplineDesign:
    """Checked inputs, the log10 ``offset`` (default 0.01 x the largest dose), knots (default the Orsini
    percentiles of the doses on the spline scale, fewer when they tie: :func:`painregen.dose.splines.default_knots`)
    and the basis relative to dose 0 (:func:`rcs_basis`)."""
    d, y, v, s = _check_inputs(dose, yi, vi, study)
    off = float(offset) if offset is not None else 0.01 * float(d.max())
    if scale == "log10" and not off > 0:
        raise DoseInputError("log10 scale needs a positive offset")
    x, x0 = _transform(d, scale, off)
    note = None
    if knots is None:
        kn, note = default_knots(x, ORSINI_PERCENTILES)
    else:
        kn = np.asarray(knots, dtype=float)
    return SplineDesign(d, y, v, s, off, kn, rcs_basis(x, kn, zero=x0), note)


def _clusters(s: np.ndarray) -> list[np.ndarray]:
    return [s, np.array([f"c{i}" for i in range(s.size)], dtype=object)]

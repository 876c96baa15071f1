"""Restricted cubic splines for dose-response meta-analysis.

The basis is Harrell's truncated-power form of the restricted (natural) cubic spline (Harrell 2001, *Regression
Modeling Strategies*, sec. 2.4.5, eq. 2.25; the ``norm = 2`` scaling of Hmisc's ``rcspline.eval``, i.e. every
non-linear term divided by ``(t_k - t_1)^2`` so its size is that of the dose): with knots ``t_1 < ... < t_k``::

    X_1(x) = x
    X_{j+1}(x) = [(x - t_j)_+^3 - (x - t_{k-1})_+^3 (t_k - t_j) / (t_k - t_{k-1})
                  + (x - t_k)_+^3 (t_{k-1} - t_j) / (t_k - t_{k-1})] / (t_k - t_1)^2,   j = 1 .. k-2

so every linear combination is a cubic spline that is linear below ``t_1`` and above ``t_k``. Default knots are the
5th, 35th, 65th and 95th percentiles of the doses, as Orsini, Li, Wolk, Khudyakov & Spiegelman (2012, *Am J
Epidemiol* 175:66) recommend for dose-response meta-analysis.

When those percentiles tie (many contrasts at the same dose, typically the top one), :func:`default_knots` falls
back to fewer knots the way Hmisc's ``rcspline.eval`` does (its documented rules: with few distinct values the
knots are the distinct values other than the smallest and largest, and tied knots are merged; Harrell 2015, sec.
2.4.6): (1) when the doses have at most ``len(percentiles) + 2`` distinct values, the knots are the distinct
doses without the smallest and the largest (at least 3 are needed); (2) otherwise the distinct percentile knots,
if at least 3; (3) otherwise the 10th, 50th and 90th percentiles (Harrell's three-knot default) if distinct.
Anything else has too few distinct doses for a spline and is refused.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from painregen.dose.errors import DoseFitError, DoseInputError

FloatArray = npt.NDArray[np.float64]
ORSINI_PERCENTILES: tuple[float, ...] = (5.0, 35.0, 65.0, 95.0)


def rcs_knots(dose: npt.ArrayLike, percentiles: Sequence[float] = ORSINI_PERCENTILES) -> FloatArray:
    """Knots at ``percentiles`` of the finite doses (numpy's default linear interpolation, R's ``quantile``
    type 7, as ``dosresmeta`` uses). ValueError if the knots are not strictly increasing (too few distinct
    doses)."""
    d = np.asarray(dose, dtype=float).ravel()
    d = d[np.isfinite(d)]
    if d.size == 0:
        raise DoseFitError("no finite doses to place knots")
    knots = np.percentile(d, np.asarray(percentiles, dtype=float))
    _check_knots(knots)
    return knots


def default_knots(dose: npt.ArrayLike, percentiles: Sequence[float] = ORSINI_PERCENTILES
                  ) -> tuple[FloatArray, str | None]:
    """Knots at ``percentiles`` of the finite doses (:func:`rcs_knots`), or, when they tie, fewer knots by the
    fallback of the module docstring; the second value is a note saying which fallback was used (None when the
    percentiles were distinct). ValueError when fewer than 3 knots can be placed."""
    d = np.asarray(dose, dtype=float).ravel()
    d = d[np.isfinite(d)]
    if d.size == 0:
        raise DoseFitError("no finite doses to place knots")
    knots = np.percentile(d, np.asarray(percentiles, dtype=float))
    if np.all(np.diff(knots) > 0):
        return knots, None
    distinct = np.unique(d)
    want = f"the {', '.join(f'{q:g}' for q in percentiles)}th percentiles of the doses tie ({_fmt(knots)})"
    if distinct.size - 2 <= len(percentiles):
        inner = distinct[1:-1]
        if inner.size >= 3:
            return inner, f"{want}: knots at the {inner.size} distinct doses other than the smallest and largest"
    else:
        merged = np.unique(knots)
        if merged.size >= 3:
            return merged, f"{want}: {merged.size} knots at the distinct percentiles"
        three = np.percentile(d, [10.0, 50.0, 90.0])
        if np.all(np.diff(three) > 0):
            return three, f"{want}: 3 knots at the 10th, 50th and 90th percentiles"
    raise DoseFitError(f"{want}, and {distinct.size} distinct doses ({_fmt(distinct)}) cannot give 3 distinct knots; "
                     "a spline needs more distinct doses (or give the knots)")


def _fmt(x: FloatArray) -> str:
    return ", ".join(f"{v:.6g}" for v in x)


def _check_knots(knots: FloatArray) -> None:
    if knots.ndim != 1 or knots.size < 3:
        raise DoseInputError("a restricted cubic spline needs at least 3 knots")
    if not np.all(np.isfinite(knots)) or np.any(np.diff(knots) <= 0):
        raise DoseInputError(f"knots must be finite and strictly increasing, got {knots.tolist()}; "
                         "too few distinct doses for this many knots")


def rcs_raw(x: npt.ArrayLike, knots: npt.ArrayLike) -> FloatArray:
    """Harrell's restricted cubic spline basis ``(X_1 .. X_{k-1})`` at ``x`` (see the module docstring):
    shape ``(len(x), len(knots) - 1)``, first column ``x`` itself."""
    t = np.asarray(knots, dtype=float).ravel()
    _check_knots(t)
    xv = np.asarray(x, dtype=float).ravel()
    k = t.size
    tk, tk1 = t[-1], t[-2]
    norm = (tk - t[0]) ** 2
    out = np.empty((xv.size, k - 1))
    out[:, 0] = xv

    def cube(a: float) -> FloatArray:
        return np.where(xv > a, (xv - a) ** 3, 0.0)

    for j in range(k - 2):
        out[:, j + 1] = (cube(t[j]) - cube(tk1) * (tk - t[j]) / (tk - tk1)
                         + cube(tk) * (tk1 - t[j]) / (tk - tk1)) / norm
    return out


def rcs_basis(dose: npt.ArrayLike, knots: npt.ArrayLike, *, zero: float = 0.0) -> FloatArray:
    """Spline basis of ``dose`` minus the basis at the reference dose ``zero`` (vehicle, 0 on the scale used):
    every row is a contrast against vehicle, so a model on it has no intercept. Shape ``(len(dose),
    len(knots) - 1)``; ``(k, 3)`` for the four default knots (Orsini et al. 2012)."""
    return rcs_raw(dose, knots) - rcs_raw([zero], knots)

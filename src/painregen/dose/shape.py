"""Shape of a pooled dose-response curve: plateau, or peak with a decline, each with an interval.

On a dose grid ``g_0 < ... < g_m`` with pooled curve ``f`` (contrast against vehicle, larger = better) and
``M = max_j f(g_j)``:

* **peak** (an inverted U): the maximum lies inside the range at ``g_p`` and the curve falls from it to the top
  dose by more than ``fraction x M``.  Reported: ``peak_dose = g_p`` and the fall ``f(g_m) - f(g_p)`` with its
  Wald interval (delta method, ``var = (s_m - s_p)' V_b (s_m - s_p)`` for the spline basis rows ``s``);
  ``decline`` is True when that interval lies below 0.  An inverted U has no plateau: ``plateau_dose`` is NaN.
* **plateau**: otherwise, ``plateau_dose`` is the smallest ``g_i`` after which the curve never rises by more than
  ``fraction x M`` (:func:`painregen.dose.meta_dr.plateau`; a painregen definition, not a published one).
* **no benefit**: ``M <= 0``.

Intervals for ``plateau_dose`` and ``peak_dose`` are percentile intervals over ``n_draws`` coefficient vectors
drawn from ``N(b, V_b)`` (the parametric simulation of Krinsky & Robb 1986, Rev Econ Stat 68:715), each giving its
own curve, plateau dose and peak dose; the draws are seeded, so the interval is reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import stats

FloatArray = npt.NDArray[np.float64]


def _f(x: Any) -> float | None:
    v = float(x)
    return v if np.isfinite(v) else None


@dataclass(frozen=True)
class CurveShape:
    """What :func:`curve_shape` finds (module docstring)."""

    shape: str
    plateau_dose: float
    plateau_ci: tuple[float, float]
    peak_dose: float
    peak_ci: tuple[float, float]
    drop: float
    drop_ci: tuple[float, float]
    decline: bool
    fraction: float
    n_draws: int

    def to_dict(self) -> dict[str, Any]:
        return {"shape": self.shape, "plateau_dose": _f(self.plateau_dose),
                "plateau_ci": [_f(v) for v in self.plateau_ci], "peak_dose": _f(self.peak_dose),
                "peak_ci": [_f(v) for v in self.peak_ci], "drop": _f(self.drop),
                "drop_ci": [_f(v) for v in self.drop_ci], "decline": self.decline, "fraction": self.fraction,
                "n_draws": self.n_draws}

    def sentence(self, unit: str = "") -> str:
        """One plain-language sentence on the shape, doses in ``unit``."""
        u = f" {unit}" if unit else ""

        def ci(pair: tuple[float, float]) -> str:
            return ("95% CI " + " to ".join("not reached" if not np.isfinite(v) else f"{v:.3g}" for v in pair))

        if self.shape == "no benefit":
            return "The pooled curve shows no benefit over vehicle at any dose."
        if self.shape == "peak":
            fall = (f"changes by {self.drop:.3g} ({ci(self.drop_ci)}) from there to the top dose"
                    + (": a decline" if self.decline else "; the fall is not significant"))
            return f"The pooled curve peaks at ~{self.peak_dose:.3g}{u} ({ci(self.peak_ci)}) and {fall}."
        return f"The pooled curve reaches a plateau at ~{self.plateau_dose:.3g}{u} ({ci(self.plateau_ci)})."


def plateau_batch(grid: FloatArray, fits: FloatArray, fraction: float) -> FloatArray:
    """Plateau dose of each row of ``fits`` (B, G) on ``grid`` (NaN where the maximum is not positive)."""
    top = np.max(fits, axis=1)
    later = np.maximum.accumulate(fits[:, ::-1], axis=1)[:, ::-1]
    ok = later - fits <= fraction * top[:, None]
    return np.where(top > 0, grid[np.argmax(ok, axis=1)], np.nan)


def _interval(v: FloatArray, level: float) -> tuple[float, float]:
    v = v[np.isfinite(v)]
    if v.size == 0:
        return (float("nan"), float("nan"))
    lo, hi = np.quantile(v, [(1 - level / 100) / 2, (1 + level / 100) / 2])
    return (float(lo), float(hi))


def curve_shape(grid: npt.ArrayLike, basis: npt.ArrayLike, b: npt.ArrayLike, vb: npt.ArrayLike, *,
                fraction: float = 0.05, level: float = 95, n_draws: int = 2000, seed: int = 2012) -> CurveShape:
    """Plateau or peak of the curve ``basis @ b`` on ``grid`` (``basis`` (G, p): spline rows relative to vehicle),
    with intervals from ``n_draws`` draws of ``N(b, vb)`` (module docstring)."""
    g = np.asarray(grid, dtype=float).ravel()
    S = np.asarray(basis, dtype=float)
    bb, vv = np.asarray(b, dtype=float), np.asarray(vb, dtype=float)
    fit = S @ bb
    top = float(np.max(fit))
    rng = np.random.default_rng(seed)
    ok = np.all(np.isfinite(vv)) and np.all(np.linalg.eigvalsh((vv + vv.T) / 2) >= -1e-12 * np.abs(vv).max())
    draws = (rng.multivariate_normal(bb, (vv + vv.T) / 2, size=n_draws, method="eigh", check_valid="ignore")
             if ok and n_draws > 0 else np.zeros((0, bb.size)))
    curves = draws @ S.T
    nan2 = (float("nan"), float("nan"))
    if not top > 0:
        return CurveShape("no benefit", float("nan"), nan2, float("nan"), nan2, float("nan"), nan2, False, fraction,
                          int(draws.shape[0]))
    p = int(np.argmax(fit))
    drop = float(fit[-1] - fit[p])
    z = float(stats.norm.ppf(1 - (1 - level / 100) / 2))
    diff = S[-1] - S[p]
    se = float(np.sqrt(max(diff @ vv @ diff, 0.0)))
    drop_ci = (drop - z * se, drop + z * se)
    peak_draws = g[np.argmax(curves, axis=1)] if curves.size else np.zeros(0)
    if p < g.size - 1 and -drop > fraction * top:
        return CurveShape("peak", float("nan"), nan2, float(g[p]), _interval(peak_draws, level), drop, drop_ci,
                          bool(drop_ci[1] < 0), fraction, int(draws.shape[0]))
    plat = float(plateau_batch(g, fit[None], fraction)[0])
    plat_draws = plateau_batch(g, curves, fraction) if curves.size else np.zeros(0)
    return CurveShape("plateau", plat, _interval(plat_draws, level), float("nan"), nan2, drop, drop_ci, False,
                      fraction, int(draws.shape[0]))

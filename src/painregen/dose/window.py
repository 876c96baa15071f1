"""The dose saturation window: MED, saturation dose, evidence of decline, and a plain-language verdict.

* MED: the target dose giving an effect ``delta`` over control (``TD``, DoseFinding's definition).
* Saturation dose: ``ED_p`` (default p = 0.9) of the maximum effect *within the tested range*.  For a linear or
  linlog curve it is fixed by the range itself (0.9 of the top dose, or of its log), so it is reported as not
  estimable within the tested range rather than with a zero-width interval.
* Curve: the selected model, or under aveAIC the model-averaged curve (:class:`.selection.ModelAverage`), so the
  headline MED and the window's MED are the same quantity.
* Window: [MED, saturation], each with a percentile interval from the bootstrap of the whole model selection
  (:mod:`.bootstrap`).
* Plateau: the saturation dose is at or below the second-highest tested dose (the top dose adds less than
  ``1 - p`` of the effect), there is no evidence of decline, and the data do not contradict it: the observed
  top-dose mean does not lie above the fitted curve (the 95% interval of ``ybar_top - f(top)`` does not lie
  wholly above 0).  Otherwise the verdict says the response may still rise.
* Decline: the fitted curve peaks strictly inside the range AND the observed top-dose group is worse than the
  group at the fitted peak with a confidence interval that excludes zero.  A model alone (e.g. a quadratic
  fitted to plateau data) cannot declare a decline.  The Mack-Wolfe umbrella test (:mod:`.umbrella`, raw data
  only) is reported beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from .bootstrap import bootstrap_selection
from .data import DoseData
from .models import Array
from .mods import Direction
from .reselect import NOT_ESTIMABLE_SATURATION, Design
from .results import FitResult, num
from .selection import ModelAverage, curve_of
from .target_dose import Curves, curve_ed, curve_max, curve_td
from .umbrella import UmbrellaResult, umbrella_test

NOT_ESTIMABLE = ("not estimable within the tested range: a {model} curve reaches {p:.0%} of its in-range maximum at "
                 "a dose fixed by the range itself")


@dataclass(frozen=True)
class Decline:
    """Top-dose versus peak-group contrast (beneficial direction: negative = decline) and the umbrella test."""

    fitted_peak_dose: float | None
    peak_inside: bool
    peak_group_dose: float | None
    top_minus_peak: float | None
    ci_low: float | None
    ci_high: float | None
    detected: bool
    umbrella: UmbrellaResult | None

    def to_dict(self) -> dict[str, Any]:
        return {"fitted_peak_dose": num(self.fitted_peak_dose), "peak_inside": self.peak_inside,
                "peak_group_dose": num(self.peak_group_dose), "top_minus_peak": num(self.top_minus_peak),
                "ci_low": num(self.ci_low), "ci_high": num(self.ci_high), "detected": self.detected,
                "umbrella": None if self.umbrella is None else self.umbrella.to_dict()}


NO_DECLINE = Decline(None, False, None, None, None, None, False, None)


@dataclass(frozen=True)
class TopCheck:
    """Observed top-dose mean minus the fitted curve there (beneficial direction) with its interval;
    ``above`` when the interval lies above 0 (the data rise beyond the curve)."""

    dose: float
    observed_minus_fit: float
    ci_low: float
    ci_high: float
    above: bool

    def to_dict(self) -> dict[str, Any]:
        return {"dose": num(self.dose), "observed_minus_fit": num(self.observed_minus_fit),
                "ci_low": num(self.ci_low), "ci_high": num(self.ci_high), "above": self.above}


@dataclass(frozen=True)
class WindowResult:
    """The saturation window of one study; ``identified`` is False when no curve could be estimated."""

    identified: bool
    model: str | None
    delta: float | None
    p: float
    med: float | None
    med_ci: tuple[float | None, float | None]
    saturation: float | None
    saturation_ci: tuple[float | None, float | None]
    plateau: bool
    decline: Decline
    verdict: str
    n_boot: int = 0
    saturation_note: str | None = None
    top: TopCheck | None = None
    bootstrap_selected: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def window(self) -> tuple[float, float] | None:
        if self.med is None or self.saturation is None or self.med > self.saturation:
            return None
        return (self.med, self.saturation)

    def to_dict(self) -> dict[str, Any]:
        w = self.window
        return {"identified": self.identified, "model": self.model, "delta": self.delta, "p": self.p,
                "med": num(self.med), "med_ci": [num(v) for v in self.med_ci],
                "saturation_dose": num(self.saturation), "saturation_ci": [num(v) for v in self.saturation_ci],
                "saturation_note": self.saturation_note,
                "window": None if w is None else [w[0], w[1]], "plateau": self.plateau,
                "decline": self.decline.to_dict(), "top_dose_check": None if self.top is None else self.top.to_dict(),
                "n_boot": self.n_boot,
                "interval_method": "percentile bootstrap of the whole model selection (test, fits, selection)",
                "bootstrap_selected": dict(self.bootstrap_selected), "notes": list(self.notes),
                "verdict": self.verdict}


def unidentified(verdict: str, p: float, delta: float | None) -> WindowResult:
    """The window result when no curve is estimated (too few doses, or no dose-response)."""
    return WindowResult(False, None, delta, p, None, (None, None), None, (None, None), False, NO_DECLINE, verdict)


def _quantile(df: float, level: float) -> float:
    a = (1 - level) / 2
    return float(stats.norm.isf(a) if not np.isfinite(df) else stats.t.isf(a, df))


@dataclass(frozen=True, eq=False)
class DeclineBatch:
    """:func:`decline_batch` for N data sets: fitted peak and whether it is inside the range, the dose group at the
    fitted peak, top minus peak group (beneficial direction) with its interval, and the decision."""

    peak_x: Array
    inside: NDArray[np.bool_]
    peak_group: NDArray[np.intp]
    diff: Array
    ci_low: Array
    ci_high: Array
    detected: NDArray[np.bool_]


def decline_batch(curves: Curves, doses: Array, means: Array, cov: Array, df: float, sign: float,
                  level: float = 0.95) -> DeclineBatch:
    """The decline rule of the module docstring for N curves and data sets (``means`` (N, k), ``cov`` (N, k, k) or
    (k, k) the covariance of the means)."""
    max_dose = float(doses[-1])
    m, x = curve_max(curves, max_dose, sign)
    fit = sign * curves.mean(doses)
    base = sign * curves.mean(np.zeros((curves.size, 1)))[:, 0]
    inside = (x < max_dose * (1 - 1e-6)) & (m - (fit[:, -1] - base) > 1e-8 * np.maximum(np.abs(m), 1e-300))
    peak = np.argmax(fit, axis=1)
    rows = np.arange(curves.size)
    c = np.broadcast_to(cov, (curves.size, doses.size, doses.size))
    diff = sign * (means[:, -1] - means[rows, peak])
    se = np.sqrt(np.maximum(c[:, -1, -1] + c[rows, peak, peak] - 2 * c[rows, -1, peak], 0.0))
    q = _quantile(df, level)
    lo, hi = diff - q * se, diff + q * se
    detected = inside & (peak != doses.size - 1) & (hi < 0)
    return DeclineBatch(x, inside, peak, diff, lo, hi, detected)


def top_batch(curves: Curves, doses: Array, means: Array, cov: Array, df: float, sign: float,
              level: float = 0.95) -> tuple[Array, Array, Array, NDArray[np.bool_]]:
    """Observed top-dose mean minus the fitted curve there (beneficial direction), its interval and whether the
    interval lies above 0, for N curves and data sets."""
    diff = sign * (means[:, -1] - curves.mean(doses[-1:])[:, 0])
    se = np.sqrt(np.broadcast_to(cov, (curves.size, doses.size, doses.size))[:, -1, -1])
    q = _quantile(df, level)
    return diff, diff - q * se, diff + q * se, (diff - q * se) > 0


def decline_evidence(data: DoseData, fit: FitResult | ModelAverage, direction: Direction, level: float = 0.95,
                     n_perm: int = 2000, seed: int = 1981) -> Decline:
    """Does the response fall at the top dose? Needs a fitted interior peak and an observed drop."""
    sign = 1.0 if direction == "increasing" else -1.0
    b = decline_batch(curve_of(fit), data.doses, data.means[None], data.cov, data.df, sign, level)
    umb = None
    if data.raw_dose is not None and data.raw_resp is not None and data.k >= 3 and n_perm > 0:
        umb = umbrella_test(data.raw_dose, sign * data.raw_resp, n_perm=n_perm, seed=seed)
    inside, peak_i = bool(b.inside[0]), int(b.peak_group[0])
    if not inside or peak_i == data.k - 1:
        return Decline(float(b.peak_x[0]), inside, float(data.doses[peak_i]), None, None, None, False, umb)
    return Decline(float(b.peak_x[0]), True, float(data.doses[peak_i]), float(b.diff[0]), float(b.ci_low[0]),
                   float(b.ci_high[0]), bool(b.detected[0]), umb)


def top_check(data: DoseData, fit: FitResult | ModelAverage, direction: Direction, level: float = 0.95) -> TopCheck:
    """The observed top-dose mean against the fitted curve there (module docstring, plateau)."""
    sign = 1.0 if direction == "increasing" else -1.0
    diff, lo, hi, above = top_batch(curve_of(fit), data.doses, data.means[None], data.cov, data.df, sign, level)
    return TopCheck(data.max_dose, float(diff[0]), float(lo[0]), float(hi[0]), bool(above[0]))


def _g(x: float | None) -> str:
    return "not reached" if x is None else f"{x:.3g}"


def format_p(p: float) -> str:
    """A p-value for a sentence: two significant digits, or "< 0.0001"."""
    return "< 0.0001" if p < 1e-4 else f"= {p:.2g}"


def verdict_text(model: str, delta: float | None, p: float, med_v: float | None,
                 med_ci: tuple[float | None, float | None], sat_v: float | None,
                 sat_ci: tuple[float | None, float | None], plateau: bool, dec: Decline,
                 mct_p: float | None = None, *, sat_note: str | None = None, top: TopCheck | None = None) -> str:
    """The plain-language verdict of a window (doses as given); every claim agrees with the data it cites."""
    parts = [f"Dose-response detected{'' if mct_p is None else f' (MCT adjusted p {format_p(mct_p)})'};"
             f" model {model}."]
    if delta is not None:
        parts.append(f"MED (effect >= {delta:g}) ~ {_g(med_v)} [95% CI {_g(med_ci[0])} to {_g(med_ci[1])}]."
                     if med_v is not None else f"The effect never reaches {delta:g} within the tested doses.")
    if sat_v is None and sat_note:
        where = ("beyond the tested range in most bootstrap replicates" if sat_ci[0] is None else
                 f"at {sat_ci[0]:.3g} or above in the bootstrap over model selection")
        parts.append(f"Saturation ({p:.0%} of the maximum effect) {sat_note.split(':')[0]} ({where}).")
    else:
        parts.append(f"Saturation ({p:.0%} of the maximum effect in the tested range) ~ {_g(sat_v)}"
                     f" [95% CI {_g(sat_ci[0])} to {_g(sat_ci[1])}].")
    if dec.detected:
        parts.append(f"Decline above ~{_g(dec.peak_group_dose)}: the top dose is worse than the peak group"
                     f" (difference {_g(dec.top_minus_peak)}, 95% CI {_g(dec.ci_low)} to {_g(dec.ci_high)}).")
    elif plateau:
        parts.append(f"Plateau above ~{_g(sat_v)}; no evidence of decline.")
    elif top is not None and top.above:
        parts.append("No plateau is claimed: the top-dose group lies above the fitted curve (by "
                     f"{top.observed_minus_fit:.3g}, 95% CI {top.ci_low:.3g} to {top.ci_high:.3g}), so the response may"
                     " still rise; no evidence of decline.")
    else:
        parts.append("No plateau within the tested range: the response still rises towards the top dose;"
                     " no evidence of decline.")
    if dec.umbrella is not None:
        umb = dec.umbrella
        parts.append(f"Umbrella test (Mack-Wolfe; a rise to a peak at {umb.peak_dose:g} against no effect): p"
                     f" {format_p(umb.p_value)}.")
    return " ".join(parts)


def map_window(w: WindowResult, to_dose: Callable[[float], float], mct_p: float | None = None) -> WindowResult:
    """The window of an analysis on a transformed dose axis (e.g. log10) with every dose mapped back by the
    monotone increasing ``to_dose`` (intervals map end to end) and the verdict rewritten in those doses."""
    def f(x: float | None) -> float | None:
        return None if x is None else float(to_dose(x))

    d = w.decline
    umb = None if d.umbrella is None else replace(d.umbrella, peak_dose=float(to_dose(d.umbrella.peak_dose)))
    dec = replace(d, fitted_peak_dose=f(d.fitted_peak_dose), peak_group_dose=f(d.peak_group_dose), umbrella=umb)
    med_ci, sat_ci = (f(w.med_ci[0]), f(w.med_ci[1])), (f(w.saturation_ci[0]), f(w.saturation_ci[1]))
    med, sat = f(w.med), f(w.saturation)
    top = None if w.top is None else replace(w.top, dose=float(to_dose(w.top.dose)))
    verdict = (verdict_text(w.model, w.delta, w.p, med, med_ci, sat, sat_ci, w.plateau, dec, mct_p,
                            sat_note=w.saturation_note, top=top)
               if w.identified and w.model is not None else w.verdict)
    return replace(w, med=med, med_ci=med_ci, saturation=sat, saturation_ci=sat_ci, decline=dec, top=top,
                   verdict=verdict)


def saturation_window(
    data: DoseData, fit: FitResult | ModelAverage, *, delta: float | None, p: float = 0.9,
    direction: Direction = "increasing", level: float = 0.95, n_boot: int = 1000, seed: int = 2014,
    n_perm: int = 2000, mct_p: float | None = None, design: Design | None = None, method: str | None = None,
) -> WindowResult:
    """MED, saturation dose, plateau/decline and a verdict for the selected model (or model average) ``fit``.

    ``design`` and ``method`` describe the selection to bootstrap (:func:`painregen.dose.bootstrap.
    bootstrap_selection`); without them only ``fit``'s family is refitted in each replicate. ``n_boot = 0`` skips
    the intervals and ``n_perm = 0`` the umbrella test."""
    curve = curve_of(fit)
    name = fit.model
    med = None if delta is None else float(curve_td(curve, data.max_dose, delta, direction)[0])
    med_v = None if med is None or not np.isfinite(med) else med
    sat_note = None
    sat = float(curve_ed(curve, data.max_dose, p, direction)[0])
    sat_v: float | None = sat if np.isfinite(sat) else None
    if isinstance(fit, FitResult) and fit.model in NOT_ESTIMABLE_SATURATION:
        sat_v, sat_note = None, NOT_ESTIMABLE.format(model=fit.model, p=p)
    med_ci: tuple[float | None, float | None] = (None, None)
    sat_ci: tuple[float | None, float | None] = (None, None)
    selected: dict[str, float] = {}
    notes: list[str] = []
    if n_boot > 0:
        if design is None or method is None:
            avg = isinstance(fit, ModelAverage)
            fams = tuple(f.model for f in fit.fits) if isinstance(fit, ModelAverage) else (fit.model,)
            design = Design.of(data, fams, (), np.zeros((data.k, 0)), np.inf, curve.fixed)
            method = "aveAIC" if avg else fams[0]
        try:
            boot = bootstrap_selection(data, design, method=method, delta=delta, p=p, direction=direction,
                                       n_boot=n_boot, seed=seed)
        except (np.linalg.LinAlgError, FloatingPointError) as exc:
            notes.append(f"the bootstrap intervals could not be computed ({type(exc).__name__}: {exc})")
        else:
            med_ci = boot.interval(boot.med, level) if delta is not None else (None, None)
            sat_ci = boot.interval(boot.saturation, level)
            selected = boot.selected
    dec = decline_evidence(data, fit, direction, level, n_perm, seed)
    top = top_check(data, fit, direction, level)
    plateau = bool(sat_v is not None and data.k >= 2 and sat_v <= data.doses[-2] and not dec.detected
                   and not top.above)
    verdict = verdict_text(name, delta, p, med_v, med_ci, sat_v, sat_ci, plateau, dec, mct_p, sat_note=sat_note,
                           top=top)
    return WindowResult(True, name, delta, p, med_v, med_ci, sat_v, sat_ci, plateau, dec, verdict, n_boot, sat_note,
                        top, selected, tuple(notes))

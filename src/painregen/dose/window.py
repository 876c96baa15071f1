"""The dose saturation window: MED, saturation dose, evidence of decline, and a plain-language verdict.

* MED: the target dose giving an effect ``delta`` over control (``TD``, DoseFinding's definition).
* Saturation dose: ``ED_p`` (default p = 0.9) of the maximum effect *within the tested range*.
* Window: [MED, saturation], each with a parametric-bootstrap percentile interval (:mod:`.bootstrap`).
* Plateau: the saturation dose is at or below the second-highest tested dose (the top dose adds less
  than ``1 - p`` of the effect) and there is no evidence of decline.
* Decline: the fitted curve peaks strictly inside the range AND the observed top-dose group is worse
  than the group at the fitted peak with a confidence interval that excludes zero.  A model alone
  (e.g. a quadratic fitted to plateau data) cannot declare a decline.  The Mack-Wolfe umbrella test
  (:mod:`.umbrella`, raw data only) is reported beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from scipy import stats

from .bootstrap import bootstrap_doses
from .data import DoseData
from .model_defs import get_model
from .mods import Direction
from .results import FitResult, num
from .target_dose import ed, max_effect, td
from .umbrella import UmbrellaResult, umbrella_test


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
                "window": None if w is None else [w[0], w[1]], "plateau": self.plateau,
                "decline": self.decline.to_dict(), "n_boot": self.n_boot, "verdict": self.verdict}


def unidentified(verdict: str, p: float, delta: float | None) -> WindowResult:
    """The window result when no curve is estimated (too few doses, or no dose-response)."""
    return WindowResult(False, None, delta, p, None, (None, None), None, (None, None), False, NO_DECLINE, verdict)


def decline_evidence(data: DoseData, fit: FitResult, direction: Direction, level: float = 0.95,
                     n_perm: int = 2000, seed: int = 1981) -> Decline:
    """Does the response fall at the top dose? Needs a fitted interior peak and an observed drop."""
    sign = 1.0 if direction == "increasing" else -1.0
    mdef = get_model(fit.model)
    m, x = max_effect(mdef, fit.coefs[None], fit.fixed, data.max_dose, sign)
    top_eff = sign * float(fit.effect(data.max_dose))
    inside = bool(x[0] < data.max_dose * (1 - 1e-6) and m[0] - top_eff > 1e-8 * max(abs(m[0]), 1e-300))
    umb = None
    if data.raw_dose is not None and data.raw_resp is not None and data.k >= 3:
        umb = umbrella_test(data.raw_dose, sign * data.raw_resp, n_perm=n_perm, seed=seed)
    peak_i = int(np.argmax(sign * fit.predict(data.doses)))
    top_i = data.k - 1
    if not inside or peak_i == top_i:
        return Decline(float(x[0]), inside, float(data.doses[peak_i]), None, None, None, False, umb)
    diff = sign * (data.means[top_i] - data.means[peak_i])
    se = float(np.sqrt(data.cov[top_i, top_i] + data.cov[peak_i, peak_i] - 2 * data.cov[top_i, peak_i]))
    q = float(stats.norm.isf((1 - level) / 2) if not np.isfinite(data.df) else stats.t.isf((1 - level) / 2, data.df))
    lo, hi = float(diff - q * se), float(diff + q * se)
    return Decline(float(x[0]), True, float(data.doses[peak_i]), float(diff), lo, hi, bool(hi < 0), umb)


def _g(x: float | None) -> str:
    return "not reached" if x is None else f"{x:.3g}"


def format_p(p: float) -> str:
    """A p-value for a sentence: two significant digits, or "< 0.0001"."""
    return "< 0.0001" if p < 1e-4 else f"= {p:.2g}"


def verdict_text(model: str, delta: float | None, p: float, med_v: float | None,
                 med_ci: tuple[float | None, float | None], sat_v: float | None,
                 sat_ci: tuple[float | None, float | None], plateau: bool, dec: Decline,
                 mct_p: float | None = None) -> str:
    """The plain-language verdict of a window (doses as given)."""
    parts = [f"Dose-response detected{'' if mct_p is None else f' (MCT adjusted p {format_p(mct_p)})'};"
             f" model {model}."]
    if delta is not None:
        parts.append(f"MED (effect >= {delta:g}) ~ {_g(med_v)} [95% CI {_g(med_ci[0])} to {_g(med_ci[1])}]."
                     if med_v is not None else f"The effect never reaches {delta:g} within the tested doses.")
    parts.append(f"Saturation ({p:.0%} of the maximum effect in the tested range) ~ {_g(sat_v)}"
                 f" [95% CI {_g(sat_ci[0])} to {_g(sat_ci[1])}].")
    if dec.detected:
        parts.append(f"Decline above ~{_g(dec.peak_group_dose)}: the top dose is worse than the peak group"
                     f" (difference {_g(dec.top_minus_peak)}, 95% CI {_g(dec.ci_low)} to {_g(dec.ci_high)}).")
    elif plateau:
        parts.append(f"Plateau above ~{_g(sat_v)}; no evidence of decline.")
    else:
        parts.append("No plateau within the tested range: the response still rises towards the top dose;"
                     " no evidence of decline.")
    if dec.umbrella is not None:
        umb = dec.umbrella
        parts.append(f"Umbrella test (Mack-Wolfe, peak {umb.peak_dose:g}): p {format_p(umb.p_value)}.")
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
    verdict = (verdict_text(w.model, w.delta, w.p, med, med_ci, sat, sat_ci, w.plateau, dec, mct_p)
               if w.identified and w.model is not None else w.verdict)
    return replace(w, med=med, med_ci=med_ci, saturation=sat, saturation_ci=sat_ci, decline=dec, verdict=verdict)


def saturation_window(
    data: DoseData, fit: FitResult, *, delta: float | None, p: float = 0.9,
    direction: Direction = "increasing", level: float = 0.95, n_boot: int = 1000, seed: int = 2014,
    n_perm: int = 2000, mct_p: float | None = None,
) -> WindowResult:
    """MED, saturation dose, plateau/decline and a verdict for a fitted (selected) model."""
    med = None if delta is None else td(fit, delta, direction).dose
    med_v = None if med is None or not np.isfinite(med) else float(med)
    sat = ed(fit, p, direction).dose
    sat_v = float(sat) if np.isfinite(sat) else None
    boot = bootstrap_doses(data, fit, delta=delta, p=p, direction=direction, n_boot=n_boot, seed=seed)
    med_ci = boot.interval(boot.med, level) if delta is not None else (None, None)
    sat_ci = boot.interval(boot.saturation, level)
    dec = decline_evidence(data, fit, direction, level, n_perm, seed)
    plateau = bool(sat_v is not None and data.k >= 2 and sat_v <= data.doses[-2] and not dec.detected)
    verdict = verdict_text(fit.model, delta, p, med_v, med_ci, sat_v, sat_ci, plateau, dec, mct_p)
    return WindowResult(True, fit.model, delta, p, med_v, med_ci, sat_v, sat_ci, plateau, dec, verdict, n_boot)

"""Convert a reported error (SD, SEM, 95% CI, IQR, range) to a standard deviation.

Every function returns the result with ``method``: one sentence stating the formula and the numbers
used, which is stored beside the converted row so a reader can redo the arithmetic.

Sources of the formulas:

* SEM and 95% CI of a mean -> SD: Cochrane Handbook for Systematic Reviews of Interventions, v6.4,
  section 6.5.2.2 (Higgins, Li & Deeks): SD = SE × √n, and SE = CI half-width / t(0.975, n − 1) for a
  CI computed from a t distribution on n − 1 degrees of freedom.
* Median with IQR, range or both -> mean and SD: Wan X, Wang W, Liu J, Tong T (2014), BMC Medical
  Research Methodology 14:135, scenarios C1 {min, median, max; n}, C2 {min, q1, median, q3, max; n}
  and C3 {q1, median, q3; n}; the C1 mean (a + 2m + b)/4 is from Hozo, Djulbegovic & Hozo (2005),
  BMC Medical Research Methodology 5:13. All assume roughly normal data.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ERROR_TYPES", "DispersionError", "MeanSdConversion", "SdConversion", "mean_sd_from_five_numbers",
    "mean_sd_from_median_iqr", "mean_sd_from_median_range", "normalise_average_type", "normalise_error_type",
    "sd_from_ci95", "sd_from_ci95_halfwidth", "sd_from_iqr", "sd_from_range", "sd_from_sem", "to_mean_sd", "to_sd",
]  # fmt: skip

ERROR_TYPES = ("SD", "SEM", "CI95", "IQR", "range")
_WAN = "Wan et al. 2014"


class DispersionError(ValueError):
    """Inputs that cannot be converted (negative error, too few animals, upper < lower, ...)."""


@dataclass(frozen=True)
class SdConversion:
    sd: float
    method: str


@dataclass(frozen=True)
class MeanSdConversion:
    mean: float
    sd: float
    method: str


_ERROR_SYNONYMS = {
    "SD": ("sd", "std", "stdev", "stddev", "standarddeviation"),
    "SEM": ("sem", "se", "stderr", "standarderror", "standarderrorofthemean", "standarderrorofmean"),
    "CI95": ("ci95", "95ci", "95%ci", "ci95%", "95%confidenceinterval", "confidenceinterval95%"),
    "IQR": ("iqr", "interquartilerange"),
    "range": ("range", "minmax", "minimummaximum"),
}
_ERROR_LOOKUP = {syn: key for key, syns in _ERROR_SYNONYMS.items() for syn in syns}


def normalise_error_type(text: str) -> str:
    """Map a spelling such as ``"S.E.M."``, ``"s.d."`` or ``"95% CI"`` to one of :data:`ERROR_TYPES`."""
    key = re.sub(r"[\s.\-_()]", "", str(text).lower())
    if key not in _ERROR_LOOKUP:
        raise DispersionError(f"unknown error type {text!r}; allowed: {', '.join(ERROR_TYPES)} "
                              "(also S.E.M., SE, s.d., 95% CI, 95%CI, min-max)")
    return _ERROR_LOOKUP[key]


def normalise_average_type(text: str) -> str:
    """``"mean"`` or ``"median"`` for an average type as written (``"Mean"``, ``"average"``)."""
    key = str(text).strip().lower()
    if key in ("mean", "average", "avg"):
        return "mean"
    if key == "median":
        return "median"
    raise DispersionError(f"unknown average type {text!r}; allowed: mean, median")


def _f(x: float) -> str:
    return f"{x:.4g}"


def _finite(name: str, x: float) -> float:
    x = float(x)
    if not math.isfinite(x):
        raise DispersionError(f"{name} must be a finite number (got {x})")
    return x


def _check_n(n: float, minimum: int, what: str) -> float:
    n = _finite("n", n)
    if n < minimum:
        raise DispersionError(f"{what} needs n >= {minimum} animals (got n = {_f(n)})")
    return n


def _nonneg(name: str, x: float) -> float:
    x = _finite(name, x)
    if x < 0:
        raise DispersionError(f"{name} must not be negative (got {_f(x)})")
    return x


def _ordered(names: tuple[str, ...], values: tuple[float, ...]) -> None:
    vals = [_finite(name, v) for name, v in zip(names, values, strict=True)]
    for i in range(1, len(vals)):
        if vals[i] < vals[i - 1]:
            raise DispersionError(f"{names[i]} ({_f(vals[i])}) is below {names[i - 1]} ({_f(vals[i - 1])}); "
                                  "they must be in increasing order")


def _dist() -> Any:
    """The normal and t quantiles of :mod:`painregen.meta.dist`, imported when a conversion first needs one (reading
    and importing a file need not wait for the meta-analysis package)."""
    from painregen.meta import dist

    return dist


def _xi(n: float) -> float:
    """Wan et al. 2014: ξ(n) = 2 Φ⁻¹((n − 0.375)/(n + 0.25)), expected range of n standard normals."""
    return float(2 * _dist().norm.ppf((n - 0.375) / (n + 0.25)))


def _eta(n: float) -> float:
    """Wan et al. 2014: η(n) = 2 Φ⁻¹((0.75n − 0.125)/(n + 0.25)), expected IQR of n standard normals."""
    return float(2 * _dist().norm.ppf((0.75 * n - 0.125) / (n + 0.25)))


def sd_from_sem(sem: float, n: float) -> SdConversion:
    """SD = SEM × √n (Cochrane Handbook 6.5.2.2)."""
    sem, n = _nonneg("SEM", sem), _check_n(n, 1, "SEM -> SD")
    sd = sem * math.sqrt(n)
    return SdConversion(sd, f"SD = SEM × √n = {_f(sem)} × √{_f(n)} = {_f(sd)}")


def sd_from_ci95_halfwidth(half_width: float, n: float) -> SdConversion:
    """SD = √n × half-width / t(0.975, n − 1) (Cochrane Handbook 6.5.2.2, t-based CI of a mean)."""
    h, n = _nonneg("95% CI half-width", half_width), _check_n(n, 2, "95% CI -> SD")
    t = float(_dist().t.ppf(0.975, n - 1))
    sd = math.sqrt(n) * h / t
    return SdConversion(sd, f"SD = √n × half-width / t(0.975, n−1) = √{_f(n)} × {_f(h)} / {_f(t)} = {_f(sd)}")


def sd_from_ci95(lower: float, upper: float, n: float) -> SdConversion:
    """SD = √n × (upper − lower) / (2 t(0.975, n − 1)) (Cochrane Handbook 6.5.2.2)."""
    _ordered(("95% CI lower limit", "95% CI upper limit"), (lower, upper))
    n = _check_n(n, 2, "95% CI -> SD")
    t = float(_dist().t.ppf(0.975, n - 1))
    sd = math.sqrt(n) * (upper - lower) / (2 * t)
    return SdConversion(sd, f"SD = √n × (upper − lower) / (2 × t(0.975, n−1)) = √{_f(n)} × ({_f(upper)} − "
                        f"{_f(lower)}) / (2 × {_f(t)}) = {_f(sd)}")


def sd_from_iqr(q1: float, q3: float, n: float) -> SdConversion:
    """SD ≈ (q3 − q1) / η(n), η(n) = 2 Φ⁻¹((0.75n − 0.125)/(n + 0.25)) (Wan et al. 2014, scenario C3)."""
    _ordered(("q1", "q3"), (q1, q3))
    n = _check_n(n, 2, "IQR -> SD")
    sd = (q3 - q1) / _eta(n)
    return SdConversion(sd, f"SD ≈ (q3 − q1) / (2 Φ⁻¹((0.75n − 0.125)/(n + 0.25))) = ({_f(q3)} − {_f(q1)}) / "
                        f"{_f(_eta(n))} = {_f(sd)} ({_WAN}, C3)")


def sd_from_range(minimum: float, maximum: float, n: float) -> SdConversion:
    """SD ≈ (max − min) / ξ(n), ξ(n) = 2 Φ⁻¹((n − 0.375)/(n + 0.25)) (Wan et al. 2014, scenario C1)."""
    _ordered(("minimum", "maximum"), (minimum, maximum))
    n = _check_n(n, 2, "range -> SD")
    sd = (maximum - minimum) / _xi(n)
    return SdConversion(sd, f"SD ≈ (max − min) / (2 Φ⁻¹((n − 0.375)/(n + 0.25))) = ({_f(maximum)} − "
                        f"{_f(minimum)}) / {_f(_xi(n))} = {_f(sd)} ({_WAN}, C1)")


def mean_sd_from_median_iqr(median: float, q1: float, q3: float, n: float) -> MeanSdConversion:
    """Mean ≈ (q1 + m + q3)/3 and SD ≈ (q3 − q1)/η(n) (Wan et al. 2014, scenario C3)."""
    _ordered(("q1", "median", "q3"), (q1, median, q3))
    sd = sd_from_iqr(q1, q3, n)
    mean = (q1 + median + q3) / 3
    return MeanSdConversion(mean, sd.sd, f"mean ≈ (q1 + median + q3)/3 = ({_f(q1)} + {_f(median)} + {_f(q3)})/3"
                            f" = {_f(mean)}; {sd.method}")


def mean_sd_from_median_range(median: float, minimum: float, maximum: float, n: float) -> MeanSdConversion:
    """Mean ≈ (a + 2m + b)/4 (Hozo et al. 2005) and SD ≈ (b − a)/ξ(n) (Wan et al. 2014, scenario C1)."""
    _ordered(("minimum", "median", "maximum"), (minimum, median, maximum))
    sd = sd_from_range(minimum, maximum, n)
    mean = (minimum + 2 * median + maximum) / 4
    return MeanSdConversion(mean, sd.sd, f"mean ≈ (min + 2 × median + max)/4 = ({_f(minimum)} + 2 × "
                            f"{_f(median)} + {_f(maximum)})/4 = {_f(mean)}; {sd.method}")


def mean_sd_from_five_numbers(minimum: float, q1: float, median: float, q3: float, maximum: float,
                              n: float) -> MeanSdConversion:
    """Wan et al. 2014, scenario C2 (min, q1, median, q3, max):

    mean ≈ (a + 2q1 + 2m + 2q3 + b)/8 and SD ≈ (b − a)/(2ξ(n)) + (q3 − q1)/(2η(n)).
    """
    _ordered(("minimum", "q1", "median", "q3", "maximum"), (minimum, q1, median, q3, maximum))
    n = _check_n(n, 2, "five-number summary -> SD")
    mean = (minimum + 2 * q1 + 2 * median + 2 * q3 + maximum) / 8
    sd = (maximum - minimum) / (2 * _xi(n)) + (q3 - q1) / (2 * _eta(n))
    return MeanSdConversion(mean, sd, f"mean ≈ (min + 2q1 + 2 × median + 2q3 + max)/8 = {_f(mean)}; SD ≈ "
                            f"(max − min)/(4 Φ⁻¹((n − 0.375)/(n + 0.25))) + (q3 − q1)/(4 Φ⁻¹((0.75n − 0.125)/"
                            f"(n + 0.25))) = {_f(maximum - minimum)}/{_f(2 * _xi(n))} + {_f(q3 - q1)}/"
                            f"{_f(2 * _eta(n))} = {_f(sd)} ({_WAN}, C2)")


def _ci_half_width(error: float | None, lower: float | None, upper: float | None,
                   mean: float | None) -> float:
    if mean is not None and lower is not None and upper is not None:
        _ordered(("95% CI lower limit", "mean", "95% CI upper limit"), (lower, mean, upper))
    if lower is not None and upper is not None:
        _ordered(("95% CI lower limit", "95% CI upper limit"), (lower, upper))
        return (upper - lower) / 2
    if error is not None:
        return _nonneg("95% CI half-width", error)
    limit = lower if lower is not None else upper
    if mean is not None and limit is not None:
        return abs(_finite("95% CI limit", limit) - _finite("mean", mean))
    raise DispersionError("CI95 needs lower and upper, or error (the half-width), or one limit and the mean")


def to_sd(error_type: str, *, error: float | None = None, lower: float | None = None,
          upper: float | None = None, n: float, mean: float | None = None) -> SdConversion:
    """Standard deviation from any reported error type.

    ``error`` is the single reported number: the SD, the SEM, the 95% CI half-width, the IQR width
    (q3 − q1) or the range width (max − min). ``lower``/``upper`` are the 95% CI limits, q1/q3 or
    min/max. For CI95 one limit with ``mean`` also works (a one-sided error bar).
    """
    kind = normalise_error_type(error_type)
    if kind in ("SD", "SEM"):
        if error is None or lower is not None or upper is not None:
            raise DispersionError(f"{kind} takes `error` (the reported {kind}), not lower/upper")
        if kind == "SEM":
            return sd_from_sem(error, n)
        sd = _nonneg("SD", error)
        _check_n(n, 1, "SD")
        return SdConversion(sd, f"SD reported: SD = {_f(sd)}")
    if kind == "CI95":
        if lower is not None and upper is not None:
            _ci_half_width(error, lower, upper, mean)
            return sd_from_ci95(lower, upper, n)
        return sd_from_ci95_halfwidth(_ci_half_width(error, lower, upper, mean), n)
    bounds = ("q1", "q3") if kind == "IQR" else ("minimum", "maximum")
    if lower is not None and upper is not None:
        return sd_from_iqr(lower, upper, n) if kind == "IQR" else sd_from_range(lower, upper, n)
    if error is None or lower is not None or upper is not None:
        raise DispersionError(f"{kind} needs lower and upper ({bounds[0]} and {bounds[1]}) or error (the width)")
    width = _nonneg(f"{kind} width", error)
    n = _check_n(n, 2, f"{kind} -> SD")
    div, name, form = (_eta(n), "C3", "(0.75n − 0.125)") if kind == "IQR" else (_xi(n), "C1", "(n − 0.375)")
    sd = width / div
    return SdConversion(sd, f"SD ≈ {kind} width / (2 Φ⁻¹({form}/(n + 0.25))) = {_f(width)} / {_f(div)} = "
                        f"{_f(sd)} ({_WAN}, {name})")


def to_mean_sd(average_type: str, average: float, error_type: str, *, error: float | None = None,
               lower: float | None = None, upper: float | None = None, n: float,
               minimum: float | None = None, maximum: float | None = None) -> MeanSdConversion:
    """Mean and SD from a reported average (mean or median) and its error.

    A mean keeps its value and its error goes through :func:`to_sd`. A median is converted with
    Wan et al. 2014: IQR (``lower``/``upper`` = q1/q3) -> C3; range (``lower``/``upper`` = min/max)
    -> C1; IQR plus ``minimum``/``maximum`` -> C2. A median with SD, SEM or CI cannot be converted.
    """
    avg_kind = normalise_average_type(average_type)
    kind = normalise_error_type(error_type)
    average = _finite(avg_kind, average)
    if avg_kind == "mean":
        if minimum is not None or maximum is not None:
            raise DispersionError("minimum/maximum are only used with a median and an IQR (Wan et al. C2)")
        sd = to_sd(kind, error=error, lower=lower, upper=upper, n=n, mean=average)
        return MeanSdConversion(average, sd.sd, f"mean reported: mean = {_f(average)}; {sd.method}")
    if kind not in ("IQR", "range"):
        raise DispersionError(f"a median reported with {kind} cannot be converted to a mean and SD; "
                              "Wan et al. 2014 needs the IQR (q1, q3) and/or the range (min, max)")
    if lower is None or upper is None:
        bounds = "q1 and q3" if kind == "IQR" else "minimum and maximum"
        raise DispersionError(f"converting a median needs lower and upper ({bounds}), not only a width")
    if kind == "range":
        if minimum is not None or maximum is not None:
            raise DispersionError("for a range give min/max as lower/upper; minimum/maximum go with an IQR")
        return mean_sd_from_median_range(average, lower, upper, n)
    if minimum is None and maximum is None:
        return mean_sd_from_median_iqr(average, lower, upper, n)
    if minimum is None or maximum is None:
        raise DispersionError("give both minimum and maximum with the IQR (Wan et al. C2), or neither")
    return mean_sd_from_five_numbers(minimum, lower, average, upper, maximum, n)

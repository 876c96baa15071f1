"""Standardised mean differences: Hedges' g (SMD, two variants) and the heteroscedastic SMDH.

Group 1 is the treated group, group 2 its control; inputs are 1-D float arrays of one length.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy.special import gammaln

from painregen.effects.base import BoolArray, Computed, FloatArray, RowCondition
from painregen.effects.continuous import MEANS_SDS_NS
from painregen.effects.measures import Measure, Variant, register_measure

SE_AS_SD_LIMIT = 2.0
"""|SMD| above this is flagged: a common cause is a standard error entered as a standard deviation."""


def hedges_j(m: FloatArray) -> FloatArray:
    """Exact small-sample correction factor of Hedges (1981), computed on the log-gamma scale.

    ``J(m) = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2))``, evaluated as
    ``exp(lgamma(m/2) - log(sqrt(m/2)) - lgamma((m-1)/2))`` for ``m > 1``; NaN otherwise.
    Source: Hedges LV (1981) J Educ Stat 6:107-128, eq. 6e; the same form as metafor.
    """
    m = np.asarray(m, dtype=float)
    out = np.full(m.shape, np.nan)
    ok = m > 1
    mo = m[ok]
    out[ok] = np.exp(gammaln(mo / 2) - np.log(np.sqrt(mo / 2)) - gammaln((mo - 1) / 2))
    return out


def camarades_j(n_total: FloatArray) -> FloatArray:
    """Approximate correction ``J = 1 - 3/(4N - 9)``, ``N = n1 + n2``.

    Source: Vesterinen HM et al. (2014) J Neurosci Methods 221:92-102 (Hedges' g as CAMARADES
    computes it; also RevMan's formula).
    """
    return 1.0 - 3.0 / (4.0 * n_total - 9.0)


def pooled_sd(sd1i: FloatArray, n1i: FloatArray, sd2i: FloatArray, n2i: FloatArray) -> FloatArray:
    """``sqrt(((n1-1) sd1^2 + (n2-1) sd2^2) / (n1 + n2 - 2))`` (Hedges 1981; metafor ``sdpi``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.sqrt(((n1i - 1) * sd1i**2 + (n2i - 1) * sd2i**2) / (n1i + n2i - 2))


def smd_hedges(m1i: FloatArray, sd1i: FloatArray, n1i: FloatArray,
               m2i: FloatArray, sd2i: FloatArray, n2i: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Hedges' g with the exact correction and the usual large-sample variance.

    ``yi = J(n1+n2-2) (m1i - m2i)/sdpi``; ``vi = 1/n1i + 1/n2i + yi^2/(2(n1i+n2i))``.
    Source: Hedges (1981); Hedges (1982) Psychol Bull 92:490-499, eq. 8; metafor
    ``escalc(measure="SMD")`` defaults (``vtype="LS"``).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        yi = hedges_j(n1i + n2i - 2) * (m1i - m2i) / pooled_sd(sd1i, n1i, sd2i, n2i)
        return yi, 1 / n1i + 1 / n2i + yi**2 / (2 * (n1i + n2i))


def smd_camarades(m1i: FloatArray, sd1i: FloatArray, n1i: FloatArray,
                  m2i: FloatArray, sd2i: FloatArray, n2i: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Hedges' g as CAMARADES computes it (approximate correction, ``N - 3.94`` variance).

    With ``N = n1i + n2i``: ``yi = (1 - 3/(4N - 9)) (m1i - m2i)/sdpi`` and
    ``vi = N/(n1i n2i) + yi^2/(2(N - 3.94))``.
    Source: Vesterinen HM et al. (2014) Meta-analysis of data from animal studies: a practical
    guide. J Neurosci Methods 221:92-102 (standardised mean difference section).
    """
    n_total = n1i + n2i
    with np.errstate(divide="ignore", invalid="ignore"):
        yi = camarades_j(n_total) * (m1i - m2i) / pooled_sd(sd1i, n1i, sd2i, n2i)
        return yi, n_total / (n1i * n2i) + yi**2 / (2 * (n_total - 3.94))


def smdh(m1i: FloatArray, sd1i: FloatArray, n1i: FloatArray,
         m2i: FloatArray, sd2i: FloatArray, n2i: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Standardised mean difference without assuming equal variances.

    ``sdpi = sqrt((sd1i^2 + sd2i^2)/2)``, ``J = J(n1i+n2i-2)`` (exact), ``yi = J (m1i-m2i)/sdpi``;
    ``vi = J^2 [yi^2 (sd1i^4/(n1i-1) + sd2i^4/(n2i-1)) / (8 sdpi^4)
    + (sd1i^2/(n1i-1) + sd2i^2/(n2i-1)) / sdpi^2]``, i.e. J^2 times Bonett's variance of the
    uncorrected estimate, evaluated at the corrected one.
    Source: Bonett DG (2008) Psychol Methods 13:99-109; Bonett (2009) Psychol Methods 14:225-238;
    metafor ``escalc(measure="SMDH")`` (variance form checked numerically against metafor 3.8-1).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        sdpi2 = (sd1i**2 + sd2i**2) / 2
        j = hedges_j(n1i + n2i - 2)
        yi = j * (m1i - m2i) / np.sqrt(sdpi2)
        a = (sd1i**4 / (n1i - 1) + sd2i**4 / (n2i - 1)) / (8 * sdpi2**2)
        b = (sd1i**2 / (n1i - 1) + sd2i**2 / (n2i - 1)) / sdpi2
        return yi, j**2 * (yi**2 * a + b)


def _se_as_sd_flag(yi: FloatArray) -> RowCondition:
    with np.errstate(invalid="ignore"):
        big: BoolArray = np.abs(yi) > SE_AS_SD_LIMIT
    return RowCondition(big, "se_as_sd",
                        f"|SMD| > {SE_AS_SD_LIMIT:g}: check that SDs were not standard errors")


def _compute_smd(data: Mapping[str, FloatArray], variant: str, options: Mapping[str, Any]) -> Computed:
    args = [data[k] for k in MEANS_SDS_NS]
    yi, vi = smd_camarades(*args) if variant == "camarades" else smd_hedges(*args)
    n1, n2 = data["n1i"], data["n2i"]
    sdp = pooled_sd(data["sd1i"], n1, data["sd2i"], n2)
    return Computed(
        yi=yi, vi=vi,
        undefined=(
            RowCondition(n1 + n2 < 4, "undefined",
                         "SMD needs n1i + n2i >= 4 (small-sample correction undefined)"),
            RowCondition(sdp == 0, "undefined", "pooled SD is zero"),
        ),
        flags=(_se_as_sd_flag(yi),),
    )


def _compute_smdh(data: Mapping[str, FloatArray], variant: str, options: Mapping[str, Any]) -> Computed:
    yi, vi = smdh(*(data[k] for k in MEANS_SDS_NS))
    n1, n2 = data["n1i"], data["n2i"]
    return Computed(
        yi=yi, vi=vi,
        undefined=(
            RowCondition((n1 < 2) | (n2 < 2), "undefined", "SMDH needs at least 2 animals per group"),
            RowCondition((data["sd1i"] == 0) & (data["sd2i"] == 0), "undefined", "both SDs are zero"),
        ),
        flags=(_se_as_sd_flag(yi),),
    )


register_measure(Measure(
    code="SMD",
    display_name="Standardised mean difference (Hedges' g)",
    citation="Hedges LV (1981) Distribution theory for Glass's estimator of effect size and related "
             "estimators. J Educ Stat 6:107-128",
    formula="yi = J (m1i - m2i)/sdpi; see variants",
    inputs=MEANS_SDS_NS,
    compute=_compute_smd,
    variants=(
        Variant("hedges", "Hedges' g (exact J, large-sample variance)",
                "Hedges (1981) J Educ Stat 6:107-128; Hedges (1982) Psychol Bull 92:490-499, eq. 8",
                "J = exp(lgamma(m/2) - log(sqrt(m/2)) - lgamma((m-1)/2)), m = n1i+n2i-2; "
                "vi = 1/n1i + 1/n2i + yi^2/(2(n1i+n2i))"),
        Variant("camarades", "Hedges' g as CAMARADES computes it",
                "Vesterinen HM et al. (2014) Meta-analysis of data from animal studies: a practical "
                "guide. J Neurosci Methods 221:92-102",
                "J = 1 - 3/(4N - 9), N = n1i+n2i; vi = N/(n1i n2i) + yi^2/(2(N - 3.94))"),
    ),
    metafor_names={"hedges": "SMD"},
))

register_measure(Measure(
    code="SMDH",
    display_name="Standardised mean difference, heteroscedastic",
    citation="Bonett DG (2009) Meta-analytic interval estimation for standardized and "
             "unstandardized mean differences. Psychol Methods 14:225-238",
    formula="yi = J (m1i - m2i)/sqrt((sd1i^2 + sd2i^2)/2); vi = J^2 [yi^2 (sd1i^4/(n1i-1) + "
            "sd2i^4/(n2i-1))/(8 sdpi^4) + (sd1i^2/(n1i-1) + sd2i^2/(n2i-1))/sdpi^2]",
    inputs=MEANS_SDS_NS,
    compute=_compute_smdh,
    metafor_names={"": "SMDH"},
))

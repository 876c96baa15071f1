"""Raw mean difference (MD) and log ratio of means (ROM) for two independent groups.

Group 1 is the treated group, group 2 its control; all inputs are 1-D float arrays of one length.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from painregen.effects.base import Computed, FloatArray, RowCondition
from painregen.effects.measures import Measure, Variant, register_measure

MEANS_SDS_NS = ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")


def md(m1i: FloatArray, sd1i: FloatArray, n1i: FloatArray,
       m2i: FloatArray, sd2i: FloatArray, n2i: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Raw mean difference and its heteroscedastic sampling variance.

    ``yi = m1i - m2i``; ``vi = sd1i^2/n1i + sd2i^2/n2i``.
    Source: Borenstein (2009) eq. 12.5, metafor ``escalc(measure="MD")`` default ``vtype="LS"``.
    """
    return m1i - m2i, sd1i**2 / n1i + sd2i**2 / n2i


def rom(m1i: FloatArray, sd1i: FloatArray, n1i: FloatArray,
        m2i: FloatArray, sd2i: FloatArray, n2i: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Log ratio of means (log response ratio) and its large-sample variance.

    ``yi = log(m1i/m2i)``; ``vi = sd1i^2/(n1i m1i^2) + sd2i^2/(n2i m2i^2)``.
    Source: Hedges, Gurevitch & Curtis (1999) Ecology 80:1150, eq. 1; metafor
    ``escalc(measure="ROM")`` default ``vtype="LS"``. Needs positive means.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(m1i / m2i), sd1i**2 / (n1i * m1i**2) + sd2i**2 / (n2i * m2i**2)


def rom_bias_corrected(m1i: FloatArray, sd1i: FloatArray, n1i: FloatArray,
                       m2i: FloatArray, sd2i: FloatArray, n2i: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Log ratio of means with Lajeunesse's second-order bias correction.

    With ``c_j = sd_j^2/(n_j m_j^2)``:
    ``yi = log(m1i/m2i) + (c_1 - c_2)/2`` and ``vi = c_1 + c_2 + (c_1^2 + c_2^2)/2``.
    Source: Lajeunesse (2015) Ecology 96:2056-2063, eqs. 8 (estimator) and 9 (variance).
    Not in metafor 3.8 (its ``"ROMC"`` is the matched-pairs ROM of Lajeunesse 2011).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        c1 = sd1i**2 / (n1i * m1i**2)
        c2 = sd2i**2 / (n2i * m2i**2)
        return np.log(m1i / m2i) + 0.5 * (c1 - c2), c1 + c2 + 0.5 * (c1**2 + c2**2)


def _compute_md(data: Mapping[str, FloatArray], variant: str, options: Mapping[str, Any]) -> Computed:
    yi, vi = md(*(data[k] for k in MEANS_SDS_NS))
    return Computed(yi=yi, vi=vi)


def _compute_rom(data: Mapping[str, FloatArray], variant: str, options: Mapping[str, Any]) -> Computed:
    args = [data[k] for k in MEANS_SDS_NS]
    yi, vi = rom_bias_corrected(*args) if variant == "bias_corrected" else rom(*args)
    nonpositive = (data["m1i"] <= 0) | (data["m2i"] <= 0)
    return Computed(
        yi=yi,
        vi=vi,
        undefined=(RowCondition(nonpositive, "undefined",
                                "ratio of means needs positive means in both groups"),),
    )


register_measure(Measure(
    code="MD",
    display_name="Mean difference",
    citation="Borenstein M (2009) Effect sizes for continuous data. In: The Handbook of Research "
             "Synthesis and Meta-Analysis, 2nd ed., eqs. 12.1 and 12.5",
    formula="yi = m1i - m2i; vi = sd1i^2/n1i + sd2i^2/n2i",
    inputs=MEANS_SDS_NS,
    compute=_compute_md,
    metafor_names={"": "MD"},
))

register_measure(Measure(
    code="ROM",
    display_name="Log ratio of means",
    citation="Hedges LV, Gurevitch J, Curtis PS (1999) The meta-analysis of response ratios in "
             "experimental ecology. Ecology 80:1150-1156",
    formula="yi = log(m1i/m2i); vi = sd1i^2/(n1i m1i^2) + sd2i^2/(n2i m2i^2)",
    inputs=MEANS_SDS_NS,
    compute=_compute_rom,
    variants=(
        Variant("plain", "Log ratio of means",
                "Hedges LV, Gurevitch J, Curtis PS (1999) Ecology 80:1150-1156, eq. 1",
                "yi = log(m1i/m2i); vi = c1 + c2, c_j = sd_j^2/(n_j m_j^2)"),
        Variant("bias_corrected", "Log ratio of means, bias-corrected",
                "Lajeunesse MJ (2015) Bias and correction for the log response ratio in ecological "
                "meta-analysis. Ecology 96:2056-2063, eqs. 8-9",
                "yi = log(m1i/m2i) + (c1 - c2)/2; vi = c1 + c2 + (c1^2 + c2^2)/2"),
    ),
    metafor_names={"plain": "ROM"},
))

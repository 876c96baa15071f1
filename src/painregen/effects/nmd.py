"""Normalised mean difference (NMD): the share of the injury deficit that treatment recovered.

Group 1 is the treated group, group 2 the injured control given vehicle, and ``msham`` the mean
of sham-operated (or naive) animals, i.e. the level a fully effective treatment would restore.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from painregen.effects.base import Computed, FloatArray, RowCondition
from painregen.effects.continuous import MEANS_SDS_NS
from painregen.effects.measures import Measure, Variant, register_measure


def nmd(m1i: FloatArray, sd1i: FloatArray, n1i: FloatArray,
        m2i: FloatArray, sd2i: FloatArray, n2i: FloatArray,
        msham: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Normalised mean difference in percent, with the variance CAMARADES uses.

    With the deficit ``D = msham - m2i``:
    ``yi = 100 (m1i - m2i) / D``; each group's SD as a percentage of the deficit,
    ``sd_j% = 100 sd_j / |D|``; ``vi = sd1%^2/n1i + sd2%^2/n2i``.
    The sham mean is treated as a fixed reference (its sampling error is ignored).
    ``yi`` is oriented by construction: 100 means the treated group reached the sham level,
    0 means no difference from control, negative means worse than control, whatever the
    direction of the scale.
    Source: Vesterinen HM et al. (2014) Meta-analysis of data from animal studies: a practical
    guide. J Neurosci Methods 221:92-102 (normalised mean difference section), where
    ``ES = 100% (x_c - x_rx)/(x_c - x_sham)`` and ``SD* = 100% SD/(x_c - x_sham)``.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        deficit = msham - m2i
        yi = 100.0 * (m1i - m2i) / deficit
        scale = 100.0 / np.abs(deficit)
        return yi, (scale * sd1i) ** 2 / n1i + (scale * sd2i) ** 2 / n2i


def nmd_delta(m1i: FloatArray, sd1i: FloatArray, n1i: FloatArray,
              m2i: FloatArray, sd2i: FloatArray, n2i: FloatArray,
              msham: FloatArray, sdsham: FloatArray, nsham: FloatArray) -> tuple[FloatArray, FloatArray]:
    """NMD with a first-order delta-method variance that also counts the sham and control means'
    error in the denominator.

    ``yi`` as in :func:`nmd`. With ``D = msham - m2i`` and ``v_j = sd_j^2/n_j``:
    ``vi = (100/D)^2 [v1 + ((m1i - msham)/D)^2 v2 + ((m1i - m2i)/D)^2 vsham]``, from the partial
    derivatives of ``100 (m1 - m2)/(msham - m2)`` with respect to ``m1``, ``m2`` and ``msham`` and
    independent groups. Source: the delta method (e.g. Casella G & Berger RL, Statistical
    Inference, 2nd ed., 2002, Theorem 5.5.24) applied to Vesterinen et al.'s (2014) ratio.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        deficit = msham - m2i
        yi = 100.0 * (m1i - m2i) / deficit
        v1, v2, vs = sd1i**2 / n1i, sd2i**2 / n2i, sdsham**2 / nsham
        vi = (100.0 / deficit) ** 2 * (v1 + ((m1i - msham) / deficit) ** 2 * v2
                                       + ((m1i - m2i) / deficit) ** 2 * vs)
        return yi, vi


def _compute_nmd(data: Mapping[str, FloatArray], variant: str, options: Mapping[str, Any]) -> Computed:
    d = data
    if variant == "delta":
        yi, vi = nmd_delta(d["m1i"], d["sd1i"], d["n1i"], d["m2i"], d["sd2i"], d["n2i"],
                           d["msham"], d["sdsham"], d["nsham"])
    else:
        yi, vi = nmd(d["m1i"], d["sd1i"], d["n1i"], d["m2i"], d["sd2i"], d["n2i"], d["msham"])
    no_deficit = data["msham"] == data["m2i"]
    return Computed(
        yi=yi, vi=vi,
        undefined=(RowCondition(no_deficit, "undefined",
                                "control mean equals sham mean: no deficit to normalise by"),),
    )


register_measure(Measure(
    code="NMD",
    display_name="Normalised mean difference (% of deficit recovered)",
    citation="Vesterinen HM, Sena ES, Egan KJ, et al. (2014) Meta-analysis of data from animal "
             "studies: a practical guide. J Neurosci Methods 221:92-102",
    formula="yi = 100 (m1i - m2i)/(msham - m2i); vi = sd1%^2/n1i + sd2%^2/n2i, "
            "sd_j% = 100 sd_j/|msham - m2i|",
    inputs=(*MEANS_SDS_NS, "msham"),
    compute=_compute_nmd,
    variants=(
        Variant("vesterinen", "NMD (sham mean as fixed reference)",
                "Vesterinen HM et al. (2014) J Neurosci Methods 221:92-102",
                "vi = sd1%^2/n1i + sd2%^2/n2i"),
        Variant("delta", "NMD, delta-method variance including sham and control mean error",
                "Delta method (Casella & Berger 2002, Thm 5.5.24) on Vesterinen et al.'s (2014) ratio",
                "vi = (100/D)^2 [v1 + ((m1i-msham)/D)^2 v2 + ((m1i-m2i)/D)^2 vsham], D = msham - m2i",
                extra_inputs=("sdsham", "nsham")),
    ),
    orientation="intrinsic",
))

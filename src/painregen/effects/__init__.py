"""Effect sizes: per-comparison ``yi`` and ``vi`` from group summaries (metafor's ``escalc``).

Public API::

    escalc(measure, *, m1i, sd1i, n1i, m2i, sd2i, n2i, se1i, se2i, msham, sdsham, nsham,
           ai, bi, ci, di, variant=None, **options) -> EscalcResult
    measures() -> list[Measure]            # registered measures, display names, citations
    orient(yi, greater_is_worse) -> ...    # positive = treated better
    collapse(time, yi, vi, method)         # last / peak / auc over timepoints

Built-in measures register themselves on import (MD, ROM, SMD, SMDH, NMD, OR, RR, RD); an
extension registers its own with :func:`register_measure`. See docs/effects.md.
"""

# isort: off
# Built-in measures register on import; this order is the order measures() lists them in.
from painregen.effects import continuous as _continuous  # MD, ROM
from painregen.effects import smd as _smd  # SMD, SMDH
from painregen.effects import nmd as _nmd  # NMD
from painregen.effects import binary as _binary  # OR, RR, RD
# isort: on
from painregen.effects.base import Computed, EffectInputError, RowCondition, RowWarning
from painregen.effects.collapse import CollapsedEffect, collapse, collapse_by, trapezoid_weights
from painregen.effects.covariance import VcovBlock, shared_control_vcov
from painregen.effects.escalc import EscalcResult, escalc
from painregen.effects.measures import (
    Measure,
    Variant,
    get_measure,
    measures,
    register_measure,
    unregister_measure,
)
from painregen.effects.orient import orient
from painregen.effects.smd import hedges_j

del _binary, _continuous, _nmd, _smd

__all__ = [
    "CollapsedEffect",
    "Computed",
    "EffectInputError",
    "EscalcResult",
    "Measure",
    "RowCondition",
    "RowWarning",
    "Variant",
    "VcovBlock",
    "collapse",
    "collapse_by",
    "escalc",
    "get_measure",
    "hedges_j",
    "measures",
    "orient",
    "register_measure",
    "shared_control_vcov",
    "trapezoid_weights",
    "unregister_measure",
]

"""Meta-analysis: pooling, heterogeneity, subgroups, meta-regression, multilevel models, bias.

Definitions follow R's metafor (Viechtbauer 2010); see docs/meta.md for the name mapping.
"""

from painregen.meta.control import ConvergenceError, Control
from painregen.meta.predict import Prediction, predict
from painregen.meta.qprofile import Tau2Interval, confint_tau2
from painregen.meta.results import RmaResult
from painregen.meta.rma import rma
from painregen.meta.tau2 import TAU2_ESTIMATORS

__all__ = [
    "TAU2_ESTIMATORS",
    "ConvergenceError",
    "Control",
    "Prediction",
    "RmaResult",
    "Tau2Interval",
    "confint_tau2",
    "predict",
    "rma",
]

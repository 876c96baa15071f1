"""Meta-analysis: pooling, heterogeneity, subgroups, meta-regression, multilevel models, bias.

Definitions follow R's metafor (Viechtbauer 2010); see docs/meta.md for the name mapping.
"""

from painregen.meta.bias import RanktestResult, RegtestResult, fsn, ranktest, regtest
from painregen.meta.control import ConvergenceError, Control
from painregen.meta.influence import Influence, LeaveOneOut, influence, leave1out
from painregen.meta.permutation import PermutestResult, permutest
from painregen.meta.predict import Prediction, predict
from painregen.meta.qprofile import Tau2Interval, confint_tau2
from painregen.meta.results import RmaResult
from painregen.meta.rma import rma
from painregen.meta.subgroup import QPartition, SubgroupResult, partition_q, stratified_partitions, subgroup
from painregen.meta.tau2 import TAU2_ESTIMATORS
from painregen.meta.trimfill import TrimfillResult, trimfill

__all__ = [
    "TAU2_ESTIMATORS",
    "ConvergenceError",
    "Control",
    "Influence",
    "LeaveOneOut",
    "PermutestResult",
    "Prediction",
    "QPartition",
    "SubgroupResult",
    "RanktestResult",
    "RegtestResult",
    "RmaResult",
    "Tau2Interval",
    "TrimfillResult",
    "confint_tau2",
    "fsn",
    "influence",
    "leave1out",
    "partition_q",
    "permutest",
    "predict",
    "ranktest",
    "regtest",
    "rma",
    "stratified_partitions",
    "subgroup",
    "trimfill",
]

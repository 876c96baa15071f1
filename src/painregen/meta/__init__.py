"""Meta-analysis: pooling, heterogeneity, subgroups, meta-regression, multilevel models, bias.

Definitions follow R's metafor (Viechtbauer 2010); see docs/meta.md for the name mapping.
"""

from painregen.meta.anova import Comparison, FitStats, Hypotheses, compare, fitstats, linear_hypotheses
from painregen.meta.bias import RanktestResult, RegtestResult, fsn, ranktest, regtest
from painregen.meta.bias_report import BiasReport, bias_report
from painregen.meta.control import Control, ConvergenceError
from painregen.meta.influence import Influence, LeaveOneOut, influence, leave1out
from painregen.meta.mh import MhResult, rma_mh
from painregen.meta.multilevel import rma_mv
from painregen.meta.mvmeta import MvMetaResult, mvmeta
from painregen.meta.permutation import PermutestResult, permutest
from painregen.meta.peto import rma_peto
from painregen.meta.predict import Prediction, predict
from painregen.meta.qprofile import Tau2Interval, confint_tau2
from painregen.meta.results import RmaResult
from painregen.meta.results_mv import RmaMvResult
from painregen.meta.rma import rma
from painregen.meta.robust import RobustResult, robust
from painregen.meta.subgroup import QPartition, SubgroupResult, partition_q, stratified_partitions, subgroup
from painregen.meta.tau2 import TAU2_ESTIMATORS
from painregen.meta.trimfill import TrimfillResult, trimfill

__all__ = [
    "TAU2_ESTIMATORS",
    "BiasReport",
    "Comparison",
    "Control",
    "ConvergenceError",
    "FitStats",
    "Hypotheses",
    "Influence",
    "LeaveOneOut",
    "MhResult",
    "MvMetaResult",
    "PermutestResult",
    "Prediction",
    "QPartition",
    "RanktestResult",
    "RegtestResult",
    "RmaMvResult",
    "RmaResult",
    "RobustResult",
    "SubgroupResult",
    "Tau2Interval",
    "TrimfillResult",
    "bias_report",
    "compare",
    "confint_tau2",
    "fitstats",
    "fsn",
    "influence",
    "leave1out",
    "linear_hypotheses",
    "mvmeta",
    "partition_q",
    "permutest",
    "predict",
    "ranktest",
    "regtest",
    "rma",
    "rma_mh",
    "rma_mv",
    "rma_peto",
    "robust",
    "stratified_partitions",
    "subgroup",
    "trimfill",
]

"""Meta-analysis: pooling, heterogeneity, subgroups, meta-regression, multilevel models, bias.

Definitions follow R's metafor (Viechtbauer 2010); see docs/meta.md for the name mapping.

The names below load their submodule on first use (PEP 562), so that importing one tool does not import them
all (scipy.stats, pandas, ...): ``from painregen.meta import rma`` loads only what ``rma`` needs.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

#: public name -> the submodule that defines it
_SOURCES: dict[str, str] = {
    "Comparison": "anova",
    "FitStats": "anova",
    "Hypotheses": "anova",
    "compare": "anova",
    "fitstats": "anova",
    "linear_hypotheses": "anova",
    "RanktestResult": "bias",
    "RegtestResult": "bias",
    "fsn": "bias",
    "ranktest": "bias",
    "regtest": "bias",
    "BiasReport": "bias_report",
    "bias_report": "bias_report",
    "Control": "control",
    "ConvergenceError": "control",
    "Influence": "influence",
    "LeaveOneOut": "influence",
    "influence": "influence",
    "leave1out": "influence",
    "MhResult": "mh",
    "rma_mh": "mh",
    "rma_mv": "multilevel",
    "MvMetaResult": "mvmeta",
    "mvmeta": "mvmeta",
    "PermutestResult": "permutation",
    "permutest": "permutation",
    "rma_peto": "peto",
    "Prediction": "predict",
    "predict": "predict",
    "Tau2Interval": "qprofile",
    "confint_tau2": "qprofile",
    "RmaResult": "results",
    "RmaMvResult": "results_mv",
    "rma": "rma",
    "RobustResult": "robust",
    "robust": "robust",
    "QPartition": "subgroup",
    "SubgroupResult": "subgroup",
    "partition_q": "subgroup",
    "stratified_partitions": "subgroup",
    "subgroup": "subgroup",
    "TAU2_ESTIMATORS": "tau2",
    "TrimfillResult": "trimfill",
    "trimfill": "trimfill",
}

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


def __getattr__(name: str) -> Any:
    """A public name, imported from its submodule on first access and then cached; or a submodule (``results``)."""
    source = _SOURCES.get(name)
    if source is None:
        if importlib.util.find_spec(f"{__name__}.{name}") is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        return importlib.import_module(f"{__name__}.{name}")
    value = getattr(importlib.import_module(f"{__name__}.{source}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


class _Package(types.ModuleType):
    """This package. The import system binds each loaded submodule to an attribute of its package; five submodules
    are named like the function they define (``rma``, ``influence``, ``predict``, ``robust``, ``subgroup``), and
    the package attribute stays the function, as ``from painregen.meta.rma import rma`` in an eager
    ``__init__`` made it."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _SOURCES.get(name) == name \
                and value.__name__ == f"{__name__}.{name}":
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

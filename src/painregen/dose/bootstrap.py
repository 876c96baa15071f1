"""Parametric bootstrap of dose estimates: resample the group means, refit, recompute MED and ED_p.

Replicate group means are drawn from their estimated sampling distribution ``N(ybar, S)``, the selected
family is refitted to every replicate at once (:func:`painregen.dose.vp.fit_batch`) and the target
doses are recomputed (:func:`painregen.dose.target_dose.td_batch`, ``ed_batch``).  Percentile
intervals follow Efron & Tibshirani (1993, *An Introduction to the Bootstrap*, ch. 13).  A TD that a
replicate curve never reaches inside the tested range counts as +infinity, so an upper limit may be
"not reached" (None).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .data import DoseData
from .model_defs import get_model
from .models import Array
from .mods import Direction
from .results import FitResult
from .target_dose import ed_batch, td_batch
from .vp import fit_batch


@dataclass(frozen=True, eq=False)
class BootstrapDoses:
    """Replicate MEDs (``inf`` = not reached, NaN when no Delta) and saturation doses, shape (B,)."""

    med: Array
    saturation: Array

    @staticmethod
    def interval(values: Array, level: float = 0.95) -> tuple[float | None, float | None]:
        """Percentile interval; ``None`` for a limit that is not reached (infinite) or undefined."""
        v = values[~np.isnan(values)]
        if v.size == 0:
            return None, None
        with np.errstate(invalid="ignore"):
            lo, hi = np.nan_to_num(np.quantile(v, [(1 - level) / 2, (1 + level) / 2]), nan=np.inf)
        return (float(lo) if np.isfinite(lo) else None, float(hi) if np.isfinite(hi) else None)


def bootstrap_doses(
    data: DoseData, fit: FitResult, *, delta: float | None, p: float, direction: Direction,
    n_boot: int = 1000, seed: int = 2014,
) -> BootstrapDoses:
    """Resample means ``N(ybar, S)``, refit ``fit``'s family, return replicate MED and ED_p."""
    rng = np.random.default_rng(seed)
    means = rng.multivariate_normal(data.means, data.cov, size=n_boot, method="cholesky")
    mdef = get_model(fit.model)
    bounds = fit.bounds if fit.bounds.size else None
    coefs, _ = fit_batch(mdef, data.doses, means, data.weight_matrix(), bounds, fit.fixed)
    max_dose = data.max_dose
    sat = ed_batch(mdef, coefs, fit.fixed, max_dose, p, direction)
    if delta is None:
        med = np.full(n_boot, np.nan)
    else:
        med = td_batch(mdef, coefs, fit.fixed, max_dose, delta, direction)
        med = np.where(np.isnan(med), np.inf, med)
    return BootstrapDoses(med, sat)

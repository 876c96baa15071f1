"""Bootstrap of the whole model selection for the dose estimates: resample, retest, refit, reselect, re-estimate.

Replicate group means are drawn from their estimated sampling distribution ``N(ybar, S)`` (the saturated model
of the group means, so that every candidate shape can win a replicate; Buckland, Burnham & Augustin 1997,
Biometrics 53:603).  Each replicate goes through MCP-Mod again (:func:`painregen.dose.reselect.analyse`): the
contrast test at the study's critical value, fits of every candidate family whose contrast is significant, the
selection by the study's method, and MED and saturation dose of the selected curve (under aveAIC: of one model
drawn with its AIC weight in that replicate, the model-averaged mixture).
Percentile intervals (Efron & Tibshirani 1993, *An Introduction to the Bootstrap*, ch. 13) of these replicates
therefore include the uncertainty of the choice of model -- intervals of the selected model alone ignore it and
cover too rarely (issue 12: 80 % for the MED at nominal 95 %).  A TD that a replicate curve never reaches inside
the tested range counts as +infinity, as does the saturation dose of a replicate that selects a linear or linlog
curve, so an upper limit may be "not reached" (None).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from .data import DoseData
from .models import Array
from .mods import Direction
from .reselect import Design, analyse


@dataclass(frozen=True, eq=False)
class BootstrapDoses:
    """Replicate MEDs (``inf`` = not reached, NaN when no Delta) and saturation doses, shape (B,), and how often
    each family was selected."""

    med: Array
    saturation: Array
    selected: dict[str, float] = field(default_factory=dict)

    @staticmethod
    def interval(values: Array, level: float = 0.95) -> tuple[float | None, float | None]:
        """Percentile interval; ``None`` for a limit that is not reached (infinite) or undefined."""
        lo, hi = percentile_limits(np.asarray(values, dtype=float)[None], level)
        return (float(lo[0]) if np.isfinite(lo[0]) else None, float(hi[0]) if np.isfinite(hi[0]) else None)


def percentile_limits(values: Array, level: float = 0.95) -> tuple[Array, Array]:
    """Percentile limits of each row of ``values`` (S, B): NaN replicates (undefined) are left out, +inf ones
    (not reached) kept, so a limit among them is +inf; a row without any defined replicate gives NaN."""
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        q = np.nanquantile(values, [(1 - level) / 2, (1 + level) / 2], axis=1)
    empty = np.all(np.isnan(values), axis=1)
    q = np.where(np.isnan(q) & ~empty, np.inf, q)  # interpolation between two infinite replicates
    return q[0], q[1]


def bootstrap_selection(data: DoseData, design: Design, *, method: str, delta: float | None, p: float,
                        direction: Direction, n_boot: int = 1000, seed: int = 2014) -> BootstrapDoses:
    """``n_boot`` replicates of the whole MCP-Mod selection on ``data`` (module docstring)."""
    rng = np.random.default_rng(seed)
    means = rng.multivariate_normal(data.means, data.cov, size=n_boot, method="cholesky")
    scale2 = data.sigma**2 if data.type == "normal" else 1.0
    r = analyse(design, means, np.full(n_boot, scale2), np.full(n_boot, data.ss_within), method=method, delta=delta,
                p=p, direction=direction, rng=rng)
    return BootstrapDoses(r.med, r.saturation, r.frequencies())

"""Bootstrap of the whole model selection for the dose estimates: resample, retest, refit, reselect, re-estimate.

Replicate group means are drawn around the observed ones (the saturated model of the group means, so that every
candidate shape can win a replicate; Buckland, Burnham & Augustin 1997, Biometrics 53:603): ``N(ybar, S)`` for
summary data, and for raw data with the variance itself drawn from its distribution given the pooled ``s^2``
(:func:`replicate_means`), so that a group mean's replicates follow its t pivot.  Each replicate goes through
MCP-Mod again (:func:`painregen.dose.reselect.analyse`): the contrast test at the study's critical value, fits of
every candidate family whose contrast is significant, the selection by the study's method, and MED and
saturation dose of the selected curve (under aveAIC: of one model drawn with its AIC weight in that replicate,
the model-averaged mixture).
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


def replicate_means(rng: np.random.Generator, means: Array, cov_unit: Array, s2: Array, df: float,
                    n_boot: int) -> tuple[Array, Array]:
    """``n_boot`` replicate mean vectors for each of S data sets (``means`` (S, k), variance scale ``s2`` (S,),
    covariance of the means per unit variance ``cov_unit``), stacked data set by data set: (S * n_boot, k), and
    each replicate's variance scale (S * n_boot,).

    Summary data (``df`` infinite): ``N(ybar, S)``.  Raw data: the variance of each replicate is drawn from the
    distribution of ``sigma^2`` given the pooled ``s^2``, ``s^2 df / chi2_df``, and the means from
    ``N(ybar, sigma*^2 S1)``, so that ``(ybar* - ybar) / (s / sqrt(n))`` follows the t distribution with ``df``
    degrees of freedom as the pivot of a group mean does (a percentile interval of means drawn with ``s`` held
    fixed is a normal interval, too short by the factor ``t_df / z``)."""
    s_n, k = means.shape
    z = rng.standard_normal((s_n, n_boot, k)) @ np.linalg.cholesky(cov_unit).T
    scale2 = np.repeat(np.asarray(s2, dtype=float)[:, None], n_boot, axis=1)
    if np.isfinite(df):
        scale2 = scale2 * df / rng.chisquare(df, (s_n, n_boot))
    draws = means[:, None, :] + np.sqrt(scale2)[..., None] * z
    return draws.reshape(-1, k), scale2.ravel()


def bootstrap_selection(data: DoseData, design: Design, *, method: str, delta: float | None, p: float,
                        direction: Direction, n_boot: int = 1000, seed: int = 2014) -> BootstrapDoses:
    """``n_boot`` replicates of the whole MCP-Mod selection on ``data`` (module docstring)."""
    rng = np.random.default_rng(seed)
    raw = data.type == "normal"
    s2 = data.sigma**2 if raw else 1.0
    means, scale2 = replicate_means(rng, data.means[None], data.cov / s2, np.array([s2]), data.df if raw else np.inf,
                                    n_boot)
    r = analyse(design, means, scale2, scale2 * data.df if raw else np.zeros(n_boot), method=method, delta=delta,
                p=p, direction=direction, rng=rng)
    return BootstrapDoses(r.med, r.saturation, r.frequencies())

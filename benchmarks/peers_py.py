"""Python peers: PyMARE (REML estimator, meta_regression, permutation test) and statsmodels
(``combine_effects`` with DerSimonian-Laird; ``WLS`` as a fixed-effect meta-regression reference).

Each wrapper returns the estimates that are compared with painregen's. The imports are lazy, so a
missing peer is reported as skipped instead of failing the whole run.
"""

from __future__ import annotations

import importlib.metadata
import warnings
from dataclasses import dataclass

import numpy as np

FloatArray = np.ndarray


@dataclass(frozen=True)
class Estimates:
    """tau2 (None for fixed-effect fits) and the coefficients, intercept first."""

    tau2: float | None
    b: FloatArray


def version(dist: str) -> str | None:
    """Installed version of a distribution, or None when it is missing."""
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def pymare_reml(yi: FloatArray, vi: FloatArray, X: FloatArray) -> Estimates:
    """PyMARE's ``VarianceBasedLikelihoodEstimator(method="REML").fit`` (tau2, coefficients, covariance)."""
    from pymare.estimators import VarianceBasedLikelihoodEstimator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = VarianceBasedLikelihoodEstimator(method="REML").fit(yi[:, None], vi[:, None], X)
    return Estimates(float(np.ravel(est.params_["tau2"])[0]), np.ravel(est.params_["fe_params"]))


def pymare_reml_full(yi: FloatArray, vi: FloatArray) -> Estimates:
    """PyMARE's ``meta_regression(method="REML")`` followed by what it offers of metafor's output:
    coefficient statistics, the Q-profile CI of tau2 and the heterogeneity statistics (Q, I2, H)."""
    from pymare import meta_regression

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = meta_regression(yi, vi, method="REML")
        fe = res.get_fe_stats()
        re = res.get_re_stats()
        res.get_heterogeneity_stats()
    return Estimates(float(np.ravel(re["tau^2"])[0]), np.ravel(fe["est"]))


def pymare_permutation(
    yi: FloatArray, vi: FloatArray, mods: FloatArray, iterations: int, seed: int
) -> tuple[Estimates, FloatArray, float]:
    """REML meta-regression in PyMARE with Wald (z) statistics, then its ``permutation_test``.

    Returns the fit, the permutation p-values of the coefficients and the seconds spent in the
    permutation test alone (the fit is not timed). PyMARE draws from numpy's global generator.
    """
    import time

    from pymare import meta_regression

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = meta_regression(yi, vi, mods, method="REML", small_sample_correction="wald")
        np.random.seed(seed)
        start = time.perf_counter()
        perm = res.permutation_test(n_perm=iterations)
        seconds = time.perf_counter() - start
    est = Estimates(float(np.ravel(res.tau2)[0]), np.ravel(res.fe_params))
    return est, np.ravel(perm.perm_p["fe_p"]), seconds


def statsmodels_dl(yi: FloatArray, vi: FloatArray) -> Estimates:
    """statsmodels ``combine_effects(method_re="dl")``: DerSimonian-Laird random-effects pooling."""
    from statsmodels.stats.meta_analysis import combine_effects

    res = combine_effects(yi, vi, method_re="dl")
    return Estimates(float(res.tau2), np.array([float(res.mean_effect_re)]))


def statsmodels_wls(yi: FloatArray, vi: FloatArray, X: FloatArray) -> Estimates:
    """statsmodels ``WLS(yi, X, weights=1/vi)``: the fixed-effect meta-regression coefficients.

    (statsmodels scales their covariance by the residual variance, so only the coefficients match.)
    """
    import statsmodels.api as sm

    res = sm.WLS(yi, X, weights=1.0 / vi).fit()
    return Estimates(None, np.asarray(res.params))

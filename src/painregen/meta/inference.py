"""Wald-type inference for coefficients: z or Knapp-Hartung t / F tests.

Knapp & Hartung (2003), Stat Med 22:2693-2710: the covariance of b is scaled by
s2 = y'P(tau2)y / (k - p) and tests use the t (F) distribution with k - p (denominator) df.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from painregen.meta import dist

FloatArray = np.ndarray

TESTS = ("z", "knha")


def check_test(test: str) -> str:
    if test not in TESTS:
        raise ValueError(f"unknown test {test!r}; choose one of {TESTS}")
    return test


def level_to_alpha(level: float) -> float:
    """Confidence level in percent (95) or as a proportion (0.95) -> alpha."""
    lev = float(level)
    if lev > 1.0:
        lev /= 100.0
    if not 0.0 < lev < 1.0:
        raise ValueError(f"level must lie in (0, 100), got {level}")
    return 1.0 - lev


def critical_value(alpha: float, ddf: float | None) -> float:
    """Two-sided critical value: normal quantile, or t quantile with ddf degrees of freedom."""
    if ddf is None:
        return float(dist.norm.ppf(1.0 - alpha / 2.0))
    return float(dist.t.ppf(1.0 - alpha / 2.0, ddf))


def two_sided_p(stat: FloatArray, ddf: float | None) -> FloatArray:
    if ddf is None:
        return np.asarray(2.0 * dist.norm.sf(np.abs(stat)))
    return np.asarray(2.0 * dist.t.sf(np.abs(stat), ddf))


@dataclass(frozen=True)
class Wald:
    """Coefficient tests and the omnibus test of the coefficients in ``btt``."""

    se: FloatArray
    stat: FloatArray
    pval: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    QM: float
    QM_df: int
    QM_ddf: float | None
    QM_p: float


def wald(b: FloatArray, vb: FloatArray, btt: list[int], alpha: float, ddf: float | None) -> Wald:
    """Tests of b with covariance vb; omnibus QM = b_btt' vb_btt^-1 b_btt (chi2), or QM / m (F) with ddf.

    Source: metafor's documented Wald-type tests (Viechtbauer 2010, J Stat Softw 36(3)).
    """
    se = np.sqrt(np.diag(vb))
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = b / se
    pval = two_sided_p(stat, ddf)
    crit = critical_value(alpha, ddf)
    bb = b[btt]
    vbb = vb[np.ix_(btt, btt)]
    m = len(btt)
    try:
        qm = float(bb @ np.linalg.solve(vbb, bb))
    except np.linalg.LinAlgError:
        qm = float("nan")
    if ddf is None:
        qm_p = float(dist.chi2.sf(qm, m))
    else:
        qm = qm / m
        qm_p = float(dist.f.sf(qm, m, ddf))
    return Wald(
        se=se, stat=stat, pval=pval, ci_low=b - crit * se, ci_high=b + crit * se,
        QM=qm, QM_df=m, QM_ddf=ddf, QM_p=qm_p,
    )

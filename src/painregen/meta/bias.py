"""Small-study effects / publication bias: Egger-type regression, rank correlation, fail-safe N.

- ``regtest``: Egger et al. (1997), BMJ 315:629, in the meta-regression form of Sterne & Egger
  (2005) used by metafor's ``regtest`` (model "rma"): the fitted model with a precision predictor
  added as a moderator; the test is that predictor's coefficient and the "limit estimate" is the
  intercept (the effect as the predictor -> 0). Predictors: sei, vi, ni, ninv (1/n) and sqrtninv
  (1/sqrt(n), recommended for SMDs in animal studies by Zwetsloot et al. 2017, eLife 6:e24260).
- ``ranktest``: Begg & Mazumdar (1994), Biometrics 50:1088: Kendall's tau between standardised
  deviates (y_i - b_FE) / sqrt(v_i - var(b_FE)) and v_i; exact p when there are no ties.
- ``fsn``: Rosenthal (1979) fail-safe N with a one-tailed alpha of .05.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from painregen.meta.design import Design, require_full_rank
from painregen.meta.results import RmaResult, clean_json
from painregen.meta.rma import fit_design
from painregen.meta.wls import wls

PREDICTORS = ("sei", "vi", "ni", "ninv", "sqrtninv")
#: largest k for which ranktest computes the exact p-value by default
EXACT_MAX = 500


@dataclass(frozen=True)
class RegtestResult:
    """Egger-type regression test."""

    predictor: str
    stat: float
    p: float
    ddf: int | None
    limit_estimate: float | None
    limit_ci: tuple[float, float] | None
    fit: RmaResult

    def to_dict(self) -> dict[str, Any]:
        lo, hi = self.limit_ci if self.limit_ci is not None else (None, None)
        return clean_json({"stat": self.stat, "p": self.p, "limit_estimate": self.limit_estimate,
                           "predictor": self.predictor, "ddf": self.ddf, "limit_ci_low": lo, "limit_ci_high": hi})

    def summary(self) -> pd.DataFrame:
        lo, hi = self.limit_ci if self.limit_ci is not None else (None, None)
        return pd.DataFrame([{"predictor": self.predictor, "stat": self.stat, "p": self.p, "ddf": self.ddf,
                              "limit_estimate": self.limit_estimate, "ci.lb": lo, "ci.ub": hi}])

    def __repr__(self) -> str:
        return (f"RegtestResult(k={self.fit.k}, method={self.fit.method}, predictor={self.predictor}, "
                f"stat={self.stat:.4f}, p={self.p:.4g}, limit_estimate={self.limit_estimate})")


def _predictor_values(res: RmaResult, predictor: str, ni: Any) -> np.ndarray:
    if predictor == "sei":
        return np.sqrt(res.vi)
    if predictor == "vi":
        return res.vi.copy()
    if ni is None:
        raise ValueError(f"predictor {predictor!r} needs the sample sizes ni")
    n = np.asarray(ni, dtype=float)
    if n.shape != res.yi.shape:
        raise ValueError(f"ni has {n.size} values but the model has k = {res.k}")
    if predictor == "ni":
        return n
    if predictor == "ninv":
        return 1.0 / n
    return 1.0 / np.sqrt(n)


def regtest(res: RmaResult, *, predictor: str = "sei", ni: Any = None) -> RegtestResult:
    """Regression test for funnel plot asymmetry (metafor ``regtest``, model = "rma").

    The model of ``res`` (same method, test, level and moderators) is refitted with the predictor
    added as the last moderator. ``ni`` (per-study total sample sizes, same rows as the model) is
    needed for the ni, ninv and sqrtninv predictors.
    """
    if predictor not in PREDICTORS:
        raise ValueError(f"unknown predictor {predictor!r}; choose one of {PREDICTORS}")
    if not res.intercept:
        raise ValueError("regtest needs a model with an intercept")
    x = _predictor_values(res, predictor, ni)
    design = Design(X=np.column_stack([res.X, x]), terms=(*res.terms, predictor), intercept=True)
    require_full_rank(design.X, design.terms, f"Egger's regression test with predictor {predictor}")
    fit = fit_design(res.yi, res.vi, design, method=res.method, test=res.test, level=res.level,
                     alpha=res.alpha, btt=None, control=res.control)
    j = fit.p - 1
    has_limit = predictor != "ni" and res.int_only
    return RegtestResult(
        predictor=predictor,
        stat=float(fit.stat[j]),
        p=float(fit.pval[j]),
        ddf=fit.ddf,
        limit_estimate=float(fit.b[0]) if has_limit else None,
        limit_ci=(float(fit.ci_low[0]), float(fit.ci_high[0])) if has_limit else None,
        fit=fit,
    )


@dataclass(frozen=True)
class RanktestResult:
    """Begg and Mazumdar's rank correlation test."""

    tau: float
    p: float
    exact: bool

    def to_dict(self) -> dict[str, Any]:
        return clean_json({"tau": self.tau, "p": self.p})

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame([{"tau": self.tau, "p": self.p, "exact": self.exact}])


def _tie_sums(x: np.ndarray) -> tuple[float, float, float, float]:
    _, counts = np.unique(x, return_counts=True)
    t = counts[counts > 1].astype(float)
    return (
        float(np.sum(t * (t - 1) / 2.0)),
        float(np.sum(t * (t - 1) * (2 * t + 5))),
        float(np.sum(t * (t - 1))),
        float(np.sum(t * (t - 1) * (t - 2))),
    )


def kendall_test(x: np.ndarray, y: np.ndarray, exact: bool | None = None) -> tuple[float, float, bool]:
    """Kendall's tau-b with a two-sided p-value (R's ``cor.test(method="kendall")`` definitions).

    Exact (null distribution of the number of concordant pairs) when there are no ties, as
    metafor's ``ranktest`` asks for (its cost grows as n^3, so above EXACT_MAX studies the normal
    approximation is used unless ``exact=True``); otherwise z = S / sqrt(var S) with the
    tie-corrected variance of Kendall (1970, Rank Correlation Methods, eq. 4.3), without
    continuity correction.
    """
    n = x.size
    ties = np.unique(x).size < n or np.unique(y).size < n
    use_exact = (n <= EXACT_MAX and not ties) if exact is None else (exact and not ties)
    if use_exact:
        tau, p = stats.kendalltau(x, y, method="exact")
        return float(tau), float(p), True
    tau = float(stats.kendalltau(x, y, method="asymptotic")[0])
    t0 = n * (n - 1) / 2.0
    t1, vt, a1, b1 = _tie_sums(x)
    t2, vu, a2, b2 = _tie_sums(y)
    s = tau * np.sqrt((t0 - t1) * (t0 - t2))
    var_s = (
        (n * (n - 1) * (2 * n + 5) - vt - vu) / 18.0
        + a1 * a2 / (2.0 * n * (n - 1))
        + b1 * b2 / (9.0 * n * (n - 1) * (n - 2))
    )
    p = float(2.0 * stats.norm.sf(abs(s) / np.sqrt(var_s)))
    return tau, p, False


def ranktest(res: RmaResult, *, exact: bool | None = None) -> RanktestResult:
    """Rank correlation test for funnel plot asymmetry (metafor ``ranktest``)."""
    if not res.int_only:
        raise ValueError("ranktest needs a model without moderators")
    y, v = res.yi, res.vi
    fe = wls(y, 1.0 / v, np.ones((y.size, 1)))
    b = float(fe.b[0])
    vb = float(fe.vb[0, 0])
    ystar = (y - b) / np.sqrt(v - vb)
    tau, p, used = kendall_test(ystar, v, exact)
    return RanktestResult(tau=tau, p=p, exact=used)


def fsn(yi: Any, vi: Any, *, alpha: float = 0.05) -> int:
    """Rosenthal's fail-safe N: ceil(max(0, (sum z_i / z_{1-alpha})^2 - k)), z_i = y_i / sqrt(v_i).

    The number of studies with null results that would bring Stouffer's combined one-tailed
    p-value up to ``alpha`` (Rosenthal 1979, Psychol Bull 86:638). A value within sqrt(machine
    epsilon) of a whole number is that number before rounding up, as metafor's ``fsn`` rounds it, so
    an exact integer is not pushed one up by floating-point error.
    """
    y = np.asarray(yi, dtype=float)
    v = np.asarray(vi, dtype=float)
    ok = ~(np.isnan(y) | np.isnan(v))
    y, v = y[ok], v[ok]
    z = y / np.sqrt(v)
    n = float((np.sum(z) / stats.norm.ppf(1.0 - alpha)) ** 2 - z.size)
    if abs(n - round(n)) < np.sqrt(np.finfo(float).eps):
        n = float(round(n))
    return int(np.ceil(max(0.0, n)))


__all__ = ["PREDICTORS", "RanktestResult", "RegtestResult", "fsn", "kendall_test", "ranktest", "regtest"]

"""Fixed- and random/mixed-effects meta-analysis of one effect per row (metafor's ``rma.uni``).

Model: y_i = x_i'b + u_i + e_i, u_i ~ N(0, tau2), e_i ~ N(0, v_i) (Raudenbush 2009; Viechtbauer
2010). b is estimated by weighted least squares with w_i = 1 / (v_i + tau2); tau2 by one of the
registered estimators (:mod:`painregen.meta.tau2`). Heterogeneity: Q_E = sum (y_i - x_i'b_FE)^2 / v_i
(Cochran 1954), and for random-effects models I2 = 100 tau2 / (tau2 + s2), H2 = (tau2 + s2) / s2
with the "typical" within-study variance s2 = (k - p) / tr(P_FE) (Higgins & Thompson 2002, as
generalised to meta-regression in metafor). Pseudo-R2 (Raudenbush 2009):
max(0, 100 (tau2_RE - tau2_ME) / tau2_RE).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from painregen.meta import dist
from painregen.meta.control import Control
from painregen.meta.design import Design, build_design, missing_rows, moderators_frame
from painregen.meta.inference import check_test, level_to_alpha, wald
from painregen.meta.results import RmaResult
from painregen.meta.tau2 import TAU2_ESTIMATORS, estimate_tau2
from painregen.meta.wls import wls

FloatArray = np.ndarray


def clean_inputs(
    yi: Any, vi: Any, mods: Any = None, extra: Mapping[str, Any] | None = None, *, data: Any = None,
    refs: Mapping[str, str] | None = None,
) -> tuple[FloatArray, FloatArray, Any, dict[str, FloatArray], np.ndarray]:
    """Validate yi/vi (and mods, a formula reading ``data``): drop rows with missing values (with a warning, as
    metafor's ``na.action = "na.omit"``), reject non-positive or infinite sampling variances.

    Returns (yi, vi, mods frame, extra arrays, mask of kept rows).
    """
    y = np.asarray(yi, dtype=float).ravel()
    v = np.asarray(vi, dtype=float).ravel()
    if y.shape != v.shape:
        raise ValueError(f"yi and vi differ in length ({y.size} vs {v.size})")
    frame = moderators_frame(mods, y.size, data, refs)
    bad = np.isnan(y) | np.isnan(v) | missing_rows(frame, y.size)
    extras = {name: np.asarray(val, dtype=float).ravel() for name, val in (extra or {}).items()}
    for name, arr in extras.items():
        if arr.shape != y.shape:
            raise ValueError(f"{name} differs in length from yi")
        bad |= np.isnan(arr)
    if bad.any():
        warnings.warn(f"{int(bad.sum())} studies with missing values omitted from model fitting.", stacklevel=3)
    keep = ~bad
    y, v = y[keep], v[keep]
    if frame is not None:
        frame = frame.loc[keep].reset_index(drop=True)
    extras = {name: arr[keep] for name, arr in extras.items()}
    if y.size == 0:
        raise ValueError("no studies left to analyse (all values missing)")
    if not np.all(np.isfinite(y)) or not np.all(np.isfinite(v)):
        raise ValueError("yi and vi must be finite")
    if np.any(v <= 0):
        idx = [int(i) for i in np.flatnonzero(v <= 0)[:5]]
        raise ValueError(f"sampling variances must be positive; vi <= 0 at (0-based) rows {idx}")
    return y, v, frame, extras, keep


def rma(
    yi: Any,
    vi: Any,
    *,
    mods: Any = None,
    method: str = "REML",
    test: str = "z",
    level: float = 95,
    intercept: bool = True,
    btt: list[int] | None = None,
    control: Control | Mapping[str, Any] | None = None,
    data: Any = None,
    refs: Mapping[str, str] | None = None,
) -> RmaResult:
    """Fit a fixed-effect (``method="FE"``) or random/mixed-effects meta-analysis model.

    Parameters mirror metafor's ``rma.uni``: ``method`` one of FE, DL, HE, HS, SJ, ML, REML, EB,
    PM; ``test`` "z" or "knha" (Knapp & Hartung 2003: t/F tests with k - p df); ``mods`` a 2-D
    array, a DataFrame or a mapping of moderators (text columns dummy coded), or an R formula
    (``"~ dose*route + I(dose^2)"``) whose variables are columns of ``data``; ``refs`` maps a factor
    to its reference level; ``btt`` the (0-based) coefficients of the omnibus test (default: all but
    the intercept). With k = 1 a Knapp-Hartung test falls back to z with a warning, as metafor does.
    """
    ctl = Control.make(control)
    if method not in TAU2_ESTIMATORS:
        raise ValueError(f"unknown method {method!r}; choose one of {sorted(TAU2_ESTIMATORS)}")
    check_test(test)
    alpha = level_to_alpha(level)
    y, v, frame, _, keep = clean_inputs(yi, vi, mods, data=data, refs=refs)
    if y.size == 1 and test == "knha":
        warnings.warn("Setting test = 'z' since k = 1 (the Knapp-Hartung test needs k > 1), as metafor does.",
                      stacklevel=2)
        test = "z"
    design = build_design(frame, y.size, intercept=intercept)
    return fit_design(
        y, v, design, method=method, test=test, level=level, alpha=alpha, btt=btt, control=ctl,
        k_omitted=int((~keep).sum()),
    )


def fit_design(
    y: FloatArray,
    v: FloatArray,
    design: Design,
    *,
    method: str,
    test: str,
    level: float,
    alpha: float,
    btt: list[int] | None,
    control: Control,
    k_omitted: int = 0,
) -> RmaResult:
    """Fit the model for a ready model matrix (no missing values)."""
    X = design.X
    k, p = X.shape
    if k < p:
        raise ValueError(f"too few studies (k = {k}) for a model with {p} coefficients")
    if k == p and method != "FE":
        # as metafor: with no residual df tau2 cannot be estimated and is set to 0
        warnings.warn(f"k = {k} equals the number of coefficients: tau2 set to 0", stacklevel=3)
        tau2 = 0.0
    else:
        tau2 = float(estimate_tau2(method, y, v, X, control))
    fit = wls(y, 1.0 / (v + tau2), X)
    vb = fit.vb
    ddf: int | None = None
    s2w = 1.0
    if test == "knha":
        if k - p < 1:
            raise ValueError("the Knapp-Hartung test needs k > p")
        ddf = k - p
        s2w = float(fit.ypy) / ddf if float(fit.ypy) > np.finfo(float).eps else 0.0
        vb = vb * s2w
    if btt is None:
        btt = list(range(1, p)) if (design.intercept and p > 1) else list(range(p))
    w = wald(fit.b, vb, btt, alpha, ddf)

    fe = fit if tau2 == 0.0 else wls(y, 1.0 / v, X)
    qe = float(fe.ypy) if k > p else 0.0
    qe_df = k - p
    qe_p = float(dist.chi2.sf(qe, qe_df)) if qe_df > 0 else 1.0
    if method == "FE":
        i2 = max(0.0, 100.0 * (qe - qe_df) / qe) if qe_df > 0 and qe > 0 else 0.0
        h2 = qe / qe_df if qe_df > 0 else 1.0
        vt = float("nan")
    else:
        vt = qe_df / float(fe.trP) if qe_df > 0 else float("nan")
        i2 = 100.0 * tau2 / (vt + tau2) if qe_df > 0 else 0.0
        h2 = tau2 / vt + 1.0 if qe_df > 0 else 1.0

    r2: float | None = None
    tau2_re: float | None = None
    if method == "FE" and design.intercept and p > 1 and qe_df > 0:
        # metafor reports for FE meta-regression the proportional reduction in H2 = Q_E / df
        h2_int = float(wls(y, 1.0 / v, np.ones((k, 1))).ypy) / (k - 1)
        r2 = max(0.0, 100.0 * (h2_int - h2) / h2_int) if h2_int > 0 else 0.0
    elif method != "FE" and design.intercept and p > 1:
        ones = np.ones((k, 1))
        tau2_re = float(estimate_tau2(method, y, v, ones, control))
        r2 = max(0.0, 100.0 * (tau2_re - tau2) / tau2_re) if tau2_re > np.finfo(float).eps else 0.0

    return RmaResult(
        yi=y,
        vi=v,
        X=X,
        terms=design.terms,
        intercept=design.intercept,
        method=method,
        test=test,
        level=float(level),
        alpha=alpha,
        k=k,
        p=p,
        b=fit.b,
        vb=vb,
        se=w.se,
        stat=w.stat,
        pval=w.pval,
        ci_low=w.ci_low,
        ci_high=w.ci_high,
        ddf=ddf,
        s2w=s2w,
        tau2=tau2,
        QE=qe,
        QE_df=qe_df,
        QE_p=qe_p,
        btt=tuple(btt),
        QM=w.QM,
        QM_df=w.QM_df,
        QM_p=w.QM_p,
        I2=i2,
        H2=h2,
        vt=vt,
        R2=r2,
        tau2_RE=tau2_re,
        hat=fit.hat,
        weights=fit.w,
        k_omitted=k_omitted,
        control=control,
    )

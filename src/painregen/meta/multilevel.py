"""Multilevel meta-analysis with nested random intercepts (metafor ``rma.mv`` with
``random = ~ 1 | outer/inner``), fitted by REML or ML.

Model (Konstantopoulos 2011, Res Synth Methods 2:61-76): y = Xb + sum_j Z_j u_j + e with
u_j ~ N(0, sigma2_j I) for each nested level j (outer to inner) and e ~ N(0, V): V = diag(v), or a known
sampling covariance given as blocks inside the outer clusters (e.g. effects sharing a control group; Gleser &
Olkin 2009, Handbook of Research Synthesis and Meta-Analysis, 2nd ed., ch. 19), as metafor's
``rma.mv(yi, V, random = ...)``. The marginal covariance is M = V + sum_j sigma2_j Z_j Z_j'.
The (restricted) log-likelihood (Harville 1977, JASA 72:320-338)::

    ML:   -1/2 [k log(2 pi) + log|M| + r'M^-1 r]
    REML: -1/2 [(k-p) log(2 pi) + log|M| + log|X'M^-1X| + r'M^-1 r] + 1/2 log|X'X|

is maximised over sigma2 >= 0 (:mod:`painregen.meta.varcomp` for the likelihood, score and information with
G_j = Z_j Z_j'; :mod:`painregen.meta.varcomp_opt` for the optimiser: Newton/Fisher scoring with an active set
and step halving, falling back to L-BFGS-B and Powell and to further starting values, as metafor falls back
between optimisers). Every quantity is assembled block by block (outer clusters), so no k x k matrix is
formed.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
from scipy import stats

from painregen.meta.blocks import BlockGroup, apply_minv, check_vcov, evaluate, kept_vcov, level_codes, make_blocks
from painregen.meta.control import Control
from painregen.meta.design import build_design
from painregen.meta.inference import level_to_alpha, wald
from painregen.meta.results_mv import RmaMvResult
from painregen.meta.rma import clean_inputs
from painregen.meta.tau2 import tau2_dl
from painregen.meta.varcomp import VcEval, evaluate_vc
from painregen.meta.varcomp_opt import Point, Problem, maximise, unidentified
from painregen.meta.wls import wls

FloatArray = np.ndarray
MV_TESTS = ("z", "t")


def _starts(y: FloatArray, v: FloatArray, X: FloatArray, n_levels: int, control: Control) -> list[FloatArray]:
    """Starting values: the DerSimonian-Laird tau2 (or a tenth of the mean sampling variance when that is 0)
    split equally over the levels, then all of it at the outermost, then at the innermost level."""
    total = float(tau2_dl(y, v, X, control))
    if total <= 0:
        total = 0.1 * float(np.mean(v))
    starts = [np.full(n_levels, total / n_levels)]
    if n_levels > 1:
        for j in (0, n_levels - 1):
            s = np.zeros(n_levels)
            s[j] = total
            starts.append(s)
    return starts


def _probes(size: float, n_levels: int) -> list[FloatArray]:
    """Where else to look for a higher maximum (:func:`painregen.meta.varcomp_opt.maximise`): a grid of 0 and 7
    values from 1e-3 to 3 x ``size`` per level (all combinations up to two levels; each level alone and all
    levels equal beyond)."""
    axis = np.r_[0.0, size * np.geomspace(1e-3, 3.0, 7)]
    if n_levels <= 2:
        return [np.array(t) for t in np.array(np.meshgrid(*([axis] * n_levels), indexing="ij")).reshape(n_levels, -1).T]
    out = [np.full(n_levels, a) for a in axis[1:]]
    for j in range(n_levels):
        for a in axis[1:]:
            t = np.zeros(n_levels)
            t[j] = a
            out.append(t)
    return out


def fit_sigma2(
    groups: list[BlockGroup], y: FloatArray, v: FloatArray, X: FloatArray, n_levels: int, reml: bool,
    control: Control,
) -> tuple[FloatArray, VcEval, int]:
    """Maximise the (restricted) likelihood over sigma2 >= 0 (:func:`painregen.meta.varcomp_opt.maximise`:
    Newton/Fisher scoring with step halving, then L-BFGS-B and Powell fallbacks, from several starts); returns
    (sigma2, evaluation, iterations). ConvergenceError when no optimiser reaches a stationary point.

    The fit uses the orthonormal ``Q`` of ``X = QR`` in place of ``X`` (the likelihood depends on ``X`` only
    through its column space: REML's ``log|X'M^-1X| - log|X'X| = log|Q'M^-1Q|``), so that ill-conditioned
    covariates (doses of 10^7 cells beside dummies) do not cost the log-determinants their precision;
    ``b = R^-1 b_Q`` and ``vb = R^-1 vb_Q R^-T``."""
    Xs, R = np.linalg.qr(X)

    def evaluate(theta: FloatArray, derivs: bool) -> Point:
        ev = evaluate_vc(groups, y, v, Xs, theta, reml, derivs)
        return Point(theta=theta, ll=ev.ll, score=ev.score if derivs else None, info=ev.info if derivs else None,
                     obs=ev.obs if derivs else None, payload=ev)

    starts = _starts(y, v, X, n_levels, control)
    scale = np.full(n_levels, max(float(np.sum(starts[0])), float(np.mean(v))))
    cap = 1e4 * (float(np.var(y)) + float(np.max(v)))  # far beyond any variance these data can support
    problem = Problem(evaluate=evaluate, lower=np.zeros(n_levels), upper=np.full(n_levels, cap), scale=scale,
                      name=f"rma_mv ({'REML' if reml else 'ML'})")
    opt = maximise(problem, starts, control, probes=_probes(float(np.var(y)) + float(np.mean(v)), n_levels))
    ev = opt.point.payload
    flat = unidentified(ev.info)
    if flat.any():
        warnings.warn(f"rma_mv: sigma2 of level(s) {', '.join(str(j + 1) for j in np.flatnonzero(flat))} "
                      "not identified by these data (zero information: e.g. one row per cluster at two levels, or "
                      "moderators constant within clusters that span the cluster means); their values are "
                      "arbitrary, only the identified combinations are estimated", UserWarning, stacklevel=3)
    Ri = np.linalg.inv(R)
    vb = Ri @ ev.vb @ Ri.T
    ev = replace(ev, b=Ri @ ev.b, vb=(vb + vb.T) / 2)
    return opt.point.theta, ev, opt.iterations


def rma_mv(
    yi: Any,
    vi: Any,
    *,
    clusters: Sequence[Any],
    mods: Any = None,
    method: str = "REML",
    test: str = "z",
    level: float = 95,
    intercept: bool = True,
    control: Control | Mapping[str, Any] | None = None,
    V: Sequence[tuple[Any, Any]] | None = None,
) -> RmaMvResult:
    """Three- (or more-) level meta-analysis: nested random intercepts given as label arrays,
    outermost first (``clusters=[study, experiment]`` is metafor's ``random = ~ 1 | study/experiment``).

    ``test``: "z", or "t" (t and F tests with k - p df, metafor's ``test = "t"``).
    ``V``: known sampling covariances as blocks ``(rows, matrix)`` (0-based row indices into ``yi``; a symmetric
    positive-definite matrix whose diagonal equals ``vi`` at those rows), e.g.
    :func:`painregen.effects.covariance.shared_control_vcov`. Blocks must not overlap and each must lie inside
    one outermost cluster; rows outside every block have variance ``vi`` and no covariance. With ``V`` the fit
    is metafor's ``rma.mv(yi, V, random = ...)`` with V the block-diagonal matrix; it is never formed: each outer
    cluster's M = V block + sigma2 structure is inverted on its own. ``QE`` then uses V^-1 (generalised least
    squares), as metafor does.
    """
    ctl = Control.make(control)
    if method not in ("REML", "ML"):
        raise ValueError("rma_mv supports method 'REML' or 'ML'")
    if test not in MV_TESTS:
        raise ValueError(f"rma_mv test must be one of {MV_TESTS}")
    if len(clusters) < 1:
        raise ValueError("give at least one cluster label array")
    alpha = level_to_alpha(level)
    y_all = np.asarray(yi, dtype=float)
    cl_missing = np.zeros(y_all.size, dtype=bool)
    for c in clusters:
        arr = np.asarray(c, dtype=object)
        if arr.shape != y_all.shape:
            raise ValueError("each cluster label array must have the same length as yi")
        cl_missing |= np.array([x is None or (isinstance(x, float) and np.isnan(x)) for x in arr])
    y_in = np.where(cl_missing, np.nan, y_all)
    vcov_all = check_vcov(V, np.asarray(vi, dtype=float).ravel(), np.asarray(clusters[0], dtype=object))
    y, v, frame, _, keep = clean_inputs(y_in, vi, mods)
    vcov = kept_vcov(vcov_all, keep)
    design = build_design(frame, y.size, intercept=intercept)
    X = design.X
    k, p = X.shape
    if k <= p:
        raise ValueError(f"too few effects (k = {k}) for {p} coefficients")
    codes = level_codes([np.asarray(c, dtype=object)[keep] for c in clusters])
    groups = make_blocks(codes, vcov)
    sigma2, ev, iters = fit_sigma2(groups, y, v, X, len(clusters), method == "REML", ctl)
    ddf = k - p if test == "t" else None
    btt = list(range(1, p)) if (design.intercept and p > 1) else list(range(p))
    w = wald(ev.b, ev.vb, btt, alpha, ddf)
    qe = float(wls(y, 1.0 / v, X).ypy) if not vcov else _qe_gls(groups, y, v, X)
    qe_df = k - p
    n_levels = tuple(int(np.unique(c).size) for c in codes)
    return RmaMvResult(
        yi=y, vi=v, X=X, terms=design.terms, intercept=design.intercept, method=method, test=test,
        level=float(level), alpha=alpha, k=k, p=p, b=ev.b, vb=ev.vb, se=w.se, stat=w.stat, pval=w.pval,
        ci_low=w.ci_low, ci_high=w.ci_high, ddf=ddf, sigma2=sigma2, s_nlevels=n_levels,
        QE=qe, QE_df=qe_df, QE_p=float(stats.chi2.sf(qe, qe_df)),
        btt=tuple(btt), QM=w.QM, QM_df=w.QM_df, QM_p=w.QM_p, logLik=ev.ll, iterations=iters,
        codes=tuple(codes), k_omitted=int((~keep).sum()), control=ctl, vcov_blocks=tuple(vcov),
    )


def _qe_gls(groups: list[BlockGroup], y: FloatArray, v: FloatArray, X: FloatArray) -> float:
    """Residual heterogeneity Q_E = r' V^-1 r of the GLS fit with the known V (metafor's ``QE`` for rma.mv)."""
    ev = evaluate(groups, v, np.zeros(len(groups[0].G)))
    VX = apply_minv(groups, ev, X)
    b = np.linalg.solve(X.T @ VX, VX.T @ y)
    r = y - X @ b
    return float(r @ apply_minv(groups, ev, r))

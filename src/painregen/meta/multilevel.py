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

is maximised by Fisher scoring on sigma2 >= 0 (active-set projection, step halving), with
score_j = -1/2 tr(P G_j) + 1/2 y'P G_j P y and information 1/2 tr(P G_j P G_l) (REML; M^-1 for
P under ML), G_j = Z_j Z_j'. Every quantity is assembled block by block (outer clusters), so
no k x k matrix is formed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from painregen.meta.blocks import BlockGroup, apply_minv, check_vcov, evaluate, kept_vcov, level_codes, make_blocks
from painregen.meta.control import Control, ConvergenceError
from painregen.meta.design import build_design
from painregen.meta.inference import level_to_alpha, wald
from painregen.meta.results_mv import RmaMvResult
from painregen.meta.rma import clean_inputs
from painregen.meta.tau2 import tau2_dl
from painregen.meta.wls import wls

FloatArray = np.ndarray
MV_TESTS = ("z", "t")


@dataclass(frozen=True, eq=False)
class _Eval:
    ll: float
    b: FloatArray
    vb: FloatArray
    score: FloatArray
    info: FloatArray


def _evaluate(
    groups: list[BlockGroup], y: FloatArray, v: FloatArray, X: FloatArray, sigma2: FloatArray, reml: bool,
    derivs: bool = True,
) -> _Eval:
    k, p = X.shape
    ev = evaluate(groups, v, sigma2)
    MX = apply_minv(groups, ev, X)
    A = X.T @ MX
    vb = np.linalg.inv(A)
    b = vb @ (MX.T @ y)
    r = y - X @ b
    Pr = apply_minv(groups, ev, r)
    quad = float(r @ Pr)
    if reml:
        _, logdet_a = np.linalg.slogdet(A)
        _, logdet_xx = np.linalg.slogdet(X.T @ X)
        ll = -0.5 * ((k - p) * np.log(2 * np.pi) + ev.logdet + logdet_a + quad) + 0.5 * logdet_xx
    else:
        ll = -0.5 * (k * np.log(2 * np.pi) + ev.logdet + quad)
    L = len(sigma2)
    score = np.zeros(L)
    info = np.zeros((L, L))
    if not derivs:
        return _Eval(ll=float(ll), b=b, vb=vb, score=score, info=info)
    tr_mg = np.zeros(L)
    quad_g = np.zeros(L)
    t1 = np.zeros((L, L))
    B = np.zeros((L, p, p))
    C = np.zeros((L, L, p, p))
    for grp, mi in zip(groups, ev.minv, strict=True):
        F = [mi @ G for G in grp.G]
        mxb = MX[grp.rows]
        prb = Pr[grp.rows]
        U = [G @ mxb for G in grp.G]
        for j in range(L):
            tr_mg[j] += float(np.einsum("bii->", F[j]))
            quad_g[j] += float(np.einsum("bi,bij,bj->", prb, grp.G[j], prb))
            if reml:
                B[j] += np.einsum("bip,biq->pq", mxb, U[j])
            for m in range(j, L):
                t1[j, m] += float(np.einsum("bik,bki->", F[j], F[m]))
                if reml:
                    C[j, m] += np.einsum("bip,bij,bjq->pq", U[j], mi, U[m])
                    if m != j:
                        C[m, j] += np.einsum("bip,bij,bjq->pq", U[m], mi, U[j])
    for j in range(L):
        for m in range(j + 1, L):
            t1[m, j] = t1[j, m]
    for j in range(L):
        if reml:
            score[j] = -0.5 * (tr_mg[j] - np.trace(vb @ B[j])) + 0.5 * quad_g[j]
        else:
            score[j] = -0.5 * tr_mg[j] + 0.5 * quad_g[j]
        for m in range(L):
            if reml:
                info[j, m] = 0.5 * (
                    t1[j, m] - np.trace(vb @ C[j, m]) - np.trace(vb @ C[m, j]) + np.trace(vb @ B[j] @ vb @ B[m])
                )
            else:
                info[j, m] = 0.5 * t1[j, m]
    return _Eval(ll=float(ll), b=b, vb=vb, score=score, info=info)


def fit_sigma2(
    groups: list[BlockGroup], y: FloatArray, v: FloatArray, X: FloatArray, n_levels: int, reml: bool,
    control: Control,
) -> tuple[FloatArray, _Eval, int]:
    """Maximise the (restricted) likelihood over sigma2 >= 0; returns (sigma2, evaluation, iterations)."""
    start = float(tau2_dl(y, v, X, control))
    if start <= 0:
        start = 0.1 * float(np.mean(v))
    sigma2 = np.full(n_levels, start / n_levels)
    cur = _evaluate(groups, y, v, X, sigma2, reml)
    for it in range(1, control.maxiter + 1):
        free = ~((sigma2 <= 0) & (cur.score <= 0))
        step = np.zeros(n_levels)
        if free.any():
            info_ff = cur.info[np.ix_(free, free)]
            try:
                step[free] = np.linalg.solve(info_ff, cur.score[free])
            except np.linalg.LinAlgError:
                step[free] = np.linalg.lstsq(info_ff, cur.score[free], rcond=None)[0]
        step *= control.step_adj
        for _ in range(60):
            new = np.maximum(0.0, sigma2 + step)
            cand = _evaluate(groups, y, v, X, new, reml, derivs=False)
            if cand.ll >= cur.ll - 1e-12 * max(1.0, abs(cur.ll)):
                break
            step = step / 2.0
        change = np.abs(new - sigma2)
        sigma2 = new
        cur = _evaluate(groups, y, v, X, sigma2, reml)
        if np.all(change <= control.threshold * np.maximum(1.0, sigma2)):
            return sigma2, cur, it
    raise ConvergenceError(
        f"rma_mv ({'REML' if reml else 'ML'}) did not converge in {control.maxiter} iterations; "
        "try control={'maxiter': ..., 'step_adj': 0.5}"
    )


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

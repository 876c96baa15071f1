"""(Restricted) likelihood of a linear mixed meta-analytic model and its derivatives, block by block.

The marginal covariance is ``M = V + sum_m e_m G_m``: ``V`` the known sampling covariance, ``G_m`` fixed
symmetric matrices (e.g. "same cluster at level m" for nested random intercepts) and ``e_m`` the covariance
elements being estimated. ``M`` is block-diagonal over :class:`~painregen.meta.blocks.BlockGroup` blocks, so every
quantity below is assembled block by block and no k x k matrix is formed. With ``P = M^-1 - M^-1 X A^-1 X' M^-1``,
``A = X'M^-1X`` (Harville 1977, *JASA* 72:320-338; Searle, Casella & McCulloch 1992, *Variance Components*,
ch. 6)::

    ML:   ll = -1/2 [k log(2 pi) + log|M| + r'M^-1 r]
    REML: ll = -1/2 [(k-p) log(2 pi) + log|M| + log|A| + r'M^-1 r] + 1/2 log|X'X|
    score_m       = -1/2 tr(Q G_m) + 1/2 y'P G_m P y
    expected_ml   = 1/2 tr(Q G_m Q G_l)
    observed_ml   = y'P G_m P G_l P y - 1/2 tr(Q G_m Q G_l)     (minus the Hessian; b profiled out under ML)

with ``Q = P`` under REML and ``Q = M^-1`` under ML (``r = y - Xb``, ``M^-1 r = P y``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from painregen.meta.blocks import BlockGroup, apply_minv, evaluate

FloatArray = np.ndarray


@dataclass(frozen=True, eq=False)
class VcEval:
    """The model at one vector of covariance elements: (restricted) log-likelihood, GLS ``b`` and ``vb``, and, when
    derivatives were asked for, the score, expected and observed information in the elements."""

    elements: FloatArray
    ll: float
    b: FloatArray
    vb: FloatArray
    score: FloatArray
    info: FloatArray
    obs: FloatArray


def evaluate_vc(
    groups: list[BlockGroup], y: FloatArray, v: FloatArray, X: FloatArray, elements: FloatArray, reml: bool,
    derivs: bool = True,
) -> VcEval:
    """Evaluate the model (module docstring) at ``elements`` (one per ``G`` matrix of the groups).

    Raises ``numpy.linalg.LinAlgError`` when ``M`` is not positive definite."""
    k, p = X.shape
    ev = evaluate(groups, v, elements)
    MX = apply_minv(groups, ev, X)
    A = X.T @ MX
    vb = np.linalg.inv(A)
    vb = (vb + vb.T) / 2
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
    L = len(elements)
    score = np.zeros(L)
    info = np.zeros((L, L))
    obs = np.zeros((L, L))
    if not derivs or L == 0:
        return VcEval(elements=np.asarray(elements, dtype=float), ll=float(ll), b=b, vb=vb, score=score, info=info,
                      obs=obs)
    tr_mg = np.zeros(L)
    quad_g = np.zeros(L)
    t1 = np.zeros((L, L))
    tq = np.zeros((L, L))  # y'P G_j M^-1 G_l P y
    xa = np.zeros((L, p))  # X'M^-1 G_j P y
    B = np.zeros((L, p, p))
    C = np.zeros((L, L, p, p))
    for grp, mi in zip(groups, ev.minv, strict=True):
        F = [mi @ G for G in grp.G]
        mxb = MX[grp.rows]
        prb = Pr[grp.rows]
        U = [G @ mxb for G in grp.G]
        a = [np.einsum("bij,bj->bi", G, prb) for G in grp.G]  # G_j P y
        ma = [np.einsum("bij,bj->bi", mi, aj) for aj in a]  # M^-1 G_j P y
        for j in range(L):
            tr_mg[j] += float(np.einsum("bii->", F[j]))
            quad_g[j] += float(np.einsum("bi,bi->", prb, a[j]))
            xa[j] += np.einsum("bip,bi->p", mxb, a[j])
            if reml:
                B[j] += np.einsum("bip,biq->pq", mxb, U[j])
            for m in range(j, L):
                t1[j, m] += float(np.einsum("bik,bki->", F[j], F[m]))
                tq[j, m] += float(np.einsum("bi,bi->", a[j], ma[m]))
                if reml:
                    C[j, m] += np.einsum("bip,bij,bjq->pq", U[j], mi, U[m])
                    if m != j:
                        C[m, j] += np.einsum("bip,bij,bjq->pq", U[m], mi, U[j])
    for j in range(L):
        for m in range(j + 1, L):
            t1[m, j] = t1[j, m]
            tq[m, j] = tq[j, m]
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
    info = (info + info.T) / 2
    obs = tq - xa @ vb @ xa.T - info
    obs = (obs + obs.T) / 2
    return VcEval(elements=np.asarray(elements, dtype=float), ll=float(ll), b=b, vb=vb, score=score, info=info,
                  obs=obs)

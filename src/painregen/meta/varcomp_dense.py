"""Faster forms of the (restricted) likelihood of :mod:`painregen.meta.varcomp`: ``M`` as one dense k x k matrix,
or its blocks padded into one group.

Same model and formulas (``M = V + sum_m e_m G_m``; Harville 1977, *JASA* 72:320-338; Searle, Casella &
McCulloch 1992, *Variance Components*, ch. 6), written with whole matrices::

    P = M^-1 - M^-1 X (X'M^-1X)^-1 X'M^-1,   Q = P (REML) or M^-1 (ML),   a_m = G_m P y
    score_m   = -1/2 tr(Q G_m) + 1/2 y'P a_m
    expected  = 1/2 tr(Q G_m Q G_l)
    observed  = a_m' P a_l - expected

For small k (a few dozen rows) a handful of k x k products cost less than the block-by-block assembly of
:func:`painregen.meta.varcomp.evaluate_vc`, whose time goes to per-group bookkeeping; the two agree to rounding.
:func:`painregen.meta.mv_model.fit_model` uses this form up to ``k = DENSE_MAX`` rows (measured crossover with
a few rows per cluster: 0.05 vs 0.14 ms per log-likelihood at k = 20, even near k = 50).

Beyond that, blocks of different sizes (one group each) are padded to the largest size and evaluated as one group
(:class:`PaddedModel`) when that is cheaper: each padded row is a phantom row with ``v = 1``, ``y = 0``,
``X = 0`` and no random effect, so ``M`` is the identity there and every term of the likelihood and its
derivatives is unchanged except the ``log(2 pi)`` constant of one extra row, which is added back. Padding pays
when the groups' fixed cost outweighs the work added by padding (:func:`fast_form`): a simulated registry's
dose-response strata, k = 100-160 in blocks of 1-8 rows, 2-4x faster per evaluation; the same registry's
subgroup models at 1,000 studies (hundreds of studies, up to 16 rows each) would be 2x slower, and are not
padded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from scipy.linalg import lapack

from painregen.meta.blocks import BlockGroup
from painregen.meta.varcomp import VcEval, evaluate_vc

FloatArray = np.ndarray
#: largest k for which the dense form is used (beyond it the cubic cost outgrows the block assembly's overhead)
DENSE_MAX = 48
#: the fixed cost of one more group in units of the per-block work ``n^3`` (measured: about 0.15 ms per group
#: against 11 ns per unit for an evaluation with derivatives)
GROUP_COST = 13_000


@dataclass(frozen=True, eq=False)
class DenseModel:
    """``V`` (k x k: ``diag(v)`` plus the known covariances) and ``G`` (L x k x k) of a model's block groups."""

    V: FloatArray
    G: FloatArray


def dense_model(groups: list[BlockGroup], v: FloatArray) -> DenseModel:
    """The k x k matrices of ``groups`` (as :func:`painregen.meta.blocks.blocks_from` builds them) for rows ``v``."""
    k = v.size
    L = len(groups[0].G) if groups else 0
    V = np.diag(np.asarray(v, dtype=float))
    G = np.zeros((L, k, k))
    for grp in groups:
        for b, rows in enumerate(grp.rows):
            ix = np.ix_(rows, rows)
            for m in range(L):
                G[m][ix] = grp.G[m][b]
            if grp.C is not None:
                V[ix] += grp.C[b]
    return DenseModel(V=V, G=G)


@dataclass(frozen=True, eq=False)
class PaddedModel:
    """The block groups padded to one group (module docstring); ``k``: the real rows (the phantom row is ``k``)."""

    group: BlockGroup
    k: int


def padded_model(groups: list[BlockGroup], k: int) -> PaddedModel:
    """``groups`` (over rows 0..k-1) as one group of blocks of the largest size, padded with the phantom row ``k``."""
    nmax = max(g.rows.shape[1] for g in groups)
    L = len(groups[0].G)
    rows: list[np.ndarray] = []
    Gs: list[list[np.ndarray]] = [[] for _ in range(L)]
    Cs: list[np.ndarray] = []
    for g in groups:
        nb, n = g.rows.shape
        r = np.full((nb, nmax), k, dtype=g.rows.dtype)
        r[:, :n] = g.rows
        rows.append(r)
        for m in range(L):
            z = np.zeros((nb, nmax, nmax))
            z[:, :n, :n] = g.G[m]
            Gs[m].append(z)
        c = np.zeros((nb, nmax, nmax))
        if g.C is not None:
            c[:, :n, :n] = g.C
        Cs.append(c)
    group = BlockGroup(rows=np.vstack(rows), G=tuple(np.concatenate(x) for x in Gs), C=np.concatenate(Cs))
    return PaddedModel(group=group, k=k)


def evaluate_padded(model: PaddedModel, y: FloatArray, v: FloatArray, X: FloatArray, elements: FloatArray,
                    reml: bool, derivs: bool = True) -> VcEval:
    """:func:`painregen.meta.varcomp.evaluate_vc` on the padded group (module docstring)."""
    ev = evaluate_vc([model.group], np.append(y, 0.0), np.append(v, 1.0), np.vstack([X, np.zeros((1, X.shape[1]))]),
                     elements, reml, derivs)
    return replace(ev, ll=ev.ll + 0.5 * float(np.log(2 * np.pi)))


def fast_form(groups: list[BlockGroup], v: FloatArray) -> DenseModel | PaddedModel | None:
    """The faster form of a model for :func:`painregen.meta.mv_model.fit_model`: dense up to ``DENSE_MAX`` rows,
    else padded when there are several groups and ``nb nmax^3`` (the padded work) is at most the groups' own
    work ``sum nb_g n_g^3`` plus ``GROUP_COST`` per group saved, else None (the groups as they are)."""
    if v.size <= DENSE_MAX:
        return dense_model(groups, v)
    shapes = [g.rows.shape for g in groups]
    nb, nmax = sum(b for b, _ in shapes), max(n for _, n in shapes)
    if len(groups) > 1 and nb * nmax**3 <= sum(b * n**3 for b, n in shapes) + GROUP_COST * (len(groups) - 1):
        return padded_model(groups, v.size)
    return None


def evaluate_dense(model: DenseModel, y: FloatArray, X: FloatArray, elements: FloatArray, reml: bool,
                   derivs: bool = True) -> VcEval:
    """:func:`painregen.meta.varcomp.evaluate_vc` on the dense matrices (module docstring), through the Cholesky
    factor ``M = LL'``: with ``W = L^-1 X`` and ``w = L^-1 y``, ``X'M^-1X = W'W`` and ``r'M^-1r = |w - Wb|^2``.

    Raises ``numpy.linalg.LinAlgError`` when ``M`` is not positive definite."""
    k, p = X.shape
    e = np.asarray(elements, dtype=float)
    M = model.V.copy()
    for em, Gm in zip(e, model.G, strict=True):
        M += em * Gm
    li, logdet = _inverse_factor(M)
    W = li @ X
    w = li @ y
    A = W.T @ W
    ai, logdet_a = _inverse_factor(A)
    vb = ai.T @ ai
    vb = (vb + vb.T) / 2
    b = vb @ (W.T @ w)
    wr = w - W @ b
    quad = float(wr @ wr)
    if reml:
        logdet_xx = _inverse_factor(X.T @ X)[1]
        ll = -0.5 * ((k - p) * np.log(2 * np.pi) + logdet + logdet_a + quad) + 0.5 * logdet_xx
    else:
        ll = -0.5 * (k * np.log(2 * np.pi) + logdet + quad)
    L = e.size
    if not derivs or L == 0:
        z = np.zeros((L, L))
        return VcEval(elements=e, ll=float(ll), b=b, vb=vb, score=np.zeros(L), info=z, obs=z.copy())
    minv = li.T @ li
    minv = (minv + minv.T) / 2
    MX = li.T @ W
    Pr = li.T @ wr  # M^-1 r = P y
    P = minv - MX @ vb @ MX.T
    QG = (P if reml else minv) @ model.G  # (L, k, k)
    a = model.G @ Pr  # (L, k): G_m P y
    score = -0.5 * np.einsum("lii->l", QG) + 0.5 * (a @ Pr)
    info = 0.5 * np.einsum("aij,bji->ab", QG, QG)
    info = (info + info.T) / 2
    obs = a @ P @ a.T - info
    obs = (obs + obs.T) / 2
    return VcEval(elements=e, ll=float(ll), b=b, vb=vb, score=score, info=info, obs=obs)


def _inverse_factor(M: FloatArray) -> tuple[FloatArray, float]:
    """``L^-1`` of the Cholesky factor ``M = LL'`` of a symmetric positive-definite matrix, and ``log|M|`` (LAPACK
    potrf/trtri, without numpy's per-call checks; a 1 x 1 matrix, e.g. ``X'M^-1X`` of one moderator, by the same
    two operations in Python); ``numpy.linalg.LinAlgError`` when it is not positive definite."""
    if M.shape == (1, 1):
        m = float(M[0, 0])
        if not m > 0:
            raise np.linalg.LinAlgError("marginal covariance not positive definite")
        root = math.sqrt(m)
        return np.array([[1.0 / root]]), 2.0 * math.log(root)
    chol, info = lapack.dpotrf(M, lower=1, clean=1)
    if info != 0:
        raise np.linalg.LinAlgError("marginal covariance not positive definite")
    logdet = 2.0 * float(np.sum(np.log(np.diagonal(chol))))
    li, info = lapack.dtrtri(chol, lower=1)
    if info != 0:
        raise np.linalg.LinAlgError("marginal covariance not positive definite")
    return li, logdet

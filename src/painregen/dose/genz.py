"""Multivariate normal and (non-central) t rectangle probabilities, Genz's separation of variables.

Implements Genz (1992, J Comput Graph Stat 1:141) and Genz & Bretz (2002, J Comput Graph Stat 11:950;
2009, *Computation of Multivariate Normal and t Probabilities*, Springer): the probability is a product
of univariate conditional normal probabilities along a Cholesky factor (variables reordered so the
tightest intervals come first); the t adds one outer coordinate for the scale ``s = sqrt(chi2_df/df)``.
The non-central t is Kshirsagar's type, ``T = (Z + delta) / s`` with ``Z ~ N(0, R)``, as mvtnorm's
``pmvt``.  A singular ``R`` leaves variables whose Cholesky row ends in an earlier column; their limits
are folded into that column's interval (Genz & Bretz 2009, section 2.1.4).  Randomised QMC points come
from :mod:`painregen.dose.mvprob` (fixed seed: results are deterministic).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats
from scipy.special import ndtr, ndtri

from .models import Array
from .mvprob import GENZ_CONTROL, MVControl, _points

_EPS = 1e-6  # a residual standard deviation below this counts as zero


def _ordered_cholesky(corr: Array, lower: Array, upper: Array) -> tuple[Array, NDArray[np.intp]]:
    """Cholesky factor with Genz-Bretz prioritisation (narrowest expected interval first)."""
    k = corr.shape[0]
    c = corr.copy()
    perm = np.arange(k)
    lo, up = lower.copy(), upper.copy()
    chol = np.zeros((k, k))
    y = np.zeros(k)
    for i in range(k):
        s = chol[i:, :i] @ y[:i]
        sd = np.sqrt(np.maximum(np.diag(c)[i:] - np.sum(chol[i:, :i] ** 2, axis=1), 0.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            a = np.where(sd > _EPS, (lo[i:] - s) / sd, -np.inf)
            b = np.where(sd > _EPS, (up[i:] - s) / sd, np.inf)
        j = i + int(np.argmin(np.where(sd > _EPS, ndtr(b) - ndtr(a), 2.0)))
        for arr in (lo, up, perm):
            arr[[i, j]] = arr[[j, i]]
        c[[i, j], :] = c[[j, i], :]
        c[:, [i, j]] = c[:, [j, i]]
        chol[[i, j], :] = chol[[j, i], :]
        v = c[i, i] - np.sum(chol[i, :i] ** 2)
        if v <= _EPS**2:
            continue
        chol[i, i] = np.sqrt(v)
        chol[i + 1 :, i] = (c[i + 1 :, i] - chol[i + 1 :, :i] @ chol[i, :i]) / chol[i, i]
        ai = (lo[i] - chol[i, :i] @ y[:i]) / chol[i, i]
        bi = (up[i] - chol[i, :i] @ y[:i]) / chol[i, i]
        mass = ndtr(bi) - ndtr(ai)
        dens = stats.norm.pdf(ai) - stats.norm.pdf(bi)
        y[i] = dens / mass if mass > 1e-300 else 0.0
    return chol, perm


def _integrand(chol: Array, lower: Array, upper: Array, w: Array) -> Array:
    """Genz's integrand at points ``w`` (n, rank-1); limits are (n, k)."""
    n, k = lower.shape[0], chol.shape[0]
    rank = int(np.sum(np.diag(chol) > _EPS))
    last = [max((j for j in range(rank) if abs(chol[i, j]) > 1e-10), default=0) for i in range(k)]
    y = np.zeros((n, rank))
    f = np.ones(n)
    for i in range(rank):
        lo = np.full(n, -np.inf)
        hi = np.full(n, np.inf)
        for j in [i] + [j for j in range(rank, k) if last[j] == i]:
            s = y[:, :i] @ chol[j, :i]
            with np.errstate(invalid="ignore"):
                a, b = (lower[:, j] - s) / chol[j, i], (upper[:, j] - s) / chol[j, i]
            if chol[j, i] < 0:
                a, b = b, a
            lo, hi = np.maximum(lo, a), np.minimum(hi, b)
        d, e = ndtr(lo), ndtr(hi)
        f = f * np.maximum(e - d, 0.0)
        if i < rank - 1:
            y[:, i] = ndtri(np.clip(d + w[:, i] * (e - d), 1e-16, 1 - 1e-16))
    return f


@lru_cache(maxsize=64)
def _scaled_points(dim: int, df: float, control: MVControl) -> tuple[Array, Array]:
    """Stacked scrambles: uniforms (R*n, dim) and t scales (R*n, 1) (ones when df = inf)."""
    finite = bool(np.isfinite(df))
    total = dim + int(finite)
    if total == 0:
        return np.zeros((control.replicates, 0)), np.ones((control.replicates, 1))
    pts = _points(total, control).reshape(-1, total)
    if finite:
        return pts[:, :-1], np.sqrt(stats.chi2.ppf(pts[:, -1], df) / df)[:, None]
    return pts, np.ones((pts.shape[0], 1))


def pmv(
    lower: ArrayLike, upper: ArrayLike, corr: ArrayLike, df: float = np.inf,
    delta: ArrayLike | None = None, control: MVControl = GENZ_CONTROL,
) -> tuple[float, float]:
    """P(lower < T < upper) for multivariate normal (df = inf) or (non-central) t T with correlation
    ``corr``; returns (probability, standard error over the scrambles)."""
    r = np.atleast_2d(np.asarray(corr, dtype=float))
    k = r.shape[0]
    a = np.broadcast_to(np.asarray(lower, dtype=float), (k,)).copy()
    b = np.broadcast_to(np.asarray(upper, dtype=float), (k,)).copy()
    dl = np.zeros(k) if delta is None else np.broadcast_to(np.asarray(delta, dtype=float), (k,)).copy()
    if k == 1:
        if not np.isfinite(df):
            return float(ndtr(b[0] - dl[0]) - ndtr(a[0] - dl[0])), 0.0
        dist = stats.nct(df, dl[0]) if dl[0] != 0 else stats.t(df)
        return float(dist.cdf(b[0]) - dist.cdf(a[0])), 0.0
    chol, perm = _ordered_cholesky(r, a - dl, b - dl)
    a, b, dl = a[perm], b[perm], dl[perm]
    rank = int(np.sum(np.diag(chol) > _EPS))
    w, scale = _scaled_points(max(rank - 1, 0), float(df), control)
    with np.errstate(invalid="ignore"):
        lo = np.where(np.isfinite(a), a * scale, -np.inf) - dl
        up = np.where(np.isfinite(b), b * scale, np.inf) - dl
    est = _integrand(chol, lo, up, w).reshape(control.replicates, -1).mean(axis=1)
    se = float(est.std(ddof=1) / np.sqrt(est.size)) if est.size > 1 else 0.0
    return float(est.mean()), se

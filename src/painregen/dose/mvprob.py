"""Multivariate normal and (non-central) t rectangle probabilities by randomised quasi-Monte-Carlo.

Implements the separation-of-variables algorithm of Genz (1992, J Comput Graph Stat 1:141) and Genz &
Bretz (2002, J Comput Graph Stat 11:950; 2009, *Computation of Multivariate Normal and t
Probabilities*, Springer): the integrand is written as a product of univariate conditional normal
probabilities along a Cholesky factor (variables reordered so the tightest intervals come first); the
multivariate t adds one outer coordinate for the scale ``s = sqrt(chi2_df / df)``.  The non-central t
is of Kshirsagar's type, ``T = (Z + delta) / s`` with ``Z ~ N(0, R)``, as in mvtnorm's ``pmvt``.

Points are scrambled Sobol sequences (scipy.stats.qmc) drawn from a fixed seed, so a probability is a
deterministic, smooth function of its limits: quantiles are solved by root finding on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats
from scipy.optimize import brentq
from scipy.special import ndtr, ndtri

from .models import Array

_EPS = 1e-6  # a residual standard deviation below this counts as zero


@dataclass(frozen=True)
class MVControl:
    """QMC settings: ``2**log2_points`` Sobol points in each of ``replicates`` scrambles, and the seed."""

    log2_points: int = 12
    replicates: int = 12
    seed: int = 20050738


DEFAULT_CONTROL = MVControl()


@lru_cache(maxsize=64)
def _points(dim: int, control: MVControl) -> Array:
    rng = np.random.default_rng(control.seed)
    sets = [
        stats.qmc.Sobol(dim, scramble=True, seed=rng).random_base2(control.log2_points)
        for _ in range(control.replicates)
    ]
    return np.asarray(np.stack(sets), dtype=float)  # (replicates, n, dim)


def _ordered_cholesky(corr: Array, lower: Array, upper: Array) -> tuple[Array, Array]:
    """Cholesky factor with Genz-Bretz variable prioritisation; returns (L, permutation)."""
    k = corr.shape[0]
    c = corr.copy()
    perm = np.arange(k)
    lo, up = lower.copy(), upper.copy()
    chol = np.zeros((k, k))
    y = np.zeros(k)
    for i in range(k):
        s = chol[i:, :i] @ y[:i]
        var = np.diag(c)[i:] - np.sum(chol[i:, :i] ** 2, axis=1)
        sd = np.sqrt(np.maximum(var, 0.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            a = np.where(sd > _EPS, (lo[i:] - s) / sd, -np.inf)
            b = np.where(sd > _EPS, (up[i:] - s) / sd, np.inf)
        width = np.where(sd > _EPS, ndtr(b) - ndtr(a), 2.0)
        j = i + int(np.argmin(width))
        for arr in (lo, up, perm):
            arr[[i, j]] = arr[[j, i]]
        c[[i, j], :] = c[[j, i], :]
        c[:, [i, j]] = c[:, [j, i]]
        chol[[i, j], :] = chol[[j, i], :]
        v = c[i, i] - np.sum(chol[i, :i] ** 2)
        if v > _EPS**2:
            chol[i, i] = np.sqrt(v)
            chol[i + 1 :, i] = (c[i + 1 :, i] - chol[i + 1 :, :i] @ chol[i, :i]) / chol[i, i]
            ai, bi = (lo[i] - chol[i, :i] @ y[:i]) / chol[i, i], (up[i] - chol[i, :i] @ y[:i]) / chol[i, i]
            pa, pb = ndtr(ai), ndtr(bi)
            phi = stats.norm.pdf
            y[i] = (phi(ai) - phi(bi)) / (pb - pa) if pb - pa > 1e-300 else (ai if np.isfinite(ai) else bi)
            if not np.isfinite(y[i]):
                y[i] = 0.0
        else:
            y[i] = 0.0
    return chol, perm


def _integrand(chol: Array, lower: Array, upper: Array, w: Array) -> Array:
    """Genz's integrand for points ``w`` (n, rank-1); limits broadcast to (n, k).

    A singular correlation (more contrasts than the k - 1 dimensions they live in) leaves variables
    whose Cholesky row ends in an earlier column ``l``; their limits are folded into the interval of the
    l-th variable, which keeps the integrand continuous (Genz & Bretz 2009, section 2.1.4).
    """
    n, k = lower.shape[0], chol.shape[0]
    diag = np.diag(chol)
    rank = int(np.sum(diag > _EPS))
    tol = 1e-10
    last = [max((j for j in range(rank) if abs(chol[i, j]) > tol), default=-1) for i in range(k)]
    y = np.zeros((n, rank))
    f = np.ones(n)
    for i in range(rank):
        members = [i] + [j for j in range(rank, k) if last[j] == i]
        lo = np.full(n, -np.inf)
        hi = np.full(n, np.inf)
        for j in members:
            s = y[:, :i] @ chol[j, :i]
            lij = chol[j, i]
            with np.errstate(invalid="ignore"):
                a, b = (lower[:, j] - s) / lij, (upper[:, j] - s) / lij
            if lij < 0:
                a, b = b, a
            lo, hi = np.maximum(lo, a), np.minimum(hi, b)
        d, e = ndtr(lo), ndtr(hi)
        f = f * np.maximum(e - d, 0.0)
        if i < rank - 1:
            y[:, i] = ndtri(np.clip(d + w[:, i] * (e - d), 1e-16, 1 - 1e-16))
    return f


def pmv(
    lower: ArrayLike,
    upper: ArrayLike,
    corr: ArrayLike,
    df: float = np.inf,
    delta: ArrayLike | None = None,
    control: MVControl = DEFAULT_CONTROL,
) -> tuple[float, float]:
    """P(lower < T < upper) for T multivariate normal (df = inf) or t with correlation ``corr``.

    Returns (probability, standard error over the scrambles).  ``delta`` is the non-centrality.
    """
    r = np.atleast_2d(np.asarray(corr, dtype=float))
    k = r.shape[0]
    a = np.broadcast_to(np.asarray(lower, dtype=float), (k,)).copy()
    b = np.broadcast_to(np.asarray(upper, dtype=float), (k,)).copy()
    dl = np.zeros(k) if delta is None else np.broadcast_to(np.asarray(delta, dtype=float), (k,)).copy()
    finite_df = bool(np.isfinite(df))
    if k == 1:
        return _univariate(a[0], b[0], df, dl[0]), 0.0
    chol, perm = _ordered_cholesky(r, a - dl, b - dl)
    a, b, dl = a[perm], b[perm], dl[perm]
    rank = int(np.sum(np.diag(chol) > _EPS))
    w, scale = _scaled_points(max(rank - 1, 0), float(df), control)
    with np.errstate(invalid="ignore"):
        lo = np.where(np.isfinite(a), a * scale, -np.inf) - dl
        up = np.where(np.isfinite(b), b * scale, np.inf) - dl
    vals = _integrand(chol, lo, up, w).reshape(control.replicates, -1)
    est = vals.mean(axis=1)
    se = float(est.std(ddof=1) / np.sqrt(est.size)) if est.size > 1 else 0.0
    return float(est.mean()), se


@lru_cache(maxsize=64)
def _scaled_points(dim: int, df: float, control: MVControl) -> tuple[Array, Array]:
    """All scrambles stacked: uniforms (R*n, dim) and the t scale s (R*n, 1) (ones when df = inf)."""
    finite_df = bool(np.isfinite(df))
    total = dim + int(finite_df)
    if total == 0:
        n = control.replicates
        return np.zeros((n, 0)), np.ones((n, 1))
    pts = _points(total, control).reshape(-1, total)
    if finite_df:
        scale = np.sqrt(stats.chi2.ppf(pts[:, -1], df) / df)[:, None]
        return pts[:, :-1], scale
    return pts, np.ones((pts.shape[0], 1))


def _univariate(a: float, b: float, df: float, delta: float) -> float:
    if not np.isfinite(df):
        return float(ndtr(b - delta) - ndtr(a - delta))
    dist = stats.nct(df, delta) if delta != 0 else stats.t(df)
    return float(dist.cdf(b) - dist.cdf(a))


def max_t_cdf(
    c: float, corr: ArrayLike, df: float = np.inf, two_sided: bool = False,
    delta: ArrayLike | None = None, control: MVControl = DEFAULT_CONTROL,
) -> float:
    """P(max_i T_i < c) (one-sided) or P(max_i |T_i| < c) (two-sided)."""
    lower = -c if two_sided else -np.inf
    return pmv(lower, c, corr, df, delta, control)[0]


def max_t_quantile(
    alpha: float, corr: ArrayLike, df: float = np.inf, two_sided: bool = False,
    control: MVControl = DEFAULT_CONTROL,
) -> float:
    """Critical value c with P(max T < c) = 1 - alpha (as mvtnorm's ``qmvt``/``qmvnorm`` tail="lower")."""
    r = np.atleast_2d(np.asarray(corr, dtype=float))
    k = r.shape[0]
    a = alpha / 2 if two_sided else alpha
    dist = stats.norm() if not np.isfinite(df) else stats.t(df)
    lo, hi = float(dist.isf(a)) - 1e-9, float(dist.isf(a / k)) + 1e-9  # single test .. Bonferroni
    if k == 1:
        return float(dist.isf(a))
    return float(brentq(lambda c: max_t_cdf(c, r, df, two_sided, None, control) - (1 - alpha),
                        lo, hi, xtol=1e-10))

"""Distribution of the maximum of correlated (multivariate normal or t) statistics, by spherical-radial
integration; used for critical values and adjusted p-values of the multiple contrast test.

With correlation ``R = A'A`` of rank r (A is r x M, from the eigen-decomposition, so singular ``R`` --
more contrasts than the k - 1 dimensions they live in -- needs no special case), the statistics are
``T = A'u / s`` with ``u ~ N_r(0, I)``, ``s = sqrt(chi2_df / df)`` (``s = 1`` for df = inf).  Writing ``u = rho theta``
with ``rho ~ chi_r`` and ``theta`` uniform on the sphere, the event ``max T < c`` (central case) is
``rho / s < c / g(theta)`` with ``g = max_m a_m' theta``, whose probability is a closed-form F (or
chi-square) cdf, ``P(max T < c) = E_theta F_{r,df}(c^2 / (r g^2))``; only the direction is averaged by
randomised quasi-Monte-Carlo (Deak 1980, Math Oper Stat Ser Optim 11:3; Genz & Bretz 2009, *Computation
of Multivariate Normal and t Probabilities*, Springer, section 4.1.4).  Non-central probabilities
(power) are computed in :mod:`painregen.dose.genz`.

Points are scrambled Sobol sequences from a fixed seed, used with their antipodes, so a probability is a
deterministic, continuous function of its limits and quantiles are found by root finding.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike
from scipy import special, stats
from scipy.optimize import brentq

from .models import Array


@dataclass(frozen=True)
class MVControl:
    """QMC settings: ``2**log2_points`` Sobol points in each of ``replicates`` scrambles, and the seed."""

    log2_points: int = 14
    replicates: int = 8
    seed: int = 20050738


BINS = 2048  # equal-width bins of g whose means MaxT.cdf evaluates
DEFAULT_CONTROL = MVControl(log2_points=13, replicates=4)  # maximum-of-t: standard error ~2e-5
GENZ_CONTROL = MVControl(log2_points=12)  # Genz's integrand is smoother: ~1e-6 with fewer points


@lru_cache(maxsize=64)
def _points(dim: int, control: MVControl) -> Array:
    """Uniform points, shape (replicates, 2**log2_points, dim)."""
    rng = np.random.default_rng(control.seed)
    sets = [stats.qmc.Sobol(dim, scramble=True, seed=rng).random_base2(control.log2_points)
            for _ in range(control.replicates)]
    return np.asarray(np.stack(sets), dtype=float)


def factor(corr: ArrayLike) -> Array:
    """``A`` (r x M) with ``A'A = corr``, r the numerical rank."""
    w, v = np.linalg.eigh(np.asarray(corr, dtype=float))
    keep = w > 1e-10 * max(float(w.max()), 1e-300)
    return np.asarray((v[:, keep] * np.sqrt(w[keep])).T)


@lru_cache(maxsize=16)
def _half_directions(r: int, control: MVControl) -> Array:
    """Unit directions without their antipodes, shape (replicates, n, r); cached (read-only)."""
    z = special.ndtri(_points(r, control))
    theta = z / np.sqrt(np.sum(z * z, axis=-1, keepdims=True))
    theta.setflags(write=False)
    return np.asarray(theta)


def _directions(r: int, control: MVControl, extra: int = 0) -> tuple[Array, Array]:
    """Unit directions with their antipodes, shape (replicates, 2n, r), and ``extra`` further uniform
    coordinates shared by each direction and its antipode, shape (replicates, 2n, extra)."""
    if extra == 0:
        theta = _half_directions(r, control)
        return np.concatenate([theta, -theta], axis=1), np.zeros((*theta.shape[:2], 0))
    pts = _points(r + extra, control)
    z = special.ndtri(pts[..., :r])
    theta = z / np.linalg.norm(z, axis=-1, keepdims=True)
    rest = pts[..., r:]
    return np.concatenate([theta, -theta], axis=1), np.concatenate([rest, rest], axis=1)


class MaxT:
    """Distribution of ``max_m T_m`` (or ``max_m |T_m|``) for central T with correlation ``corr``.

    The direction-dependent part ``g(theta)`` is computed once; ``cdf`` and ``quantile`` are then cheap.
    """

    def __init__(self, corr: ArrayLike, df: float = np.inf, two_sided: bool = False,
                 control: MVControl = DEFAULT_CONTROL) -> None:
        a = factor(corr)
        self.r = a.shape[0]
        self.m = a.shape[1]
        self.df = float(df)
        proj = _half_directions(self.r, control) @ a  # (replicates, n, M); the antipodes give -proj
        if two_sided:
            half = np.max(np.abs(proj), axis=-1)
            self.g = np.concatenate([half, half], axis=1)
        else:
            self.g = np.concatenate([np.max(proj, axis=-1), -np.min(proj, axis=-1)], axis=1)
        self.two_sided = two_sided
        g = self.g.ravel()
        positive = g[g > 0]
        self._n = g.size
        self._n_nonpositive = g.size - positive.size
        if positive.size:  # bins of equal width in g: counts and means by bincount (no sort)
            idx = np.minimum((positive * (BINS / positive.max())).astype(np.intp), BINS - 1)
            count = np.bincount(idx, minlength=BINS).astype(float)
            total = np.bincount(idx, weights=positive, minlength=BINS)
            keep = count > 0
            self._g_weight, self._g_mean = count[keep], total[keep] / count[keep]
        else:
            self._g_weight = self._g_mean = np.zeros(0)

    def _radial(self, t: Array) -> Array:
        """P(rho / s < t): F_{r,df}(t^2 / r), or chi-square_r(t^2) for df = inf."""
        if np.isfinite(self.df):
            return np.asarray(special.fdtr(self.r, self.df, t * t / self.r))
        return np.asarray(special.chdtr(self.r, t * t))

    def cdf(self, c: float) -> float:
        """P(max T < c) = mean over directions of the radial probability at ``c / g`` (1 where ``g <= 0``).

        For ``c >= 1`` (critical values, p-values below ~0.3) the positive ``g`` are binned once into ``BINS``
        (2,048) bins of equal width; the radial probability is evaluated at ``c`` over each bin's mean ``g``,
        weighted by the bin's count. It is smooth in ``g`` there and a bin is narrow (1/2,048 of the range), so
        this changes the mean by less than 1e-7 (tested; ~1e-8 measured), far below the quasi-Monte Carlo error
        (~2e-5), at a fraction of the cost, and needs no sort. Below ``c = 1`` every direction is used.
        """
        if c <= 0:
            return 0.0
        if c < 1.0:  # in the lower tail the radial probability bends sharply within a group: every direction
            pos = self.g > 0
            return float(np.mean(np.where(pos, self._radial(c / np.where(pos, self.g, 1.0)), 1.0)))
        vals = self._radial(c / self._g_mean) if self._g_mean.size else np.zeros(0)
        return float((self._n_nonpositive + float(vals @ self._g_weight)) / self._n)

    def sf(self, c: float) -> float:
        """P(max T >= c): the multiplicity-adjusted p-value of a statistic c."""
        return 1.0 - self.cdf(c)

    def quantile(self, alpha: float) -> float:
        """Critical value c with P(max T < c) = 1 - alpha (mvtnorm ``qmvt`` with tail "lower.tail")."""
        a = alpha / 2 if self.two_sided else alpha

        def isf(q: float) -> float:  # upper quantile of the t (or normal) distribution
            return float(special.stdtrit(self.df, 1.0 - q) if np.isfinite(self.df) else special.ndtri(1.0 - q))

        lo, hi = isf(a) - 1e-6, isf(a / self.m) + 1e-6  # one test .. Bonferroni
        return float(brentq(lambda c: self.cdf(c) - (1.0 - alpha), lo, hi, xtol=1e-10))


def max_t_cdf(c: float, corr: ArrayLike, df: float = np.inf, two_sided: bool = False,
              control: MVControl = DEFAULT_CONTROL) -> float:
    """P(max_m T_m < c) (one-sided) or P(max_m |T_m| < c) (two-sided), central T."""
    return MaxT(corr, df, two_sided, control).cdf(c)


def max_t_quantile(alpha: float, corr: ArrayLike, df: float = np.inf, two_sided: bool = False,
                   control: MVControl = DEFAULT_CONTROL) -> float:
    """Critical value c with P(max T < c) = 1 - alpha."""
    return MaxT(corr, df, two_sided, control).quantile(alpha)

"""The (restricted) log-likelihood of a variance-components model along a ray ``M(t) = V + t K``, at the cost of
one eigendecomposition per block.

:func:`painregen.meta.mv_model.fit_model` looks for a second maximum along rays of the variance components (each
random intercept alone, and all of them equal: ``_probes``), a Brent search of some twenty log-likelihoods per
ray. With ``V`` (sampling covariance) and ``K`` (the sum of the rays' ``G_m``) block-diagonal over the same
outer clusters, each block is reduced once, ``L^-1 K L^-T = U diag(lambda) U'`` with ``V = LL'`` (the
simultaneous diagonalisation of two symmetric matrices, ``V`` positive definite, ``K`` positive semi-definite;
Golub & Van Loan 2013, *Matrix Computations*, 4th ed., section 8.7), so that with ``X~ = U'L^-1 X`` and
``y~ = U'L^-1 y``::

    log|M(t)| = log|V| + sum log(1 + t lambda)
    X'M(t)^-1 X = X~' D X~,   X'M(t)^-1 y = X~' D y~,   y'M(t)^-1 y = y~' D y~,   D = diag(1 / (1 + t lambda))

and each point of the ray costs O(k p^2). The log-likelihood is the one of
:func:`painregen.meta.varcomp_dense.evaluate_dense` (Harville 1977, *JASA* 72:320-338): REML
``-1/2 ((k - p) log 2 pi + log|M| + log|X'M^-1X| + r'M^-1r) + 1/2 log|X'X|``, ML ``-1/2 (k log 2 pi + log|M| +
r'M^-1r)``, equal to it to rounding.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from painregen.meta.blocks import BlockGroup

FloatArray = np.ndarray


class RayBasis:
    """The reductions of the module docstring for one model's blocks and sampling variances, made once per set of
    terms and reused by every fit with other moderators (a profile over a non-linear parameter refits the same
    random-effects structure dozens of times)."""

    def __init__(self, groups: list[BlockGroup], v: FloatArray) -> None:
        self.groups = groups
        self.v = np.asarray(v, dtype=float)
        self._factors: list[FloatArray] | None = None  # L^-1 of each group's V blocks
        self._logdet_v = 0.0
        self._rays: dict[tuple[int, ...], tuple[FloatArray, list[FloatArray]] | None] = {}
        k = self.v.size
        covered = np.concatenate([g.rows.ravel() for g in groups]) if groups else np.zeros(0, dtype=int)
        self.usable = covered.size == k and bool(np.array_equal(np.sort(covered), np.arange(k)))

    def _v_factors(self) -> list[FloatArray] | None:
        if self._factors is None:
            factors = []
            for g in self.groups:
                nb, n = g.rows.shape
                vb = np.zeros((nb, n, n))
                vb[:, np.arange(n), np.arange(n)] = self.v[g.rows]
                if g.C is not None:
                    vb += g.C
                try:
                    chol = np.linalg.cholesky(vb)
                except np.linalg.LinAlgError:
                    self.usable = False
                    return None
                self._logdet_v += 2.0 * float(np.sum(np.log(np.diagonal(chol, axis1=1, axis2=2))))
                factors.append(np.linalg.inv(chol))
            self._factors = factors
        return self._factors

    def _ray(self, terms: tuple[int, ...]) -> tuple[FloatArray, list[FloatArray]] | None:
        """``lambda`` (k,) in the order of the groups' rows and ``U'L^-1`` per group, for ``K = sum G_terms``."""
        if terms not in self._rays:
            factors = self._v_factors()
            if factors is None:
                return None
            lams, ops = [], []
            for g, li in zip(self.groups, factors, strict=True):
                kb = np.zeros(li.shape)
                for m in terms:
                    kb += g.G[m]
                w, u = np.linalg.eigh(li @ kb @ np.swapaxes(li, 1, 2))
                lams.append(np.maximum(w, 0.0).ravel())
                ops.append(np.swapaxes(u, 1, 2) @ li)
            self._rays[terms] = (np.concatenate(lams), ops)
        return self._rays[terms]

    def reduced(self, terms: Sequence[int]) -> tuple[FloatArray, list[FloatArray], float] | None:
        """``lambda``, ``U'L^-1`` per group and ``log|V|`` for the ray of ``terms`` (module docstring); None when
        the blocks do not cover every row once or ``V`` is not positive definite."""
        if not self.usable:
            return None
        ray = self._ray(tuple(terms))
        return None if ray is None else (ray[0], ray[1], self._logdet_v)

    def loglik(self, terms: Sequence[int], X: FloatArray, y: FloatArray,
               reml: bool) -> Callable[[float], float] | None:
        """The log-likelihood at ``M(t) = V + t sum_{m in terms} G_m`` as a function of ``t >= 0`` (module
        docstring); None when the blocks do not cover every row once or ``V`` is not positive definite (the caller
        then evaluates the full model)."""
        ray = self.reduced(terms)
        if ray is None:
            return None
        lam, ops, _ = ray
        p = X.shape[1]
        xt = np.concatenate([(op @ X[g.rows]).reshape(-1, p) for g, op in zip(self.groups, ops, strict=True)])
        yt = np.concatenate([(op @ y[g.rows][..., None]).ravel() for g, op in zip(self.groups, ops, strict=True)])
        return _ray_function(lam, xt, yt, self._logdet_v, X, reml)


def _ray_function(lam: FloatArray, xt: FloatArray, yt: FloatArray, logdet_v: float, X: FloatArray,
                  reml: bool) -> Callable[[float], float]:
    """The log-likelihood of the module docstring as a function of ``t``, from the reduced ``lambda``, ``X~``, ``y~``
    and ``log|V|`` (``X``: the moderators as given, for ``log|X'X|``)."""
    k, p = X.shape
    logdet_xx = float(np.linalg.slogdet(X.T @ X)[1]) if reml else 0.0
    const = (k - p if reml else k) * math.log(2 * math.pi)
    xx = (xt[:, :, None] * xt[:, None, :]).reshape(k, p * p)  # row-wise products: each point is a few dot products
    xy = xt * yt[:, None]
    y2 = yt * yt

    def loglik(t: float) -> float:
        d = 1.0 / (1.0 + t * lam)
        c = d @ xy
        if p == 1:
            a1 = float(d @ xx[:, 0])
            if not a1 > 0:
                return -math.inf
            logdet_a, quad = math.log(a1), float(d @ y2) - float(c[0]) ** 2 / a1
        else:
            a = (d @ xx).reshape(p, p)
            sign, logdet_a = np.linalg.slogdet(a)
            if sign <= 0:
                return -math.inf
            quad = float(d @ y2 - c @ np.linalg.solve(a, c))
        logdet = logdet_v + float(np.sum(np.log1p(t * lam)))
        if reml:
            return -0.5 * (const + logdet + float(logdet_a) + quad) + 0.5 * logdet_xx
        return -0.5 * (const + logdet + quad)

    return loglik

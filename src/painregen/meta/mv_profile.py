"""One nested random-intercept model refitted with many moderator matrices (a profile over a non-linear parameter).

:func:`painregen.meta.rma_mv` checks its inputs and builds the random-effects structure on every call; a profile
(e.g. the Emax ED50 profile of :mod:`painregen.dose.emax_meta`, dozens of fits per stratum) changes only the
moderators. :class:`NestedRefit` builds the structure once, exactly as ``rma_mv(yi, vi, clusters=[outer, inner],
mods=X, intercept=False, V=V)`` does, and fits each ``X`` with the same optimiser
(:func:`painregen.meta.mv_model.fit_model`: same starts, same second-maximum probes, same convergence checks), so
its log-likelihood is the one ``rma_mv`` reports. ``start`` lets a fit begin at the neighbouring optimum (tried
before the usual starts).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from painregen.meta.blocks import check_vcov
from painregen.meta.control import FIT_ERRORS, Control
from painregen.meta.mv_model import Layout, MvFit, fit_model, model_blocks
from painregen.meta.mv_stack import stacked_fits
from painregen.meta.random_terms import build_terms
from painregen.meta.ray import RayBasis
from painregen.meta.varcomp_dense import DenseModel, fast_form

FloatArray = np.ndarray


class NestedRefit:
    """``rma_mv(y, v, clusters=clusters, mods=X, intercept=False, method=method, V=V)`` for many ``X``.

    ``y``, ``v``: finite, ``v > 0`` (no rows are dropped: ValueError otherwise, as rma_mv's checks);
    ``clusters``: label arrays, outermost first; ``V``: known covariance blocks as in rma_mv."""

    def __init__(self, y: Any, v: Any, clusters: Sequence[Any], *, method: str = "REML",
                 V: Sequence[tuple[Any, Any]] | None = None, control: Control | None = None) -> None:
        if method not in ("REML", "ML"):
            raise ValueError("rma_mv supports method 'REML' or 'ML'")
        self.y = np.asarray(y, dtype=float).ravel()
        self.v = np.asarray(v, dtype=float).ravel()
        k = self.y.size
        if self.v.shape != self.y.shape or not (np.all(np.isfinite(self.y)) and np.all(np.isfinite(self.v))):
            raise ValueError("yi and vi must be finite and of the same length")
        if np.any(self.v <= 0):
            raise ValueError("sampling variances must be positive")
        columns: dict[str, list[Any]] = {}
        for j, c in enumerate(clusters):
            arr = np.asarray(c, dtype=object)
            if arr.shape != self.y.shape:
                raise ValueError("each cluster label array must have the same length as yi")
            columns[f".level{j + 1}"] = [str(x) for x in arr]
        keep = np.ones(k, dtype=bool)
        vcov = check_vcov(V, self.v, np.asarray(clusters[0], dtype=object))
        intercepts, structured = build_terms(["~ 1 | " + "/".join(columns)], columns, ["CS"], keep)
        fixed = np.array([t.n_levels == 1 for t in intercepts], dtype=bool)
        self.layout = Layout(n_sigma2=len(intercepts), structures=tuple(structured), fixed_zero=fixed)
        self.groups = model_blocks(intercepts, structured, k, vcov)
        self.form = fast_form(self.groups, self.v)  # built once, not per fit
        self.rays = RayBasis(self.groups, self.v)  # the probes' reductions, likewise
        self.reml = method == "REML"
        self.control = control or Control()
        self.names = [f"sigma2.{j + 1}" for j in range(len(intercepts))]

    def profile(self, Xs: Sequence[Any]) -> tuple[FloatArray, list[FloatArray | None]]:
        """The log-likelihoods and parameters of the fits of every moderator matrix in ``Xs`` (-inf and None where
        a fit does not converge): the values of ``[self.fit(X) for X in Xs]``. Models of up to ``DENSE_MAX`` rows
        are fitted together (:func:`painregen.meta.mv_stack.stacked_fits`), and a fit that fails its checks there
        is redone here from the stacked end point; larger ones one by one, each from its neighbour's optimum."""
        xs = [self._moderators(X) for X in Xs]
        lls = np.full(len(xs), -np.inf)
        thetas: list[FloatArray | None] = [None] * len(xs)
        redo = np.ones(len(xs), dtype=bool)
        if xs and isinstance(self.form, DenseModel) and len({x.shape for x in xs}) == 1:
            ll, th, ok = stacked_fits(self.form, self.rays, self.layout, self.y, self.v, xs, self.reml, self.control)
            lls[ok] = ll[ok]
            for i in np.flatnonzero(ok):
                thetas[i] = th[i]
            redo = ~ok
            starts: list[FloatArray | None] = [th[i] if np.isfinite(ll[i]) else None for i in range(len(xs))]
        else:
            starts = [None] * len(xs)
        last: FloatArray | None = None
        for i in np.flatnonzero(redo):
            try:
                f = self.fit(xs[i], starts[i] if starts[i] is not None else last)
            except FIT_ERRORS:
                continue
            lls[i], thetas[i] = f.ev.ll, f.theta
            last = f.theta
        return lls, thetas

    def _moderators(self, X: Any) -> FloatArray:
        x = np.asarray(X, dtype=float)
        x = x[:, None] if x.ndim == 1 else x
        if x.shape[0] != self.y.size or not np.all(np.isfinite(x)):
            raise ValueError("X must be finite with one row per effect")
        if self.y.size <= x.shape[1]:
            raise ValueError(f"too few effects (k = {self.y.size}) for {x.shape[1]} coefficients")
        return x

    def fit(self, X: Any, start: FloatArray | None = None) -> MvFit:
        """The fit with moderators ``X`` (k x p, no intercept added); ``start``: variance components tried first."""
        x = self._moderators(X)
        return fit_model(self.groups, self.layout, self.y, self.v, x, self.reml, self.control, self.names,
                         form=self.form, start=start, rays=self.rays)

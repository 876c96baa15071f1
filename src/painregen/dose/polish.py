"""Final convergence of the nonlinear dose-response fits of :mod:`.vp`, batched over data sets.

The grid start (and optional pattern search) of :mod:`.vp` find the right basin but can stop part of the way
along a flat ridge of the criterion (a steep sigmoid Emax or logistic curve through a design with a gap between
two doses, whose optimum lies on the bound of ``h`` or ``delta``).  This module finishes the job:

1. **Projected, damped Newton on the profiled criterion.**  With the linear parameters profiled out (variable
   projection; Golub & Pereyra 1973, SIAM J Numer Anal 10:413) the criterion is a function of the log nonlinear
   parameters ``u`` alone.  Its gradient is exact, ``-2 theta1 D' r`` (``D`` the derivative of the whitened
   standardised shape, ``r`` the residual; envelope theorem); its Hessian is taken by central differences of that
   gradient, eigenvalues made positive, with Kaufman's (1975, BIT 15:49) Gauss-Newton matrix ``J'J``,
   ``J = theta1 P D``, as the fall-back.  Steps solve ``(H + lambda diag(H)) s = -grad / 2`` (Levenberg-Marquardt
   damping; Marquardt 1963, J SIAM 11:431) on the free coordinates only: a coordinate at a bound whose gradient
   pushes outward is held there (the active set of projected Newton methods; Bertsekas 1982, SIAM J Control
   Optim 20:221).  The step is projected onto the box and tried at lengths 1/50 to 1,000 (longer steps run down
   a flat ridge to its bound); the best decrease is taken.  A data set stops when the undamped model predicts a
   decrease below ``ftol`` of the criterion (first-order optimality on the free coordinates; 1e-14 of the total
   sum of squares is added for perfect fits), or when even heavily damped steps fail.
2. **Line search along the bounds.**  For two nonlinear parameters, a fit that ends with one of them on a bound
   is searched along that face, and one whose polish did not converge (crawling along a flat ridge) along all
   four faces: the other parameter starts at the best of a 41-point grid and is polished with the bound held.
   A better face optimum replaces the fit and is polished once more with both parameters free, which keeps the
   bound while it is active.

Criteria here are computed from explicit residuals (no cancellation), so two fits can be compared to ~1e-15
relative.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .model_defs import Fixed, ModelDef
from .models import Array

Mask = NDArray[np.bool_]

FTOL = 1e-15
MAX_ITER = 100
ALPHAS = np.array([1.0, 0.5, 0.25, 0.1, 0.02, 3.0, 10.0, 100.0, 1000.0])
FACE_GRID = 41


def centre(f0: Array, u: Array, k: int) -> tuple[Array, float, Array, Array, Array]:
    """The whitened intercept column's unit vector ``q1`` and norm, and for whitened shapes ``f0`` (..., k) their
    component along it ``c0``, the rest ``rf`` and its squared length ``rr`` (the shapes with the intercept
    projected out, as variable projection needs)."""
    one = u @ np.ones(k)
    norm1 = float(np.linalg.norm(one))
    q1 = one / norm1
    c0 = f0 @ q1
    rf = f0 - c0[..., None] * q1
    return q1, norm1, c0, rf, np.sum(rf * rf, axis=-1)


def exact_profile(mdef: ModelDef, doses: Array, ytil: Array, u: Array, theta: Array,
                  fixed: Fixed) -> tuple[Array, Array, Array]:
    """Criterion ``||ytil - U (theta0 + theta1 f0)||^2`` and the profiled ``theta0, theta1`` at nonlinear values
    ``theta`` (b, L, q) for each of the b whitened data vectors ``ytil`` (b, k); results (b, L)."""
    params = np.asarray([theta[..., i, None] for i in range(theta.shape[-1])])
    f0 = np.broadcast_to(mdef.std_f0(doses, params, fixed), theta.shape[:-1] + doses.shape) @ u.T  # (b, L, k)
    q1, norm1, c0, rf, rr = centre(f0, u, doses.size)
    yc = ytil - (ytil @ q1)[:, None] * q1  # (b, k)
    ok = rr > 1e-300
    theta1 = np.where(ok, np.einsum("bk,blk->bl", yc, rf) / np.where(ok, rr, 1.0), 0.0)
    resid = yc[:, None, :] - theta1[..., None] * rf
    theta0 = ((ytil @ q1)[:, None] - theta1 * c0) / norm1
    return np.sum(resid * resid, axis=-1), theta0, theta1


def _gradient(mdef: ModelDef, doses: Array, ytil: Array, u: Array, x: Array, fixed: Fixed) -> tuple[Array, Array]:
    """Minus half the gradient of the profiled criterion in the log parameters ``x`` (b, q) -- a descent
    direction, ``theta1 D' r`` -- and Kaufman's Gauss-Newton matrix ``J'J`` (b, q, q)."""
    th = np.exp(x)
    b, q = x.shape
    one = u @ np.ones(doses.size)
    q1 = one / np.linalg.norm(one)
    f0 = mdef.std_f0(doses, np.asarray([th[:, i, None] for i in range(q)]), fixed)
    f = np.broadcast_to(f0, (b, doses.size)) @ u.T
    d = np.swapaxes(mdef.nl_grad(doses, th, fixed) * th[:, None, :], 1, 2) @ u.T  # (b, q, k) whitened
    fp = f - (f @ q1)[:, None] * q1
    nf = np.sqrt(np.sum(fp * fp, axis=1))
    ok = nf > 1e-300
    q2 = np.where(ok[:, None], fp / np.where(ok, nf, 1.0)[:, None], 0.0)
    yc = ytil - (ytil @ q1)[:, None] * q1
    yq2 = np.sum(yc * q2, axis=1)
    theta1 = np.where(ok, yq2 / np.where(ok, nf, 1.0), 0.0)
    r = yc - yq2[:, None] * q2
    dp = d - (d @ q1)[:, :, None] * q1
    dp = dp - np.sum(dp * q2[:, None, :], axis=2)[:, :, None] * q2[:, None, :]
    jac = theta1[:, None, None] * dp
    g = theta1[:, None] * np.sum(d * r[:, None, :], axis=2)
    return g, jac @ np.swapaxes(jac, 1, 2)


def _lm_step(mdef: ModelDef, doses: Array, ytil: Array, u: Array, x: Array, lam: Array, lo: Array, hi: Array,
             fixed: Fixed, frozen: Mask) -> tuple[Array, Array]:
    """Projected, damped Newton step (b, q) at log parameters ``x`` (b, q) and the decrease the undamped model
    predicts on the free coordinates (b,).

    The curvature is half the Hessian of the profiled criterion by central differences of the exact gradient
    (step 1e-5 on the log scale; Kaufman's Gauss-Newton matrix where that is not finite), its eigenvalues
    replaced by their absolute values (at least 1e-10 of the largest; the damping ``lam`` does the rest): curved
    ridges, where the Gauss-Newton model alone crawls (and, measured, takes more iterations in all), are followed
    at Newton's rate."""
    b, q = x.shape
    h_fd = 1e-5
    pts = np.concatenate([x] + [x + sgn * h_fd * np.eye(q)[j] for j in range(q) for sgn in (1.0, -1.0)])
    gall, hgn_all = _gradient(mdef, doses, np.tile(ytil, (2 * q + 1, 1)), u, pts, fixed)
    g, hgn = gall[:b], hgn_all[:b]
    cols = [-(gall[(1 + 2 * j) * b:(2 + 2 * j) * b] - gall[(2 + 2 * j) * b:(3 + 2 * j) * b]) / (2 * h_fd)
            for j in range(q)]
    hess = np.stack(cols, axis=-1)
    hess = 0.5 * (hess + np.swapaxes(hess, 1, 2))
    good = np.all(np.isfinite(hess), axis=(1, 2)) & np.all(np.isfinite(g), axis=1)
    return _damped(g, np.where(good[:, None, None], hess, hgn), x, lam, lo, hi, frozen)


def _damped(g: Array, hess: Array, x: Array, lam: Array, lo: Array, hi: Array, frozen: Mask) -> tuple[Array, Array]:
    """The projected step of :func:`_lm_step` from minus half the gradient ``g`` and the curvature ``hess``."""
    q = x.shape[1]
    w, v = np.linalg.eigh(np.where(np.isfinite(hess), hess, 0.0))
    w = np.maximum(np.abs(w), 1e-10 * np.max(np.abs(w), axis=1, keepdims=True) + 1e-300)
    h = np.einsum("bij,bj,bkj->bik", v, w, v)
    span = hi - lo
    fix = ((x <= lo + 1e-12 * span) & (g <= 0)) | ((x >= hi - 1e-12 * span) & (g >= 0)) | frozen
    diag = np.diagonal(h, axis1=1, axis2=2)
    rhs = np.where(fix | ~np.isfinite(g), 0.0, g)
    out = []
    for damp in (lam, np.zeros_like(lam)):
        a = h + (damp[:, None] * diag)[:, :, None] * np.eye(q)
        a = np.where(fix[:, :, None] | fix[:, None, :], 0.0, a) + np.eye(q) * fix[:, :, None]
        try:
            step = np.linalg.solve(a, rhs[..., None])[..., 0]
        except np.linalg.LinAlgError:  # a singular system: fall back to the scaled gradient
            step = rhs / np.maximum(np.diagonal(a, axis1=1, axis2=2), 1e-300)
        out.append(np.where(np.isfinite(step), step, 0.0))
    return out[0], np.sum(rhs * out[1], axis=1)


def polish(mdef: ModelDef, doses: Array, ytil: Array, u: Array, lo: Array, hi: Array, fixed: Fixed, x: Array,
           ftol: float = FTOL, max_iter: int = MAX_ITER, frozen: Mask | None = None) -> tuple[Array, Array, Mask]:
    """Projected Levenberg-Marquardt from log parameters ``x`` (b, q), coordinates ``frozen`` (b, q) held where
    they are; returns the new ``x``, the criterion (b,) and whether each data set converged (b,)."""
    x = x.copy()
    b = x.shape[0]
    frozen = np.zeros(x.shape, dtype=bool) if frozen is None else frozen
    converged = np.zeros(b, dtype=bool)
    crit = exact_profile(mdef, doses, ytil, u, np.exp(x)[:, None, :], fixed)[0][:, 0]
    one = u @ np.ones(doses.size)
    q1 = one / np.linalg.norm(one)
    floor = 1e-14 * (np.sum(ytil**2, axis=1) - (ytil @ q1) ** 2) + 1e-300  # perfect fits: criterion ~ 0
    lam = np.full(b, 1e-3)
    active = np.ones(b, dtype=bool)
    for _ in range(max_iter):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        step, decrement = _lm_step(mdef, doses, ytil[idx], u, x[idx], lam[idx], lo, hi, fixed, frozen[idx])
        cand = np.clip(x[idx, None, :] + ALPHAS[None, :, None] * step[:, None, :], lo, hi)
        cc = exact_profile(mdef, doses, ytil[idx], u, np.exp(cand), fixed)[0]
        cc = np.where(np.isfinite(cc), cc, np.inf)
        j = np.argmin(cc, axis=1)
        best = cc[np.arange(idx.size), j]
        improved = best < crit[idx]
        x[idx[improved]] = cand[improved, j[improved]]
        crit[idx[improved]] = best[improved]
        lam[idx] = np.clip(np.where(improved, np.where(j == 0, lam[idx] / 10, lam[idx]), lam[idx] * 10), 1e-12, 1e16)
        flat = decrement <= ftol * (crit[idx] + floor[idx])  # Gauss-Newton predicts no further decrease
        stuck = ~improved & (lam[idx] >= 1e8)
        active[idx[flat | stuck]] = False
        converged[idx[flat | stuck]] = True
    return x, crit, converged


def face_search(mdef: ModelDef, doses: Array, ytil: Array, u: Array, lo: Array, hi: Array, fixed: Fixed,
                x: Array, crit: Array, probe: Mask, ftol: float = FTOL,
                on_bound: bool = True) -> tuple[Array, Array, Mask]:
    """For two nonlinear parameters: line searches along the bounds (module docstring, step 2).

    A data set that stopped on a bound is searched along that face (unless ``on_bound`` is False); one in
    ``probe`` (a polish that did not converge: a flat ridge) along all four.  On each face the other parameter
    starts at the best of a grid and is polished with the bound held; a face optimum better than ``x`` replaces
    it.  Returns the new ``x``, criterion and the mask of points that moved (the caller polishes them again,
    free)."""
    x = x.copy()
    crit = crit.copy()
    moved = np.zeros(x.shape[0], dtype=bool)
    if x.shape[1] != 2:
        return x, crit, moved
    span = hi - lo
    members: list[NDArray[np.intp]] = []
    starts: list[Array] = []
    frozen: list[Mask] = []
    axis = np.linspace(0.0, 1.0, FACE_GRID)
    for j in range(2):
        other = 1 - j
        for value in (lo[j], hi[j]):
            idx = np.flatnonzero(probe | (on_bound & (np.abs(x[:, j] - value) <= 1e-9 * span[j])))
            if idx.size == 0:
                continue
            pts = np.empty((idx.size, FACE_GRID, 2))
            pts[..., j] = value
            pts[..., other] = lo[other] + axis * span[other]
            cc = exact_profile(mdef, doses, ytil[idx], u, np.exp(pts), fixed)[0]
            i = np.argmin(np.where(np.isfinite(cc), cc, np.inf), axis=1)
            members.append(idx)
            starts.append(pts[np.arange(idx.size), i])
            frozen.append(np.broadcast_to(np.arange(2) == j, (idx.size, 2)))
    if not members:
        return x, crit, moved
    idx = np.concatenate(members)
    xf, cf, _ = polish(mdef, doses, ytil[idx], u, lo, hi, fixed, np.concatenate(starts), ftol=ftol,
                       frozen=np.concatenate(frozen))
    order = np.lexsort((cf, idx))  # by data set, best face first
    first = order[np.r_[True, idx[order][1:] != idx[order][:-1]]]
    better = first[cf[first] < crit[idx[first]]]
    x[idx[better]] = xf[better]
    crit[idx[better]] = cf[better]
    moved[idx[better]] = True
    return x, crit, moved

"""Batched least squares by variable projection, for one data set or thousands at once.

A model ``f(d) = theta0 + theta1 f0(d, theta_nl)`` is fitted to group means ``ybar`` with weight
matrix ``W`` (``diag(n)`` for raw data, ``S^{-1}`` for summary data) by minimising
``(ybar - f)' W (ybar - f)``.  For fixed ``theta_nl`` the linear parameters have a closed form
(Golub & Pereyra 1973, SIAM J Numer Anal 10:413; the approach DoseFinding's fitMod describes), so only
the nonlinear parameters are searched: a log-spaced grid inside the bounds whose lowest local minima are the
starts, optionally a compass (pattern) search whose step halves when no neighbour improves (Kolda, Lewis &
Torczon 2003, SIAM Rev 45:385), then the projected Levenberg-Marquardt polish and the line search along an
active bound of :mod:`.polish`, which converge along flat ridges to the bound.  Everything is
vectorised over a leading batch axis (bootstrap replicates, simulated studies).
"""

from __future__ import annotations

import itertools

import numpy as np

from .model_defs import Fixed, ModelDef
from .models import Array
from .polish import FTOL, centre, exact_profile, face_search, polish

GRID_1D = 61
GRID_2D = 31
GRID_1D_BATCH = 21  # large batches (bootstrap, simulation): a coarser start grid, one start, then the polish
GRID_2D_BATCH = 13
BIG_BATCH = 64
MAX_ITER = 400


def whitener(weights: Array) -> Array:
    """Upper factor ``U`` with ``W = U'U``; data and designs are multiplied by it (``y -> U y``)."""
    return np.asarray(np.linalg.cholesky(weights).T)


def fit_linear(mdef: ModelDef, doses: Array, ytil: Array, u: Array, fixed: Fixed) -> tuple[Array, Array]:
    """Weighted LS for a family without nonlinear parameters. ``ytil``: (B, k) whitened means."""
    x = u @ mdef.basis(doses, np.zeros(0), fixed)
    q, r = np.linalg.qr(x)
    proj = ytil @ q
    coefs = np.linalg.solve(r, proj.T).T
    crit = np.sum(ytil**2, axis=-1) - np.sum(proj**2, axis=-1)
    return coefs, np.maximum(crit, 0.0)


def _profile(
    mdef: ModelDef, doses: Array, ytil: Array, u: Array, nl: Array, fixed: Fixed
) -> tuple[Array, Array, Array]:
    """Criterion and (theta0, theta1) at nonlinear values ``nl``.

    ``nl`` is (G, q) for a grid shared by the batch (results (B, G)) or (B, L, q) per batch member
    (results (B, L)).
    """
    params = [nl[..., i, None] for i in range(nl.shape[-1])]
    f0 = np.broadcast_to(mdef.std_f0(doses, np.asarray(params), fixed), nl.shape[:-1] + doses.shape) @ u.T
    q1, norm1, c0, r, rr = centre(f0, u, doses.size)
    ry = ytil @ r.T if nl.ndim == 2 else np.einsum("bk,blk->bl", ytil, r)
    qy = (ytil @ q1)[:, None]
    ok = rr > 1e-300
    theta1 = np.where(ok, ry / np.where(ok, rr, 1.0), 0.0)
    theta0 = (qy - theta1 * c0) / norm1
    base = np.sum(ytil**2, axis=-1)[:, None] - qy**2
    crit = base - np.where(ok, ry * theta1, 0.0)
    return np.maximum(crit, 0.0), theta0, theta1


def log_grid(bounds: Array, size: int) -> Array:
    """Log-spaced grid over the bounds, shape (size**q, q)."""
    axes = [np.exp(np.linspace(np.log(lo), np.log(hi), size)) for lo, hi in bounds]
    return np.array(list(itertools.product(*axes)), dtype=float)


def _grid_starts(crit: Array, size: int, q: int, n_starts: int) -> Array:
    """Indices (B, n_starts) of the lowest local minima of the criterion on the grid (the global minimum first;
    repeated when the grid has fewer local minima)."""
    b = crit.shape[0]
    if n_starts == 1:
        return np.argmin(crit, axis=1)[:, None]
    c = crit.reshape((b,) + (size,) * q)
    padded = np.pad(c, [(0, 0)] + [(1, 1)] * q, constant_values=np.inf)
    is_min = np.ones(c.shape, dtype=bool)
    for off in itertools.product((-1, 0, 1), repeat=q):
        if any(off):
            sl = tuple(slice(1 + o, 1 + o + size) for o in off)
            is_min &= c <= padded[(slice(None), *sl)]
    score = np.where(is_min.reshape(b, -1), crit, np.inf)
    order = np.argsort(score, axis=1)[:, :n_starts]
    best = np.argmin(crit, axis=1)[:, None]
    return np.where(np.isfinite(np.take_along_axis(score, order, axis=1)), order, best)


def _compass(mdef: ModelDef, doses: Array, ytil: Array, u: Array, lo: Array, hi: Array, fixed: Fixed, x: Array,
             step: Array, step_tol: float) -> Array:
    """Compass search from ``x`` (B, q) with initial steps ``step`` (B, q), halving down to ``step_tol``."""
    q = x.shape[1]
    offsets = np.array(list(itertools.product((-1.0, 0.0, 1.0), repeat=q)))  # (L, q)
    centre = int(np.flatnonzero(np.all(offsets == 0, axis=1))[0])
    active = np.ones(x.shape[0], dtype=bool)
    for _ in range(MAX_ITER):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        cand = np.clip(x[idx, None, :] + offsets[None] * step[idx, None, :], lo, hi)
        crit, _, _ = _profile(mdef, doses, ytil[idx], u, np.exp(cand), fixed)
        crit_c = crit[:, centre]
        j = np.argmin(crit, axis=1)
        improved = crit[np.arange(idx.size), j] < crit_c * (1 - 1e-15) - 1e-300
        x[idx[improved]] = cand[np.flatnonzero(improved), j[improved]]
        step[idx[~improved]] *= 0.5
        active[idx] = np.max(step[idx], axis=1) > step_tol
    return x


def fit_nonlinear(
    mdef: ModelDef, doses: Array, ytil: Array, u: Array, bounds: Array, fixed: Fixed,
    start: Array | None = None, step_tol: float | None = None, grid_size: int | None = None, ftol: float = FTOL,
    n_starts: int | None = None,
) -> tuple[Array, Array]:
    """Fit a nonlinear family to each of B whitened mean vectors; returns coefs (B, p) and criterion (B,).

    Starts: the ``n_starts`` lowest local minima of the criterion on a log grid over the bounds (default 3 for
    up to 8 data sets, else 1: the grid minimum; the grid has 61 points, or 31 x 31, coarser -- 21, 13 x 13 --
    for more than 64 data sets), or ``start``; an optional compass search down to ``step_tol``;
    then the polish of :mod:`.polish` from every start, keeping the best end point of each data set, and the line
    searches along the bounds (for more than 64 data sets only where the polish stalled).
    """
    q = bounds.shape[0]
    lo, hi = np.log(bounds[:, 0]), np.log(bounds[:, 1])
    b = ytil.shape[0]
    if start is None:
        big = b > BIG_BATCH
        size = grid_size or ((GRID_1D_BATCH if big else GRID_1D) if q == 1 else (GRID_2D_BATCH if big else GRID_2D))
        grid = log_grid(bounds, size)
        crit, _, _ = _profile(mdef, doses, ytil, u, grid, fixed)
        s = n_starts or (3 if b <= 8 else 1)
        x = np.log(grid[_grid_starts(crit, size, q, s)]).reshape(b * s, q)  # start j of data set i at i * s + j
        step = np.full((b * s, q), 1.0) * (hi - lo) / (size - 1)
    else:
        s = 1
        x = np.broadcast_to(np.log(np.clip(start, bounds[:, 0], bounds[:, 1])), (b, q)).copy()
        step = np.broadcast_to((hi - lo) / 20.0, (b, q)).copy()
    yrep = np.repeat(ytil, s, axis=0) if s > 1 else ytil
    if step_tol is not None:
        x = _compass(mdef, doses, yrep, u, lo, hi, fixed, x, step, step_tol)
    x, crit_x, conv = polish(mdef, doses, yrep, u, lo, hi, fixed, x, ftol=ftol)
    if s > 1:
        pick = np.argmin(np.where(np.isfinite(crit_x), crit_x, np.inf).reshape(b, s), axis=1)
        rows = np.arange(b) * s + pick
        x, crit_x, conv = x[rows], crit_x[rows], conv[rows]
    x2, crit2, moved = face_search(mdef, doses, ytil, u, lo, hi, fixed, x, crit_x, ~conv, ftol=ftol,
                                   on_bound=b <= BIG_BATCH)
    if moved.any():
        idx = np.flatnonzero(moved)
        x2[idx], crit2[idx], _ = polish(mdef, doses, ytil[idx], u, lo, hi, fixed, x2[idx], ftol=ftol)
        x = np.where((crit2 < crit_x)[:, None], x2, x)
    crit, t0, t1 = exact_profile(mdef, doses, ytil, u, np.exp(x)[:, None, :], fixed)
    coefs = np.column_stack([t0[:, 0], t1[:, 0], np.exp(x)])
    return coefs, crit[:, 0]


def fit_batch(
    mdef: ModelDef, doses: Array, means: Array, weights: Array, bounds: Array | None, fixed: Fixed,
    start: Array | None = None, step_tol: float | None = None, grid_size: int | None = None, ftol: float = FTOL,
    n_starts: int | None = None,
) -> tuple[Array, Array]:
    """Fit ``mdef`` to means (B, k) with weights (k, k): coefficients (B, p) and weighted RSS (B,).

    ``step_tol`` (optional) runs a pattern search down to that step on the log scale of the nonlinear parameters
    before the polish; ``grid_size`` is the number of starting-grid points per nonlinear parameter, ``n_starts``
    the number of grid minima polished (:func:`fit_nonlinear`); ``ftol`` the relative decrease at which the
    polish (:func:`painregen.dose.polish.polish`) stops.
    """
    u = whitener(weights)
    ytil = np.atleast_2d(means) @ u.T
    if mdef.is_linear:
        return fit_linear(mdef, doses, ytil, u, fixed)
    assert bounds is not None
    return fit_nonlinear(mdef, doses, ytil, u, bounds, fixed, start, step_tol, grid_size, ftol, n_starts)

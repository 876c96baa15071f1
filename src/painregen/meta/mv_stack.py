"""One random-intercept model fitted for many moderator matrices at once (a profile over a non-linear parameter,
e.g. the Emax ED50 grid of :mod:`painregen.dose.emax_meta`), each fit to its own maximum.

The dense likelihood of :mod:`painregen.meta.varcomp_dense` (``M = V + sum_m e_m G_m``, k x k; Harville 1977,
*JASA* 72:320-338) is evaluated for B moderator matrices in one set of stacked numpy operations (B Cholesky
factors at once), and the Newton / Fisher scoring of :func:`painregen.meta.varcomp_opt.scoring` runs for all B
together: per fit the same direction (observed information where positive definite on the free parameters, else
expected, else a scaled gradient), the same projection onto the bounds, the same step halving and the same
stopping rules. Each end point is then checked as :func:`painregen.meta.mv_model.fit_model` checks its own:

- the Karush-Kuhn-Tucker conditions of :func:`painregen.meta.varcomp_opt.kkt`;
- the second-maximum probes of :func:`painregen.meta.mv_model._probes` (each variance alone, and all of them
  equal, from ``1e-4`` to ``10`` times ``var(y) + mean(v)``): the log-likelihood along each ray
  (:class:`painregen.meta.ray.RayBasis`) on a grid of :data:`RAY_GRID` points, the best of them refined by golden
  sections to a width below Brent's ``xatol`` there. A probe higher than the end point (by more than
  ``1e-9 max(1, |logLik|)``, the threshold of :func:`painregen.meta.varcomp_opt.maximise`) means another maximum.

A fit that fails either check is redone by the caller with the full strategy (:class:`NestedRefit.fit
<painregen.meta.mv_profile.NestedRefit>`), so every log-likelihood returned is the maximum ``rma_mv`` finds.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from painregen.meta.control import Control
from painregen.meta.mv_model import Box, Layout, _starts
from painregen.meta.ray import RayBasis
from painregen.meta.tau2 import tau2_dl
from painregen.meta.varcomp_dense import DenseModel
from painregen.meta.varcomp_opt import _HALVINGS, DECREMENT_TOL, Point, Problem, direction, kkt

FloatArray = np.ndarray
#: points of each probe ray's grid (log-spaced), before the best one is refined
RAY_GRID = 48
_GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0
_PROBE_RANGE = (math.log(1e-4), math.log(10.0))


@dataclass(frozen=True, eq=False)
class Stacked:
    """The likelihood of B fits: ``ll`` (B,), -inf where ``M`` or ``X'M^-1X`` is not positive definite; score
    (B, L), expected and observed information (B, L, L) when asked for."""

    ll: FloatArray
    score: FloatArray | None = None
    info: FloatArray | None = None
    obs: FloatArray | None = None


def _sym(a: FloatArray) -> FloatArray:
    return (a + np.swapaxes(a, -1, -2)) / 2


def _cholesky(M: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Lower Cholesky factors of a stack of matrices and which of them are positive definite (the others: I)."""
    ok = np.ones(M.shape[0], dtype=bool)
    try:
        return np.linalg.cholesky(M), ok
    except np.linalg.LinAlgError:
        chol = np.empty_like(M)
        for i in range(M.shape[0]):
            try:
                chol[i] = np.linalg.cholesky(M[i])
            except np.linalg.LinAlgError:
                ok[i] = False
                chol[i] = np.eye(M.shape[1])
        return chol, ok


def evaluate_stacked(model: DenseModel, y: FloatArray, Q: FloatArray, E: FloatArray, reml: bool,
                     derivs: bool) -> Stacked:
    """:func:`painregen.meta.varcomp_dense.evaluate_dense` for B fits: moderators ``Q`` (B, k, p), elements ``E``
    (B, L); the same formulas (its docstring), stacked."""
    k, p = Q.shape[1:]
    M = model.V[None] + np.einsum("bl,lij->bij", E, model.G)
    chol, ok = _cholesky(M)
    logdet = 2.0 * np.sum(np.log(np.diagonal(chol, axis1=1, axis2=2)), axis=1)
    li = np.linalg.inv(chol)
    W = li @ Q
    w = li @ y
    A = np.swapaxes(W, 1, 2) @ W
    sign, logdet_a = np.linalg.slogdet(A)
    ok &= sign > 0
    A[~ok] = np.eye(p)
    vb = _sym(np.linalg.inv(A))
    b = np.einsum("bpq,bkq,bk->bp", vb, W, w)
    wr = w - np.einsum("bkp,bp->bk", W, b)
    quad = np.sum(wr * wr, axis=1)
    if reml:
        logdet_xx = np.linalg.slogdet(np.swapaxes(Q, 1, 2) @ Q)[1]
        ll = -0.5 * ((k - p) * np.log(2 * np.pi) + logdet + logdet_a + quad) + 0.5 * logdet_xx
    else:
        ll = -0.5 * (k * np.log(2 * np.pi) + logdet + quad)
    ll = np.where(ok & np.isfinite(ll), ll, -np.inf)
    if not derivs:
        return Stacked(ll=ll)
    lt = np.swapaxes(li, 1, 2)
    minv = _sym(lt @ li)
    MX = lt @ W
    Pr = np.einsum("bij,bj->bi", lt, wr)  # M^-1 r = P y
    P = minv - MX @ vb @ np.swapaxes(MX, 1, 2)
    QG = (P if reml else minv)[:, None] @ model.G[None]  # (B, L, k, k)
    a = np.einsum("lij,bj->bli", model.G, Pr)  # G_m P y
    score = -0.5 * np.einsum("blii->bl", QG) + 0.5 * np.einsum("bli,bi->bl", a, Pr)
    info = _sym(0.5 * np.einsum("bmij,bnji->bmn", QG, QG))
    obs = _sym((a @ P) @ np.swapaxes(a, 1, 2) - info)
    return Stacked(ll=ll, score=score, info=info, obs=obs)


def _scaled_solve(H: FloatArray, s: FloatArray, ref: FloatArray, free: FloatArray, absolute: bool = False
                  ) -> tuple[FloatArray, FloatArray, FloatArray]:
    """:func:`painregen.meta.varcomp_opt._solve` (``absolute`` as there) and ``_pd`` on the ``free`` parameters of
    a stack of matrices (B, n, n) whose free diagonal elements all count (``live``; the held ones are set to the
    identity, with score 0, so that they stay where they are): the directions, whether each matrix is positive
    definite there, and which of them had every free element live (the others need the one-by-one functions)."""
    pair = free[:, :, None] & free[:, None, :]
    H = np.where(pair, H, np.eye(H.shape[1]))
    d = np.sqrt(np.abs(np.diagonal(H, axis1=1, axis2=2)))
    big = np.maximum(np.max(np.where(free, d, 0.0), axis=1), ref)
    live = (np.all((d > 1e-7 * big[:, None]) | ~free, axis=1) & np.all(np.isfinite(H), axis=(1, 2)) & (big > 0)
            & np.any(free, axis=1))
    d = np.where(live[:, None], d, 1.0)
    R = np.where(live[:, None, None], H / (d[:, :, None] * d[:, None, :]), np.eye(H.shape[1]))
    lam, U = np.linalg.eigh(_sym(R))
    top = np.max(np.abs(lam), axis=1, keepdims=True)  # >= 1 (unit diagonal): the held 1s do not change it
    pd = lam[:, 0] > -1e-10 * top[:, 0]
    lk = np.abs(lam) if absolute else lam
    inv = np.where(np.abs(lam) > 1e-10 * top, 1.0 / np.where(lam == 0, 1.0, lk), 0.0)
    z = np.einsum("bij,bj->bi", U, inv * np.einsum("bji,bj->bi", U, np.where(free, s, 0.0) / d))
    return z / d, pd, live


def _limits(problems: list[Problem]) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The bounds and scales of every fit, stacked (B, n)."""
    return (np.array([pb.lower for pb in problems]), np.array([pb.upper for pb in problems]),
            np.array([pb.scale for pb in problems]))


def _free_and_ref(theta: FloatArray, score: FloatArray, info: FloatArray, lower: FloatArray, upper: FloatArray
                  ) -> tuple[FloatArray, FloatArray]:
    """``_free`` and ``_ref`` of :mod:`painregen.meta.varcomp_opt` for every fit, stacked: the parameters not held
    at a bound (B, n) and the largest square root of each expected information's diagonal (B,)."""
    free = ~(((theta <= lower) & (score <= 0)) | ((theta >= upper) & (score >= 0)))
    return free, np.max(np.sqrt(np.abs(np.diagonal(info, axis1=1, axis2=2))), axis=1)


def _directions(score: FloatArray, info: FloatArray, obs: FloatArray, theta: FloatArray, problems: list[Problem],
                lower: FloatArray, upper: FloatArray, scale: FloatArray) -> FloatArray:
    """:func:`painregen.meta.varcomp_opt.direction` for every fit, stacked (one by one where a free diagonal element
    is negligible)."""
    free, ref = _free_and_ref(theta, score, info, lower, upper)
    d_obs, pd_obs, live_obs = _scaled_solve(obs, score, ref, free)
    d_fis, _, live_fis = _scaled_solve(info, score, ref, free)  # expected information: used when it ascends
    s = np.where(free, score, 0.0)
    up_obs = np.einsum("bi,bi->b", d_obs, s) > 0
    up_fis = np.einsum("bi,bi->b", d_fis, s) > 0
    step = np.where((pd_obs & up_obs)[:, None], d_obs, np.where(up_fis[:, None], d_fis, s * scale ** 2))
    for i in np.flatnonzero(~live_obs | ~live_fis):
        step[i] = direction(problems[i], Point(theta=theta[i], ll=0.0, score=score[i], info=info[i], obs=obs[i]))
    return step


Evaluate = Callable[[FloatArray, FloatArray, bool], Stacked]


def stacked_scoring(evaluate: Evaluate, problems: list[Problem], starts: FloatArray, control: Control
                    ) -> tuple[FloatArray, Stacked, FloatArray]:
    """:func:`painregen.meta.varcomp_opt.scoring` for B fits at once. ``evaluate(rows, theta, derivs)``: the fits
    ``rows`` at ``theta`` (len(rows), n); ``problems``: each fit's bounds and scales. Returns the end points
    (B, n), the likelihood there and which fits ended at a point where the model is defined (the others are -inf)."""
    lower, upper, scale = _limits(problems)
    B = starts.shape[0]
    everyone = np.arange(B)
    theta = np.clip(starts, lower, upper)
    cur = evaluate(everyone, theta, True)
    assert cur.score is not None and cur.info is not None and cur.obs is not None
    ll, score, info, obs = cur.ll.copy(), cur.score.copy(), cur.info.copy(), cur.obs.copy()
    defined = np.isfinite(ll) & np.all(np.isfinite(score), axis=1)
    active = defined.copy()
    stalls = np.zeros(B, dtype=int)
    for _ in range(control.maxiter):
        rows = np.flatnonzero(active)
        if rows.size == 0:
            break
        step = np.zeros_like(theta)
        step[rows] = _directions(score[rows], info[rows], obs[rows], theta[rows], [problems[i] for i in rows],
                                 lower[rows], upper[rows], scale[rows])
        moved = np.abs(np.clip(theta + step, lower, upper) - theta)
        done = np.all(moved <= control.threshold * np.maximum(1.0, np.abs(theta)), axis=1)
        active[rows[done[rows]]] = False
        rows = rows[~done[rows]]
        step *= control.step_adj
        tol = 8 * np.finfo(float).eps * np.maximum(1.0, np.abs(ll))
        new_theta = theta.copy()
        new_ll = np.full(B, -np.inf)
        accepted = np.zeros(B, dtype=bool)
        pending = rows
        for _ in range(_HALVINGS):
            if pending.size == 0:
                break
            cand = np.clip(theta[pending] + step[pending], lower[pending], upper[pending])
            val = evaluate(pending, cand, False).ll
            good = np.isfinite(val) & (val >= ll[pending] - tol[pending])
            new_theta[pending[good]], new_ll[pending[good]] = cand[good], val[good]
            accepted[pending[good]] = True
            step[pending[~good]] /= 2.0
            pending = pending[~good]
        still = accepted[rows] & ~np.all(new_theta[rows] == theta[rows], axis=1)
        active[rows[~still]] = False  # no ascent left at machine precision
        rows = rows[still]
        stalls[rows] = np.where(new_ll[rows] <= ll[rows], stalls[rows] + 1, 0)
        level = stalls[rows] >= 5  # steps that only keep the log-likelihood level: a numerical plateau
        active[rows[level]] = False
        rows = rows[~level]
        if rows.size == 0:
            continue
        nxt = evaluate(rows, new_theta[rows], True)
        assert nxt.score is not None and nxt.info is not None and nxt.obs is not None
        fine = np.isfinite(nxt.ll) & np.all(np.isfinite(nxt.score), axis=1)
        active[rows[~fine]] = False
        defined[rows[~fine]] = False  # as scoring: stopped where the model is not defined, not converged
        r = rows[fine]
        theta[r] = new_theta[r]
        ll[r], score[r], info[r], obs[r] = nxt.ll[fine], nxt.score[fine], nxt.info[fine], nxt.obs[fine]
    return theta, Stacked(ll=ll, score=score, info=info, obs=obs), defined & ~active


def _kkt(pts: Stacked, theta: FloatArray, problems: list[Problem]) -> FloatArray:
    """:func:`painregen.meta.varcomp_opt.kkt` of each fit (stacked where every free element of the information
    counts, one by one otherwise)."""
    assert pts.score is not None and pts.info is not None and pts.obs is not None
    score, info = pts.score, pts.info
    lower, upper, scale = _limits(problems)
    free, ref = _free_and_ref(theta, score, info, lower, upper)
    step, _, live = _scaled_solve(info, score, ref, free, absolute=True)
    decrement = np.where(np.any(free, axis=1), np.einsum("bi,bi->b", np.where(free, score, 0.0), step), 0.0)
    steep = np.where(free, np.abs(score * scale), 0.0)
    out = (decrement <= DECREMENT_TOL) & np.all(steep <= 1e-5 * np.maximum(1.0, np.abs(pts.ll))[:, None], axis=1)
    for i in np.flatnonzero(~live & np.any(free, axis=1)):
        out[i] = kkt(problems[i], Point(theta=theta[i], ll=float(pts.ll[i]), score=score[i], info=info[i],
                                        obs=pts.obs[i]))
    return out


def _ray_loglik(lam: FloatArray, xt: FloatArray, yt: FloatArray, logdet_v: float, logdet_xx: FloatArray,
                t: FloatArray, reml: bool) -> FloatArray:
    """The log-likelihood along a ray (:mod:`painregen.meta.ray`, its module docstring) for B fits at the points
    ``t`` (T, B): ``xt`` (B, k, p), ``yt`` (k,), ``logdet_xx`` (B,). Returns (T, B); -inf where undefined."""
    k, p = xt.shape[1:]
    D = 1.0 / (1.0 + t[..., None] * lam)  # (T, B, k)
    A = np.einsum("tbk,bkp,bkq->tbpq", D, xt, xt)
    c = np.einsum("tbk,bkp,k->tbp", D, xt, yt)
    sign, logdet_a = np.linalg.slogdet(A)
    good = sign > 0
    A = np.where(good[..., None, None], A, np.eye(p))
    quad = D @ (yt * yt) - np.einsum("tbp,tbp->tb", c, np.linalg.solve(A, c[..., None])[..., 0])
    logdet = logdet_v + np.sum(np.log1p(t[..., None] * lam), axis=-1)
    const = (k - p if reml else k) * math.log(2 * math.pi)
    ll = -0.5 * (const + logdet + logdet_a + quad) + 0.5 * logdet_xx if reml else -0.5 * (const + logdet + quad)
    return np.where(good, ll, -np.inf)


def probe_maxima(basis: RayBasis, layout: Layout, Q: FloatArray, y: FloatArray, size: float, reml: bool
                 ) -> FloatArray | None:
    """The highest log-likelihood along the probe rays of :func:`painregen.meta.mv_model._probes` for each of B
    fits (module docstring); None when the rays cannot be reduced (the caller fits one by one)."""
    var_idx = [i for i in range(layout.n_sigma2) if not layout.fixed_zero[i]]
    B = Q.shape[0]
    best = np.full(B, -np.inf)
    if not var_idx:
        return best
    logdet_xx = np.linalg.slogdet(np.swapaxes(Q, 1, 2) @ Q)[1] if reml else np.zeros(B)
    grid = np.linspace(*_PROBE_RANGE, RAY_GRID)
    step = grid[1] - grid[0]
    for terms in [[j] for j in var_idx] + ([var_idx] if len(var_idx) > 1 else []):
        ray = basis.reduced(terms)
        if ray is None:
            return None
        lam, ops, logdet_v = ray
        p = Q.shape[2]
        xt = np.concatenate([np.einsum("gij,bgjp->bgip", op, Q[:, g.rows]).reshape(B, -1, p)
                             for g, op in zip(basis.groups, ops, strict=True)], axis=1)
        yt = np.concatenate([(op @ y[g.rows][..., None]).ravel() for g, op in zip(basis.groups, ops, strict=True)])

        def along(u: FloatArray, xt: FloatArray = xt, yt: FloatArray = yt, lam: FloatArray = lam,
                  logdet_v: float = logdet_v) -> FloatArray:
            return _ray_loglik(lam, xt, yt, logdet_v, logdet_xx, size * np.exp(u), reml)

        on_grid = along(np.broadcast_to(grid[:, None], (RAY_GRID, B)))
        top = np.argmax(on_grid, axis=0)
        best = np.maximum(best, on_grid[top, np.arange(B)])
        lo = np.maximum(grid[top] - step, _PROBE_RANGE[0])
        hi = np.minimum(grid[top] + step, _PROBE_RANGE[1])
        c, d = hi - _GOLDEN * (hi - lo), lo + _GOLDEN * (hi - lo)
        fc, fd = along(c[None])[0], along(d[None])[0]
        while np.max(hi - lo) > 1e-3:  # golden sections: each bracket shrinks by 0.618 per round
            left = fc >= fd
            hi, lo = np.where(left, d, hi), np.where(left, lo, c)
            new = np.where(left, hi - _GOLDEN * (hi - lo), lo + _GOLDEN * (hi - lo))
            f_new = along(new[None])[0]
            c, d = np.where(left, new, d), np.where(left, c, new)
            fc, fd = np.where(left, f_new, fd), np.where(left, fc, f_new)
            best = np.maximum(best, f_new)
        best = np.maximum(best, np.maximum(fc, fd))
    return best


def stacked_fits(model: DenseModel, basis: RayBasis, layout: Layout, y: FloatArray, v: FloatArray,
                 Xs: list[FloatArray], reml: bool, control: Control) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The fits of ``Xs`` (each k x p) by stacked scoring from the first usual start of
    :func:`painregen.meta.mv_model.fit_model`, checked as the module docstring says. Returns the log-likelihoods
    (B,), the parameters (B, n) and which fits passed both checks (the others must be redone one by one)."""
    free = ~np.asarray(layout.fixed_zero, dtype=bool)
    X = np.stack(Xs)
    Q = np.linalg.qr(X)[0]
    totals = tau2_dl(np.broadcast_to(y, X.shape[:2]), v, X, control)  # wls takes stacked moderators
    boxes = [Box.around(layout, y, v, float(t)) for t in totals]
    problems = [Problem(evaluate=_unused, lower=bx.lower[free], upper=bx.upper[free], scale=bx.scale[free])
                for bx in boxes]
    starts = np.array([_starts(layout, bx.total)[0][free] for bx in boxes])

    def evaluate(rows: FloatArray, theta: FloatArray, derivs: bool) -> Stacked:
        E = np.zeros((rows.size, layout.n_sigma2))
        E[:, free] = theta
        ev = evaluate_stacked(model, y, Q[rows], E, reml, derivs)
        if not derivs:
            return ev
        assert ev.score is not None and ev.info is not None and ev.obs is not None
        ix = np.ix_(free, free)
        return Stacked(ll=ev.ll, score=ev.score[:, free], info=ev.info[:, ix[0], ix[1]],
                       obs=ev.obs[:, ix[0], ix[1]])

    theta, end, ended = stacked_scoring(evaluate, problems, starts, control)
    assert end.score is not None and end.info is not None and end.obs is not None
    ok = ended & _kkt(end, theta, problems)
    probes = probe_maxima(basis, layout, Q, y, boxes[0].size, reml)
    if probes is None:
        ok[:] = False
    else:
        ok &= ~(probes > end.ll + 1e-9 * np.maximum(1.0, np.abs(end.ll)))
    full = np.zeros((len(Xs), layout.n_sigma2))
    full[:, free] = theta
    return end.ll, full, ok


def _unused(theta: FloatArray, derivs: bool) -> Point:  # the checks read only the bounds and scales
    raise NotImplementedError

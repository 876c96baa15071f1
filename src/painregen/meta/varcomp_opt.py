"""Robust maximisation of a (restricted) log-likelihood over box-bounded variance parameters.

The strategy follows what makes metafor's ``rma.mv`` dependable (it falls back between ``nlminb`` and ``optim``)
with the boundary handled exactly instead of on a log scale:

1. Newton's method with the observed information where that is positive definite on the free parameters, else
   Fisher scoring (expected information; Jennrich & Sampson 1976, *Technometrics* 18:11-17), projected onto the
   box with an active set (a parameter on its bound whose score points outwards is held there), every step halved
   until the log-likelihood does not fall. It stops when the full (unhalved) step is below ``threshold``
   (``|step| <= threshold * max(1, |theta|)``) or no step raises the log-likelihood at machine precision, and has
   converged when the point then meets the conditions below. Directions of (numerically) zero information, such as
   a variance component the data do not identify, are not moved along.
2. From the same start, L-BFGS-B (Byrd, Lu, Nocedal & Zhu 1995, *SIAM J Sci Comput* 16:1190) on parameters
   divided by their typical size, with the analytic score; then step 1 from its end point to polish it.
3. Powell's derivative-free method with bounds from the best point so far, then step 1 again.
4. Steps 1-3 from each further starting value.

A candidate counts when it satisfies the Karush-Kuhn-Tucker conditions: every parameter held at a bound has a
score pointing outwards, the Newton decrement ``s' |I|^+ s`` of the free parameters is below ``1e-10`` (Boyd &
Vandenberghe 2004, *Convex Optimization*, sec. 9.5: half of it estimates the remaining gain in log-likelihood),
and no free parameter has a score above ``1e-5 max(1, |logLik|)`` per unit of its typical size. Points from
``probes`` (the caller's guesses where a second maximum may lie) that lie higher are polished the same way. The
highest candidate is returned; :class:`~painregen.meta.control.ConvergenceError` only when none qualifies.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import optimize

from painregen.meta.control import Control, ConvergenceError

FloatArray = np.ndarray
DECREMENT_TOL = 1e-10
_HALVINGS = 60


@dataclass(frozen=True, eq=False)
class Point:
    """The objective at ``theta``: log-likelihood, score, expected and observed information (None when only the
    value was asked for, or the observed information is not available) and whatever the caller attaches."""

    theta: FloatArray
    ll: float
    score: FloatArray | None = None
    info: FloatArray | None = None
    obs: FloatArray | None = None
    payload: Any = None


@dataclass(frozen=True, eq=False)
class Problem:
    """Parameters ``theta`` in the box ``[lower, upper]`` with typical sizes ``scale`` (> 0). ``evaluate(theta,
    derivs)`` returns a :class:`Point` (score and information when ``derivs``) and raises
    ``numpy.linalg.LinAlgError`` where the model is not defined (covariance not positive definite)."""

    evaluate: Callable[[FloatArray, bool], Point]
    lower: FloatArray
    upper: FloatArray
    scale: FloatArray
    name: str = "model"


@dataclass(frozen=True, eq=False)
class Optimum:
    point: Point
    iterations: int
    optimizer: str
    attempts: tuple[str, ...] = field(default_factory=tuple)


def _safe(problem: Problem, theta: FloatArray, derivs: bool) -> Point | None:
    try:
        pt = problem.evaluate(theta, derivs)
    except (np.linalg.LinAlgError, FloatingPointError, ValueError):
        return None
    if not np.isfinite(pt.ll) or (derivs and pt.score is not None and not np.all(np.isfinite(pt.score))):
        return None
    return pt


def _free(problem: Problem, pt: Point) -> FloatArray:
    """Parameters not held at a bound (a parameter on its bound is held when its score points outwards)."""
    assert pt.score is not None
    at_low = (pt.theta <= problem.lower) & (pt.score <= 0)
    at_up = (pt.theta >= problem.upper) & (pt.score >= 0)
    return np.asarray(~(at_low | at_up))


def _solve(H: FloatArray, s: FloatArray, ref: float | None = None, absolute: bool = False) -> FloatArray:
    """``H^+ s`` after scaling ``H`` to unit diagonal, ignoring parameters whose information is below ``1e-7`` of
    ``ref`` (the largest square-rooted diagonal element of the whole information matrix) and directions whose
    eigenvalue is below ``1e-10`` of the largest: a variance component the data do not identify (zero
    information) is left where it is instead of being sent along a flat ridge by rounding noise. ``absolute``
    uses ``|H|`` (absolute eigenvalues), a metric for the Newton decrement where ``H`` is indefinite."""
    d = np.sqrt(np.abs(np.diag(H)))
    big = max(float(np.max(d, initial=0.0)), ref or 0.0)
    if big == 0.0:
        return np.zeros_like(s)
    live = d > 1e-7 * big
    out = np.zeros_like(s)
    if live.any():
        dl = d[live]
        R = H[np.ix_(live, live)] / np.outer(dl, dl)
        lam, U = np.linalg.eigh((R + R.T) / 2)
        keep = np.abs(lam) > 1e-10 * float(np.max(np.abs(lam)))
        lk = np.abs(lam[keep]) if absolute else lam[keep]
        z = U[:, keep] @ ((U[:, keep].T @ (s[live] / dl)) / lk)
        out[live] = z / dl
    return out


def _pd(H: FloatArray, ref: float) -> bool:
    """Positive definite on the directions :func:`_solve` uses (after scaling to unit diagonal)."""
    if H.size == 0:
        return True
    if not np.all(np.isfinite(H)):
        return False
    d = np.sqrt(np.abs(np.diag(H)))
    live = d > 1e-7 * max(float(np.max(d)), ref)
    if not live.any():
        return True
    R = H[np.ix_(live, live)] / np.outer(d[live], d[live])
    lam = np.linalg.eigvalsh((R + R.T) / 2)
    return bool(lam[0] > -1e-10 * float(np.max(np.abs(lam))))


def unidentified(info: FloatArray) -> FloatArray:
    """Parameters the data do not identify: zero information, or a share in a direction of (numerically) zero
    information once scaled to unit diagonal (e.g. two nested levels with one row per cluster at both)."""
    d = np.sqrt(np.abs(np.diag(info)))
    out = d <= 1e-7 * max(float(np.max(d, initial=0.0)), 1e-300)
    live = ~out
    if live.sum() > 1:
        R = info[np.ix_(live, live)] / np.outer(d[live], d[live])
        lam, U = np.linalg.eigh((R + R.T) / 2)
        flat = np.abs(lam) <= 1e-10 * float(np.max(np.abs(lam)))
        out[np.flatnonzero(live)[np.any(np.abs(U[:, flat]) > 1e-6, axis=1)]] = True
    return np.asarray(out)


def _ref(info: FloatArray) -> float:
    return float(np.max(np.sqrt(np.abs(np.diag(info))), initial=0.0))


def decrement(problem: Problem, pt: Point) -> float:
    """Newton decrement ``s' |I|^+ s`` of the free parameters (expected information ``I``; :func:`_solve`)."""
    assert pt.score is not None and pt.info is not None
    free = _free(problem, pt)
    if not free.any():
        return 0.0
    s = pt.score[free]
    return float(s @ _solve(pt.info[np.ix_(free, free)], s, _ref(pt.info), absolute=True))


def kkt(problem: Problem, pt: Point) -> bool:
    """First-order optimality in the box (module docstring); besides the Newton decrement, the score of every free
    parameter times its typical size must be below ``1e-5 max(1, |logLik|)``, so that a direction whose information
    is (numerically) zero but whose score is not (a cliff, not a flat ridge) does not pass."""
    assert pt.score is not None
    free = _free(problem, pt)
    steep = np.abs(pt.score[free] * problem.scale[free])
    return decrement(problem, pt) <= DECREMENT_TOL and bool(np.all(steep <= 1e-5 * max(1.0, abs(pt.ll))))


def direction(problem: Problem, pt: Point) -> FloatArray:
    """The step of step 1 at ``pt`` (before ``step_adj`` and halving): Newton's with the observed information where
    that is positive definite on the free parameters and ascends, else Fisher scoring's, else (indefinite expected
    information) the gradient scaled by the box size; 0 for the parameters held at a bound."""
    assert pt.score is not None and pt.info is not None
    free = _free(problem, pt)
    step = np.zeros_like(pt.theta)
    if free.any():
        s = pt.score[free]
        obs = None if pt.obs is None else pt.obs[np.ix_(free, free)]
        fisher = pt.info[np.ix_(free, free)]
        ref = _ref(pt.info)
        d = None
        for H in (obs, fisher):
            if H is None or not _pd(H, ref):
                continue
            d = _solve(H, s, ref)
            if float(d @ s) > 0:
                break
            d = None
        if d is None:
            d = _solve(fisher, s, ref)
            if float(d @ s) <= 0:  # indefinite expected information: gradient step scaled by the box size
                d = s * problem.scale[free] ** 2
        step[free] = d
    return step


def scoring(problem: Problem, start: FloatArray, control: Control) -> tuple[Point | None, int, bool]:
    """Step 1 of the module docstring from ``start``; returns (last point, iterations, converged)."""
    theta = np.clip(np.asarray(start, dtype=float), problem.lower, problem.upper)
    cur = _safe(problem, theta, True)
    if cur is None:
        return None, 0, False
    stalls = 0
    for it in range(1, control.maxiter + 1):
        step = direction(problem, cur)
        full = np.abs(np.clip(theta + step, problem.lower, problem.upper) - theta)
        if np.all(full <= control.threshold * np.maximum(1.0, np.abs(theta))):
            return cur, it, kkt(problem, cur)
        step *= control.step_adj
        tol = 8 * np.finfo(float).eps * max(1.0, abs(cur.ll))
        new_pt: Point | None = None
        for _ in range(_HALVINGS):
            cand = _safe(problem, np.clip(theta + step, problem.lower, problem.upper), False)
            if cand is not None and cand.ll >= cur.ll - tol:
                new_pt = cand
                break
            step = step / 2.0
        if new_pt is None or np.all(new_pt.theta == theta):
            return cur, it, kkt(problem, cur)  # no ascent left at machine precision
        stalls = stalls + 1 if new_pt.ll <= cur.ll else 0
        if stalls >= 5:  # steps that only keep the log-likelihood level: a numerical plateau
            return cur, it, kkt(problem, cur)
        theta = new_pt.theta
        nxt = _safe(problem, theta, True)
        if nxt is None:
            return cur, it, False
        cur = nxt
    return cur, control.maxiter, False


def _scaled_objective(problem: Problem) -> tuple[Callable[[FloatArray], tuple[float, FloatArray]], FloatArray]:
    sc = problem.scale
    cache: dict[str, float] = {}

    def fun(z: FloatArray) -> tuple[float, FloatArray]:
        pt = _safe(problem, z * sc, True)
        if pt is None or pt.score is None:
            return cache.get("big", 1e300), np.zeros_like(z)
        cache.setdefault("big", abs(pt.ll) * 1e6 + 1e6)
        return -pt.ll, -pt.score * sc

    return fun, sc


def quasi_newton(problem: Problem, start: FloatArray) -> FloatArray:
    """L-BFGS-B on ``theta / scale`` with the analytic score (step 2 of the module docstring)."""
    fun, sc = _scaled_objective(problem)
    bounds = list(zip(problem.lower / sc, problem.upper / sc, strict=True))
    z0 = np.clip(np.asarray(start, dtype=float), problem.lower, problem.upper) / sc
    res = optimize.minimize(fun, z0, jac=True, method="L-BFGS-B", bounds=bounds,
                            options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 2000, "maxcor": 20})
    return np.clip(np.asarray(res.x) * sc, problem.lower, problem.upper)


def powell(problem: Problem, start: FloatArray) -> FloatArray:
    """Powell's method with bounds on ``theta / scale`` (step 3 of the module docstring)."""
    sc = problem.scale

    def fun(z: FloatArray) -> float:
        pt = _safe(problem, z * sc, False)
        return 1e300 if pt is None else -pt.ll

    upper = np.where(np.isfinite(problem.upper), problem.upper, 1e6 * sc)
    bounds = list(zip(problem.lower / sc, upper / sc, strict=True))
    z0 = np.clip(np.asarray(start, dtype=float), problem.lower, upper) / sc
    res = optimize.minimize(fun, z0, method="Powell", bounds=bounds,
                            options={"xtol": 1e-10, "ftol": 1e-15, "maxiter": 20000, "maxfev": 20000})
    return np.clip(np.asarray(res.x) * sc, problem.lower, problem.upper)


def maximise(problem: Problem, starts: Sequence[FloatArray], control: Control,
             probes: Sequence[FloatArray] = (), every_start: bool = False) -> Optimum:
    """Run the strategy of the module docstring; ConvergenceError naming what was tried when nothing converges.

    ``probes``: points where the log-likelihood is also looked at once an optimum is found; step 1 is rerun from
    the two best probes that lie higher, and a higher optimum found so replaces the first (the restricted
    likelihood of variance components can have a second, higher maximum away from the boundary).
    ``every_start``: run step 1 from every start and keep the highest optimum (models with correlations, whose
    likelihood often has maxima near both ends of a correlation's range), instead of stopping at the first."""
    attempts: list[str] = []
    best: Optimum | None = None
    best_any: Point | None = None

    def consider(pt: Point | None, iters: int, ok: bool, how: str) -> bool:
        nonlocal best, best_any
        if pt is None:
            attempts.append(f"{how}: model undefined at the start")
            return False
        if best_any is None or pt.ll > best_any.ll:
            best_any = pt
        ok = ok or kkt(problem, pt)
        attempts.append(f"{how}: {'converged' if ok else 'not converged'} (logLik {pt.ll:.10g})")
        if ok and (best is None or pt.ll > best.point.ll):
            best = Optimum(point=pt, iterations=iters, optimizer=how)
        return ok

    for n, start in enumerate(starts):
        label = "" if n == 0 else f" (start {n + 1})"
        pt, iters, ok = scoring(problem, start, control)
        if consider(pt, iters, ok, f"Newton/Fisher scoring{label}"):
            if every_start:
                continue
            break
        for name, method in (("L-BFGS-B", quasi_newton), ("Powell", powell)):
            origin = start if name == "L-BFGS-B" or best_any is None else best_any.theta
            try:
                theta = method(problem, origin)
            except (ValueError, np.linalg.LinAlgError, FloatingPointError) as exc:
                attempts.append(f"{name}{label}: failed ({exc})")
                continue
            pt, iters, ok = scoring(problem, theta, control)
            if pt is None:
                raw = _safe(problem, theta, True)
                pt, ok = raw, raw is not None and kkt(problem, raw)
            if consider(pt, iters, ok, f"{name} + Newton polish{label}"):
                break
        if best is not None and not every_start:
            break
    if best is None:
        raise ConvergenceError(
            f"{problem.name} did not converge: " + "; ".join(attempts)
            + ". The variance components may not be identified by these data (e.g. one row per cluster at two "
            "levels, or fewer clusters than parameters); simplify the random structure or use control="
            "{'maxiter': ..., 'step_adj': 0.5}")
    top = best.point.ll
    higher = [(pt.ll, n) for n, pt in enumerate(_safe(problem, np.asarray(q, dtype=float), False) for q in probes)
              if pt is not None and pt.ll > top + 1e-9 * max(1.0, abs(top))]
    for _, n in sorted(higher, reverse=True)[:2]:
        pt, iters, ok = scoring(problem, np.asarray(probes[n], dtype=float), control)
        consider(pt, iters, ok, f"Newton/Fisher scoring (probe {n + 1})")
    assert best is not None
    return Optimum(point=best.point, iterations=best.iterations, optimizer=best.optimizer, attempts=tuple(attempts))

"""Estimators of the between-study variance tau2 in (mixed-effects) meta-regression.

Every function takes ``y`` (..., k), ``v`` (..., k) and ``X`` (k, p) or (..., k, p) and returns
tau2 (...,) truncated at 0. Leading dimensions are a batch (all fitted at once). Formulas follow
the definitions used by metafor's ``rma.uni`` as documented by Viechtbauer (2005) and
Viechtbauer, Lopez-Lopez, Sanchez-Meca & Marin-Martinez (2015), Psychol Methods 20:360-374.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from painregen.meta.control import Control, ConvergenceError
from painregen.meta.wls import wls

FloatArray = np.ndarray
Estimator = Callable[[FloatArray, FloatArray, FloatArray, Control], FloatArray]


def _kp(y: FloatArray, X: FloatArray) -> tuple[int, int]:
    return y.shape[-1], X.shape[-1]


def tau2_fe(y: FloatArray, v: FloatArray, X: FloatArray, control: Control) -> FloatArray:
    """Fixed (equal) effects model: tau2 = 0."""
    return np.zeros(y.shape[:-1])


def tau2_dl(y: FloatArray, v: FloatArray, X: FloatArray, control: Control) -> FloatArray:
    """DerSimonian & Laird (1986); Raudenbush (2009) for meta-regression.

    tau2 = (Q_E - (k - p)) / tr(P) with P the residual-maker for weights 1/v.
    """
    k, p = _kp(y, X)
    fit = wls(y, 1.0 / v, X)
    return np.maximum(0.0, (fit.ypy - (k - p)) / fit.trP)


def tau2_he(y: FloatArray, v: FloatArray, X: FloatArray, control: Control) -> FloatArray:
    """Hedges (1983) / Hedges & Olkin (1985) method of moments on OLS residuals.

    tau2 = (RSS_OLS - sum_i v_i (1 - h_i)) / (k - p), h_i the OLS leverages.
    """
    k, p = _kp(y, X)
    fit = wls(y, np.ones_like(v), X)
    tr_pv = np.sum(v * (1.0 - fit.hat), axis=-1)
    return np.maximum(0.0, (fit.ypy - tr_pv) / (k - p))


def tau2_hs(y: FloatArray, v: FloatArray, X: FloatArray, control: Control) -> FloatArray:
    """Hunter & Schmidt (2004): tau2 = (Q_E - k) / sum(1/v)."""
    k, _ = _kp(y, X)
    fit = wls(y, 1.0 / v, X)
    return np.maximum(0.0, (fit.ypy - k) / fit.sum_w)


def tau2_sj(y: FloatArray, v: FloatArray, X: FloatArray, control: Control) -> FloatArray:
    """Sidik & Jonkman (2005): one step from the crude tau0 = sum (y_i - mean(y))^2 / k.

    tau2 = tau0 * y'P(tau0)y / (k - p). As in metafor, tau0 ignores moderators.
    """
    k, p = _kp(y, X)
    if control.tau2_init is not None:
        tau0 = np.full(y.shape[:-1], float(control.tau2_init))
    else:
        tau0 = np.mean((y - np.mean(y, axis=-1, keepdims=True)) ** 2, axis=-1)
    fit = wls(y, 1.0 / (v + tau0[..., None]), X)
    return np.maximum(0.0, tau0 * fit.ypy / (k - p))


#: step lengths tried, in turn, when Fisher scoring with the asked step does not converge (metafor's remedy,
#: ``control = list(stepadj = 0.5)``, applied automatically)
STEP_REMEDIES = (0.5, 0.25, 0.1)


def _fisher(y: FloatArray, v: FloatArray, X: FloatArray, control: Control, reml: bool, name: str) -> FloatArray:
    """Fisher scoring on tau2 (truncated at 0) for ML or REML; Viechtbauer (2005), eqs. 9-10.

    REML step: (y'PPy - tr(P)) / tr(PP); ML step: (y'PPy - sum w) / sum w^2. Where scoring with the asked step
    oscillates without converging (large sampling variances, as NMD gives), it is run again with shorter steps
    (:data:`STEP_REMEDIES`, what metafor's help advises as ``stepadj``) with ``maxiter`` scaled up in proportion, so
    the asked budget of step lengths is kept; the fixed point is the same.
    """
    try:
        return _scoring(y, v, X, control, reml, name)
    except ConvergenceError:
        if control.step_adj <= STEP_REMEDIES[-1]:
            raise
        for step in (s for s in STEP_REMEDIES if s < control.step_adj):
            try:
                budget = math.ceil(control.maxiter * control.step_adj / step)  # shorter steps, as many step lengths
                return _scoring(y, v, X, replace(control, step_adj=step, maxiter=budget), reml, name)
            except ConvergenceError:
                continue
        raise


def _scoring(y: FloatArray, v: FloatArray, X: FloatArray, control: Control, reml: bool, name: str) -> FloatArray:
    if control.tau2_init is not None:
        tau2 = np.full(y.shape[:-1], float(control.tau2_init))
    else:
        tau2 = tau2_he(y, v, X, control)
    for _ in range(control.maxiter):
        fit = wls(y, 1.0 / (v + tau2[..., None]), X)
        info = fit.tr_pp() if reml else np.sum(fit.w * fit.w, axis=-1)
        adj = (fit.yppy - (fit.trP if reml else fit.sum_w)) / info
        new = np.maximum(0.0, tau2 + control.step_adj * adj)
        done = np.abs(new - tau2) <= control.threshold * np.maximum(1.0, new)
        tau2 = new
        if np.all(done):
            return tau2
    raise ConvergenceError(
        f"{name} estimator of tau2 did not converge in {control.maxiter} iterations; "
        "try control={'maxiter': ..., 'step_adj': 0.5}"
    )


def tau2_ml(y: FloatArray, v: FloatArray, X: FloatArray, control: Control) -> FloatArray:
    """Maximum likelihood (Hardy & Thompson 1996) by Fisher scoring."""
    return _fisher(y, v, X, control, reml=False, name="ML")


def tau2_reml(y: FloatArray, v: FloatArray, X: FloatArray, control: Control) -> FloatArray:
    """Restricted maximum likelihood (Viechtbauer 2005) by Fisher scoring."""
    return _fisher(y, v, X, control, reml=True, name="REML")


def _q_and_slope(y: FloatArray, w: FloatArray, X: FloatArray) -> tuple[FloatArray, FloatArray]:
    """y'Py and y'PPy for weights w; one-column models in closed form (weighted mean), O(k)."""
    if X.shape[-1] == 1:
        x = X[..., 0]
        b = np.sum(w * x * y, axis=-1) / np.sum(w * x * x, axis=-1)
        wr = w * (y - b[..., None] * x)
        return np.sum(wr * (y - b[..., None] * x), axis=-1), np.sum(wr * wr, axis=-1)
    fit = wls(y, w, X)
    return fit.ypy, fit.yppy


def solve_generalised_q(
    y: FloatArray, v: FloatArray, X: FloatArray, target: FloatArray | float, control: Control,
    start: FloatArray | float = 0.0,
) -> FloatArray:
    """Solve Q(tau2) = y'P(tau2)y = target for tau2 >= 0 (0 when Q(0) <= target).

    Q is decreasing and convex in tau2 (dQ/dtau2 = -y'PPy, d2Q/dtau2^2 = 2 y'PPPy >= 0), so
    Newton's method started at 0 (or at any ``start`` below the root) increases monotonically to the root
    (never overshoots). Used by the Paule-Mandel estimator and the Q-profile confidence interval.
    """
    target = np.broadcast_to(np.asarray(target, dtype=float), y.shape[:-1])
    tau2 = np.broadcast_to(np.asarray(start, dtype=float), y.shape[:-1]).copy()
    for _ in range(control.maxiter):
        ypy, yppy = _q_and_slope(y, 1.0 / (v + tau2[..., None]), X)
        f = ypy - target
        slope = np.where(yppy > 0, yppy, np.inf)
        step = np.where(f > 0, f / slope, 0.0)
        tau2 = tau2 + step
        if np.all(step <= control.threshold * np.maximum(1.0, tau2)):
            return tau2
    raise ConvergenceError(f"solving the generalised Q equation did not converge in {control.maxiter} iterations")


def tau2_pm(y: FloatArray, v: FloatArray, X: FloatArray, control: Control) -> FloatArray:
    """Paule & Mandel (1982); generalised Q: y'P(tau2)y = k - p (Viechtbauer et al. 2015)."""
    k, p = _kp(y, X)
    return solve_generalised_q(y, v, X, float(k - p), control)


def tau2_eb(y: FloatArray, v: FloatArray, X: FloatArray, control: Control) -> FloatArray:
    """Empirical Bayes (Morris 1983; Berkey et al. 1995).

    Its fixed point, sum w r^2 * k/(k-p) = sum w (v + tau2) = k, is the PM equation
    y'Py = k - p (Viechtbauer et al. 2015 show EB and PM are identical), so it is solved as PM.
    """
    return tau2_pm(y, v, X, control)


@dataclass(frozen=True)
class Tau2Estimator:
    """A registered tau2 estimator."""

    code: str
    name: str
    citation: str
    fn: Estimator
    iterative: bool


TAU2_ESTIMATORS: dict[str, Tau2Estimator] = {}


def register(est: Tau2Estimator) -> None:
    """Register an estimator under its metafor code."""
    TAU2_ESTIMATORS[est.code] = est


for _est in (
    Tau2Estimator("FE", "fixed (equal) effects", "Hedges & Olkin 1985", tau2_fe, False),
    Tau2Estimator("DL", "DerSimonian-Laird", "DerSimonian & Laird 1986", tau2_dl, False),
    Tau2Estimator("HE", "Hedges", "Hedges 1983", tau2_he, False),
    Tau2Estimator("HS", "Hunter-Schmidt", "Hunter & Schmidt 2004", tau2_hs, False),
    Tau2Estimator("SJ", "Sidik-Jonkman", "Sidik & Jonkman 2005", tau2_sj, False),
    Tau2Estimator("ML", "maximum likelihood", "Hardy & Thompson 1996", tau2_ml, True),
    Tau2Estimator("REML", "restricted maximum likelihood", "Viechtbauer 2005", tau2_reml, True),
    Tau2Estimator("EB", "empirical Bayes", "Morris 1983; Berkey et al. 1995", tau2_eb, True),
    Tau2Estimator("PM", "Paule-Mandel", "Paule & Mandel 1982", tau2_pm, True),
):
    register(_est)


def estimate_tau2(method: str, y: FloatArray, v: FloatArray, X: FloatArray, control: Control) -> FloatArray:
    """Dispatch to a registered estimator by its code."""
    try:
        est = TAU2_ESTIMATORS[method]
    except KeyError:
        raise ValueError(f"unknown method {method!r}; choose one of {sorted(TAU2_ESTIMATORS)}") from None
    return est.fn(y, v, X, control)

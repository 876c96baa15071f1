"""Guesstimates of standardised model parameters from prior beliefs, as DoseFinding's ``guesst``.

A belief is a dose ``d`` at which a proportion ``p`` of the maximum effect is expected.  Formulas follow
Pinheiro, Bretz & Branson (2006, in Ting (ed.), *Dose Finding in Drug Development*, pp. 146-171) and
Bornkamp, Pinheiro & Bretz (2009, J Stat Softw 29(7)); they are solved here from the model equations:

* emax, asymptotic: p = d / (ed50 + d)  =>  ed50 = d (1 - p) / p   (averaged over several pairs);
  local (the curve passes through p of its value at ``max_dose`` M): ed50 = d M (1 - p) / (p M - d).
* sigEmax / logistic, asymptotic: logit p is linear in log d (slope h, intercept -h log ed50) or in d
  (slope 1/delta, intercept -ed50/delta); fitted by least squares over >= 2 pairs.
  local: the same equations relative to the curve's rise between 0 and M, solved numerically.
* quadratic: with f0 = d + delta d^2 peaking at -1/(2 delta), p f0max = f0(d) gives
  delta = (-1 +/- sqrt(1 - p)) / (2 d), "+" when d lies below the peak (``less=True``).
* exponential: p = (exp(d/delta) - 1) / (exp(M/delta) - 1), solved for delta.
* betaMod: the mode ``d_max`` fixes delta2 = delta1 (scal - d_max) / d_max; then
  B(delta1, delta2) (d/scal)^delta1 (1 - d/scal)^delta2 = p is solved for delta1.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import brentq, least_squares
from scipy.special import logit

from . import models as m
from .errors import DoseInputError


def guesst(
    d: ArrayLike,
    p: ArrayLike,
    model: str,
    *,
    less: bool = True,
    local: bool = False,
    d_max: float | None = None,
    max_dose: float | None = None,
    scal: float | None = None,
) -> tuple[float, ...]:
    """Standardised parameter(s) for ``model`` such that its shape reaches proportion ``p`` at dose ``d``.

    Returns (ed50,), (ed50, h), (ed50, delta), (delta,) or (delta1, delta2) in DoseFinding's order.
    """
    dd = np.atleast_1d(np.asarray(d, dtype=float))
    pp = np.atleast_1d(np.asarray(p, dtype=float))
    if dd.shape != pp.shape or dd.size == 0:
        raise DoseInputError("guesst needs d and p of the same, non-zero length")
    if np.any(pp <= 0) or np.any(pp > 1) or np.any(dd <= 0):
        raise DoseInputError("guesst needs doses d > 0 and proportions 0 < p <= 1")
    if local and max_dose is None and model in ("emax", "sigEmax", "logistic"):
        raise DoseInputError("local guesstimates need max_dose")
    if model == "emax":
        if local:
            assert max_dose is not None
            return (float(np.mean(dd * max_dose * (1 - pp) / (pp * max_dose - dd))),)
        return (float(np.mean(dd * (1 - pp) / pp)),)
    if model in ("sigEmax", "logistic"):
        return _two_param(dd, pp, model, local, max_dose)
    if model == "quadratic":
        sign = 1.0 if less else -1.0
        return (float((-1.0 + sign * np.sqrt(1.0 - pp[0])) / (2.0 * dd[0])),)
    if model == "exponential":
        if max_dose is None:
            raise DoseInputError("the exponential guesstimate needs max_dose")
        return (_solve_exponential(dd[0], pp[0], max_dose),)
    if model == "betaMod":
        if d_max is None or scal is None:
            raise DoseInputError("the betaMod guesstimate needs d_max and scal")
        return _solve_beta(dd[0], pp[0], d_max, scal)
    raise DoseInputError(f"no guesstimate for model {model!r}")


def _two_param(
    dd: np.ndarray, pp: np.ndarray, model: str, local: bool, max_dose: float | None
) -> tuple[float, float]:
    if dd.size < 2:
        raise DoseInputError(f"the {model} guesstimate needs at least two (d, p) pairs")
    if np.any(pp >= 1):
        raise DoseInputError(f"the {model} guesstimate needs p < 1")
    x = np.log(dd) if model == "sigEmax" else dd
    slope, intercept = np.polyfit(x, logit(pp), 1)
    if model == "sigEmax":
        start = np.array([np.exp(-intercept / slope), slope])
    else:
        start = np.array([-intercept / slope, 1.0 / slope])
    if not local:
        return float(start[0]), float(start[1])
    assert max_dose is not None

    def resid(theta: np.ndarray) -> np.ndarray:
        a, b = np.exp(theta)
        if model == "sigEmax":
            f = m.sig_emax_f0(np.concatenate([[0.0], dd, [max_dose]]), a, b)
        else:
            f = m.logistic_f0(np.concatenate([[0.0], dd, [max_dose]]), a, b)
        return np.asarray((f[1:-1] - f[0]) / (f[-1] - f[0]) - pp)

    sol = least_squares(resid, np.log(start), xtol=1e-14, ftol=1e-14, gtol=1e-14)
    a, b = np.exp(sol.x)
    return float(a), float(b)


def _solve_exponential(d: float, p: float, max_dose: float) -> float:
    if not d < max_dose or not p < d / max_dose:
        raise DoseInputError("the exponential guesstimate needs d < max_dose and p < d / max_dose (convex)")

    def g(log_delta: float) -> float:
        delta = np.exp(log_delta)
        # (exp(d/delta) - 1) / (exp(M/delta) - 1), written to avoid overflow for small delta
        return float(np.exp((d - max_dose) / delta) * np.expm1(-d / delta) / np.expm1(-max_dose / delta) - p)

    lo, hi = np.log(max_dose) - 10.0, np.log(max_dose) + 10.0
    return float(np.exp(brentq(g, lo, hi, xtol=1e-14, rtol=1e-14)))


def _solve_beta(d: float, p: float, d_max: float, scal: float) -> tuple[float, float]:
    if not 0 < d_max < scal or not d < scal:
        raise DoseInputError("the betaMod guesstimate needs 0 < d_max < scal and d < scal")
    ratio = (scal - d_max) / d_max

    def g(log_d1: float) -> float:
        d1 = np.exp(log_d1)
        return float(m.beta_f0(np.array(d), d1, d1 * ratio, scal) - p)

    return_d1 = float(np.exp(brentq(g, np.log(1e-6), np.log(1e3), xtol=1e-14, rtol=1e-14)))
    return return_d1, return_d1 * ratio

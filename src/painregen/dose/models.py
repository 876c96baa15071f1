"""Dose-response model functions and their gradients, in DoseFinding's parameterisation.

Each model is a closed-form vectorised function of ``dose`` with its gradient (one column per
coefficient) beside it, following the definitions of the DoseFinding reference manual (``drmodels``)
and Pinheiro, Bretz & Branson (2006, in Ting (ed.), *Dose Finding in Drug Development*):

    linear       f = e0 + delta d
    linlog       f = e0 + delta log(d + off)                     (off fixed)
    quadratic    f = e0 + b1 d + b2 d^2
    emax         f = e0 + eMax d / (ed50 + d)
    sigEmax      f = e0 + eMax d^h / (ed50^h + d^h)
    exponential  f = e0 + e1 (exp(d / delta) - 1)
    betaMod      f = e0 + eMax B(delta1, delta2) (d/scal)^delta1 (1 - d/scal)^delta2   (scal fixed)
                 B = (delta1 + delta2)^(delta1 + delta2) / (delta1^delta1 delta2^delta2)
    logistic     f = e0 + eMax / (1 + exp((ed50 - d) / delta))

Gradients return arrays of shape ``dose.shape + (p,)`` with columns in coefficient order; ``*_f0_grad`` give
the derivatives of the standardised shapes in their nonlinear parameters (broadcast over batches of them).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]


def _d(dose: ArrayLike) -> Array:
    return np.asarray(dose, dtype=float)


def linear(dose: ArrayLike, e0: float, delta: float) -> Array:
    """Linear model ``e0 + delta d``."""
    return e0 + delta * _d(dose)


def linear_grad(dose: ArrayLike) -> Array:
    """Gradient of :func:`linear` in (e0, delta)."""
    d = _d(dose)
    return np.stack([np.ones_like(d), d], axis=-1)


def linlog(dose: ArrayLike, e0: float, delta: float, off: float) -> Array:
    """Linear-in-log-dose model ``e0 + delta log(d + off)``."""
    return e0 + delta * np.log(_d(dose) + off)


def linlog_grad(dose: ArrayLike, off: float) -> Array:
    """Gradient of :func:`linlog` in (e0, delta)."""
    d = _d(dose)
    return np.stack([np.ones_like(d), np.log(d + off)], axis=-1)


def quadratic(dose: ArrayLike, e0: float, b1: float, b2: float) -> Array:
    """Quadratic model ``e0 + b1 d + b2 d^2``."""
    d = _d(dose)
    return e0 + b1 * d + b2 * d * d


def quadratic_grad(dose: ArrayLike) -> Array:
    """Gradient of :func:`quadratic` in (e0, b1, b2)."""
    d = _d(dose)
    return np.stack([np.ones_like(d), d, d * d], axis=-1)


def emax_f0(dose: ArrayLike, ed50: ArrayLike) -> Array:
    """Standardised Emax shape ``d / (ed50 + d)``."""
    d = _d(dose)
    return d / (np.asarray(ed50, dtype=float) + d)


def emax(dose: ArrayLike, e0: float, eMax: float, ed50: float) -> Array:
    """Hyperbolic Emax model ``e0 + eMax d / (ed50 + d)``."""
    return e0 + eMax * emax_f0(dose, ed50)


def emax_grad(dose: ArrayLike, eMax: float, ed50: float) -> Array:
    """Gradient of :func:`emax` in (e0, eMax, ed50)."""
    d = _d(dose)
    return np.stack([np.ones_like(d), d / (ed50 + d), -eMax * d / (ed50 + d) ** 2], axis=-1)


def sig_emax_f0(dose: ArrayLike, ed50: ArrayLike, h: ArrayLike) -> Array:
    """Standardised sigmoid-Emax shape ``d^h / (ed50^h + d^h)``, computed as a logistic in log dose."""
    d = _d(dose)
    ed50 = np.asarray(ed50, dtype=float)
    h = np.asarray(h, dtype=float)
    with np.errstate(divide="ignore"):
        z = h * (np.log(d) - np.log(ed50))
    return np.asarray(_expit(z), dtype=float)


def sig_emax(dose: ArrayLike, e0: float, eMax: float, ed50: float, h: float) -> Array:
    """Sigmoid Emax model ``e0 + eMax d^h / (ed50^h + d^h)``."""
    return e0 + eMax * sig_emax_f0(dose, ed50, h)


def sig_emax_grad(dose: ArrayLike, eMax: float, ed50: float, h: float) -> Array:
    """Gradient of :func:`sig_emax` in (e0, eMax, ed50, h)."""
    d = _d(dose)
    f0 = sig_emax_f0(d, ed50, h)
    w = f0 * (1.0 - f0)
    with np.errstate(divide="ignore", invalid="ignore"):
        dlog = np.where(d > 0, np.log(np.where(d > 0, d, 1.0)) - np.log(ed50), 0.0)
    return np.stack([np.ones_like(d), f0, -eMax * h * w / ed50, eMax * w * dlog], axis=-1)


def exponential_f0(dose: ArrayLike, delta: ArrayLike) -> Array:
    """Standardised exponential shape ``exp(d / delta) - 1``."""
    return np.asarray(np.expm1(_d(dose) / np.asarray(delta, dtype=float)), dtype=float)


def exponential(dose: ArrayLike, e0: float, e1: float, delta: float) -> Array:
    """Exponential model ``e0 + e1 (exp(d / delta) - 1)``."""
    return e0 + e1 * exponential_f0(dose, delta)


def exponential_grad(dose: ArrayLike, e1: float, delta: float) -> Array:
    """Gradient of :func:`exponential` in (e0, e1, delta)."""
    d = _d(dose)
    return np.stack(
        [np.ones_like(d), np.expm1(d / delta), -e1 * d * np.exp(d / delta) / delta**2], axis=-1
    )


def beta_f0(dose: ArrayLike, delta1: ArrayLike, delta2: ArrayLike, scal: float) -> Array:
    """Standardised beta shape ``B(delta1, delta2) x^delta1 (1 - x)^delta2`` with ``x = d / scal``.

    Its maximum, 1, lies at ``x = delta1 / (delta1 + delta2)``.
    """
    x = _d(dose) / scal
    d1 = np.asarray(delta1, dtype=float)
    d2 = np.asarray(delta2, dtype=float)
    log_b = (d1 + d2) * np.log(d1 + d2) - d1 * np.log(d1) - d2 * np.log(d2)
    with np.errstate(divide="ignore"):
        logf = log_b + d1 * np.log(x) + d2 * np.log1p(-x)
    return np.asarray(np.exp(logf), dtype=float)


def beta_mod(
    dose: ArrayLike,
    e0: float,
    eMax: float,
    delta1: float,
    delta2: float,
    scal: float,
) -> Array:
    """Beta model ``e0 + eMax B(delta1, delta2) (d/scal)^delta1 (1 - d/scal)^delta2``."""
    return e0 + eMax * beta_f0(dose, delta1, delta2, scal)


def beta_mod_grad(dose: ArrayLike, eMax: float, delta1: float, delta2: float, scal: float) -> Array:
    """Gradient of :func:`beta_mod` in (e0, eMax, delta1, delta2)."""
    d = _d(dose)
    x = d / scal
    f0 = beta_f0(d, delta1, delta2, scal)
    safe = np.where(x > 0, x, 1.0)
    g1 = np.where(x > 0, f0 * (np.log(delta1 + delta2) - np.log(delta1) + np.log(safe)), 0.0)
    g2 = np.where(x > 0, f0 * (np.log(delta1 + delta2) - np.log(delta2) + np.log1p(-x)), 0.0)
    return np.stack([np.ones_like(d), f0, eMax * g1, eMax * g2], axis=-1)


def logistic_f0(dose: ArrayLike, ed50: ArrayLike, delta: ArrayLike) -> Array:
    """Standardised logistic shape ``1 / (1 + exp((ed50 - d) / delta))``."""
    z = (_d(dose) - np.asarray(ed50, dtype=float)) / np.asarray(delta, dtype=float)
    return np.asarray(_expit(z), dtype=float)


def logistic(dose: ArrayLike, e0: float, eMax: float, ed50: float, delta: float) -> Array:
    """Logistic model ``e0 + eMax / (1 + exp((ed50 - d) / delta))``."""
    return e0 + eMax * logistic_f0(dose, ed50, delta)


def logistic_grad(dose: ArrayLike, eMax: float, ed50: float, delta: float) -> Array:
    """Gradient of :func:`logistic` in (e0, eMax, ed50, delta)."""
    d = _d(dose)
    f0 = logistic_f0(d, ed50, delta)
    w = f0 * (1.0 - f0)
    return np.stack([np.ones_like(d), f0, -eMax * w / delta, eMax * w * (ed50 - d) / delta**2], axis=-1)


def emax_f0_grad(dose: ArrayLike, ed50: ArrayLike) -> tuple[Array]:
    """Derivative of :func:`emax_f0` in ed50: ``-d / (ed50 + d)^2``."""
    d = _d(dose)
    e = np.asarray(ed50, dtype=float)
    return (-d / (e + d) ** 2,)


def sig_emax_f0_grad(dose: ArrayLike, ed50: ArrayLike, h: ArrayLike) -> tuple[Array, Array]:
    """Derivatives of :func:`sig_emax_f0` in (ed50, h): ``-h w / ed50`` and ``w log(d / ed50)`` with
    ``w = f0 (1 - f0)`` (0 at d = 0)."""
    d = _d(dose)
    e = np.asarray(ed50, dtype=float)
    hh = np.asarray(h, dtype=float)
    f0 = sig_emax_f0(d, e, hh)
    w = f0 * (1.0 - f0)
    with np.errstate(divide="ignore", invalid="ignore"):
        dlog = np.where(d > 0, np.log(np.where(d > 0, d, 1.0)) - np.log(e), 0.0)
    return -hh * w / e, w * dlog


def exponential_f0_grad(dose: ArrayLike, delta: ArrayLike) -> tuple[Array]:
    """Derivative of :func:`exponential_f0` in delta: ``-d exp(d / delta) / delta^2``."""
    d = _d(dose)
    dl = np.asarray(delta, dtype=float)
    return (-d * np.exp(d / dl) / dl**2,)


def beta_f0_grad(dose: ArrayLike, delta1: ArrayLike, delta2: ArrayLike, scal: float) -> tuple[Array, Array]:
    """Derivatives of :func:`beta_f0` in (delta1, delta2): ``f0 (log(d1 + d2) - log d1 + log x)`` and
    ``f0 (log(d1 + d2) - log d2 + log(1 - x))`` (0 at x = 0)."""
    x = _d(dose) / scal
    d1 = np.asarray(delta1, dtype=float)
    d2 = np.asarray(delta2, dtype=float)
    f0 = beta_f0(_d(dose), d1, d2, scal)
    safe = np.where(x > 0, x, 1.0)
    g1 = np.where(x > 0, f0 * (np.log(d1 + d2) - np.log(d1) + np.log(safe)), 0.0)
    g2 = np.where(x > 0, f0 * (np.log(d1 + d2) - np.log(d2) + np.log1p(-x)), 0.0)
    return g1, g2


def logistic_f0_grad(dose: ArrayLike, ed50: ArrayLike, delta: ArrayLike) -> tuple[Array, Array]:
    """Derivatives of :func:`logistic_f0` in (ed50, delta): ``-w / delta`` and ``-w (d - ed50) / delta^2``
    with ``w = f0 (1 - f0)``."""
    d = _d(dose)
    e = np.asarray(ed50, dtype=float)
    dl = np.asarray(delta, dtype=float)
    f0 = logistic_f0(d, e, dl)
    w = f0 * (1.0 - f0)
    return -w / dl, -w * (d - e) / dl**2


def _expit(z: Array) -> Array:
    from scipy.special import expit

    return np.asarray(expit(z), dtype=float)

"""Registry of the dose-response model families: names, coefficients, bounds and standardised shapes.

Every family is written as ``f(d) = X(d, theta_nl) beta`` with linear coefficients ``beta`` and
nonlinear parameters ``theta_nl`` (none for linear, linlog and quadratic).  For the nonlinear families
``X = [1, f0(d, theta_nl)]`` where ``f0`` is DoseFinding's standardised model (Mods/drmodels manual;
Pinheiro, Bornkamp, Glimm & Bretz 2014, Stat Med 33:1646).  Default bounds for the nonlinear
parameters follow DoseFinding's ``defBnds(mD)`` (checked against DoseFinding 1.0.3):
emax ed50 and sigEmax ed50 in [0.001, 1.5] mD, sigEmax h in [0.5, 10], exponential delta in
[0.1, 2] mD, logistic ed50 in [0.001, 1.5] mD and delta in [0.01, 0.5] mD, betaMod delta1 and
delta2 in [0.05, 4].
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from . import models as m
from .errors import DoseInputError
from .models import Array

Fixed = Mapping[str, float]


@dataclass(frozen=True)
class ModelDef:
    """One dose-response family.

    ``basis(dose, nl, fixed)`` returns the design matrix of shape ``broadcast(dose, nl[..., 0]).shape
    + (n_linear,)``; ``std_f0(dose, std, fixed)`` is the standardised shape used by ``Mods``;
    ``std_range(std, max_dose, fixed)`` returns (f0(0), max f0) used to scale it to a maximum effect.
    """

    name: str
    coef_names: tuple[str, ...]
    nonlin_names: tuple[str, ...]
    std_names: tuple[str, ...]
    formula: str
    basis: Callable[[Array, Array, Fixed], Array]
    std_f0: Callable[[Array, Array, Fixed], Array]
    std_range: Callable[[Array, float, Fixed], tuple[float, float]]
    grad: Callable[[Array, Array, Fixed], Array]
    default_bounds: Callable[[float], Array] | None = None
    fixed_names: tuple[str, ...] = ()
    std_grad: Callable[[Array, Array, Fixed], tuple[Array, ...]] | None = None

    @property
    def n_linear(self) -> int:
        return len(self.coef_names) - len(self.nonlin_names)

    @property
    def is_linear(self) -> bool:
        return not self.nonlin_names

    def mean(self, dose: Array, coefs: Array, fixed: Fixed) -> Array:
        """Model means at ``dose`` for full coefficients ``coefs`` (in ``coef_names`` order)."""
        coefs = np.asarray(coefs, dtype=float)
        nl = coefs[self.n_linear :]
        return np.asarray(self.basis(np.asarray(dose, float), nl, fixed) @ coefs[: self.n_linear])

    def nl_grad(self, dose: Array, nl: Array, fixed: Fixed) -> Array:
        """Derivatives of the standardised shape ``f0`` in the nonlinear parameters: ``nl`` (B, q) -> (B, k, q)."""
        assert self.std_grad is not None
        cols = self.std_grad(np.asarray(dose, dtype=float), np.asarray([nl[:, i, None] for i in range(nl.shape[1])]),
                             fixed)
        shape = (nl.shape[0], np.size(dose))
        return np.stack([np.broadcast_to(c, shape) for c in cols], axis=-1)

    def mean_batch(self, dose: Array, coefs: Array, fixed: Fixed) -> Array:
        """Means for a batch: ``coefs`` (B, p), ``dose`` (B, G) or (G,) -> (B, G)."""
        dose = np.asarray(dose, dtype=float)
        if self.is_linear:
            x = self.basis(dose, np.zeros(0), fixed)
            return np.asarray(np.sum(x * coefs[:, None, :], axis=-1))
        nl = np.asarray([coefs[:, self.n_linear + i][:, None] for i in range(len(self.nonlin_names))])
        return np.asarray(coefs[:, :1] + coefs[:, 1:2] * self.std_f0(dose, nl, fixed))


def _stack(*cols: Array) -> Array:
    shape = np.broadcast_shapes(*(np.shape(c) for c in cols))
    return np.stack([np.broadcast_to(c, shape) for c in cols], axis=-1)


def _nl_basis(f0: Callable[..., Array]) -> Callable[[Array, Array, Fixed], Array]:
    def basis(dose: Array, nl: Array, fixed: Fixed) -> Array:
        vals = f0(dose, *[nl[..., i, None] if nl.ndim > 1 else nl[i] for i in range(nl.shape[-1])], fixed)
        return _stack(np.ones_like(vals), vals)

    return basis


def _mono_range(f0: Callable[..., Array]) -> Callable[[Array, float, Fixed], tuple[float, float]]:
    def rng(std: Array, max_dose: float, fixed: Fixed) -> tuple[float, float]:
        return float(f0(np.array(0.0), std, fixed)), float(f0(np.array(max_dose), std, fixed))

    return rng


def _quad_range(std: Array, max_dose: float, fixed: Fixed) -> tuple[float, float]:
    # DoseFinding scales the standardised quadratic d + delta d^2 by its vertex value -1/(4 delta),
    # even when the vertex lies beyond the dose range.
    if std[0] >= 0:
        raise DoseInputError(
            f"quadratic guesstimate delta={std[0]:g} must be negative (a concave curve peaking at -1/(2 delta))"
        )
    return 0.0, -1.0 / (4.0 * std[0])


def _emax_f0(d: Array, ed50: Array, fx: Fixed) -> Array:
    return m.emax_f0(d, ed50)


def _sig_f0(d: Array, ed50: Array, h: Array, fx: Fixed) -> Array:
    return m.sig_emax_f0(d, ed50, h)


def _exp_f0(d: Array, delta: Array, fx: Fixed) -> Array:
    return m.exponential_f0(d, delta)


def _beta_f0(d: Array, d1: Array, d2: Array, fx: Fixed) -> Array:
    return m.beta_f0(d, d1, d2, fx["scal"])


def _logis_f0(d: Array, ed50: Array, delta: Array, fx: Fixed) -> Array:
    return m.logistic_f0(d, ed50, delta)


def _unpack(f0: Callable[..., Array]) -> Callable[[Array, Array, Fixed], Array]:
    return lambda d, std, fx: f0(d, *std, fx)


def _bnds(*rows: tuple[float, float, bool]) -> Callable[[float], Array]:
    """Bounds rows (lo, hi, scaled_by_max_dose)."""
    return lambda md: np.array([[lo * md, hi * md] if sc else [lo, hi] for lo, hi, sc in rows])


MODELS: dict[str, ModelDef] = {
    "linear": ModelDef(
        "linear", ("e0", "delta"), (), (), "e0 + delta*d",
        basis=lambda d, nl, fx: _stack(np.ones_like(d), d),
        std_f0=lambda d, std, fx: np.asarray(d, float),
        std_range=lambda std, md, fx: (0.0, md),
        grad=lambda d, c, fx: m.linear_grad(d),
    ),
    "linlog": ModelDef(
        "linlog", ("e0", "delta"), (), (), "e0 + delta*log(d + off)",
        basis=lambda d, nl, fx: _stack(np.ones_like(d), np.log(d + fx["off"])),
        std_f0=lambda d, std, fx: np.log(d + fx["off"]),
        std_range=lambda std, md, fx: (float(np.log(fx["off"])), float(np.log(md + fx["off"]))),
        grad=lambda d, c, fx: m.linlog_grad(d, fx["off"]),
        fixed_names=("off",),
    ),
    "quadratic": ModelDef(
        "quadratic", ("e0", "b1", "b2"), (), ("delta",), "e0 + b1*d + b2*d^2",
        basis=lambda d, nl, fx: _stack(np.ones_like(d), d, d * d),
        std_f0=lambda d, std, fx: d + std[0] * d * d,
        std_range=_quad_range,
        grad=lambda d, c, fx: m.quadratic_grad(d),
    ),
    "emax": ModelDef(
        "emax", ("e0", "eMax", "ed50"), ("ed50",), ("ed50",), "e0 + eMax*d/(ed50 + d)",
        basis=_nl_basis(_emax_f0), std_f0=_unpack(_emax_f0), std_range=_mono_range(_unpack(_emax_f0)),
        grad=lambda d, c, fx: m.emax_grad(d, c[1], c[2]),
        default_bounds=_bnds((0.001, 1.5, True)),
        std_grad=lambda d, std, fx: m.emax_f0_grad(d, *std),
    ),
    "sigEmax": ModelDef(
        "sigEmax", ("e0", "eMax", "ed50", "h"), ("ed50", "h"), ("ed50", "h"),
        "e0 + eMax*d^h/(ed50^h + d^h)",
        basis=_nl_basis(_sig_f0), std_f0=_unpack(_sig_f0), std_range=_mono_range(_unpack(_sig_f0)),
        grad=lambda d, c, fx: m.sig_emax_grad(d, c[1], c[2], c[3]),
        default_bounds=_bnds((0.001, 1.5, True), (0.5, 10.0, False)),
        std_grad=lambda d, std, fx: m.sig_emax_f0_grad(d, *std),
    ),
    "exponential": ModelDef(
        "exponential", ("e0", "e1", "delta"), ("delta",), ("delta",), "e0 + e1*(exp(d/delta) - 1)",
        basis=_nl_basis(_exp_f0), std_f0=_unpack(_exp_f0), std_range=_mono_range(_unpack(_exp_f0)),
        grad=lambda d, c, fx: m.exponential_grad(d, c[1], c[2]),
        default_bounds=_bnds((0.1, 2.0, True)),
        std_grad=lambda d, std, fx: m.exponential_f0_grad(d, *std),
    ),
    "betaMod": ModelDef(
        "betaMod", ("e0", "eMax", "delta1", "delta2"), ("delta1", "delta2"), ("delta1", "delta2"),
        "e0 + eMax*B(delta1,delta2)*(d/scal)^delta1*(1 - d/scal)^delta2",
        basis=_nl_basis(_beta_f0), std_f0=_unpack(_beta_f0),
        std_range=lambda std, md, fx: (0.0, 1.0),  # DoseFinding scales by the kernel maximum, 1
        grad=lambda d, c, fx: m.beta_mod_grad(d, c[1], c[2], c[3], fx["scal"]),
        default_bounds=_bnds((0.05, 4.0, False), (0.05, 4.0, False)),
        fixed_names=("scal",),
        std_grad=lambda d, std, fx: m.beta_f0_grad(d, std[0], std[1], fx["scal"]),
    ),
    "logistic": ModelDef(
        "logistic", ("e0", "eMax", "ed50", "delta"), ("ed50", "delta"), ("ed50", "delta"),
        "e0 + eMax/(1 + exp((ed50 - d)/delta))",
        basis=_nl_basis(_logis_f0), std_f0=_unpack(_logis_f0), std_range=_mono_range(_unpack(_logis_f0)),
        grad=lambda d, c, fx: m.logistic_grad(d, c[1], c[2], c[3]),
        default_bounds=_bnds((0.001, 1.5, True), (0.01, 0.5, True)),
        std_grad=lambda d, std, fx: m.logistic_f0_grad(d, *std),
    ),
}


def get_model(name: str) -> ModelDef:
    """Look a family up by its DoseFinding name (case-insensitive)."""
    for key, mdef in MODELS.items():
        if key.lower() == name.lower():
            return mdef
    raise DoseInputError(f"unknown dose-response model {name!r}; known models: {', '.join(MODELS)}")


def default_fixed(max_dose: float, scal: float | None = None, off: float | None = None) -> dict[str, float]:
    """DoseFinding's defaults for the fixed parameters: scal = 1.2 max dose, off = 0.01 max dose."""
    fixed = {"scal": 1.2 * max_dose if scal is None else float(scal),
             "off": 0.01 * max_dose if off is None else float(off)}
    if fixed["scal"] <= max_dose:
        raise DoseInputError(f"scal={fixed['scal']:g} must exceed the maximum dose {max_dose:g}")
    if fixed["off"] <= 0:
        raise DoseInputError(f"off={fixed['off']:g} must be positive")
    return fixed


def default_bounds(name: str, max_dose: float) -> Array:
    """Bounds (rows lo, hi per nonlinear parameter) as DoseFinding's ``defBnds(max_dose)``."""
    mdef = get_model(name)
    if mdef.default_bounds is None:
        return np.zeros((0, 2))
    return mdef.default_bounds(max_dose)

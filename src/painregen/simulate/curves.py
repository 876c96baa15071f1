"""True curves of the simulator: dose-response shapes and the time course of a treatment effect.

Pure vectorised functions of plain numpy arrays. The dose-response shapes are the closed forms that the
R package DoseFinding documents for its models (Bornkamp, Pinheiro and Bretz 2009, "MCPMod: An R package
for the design and analysis of dose-finding studies", J Stat Softw 29(7); Pinheiro, Bornkamp and Bretz
2006, J Biopharm Stat 16:639-656), written here from those published formulas.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]


def emax(dose: ArrayLike, e0: float, e_max: float, ed50: float) -> FloatArray:
    """Hyperbolic Emax model ``f(d) = e0 + eMax * d / (ed50 + d)`` on the linear dose scale.

    Source: Bornkamp et al. 2009 (DoseFinding ``emax``). ``eMax`` is the asymptotic effect over placebo and
    ``ed50`` the dose giving half of it. Shapes: ``dose`` any shape; the result has the same shape.
    """
    d = np.asarray(dose, dtype=float)
    return e0 + e_max * d / (ed50 + d)


def beta_scaling(delta1: float, delta2: float) -> float:
    """``B(delta1, delta2) = (delta1 + delta2)^(delta1 + delta2) / (delta1^delta1 * delta2^delta2)``.

    Source: Bornkamp et al. 2009 (DoseFinding ``betaMod``): it makes ``eMax`` the effect at the peak.
    """
    s = delta1 + delta2
    return float(s**s / (delta1**delta1 * delta2**delta2))


def beta_mod(dose: ArrayLike, e0: float, e_max: float, delta1: float, delta2: float, scal: float) -> FloatArray:
    """Beta model, an umbrella shape: ``e0 + eMax * B * (d/scal)^delta1 * (1 - d/scal)^delta2``.

    Source: Bornkamp et al. 2009 (DoseFinding ``betaMod``), with ``B`` from :func:`beta_scaling`. The peak
    (value ``e0 + eMax``) lies at ``d = scal * delta1 / (delta1 + delta2)``; doses must satisfy
    ``0 <= d <= scal``. Shapes: ``dose`` any shape; the result has the same shape.
    """
    d = np.asarray(dose, dtype=float)
    if np.any(d < 0) or np.any(d > scal):
        raise ValueError(f"betaMod needs 0 <= dose <= scal ({scal}); got {d}")
    x = d / scal
    return e0 + e_max * beta_scaling(delta1, delta2) * x**delta1 * (1.0 - x) ** delta2


def beta_mod_peak(delta1: float, delta2: float, scal: float) -> float:
    """Dose at which :func:`beta_mod` peaks: ``scal * delta1 / (delta1 + delta2)`` (Bornkamp et al. 2009)."""
    return scal * delta1 / (delta1 + delta2)


def time_course(time_days: ArrayLike, treated_day: float, onset_days: float) -> FloatArray:
    """Fraction of the full effect present ``t`` days after injury: ``1 - exp(-(t - t0) / onset)`` for
    ``t > t0`` (the day of treatment), else 0.

    A first-order build-up (the simulator's own assumption, documented in docs/simulator.md): the effect
    reaches 63% of its plateau ``onset`` days after treatment. Shapes: ``time_days`` any shape.
    """
    t = np.asarray(time_days, dtype=float)
    lag = np.maximum(t - treated_day, 0.0)
    return 1.0 - np.exp(-lag / onset_days)

"""Assurance (predictive power): the chance that a new study succeeds, averaged over what the evidence says.

A meta-analysis of earlier studies gives a pooled effect ``mu`` (standardised, e.g. Hedges' g) with standard
error ``se`` and between-study SD ``tau``. The true effect in one new study is then uncertain:
``delta ~ N(mu, tau^2 + se^2)``, the predictive distribution of a random-effects meta-analysis (Higgins,
Thompson & Spiegelhalter 2009, J R Stat Soc A 172:137). Assurance is the power averaged over it,
``A(n) = integral power(n, delta) phi(delta; mu, tau^2 + se^2) d delta`` (O'Hagan, Stevens & Campbell 2005,
Pharm Stat 4:187; Spiegelhalter, Abrams & Myles 2004, sec. 6.5 "predictive power"). The power function is the
exact t-test power of :mod:`painregen.design.ttest`; the integral is Gauss-Hermite with 160 nodes.

``directional=True`` (default) counts only significant results in favour of treatment (the upper tail; a
two-sided test's lower-tail rejections are failures); then ``A(n) -> P(delta > 0) = Phi(mu / sd)`` as ``n`` grows,
so an assurance target above that cannot be reached. ``directional=False`` counts any rejection, as pwr's
two-sided power does. With ``se = tau = 0`` assurance is ordinary power at ``mu``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import stats

from painregen.design.ttest import ALTERNATIVES, PerGroupN, nct_cdf, pwr_t_test, solve

if TYPE_CHECKING:
    from painregen.meta.results import RmaResult

__all__ = ["AssuranceResult", "assurance", "assurance_from_rma", "expected_power", "power_curve"]

_NODES = 160


@cache
def _gh() -> tuple[np.ndarray, np.ndarray]:
    x, w = np.polynomial.hermite_e.hermegauss(_NODES)
    return x, w / np.sqrt(2.0 * np.pi)


def expected_power(power_fn: Callable[[np.ndarray], np.ndarray], mu: float, sd: float) -> float:
    """``E[power_fn(delta)]`` for ``delta ~ N(mu, sd^2)`` by Gauss-Hermite quadrature (O'Hagan et al. 2005)."""
    if sd < 0:
        raise ValueError("sd must not be negative")
    if sd == 0:
        return float(np.asarray(power_fn(np.array([mu])))[0])
    x, w = _gh()
    return float(w @ np.asarray(power_fn(mu + sd * x), dtype=float))


def power_curve(n: float, sig_level: float, type: str, alternative: str, directional: bool
                ) -> Callable[[np.ndarray], np.ndarray]:
    """Vectorised t-test power as a function of the true standardised effect (Cohen 1988, as pwr.t.test)."""
    if alternative not in ALTERNATIVES:
        raise ValueError(f"alternative must be one of {', '.join(ALTERNATIVES)}; got {alternative!r}")
    df, scale = (2.0 * (n - 1.0), np.sqrt(n / 2.0)) if type == "two.sample" else (n - 1.0, np.sqrt(n))
    if type not in ("two.sample", "one.sample", "paired"):
        raise ValueError(f"unknown type {type!r}")

    def f(delta: np.ndarray) -> np.ndarray:
        ncp = np.asarray(delta, dtype=float) * scale
        if alternative == "less":
            return np.asarray(nct_cdf(stats.t.ppf(sig_level, df), df, ncp))
        if alternative == "greater":
            return np.asarray(stats.nct.sf(stats.t.isf(sig_level, df), df, ncp))
        q = stats.t.isf(sig_level / 2.0, df)
        upper = np.asarray(stats.nct.sf(q, df, ncp))
        return upper if directional else upper + np.asarray(nct_cdf(-q, df, ncp))

    return f


@dataclass(frozen=True)
class AssuranceResult(PerGroupN):
    """Assurance of a design with ``n`` per group, next to the conventional power at the pooled ``mu``."""

    mu: float
    se: float
    tau: float
    sd_pred: float
    n: float
    assurance: float
    power_at_mu: float
    p_benefit: float
    sig_level: float
    type: str
    alternative: str
    directional: bool


def assurance(
    mu: float,
    se: float,
    tau: float,
    n: float | None = None,
    target: float | None = None,
    sig_level: float = 0.05,
    type: str = "two.sample",
    alternative: str = "two.sided",
    directional: bool = True,
) -> AssuranceResult:
    """Assurance at ``n`` per group, or the real ``n`` whose assurance equals ``target`` (O'Hagan et al. 2005).

    Raises ``ValueError`` when ``target`` is out of reach (see the module docstring).
    """
    if se < 0 or tau < 0:
        raise ValueError("se and tau must not be negative")
    if (n is None) == (target is None):
        raise ValueError("give exactly one of n and target")
    sd = float(np.hypot(se, tau))
    p_benefit = float(stats.norm.cdf(mu / sd)) if sd > 0 else float(mu > 0)
    if alternative == "less":
        p_benefit = 1.0 - p_benefit

    def a_at(n_: float) -> float:
        return expected_power(power_curve(n_, sig_level, type, alternative, directional), mu, sd)

    if n is None:
        assert target is not None
        if not 0 < target < 1:
            raise ValueError(f"target must be strictly between 0 and 1; got {target!r}")
        limit = p_benefit if directional or alternative != "two.sided" else 1.0
        if target >= limit - 1e-6 or a_at(1e6) < target:
            raise ValueError(f"assurance {target:g} cannot be reached: it stays below {min(limit, a_at(1e6)):.4f} "
                             "however many animals (the chance that the true effect favours treatment)")
        lo = 2.0 if a_at(2.0) < target else 1.0 + 1e-6
        n = solve(lambda x: a_at(x) - target, lo, 1e6, "sample size")
    if n <= 1:
        raise ValueError(f"n must be greater than 1; got {n!r}")
    at_mu = pwr_t_test(n=n, d=mu, sig_level=sig_level, type=type, alternative=alternative).power if mu else sig_level
    return AssuranceResult(mu, se, tau, sd, float(n), a_at(n), float(at_mu), p_benefit, sig_level, type,
                           alternative, directional)


def assurance_from_rma(res: RmaResult, n: float | None = None, target: float | None = None, **kw: Any
                       ) -> AssuranceResult:
    """:func:`assurance` from an intercept-only :class:`painregen.meta.RmaResult` (``b``, ``se``, ``tau2``)."""
    if not res.int_only:
        raise ValueError("assurance needs an intercept-only model (no moderators)")
    return assurance(float(res.b[0]), float(res.se[0]), float(np.sqrt(max(res.tau2, 0.0))), n=n, target=target, **kw)

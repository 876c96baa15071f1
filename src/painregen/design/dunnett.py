"""Many-to-one comparisons with a shared control (Dunnett 1955): critical value, power and sample size.

``k`` treated arms of sizes ``n_i`` are each compared with one control of size ``n0`` by
``T_i = (ybar_i - ybar_0) / (s sqrt(1/n_i + 1/n0))`` with ``df = sum(n_i) + n0 - (k + 1)``. The ``T_i`` are
multivariate t with correlations ``rho_ij = lambda_i lambda_j``, ``lambda_i = sqrt(n_i / (n_i + n0))``
(Dunnett 1955, J Am Stat Assoc 50:1096). That product form means one common factor (the control mean):
``Z_i = lambda_i Z_0 + sqrt(1 - lambda_i^2) E_i``, so every rectangle probability is a two-dimensional
integral over ``Z_0 ~ N(0, 1)`` and ``S = sqrt(chi2_df / df)`` (Dunnett 1955, sec. 3; Hochberg & Tamhane
1987, *Multiple Comparison Procedures*, ch. 3). It is computed by Gauss-Hermite (``Z_0``) times
Gauss-Legendre over the range of ``S``, deterministic and accurate to about 1e-12; mvtnorm's
``pmvt`` and ``qmvt`` are the oracle in tests/golden/pwr.R.

Under a shift each ``T_i`` is non-central of Kshirsagar's type, ``(Z_i + ncp_i) / S`` with
``ncp_i = d_i / sqrt(1/n_i + 1/n0)`` (``d_i``: standardised difference of arm i from control). Power per
comparison uses the univariate non-central t at Dunnett's critical value; ``power_all`` and ``power_any``
(all / at least one comparison rejecting) use the multivariate integral. Dunnett (1955) showed that
``n0 = n sqrt(k)`` (control ``sqrt(k)`` times a treated arm) is about optimal for equal treated arms.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import special, stats
from scipy.optimize import brentq

from painregen.design.ttest import nct_cdf

__all__ = ["DunnettPower", "dunnett_crit", "dunnett_power", "dunnett_sample_size"]

_GH_NODES = 80
_GL_NODES = 64


@lru_cache(maxsize=256)
def _nodes(df: float | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(z nodes, z weights, s nodes, s weights): probabilists' Gauss-Hermite for ``Z_0``; Gauss-Legendre for
    ``S`` over its central ``1 - 2e-15`` range, weights times the density of ``S`` (integrand smooth there)."""
    z, wz = np.polynomial.hermite_e.hermegauss(_GH_NODES)
    wz = wz / np.sqrt(2.0 * np.pi)
    if df is None or not np.isfinite(df):
        return z, wz, np.ones(1), np.ones(1)
    chi = stats.chi(df, scale=1.0 / np.sqrt(df))
    a, b = float(chi.ppf(1e-15)), float(chi.isf(1e-15))
    u, wu = np.polynomial.legendre.leggauss(_GL_NODES)
    s = a + (b - a) * (u + 1.0) / 2.0
    return z, wz, s, wu * (b - a) / 2.0 * chi.pdf(s)


def _rect(lam: np.ndarray, ncp: np.ndarray, lo: float, hi: float, df: float | None, kind: str) -> float:
    """``P(lo <= T_i <= hi for all i)`` (kind ``all_in``) or ``P(T_i > hi for all i)`` (kind ``all_above``)."""
    z, wz, s, ws = _nodes(df)
    root = np.sqrt(1.0 - lam**2)[:, None, None]
    mean = (lam[:, None, None] * z[None, :, None] + ncp[:, None, None])
    upper = special.ndtr((hi * s[None, None, :] - mean) / root)
    if kind == "all_above":
        prod = np.prod(1.0 - upper, axis=0)
    else:
        lower = special.ndtr((lo * s[None, None, :] - mean) / root) if np.isfinite(lo) else 0.0
        prod = np.prod(upper - lower, axis=0)
    return float(wz @ prod @ ws)


def _lambda(n: np.ndarray, n0: float) -> np.ndarray:
    return np.sqrt(n / (n + n0))


def _arms(n: ArrayLike, n0: float, d: ArrayLike | None = None) -> tuple[np.ndarray, np.ndarray]:
    n_ = np.atleast_1d(np.asarray(n, dtype=float))
    if n_.ndim != 1 or n_.size < 1 or np.any(n_ < 1) or n0 < 1:
        raise ValueError("n (one size per treated arm) and n0 must be at least 1")
    d_ = np.zeros_like(n_) if d is None else np.broadcast_to(np.asarray(d, dtype=float), n_.shape).copy()
    return n_, d_


def dunnett_crit(
    n: ArrayLike, n0: float, alpha: float = 0.05, alternative: str = "greater", df: float | None = None
) -> float:
    """Dunnett's critical value: ``P(max T_i <= c) = 1 - alpha`` (``greater``) or ``P(max |T_i| <= c)`` (``two.sided``).

    ``df`` defaults to ``sum(n) + n0 - (k + 1)``; ``df=inf`` gives the multivariate normal value. Dunnett (1955).
    """
    n_, _ = _arms(n, n0)
    if alternative not in ("greater", "two.sided"):
        raise ValueError(f"alternative must be 'greater' or 'two.sided'; got {alternative!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be strictly between 0 and 1; got {alpha!r}")
    df = float(n_.sum() + n0 - (n_.size + 1)) if df is None else float(df)
    if df <= 0:
        raise ValueError("no degrees of freedom left: add animals")
    lam, zero = _lambda(n_, n0), np.zeros_like(n_)
    lo_fn = (lambda c: -c) if alternative == "two.sided" else (lambda c: -np.inf)
    dfv = None if not np.isfinite(df) else df
    return float(brentq(lambda c: _rect(lam, zero, lo_fn(c), c, dfv, "all_in") - (1.0 - alpha), 1e-6, 50.0,
                        xtol=1e-12))


@dataclass(frozen=True)
class DunnettPower:
    """Power of Dunnett's many-to-one test: per comparison, all comparisons, at least one comparison."""

    n: tuple[float, ...]
    n0: float
    d: tuple[float, ...]
    alpha: float
    alternative: str
    df: float
    crit: float
    power: tuple[float, ...]
    power_all: float
    power_any: float

    @property
    def k(self) -> int:
        return len(self.n)

    @property
    def n_total(self) -> float:
        return float(sum(self.n) + self.n0)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(k=self.k, n_total=self.n_total, power_min=min(self.power))
        if np.isnan(self.power_all):
            out["power_all"] = None  # not defined for two-sided tests
        return {key: list(v) if isinstance(v, tuple) else v for key, v in out.items()}


def dunnett_power(
    n: ArrayLike, n0: float, d: ArrayLike, alpha: float = 0.05, alternative: str = "greater"
) -> DunnettPower:
    """Power of each comparison with the shared control, and of all / any, at Dunnett's critical value.

    ``d``: standardised effect of each arm (scalar or one per arm). Dunnett (1955); Hochberg & Tamhane (1987).
    """
    n_, d_ = _arms(n, n0, d)
    df = float(n_.sum() + n0 - (n_.size + 1))
    crit = dunnett_crit(n_, n0, alpha, alternative)
    ncp = d_ / np.sqrt(1.0 / n_ + 1.0 / n0)
    per = stats.nct.sf(crit, df, ncp)
    if alternative == "two.sided":
        per = per + nct_cdf(-crit, df, ncp)
    lam = _lambda(n_, n0)
    lo = -crit if alternative == "two.sided" else -np.inf
    any_ = 1.0 - _rect(lam, ncp, lo, crit, df, "all_in")
    all_ = _rect(lam, ncp, crit, crit, df, "all_above") if alternative == "greater" else float("nan")
    return DunnettPower(tuple(map(float, n_)), float(n0), tuple(map(float, d_)), alpha, alternative, df, crit,
                        tuple(map(float, per)), all_, any_)


def dunnett_sample_size(
    k: int,
    d: float,
    power: float = 0.8,
    alpha: float = 0.05,
    alternative: str = "greater",
    ratio: float | None = None,
    target: str = "each",
) -> tuple[float, DunnettPower]:
    """Real ``n`` per treated arm (control ``ratio * n``, default ``sqrt(k)``: Dunnett 1955) reaching ``power``.

    ``target``: ``each`` (power of every comparison), ``all`` or ``any``. Returns the real ``n`` and the power at
    the whole numbers ``ceil(n)`` treated and ``ceil(ratio * ceil(n))`` control animals.
    """
    if k < 1 or d <= 0:
        raise ValueError("k must be >= 1 and d > 0")
    if not 0 < power < 1:
        raise ValueError(f"power must be strictly between 0 and 1; got {power!r}")
    if target not in ("each", "all", "any"):
        raise ValueError(f"target must be each, all or any; got {target!r}")
    if target == "all" and alternative != "greater":
        raise ValueError("target 'all' is available for alternative 'greater' only")
    r = float(np.sqrt(k)) if ratio is None else float(ratio)

    def achieved(res: DunnettPower) -> float:
        return {"each": min(res.power), "all": res.power_all, "any": res.power_any}[target]

    def f(n: float) -> float:
        return achieved(dunnett_power(np.full(k, n), r * n, d, alpha, alternative)) - power

    lo = max(1.0, 1.0 / r, (k + 1.0) / (k + r)) + 1e-6
    hi = max(2.0, 2.0 * lo)
    while f(hi) < 0:
        lo, hi = hi, hi * 2.0
        if hi > 1e6:
            raise ValueError("no sample size below 1e6 per arm reaches the target power")
    n_exact = float(brentq(f, lo, hi, xtol=1e-9)) if f(lo) < 0 else lo
    n_int = float(np.ceil(n_exact - 1e-9))
    return n_exact, dunnett_power(np.full(k, n_int), float(np.ceil(r * n_int - 1e-9)), d, alpha, alternative)

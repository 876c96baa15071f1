"""Power and sample size of Welch's unequal-variance t test.

Welch (1947, Biometrika 34:28) with Satterthwaite's (1946, Biometrics Bull 2:110) degrees of freedom
``nu = (v1 + v2)^2 / (v1^2/(n1-1) + v2^2/(n2-1))``, ``v_i = sd_i^2 / n_i``. Two ways to get power:

* ``method="satterthwaite"`` (default): the statistic is taken as non-central t with ``nu`` computed from the
  planning SDs and ``ncp = delta / sqrt(v1 + v2)``: the approximation of SAS PROC POWER (``TEST=DIFF_SATT``)
  discussed by Moser, Stevens & Watts (1989, Commun Stat Theory Methods 18:3963).
* ``method="exact"``: the exact power by integrating over the two sample variances, as Moser, Stevens &
  Watts (1989) did: given ``W_i = (n_i - 1) s_i^2 / sd_i^2 ~ chi2(n_i - 1)``, the mean difference is normal and
  independent, so ``P(reject | W1, W2)`` is a normal probability at the data-dependent critical value
  ``t(nu_hat)``. Two-dimensional Gauss-Legendre quadrature on the chi-square quantile scale.

With ``sd1 == sd2`` and ``n1 == n2`` the Satterthwaite power equals the pooled t test's (pwr.t.test).
The variance-optimal split is ``n2 / n1 = sd2 / sd1`` (Neyman allocation).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from scipy import special, stats

from painregen.design.ttest import power_from_ncp, solve

__all__ = ["WelchPower", "welch_df", "welch_power", "welch_sample_size"]

_GL = 200


@dataclass(frozen=True)
class WelchPower:
    """Welch t-test power at ``n1``, ``n2`` (real numbers when solved)."""

    n1: float
    n2: float
    delta: float
    sd1: float
    sd2: float
    sig_level: float
    power: float
    df: float
    ncp: float
    alternative: str
    method: str

    @property
    def n_per_group(self) -> tuple[int, int]:
        return int(np.ceil(self.n1 - 1e-9)), int(np.ceil(self.n2 - 1e-9))

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["n1_ceiling"], out["n2_ceiling"] = self.n_per_group
        return out


def welch_df(sd1: float, sd2: float, n1: float, n2: float) -> float:
    """Welch-Satterthwaite degrees of freedom (Satterthwaite 1946; Welch 1947)."""
    v1, v2 = sd1**2 / n1, sd2**2 / n2
    return float((v1 + v2) ** 2 / (v1**2 / (n1 - 1.0) + v2**2 / (n2 - 1.0)))


@lru_cache(maxsize=512)
def _chi_nodes(df: float) -> tuple[np.ndarray, np.ndarray]:
    u, w = np.polynomial.legendre.leggauss(_GL)
    return stats.chi2.ppf((u + 1.0) / 2.0, df), w / 2.0


def _exact(delta: float, sd1: float, sd2: float, n1: int, n2: int, alpha: float, alternative: str) -> float:
    w1, a1 = _chi_nodes(float(n1 - 1))
    w2, a2 = _chi_nodes(float(n2 - 1))
    v1 = (sd1**2 / n1) * w1[:, None] / (n1 - 1)
    v2 = (sd2**2 / n2) * w2[None, :] / (n2 - 1)
    se_hat = np.sqrt(v1 + v2)
    nu = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
    se = np.sqrt(sd1**2 / n1 + sd2**2 / n2)
    if alternative == "two.sided":
        c = stats.t.isf(alpha / 2.0, nu) * se_hat
        p = special.ndtr((delta - c) / se) + special.ndtr((-delta - c) / se)
    elif alternative == "greater":
        p = special.ndtr((delta - stats.t.isf(alpha, nu) * se_hat) / se)
    else:
        p = special.ndtr((stats.t.ppf(alpha, nu) * se_hat - delta) / se)
    return float(a1 @ p @ a2)


def welch_power(
    delta: float,
    sd1: float,
    sd2: float,
    n1: float,
    n2: float,
    sig_level: float = 0.05,
    alternative: str = "two.sided",
    method: str = "satterthwaite",
) -> WelchPower:
    """Power of Welch's test for a mean difference ``delta`` (raw units) with group SDs ``sd1``, ``sd2``.

    ``method="exact"`` needs whole ``n1``, ``n2`` (Moser, Stevens & Watts 1989); ``satterthwaite`` accepts reals.
    """
    if sd1 <= 0 or sd2 <= 0:
        raise ValueError("sd1 and sd2 must be positive")
    if n1 < 2 or n2 < 2:
        raise ValueError("n1 and n2 must be at least 2")
    if not 0 < sig_level < 1:
        raise ValueError(f"sig_level must be strictly between 0 and 1; got {sig_level!r}")
    df = welch_df(sd1, sd2, n1, n2)
    ncp = delta / float(np.sqrt(sd1**2 / n1 + sd2**2 / n2))
    if method == "satterthwaite":
        pw = power_from_ncp(ncp, df, sig_level, alternative)
    elif method == "exact":
        if n1 != int(n1) or n2 != int(n2):
            raise ValueError("method 'exact' needs whole numbers of animals")
        power_from_ncp(0.0, df, sig_level, alternative)  # validates alternative
        pw = _exact(delta, sd1, sd2, int(n1), int(n2), sig_level, alternative)
    else:
        raise ValueError(f"method must be 'satterthwaite' or 'exact'; got {method!r}")
    return WelchPower(float(n1), float(n2), float(delta), sd1, sd2, sig_level, pw, df, ncp, alternative, method)


def welch_sample_size(
    delta: float,
    sd1: float,
    sd2: float,
    power: float = 0.8,
    sig_level: float = 0.05,
    ratio: float | None = None,
    alternative: str = "two.sided",
) -> WelchPower:
    """Real ``n1`` (with ``n2 = ratio * n1``; default ``ratio = sd2 / sd1``) reaching ``power`` (Satterthwaite).

    Check the whole-number design with ``welch_power(..., method="exact")``.
    """
    if not 0 < power < 1:
        raise ValueError(f"power must be strictly between 0 and 1; got {power!r}")
    if delta == 0:
        raise ValueError("delta must not be 0")
    r = sd2 / sd1 if ratio is None else float(ratio)
    if r <= 0:
        raise ValueError("ratio must be positive")
    lo = max(2.0, 2.0 / r)

    def f(n1: float) -> float:
        return welch_power(delta, sd1, sd2, n1, r * n1, sig_level, alternative).power - power

    n1 = lo if f(lo) >= 0 else solve(f, lo, 1e7, "sample size")
    return welch_power(delta, sd1, sd2, n1, r * n1, sig_level, alternative)

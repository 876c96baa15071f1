"""Q-profile confidence intervals for tau2, tau, I2 and H2 (metafor's ``confint.rma.uni``).

Viechtbauer (2007), Stat Med 26:37-52: the bounds solve the generalised Q equation
y'P(tau2)y = chi2_{k-p} quantile, the lower bound at the 1 - alpha/2 quantile and the upper bound
at the alpha/2 quantile; a bound is 0 when Q(0) already lies below its quantile. I2 and H2 bounds
follow from the tau2 bounds with the typical within-study variance s2 = (k - p) / tr(P_FE).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from painregen.meta import dist
from painregen.meta.tau2 import solve_generalised_q
from painregen.meta.wls import wls

if TYPE_CHECKING:
    import pandas as pd

    from painregen.meta.results import RmaResult


@dataclass(frozen=True)
class Tau2Interval:
    """Estimates with Q-profile (lower, upper) bounds."""

    tau2: float
    tau2_ci: tuple[float, float]
    tau: float
    tau_ci: tuple[float, float]
    I2: float
    I2_ci: tuple[float, float]
    H2: float
    H2_ci: tuple[float, float]
    level: float

    def summary(self) -> pd.DataFrame:
        import pandas as pd

        rows = {
            "tau^2": (self.tau2, *self.tau2_ci),
            "tau": (self.tau, *self.tau_ci),
            "I^2(%)": (self.I2, *self.I2_ci),
            "H^2": (self.H2, *self.H2_ci),
        }
        return pd.DataFrame.from_dict(rows, orient="index", columns=["estimate", "ci.lb", "ci.ub"])

    def to_dict(self) -> dict[str, Any]:
        return {
            "tau2": self.tau2, "tau2_ci_low": self.tau2_ci[0], "tau2_ci_high": self.tau2_ci[1],
            "tau": self.tau, "tau_ci_low": self.tau_ci[0], "tau_ci_high": self.tau_ci[1],
            "I2": self.I2, "I2_ci_low": self.I2_ci[0], "I2_ci_high": self.I2_ci[1],
            "H2": self.H2, "H2_ci_low": self.H2_ci[0], "H2_ci_high": self.H2_ci[1],
        }


def qprofile_bounds(
    yi: np.ndarray, vi: np.ndarray, X: np.ndarray, alpha: float, control: Any
) -> tuple[float, float]:
    """(lower, upper) Q-profile bounds of tau2."""
    k, p = X.shape
    df = k - p
    if df < 1:
        raise ValueError("the Q-profile interval needs k > p")
    q_hi = float(dist.chi2.ppf(1.0 - alpha / 2.0, df))
    q_lo = float(dist.chi2.ppf(alpha / 2.0, df))
    roots = solve_generalised_q(yi[None, :], vi[None, :], X, np.array([q_hi]), control)
    lower = float(roots[0])
    # Q(lower) = q_hi > q_lo: starting there, Newton still approaches the upper root from below.
    roots = solve_generalised_q(yi[None, :], vi[None, :], X, np.array([q_lo]), control, start=lower)
    upper = float(roots[0])
    return lower, upper


def confint_tau2(res: RmaResult) -> Tau2Interval:
    """Q-profile confidence intervals for a random/mixed-effects :class:`RmaResult`."""
    if not res.random:
        raise ValueError("confidence intervals for tau2 need a random-effects model (method != 'FE')")
    lower, upper = qprofile_bounds(res.yi, res.vi, res.X, res.alpha, res.control)
    k, p = res.X.shape
    fe = wls(res.yi, 1.0 / res.vi, res.X)
    vt = (k - p) / float(fe.trP)

    def i2(t: float) -> float:
        return 100.0 * t / (vt + t)

    def h2(t: float) -> float:
        return 1.0 + t / vt

    return Tau2Interval(
        tau2=res.tau2, tau2_ci=(lower, upper),
        tau=float(np.sqrt(res.tau2)), tau_ci=(float(np.sqrt(lower)), float(np.sqrt(upper))),
        I2=res.I2, I2_ci=(i2(lower), i2(upper)),
        H2=res.H2, H2_ci=(h2(lower), h2(upper)),
        level=res.level,
    )

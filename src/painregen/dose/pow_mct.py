"""Power of the multiple contrast test under assumed dose-response shapes (DoseFinding's ``powMCT``).

Under an alternative with group means ``mu`` the contrast statistics follow a multivariate
non-central t with non-centrality ``delta_m = c_m' mu / sqrt(c_m' S c_m)``, correlation ``C'SC``
(scaled) and ``df`` degrees of freedom (``sum(n) - k`` for ``S = sigma^2 diag(1/n)``; given, default
inf, for a general ``S``).  Power is ``1 - P(T_m < c for all m)`` (one-sided) or ``1 - P(|T_m| < c for
all m)`` (two-sided), ``c`` the critical value at level alpha (Pinheiro, Bornkamp & Bretz 2006, J
Biopharm Stat 16:639; Bretz, Pinheiro & Branson 2005, Biometrics 61:738).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .errors import DoseInputError
from .genz import pmv
from .mct_test import Alternative
from .models import Array
from .mods import CandidateSet, Mods, mods
from .mvprob import DEFAULT_CONTROL, GENZ_CONTROL, MVControl, max_t_quantile
from .opt_contr import OptContr, opt_contr
from .results import ResultMixin, num


@dataclass(frozen=True, eq=False, repr=False)
class PowerResult(ResultMixin):
    """Power of the MCT for each alternative shape, with the critical value and df used."""

    names: tuple[str, ...]
    power: Array
    critical_value: float
    df: float
    alpha: float
    alternative: str

    def as_dict(self) -> dict[str, float]:
        return {n: float(p) for n, p in zip(self.names, self.power, strict=True)}

    def _title(self) -> str:
        return f"PowerResult: MCT power, alpha={self.alpha:g}, critical value={self.critical_value:.4f}"

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame({"model": list(self.names), "power": self.power})

    def to_dict(self) -> dict[str, Any]:
        return {"power": {k: num(v) for k, v in self.as_dict().items()},
                "critical_value": num(self.critical_value), "df": num(self.df), "alpha": self.alpha,
                "alternative": self.alternative}


def design_cov(k: int, n: ArrayLike | None, sigma: float | None, cov: ArrayLike | None,
               df: float | None) -> tuple[Array, float]:
    """Covariance of the group means and df for a design (n and sigma, or a general ``cov``)."""
    if cov is not None:
        s = np.asarray(cov, dtype=float)
        if s.shape != (k, k):
            raise DoseInputError(f"cov must be {k} x {k}")
        return s, np.inf if df is None else float(df)
    if n is None or sigma is None:
        raise DoseInputError("give n and sigma, or cov")
    nv = np.broadcast_to(np.asarray(n, dtype=float), (k,))
    if np.any(nv < 1) or not sigma > 0:
        raise DoseInputError("n must be >= 1 per group and sigma > 0")
    return sigma**2 * np.diag(1.0 / nv), float(np.sum(nv) - k)


def pow_mct(
    contrasts: OptContr | ArrayLike,
    alt_models: Mods,
    *,
    n: ArrayLike | None = None,
    sigma: float | None = None,
    cov: ArrayLike | None = None,
    df: float | None = None,
    alpha: float = 0.025,
    alternative: Alternative = "one.sided",
    critical_value: float | None = None,
    control: MVControl = DEFAULT_CONTROL,
    genz_control: MVControl = GENZ_CONTROL,
) -> PowerResult:
    """Power of the MCT with contrast matrix ``contrasts`` under each shape of ``alt_models``."""
    cm = contrasts.cont_mat if isinstance(contrasts, OptContr) else np.asarray(contrasts, dtype=float)
    k = cm.shape[0]
    if len(alt_models.doses) != k:
        raise DoseInputError(f"alt_models has {len(alt_models.doses)} doses but the contrasts have {k} rows")
    s, dfv = design_cov(k, n, sigma, cov, df)
    v = cm.T @ s @ cm
    sd = np.sqrt(np.diag(v))
    corr = v / np.outer(sd, sd)
    two = alternative == "two.sided"
    crit = max_t_quantile(alpha, corr, dfv, two, control) if critical_value is None else float(critical_value)
    mu = alt_models.get_resp()
    ncp = (cm.T @ mu) / sd[:, None]  # (contrasts, alternatives)
    lower = -crit if two else -np.inf
    power = np.array([1.0 - pmv(lower, crit, corr, dfv, ncp[:, j], genz_control)[0] for j in range(mu.shape[1])])
    return PowerResult(tuple(alt_models.names), np.clip(power, 0.0, 1.0), crit, dfv, alpha, alternative)


def power_mct(
    doses: ArrayLike,
    models: CandidateSet | str,
    *,
    max_effect: float,
    sd: float,
    n: ArrayLike,
    alpha: float = 0.025,
    scal: float | None = None,
    off: float | None = None,
    alternative: Alternative = "one.sided",
    control: MVControl = DEFAULT_CONTROL,
) -> PowerResult:
    """``painregen power mct``: contrasts optimal for the candidates, power under the same shapes with
    maximum effect ``max_effect`` over placebo, residual SD ``sd`` and ``n`` animals per group."""
    alt = mods(models, doses, max_eff=max_effect, scal=scal, off=off)
    nv = np.broadcast_to(np.asarray(n, dtype=float), (len(alt.doses),))
    contr = opt_contr(alt, w=nv)
    return pow_mct(contr, alt, n=nv, sigma=sd, alpha=alpha, alternative=alternative, control=control)

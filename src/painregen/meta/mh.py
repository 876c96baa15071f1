"""Mantel-Haenszel equal-effects meta-analysis of 2x2 tables (metafor's ``rma.mh``): odds ratio, risk ratio and
risk difference, for rare events (mortality, adverse events, tumours after cell therapy) where zero cells are common.

With ``n_i = a_i + b_i + c_i + d_i``, ``n1_i = a_i + b_i``, ``n2_i = c_i + d_i``:

- **OR** (Mantel & Haenszel 1959, *J Natl Cancer Inst* 22:719): ``OR = sum R_i / sum S_i``, ``R = a d / n``,
  ``S = b c / n``; variance of ``log OR`` by Robins, Breslow & Greenland (1986, *Biometrics* 42:311)::

      sum P R / (2 (sum R)^2) + sum (P S + Q R) / (2 sum R sum S) + sum Q S / (2 (sum S)^2),
      P = (a + d) / n,  Q = (b + c) / n

- **RR** (Nurminen 1981; Greenland & Robins 1985, *Biometrics* 41:55): ``RR = sum a n2 / n / sum c n1 / n``, and
  ``var(log RR) = sum (n1 n2 (a + c) - a c n) / n^2 / (sum a n2 / n  sum c n1 / n)``.
- **RD** (Greenland & Robins 1985): ``RD = sum (a n2 - c n1) / n / sum W``, ``W = n1 n2 / n``; variance by Sato,
  Greenland & Robins (1989, *Biometrics* 45:1323): ``(RD sum P' + sum Q') / (sum W)^2`` with
  ``P' = (n1^2 c - n2^2 a + n1 n2 (n2 - n1) / 2) / n^2`` and ``Q' = (a (n2 - c) + c (n1 - a)) / (2 n)``.
- For the odds ratio, the Cochran-Mantel-Haenszel test (Cochran 1954; Mantel & Haenszel 1959)
  ``(|sum a - sum E(a)| - 1/2)^2 / sum Var(a)`` (``E(a) = n1 m1 / n``, ``Var(a) = n1 n2 m1 m2 / (n^2 (n - 1))``,
  ``m1 = a + c``, ``m2 = b + d``; the 1/2 only with ``correct``), and Tarone's (1985, *Biometrika* 72:91)
  heterogeneity test ``sum (a - A)^2 / V - (sum a - sum A)^2 / sum V`` on ``k - 1`` df, with ``A`` the count of
  each table that matches the pooled odds ratio given its margins and ``V`` its variance ``1 / (1/A + 1/(n1 - A)
  + 1/(m1 - A) + 1/(n2 - m1 + A))`` (tables without both outcomes in their margins carry no information).

Heterogeneity Q, I2 and H2 use the per-study effects (:mod:`painregen.meta.tables2x2` for the zero-cell options)
around the pooled estimate, as metafor does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize, stats

from painregen.effects.binary import log_or, log_rr, risk_difference
from painregen.meta.inference import critical_value, level_to_alpha
from painregen.meta.results import clean_json
from painregen.meta.tables2x2 import Tables, heterogeneity, make_tables, options

FloatArray = np.ndarray
MH_MEASURES = ("OR", "RR", "RD")


@dataclass(frozen=True, eq=False)
class MhResult:
    """A pooled 2x2-table meta-analysis (Mantel-Haenszel or Peto). ``b`` is on the log scale for OR/RR; ``cmh`` and
    ``tarone`` (with p-values) only for the Mantel-Haenszel odds ratio. ``k`` counts the tables used for pooling,
    ``k_yi`` those with a per-study effect (the Q test's ``k_yi - 1`` df)."""

    method: str
    measure: str
    k: int
    k_yi: int
    b: float
    se: float
    zval: float
    pval: float
    ci_low: float
    ci_high: float
    QE: float
    QE_df: int
    QE_p: float
    I2: float
    H2: float
    yi: FloatArray
    vi: FloatArray
    level: float = 95.0
    cmh: float | None = None
    cmh_p: float | None = None
    tarone: float | None = None
    tarone_p: float | None = None
    tarone_df: int | None = None
    k_omitted: int = 0

    @property
    def log_scale(self) -> bool:
        return self.measure in ("OR", "RR")

    def to_dict(self) -> dict[str, Any]:
        """``painregen meta --method MH|PETO`` keys: DESIGN.md's always-keys, ``I2``/``H2``, the measure, the
        back-transformed ratio for OR/RR (``estimate_exp``, ``ci_low_exp``, ``ci_high_exp``), ``k_yi``, and for the
        Mantel-Haenszel odds ratio ``cmh``, ``cmh_p``, ``tarone``, ``tarone_df``, ``tarone_p``."""
        out: dict[str, Any] = {
            "k": self.k, "method": self.method, "measure": self.measure, "test": "z", "estimate": self.b,
            "se": self.se, "stat": self.zval, "p": self.pval, "ci_low": self.ci_low, "ci_high": self.ci_high,
            "Q": self.QE, "Q_df": self.QE_df, "Q_p": self.QE_p, "I2": self.I2, "H2": self.H2, "k_yi": self.k_yi,
            "level": self.level,
        }
        if self.log_scale:
            out.update({"estimate_exp": np.exp(self.b), "ci_low_exp": np.exp(self.ci_low),
                        "ci_high_exp": np.exp(self.ci_high)})
        if self.cmh is not None:
            out.update({"cmh": self.cmh, "cmh_p": self.cmh_p, "tarone": self.tarone, "tarone_df": self.tarone_df,
                        "tarone_p": self.tarone_p})
        if self.k_omitted:
            out["k_omitted"] = self.k_omitted
        return clean_json(out)


def study_effects(t: Tables, measure: str) -> tuple[FloatArray, FloatArray]:
    """Per-study ``yi``, ``vi`` of the (already adjusted) tables (metafor escalc's OR, RR, RD)."""
    fun = {"OR": log_or, "RR": log_rr, "RD": risk_difference}[measure]
    yi, vi = fun(t.ai, t.bi, t.ci, t.di)
    bad = ~(np.isfinite(yi) & np.isfinite(vi))
    return np.where(bad, np.nan, yi), np.where(bad, np.nan, vi)


def per_table_effects(tab: Tables, adj_yi: Any, measure: str) -> tuple[FloatArray, FloatArray]:
    """``yi``/``vi`` of every table (NaN where ``drop00`` of the first option set removes it)."""
    yt = tab.adjusted(adj_yi)
    y, v = study_effects(yt, measure)
    yi = np.full(tab.ai.size, np.nan)
    vi = np.full(tab.ai.size, np.nan)
    keep = ~tab.double_zero if adj_yi.drop00 else np.ones(tab.ai.size, dtype=bool)
    yi[keep], vi[keep] = y, v
    return yi, vi


def _pooled(t: Tables, measure: str) -> tuple[float, float]:
    a, b, c, d = t.ai, t.bi, t.ci, t.di
    n1, n2 = a + b, c + d
    n = n1 + n2
    if measure == "OR":
        R, S = a * d / n, b * c / n
        P, Q = (a + d) / n, (b + c) / n
        sR, sS = R.sum(), S.sum()
        if sR == 0 or sS == 0:
            raise ValueError("the Mantel-Haenszel odds ratio is not defined: no table has both a*d > 0 and b*c > 0"
                             if sR == 0 and sS == 0 else
                             "the Mantel-Haenszel odds ratio is 0 or infinite (sum a*d/n or sum b*c/n is 0)")
        var = (P * R).sum() / (2 * sR**2) + (P * S + Q * R).sum() / (2 * sR * sS) + (Q * S).sum() / (2 * sS**2)
        return float(np.log(sR / sS)), float(var)
    if measure == "RR":
        R, S = a * n2 / n, c * n1 / n
        sR, sS = R.sum(), S.sum()
        if sR == 0 or sS == 0:
            raise ValueError("the Mantel-Haenszel risk ratio is 0 or not defined: no events in one of the groups "
                             "of every table")
        var = ((n1 * n2 * (a + c) - a * c * n) / n**2).sum() / (sR * sS)
        return float(np.log(sR / sS)), float(var)
    W = n1 * n2 / n
    rd = float(((a * n2 - c * n1) / n).sum() / W.sum())
    P = (n1**2 * c - n2**2 * a + n1 * n2 * (n2 - n1) / 2) / n**2
    Q = (a * (n2 - c) + c * (n1 - a)) / (2 * n)
    return rd, float((rd * P.sum() + Q.sum()) / W.sum() ** 2)


def cmh_test(t: Tables, correct: bool) -> tuple[float, float]:
    """Cochran-Mantel-Haenszel statistic and p-value (module docstring)."""
    a, b, c, d = t.ai, t.bi, t.ci, t.di
    n1, n2, m1, m2 = a + b, c + d, a + c, b + d
    n = n1 + n2
    E = n1 * m1 / n
    with np.errstate(divide="ignore", invalid="ignore"):
        V = np.where(n > 1, n1 * n2 * m1 * m2 / (n**2 * (n - 1)), 0.0)
    stat = (abs(float(a.sum() - E.sum())) - (0.5 if correct else 0.0)) ** 2 / float(V.sum())
    return stat, float(stats.chi2.sf(stat, 1))


def tarone_test(t: Tables, log_or_mh: float) -> tuple[float, float, int]:
    """Tarone's heterogeneity test for the Mantel-Haenszel odds ratio (module docstring); df = informative tables
    minus 1."""
    psi = float(np.exp(log_or_mh))
    a, b, c, d = t.ai, t.bi, t.ci, t.di
    n1, n2, m1 = a + b, c + d, a + c
    A = np.full(a.size, np.nan)
    for i in range(a.size):
        lo, hi = max(0.0, m1[i] - n2[i]), min(n1[i], m1[i])
        if hi <= lo:
            continue  # a margin without one of the outcomes (or a group): no information

        def g(x: float, i: int = i) -> float:
            return x * (n2[i] - m1[i] + x) - psi * (n1[i] - x) * (m1[i] - x)

        A[i] = optimize.brentq(g, lo, hi, xtol=1e-14, rtol=4 * np.finfo(float).eps, maxiter=500)
    ok = np.isfinite(A)
    Ao, ao = A[ok], a[ok]
    V = 1 / (1 / Ao + 1 / (n1[ok] - Ao) + 1 / (m1[ok] - Ao) + 1 / (n2[ok] - m1[ok] + Ao))
    stat = float(np.sum((ao - Ao) ** 2 / V) - (ao.sum() - Ao.sum()) ** 2 / V.sum())
    df = int(ok.sum()) - 1
    return stat, float(stats.chi2.sf(stat, df)) if df > 0 else float("nan"), df


def rma_mh(ai: Any, bi: Any = None, ci: Any = None, di: Any = None, *, n1i: Any = None, n2i: Any = None,
           measure: str = "OR", add: float | Sequence[float] = 0.5, to: str | Sequence[str] = "only0",
           drop00: bool | Sequence[bool] = True, correct: bool = True, level: float = 95) -> MhResult:
    """Mantel-Haenszel equal-effects model (module docstring; metafor ``rma.mh`` with its defaults ``add = 1/2``,
    ``to = "only0"``, ``drop00 = TRUE``, ``correct = TRUE``). ``add``/``to``/``drop00`` take one value (applied to
    the per-study effects only) or two (per-study effects, pooling)."""
    measure = measure.upper()
    if measure not in MH_MEASURES:
        raise ValueError(f"measure must be one of {', '.join(MH_MEASURES)} for the Mantel-Haenszel method")
    alpha = level_to_alpha(level)
    adj_yi, adj_pool = options(add, to, drop00)
    tab = make_tables(ai, bi, ci, di, n1i, n2i)
    pool = tab.adjusted(adj_pool)
    b, var = _pooled(pool, measure)
    se = float(np.sqrt(var))
    z = b / se
    crit = critical_value(alpha, None)
    yi, vi = per_table_effects(tab, adj_yi, measure)
    het = heterogeneity(yi, vi, b)
    cmh = tar = cmh_p = tar_p = None
    tar_df = None
    if measure == "OR":
        cmh, cmh_p = cmh_test(pool, correct)
        tar, tar_p, tar_df = tarone_test(pool, b)
    return MhResult(method="MH", measure=measure, k=int(pool.ai.size), k_yi=int(np.isfinite(yi).sum()), b=b, se=se,
                    zval=z, pval=float(2 * stats.norm.sf(abs(z))), ci_low=b - crit * se, ci_high=b + crit * se,
                    QE=het.Q, QE_df=het.df, QE_p=float(stats.chi2.sf(het.Q, het.df)) if het.df > 0 else float("nan"),
                    I2=het.I2, H2=het.H2, yi=yi, vi=vi, level=100 * (1 - alpha), cmh=cmh, cmh_p=cmh_p,
                    tarone=tar, tarone_p=tar_p, tarone_df=tar_df, k_omitted=int((~tab.kept).sum()))

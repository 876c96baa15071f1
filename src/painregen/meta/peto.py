"""Peto's one-step odds ratio for 2x2 tables (Yusuf, Peto, Lewis, Collins & Sleight 1985, *Prog Cardiovasc Dis*
27:335; metafor's ``rma.peto``), suited to rare events in groups of similar size.

Per table, with ``m1 = a + c``, ``m2 = b + d``, ``n1 = a + b``, ``n2 = c + d``, ``n = n1 + n2``: the observed minus
expected events of group 1, ``O - E = a - n1 m1 / n``, and its hypergeometric variance ``V = n1 n2 m1 m2 / (n^2
(n - 1))``. The pooled log odds ratio is ``sum (O - E) / sum V`` with standard error ``1 / sqrt(sum V)``, and the
heterogeneity statistic ``Q = sum (O - E)^2 / V - (sum (O - E))^2 / sum V`` over the tables with ``V > 0``, on
``k_yi - 1`` df (``k_yi`` the tables with a per-study effect). Per-study effects ``yi = (O - E) / V``, ``vi = 1 / V``
use metafor's zero-cell options (:mod:`painregen.meta.tables2x2`: defaults ``add = 1/2``, ``to = "only0"``,
``drop00 = TRUE``); the pooled estimate uses the counts as given.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats

from painregen.meta.inference import critical_value, level_to_alpha
from painregen.meta.mh import MhResult
from painregen.meta.tables2x2 import Tables, make_tables, options

FloatArray = np.ndarray


def observed_expected(t: Tables) -> tuple[FloatArray, FloatArray]:
    """``O - E`` and ``V`` of every table (module docstring); ``V = 0`` for tables without information."""
    a, b, c, d = t.ai, t.bi, t.ci, t.di
    n1, n2, m1, m2 = a + b, c + d, a + c, b + d
    n = n1 + n2
    with np.errstate(divide="ignore", invalid="ignore"):
        V = np.where(n > 1, n1 * n2 * m1 * m2 / (n**2 * (n - 1)), 0.0)
    return a - n1 * m1 / n, V


def rma_peto(ai: Any, bi: Any = None, ci: Any = None, di: Any = None, *, n1i: Any = None, n2i: Any = None,
             add: float | Sequence[float] = 0.5, to: str | Sequence[str] = "only0",
             drop00: bool | Sequence[bool] = True, level: float = 95) -> MhResult:
    """Peto's method (module docstring; metafor ``rma.peto`` with its defaults). ``add``/``to``/``drop00`` take
    one value (applied to the per-study effects only) or two (per-study effects, pooling)."""
    alpha = level_to_alpha(level)
    adj_yi, adj_pool = options(add, to, drop00)
    tab = make_tables(ai, bi, ci, di, n1i, n2i)
    pool = tab.adjusted(adj_pool)
    oe, V = observed_expected(pool)
    sV = float(V.sum())
    if sV <= 0:
        raise ValueError("Peto's odds ratio is not defined: no table has events and non-events")
    b = float(oe.sum()) / sV
    se = 1 / np.sqrt(sV)
    z = b / se
    crit = critical_value(alpha, None)
    yt = tab.adjusted(adj_yi)
    oe_y, V_y = observed_expected(yt)
    keep = ~tab.double_zero if adj_yi.drop00 else np.ones(tab.ai.size, dtype=bool)
    yi = np.full(tab.ai.size, np.nan)
    vi = np.full(tab.ai.size, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        yi[keep] = np.where(V_y > 0, oe_y / V_y, np.nan)
        vi[keep] = np.where(V_y > 0, 1 / V_y, np.nan)
    k_yi = int(np.isfinite(yi).sum())
    info = V > 0
    q = float(np.sum(oe[info] ** 2 / V[info]) - oe[info].sum() ** 2 / V[info].sum())
    df = k_yi - 1
    return MhResult(method="PETO", measure="OR", k=int(pool.ai.size), k_yi=k_yi, b=b, se=float(se), zval=float(z),
                    pval=float(2 * stats.norm.sf(abs(z))), ci_low=b - crit * se, ci_high=b + crit * se, QE=q,
                    QE_df=df, QE_p=float(stats.chi2.sf(q, df)) if df > 0 else float("nan"),
                    I2=100 * max(0.0, (q - df) / q) if q > 0 else 0.0, H2=q / df if df > 0 else float("nan"),
                    yi=yi, vi=vi, level=100 * (1 - alpha), k_omitted=int((~tab.kept).sum()))

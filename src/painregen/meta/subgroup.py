"""Subgroup analysis: separate fits per level, a Wald-type test of differences between them, and
the CAMARADES partition of heterogeneity with a Bonferroni correction across stratifications.

Wald-type test (Borenstein et al. 2009, Introduction to Meta-Analysis, ch. 19; metafor's
"separate models" recipe): Q_between = sum_g (b_g - b_bar)^2 / se_g^2 with b_bar the
inverse-variance mean of the subgroup estimates, chi2 with G - 1 df.

CAMARADES partition (Vesterinen et al. 2014, J Neurosci Methods 221:92-102): with fixed-effect
weights, Q_between = Q_total - sum_g Q_within,g, chi2 with G - 1 df; across m stratifications the
significance level is alpha / m (equivalently p_adj = min(1, m p)).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from painregen.meta.collate import factor_levels, r_label
from painregen.meta.render import html_table, num
from painregen.meta.results import RmaResult, clean_json
from painregen.meta.rma import rma
from painregen.meta.wls import wls


@dataclass(frozen=True, eq=False)
class SubgroupResult:
    """Overall fit, one fit per level (sorted), and the between-subgroup test."""

    overall: RmaResult
    levels: tuple[str, ...]
    fits: tuple[RmaResult, ...]
    Q_between: float
    Q_between_df: int
    Q_between_p: float
    partition: QPartition

    @property
    def k(self) -> int:
        return self.overall.k

    @property
    def method(self) -> str:
        return self.overall.method

    def subgroups(self) -> list[dict[str, Any]]:
        return [
            {
                "level": level,
                "k": fit.k,
                "estimate": float(fit.b[0]),
                "se": float(fit.se[0]),
                "ci_low": float(fit.ci_low[0]),
                "ci_high": float(fit.ci_high[0]),
                "tau2": fit.tau2,
                "I2": fit.I2,
                "Q": fit.QE,
            }
            for level, fit in zip(self.levels, self.fits, strict=True)
        ]

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame(self.subgroups()).set_index("level")

    def to_dict(self) -> dict[str, Any]:
        out = self.overall.to_dict()
        out.update(
            {
                "subgroups": self.subgroups(),
                "Q_between": self.Q_between,
                "Q_between_df": self.Q_between_df,
                "Q_between_p": self.Q_between_p,
            }
        )
        return clean_json(out)

    def __repr__(self) -> str:
        head = (
            f"SubgroupResult(k={self.k}, method={self.method}, groups={len(self.levels)}, "
            f"Q_between({self.Q_between_df}) = {num(self.Q_between)}, p = {num(self.Q_between_p)})"
        )
        return head + "\n" + self.summary().to_string(float_format=num)

    def _repr_html_(self) -> str:
        caption = (
            f"Subgroups (k = {self.k}, method = {self.method}): Q_between({self.Q_between_df}) = "
            f"{num(self.Q_between)}, p = {num(self.Q_between_p)}"
        )
        return html_table(self.summary(), caption)


@dataclass(frozen=True)
class QPartition:
    """Fixed-effect partition Q_total = Q_between + sum Q_within (CAMARADES)."""

    Q_total: float
    Q_within: dict[str, float]
    Q_between: float
    df: int
    p: float

    def summary(self) -> pd.DataFrame:
        rows = [{"source": f"within {lev}", "Q": q} for lev, q in self.Q_within.items()]
        rows += [{"source": "between", "Q": self.Q_between, "df": self.df, "p": self.p},
                 {"source": "total", "Q": self.Q_total}]
        return pd.DataFrame(rows).set_index("source")

    def to_dict(self) -> dict[str, Any]:
        return clean_json(
            {"Q_total": self.Q_total, "Q_within": self.Q_within, "Q_between": self.Q_between,
             "df": self.df, "p": self.p}
        )


def sorted_levels(groups: pd.Series) -> tuple[str, ...]:
    """Distinct levels as R's ``factor()`` makes them: numbers sorted numerically and labelled as R prints them
    ("0", "1", "0.5"), text in R's collation (:mod:`painregen.meta.collate`)."""
    return tuple(factor_levels(_values(groups)))


def _values(groups: Any) -> list[Any]:
    """Group values as Python objects; a column of numbers written as text ("1", "2") stays text."""
    return list(groups.tolist() if isinstance(groups, pd.Series | np.ndarray) else groups)


def _levels(groups: Any, k: int) -> np.ndarray:
    """Each row's level label (as :func:`sorted_levels` writes it)."""
    g = np.array([r_label(v) for v in _values(groups)], dtype=object)
    if g.shape != (k,):
        raise ValueError(f"groups has {g.size} values but there are {k} effect sizes")
    return g


def partition_q(yi: Any, vi: Any, groups: Any) -> QPartition:
    """CAMARADES partition of Cochran's Q with fixed-effect weights (Vesterinen et al. 2014)."""
    y = np.asarray(yi, dtype=float)
    v = np.asarray(vi, dtype=float)
    g = _levels(groups, y.size)
    ok = ~(np.isnan(y) | np.isnan(v) | pd.isna(pd.Series(groups)).to_numpy())
    y, v, g = y[ok], v[ok], g[ok]
    ones = np.ones((y.size, 1))
    q_total = float(wls(y, 1.0 / v, ones).ypy)
    within: dict[str, float] = {}
    for level in factor_levels(_values(pd.Series(list(groups))[ok])):
        sel = g == level
        within[level] = float(wls(y[sel], 1.0 / v[sel], ones[sel]).ypy)
    q_between = q_total - sum(within.values())
    df = len(within) - 1
    p = float(stats.chi2.sf(q_between, df)) if df > 0 else float("nan")
    return QPartition(Q_total=q_total, Q_within=within, Q_between=q_between, df=df, p=p)


def stratified_partitions(
    yi: Any, vi: Any, strata: Mapping[str, Any], *, alpha: float = 0.05
) -> pd.DataFrame:
    """Partition Q for several stratifications, with Bonferroni correction over their number.

    Returns one row per stratification: Q_between, df, p, p_bonferroni = min(1, m p) and
    significant (p < alpha / m).
    """
    m = len(strata)
    rows = []
    for name, groups in strata.items():
        part = partition_q(yi, vi, groups)
        rows.append(
            {"stratification": name, "Q_between": part.Q_between, "df": part.df, "p": part.p,
             "p_bonferroni": min(1.0, part.p * m), "significant": bool(part.p < alpha / m)}
        )
    return pd.DataFrame(rows).set_index("stratification")


def subgroup(
    yi: Any,
    vi: Any,
    groups: Sequence[Any] | np.ndarray | pd.Series,
    *,
    method: str = "REML",
    test: str = "z",
    level: float = 95,
    control: Any = None,
) -> SubgroupResult:
    """Fit the model separately in each level of ``groups`` and test whether the estimates differ.

    Rows with a missing group are dropped (with a warning). A level with a single study is fitted
    with tau2 = 0 (and a z test, since Knapp-Hartung needs k > 1).
    """
    y = np.asarray(yi, dtype=float)
    v = np.asarray(vi, dtype=float)
    gser = pd.Series(list(groups) if not isinstance(groups, pd.Series) else groups.to_list())
    if len(gser) != y.size:
        raise ValueError(f"groups has {len(gser)} values but there are {y.size} effect sizes")
    missing = gser.isna().to_numpy() | np.isnan(y) | np.isnan(v)
    if missing.any():
        warnings.warn(f"{int(missing.sum())} studies with missing values omitted from the subgroup analysis.",
                      stacklevel=2)
    y, v = y[~missing], v[~missing]
    kept = gser[~missing]
    g = _levels(kept, y.size)
    levels = sorted_levels(kept)
    if len(levels) < 2:
        raise ValueError(f"subgroup analysis needs at least 2 groups, got {len(levels)}")
    overall = rma(y, v, method=method, test=test, level=level, control=control)
    fits = []
    for lev in levels:
        sel = g == lev
        lev_test = test if sel.sum() > 1 else "z"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fits.append(rma(y[sel], v[sel], method=method, test=lev_test, level=level, control=control))
    est = np.array([f.b[0] for f in fits])
    wts = 1.0 / np.array([f.se[0] for f in fits]) ** 2
    mean = float(np.sum(wts * est) / np.sum(wts))
    q_between = float(np.sum(wts * (est - mean) ** 2))
    df = len(levels) - 1
    return SubgroupResult(
        overall=overall,
        levels=levels,
        fits=tuple(fits),
        Q_between=q_between,
        Q_between_df=df,
        Q_between_p=float(stats.chi2.sf(q_between, df)),
        partition=partition_q(y, v, kept.tolist()),
    )

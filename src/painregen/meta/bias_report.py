"""All publication-bias checks of ``painregen bias`` in one result (DESIGN.md "bias")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from painregen.meta.bias import RanktestResult, RegtestResult, fsn, ranktest, regtest
from painregen.meta.render import html_table
from painregen.meta.results import RmaResult, clean_json
from painregen.meta.rma import rma
from painregen.meta.trimfill import TrimfillResult, trimfill


@dataclass(frozen=True, eq=False)
class BiasReport:
    """Egger regression (metafor regtest defaults), rank correlation, trim-and-fill (L0), fail-safe N."""

    fit: RmaResult
    egger: RegtestResult
    rank: RanktestResult
    trimfill: TrimfillResult
    failsafe_n: int

    def to_dict(self) -> dict[str, Any]:
        return clean_json(
            {"k": self.fit.k, "method": self.fit.method, "egger": self.egger.to_dict(), "rank": self.rank.to_dict(),
             "trimfill": self.trimfill.to_dict(), "failsafe_n": self.failsafe_n}
        )

    def summary(self) -> pd.DataFrame:
        """One row per check: statistic, p-value and estimate."""
        tf = self.trimfill
        return pd.DataFrame(
            [
                {"check": "egger", "stat": self.egger.stat, "p": self.egger.p, "estimate": self.egger.limit_estimate},
                {"check": "rank", "stat": self.rank.tau, "p": self.rank.p, "estimate": None},
                {"check": f"trimfill (k0 = {tf.k0}, {tf.side})", "stat": None, "p": None,
                 "estimate": float(tf.fit.b[0])},
                {"check": "failsafe_n", "stat": float(self.failsafe_n), "p": None, "estimate": None},
            ]
        ).set_index("check")

    def _repr_html_(self) -> str:
        return html_table(self.summary(), f"Publication bias (k = {self.fit.k}, method = {self.fit.method})")

    def __repr__(self) -> str:
        d = self.to_dict()
        return (f"BiasReport(k={self.fit.k}, method={self.fit.method})\n  egger: {d['egger']}\n  rank: {d['rank']}\n"
                f"  trimfill: {d['trimfill']}\n  failsafe_n: {self.failsafe_n}")


def bias_report(yi: Any, vi: Any, *, method: str = "REML", test: str = "z", level: float = 95,
                predictor: str = "sei", ni: Any = None) -> BiasReport:
    """Fit the random-effects model and run regtest (with ``predictor``; ``ni`` the total sample sizes for the
    ni, ninv and sqrtninv predictors), ranktest, trimfill and fsn on it."""
    y = np.asarray(yi, dtype=float)
    v = np.asarray(vi, dtype=float)
    n = None if ni is None else np.asarray(ni, dtype=float)
    if n is not None:
        if n.shape != y.shape:
            raise ValueError(f"ni has {n.size} values for {y.size} effects")
        keep = ~(np.isnan(y) | np.isnan(v))
        if np.isnan(n[keep]).any() or (n[keep] <= 0).any():
            raise ValueError("every study needs a positive sample size ni for this predictor")
        n = n[keep]
    fit = rma(y, v, method=method, test=test, level=level)
    return BiasReport(fit=fit, egger=regtest(fit, predictor=predictor, ni=n), rank=ranktest(fit),
                      trimfill=trimfill(fit), failsafe_n=fsn(fit.yi, fit.vi))

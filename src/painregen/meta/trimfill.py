"""Trim-and-fill (Duval & Tweedie 2000, Biometrics 56:455-463; J Am Stat Assoc 95:89-98).

The side of the funnel with missing studies is, unless given, chosen from the sign of the slope
of an Egger-type regression of y on sqrt(v) (as metafor does): a positive slope (small studies
with larger effects) means studies are missing on the left. Working on the side where the
estimate is to be corrected, the k0 most extreme studies are trimmed, the model refitted, and k0
re-estimated from the ranks of |y_i - b| (L0 or R0) until k0 is stable; the trimmed studies are
then mirrored about the last trimmed estimate and the model is fitted to the filled data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from painregen.meta.control import ConvergenceError
from painregen.meta.design import Design, require_full_rank
from painregen.meta.results import RmaResult, clean_json
from painregen.meta.rma import fit_design


@dataclass(frozen=True, eq=False)
class TrimfillResult:
    """Trim-and-fill: k0 filled studies on ``side`` and the model fitted to the filled data."""

    k0: int
    side: str
    estimator: str
    fill_yi: np.ndarray
    fill_vi: np.ndarray
    fit: RmaResult

    def to_dict(self) -> dict[str, Any]:
        f = self.fit
        return clean_json(
            {"k0": self.k0, "side": self.side, "estimate": float(f.b[0]), "se": float(f.se[0]),
             "ci_low": float(f.ci_low[0]), "ci_high": float(f.ci_high[0])}
        )

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame([self.to_dict()])

    def __repr__(self) -> str:
        return (f"TrimfillResult(k={self.fit.k}, method={self.fit.method}, k0={self.k0}, side={self.side}, "
                f"estimate={float(self.fit.b[0]):.4f})")


def _refit(res: RmaResult, y: np.ndarray, v: np.ndarray, X: np.ndarray, terms: tuple[str, ...]) -> RmaResult:
    return fit_design(y, v, Design(X=X, terms=terms, intercept=True), method=res.method, test=res.test,
                      level=res.level, alpha=res.alpha, btt=None, control=res.control)


def funnel_side(res: RmaResult) -> str:
    """'left' or 'right': the side on which studies are presumed missing (metafor's rule)."""
    X = np.column_stack([np.ones(res.k), np.sqrt(res.vi)])
    require_full_rank(X, ("intrcpt", "sei"), "trim-and-fill (side of the funnel from the Egger slope)")
    slope = float(_refit(res, res.yi, res.vi, X, ("intrcpt", "sei")).b[1])
    return "right" if slope < 0 else "left"


def k0_estimate(yc: np.ndarray, estimator: str) -> int:
    """k0 from deviations yc = y - b (missing studies on the left of the funnel)."""
    k = yc.size
    order = np.argsort(np.abs(yc), kind="stable")
    ranks = np.empty(k)
    ranks[order] = np.arange(1, k + 1)
    if estimator == "L0":
        sr = float(np.sum(ranks[yc > 0]))
        return max(0, int(np.round((4.0 * sr - k * (k + 1)) / (2.0 * k - 1.0))))
    neg = ranks[yc < 0]
    gamma = k - (int(neg.max()) if neg.size else 0)
    return max(0, gamma - 1)


def trimfill(res: RmaResult, *, side: str | None = None, estimator: str = "L0", maxiter: int = 100) -> TrimfillResult:
    """Trim-and-fill for an intercept-only model (metafor ``trimfill.rma.uni``); estimator L0 or R0."""
    if not res.int_only:
        raise ValueError("trimfill needs a model without moderators")
    if estimator not in ("L0", "R0"):
        raise ValueError("estimator must be 'L0' or 'R0'")
    if side is None:
        side = funnel_side(res)
    if side not in ("left", "right"):
        raise ValueError("side must be 'left' or 'right'")
    sign = -1.0 if side == "right" else 1.0
    order = np.argsort(sign * res.yi, kind="stable")
    y = sign * res.yi[order]
    v = res.vi[order]
    k = y.size
    ones = np.ones((k, 1))
    k0 = 0
    b = 0.0
    for _ in range(maxiter):
        kept = k - k0
        b = float(_refit(res, y[:kept], v[:kept], ones[:kept], ("intrcpt",)).b[0])
        new = min(k0_estimate(y - b, estimator), k - 1)
        if new == k0:
            break
        k0 = new
    else:
        raise ConvergenceError(f"trim-and-fill did not converge in {maxiter} iterations")
    fill_y = 2.0 * b - y[k - k0:]
    fill_v = v[k - k0:]
    y_all = np.concatenate([res.yi, sign * fill_y])
    v_all = np.concatenate([res.vi, fill_v])
    fit = _refit(res, y_all, v_all, np.ones((y_all.size, 1)), ("intrcpt",))
    return TrimfillResult(k0=k0, side=side, estimator=estimator, fill_yi=sign * fill_y, fill_vi=fill_v, fit=fit)



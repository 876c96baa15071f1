"""Predicted (pooled) values with confidence and prediction intervals (metafor's ``predict.rma``).

pred = x'b, se = sqrt(x' vb x); CI = pred -/+ c se; prediction interval
pred -/+ c sqrt(se^2 + tau2) (Riley, Higgins & Deeks 2011, BMJ 342:d549, with the normal or, under
Knapp-Hartung, the t(k - p) quantile c, as metafor does).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from painregen.meta.inference import critical_value

if TYPE_CHECKING:
    import pandas as pd

    from painregen.meta.results import RmaResult

FloatArray = np.ndarray


@dataclass(frozen=True, eq=False)
class Prediction:
    """Predicted values; arrays of length n (one per row of newmods, or per study)."""

    pred: FloatArray
    se: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    pi_low: FloatArray
    pi_high: FloatArray

    def summary(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(
            {"pred": self.pred, "se": self.se, "ci.lb": self.ci_low, "ci.ub": self.ci_high,
             "pi.lb": self.pi_low, "pi.ub": self.pi_high}
        )

    def to_dict(self) -> dict[str, Any]:
        frame = self.summary()
        return {str(key): [float(x) for x in frame[key]] for key in frame.columns}


def _new_x(res: RmaResult, newmods: Any) -> FloatArray:
    if newmods is None:
        if res.int_only:
            return np.ones((1, 1))
        return res.X
    arr = np.asarray(newmods, dtype=float)
    n_mods = res.p - (1 if res.intercept else 0)
    if arr.ndim == 0 or (arr.ndim == 1 and n_mods != 1 and arr.size == n_mods):
        arr = arr.reshape(1, -1)
    elif arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.shape[1] != n_mods:
        raise ValueError(f"newmods needs {n_mods} columns (model terms {res.terms}), got {arr.shape[1]}")
    if res.intercept:
        arr = np.column_stack([np.ones(arr.shape[0]), arr])
    return arr


def predict(res: RmaResult, newmods: Any = None, tau2: float | None = None) -> Prediction:
    """Predicted values for ``newmods`` (numeric, columns = model terms without the intercept).

    Without ``newmods`` an intercept-only model gives the pooled estimate and a meta-regression
    gives the fitted value of every study.
    """
    x = _new_x(res, newmods)
    pred = x @ res.b
    se = np.sqrt(np.einsum("ij,jk,ik->i", x, res.vb, x))
    crit = critical_value(res.alpha, res.ddf)
    t2 = res.tau2 if tau2 is None else tau2
    spi = np.sqrt(se**2 + t2)
    return Prediction(
        pred=pred, se=se, ci_low=pred - crit * se, ci_high=pred + crit * se,
        pi_low=pred - crit * spi, pi_high=pred + crit * spi,
    )

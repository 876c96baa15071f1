"""Many models at once: the rma fit vectorised over a leading batch dimension.

Used by leave-one-out / influence diagnostics and by permutation tests. Shapes: y, v (B, k);
X (k, p) or (B, k, p). The same estimators and formulas as :func:`painregen.meta.rma`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from painregen.meta.control import Control
from painregen.meta.tau2 import estimate_tau2
from painregen.meta.wls import wls

FloatArray = np.ndarray


@dataclass(frozen=True, eq=False)
class BatchFit:
    """Per-model results, first axis = model."""

    tau2: FloatArray  # (B,)
    b: FloatArray  # (B, p)
    vb: FloatArray  # (B, p, p), scaled under Knapp-Hartung
    QE: FloatArray  # (B,)
    I2: FloatArray
    H2: FloatArray
    ddf: int | None
    s2w: FloatArray  # Knapp-Hartung scale factor (1 under the z test)


def fit_batch(
    y: FloatArray, v: FloatArray, X: FloatArray, *, method: str, test: str, control: Control,
    heterogeneity: bool = True,
) -> BatchFit:
    """Fit B models; the rows of every model must be complete (no missing values).

    ``heterogeneity=False`` skips Q_E, I2 and H2 (returned as NaN), e.g. for permutation tests.
    """
    k, p = y.shape[-1], X.shape[-1]
    tau2 = np.asarray(estimate_tau2(method, y, v, X, control), dtype=float)
    fit = wls(y, 1.0 / (v + tau2[..., None]), X)
    vb = fit.vb
    ddf: int | None = None
    s2w = np.ones_like(tau2)
    if test == "knha":
        ddf = k - p
        s2w = np.where(fit.ypy > np.finfo(float).eps, fit.ypy / ddf, 0.0)
        vb = vb * s2w[..., None, None]
    if not heterogeneity:
        nan = np.full(tau2.shape, np.nan)
        return BatchFit(tau2=tau2, b=fit.b, vb=vb, QE=nan, I2=nan, H2=nan, ddf=ddf, s2w=s2w)
    fe = wls(y, 1.0 / v, X)
    qe = fe.ypy
    df = k - p
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "FE":
            i2 = np.where(qe > 0, np.maximum(0.0, 100.0 * (qe - df) / qe), 0.0)
            h2 = qe / df
        else:
            vt = df / fe.trP
            i2 = 100.0 * tau2 / (vt + tau2)
            h2 = tau2 / vt + 1.0
    return BatchFit(tau2=tau2, b=fit.b, vb=vb, QE=qe, I2=i2, H2=h2, ddf=ddf, s2w=s2w)


def leave_one_out_arrays(y: FloatArray, v: FloatArray, X: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Stack the k data sets that omit one row each: (k, k-1), (k, k-1), (k, k-1, p)."""
    k = y.size
    idx = np.array([np.delete(np.arange(k), i) for i in range(k)])
    return y[idx], v[idx], X[idx]

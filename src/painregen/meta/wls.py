"""Weighted least squares with the quantities of the residual-maker P, without any k x k matrix.

For weights ``w`` (..., k) and a model matrix ``X`` (k, p) or (..., k, p), with ``W = diag(w)``::

    P = W - W X (X'WX)^-1 X'W

Writing ``sqrt(W) X = Q R`` (thin QR), ``H = Q Q'`` is the hat matrix of the weighted regression
with diagonal ``h_i = sum_j Q_ij^2``, and (Viechtbauer 2005; Harville 1977)::

    y'Py   = sum_i w_i r_i^2               r = y - X b  (GLS residuals)
    y'PPy  = sum_i w_i^2 r_i^2
    tr(P)  = sum_i w_i (1 - h_i)
    tr(PP) = sum_i w_i^2 (1 - 2 h_i) + ||Q'WQ||_F^2

Every quantity costs O(k p^2) time and O(k p) memory. All functions accept leading batch
dimensions (used by the vectorised permutation test).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FloatArray = np.ndarray


@dataclass(frozen=True, eq=False)
class WlsFit:
    """Weighted least-squares fit. Shapes: b (..., p), vb (..., p, p), others (..., k) or (...)."""

    b: FloatArray
    vb: FloatArray  # (X'WX)^-1
    resid: FloatArray
    w: FloatArray
    hat: FloatArray
    Q: FloatArray
    ypy: FloatArray  # y'Py
    yppy: FloatArray  # y'PPy
    trP: FloatArray
    sum_w: FloatArray

    def tr_pp(self) -> FloatArray:
        """tr(PP) in O(k p^2)."""
        w, h, Q = self.w, self.hat, self.Q
        qwq = np.swapaxes(Q * w[..., :, None], -1, -2) @ Q
        return np.sum(w * w * (1.0 - 2.0 * h), axis=-1) + np.sum(qwq * qwq, axis=(-2, -1))


def wls(y: FloatArray, w: FloatArray, X: FloatArray) -> WlsFit:
    """Weighted least squares of y on X with weights w (generalised least squares for diagonal V).

    Source: standard GLS algebra (e.g. Raudenbush 2009, in Cooper et al., Handbook of Research
    Synthesis); the P-matrix identities as in Viechtbauer (2005), J Educ Behav Stat 30:261-293.
    """
    sw = np.sqrt(w)
    Xs = sw[..., :, None] * X
    if X.shape[-1] == 1:  # one column (e.g. intercept-only): the QR factors in closed form, O(k)
        R = np.sqrt(np.sum(Xs * Xs, axis=-2, keepdims=True))
        Q = Xs / R
    else:
        Q, R = np.linalg.qr(Xs)
    ys = sw * y
    qty = np.swapaxes(Q, -1, -2) @ ys[..., :, None]
    b = np.linalg.solve(R, qty)[..., 0]
    fitted = (X @ b[..., :, None])[..., 0]
    resid = y - fitted
    p = X.shape[-1]
    Rinv = np.linalg.solve(R, np.broadcast_to(np.eye(p), R.shape))
    vb = Rinv @ np.swapaxes(Rinv, -1, -2)
    hat = np.sum(Q * Q, axis=-1)
    wr = w * resid
    return WlsFit(
        b=b,
        vb=vb,
        resid=resid,
        w=w,
        hat=hat,
        Q=Q,
        ypy=np.sum(wr * resid, axis=-1),
        yppy=np.sum(wr * wr, axis=-1),
        trP=np.sum(w * (1.0 - hat), axis=-1),
        sum_w=np.sum(w, axis=-1),
    )

"""The (restricted) log-likelihood of a linear mixed meta-analytic model with the k x k marginal covariance formed
densely (Harville 1977, JASA 72:320): the first-principles reference of the multilevel property tests."""

from __future__ import annotations

import numpy as np


def dense_ll(y: np.ndarray, v: np.ndarray, X: np.ndarray, G: np.ndarray, reml: bool) -> float:
    """Log-likelihood of y ~ N(Xb, diag(v) + G) at the GLS b (REML with the 1/2 log|X'X| term, as metafor)."""
    k, p = X.shape
    M = np.diag(v) + G
    np.linalg.cholesky(M)  # LinAlgError unless positive definite
    Mi = np.linalg.inv(M)
    A = X.T @ Mi @ X
    b = np.linalg.solve(A, X.T @ Mi @ y)
    r = y - X @ b
    ll = -0.5 * (np.linalg.slogdet(M)[1] + r @ Mi @ r)
    if reml:
        return float(ll - 0.5 * ((k - p) * np.log(2 * np.pi) + np.linalg.slogdet(A)[1] - np.linalg.slogdet(X.T @ X)[1]))
    return float(ll - 0.5 * k * np.log(2 * np.pi))

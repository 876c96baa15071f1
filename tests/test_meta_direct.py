"""painregen.meta's O(k p^2) algebra against direct dense-matrix computation (first principles)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize, stats

from painregen.meta import confint_tau2, rma
from painregen.meta.wls import wls


@pytest.fixture()
def data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    k = 25
    X = np.column_stack([np.ones(k), rng.normal(size=k), rng.integers(0, 2, k)])
    v = rng.uniform(0.01, 0.1, k)
    y = X @ np.array([0.4, 0.2, -0.3]) + rng.normal(0, np.sqrt(v + 0.25))
    return y, v, X


def dense_p(v: np.ndarray, X: np.ndarray, tau2: float) -> np.ndarray:
    W = np.diag(1.0 / (v + tau2))
    return W - W @ X @ np.linalg.inv(X.T @ W @ X) @ X.T @ W


def test_p_matrix_identities(data: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    y, v, X = data
    for tau2 in (0.0, 0.05, 1.3):
        P = dense_p(v, X, tau2)
        fit = wls(y, 1.0 / (v + tau2), X)
        np.testing.assert_allclose(fit.ypy, y @ P @ y, rtol=1e-10)
        np.testing.assert_allclose(fit.yppy, y @ P @ P @ y, rtol=1e-10)
        np.testing.assert_allclose(fit.trP, np.trace(P), rtol=1e-10)
        np.testing.assert_allclose(fit.tr_pp(), np.trace(P @ P), rtol=1e-10)
        W = np.diag(1.0 / (v + tau2))
        H = X @ np.linalg.inv(X.T @ W @ X) @ X.T @ W
        np.testing.assert_allclose(fit.hat, np.diag(H), rtol=1e-10)


def reml_ll(tau2: float, y: np.ndarray, v: np.ndarray, X: np.ndarray) -> float:
    V = np.diag(v + tau2)
    Vi = np.linalg.inv(V)
    A = X.T @ Vi @ X
    b = np.linalg.solve(A, X.T @ Vi @ y)
    r = y - X @ b
    return float(-0.5 * (np.linalg.slogdet(V)[1] + np.linalg.slogdet(A)[1] + r @ Vi @ r))


def ml_ll(tau2: float, y: np.ndarray, v: np.ndarray, X: np.ndarray) -> float:
    V = np.diag(v + tau2)
    Vi = np.linalg.inv(V)
    b = np.linalg.solve(X.T @ Vi @ X, X.T @ Vi @ y)
    r = y - X @ b
    return float(-0.5 * (np.linalg.slogdet(V)[1] + r @ Vi @ r))


def test_reml_ml_maximise_direct_likelihood(data: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    y, v, X = data
    mods = X[:, 1:]
    for method, ll in (("REML", reml_ll), ("ML", ml_ll)):
        res = rma(y, v, mods=mods, method=method)
        assert res.tau2 > 0.05
        opt = optimize.minimize_scalar(lambda t, ll=ll: -ll(t, y, v, X), bounds=(0, 5), method="bounded",
                                       options={"xatol": 1e-12})
        np.testing.assert_allclose(res.tau2, opt.x, rtol=1e-6)


def test_pm_and_dl_and_qprofile_direct(data: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    y, v, X = data
    k, p = X.shape
    res = rma(y, v, mods=X[:, 1:], method="PM")
    np.testing.assert_allclose(y @ dense_p(v, X, res.tau2) @ y, k - p, rtol=1e-9)
    P0 = dense_p(v, X, 0.0)
    dl = rma(y, v, mods=X[:, 1:], method="DL")
    np.testing.assert_allclose(dl.tau2, max(0.0, (y @ P0 @ y - (k - p)) / np.trace(P0)), rtol=1e-10)
    # I2 with the typical within-study variance (k - p) / tr(P_FE)
    vt = (k - p) / np.trace(P0)
    np.testing.assert_allclose(dl.I2, 100 * dl.tau2 / (vt + dl.tau2), rtol=1e-10)
    ci = confint_tau2(res)
    lo = optimize.brentq(lambda t: y @ dense_p(v, X, t) @ y - stats.chi2.ppf(0.975, k - p), 0, 10, xtol=1e-14)
    hi = optimize.brentq(lambda t: y @ dense_p(v, X, t) @ y - stats.chi2.ppf(0.025, k - p), 0, 10, xtol=1e-14)
    np.testing.assert_allclose(ci.tau2_ci, (lo, hi), rtol=1e-8)


def test_knha_and_wald_direct(data: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    y, v, X = data
    k, p = X.shape
    res = rma(y, v, mods=X[:, 1:], method="REML", test="knha")
    W = np.diag(1.0 / (v + res.tau2))
    vb = np.linalg.inv(X.T @ W @ X)
    b = vb @ X.T @ W @ y
    s2 = (y - X @ b) @ W @ (y - X @ b) / (k - p)
    np.testing.assert_allclose(res.b, b, rtol=1e-10)
    np.testing.assert_allclose(res.se, np.sqrt(np.diag(vb * s2)), rtol=1e-10)
    np.testing.assert_allclose(res.pval, 2 * stats.t.sf(np.abs(b / np.sqrt(np.diag(vb * s2))), k - p), rtol=1e-9)
    qm = b[1:] @ np.linalg.solve(vb[1:, 1:] * s2, b[1:]) / (p - 1)
    np.testing.assert_allclose(res.QM, qm, rtol=1e-10)
    np.testing.assert_allclose(res.QM_p, stats.f.sf(qm, p - 1, k - p), rtol=1e-9)

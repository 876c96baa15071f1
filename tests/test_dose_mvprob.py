"""Maximum-of-t distribution (spherical-radial) and Genz rectangle probabilities vs exact integrals."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from painregen.dose.genz import pmv
from painregen.dose.mvprob import MaxT, max_t_cdf

# QMC error of the default control is ~1e-5; exact values come from one- or two-dimensional quadrature.
TOL = 1e-4


def equicorr_max_normal(c: float, rho: float, m: int) -> float:
    """P(max of m equicorrelated N(0,1) < c), rho >= 0: a one-dimensional integral."""
    f = lambda z: stats.norm.pdf(z) * stats.norm.cdf((c - np.sqrt(rho) * z) / np.sqrt(1 - rho)) ** m  # noqa: E731
    return float(integrate.quad(f, -10, 10, epsabs=1e-12)[0])


def equicorr_max_t(c: float, rho: float, m: int, df: float) -> float:
    g = lambda s: stats.chi.pdf(s * np.sqrt(df), df) * np.sqrt(df) * equicorr_max_normal(c * s, rho, m)  # noqa: E731
    return float(integrate.quad(g, 0, 5, epsabs=1e-11, limit=200)[0])


def equi(m: int, rho: float) -> np.ndarray:
    r = np.full((m, m), rho)
    np.fill_diagonal(r, 1.0)
    return r


@pytest.mark.parametrize(("m", "rho", "df"), [(4, 0.5, np.inf), (6, 0.8, np.inf), (4, 0.5, 12.0), (3, 0.2, 40.0)])
def test_max_t_cdf_equicorrelated(m: int, rho: float, df: float) -> None:
    c = 2.1
    exact = equicorr_max_normal(c, rho, m) if np.isinf(df) else equicorr_max_t(c, rho, m, df)
    assert max_t_cdf(c, equi(m, rho), df) == pytest.approx(exact, abs=TOL)


def test_quantile_single_and_identical_contrasts() -> None:
    assert MaxT(np.ones((1, 1)), 20).quantile(0.025) == pytest.approx(stats.t.isf(0.025, 20), abs=1e-6)
    # three identical contrasts (rank one) behave as one
    assert MaxT(np.ones((3, 3)), np.inf).quantile(0.05) == pytest.approx(stats.norm.isf(0.05), abs=1e-6)
    # two-sided, independent normals: P(max |Z| < c) = (2 Phi(c) - 1)^m
    c = MaxT(np.eye(3), np.inf, two_sided=True).quantile(0.05)
    assert (2 * stats.norm.cdf(c) - 1) ** 3 == pytest.approx(0.95, abs=TOL)


def test_singular_correlation_against_projection() -> None:
    # five unit contrasts in a 2-dimensional space: P(max < c) = P(u in a polygon), by polar quadrature
    rng = np.random.default_rng(4)
    a = rng.standard_normal((2, 5))
    a /= np.linalg.norm(a, axis=0)
    c = 1.3

    def ray(theta: float) -> float:
        g = float((np.cos(theta) * a[0] + np.sin(theta) * a[1]).max())
        return 1.0 if g <= 0 else float(stats.chi2.cdf((c / g) ** 2, 2))

    exact = integrate.quad(ray, 0, 2 * np.pi, limit=400, epsabs=1e-12)[0] / (2 * np.pi)
    assert max_t_cdf(c, a.T @ a) == pytest.approx(exact, abs=TOL)


def test_genz_noncentral_independent() -> None:
    delta = np.array([0.5, -0.2, 1.0])
    c = 1.7
    exact_n = float(np.prod(stats.norm.cdf(c - delta)))
    assert pmv(-np.inf, c, np.eye(3), np.inf, delta)[0] == pytest.approx(exact_n, abs=TOL)
    df = 9.0
    f = lambda s: stats.chi.pdf(s * 3, 9) * 3 * np.prod(stats.norm.cdf(c * s - delta))  # noqa: E731
    exact_t = integrate.quad(f, 0, 5, epsabs=1e-12)[0]
    assert pmv(-np.inf, c, np.eye(3), df, delta)[0] == pytest.approx(exact_t, abs=TOL)
    nct = stats.nct(df, 0.4)
    assert pmv(-1.0, c, 1.0, df, 0.4)[0] == pytest.approx(nct.cdf(c) - nct.cdf(-1), abs=1e-10)


def test_genz_central_matches_spherical_radial() -> None:
    r = equi(5, 0.6)
    assert pmv(-np.inf, 2.0, r, 30.0)[0] == pytest.approx(max_t_cdf(2.0, r, 30.0), abs=TOL)
    two = MaxT(r, 30.0, two_sided=True)
    assert pmv(-2.2, 2.2, r, 30.0)[0] == pytest.approx(two.cdf(2.2), abs=TOL)


@pytest.mark.parametrize("two_sided", [False, True])
def test_grouped_directions_equal_the_plain_mean(two_sided: bool) -> None:
    """MaxT.cdf averages the radial probability over equal-width bins of g; it must equal the plain mean
    over every quasi-Monte Carlo direction far inside the QMC error (here within 1e-7)."""
    corr = np.array([[1, 0.8, 0.6, 0.5], [0.8, 1, 0.9, 0.7], [0.6, 0.9, 1, 0.9], [0.5, 0.7, 0.9, 1]])
    for df in (8.0, np.inf):
        dist = MaxT(corr, df, two_sided)
        g = dist.g
        for c in (0.1, 0.5, 1.0, 1.7, 2.4, 3.5):
            plain = np.mean(np.where(g > 0, dist._radial(c / np.where(g > 0, g, 1.0)), 1.0))
            assert dist.cdf(c) == pytest.approx(plain, abs=1e-7)

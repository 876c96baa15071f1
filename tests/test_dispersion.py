"""Error-type conversion to SD: Cochrane Handbook 6.5.2.2 and Wan et al. 2014 (BMC Med Res Methodol 14:135)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, special, stats

from painregen.evidence.dispersion import (
    ERROR_TYPES,
    DispersionError,
    MeanSdConversion,
    SdConversion,
    mean_sd_from_five_numbers,
    mean_sd_from_median_iqr,
    mean_sd_from_median_range,
    normalise_average_type,
    normalise_error_type,
    sd_from_ci95,
    sd_from_iqr,
    sd_from_range,
    to_mean_sd,
    to_sd,
)

REL = 1e-12  # closed forms recomputed with the same scipy functions: agreement to rounding error


def _xi(n: float) -> float:
    return float(2 * stats.norm.ppf((n - 0.375) / (n + 0.25)))


def _eta(n: float) -> float:
    return float(2 * stats.norm.ppf((0.75 * n - 0.125) / (n + 0.25)))


# ---- SD and SEM ----

def test_sd_identity_and_sem_exact() -> None:
    assert to_sd("SD", error=2.1, n=8) == SdConversion(2.1, "SD reported: SD = 2.1")
    res = to_sd("SEM", error=2.1, n=8)
    assert res.sd == 2.1 * math.sqrt(8)
    assert res.method == "SD = SEM × √n = 2.1 × √8 = 5.94"


def test_sem_first_principles() -> None:
    x = np.random.default_rng(1).normal(50.0, 7.0, size=12)
    assert to_sd("S.E.M.", error=float(stats.sem(x)), n=12).sd == pytest.approx(np.std(x, ddof=1), rel=REL)


# ---- 95% CI of a mean (t-based) ----

@pytest.mark.parametrize("n", [2, 3, 6, 10, 30])
def test_ci95_recovers_sample_sd(n: int) -> None:
    x = np.random.default_rng(n).normal(3.0, 1.7, size=n)
    sd, mean = float(np.std(x, ddof=1)), float(np.mean(x))
    lo, hi = stats.t.interval(0.95, n - 1, loc=mean, scale=sd / math.sqrt(n))
    assert to_sd("95% CI", lower=lo, upper=hi, n=n).sd == pytest.approx(sd, rel=1e-10)
    assert to_sd("95%CI", error=(hi - lo) / 2, n=n).sd == pytest.approx(sd, rel=1e-10)
    assert to_sd("CI95", upper=hi, mean=mean, n=n).sd == pytest.approx(sd, rel=1e-10)
    assert to_sd("CI95", lower=lo, mean=mean, n=n).sd == pytest.approx(sd, rel=1e-10)


def test_ci95_formula_and_text() -> None:
    res = sd_from_ci95(3.1, 7.2, 8)
    t = stats.t.ppf(0.975, 7)
    assert res.sd == pytest.approx(math.sqrt(8) * (7.2 - 3.1) / (2 * t), rel=REL)
    assert res.method == ("SD = √n × (upper − lower) / (2 × t(0.975, n−1)) = √8 × (7.2 − 3.1) / (2 × 2.365) "
                          "= 2.452")


# ---- Wan et al. 2014: closed forms vs direct scipy computation ----

@pytest.mark.parametrize("n", [2, 5, 10, 21, 50, 200])
def test_wan_c3_iqr(n: int) -> None:
    q1, m, q3 = 2.0, 4.5, 6.0
    res = mean_sd_from_median_iqr(m, q1, q3, n)
    assert res.mean == pytest.approx((q1 + m + q3) / 3, rel=REL)
    expected_sd = (q3 - q1) / (2 * stats.norm.ppf((0.75 * n - 0.125) / (n + 0.25)))
    assert res.sd == pytest.approx(expected_sd, rel=REL)
    assert to_sd("IQR", error=q3 - q1, n=n).sd == pytest.approx(expected_sd, rel=REL)
    assert "Wan et al. 2014, C3" in res.method


@pytest.mark.parametrize("n", [2, 5, 10, 21, 50, 200])
def test_wan_c1_range(n: int) -> None:
    a, m, b = 1.0, 4.0, 11.0
    res = mean_sd_from_median_range(m, a, b, n)
    assert res.mean == pytest.approx((a + 2 * m + b) / 4, rel=REL)
    expected_sd = (b - a) / (2 * stats.norm.ppf((n - 0.375) / (n + 0.25)))
    assert res.sd == pytest.approx(expected_sd, rel=REL)
    assert to_sd("range", lower=a, upper=b, n=n).sd == pytest.approx(expected_sd, rel=REL)
    assert to_sd("min-max", error=b - a, n=n).sd == pytest.approx(expected_sd, rel=REL)


@pytest.mark.parametrize("n", [2, 5, 10, 21, 50, 200])
def test_wan_c2_five_numbers(n: int) -> None:
    a, q1, m, q3, b = 0.5, 2.0, 4.0, 6.5, 12.0
    res = mean_sd_from_five_numbers(a, q1, m, q3, b, n)
    assert res.mean == pytest.approx((a + 2 * q1 + 2 * m + 2 * q3 + b) / 8, rel=REL)
    expected_sd = ((b - a) / (4 * stats.norm.ppf((n - 0.375) / (n + 0.25)))
                   + (q3 - q1) / (4 * stats.norm.ppf((0.75 * n - 0.125) / (n + 0.25))))
    assert res.sd == pytest.approx(expected_sd, rel=REL)
    via = to_mean_sd("median", m, "IQR", lower=q1, upper=q3, minimum=a, maximum=b, n=n)
    assert (via.mean, via.sd) == (res.mean, res.sd)
    assert "Wan et al. 2014, C2" in via.method


def test_published_worked_value() -> None:
    # q1 = 0.02, q3 = 0.04, n = 100 gives 0.0150441 with R's qnorm (printed to 6 significant digits)
    assert sd_from_iqr(0.02, 0.04, 100).sd == pytest.approx(0.0150441, abs=5e-8)


# ---- first principles ----

def test_iqr_conversion_of_a_simulated_sample() -> None:
    n = 41  # n = 4Q + 1: sample quartiles are the order statistics X(11), X(21), X(31)
    x = np.random.default_rng(20140135).normal(10.0, 2.0, size=n)
    q1, m, q3 = np.quantile(x, [0.25, 0.5, 0.75])
    xs = np.sort(x)
    assert (q1, m, q3) == (xs[10], xs[20], xs[30])
    res = to_mean_sd("median", float(m), "IQR", lower=float(q1), upper=float(q3), n=n)
    assert res.mean == pytest.approx((xs[10] + xs[20] + xs[30]) / 3, rel=REL)
    assert res.sd == pytest.approx((xs[30] - xs[10]) / (2 * stats.norm.ppf((0.75 * 41 - 0.125) / 41.25)), rel=REL)


def _expected_range(n: int) -> float:
    """E[max − min] of n standard normals = ∫ 1 − Φ(x)^n − (1 − Φ(x))^n dx."""
    f = lambda x: 1 - stats.norm.cdf(x) ** n - stats.norm.sf(x) ** n  # noqa: E731
    return float(integrate.quad(f, -np.inf, np.inf, epsabs=1e-12, epsrel=1e-12)[0])


def _expected_order_stat(k: int, n: int) -> float:
    """E[X(k)] for n standard normals, by integrating x times the density of the k-th order statistic."""
    logc = special.gammaln(n + 1) - special.gammaln(k) - special.gammaln(n - k + 1)
    f = lambda x: x * np.exp(logc + (k - 1) * stats.norm.logcdf(x) + (n - k) * stats.norm.logsf(x)  # noqa: E731
                             + stats.norm.logpdf(x))
    return float(integrate.quad(f, -np.inf, np.inf, epsabs=1e-12, epsrel=1e-12)[0])


# Wan et al. 2014, Table 1: exact ξ(n) = E[range] of n standard normals, printed to 3 decimals
WAN_TABLE1 = {2: 1.128, 3: 1.693, 5: 2.326, 10: 3.078, 11: 3.173, 21: 3.778, 25: 3.931, 50: 4.498}


@pytest.mark.parametrize("n", list(WAN_TABLE1))
def test_range_divisor_against_exact_expected_range(n: int) -> None:
    exact = _expected_range(n)
    assert round(exact, 3) == WAN_TABLE1[n]  # the quadrature reproduces the paper's table
    # Wan's closed form 2Φ⁻¹((n − 0.375)/(n + 0.25)) approximates the exact divisor (Blom's formula);
    # its largest error from n = 5 to 50 is 1.44% (n = 5) and 4.5% at n = 2, hence the tolerances.
    implied = 1.0 / sd_from_range(0.0, 1.0, n).sd
    assert implied == pytest.approx(exact, rel=0.015 if n >= 5 else 0.046)


@pytest.mark.parametrize("q", [1, 2, 5, 10, 20])
def test_iqr_divisor_against_exact_expected_quartiles(q: int) -> None:
    n = 4 * q + 1
    exact = _expected_order_stat(3 * q + 1, n) - _expected_order_stat(q + 1, n)
    implied = 1.0 / sd_from_iqr(0.0, 1.0, n).sd
    assert implied == pytest.approx(_eta(n), rel=REL)
    # Blom's approximation: largest error over these n is 0.44% (n = 5)
    assert implied == pytest.approx(exact, rel=0.005)


# ---- spellings and errors ----

@pytest.mark.parametrize(
    ("text", "kind"),
    [("SD", "SD"), ("s.d.", "SD"), ("S.D.", "SD"), ("SEM", "SEM"), ("S.E.M.", "SEM"), ("SE", "SEM"),
     ("s.e.", "SEM"), ("95% CI", "CI95"), ("95%CI", "CI95"), ("CI95", "CI95"), ("IQR", "IQR"),
     ("interquartile range", "IQR"), ("range", "range"), ("min-max", "range")],
)
def test_normalise_error_type(text: str, kind: str) -> None:
    assert normalise_error_type(text) == kind


def test_unknown_error_type_lists_allowed() -> None:
    with pytest.raises(ValueError, match="allowed: SD, SEM, CI95, IQR, range"):
        normalise_error_type("CV")
    assert ERROR_TYPES == ("SD", "SEM", "CI95", "IQR", "range")
    assert normalise_average_type("Mean") == "mean"
    with pytest.raises(DispersionError, match="allowed: mean, median"):
        normalise_average_type("mode")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: to_sd("SEM", error=-1.0, n=5), "must not be negative"),
        (lambda: to_sd("SD", error=1.0, n=0), "n >= 1"),
        (lambda: to_sd("SEM", error=1.0, n=0.5), "n >= 1"),
        (lambda: to_sd("CI95", lower=1.0, upper=2.0, n=1), "n >= 2"),
        (lambda: to_sd("IQR", lower=1.0, upper=2.0, n=1), "n >= 2"),
        (lambda: to_sd("range", error=3.0, n=1), "n >= 2"),
        (lambda: to_sd("CI95", lower=5.0, upper=3.0, n=5), "must be in increasing order"),
        (lambda: to_sd("CI95", lower=1.0, upper=3.0, mean=4.0, n=5), "must be in increasing order"),
        (lambda: to_sd("IQR", lower=6.0, upper=2.0, n=5), "must be in increasing order"),
        (lambda: to_sd("SEM", error=float("nan"), n=5), "finite"),
        (lambda: to_sd("SD", lower=1.0, upper=2.0, n=5), "takes `error`"),
        (lambda: to_sd("CI95", n=5), "needs lower and upper"),
        (lambda: to_mean_sd("median", 3.0, "SEM", error=1.0, n=5), "cannot be converted"),
        (lambda: to_mean_sd("median", 3.0, "IQR", error=2.0, n=5), "not only a width"),
        (lambda: to_mean_sd("median", 1.0, "IQR", lower=2.0, upper=3.0, n=5), "must be in increasing order"),
        (lambda: to_mean_sd("median", 2.5, "IQR", lower=2.0, upper=3.0, minimum=1.0, n=5), "both minimum"),
    ],
)
def test_invalid_inputs(call: object, message: str) -> None:
    with pytest.raises(DispersionError, match=message):
        call()  # type: ignore[operator]


def test_to_mean_sd_keeps_a_reported_mean() -> None:
    res = to_mean_sd("mean", 4.0, "SEM", error=0.5, n=9)
    assert res == MeanSdConversion(4.0, 1.5, "mean reported: mean = 4; SD = SEM × √n = 0.5 × √9 = 1.5")
    res = to_mean_sd("median", 4.0, "range", lower=1.0, upper=9.0, n=10)
    assert (res.mean, res.sd) == (4.5, pytest.approx(8.0 / _xi(10), rel=REL))
    assert res.method.startswith("mean ≈ (min + 2 × median + max)/4 = (1 + 2 × 4 + 9)/4 = 4.5; SD ≈")

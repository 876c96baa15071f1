"""Welch, Dunnett, repeated measures and allowances against first principles, simulation and the pwr oracle.

Monte Carlo checks use a fixed seed and a tolerance of 4 Monte Carlo standard errors (written next to each).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from painregen.design import (
    ARE,
    allow,
    are_inflation,
    attrition_inflation,
    dunnett_crit,
    dunnett_power,
    dunnett_sample_size,
    pwr_t2n_test,
    pwr_t_test,
    repeated_power,
    smallest_n,
    variance_factor,
    welch_df,
    welch_power,
    welch_sample_size,
)
from painregen.design.dose_finding import DoseEngineUnavailable, dose_finding_sample_size

G = json.loads(Path(__file__).parent.joinpath("golden", "pwr.json").read_text())


def _golden_n(d: float, power: float = 0.8) -> float:
    case = next(c for c in G["ttest"] if c["solve"] == "n" and c["d"] == d and c["power"] == power
                and c["type"] == "two.sample" and c["alternative"] == "two.sided" and c["sig_level"] == 0.05)
    return float(case["exact"])


# ------------------------------------------------------------------ allowances
def test_are_values_and_inflation() -> None:
    assert ARE["normal"] == pytest.approx(0.954929658551372, abs=1e-15)  # 3 / pi
    assert ARE["logistic"] == pytest.approx(1.096622711232151, abs=1e-15)  # pi^2 / 9
    assert ARE["worst"] == 0.864 and ARE["laplace"] == 1.5 and ARE["uniform"] == 1.0
    assert are_inflation(86.4, "worst") == pytest.approx(100.0)
    assert attrition_inflation(20, 0.1) == 23 and attrition_inflation(18, 0.1) == 20 and attrition_inflation(7, 0) == 7
    a = allow(11.94, "worst", 0.1)
    assert (a.n_analysed, a.n_randomised) == (14, 16)  # ceil(11.94 / 0.864) = 14; ceil(14 / 0.9) = 16
    assert allow(1.2).n_analysed == 2
    with pytest.raises(ValueError, match="attrition"):
        attrition_inflation(10, 1.0)
    with pytest.raises(ValueError, match="unknown distribution"):
        are_inflation(10, "cauchy")


# ------------------------------------------------------------------ Welch
def test_welch_df_by_hand_and_equal_design_equals_pooled_t() -> None:
    # v1 = 4/5 = 0.8, v2 = 9/10 = 0.9: df = 1.7^2 / (0.64/4 + 0.81/9) = 2.89 / 0.25 = 11.56
    assert welch_df(2.0, 3.0, 5, 10) == pytest.approx(11.56, rel=1e-14)
    w = welch_power(0.8, 1.0, 1.0, 12, 12)
    assert w.df == pytest.approx(22.0) and w.power == pytest.approx(pwr_t_test(n=12, d=0.8).power, rel=1e-12)
    solved = welch_sample_size(0.8, 1.0, 1.0, power=0.8)
    assert solved.n1 == pytest.approx(_golden_n(0.8), rel=1e-6)  # = pwr.t.test n when the SDs are equal


@pytest.mark.parametrize(("n1", "n2", "sd1", "sd2", "delta"), [(6, 12, 1.0, 3.0, 2.0), (4, 10, 2.0, 1.0, 1.5)])
def test_welch_exact_power_matches_simulation(n1: int, n2: int, sd1: float, sd2: float, delta: float) -> None:
    reps = 100_000
    rng = np.random.default_rng(7)
    x, y = rng.normal(delta, sd1, (reps, n1)), rng.normal(0.0, sd2, (reps, n2))
    mc = float(np.mean(stats.ttest_ind(x, y, axis=1, equal_var=False).pvalue < 0.05))
    exact = welch_power(delta, sd1, sd2, n1, n2, method="exact").power
    assert abs(exact - mc) < 4 * math.sqrt(mc * (1 - mc) / reps)  # 4 MC SE (~0.006)


def test_welch_sample_size_hits_the_target() -> None:
    res = welch_sample_size(3.0, 2.0, 3.0, power=0.9)
    assert res.n2 / res.n1 == pytest.approx(1.5) and res.power == pytest.approx(0.9, abs=1e-10)
    assert welch_power(3.0, 2.0, 3.0, res.n1 * 0.98, res.n2 * 0.98).power < 0.9


# ------------------------------------------------------------------ Dunnett
@pytest.mark.parametrize("alternative", ["greater", "two.sided"])
def test_dunnett_with_one_arm_is_the_t_test(alternative: str) -> None:
    df = 8 + 11 - 2
    q = stats.t.isf(0.05 if alternative == "greater" else 0.025, df)
    assert dunnett_crit([8], 11, 0.05, alternative) == pytest.approx(q, rel=1e-10)
    res = dunnett_power([8], 11, 1.3, 0.05, alternative)
    assert res.power[0] == pytest.approx(pwr_t2n_test(n1=8, n2=11, d=1.3, alternative=alternative).power, rel=1e-10)


def test_dunnett_normal_limit_and_scipy_multivariate_t() -> None:
    c = dunnett_crit([10, 10], 10, 0.05, "greater", df=np.inf)  # equicorrelated normal, rho = 1/2
    p = stats.multivariate_normal([0, 0], [[1, 0.5], [0.5, 1]]).cdf([c, c])
    assert p == pytest.approx(0.95, abs=1e-7)
    c3 = dunnett_crit([6, 6, 6], 10, 0.05, "greater")  # scipy quasi-Monte Carlo multivariate t (~1e-6 noise)
    corr = np.full((3, 3), 6 / 16) + np.eye(3) * (1 - 6 / 16)
    pt = stats.multivariate_t.cdf(np.full(3, c3), np.zeros(3), corr, df=6 * 3 + 10 - 4, maxpts=300_000,
                                  random_state=1)
    assert pt == pytest.approx(0.95, abs=1e-5)


def test_dunnett_sample_size_is_the_smallest_whole_design() -> None:
    n_exact, res = dunnett_sample_size(3, 1.0, power=0.8, alpha=0.05, alternative="greater", ratio=math.sqrt(3))
    at_exact = dunnett_power([n_exact] * 3, math.sqrt(3) * n_exact, 1.0, 0.05, "greater")
    assert at_exact.power[0] == pytest.approx(0.8, abs=1e-8)
    assert res.n == (14.0, 14.0, 14.0) and res.n0 == 25.0 and min(res.power) >= 0.8
    below = dunnett_power([13] * 3, math.ceil(math.sqrt(3) * 13), 1.0, 0.05, "greater")
    assert min(below.power) < 0.8
    _, all_ = dunnett_sample_size(3, 1.0, power=0.8, target="all")
    assert all_.power_all >= 0.8 and all_.n[0] > res.n[0]


def test_sqrt_k_control_beats_equal_allocation_at_the_same_total() -> None:
    # Dunnett (1955): with k = 4 arms and 60 animals, n0 = 2n (n = 10, n0 = 20) beats n = n0 = 12
    opt = dunnett_power([10] * 4, 20, 1.0, 0.05, "greater").power[0]
    eq = dunnett_power([12] * 4, 12, 1.0, 0.05, "greater").power[0]
    assert opt > eq


# ------------------------------------------------------------------ repeated measures
def test_variance_factors_from_first_principles() -> None:
    assert variance_factor("mean", 4, 0.5) == pytest.approx(0.625)  # (1 + 3 rho) / 4
    assert variance_factor("mean", 1, 0.6, baselines=1) == pytest.approx(1 - 0.36)  # ANCOVA: 1 - rho^2
    assert variance_factor("slope", 3, 0.5, times=[0, 1, 2]) == pytest.approx(0.5 / (3 * 2 / 3))
    with pytest.raises(ValueError):
        variance_factor("mean", 4, 1.0)


def test_repeated_z_formula_by_hand_and_t_against_pwr() -> None:
    # Diggle et al. (2002): n = 2 (z_.975 + z_.8)^2 (1 + 3 * 0.5) / (4 * 0.5^2) = 2 * 7.848879 * 2.5 = 39.244
    z = repeated_power(0.5, 4, 0.5, power=0.8, method="z")
    assert z.n == pytest.approx(2 * (1.959963984540054 + 0.8416212335729143) ** 2 * 2.5, rel=1e-12)
    assert z.n == pytest.approx(39.2444, abs=1e-4)
    # summary-measure t test: d / sqrt(V) = 0.8 gives pwr's n for d = 0.8
    t = repeated_power(0.8 * math.sqrt(0.625), 4, 0.5, power=0.8)
    assert t.n == pytest.approx(_golden_n(0.8), rel=1e-6)


@pytest.mark.parametrize("kind", ["mean", "slope"])
def test_repeated_power_matches_simulation(kind: str) -> None:
    n, m, rho, reps = 8, 4, 0.6, 40_000
    times = np.array([0.0, 7.0, 14.0, 28.0])
    d = 1.0 if kind == "mean" else 0.05
    power = repeated_power(d, m, rho, n=n, kind=kind, times=times).power
    rng = np.random.default_rng(11)
    cov = rho * np.ones((m, m)) + (1 - rho) * np.eye(m)
    y0 = rng.multivariate_normal(np.zeros(m), cov, size=(reps, n))
    shift = d if kind == "mean" else d * times
    y1 = rng.multivariate_normal(np.zeros(m), cov, size=(reps, n)) + shift
    if kind == "mean":
        s0, s1 = y0.mean(axis=2), y1.mean(axis=2)
    else:
        w = (times - times.mean()) / np.sum((times - times.mean()) ** 2)
        s0, s1 = y0 @ w, y1 @ w
    mc = float(np.mean(stats.ttest_ind(s1, s0, axis=1).pvalue < 0.05))
    assert abs(power - mc) < 4 * math.sqrt(mc * (1 - mc) / reps)  # 4 MC SE (~0.01)


# ------------------------------------------------------------------ dose finding hook
def test_smallest_n_finds_the_first_whole_number() -> None:
    assert smallest_n(lambda n: 1 - 0.9**n, 0.8) == 16  # 1 - 0.9^15 = 0.794, 1 - 0.9^16 = 0.815
    assert smallest_n(lambda n: 1.0, 0.8) == 2
    with pytest.raises(ValueError):
        smallest_n(lambda n: 0.5, 0.8, n_max=1000)


def test_dose_finding_sample_size_is_smallest() -> None:
    try:
        plan = dose_finding_sample_size([0, 1, 3, 10], "linear,emax:2", max_effect=1.0, sd=1.0, power=0.8)
    except DoseEngineUnavailable:
        pytest.skip("painregen.dose has no power_mct yet")
    assert min(plan.power.values()) >= 0.8
    assert plan.power_below is not None and min(plan.power_below.values()) < 0.8

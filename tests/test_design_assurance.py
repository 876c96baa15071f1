"""Assurance (O'Hagan, Stevens & Campbell 2005) against closed forms, direct integration and the pwr oracle."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate, stats

from painregen.design import assurance, assurance_from_rma, expected_power, pwr_t_test
from painregen.design.assurance import power_curve
from painregen.meta import rma

G = json.loads(Path(__file__).parent.joinpath("golden", "pwr.json").read_text())


def test_gauss_hermite_against_the_closed_form_for_a_z_test() -> None:
    # known-variance z test: power(delta) = Phi(delta / s - z); with delta ~ N(mu, v) the assurance is
    # Phi((mu / s - z) / sqrt(1 + v / s^2)) (O'Hagan et al. 2005, normal case)
    s, z, mu, sd = 0.4, stats.norm.isf(0.025), 0.9, 0.6
    got = expected_power(lambda delta: stats.norm.cdf(delta / s - z), mu, sd)
    assert got == pytest.approx(stats.norm.cdf((mu / s - z) / np.sqrt(1 + sd**2 / s**2)), abs=1e-12)


@pytest.mark.parametrize(("mu", "se", "tau", "n"), [(1.0, 0.2, 0.5, 10), (1.2, 0.3, 0.8, 6), (0.4, 0.1, 0.3, 60)])
def test_assurance_equals_direct_integration(mu: float, se: float, tau: float, n: float) -> None:
    f = power_curve(n, 0.05, "two.sample", "two.sided", directional=True)
    sd = float(np.hypot(se, tau))
    direct = integrate.quad(lambda x: float(f(np.array([x]))[0]) * stats.norm.pdf(x, mu, sd), -np.inf, np.inf,
                            epsabs=1e-13, epsrel=1e-12, limit=500)[0]
    assert assurance(mu, se, tau, n=n).assurance == pytest.approx(direct, abs=1e-9)


def test_no_uncertainty_gives_pwr_power() -> None:
    case = next(c for c in G["ttest"] if c["solve"] == "power" and c["type"] == "two.sample"
                and c["alternative"] == "two.sided" and c["sig_level"] == 0.05 and c["d"] == 1.2 and c["n"] == 6)
    res = assurance(1.2, 0.0, 0.0, n=6, directional=False)
    assert res.assurance == pytest.approx(case["exact"], rel=1e-9)
    assert res.power_at_mu == pytest.approx(case["exact"], rel=1e-9)


def test_heterogeneity_lowers_assurance_below_power_and_the_target_is_met() -> None:
    res = assurance(1.0, 0.15, 0.6, target=0.7)
    assert res.assurance == pytest.approx(0.7, abs=1e-9)
    plain = pwr_t_test(d=1.0, power=0.7).n
    assert res.n > plain  # uncertainty about the effect costs animals
    assert res.p_benefit == pytest.approx(stats.norm.cdf(1.0 / np.hypot(0.15, 0.6)), rel=1e-12)


def test_unreachable_target_is_a_clear_error() -> None:
    # P(delta > 0) = Phi(0.3 / 0.5) = 0.726: directional assurance can never reach 0.8
    with pytest.raises(ValueError, match="cannot be reached"):
        assurance(0.3, 0.1, 0.49, target=0.8)


def test_from_an_rma_result() -> None:
    yi = np.array([0.9, 1.4, 0.3, 1.1, 2.0, 0.7])
    vi = np.array([0.10, 0.15, 0.08, 0.20, 0.25, 0.12])
    fit = rma(yi, vi, method="REML")
    got = assurance_from_rma(fit, n=12)
    want = assurance(float(fit.b[0]), float(fit.se[0]), float(np.sqrt(fit.tau2)), n=12)
    assert got == want and got.tau == pytest.approx(fit.tau)

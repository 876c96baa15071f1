"""fit_mod, TD/ED and data input checked against direct computation (per-animal least squares etc.)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import optimize

from painregen.dose import DoseInputError, default_bounds, ed, fit_mod, from_raw, from_summary, get_model, td

RNG = np.random.default_rng(11)
DOSES = np.repeat([0.0, 0.3, 1.0, 3.0, 10.0], 7)
TRUE = 1.0 + 2.0 * DOSES / (1.2 + DOSES)
RESP = TRUE + 0.6 * RNG.standard_normal(DOSES.size)
DATA = from_raw(DOSES, RESP)


@pytest.mark.parametrize("model", ["emax", "sigEmax", "logistic", "betaMod", "exponential"])
def test_raw_fit_is_per_animal_least_squares(model: str) -> None:
    fit = fit_mod(DATA, model)
    mdef = get_model(model)
    bnds = default_bounds(model, 10.0)
    lo = np.r_[-np.inf, -np.inf, bnds[:, 0]]
    hi = np.r_[np.inf, np.inf, bnds[:, 1]]
    start = np.clip(fit.coefs * 1.02, lo, hi)
    res = optimize.least_squares(lambda c: mdef.mean(DOSES, c, fit.fixed) - RESP, start, bounds=(lo, hi),
                                 xtol=1e-15, ftol=1e-15, gtol=1e-15, method="trf")
    rss_direct = float(np.sum(res.fun**2))
    # our optimum is at least as good as a bounded local polish started next to it, and equal to it
    assert fit.rss <= rss_direct * (1 + 1e-9)
    if not fit.at_bound:
        np.testing.assert_allclose(fit.coefs, res.x, rtol=1e-5)
    assert fit.rss == pytest.approx(np.sum((RESP - fit.predict(DOSES)) ** 2), rel=1e-12)
    n, p = DOSES.size, len(mdef.coef_names)
    assert fit.aic == pytest.approx(n * np.log(2 * np.pi) + n + n * np.log(fit.rss / n) + 2 * (p + 1), rel=1e-12)
    jac = mdef.grad(DOSES, fit.coefs, fit.fixed)
    np.testing.assert_allclose(fit.vcov, fit.rss / (n - p) * np.linalg.inv(jac.T @ jac), rtol=1e-8)


def test_general_fit_with_full_covariance_is_gls() -> None:
    d = np.array([0.0, 1.0, 3.0, 10.0, 30.0])
    y = np.array([-4.6, -3.9, -3.6, -3.1, -3.0])
    a = np.array([[1.0, 0.3, 0.1, 0.0, 0.0], [0.3, 1.0, 0.2, 0.1, 0.0], [0.1, 0.2, 1.0, 0.3, 0.1],
                  [0.0, 0.1, 0.3, 1.0, 0.2], [0.0, 0.0, 0.1, 0.2, 1.0]])
    s = 0.04 * a
    data = from_summary(d, y, cov=s)
    fit = fit_mod(data, "emax")
    mdef = get_model("emax")
    si = np.linalg.inv(s)

    def crit(c: np.ndarray) -> float:
        r = y - mdef.mean(d, c, fit.fixed)
        return float(r @ si @ r)

    best = optimize.minimize(crit, fit.coefs * 0.97, method="Nelder-Mead",
                             options={"xatol": 1e-12, "fatol": 1e-14, "maxiter": 20000})
    assert fit.rss == pytest.approx(min(best.fun, crit(fit.coefs)), rel=1e-7)
    assert fit.rss == pytest.approx(crit(fit.coefs), rel=1e-12)
    assert fit.aic == pytest.approx(fit.rss + 2 * 3, rel=1e-12)
    jac = mdef.grad(d, fit.coefs, fit.fixed)
    np.testing.assert_allclose(fit.vcov, np.linalg.inv(jac.T @ si @ jac), rtol=1e-8)


def test_td_and_ed_closed_forms_and_delta_method() -> None:
    fit = fit_mod(DATA, "emax")
    _e0, emax, ed50 = fit.coefs
    t = td(fit, 1.0)
    assert t.dose == pytest.approx(ed50 * 1.0 / (emax - 1.0), rel=1e-10)
    top = emax * 10 / (ed50 + 10)
    e = ed(fit, 0.5)
    assert emax * e.dose / (ed50 + e.dose) == pytest.approx(0.5 * top, rel=1e-10)

    def td_of(c: np.ndarray) -> float:
        return td(dataclasses.replace(fit, coefs=c), 1.0).dose

    g = np.array([(td_of(fit.coefs + h) - td_of(fit.coefs - h)) / (2 * 1e-6)
                  for h in np.eye(3) * 1e-6])
    assert t.se == pytest.approx(float(np.sqrt(g @ fit.vcov @ g)), rel=1e-5)

    def ed_of(c: np.ndarray) -> float:
        return ed(dataclasses.replace(fit, coefs=c), 0.5).dose

    g = np.array([(ed_of(fit.coefs + h) - ed_of(fit.coefs - h)) / (2 * 1e-6) for h in np.eye(3) * 1e-6])
    assert e.se == pytest.approx(float(np.sqrt(g @ fit.vcov @ g)), rel=1e-5)
    assert np.isnan(td(fit, 50.0).dose)  # never reached inside the tested range


def test_bounds_flag_and_too_many_parameters() -> None:
    flat = from_raw(DOSES, 1.0 + 0.2 * DOSES + 0.01 * RNG.standard_normal(DOSES.size))
    fit = fit_mod(flat, "exponential")
    assert fit.at_bound == ("delta",) and fit.to_dict()["at_bound"] is True
    assert fit.coefs[2] == pytest.approx(20.0)  # upper bound 2 * max dose: the curve is linear
    three = from_raw(np.repeat([0.0, 1, 2], 3), np.arange(9.0))
    with pytest.raises(DoseInputError, match="parameters"):
        fit_mod(three, "sigEmax")


@pytest.mark.parametrize(
    ("dose", "resp", "match"),
    [([0, 0, 1, 1], [1, 2, 3, np.nan], "response"), ([0, 0, -1, -1], [1, 2, 3, 4], "negative"),
     ([2, 2, 2], [1, 2, 3], "one dose"), ([0, 0, 1], [1, 2, 3], "n >= 2"), ([0, 1], [1, 2, 3], "values")],
)
def test_raw_input_errors(dose: list[float], resp: list[float], match: str) -> None:
    with pytest.raises(DoseInputError, match=match):
        from_raw(dose, resp)


def test_summary_input_errors_and_sd_route() -> None:
    with pytest.raises(DoseInputError, match="SE"):
        from_summary([0, 1, 2], [1, 2, 3], [0.1, np.nan, 0.2])
    with pytest.raises(DoseInputError, match="n must"):
        from_summary([0, 1, 2], [1, 2, 3], sd=[1, 1, 1], n=[5, 1, 5])
    with pytest.raises(DoseInputError, match="one dose"):
        from_summary([1], [1], [0.1])
    assert isinstance(DoseInputError("x"), ValueError)
    d = from_summary([2, 0, 1], [3, 1, 2], sd=[2, 1, 1], n=[4, 4, 16])
    np.testing.assert_allclose(d.doses, [0, 1, 2])
    np.testing.assert_allclose(d.se, [0.5, 0.25, 1.0])
    assert d.df == np.inf and d.type == "general"

"""Dose-response model functions, gradients, candidate sets and the SPEC syntax (first principles)."""

from __future__ import annotations

import numpy as np
import pytest

from painregen.dose import DoseInputError, get_model, guesst, mods, parse_models_spec
from painregen.dose import models as m
from painregen.dose.model_defs import MODELS, default_bounds, default_fixed

DOSES = np.array([0.0, 5.0, 12.5, 40.0, 100.0, 150.0])
FIXED = {"scal": 180.0, "off": 1.5}
COEFS = {
    "linear": [1.0, 0.02], "linlog": [0.5, 0.3], "quadratic": [0.2, 0.03, -1e-4], "emax": [0.1, 1.3, 22.0],
    "sigEmax": [0.1, 1.3, 30.0, 2.5], "exponential": [0.3, 0.05, 60.0], "betaMod": [0.2, 1.1, 0.8, 1.6],
    "logistic": [0.0, 1.0, 50.0, 12.0],
}


@pytest.mark.parametrize("name", list(MODELS))
def test_gradient_matches_central_differences(name: str) -> None:
    mdef = get_model(name)
    c = np.array(COEFS[name])
    grad = mdef.grad(DOSES, c, FIXED)
    num = np.empty_like(grad)
    for j in range(c.size):
        h = 1e-6 * max(abs(c[j]), 1e-3)
        up, dn = c.copy(), c.copy()
        up[j] += h
        dn[j] -= h
        num[:, j] = (mdef.mean(DOSES, up, FIXED) - mdef.mean(DOSES, dn, FIXED)) / (2 * h)
    np.testing.assert_allclose(grad, num, rtol=1e-6, atol=1e-9)


def test_closed_forms_match_the_written_equations() -> None:
    d = DOSES
    np.testing.assert_allclose(m.emax(d, 1, 2, 10), 1 + 2 * d / (10 + d))
    np.testing.assert_allclose(m.sig_emax(d, 1, 2, 10, 3), 1 + 2 * d**3 / (10**3 + d**3))
    np.testing.assert_allclose(m.exponential(d, 1, 2, 50), 1 + 2 * (np.exp(d / 50) - 1))
    np.testing.assert_allclose(m.logistic(d, 1, 2, 50, 10), 1 + 2 / (1 + np.exp((50 - d) / 10)))
    b = (0.8 + 1.6) ** (0.8 + 1.6) / (0.8**0.8 * 1.6**1.6)
    np.testing.assert_allclose(m.beta_mod(d, 1, 2, 0.8, 1.6, 180), 1 + 2 * b * (d / 180) ** 0.8 * (1 - d / 180) ** 1.6)
    # the beta kernel peaks at 1 at scal * delta1 / (delta1 + delta2)
    assert m.beta_f0(np.array(180 * 0.8 / 2.4), 0.8, 1.6, 180) == pytest.approx(1.0, abs=1e-14)
    # a sigmoid Emax with h = 1 is the hyperbolic Emax
    np.testing.assert_allclose(m.sig_emax(d, 1, 2, 10, 1), m.emax(d, 1, 2, 10), rtol=1e-13)


def test_default_bounds_are_dosefindings_defbnds() -> None:
    # DoseFinding 1.0.3: defBnds(100)
    np.testing.assert_allclose(default_bounds("emax", 100), [[0.1, 150]])
    np.testing.assert_allclose(default_bounds("sigEmax", 100), [[0.1, 150], [0.5, 10]])
    np.testing.assert_allclose(default_bounds("exponential", 100), [[10, 200]])
    np.testing.assert_allclose(default_bounds("logistic", 100), [[0.1, 150], [1, 50]])
    np.testing.assert_allclose(default_bounds("betaMod", 100), [[0.05, 4], [0.05, 4]])
    assert default_fixed(100) == {"scal": 120.0, "off": 1.0}


def test_spec_names_repeats_like_dosefinding() -> None:
    cs = parse_models_spec(" linear, emax:25 ,sigEmax:30/3,emax:100, betaMod:0.33/2.31")
    assert cs.names == ["linear", "emax1", "sigEmax", "emax2", "betaMod"]
    assert [c.std for c in cs] == [(), (25.0,), (30.0, 3.0), (100.0,), (0.33, 2.31)]
    assert cs.families == ["linear", "emax", "sigEmax", "betaMod"]
    assert parse_models_spec("EMAX:2").names == ["emax"]


@pytest.mark.parametrize("spec", ["emax", "linear:3", "sigEmax:3", "emax:x", "foo:1", "", "emax:-1", "quadratic:0.1"])
def test_bad_specs_are_rejected(spec: str) -> None:
    with pytest.raises(DoseInputError):
        mods(parse_models_spec(spec), [0, 1, 2])


def test_mods_scales_to_max_effect_within_range() -> None:
    mm = mods("emax:25,quadratic:-0.004,logistic:50/10", [0, 10, 50, 150], plac_eff=2, max_eff=0.5)
    resp = mm.get_resp(np.linspace(0, 150, 1501))
    assert resp[0] == pytest.approx([2, 2, 2])
    # monotone shapes reach plac + max at the top dose; the quadratic at its vertex (125)
    np.testing.assert_allclose(resp.max(axis=0), [2.5, 2.5, 2.5], rtol=1e-12)
    assert resp[:, 1].argmax() == 1250


def test_guesst_round_trips() -> None:
    (ed50,) = guesst(0.3, 0.8, "emax")
    assert m.emax_f0(0.3, ed50) == pytest.approx(0.8)
    ed50, delta = guesst([0.2, 0.6], [0.2, 0.95], "logistic", local=True, max_dose=1)
    f = m.logistic_f0(np.array([0, 0.2, 0.6, 1]), ed50, delta)
    np.testing.assert_allclose((f[1:3] - f[0]) / (f[3] - f[0]), [0.2, 0.95], atol=1e-10)
    (delta,) = guesst(0.8, 0.5, "exponential", max_dose=1)
    assert np.expm1(0.8 / delta) / np.expm1(1 / delta) == pytest.approx(0.5, abs=1e-12)
    d1, d2 = guesst(0.4, 0.8, "betaMod", d_max=0.8, scal=1.2)
    assert m.beta_f0(np.array(0.4), d1, d2, 1.2) == pytest.approx(0.8)
    assert 1.2 * d1 / (d1 + d2) == pytest.approx(0.8)

"""Across-study dose-response (issue 12 item 11, issue 11 point 1): the dose scale chosen by the data, the shape
of the pooled curve (plateau with an interval, or an inverted U reported as a peak with a decline flag), and fits
that fall back with a note instead of failing."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from painregen.dose.errors import DoseError, DoseFitError, DoseInputError
from painregen.dose.meta_dr import choose_scale, dose_response_meta, plateau, pooled_curve
from painregen.dose.shape import curve_shape, plateau_batch
from painregen.dose.splines import rcs_basis
from painregen.dose.two_stage import dose_response_two_stage
from painregen.meta.control import ConvergenceError

meta_dr = importlib.import_module("painregen.dose.meta_dr")
emax_meta = importlib.import_module("painregen.dose.emax_meta")
two_stage = importlib.import_module("painregen.dose.two_stage")


def _contrasts(doses: list[float], curve, n_studies: int = 8, seed: int = 1, sd: float = 0.15):  # type: ignore[no-untyped-def]
    """Treated-vs-vehicle contrasts of ``n_studies`` studies, each with the given doses, from ``curve`` plus noise
    (shared-control covariance 0.02 within a study)."""
    rng = np.random.default_rng(seed)
    d = np.tile(np.asarray(doses, dtype=float), n_studies)
    s = np.repeat([f"s{i}" for i in range(n_studies)], len(doses))
    vi = np.full(d.size, sd**2 + 0.02)
    y = curve(d) + rng.normal(0, sd, d.size) + np.repeat(rng.normal(0, 0.05, n_studies), len(doses))
    V = []
    for i in range(n_studies):
        rows = np.arange(i * len(doses), (i + 1) * len(doses))
        m = np.full((rows.size, rows.size), 0.02)
        np.fill_diagonal(m, vi[rows])
        V.append((rows, m))
    return d, y, vi, s, V


def test_doses_over_decades_use_log10_and_within_a_decade_the_smaller_aic() -> None:
    d, y, v, s, V = _contrasts([1e5, 3e5, 1e6, 3e6, 1e7], lambda x: 1.5 * x / (4e5 + x))
    scale, why = choose_scale(d, y, v, s, V)
    assert scale == "log10" and why["span"] == pytest.approx(100.0) and "decade" in why["rule"]
    r = dose_response_meta(d, y, v, s, V, emax=False)
    assert r.scale == "log10" and r.scale_choice["rule"] == why["rule"] and r.to_dict()["scale_choice"]["span"] == 100
    d2, y2, v2, s2, V2 = _contrasts([2.0, 4.0, 6.0, 8.0, 10.0], lambda x: 0.2 * x)
    scale2, why2 = choose_scale(d2, y2, v2, s2, V2)
    assert why2["rule"] == "smaller AIC of the ML fits" and set(why2["aic"]) == {"linear", "log10"}
    assert scale2 == min(why2["aic"], key=why2["aic"].get)
    assert choose_scale(d2, y2, v2, s2, V2, scale="log10")[0] == "log10"  # a requested scale is kept
    assert dose_response_meta(d2, y2, v2, s2, V2, scale="linear", emax=False).scale_choice["rule"] == "given"


def test_inverted_u_is_a_peak_with_a_decline_not_a_plateau() -> None:
    d, y, v, s, V = _contrasts([1.0, 2.0, 4.0, 6.0, 8.0, 10.0], lambda x: 2.0 * x / 5.0 * np.exp(1 - x / 5.0), 10)
    r = dose_response_meta(d, y, v, s, V, scale="linear", emax=False)
    sh = r.shape
    assert sh.shape == "peak" and np.isnan(r.plateau_dose) and r.to_dict()["plateau_dose"] is None
    assert 3.0 < sh.peak_dose < 7.0 and sh.peak_ci[0] <= sh.peak_dose <= sh.peak_ci[1]
    g = r.curve.dose
    top = r.curve.fit[-1] - r.curve.fit[int(np.argmax(r.curve.fit))]
    assert sh.drop == pytest.approx(top, rel=1e-12) and sh.drop_ci[1] < 0 and sh.decline
    assert "peaks at" in sh.sentence() and "decline" in sh.sentence()
    # the old reading of the same curve would have called its peak a plateau
    assert plateau(g, r.curve.fit) == pytest.approx(sh.peak_dose, rel=0.2)


def test_plateau_dose_gets_a_reproducible_interval() -> None:
    d, y, v, s, V = _contrasts([1.0, 2.0, 4.0, 6.0, 8.0, 10.0], lambda x: 1.5 * x / (1.0 + x), 10)
    r = dose_response_meta(d, y, v, s, V, scale="linear", emax=False)
    sh = r.shape
    assert sh.shape == "plateau" and not sh.decline and np.isnan(sh.peak_dose)
    assert r.plateau_dose == plateau(r.curve.dose, r.curve.fit, r.plateau_fraction)  # unchanged definition
    assert sh.plateau_ci[0] <= r.plateau_dose <= sh.plateau_ci[1] and sh.plateau_ci[0] < sh.plateau_ci[1]
    again = dose_response_meta(d, y, v, s, V, scale="linear", emax=False)
    assert again.shape.plateau_ci == sh.plateau_ci
    # the interval is the percentile interval of the plateau doses of N(b, vb) draws (Krinsky & Robb), by hand
    g = r.curve.dose
    S = rcs_basis(g, r.knots)
    draws = np.random.default_rng(2012).multivariate_normal(r.b, (r.vb + r.vb.T) / 2, size=2000, method="eigh")
    lo, hi = np.quantile(plateau_batch(g, draws @ S.T, 0.05), [0.025, 0.975])
    assert sh.plateau_ci == pytest.approx((lo, hi), rel=1e-12)


def test_curve_shape_by_hand_on_a_known_curve() -> None:
    g = np.linspace(0, 10, 11)
    S = np.column_stack([g, -np.maximum(g - 5, 0) * 2])  # rises to 5 then falls with slope -1
    sh = curve_shape(g, S, [1.0, 1.0], np.zeros((2, 2)), n_draws=0)
    assert sh.shape == "peak" and sh.peak_dose == 5.0 and sh.drop == -5.0 and sh.decline
    flat = curve_shape(g, np.column_stack([np.minimum(g, 4.0)]), [1.0], np.zeros((1, 1)), n_draws=0)
    assert flat.shape == "plateau" and flat.plateau_dose == pytest.approx(4.0) and not flat.decline
    none = curve_shape(g, np.column_stack([-g]), [1.0], np.zeros((1, 1)), n_draws=0)
    assert none.shape == "no benefit" and np.isnan(none.plateau_dose)


def test_one_stage_falls_back_with_a_note_when_the_random_effects_fit_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    d, y, v, s, V = _contrasts([1.0, 2.0, 4.0, 6.0, 8.0, 10.0], lambda x: 1.5 * x / (1.0 + x))
    fixed = dose_response_meta(d, y, v, s, V, scale="linear", random=False, emax=False)

    def fails(*a, **k):  # type: ignore[no-untyped-def]
        raise ConvergenceError("rma_mv (REML) did not converge in 1000 iterations")

    monkeypatch.setattr(meta_dr, "rma_mv", fails)
    monkeypatch.setattr(emax_meta, "rma_mv", fails)
    r = dose_response_meta(d, y, v, s, V, scale="linear", emax=True)
    assert any("fixed-effect GLS shown" in n for n in r.notes)
    assert any(n.startswith("emax profile failed") for n in r.notes)
    np.testing.assert_allclose(r.b, fixed.b, rtol=1e-12)
    np.testing.assert_allclose(r.vb, fixed.vb, rtol=1e-12)
    assert r.sigma2.size == 0 and r.shape.shape in ("plateau", "peak")
    np.testing.assert_allclose(r.curve.fit, pooled_curve(fixed.b, fixed.vb, r.knots, r.curve.dose).fit, rtol=1e-12)


def test_two_stage_falls_back_to_ml_then_fixed(monkeypatch: pytest.MonkeyPatch) -> None:
    d, y, v, s, V = _contrasts([1.0, 2.0, 4.0, 6.0, 8.0, 10.0], lambda x: 1.5 * x / (1.0 + x))
    real = two_stage.mvmeta

    def flaky(b, S, *, method="REML", level=95):  # type: ignore[no-untyped-def]
        if method != "fixed":
            raise ConvergenceError("stage 2 did not converge")
        return real(b, S, method=method, level=level)

    monkeypatch.setattr(two_stage, "mvmeta", flaky)
    r = dose_response_two_stage(d, y, v, s, V, scale="linear")
    assert r.method == "fixed" and any("stage 2 (REML) failed" in n for n in r.notes)
    assert any("stage 2 by fixed instead of REML" in n for n in r.notes)
    monkeypatch.setattr(two_stage, "mvmeta", lambda *a, **k: (_ for _ in ()).throw(ConvergenceError("no")))
    with pytest.raises(DoseFitError, match="every method") as err:
        dose_response_two_stage(d, y, v, s, V, scale="linear")
    assert isinstance(err.value, DoseError) and isinstance(err.value, ValueError) and err.value.note


def test_error_types_share_one_base() -> None:
    assert issubclass(DoseInputError, DoseError) and issubclass(DoseFitError, DoseError)
    assert DoseFitError("x").note == "x" and DoseInputError().note == "DoseInputError"

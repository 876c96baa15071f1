"""The saturation window after issue 12 item 10: intervals that bootstrap the whole selection, the model-averaged
MED under aveAIC, a saturation dose a linear curve cannot estimate, and verdicts that agree with the data."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from painregen.dose import from_raw, from_summary, mcp_mod, td
from painregen.dose.reselect import Design, analyse
from painregen.dose.selection import ModelAverage, curve_of
from painregen.dose.target_dose import curve_td

LIN = [0.0, 25.0, 50.0, 75.0, 100.0]
mcp_module = importlib.import_module("painregen.dose.mcp_mod")  # the package exports the function of that name


def test_linear_curve_saturation_is_not_estimable() -> None:
    data = from_summary(LIN, [0.0, 0.5, 1.0, 1.5, 2.0], [0.2] * 5)
    r = mcp_mod(data, "linear", delta=1.0, n_boot=300)
    w = r.window
    assert r.selected_model == "linear" and w.saturation is None
    assert w.saturation_note is not None and w.saturation_note.startswith("not estimable within the tested range")
    assert "not estimable within the tested range" in w.verdict and "Plateau above" not in w.verdict
    # every replicate refits the linear model: its ED_p is fixed by the range, so the interval is open upwards
    # instead of zero-width
    assert w.saturation_ci == (None, None)
    assert w.med == pytest.approx(50.0, rel=1e-6) and w.med_ci[0] is not None and w.med_ci[0] < 50.0
    assert w.to_dict()["saturation_note"] == w.saturation_note


def test_selection_bootstrap_reselects_and_reproduces_the_point_estimate() -> None:
    data = from_summary([0, 1, 3, 10, 30], [0.0, 0.6, 1.1, 1.5, 1.6], [0.25] * 5)
    spec = "linear,emax:3,emax:12,sigEmax:15/3,betaMod:0.5/0.5"
    r = mcp_mod(data, spec, delta=0.8, n_boot=400, seed=3)
    w = r.window
    assert set(w.bootstrap_selected) == {"linear", "emax", "sigEmax", "betaMod"}
    assert sum(w.bootstrap_selected.values()) == pytest.approx(1.0)
    assert sum(v > 0.02 for v in w.bootstrap_selected.values()) >= 2  # the choice of model is uncertain here
    assert w.med_ci[0] is not None and w.med_ci[0] < w.med  # type: ignore[operator]
    # the batched analysis of the bootstrap, applied to the observed means, makes MCP-Mod's own choice
    mct = r.mct
    design = Design.of(data, ("linear", "emax", "sigEmax", "betaMod"), tuple(mct.families), mct.cont_mat,
                       mct.critical_value, r.fits[0].fixed)
    same = analyse(design, data.means[None], np.ones(1), np.zeros(1), method="aic", delta=0.8, p=0.9,
                   direction="increasing")
    assert same.families[int(same.chosen[0])] == r.selected_model
    assert same.med[0] == pytest.approx(w.med, rel=1e-5)
    assert same.saturation[0] == pytest.approx(w.saturation, rel=1e-5)


def test_ave_aic_med_is_the_model_averaged_curve_and_never_null_for_one_model() -> None:
    data = from_summary(LIN, [0.0, 0.8, 1.0, 1.02, 1.0], [0.1] * 5)
    r = mcp_mod(data, "emax:10,linear", fit="all", select="aveAIC", delta=0.95, n_boot=200)
    assert {f.model for f in r.fits} == {"emax", "linear"}
    lin = r.fit("linear")
    assert np.isnan(td(lin, 0.95).dose)  # the linear fit never reaches 0.95 within the range ...
    assert r.med_dosefinding is None or np.isnan(r.med_dosefinding)  # ... so DoseFinding's weighted mean is NaN
    avg = ModelAverage(r.fits, tuple(r.selection.weights[f.model] for f in r.fits))
    direct = float(curve_td(curve_of(avg), 100.0, 0.95)[0])
    assert r.med is not None and r.med.dose == r.window.med == pytest.approx(direct, rel=1e-12)
    assert np.isfinite(direct) and 0 < direct < 100
    effect = avg.predict(direct) - avg.predict(0.0)
    assert effect == pytest.approx(0.95, rel=1e-9)
    assert r.window.model is not None and r.window.model.startswith("model average")
    assert r.to_dict()["med"] == r.to_dict()["window"]["med"]


def test_no_plateau_claim_when_the_top_dose_lies_above_the_curve() -> None:
    data = from_summary([0, 1, 3, 10, 30, 100], [0.0, 1.0, 1.5, 1.6, 1.6, 2.6], [0.1] * 6)
    r = mcp_mod(data, "emax:2", delta=1.0, n_boot=200)
    w = r.window
    assert w.top is not None and w.top.above and w.top.ci_low > 0
    assert w.top.observed_minus_fit == pytest.approx(2.6 - float(r.fit("emax").predict(100.0)), rel=1e-12)
    assert not w.plateau and "Plateau above" not in w.verdict and "No plateau is claimed" in w.verdict
    # the same curve with a top dose that sits on it: the plateau is claimed
    on = from_summary([0, 1, 3, 10, 30, 100], [0.0, 1.0, 1.5, 1.6, 1.6, 1.62], [0.1] * 6)
    r2 = mcp_mod(on, "emax:2", delta=1.0, n_boot=200)
    assert r2.window.top is not None and not r2.window.top.above
    assert r2.window.plateau and "Plateau above" in r2.window.verdict


def test_a_model_that_cannot_be_fitted_is_left_out_with_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    real = mcp_module.fit_mod

    def broken(data, model, **kw):  # type: ignore[no-untyped-def]
        if model == "sigEmax":
            raise np.linalg.LinAlgError("singular matrix")
        return real(data, model, **kw)

    monkeypatch.setattr(mcp_module, "fit_mod", broken)
    rng = np.random.default_rng(4)
    dose = np.repeat([0.0, 1, 3, 10, 30], 6)
    data = from_raw(dose, 2 * dose / (3 + dose) + 0.4 * rng.standard_normal(dose.size))
    r = mcp_mod(data, "emax:3,sigEmax:10/3,linear", fit="all", delta=0.8, n_boot=100, n_perm=100)
    assert "sigEmax" not in {f.model for f in r.fits}
    assert any(n.startswith("sigEmax could not be fitted") for n in r.notes)
    assert r.selected_model in {"emax", "linear"} and r.window.identified

"""Saturation window, decline guard, umbrella test, result shapes and the figure."""

from __future__ import annotations

import json

import numpy as np
import pytest
from matplotlib.figure import Figure

from painregen.dose import MCPModResult, from_raw, from_summary, mcp_mod, umbrella_test
from painregen.dose.plots import plot_dose_response
from painregen.dose.umbrella import _statistics, _u_matrices

LIN = [0.0, 25.0, 50.0, 75.0, 100.0]
SPEC = "emax:20,sigEmax:40/3,quadratic:-0.008,linear"


def test_quadratic_on_plateau_does_not_invent_a_decline() -> None:
    data = from_summary(LIN, [0.0, 1.3, 1.9, 2.0, 1.95], [0.2] * 5)
    r = mcp_mod(data, SPEC, fit="all", delta=1.0, n_boot=200)
    aic = {f.model: f.aic for f in r.fits}
    assert min(aic, key=aic.__getitem__) == "quadratic" == r.selected_model
    dec = r.window.decline
    assert dec.peak_inside and dec.fitted_peak_dose is not None and dec.fitted_peak_dose < 100
    # the quadratic's own curve drops from its peak to the top dose, yet the data do not
    fit = r.fit("quadratic")
    assert fit.predict(100.0) < fit.predict(dec.fitted_peak_dose)
    assert dec.peak_group_dose == 75.0 and dec.top_minus_peak == pytest.approx(-0.05)
    q = 1.959963984540054
    se = np.sqrt(0.2**2 + 0.2**2)
    assert (dec.ci_low, dec.ci_high) == pytest.approx((-0.05 - q * se, -0.05 + q * se))
    assert not dec.detected and r.window.plateau
    assert "no evidence of decline" in r.window.verdict and "Plateau above" in r.window.verdict


def test_clear_decline_is_reported() -> None:
    d = [0, 1, 3, 10, 30, 100]
    data = from_summary(d, [0.0, 1.0, 1.6, 2.0, 1.4, 0.6], [0.15] * 6)
    r = mcp_mod(data, "emax:2,sigEmax:3/2,quadratic:-0.01,betaMod:1/1,linear", fit="all", delta=1.0, n_boot=200)
    assert r.selected_model == "betaMod"
    dec = r.window.decline
    assert dec.detected and dec.peak_group_dose == 10.0
    assert dec.top_minus_peak == pytest.approx(-1.4) and dec.ci_high is not None and dec.ci_high < 0
    assert not r.window.plateau and r.window.verdict.count("Decline above ~10") == 1


def test_window_numbers_and_bootstrap() -> None:
    data = from_summary(LIN, [0.0, 1.3, 1.9, 2.0, 1.95], [0.2] * 5)
    r = mcp_mod(data, "emax:20,linear", delta=1.0, n_boot=300, seed=5)
    w = r.window
    fit = r.fit("emax")
    _e0, emax, ed50 = fit.coefs
    assert w.med == pytest.approx(ed50 / (emax - 1.0), rel=1e-9) == r.med.dose  # type: ignore[union-attr]
    top = emax * 100 / (ed50 + 100)
    assert emax * w.saturation / (ed50 + w.saturation) == pytest.approx(0.9 * top, rel=1e-9)  # type: ignore[operator]
    assert w.med_ci[0] < w.med < w.med_ci[1]  # type: ignore[operator]
    assert w.saturation_ci[0] < w.saturation < w.saturation_ci[1]  # type: ignore[operator]
    again = mcp_mod(data, "emax:20,linear", delta=1.0, n_boot=300, seed=5)
    assert again.window.med_ci == w.med_ci
    assert w.window == (w.med, w.saturation)


def _dict_keys(d: dict) -> set[str]:
    return set(d)


def test_same_result_class_on_every_path() -> None:
    rng = np.random.default_rng(3)
    dose = np.repeat([0.0, 1, 3, 10, 30], 6)
    flat = mcp_mod(from_raw(dose, rng.standard_normal(dose.size)), SPEC, delta=1.0, n_boot=50, n_perm=200)
    few = mcp_mod(from_raw(np.repeat([0.0, 1, 3], 6), np.repeat([0.0, 1, 2], 6) + rng.standard_normal(18)),
                  "emax:1,linear", delta=1.0)
    good = mcp_mod(from_raw(dose, 2 * dose / (2 + dose) + 0.3 * rng.standard_normal(dose.size)), SPEC,
                   delta=0.5, n_boot=50, n_perm=200)
    for r in (flat, few, good):
        assert isinstance(r, MCPModResult)
        out = r.to_dict()
        json.dumps(out, allow_nan=False)
        assert _dict_keys(out) == _dict_keys(good.to_dict())
        assert _dict_keys(out["window"]) == _dict_keys(good.to_dict()["window"])
        assert {"critical_value", "df", "contrasts"} <= set(out["mct"])
    assert flat.selected_model is None and flat.med is None and not flat.window.identified
    assert "No evidence of a dose-response" in flat.window.verdict
    assert few.fits == () and not few.identified and "not identified" in few.window.verdict
    assert few.to_dict()["mct"]["contrasts"][0]["t"] is not None
    assert good.selected_model is not None and good.window.identified
    assert good.window.decline.umbrella is not None  # raw data: umbrella test reported


def test_umbrella_counts_match_brute_force_with_ties() -> None:
    rng = np.random.default_rng(9)
    groups = np.repeat(np.arange(4), [3, 5, 4, 6])
    y = np.round(rng.standard_normal(groups.size), 1)
    order = np.argsort(y, kind="stable")
    ys = y[order]
    first = np.searchsorted(ys, ys, "left")
    last = np.searchsorted(ys, ys, "right") - 1
    u = _u_matrices(groups[order][None], first, last, 4)[0]
    brute = np.zeros((4, 4))
    for i in range(4):
        for j in range(4):
            xi, yj = y[groups == i], y[groups == j]
            brute[i, j] = np.sum(xi[:, None] < yj[None]) + 0.5 * np.sum(xi[:, None] == yj[None])
    off = ~np.eye(4, dtype=bool)
    np.testing.assert_allclose(u[off], brute[off])
    z, peak = _statistics(brute[None], np.bincount(groups).astype(float))
    assert z.shape == (1,) and 0 <= peak[0] < 4


def test_umbrella_detects_a_peak_and_not_noise() -> None:
    rng = np.random.default_rng(2)
    dose = np.repeat([0.0, 1, 3, 10, 30], 8)
    shape = np.array([0.0, 1.0, 2.0, 1.0, 0.0])[np.repeat(np.arange(5), 8)]
    res = umbrella_test(dose, shape + 0.5 * rng.standard_normal(dose.size), n_perm=500, seed=1)
    assert res.peak_dose == 3.0 and res.p_value == pytest.approx(1 / 501)
    noise = umbrella_test(dose, rng.standard_normal(dose.size), n_perm=500, seed=1)
    assert noise.p_value > 0.05
    assert umbrella_test(dose, shape, n_perm=100, seed=7) == umbrella_test(dose, shape, n_perm=100, seed=7)


def test_plot_draws_means_curve_and_window() -> None:
    d = [0.0, 1e5, 3e5, 1e6, 3e6]
    data = from_summary(d, [0.0, 0.8, 1.5, 1.9, 2.0], [0.15] * 5)
    r = mcp_mod(data, "emax:3e5,linear", delta=1.0, n_boot=100)
    fig = plot_dose_response(r)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    labels = ax.get_legend_handles_labels()[1]
    assert labels[0] == "fitted emax" and "saturation window" in labels
    assert any(lab.startswith("MED ") for lab in labels) and any(lab.startswith("saturation ") for lab in labels)
    assert ax.get_xscale() == "symlog"
    curve = next(line for line in ax.get_lines() if line.get_label() == "fitted emax")
    x, y = curve.get_data()
    np.testing.assert_allclose(y, r.fit("emax").predict(x))


def test_decreasing_direction_mirrors_increasing() -> None:
    means = np.array([0.0, 1.3, 1.9, 2.0, 1.95])
    up = mcp_mod(from_summary(LIN, means, [0.2] * 5), "emax:20,linear", delta=1.0, n_boot=100, seed=4)
    down = mcp_mod(from_summary(LIN, 5.0 - means, [0.2] * 5), "emax:20,linear", delta=1.0, n_boot=100, seed=4,
                   direction="decreasing")
    np.testing.assert_allclose(down.mct.t_stats, up.mct.t_stats, rtol=1e-12)
    assert down.selected_model == up.selected_model == "emax"
    assert down.window.med == pytest.approx(up.window.med, rel=1e-6)  # same optimum, reached independently
    assert down.window.saturation == pytest.approx(up.window.saturation, rel=1e-6)
    assert down.window.plateau == up.window.plateau


def test_symlog_dose_axis_labels_are_plain_text() -> None:
    """The dose axis reads 0, 100, 1e6 -- no mathtext (10^2), whose parser costs each process ~0.25 s."""
    from painregen.dose.plots import dose_label
    from painregen.report.output import svg_text

    assert [dose_label(x) for x in (0.0, 0.3, 300.0, 9999.0, 1e4, 3e6)] == ["0", "0.3", "300", "9999", "1e4", "3e6"]
    data = from_summary([0.0, 10.0, 100.0, 1000.0], [0.0, 0.8, 1.5, 1.9], [0.15] * 4)
    fig = plot_dose_response(mcp_mod(data, "emax:100,linear", delta=1.0, n_boot=0), xscale="log")
    svg = svg_text(fig, "t")
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels() if t.get_text()]
    assert labels and all("$" not in lab for lab in labels)
    assert {"0", "10", "100", "1000"} <= set(labels)
    assert "mathdefault" not in svg

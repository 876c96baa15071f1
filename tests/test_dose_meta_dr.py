"""Across-study dose-response meta-analysis (painregen.dose.meta_dr, painregen.dose.splines).

Checks are from first principles: spline algebra, GLS/WLS normal equations computed by hand, the Wald quadratic
form, and the direction of the simulator's true Emax curve; and against metafor rma.mv on an Hmisc rcspline.eval
basis (tests/golden/dose_meta_dr.R).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from painregen.dose.dataset_dr import dataset_dose_response, dose_response_inputs
from painregen.dose.meta_dr import (
    dose_response_meta,
    emax_profile,
    plateau,
    stratified,
    subset_blocks,
    wald_nonlinearity,
)
from painregen.dose.splines import rcs_basis, rcs_knots, rcs_raw
from painregen.simulate import simulate

KNOTS = np.array([1.0, 2.0, 3.0, 4.0])


def test_rcs_hand_value_and_zero_row() -> None:
    # x = 2.5, knots 1..4 (t3 = 3 > x, so only the first cube is active): X2 = (2.5 - 1)^3 / (4 - 1)^2,
    # X3 = (2.5 - 2)^3 / 9; at x = 5 all cubes are active: X2 = [4^3 - 2^3 (4-1)/(4-3) + 1^3 (3-1)/(4-3)] / 9
    raw = rcs_raw([2.5, 5.0], KNOTS)
    np.testing.assert_allclose(raw[0], [2.5, 3.375 / 9, 0.125 / 9], rtol=1e-14)
    np.testing.assert_allclose(raw[1], [5.0, (64 - 24 + 2) / 9, (27 - 8 * 2 + 1) / 9], rtol=1e-14)
    B = rcs_basis([0.0, 2.5], KNOTS, zero=0.0)
    assert B.shape == (2, 3)
    np.testing.assert_array_equal(B[0], 0.0)
    B2 = rcs_basis([2.5], KNOTS, zero=0.5)
    np.testing.assert_allclose(B2[0], raw[0] - rcs_raw([0.5], KNOTS)[0], rtol=1e-14)


def test_rcs_linear_beyond_outer_knots() -> None:
    h = 0.25
    for x in (np.arange(4.0, 9.0, h), np.arange(-3.0, 1.0 + h / 2, h)):
        B = rcs_basis(x, KNOTS)
        second = B[2:] - 2 * B[1:-1] + B[:-2]
        np.testing.assert_allclose(second, 0.0, atol=1e-12)
    # inside the knots the non-linear columns are not linear
    inner = rcs_basis(np.arange(1.0, 4.0, h), KNOTS)
    assert np.max(np.abs(inner[2:, 1:] - 2 * inner[1:-1, 1:] + inner[:-2, 1:])) > 1e-3


def test_rcs_continuous_to_second_derivative_at_knots() -> None:
    eps = 1e-4
    for t in KNOTS:
        left = rcs_raw([t - 2 * eps, t - eps, t], KNOTS)
        right = rcs_raw([t, t + eps, t + 2 * eps], KNOTS)
        np.testing.assert_allclose(rcs_raw([t - 1e-12], KNOTS), rcs_raw([t + 1e-12], KNOTS), atol=1e-10)
        d1_l = (left[2] - left[1]) / eps
        d1_r = (right[1] - right[0]) / eps
        np.testing.assert_allclose(d1_l, d1_r, atol=1e-3)  # O(eps) one-sided difference error
        d2_l = (left[2] - 2 * left[1] + left[0]) / eps**2
        d2_r = (right[2] - 2 * right[1] + right[0]) / eps**2
        np.testing.assert_allclose(d2_l, d2_r, atol=1e-2)


def test_rcs_knots_are_orsini_percentiles() -> None:
    d = np.arange(1.0, 101.0)
    np.testing.assert_allclose(rcs_knots(d), np.percentile(d, [5, 35, 65, 95]))
    with pytest.raises(ValueError, match="strictly increasing"):
        rcs_knots([1.0, 1.0, 1.0, 2.0])


def _toy(seed: int, n_studies: int, per: int = 4) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    dose = np.tile(np.array([1.0, 2.0, 4.0, 8.0][:per]), n_studies) * rng.uniform(0.8, 1.2, n_studies * per)
    study = np.repeat([f"s{i}" for i in range(n_studies)], per)
    vi = rng.uniform(0.05, 0.2, dose.size)
    yi = 2 * dose / (2 + dose) + rng.normal(0, 0.3, dose.size) + np.repeat(rng.normal(0, 0.3, n_studies), per)
    return dose, yi, vi, study


def test_random_fit_is_gls_on_fitted_marginal_covariance_one_study() -> None:
    dose, yi, vi, study = _toy(1, 1, per=4)
    dose = np.concatenate([dose, dose * 1.5])
    yi = np.concatenate([yi, yi[::-1]])
    vi = np.concatenate([vi, vi])
    study = np.repeat("s0", 8)
    knots = np.array([1.0, 2.0, 5.0, 9.0])
    r = dose_response_meta(dose, yi, vi, study, None, knots=knots, emax=False)
    X = rcs_basis(dose, knots)
    s1, s2 = r.sigma2
    M = np.diag(vi) + s1 * np.ones((8, 8)) + s2 * np.eye(8)
    Mi = np.linalg.inv(M)
    vb = np.linalg.inv(X.T @ Mi @ X)
    np.testing.assert_allclose(r.b, vb @ X.T @ Mi @ yi, rtol=1e-8)
    np.testing.assert_allclose(r.vb, vb, rtol=1e-8)


def test_fixed_fit_with_diagonal_v_is_wls() -> None:
    dose, yi, vi, _ = _toy(2, 1, per=4)
    dose = np.concatenate([dose, dose * 0.5, dose * 2])
    yi = np.concatenate([yi, yi * 0.7, yi * 1.1])
    vi = np.concatenate([vi, vi, vi])
    knots = np.array([0.5, 2.0, 4.0, 12.0])
    r = dose_response_meta(dose, yi, vi, np.repeat("s", dose.size), None, knots=knots, random=False, emax=False)
    X = rcs_basis(dose, knots)
    w = 1 / np.sqrt(vi)
    b, *_ = np.linalg.lstsq(X * w[:, None], yi * w, rcond=None)
    np.testing.assert_allclose(r.b, b, rtol=1e-8)
    np.testing.assert_allclose(r.vb, np.linalg.inv(X.T @ (X / vi[:, None])), rtol=1e-8)


def test_v_blocks_enter_the_marginal_covariance() -> None:
    dose, yi, vi, study = _toy(3, 6)
    V = []
    for s in range(6):
        rows = np.arange(4 * s, 4 * s + 4)
        cov = np.full((4, 4), 0.04)
        np.fill_diagonal(cov, vi[rows])
        V.append((rows, cov))
    r = dose_response_meta(dose, yi, vi, study, V, scale="linear", emax=False)
    X = rcs_basis(dose, r.knots)
    s1, s2 = r.sigma2
    M = np.zeros((24, 24))
    for rows, cov in V:
        M[np.ix_(rows, rows)] = cov + s1
    M += s2 * np.eye(24)
    Mi = np.linalg.inv(M)
    vb = np.linalg.inv(X.T @ Mi @ X)
    np.testing.assert_allclose(r.b, vb @ X.T @ Mi @ yi, rtol=1e-8)
    # curve and its delta-method limits, by hand
    G = rcs_basis(r.curve.dose, r.knots)
    np.testing.assert_allclose(r.curve.fit, G @ r.b, rtol=1e-12, atol=1e-14)
    se = np.sqrt(np.array([g @ r.vb @ g for g in G]))
    np.testing.assert_allclose(r.curve.ci_high - r.curve.fit, 1.959963984540054 * se, rtol=1e-9, atol=1e-14)


def test_wald_nonlinearity_by_hand() -> None:
    dose, yi, vi, study = _toy(4, 8)
    r = dose_response_meta(dose, yi, vi, study, None, scale="linear", emax=False)
    b2 = r.b[1:]
    stat = float(b2 @ np.linalg.inv(r.vb[1:, 1:]) @ b2)
    assert r.nonlinear_df == 2
    assert r.nonlinear_stat == pytest.approx(stat, rel=1e-10)
    # chi-square with 2 df: survival function is exp(-x/2)
    assert r.nonlinear_p == pytest.approx(np.exp(-stat / 2), rel=1e-10)
    assert wald_nonlinearity(r.b, r.vb)[0] == pytest.approx(stat, rel=1e-10)


def test_plateau_definition() -> None:
    g = np.arange(6.0)
    f = np.array([0.0, 5.0, 9.0, 9.6, 10.0, 9.0])
    # max 10, 5% = 0.5: at g=2 a later rise of 1.0 > 0.5; at g=3 the later rise is 0.4 <= 0.5
    assert plateau(g, f, 0.05) == 3.0
    assert plateau(g, f, 0.15) == 2.0
    assert np.isnan(plateau(g, -f))


def test_emax_profile_recovers_noise_free_ed50() -> None:
    d = np.tile([0.5, 1.0, 3.0, 10.0, 30.0], 6)
    study = np.repeat([f"s{i}" for i in range(6)], 5)
    y = 4.0 * d / (3.0 + d)
    vi = np.full(d.size, 0.1)
    em = emax_profile(d, y, vi, study)
    assert em.ed50 == pytest.approx(3.0, rel=1e-4)
    assert em.eMax == pytest.approx(4.0, rel=1e-4)
    assert not em.at_bound


@pytest.mark.parametrize("seed", [3, 11, 29])
def test_emax_profile_is_made_of_rma_mv_fits(seed: int) -> None:
    """Every point of the ED50 profile carries rma_mv's own log-likelihood (the warm-started refits may not stop
    at a lower local maximum: a walk without the second-maximum search did, by up to 2.4 log-likelihood units on
    simulated registries), and ed50's interval is read off it."""
    from painregen.meta import rma_mv

    rng = np.random.default_rng(seed)
    n_studies = 7
    d = np.tile([0.3, 1.0, 3.0, 10.0], n_studies)
    study = np.repeat([f"s{i}" for i in range(n_studies)], 4)
    inner = np.arange(d.size).astype(str)
    vi = rng.uniform(0.05, 0.3, d.size)
    shift = np.repeat(rng.normal(0, 0.4, n_studies), 4)
    y = 2.0 * d / (1.5 + d) + shift + rng.normal(0, np.sqrt(vi))
    em = emax_profile(d, y, vi, study, n_grid=21)
    grid = np.log10(em.profile_ed50)
    full = np.array([rma_mv(y, vi, clusters=[study, inner], mods=(d / (10.0 ** g + d))[:, None],
                            intercept=False).logLik for g in grid])
    np.testing.assert_allclose(em.profile_logLik, full, rtol=1e-9, atol=1e-9)
    i = int(np.argmax(full))
    inside = np.flatnonzero(full >= em.logLik - 3.841458820694124 / 2)
    lo = np.nan if inside[0] == 0 else em.profile_ed50[inside[0]]
    hi = np.nan if inside[-1] == grid.size - 1 else em.profile_ed50[inside[-1]]
    np.testing.assert_allclose(em.ed50_ci, (lo, hi), rtol=1e-12)
    assert em.at_bound == (i in (0, grid.size - 1))


def test_subset_blocks_renumbers() -> None:
    m = np.array([[1.0, 0.1, 0.2], [0.1, 2.0, 0.3], [0.2, 0.3, 3.0]])
    out = subset_blocks([(np.array([2, 5, 7]), m)], [0, 5, 7])
    assert len(out) == 1
    np.testing.assert_array_equal(out[0][0], [1, 2])
    np.testing.assert_array_equal(out[0][1], m[1:, 1:])
    assert subset_blocks([(np.array([2, 5, 7]), m)], [5, 9]) == []


@pytest.fixture(scope="module")
def sim_ds():  # type: ignore[no-untyped-def]
    return simulate(30, seed=20261126)


def test_simulated_emax_product_increases_near_zero(sim_ds) -> None:  # type: ignore[no-untyped-def]
    truth = sim_ds.truth["dose_response"]["BM-MSC"]
    assert truth["shape"] == "emax"  # true curve d / (ed50 + d): increasing from dose 0
    inp = dose_response_inputs(sim_ds, measure="SMD")
    for rows, mat in inp.V:  # block diagonals are the rows' vi
        np.testing.assert_allclose(np.diag(mat), inp.vi[rows], rtol=1e-12)
    res = dataset_dose_response(sim_ds, measure="SMD", by="product", emax=False)
    bm = res.results["CL:0002540"]  # BM-MSC
    assert bm.curve.fit[1] > 0
    assert bm.curve.fit[2] > bm.curve.fit[1] > bm.curve.fit[0] == 0.0
    json.dumps(res.to_dict())


def test_stratified_skips_thin_levels() -> None:
    dose, yi, vi, study = _toy(5, 6)
    by = np.where(np.isin(study, ["s0"]), "rare", "common")
    out = stratified(dose, yi, vi, study, None, by, name="product", emax=False)
    assert set(out.results) == {"common"}
    assert out.skipped == {"rare": "1 study (< 2)"}
    json.dumps(out.to_dict())
    few = np.where(np.isin(study, ["s0", "s1"]), "two", "rest")
    keep = np.isin(study, ["s0", "s1", "s2", "s3", "s4"])
    out = stratified(dose[keep], yi[keep], vi[keep], study[keep], None, few[keep], emax=False,
                     min_contrasts=int(np.sum(keep & (few == "two"))) + 1)
    assert out.skipped["two"] == f"{np.sum(keep & (few == 'two'))} contrasts (< {np.sum(keep & (few == 'two')) + 1})"


def test_metafor_hmisc_golden() -> None:
    """tests/golden/dose_meta_dr.R: Hmisc::rcspline.eval basis + metafor::rma.mv(random = ~1 | study/id)."""
    g = json.loads((Path(__file__).parent / "golden" / "dose_meta_dr.json").read_text())
    dose, yi, vi = (np.array(g[k], dtype=float) for k in ("dose", "yi", "vi"))
    study = np.array(g["study"]).astype(str)
    V = []
    for s in np.unique(study):
        rows = np.flatnonzero(study == s)
        cov = np.full((rows.size, rows.size), g["cov_shared"])
        np.fill_diagonal(cov, vi[rows])
        V.append((rows, cov))
    r = dose_response_meta(dose, yi, vi, study, V, scale="linear", grid=g["grid"], emax=False)
    np.testing.assert_allclose(r.knots, g["knots"], rtol=1e-12)
    np.testing.assert_allclose(rcs_basis(dose, r.knots), g["basis"], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(r.sigma2, g["sigma2"], rtol=1e-6)
    np.testing.assert_allclose(r.b, g["b"], rtol=1e-6)
    np.testing.assert_allclose(r.vb, g["vb"], rtol=1e-6)
    assert r.logLik == pytest.approx(g["logLik"], rel=1e-8)
    assert r.nonlinear_stat == pytest.approx(g["wald_nonlinear"], rel=1e-6)
    np.testing.assert_allclose(r.curve.fit, g["grid_fit"], rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(r.curve.se, g["grid_se"], rtol=1e-6, atol=1e-12)
    # log10(dose + 0.01 max dose) scale, and the Emax profile (R: optimize() over log10 ed50 of rma.mv logLik)
    lg = g["log10"]
    rl = dose_response_meta(dose, yi, vi, study, V, scale="log10", emax=True)
    assert rl.offset == pytest.approx(lg["offset"], rel=1e-12)
    np.testing.assert_allclose(rl.knots, lg["knots"], rtol=1e-12)
    np.testing.assert_allclose(rl.sigma2, lg["sigma2"], rtol=1e-6)
    np.testing.assert_allclose(rl.b, lg["b"], rtol=1e-6)
    np.testing.assert_allclose(rl.vb, lg["vb"], rtol=1e-6)
    assert rl.emax is not None
    em = g["emax"]
    assert rl.emax.ed50 == pytest.approx(em["ed50"], rel=1e-6)
    assert rl.emax.eMax == pytest.approx(em["eMax"], rel=1e-6)
    assert rl.emax.se_eMax == pytest.approx(em["se_eMax"], rel=1e-6)
    assert rl.emax.logLik == pytest.approx(em["logLik"], rel=1e-8)


def test_unidentified_spline_is_refused() -> None:
    """Two distinct doses cannot carry three spline coefficients: a clear error instead of silently dropped terms."""
    dose = np.array([1.0, 2.0, 1.0, 2.0, 1.0, 2.0])
    yi = np.array([0.5, 0.9, 0.4, 1.0, 0.6, 0.8])
    vi = np.full(6, 0.05)
    study = np.array(["a", "a", "b", "b", "c", "c"])
    with pytest.raises(ValueError, match="not identified: 2 distinct doses cannot fit 3 coefficients"):
        dose_response_meta(dose, yi, vi, study, knots=[0.5, 1.2, 1.8, 2.5], emax=False)


KNOTS_GOLDEN = json.loads((Path(__file__).parent / "golden" / "dose_knots.json").read_text())


@pytest.mark.parametrize("case", KNOTS_GOLDEN["cases"], ids=[c["id"] for c in KNOTS_GOLDEN["cases"]])
def test_tied_knot_percentiles_fall_back_to_fewer_knots(case: dict) -> None:  # type: ignore[type-arg]
    """tests/golden/dose_knots.R: when the Orsini percentiles tie the spline gets fewer knots (Hmisc's own choice
    for few distinct doses; the documented fallback otherwise) and the fit equals metafor's rma.mv on the
    Hmisc::rcspline.eval basis with those knots (1e-6 relative, or 1e-6 of the largest coefficient: with a variance
    component on its boundary, 0, the optimisers stop at slightly different points of a flat likelihood; the
    variance components to 1e-6 absolute, and painregen's restricted likelihood is never below metafor's)."""
    from painregen.dose.splines import default_knots, rcs_knots

    dose, yi, vi = (np.array(case[k], dtype=float) for k in ("dose", "yi", "vi"))
    study = np.array(case["study"]).astype(str)
    with pytest.raises(ValueError, match="strictly increasing"):
        rcs_knots(dose)  # the percentiles themselves tie
    knots, note = default_knots(dose)
    np.testing.assert_allclose(knots, case["hand_knots"], rtol=1e-12)
    if case["hmisc_knots"] is not None:
        np.testing.assert_allclose(knots, case["hmisc_knots"], rtol=1e-12)
    assert note is not None and "tie" in note
    V = []
    for s in np.unique(study):
        rows = np.flatnonzero(study == s)
        cov = np.full((rows.size, rows.size), KNOTS_GOLDEN["meta"]["cov_shared"])
        np.fill_diagonal(cov, vi[rows])
        V.append((rows, cov))
    r = dose_response_meta(dose, yi, vi, study, V, scale="linear", emax=False)
    np.testing.assert_allclose(r.knots, case["hand_knots"], rtol=1e-12)
    assert note in r.notes
    b, vb = np.array(case["b"]), np.array(case["vb"])
    np.testing.assert_allclose(r.b, b, rtol=1e-6, atol=1e-6 * np.abs(b).max())
    np.testing.assert_allclose(r.vb, vb, rtol=1e-6, atol=1e-6 * np.abs(vb).max())
    np.testing.assert_allclose(r.sigma2, case["sigma2"], rtol=1e-6, atol=1e-6)
    assert r.logLik == pytest.approx(case["logLik"], rel=1e-8)
    assert r.logLik >= case["logLik"] - 1e-9


def test_emax_profile_without_enough_effects_says_it_did_not_fit() -> None:
    from painregen.dose.errors import DoseFitError

    with pytest.raises(DoseFitError, match="did not converge at any ED50"):
        emax_profile([1.0], [0.5], [0.1], ["s1"])

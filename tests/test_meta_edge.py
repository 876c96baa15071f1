"""Edge cases of painregen.meta.rma: behave as metafor does or fail with a clear error."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from painregen.meta import ConvergenceError, rma, rma_mv, subgroup

Y = np.array([0.2, 0.5, -0.1, 0.4, 0.9, 0.3])
V = np.array([0.04, 0.09, 0.05, 0.02, 0.12, 0.06])


def test_k1_gives_the_study_itself() -> None:
    with pytest.warns(UserWarning, match="tau2 set to 0"):
        res = rma([0.3], [0.04], method="REML")
    assert res.k == 1 and res.tau2 == 0.0
    assert res.b[0] == pytest.approx(0.3) and res.se[0] == pytest.approx(0.2)
    assert (res.I2, res.H2, res.QE, res.QE_df) == (0.0, 1.0, 0.0, 0)


def test_k2_knha_uses_one_df() -> None:
    res = rma(Y[:2], V[:2], method="DL", test="knha")
    assert res.ddf == 1
    from scipy import stats

    assert res.ci_high[0] - res.b[0] == pytest.approx(stats.t.ppf(0.975, 1) * res.se[0])


def test_equal_variances_dl_equals_he_equals_sample_variance_minus_v() -> None:
    y = np.array([0.1, 0.9, -0.4, 1.2, 0.5])
    v = np.full(5, 0.05)
    expected = np.var(y, ddof=1) - 0.05
    for method in ("DL", "HE"):
        assert rma(y, v, method=method).tau2 == pytest.approx(expected, rel=1e-12)


def test_homogeneous_data_puts_tau2_on_the_boundary() -> None:
    y = np.array([0.30, 0.31, 0.29, 0.30, 0.32])
    v = np.full(5, 0.1)
    for method in ("DL", "REML", "ML", "PM", "EB", "HE", "HS"):
        res = rma(y, v, method=method)
        assert res.tau2 == 0.0, method
        assert res.I2 == 0.0 and res.H2 == 1.0
        ci = res.confint_tau2()
        assert ci.tau2_ci == (0.0, 0.0)


def test_non_convergence_raises_clear_error() -> None:
    with pytest.raises(ConvergenceError, match="did not converge"):
        rma(Y, V, method="REML", control={"maxiter": 1, "tau2_init": 5.0})


@pytest.mark.parametrize("bad", [0.0, -0.01])
def test_non_positive_variances_are_rejected(bad: float) -> None:
    v = V.copy()
    v[2] = bad
    with pytest.raises(ValueError, match="sampling variances must be positive"):
        rma(Y, v)


def test_missing_values_are_dropped_with_a_warning() -> None:
    y = Y.copy()
    y[1] = np.nan
    with pytest.warns(UserWarning, match="1 studies with missing values omitted"):
        res = rma(y, V)
    assert res.k == 5 and res.k_omitted == 1
    assert res.to_dict()["k_omitted"] == 1
    ref = rma(np.delete(Y, 1), np.delete(V, 1))
    assert res.b[0] == pytest.approx(ref.b[0], rel=1e-12)


def test_moderator_with_one_level_is_an_error() -> None:
    with pytest.raises(ValueError, match="single level"):
        rma(Y, V, mods=pd.DataFrame({"route": ["IV"] * 6}))


def test_collinear_moderators_are_dropped_with_a_warning() -> None:
    x = np.arange(6.0)
    with pytest.warns(UserWarning, match="Redundant predictors dropped"):
        res = rma(Y, V, mods=pd.DataFrame({"dose": x, "dose2": 2 * x + 1}))
    assert res.terms == ("intrcpt", "dose")


def test_unknown_method_and_test() -> None:
    with pytest.raises(ValueError, match="unknown method"):
        rma(Y, V, method="XYZ")
    with pytest.raises(ValueError, match="unknown test"):
        rma(Y, V, test="t")
    with pytest.raises(ValueError, match="differ in length"):
        rma(Y, V[:3])


def test_categorical_dummy_names_follow_r() -> None:
    grp = ["N2FIX", "ANGIO", "GYMNO", "N2FIX", "ANGIO", "GYMNO"]
    res = rma(Y, V, mods=pd.DataFrame({"fungrp": grp, "time": np.arange(6.0)}), method="DL")
    assert res.terms == ("intrcpt", "fungrpGYMNO", "fungrpN2FIX", "time")
    res = rma(Y, V, mods=np.column_stack([np.arange(6.0), np.arange(6.0) ** 2]), method="DL")
    assert res.terms == ("intrcpt", "X1", "X2")
    res = rma(Y, V, mods=pd.DataFrame({"g": ["a", "b"] * 3}), intercept=False, method="FE")
    assert res.terms == ("ga", "gb")


def test_subgroup_with_single_study_level() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = subgroup(Y, V, ["a", "a", "a", "b", "b", "c"], test="knha")
    assert [s["k"] for s in res.subgroups()] == [3, 2, 1]
    assert res.fits[2].se[0] == pytest.approx(np.sqrt(V[5]))


def test_rma_mv_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="REML"):
        rma_mv(Y, V, clusters=[np.arange(6)], method="DL")
    with pytest.raises(ValueError, match="same length"):
        rma_mv(Y, V, clusters=[np.arange(5)])


def test_logical_moderator_and_numeric_subgroup_levels_follow_r() -> None:
    res = rma(Y, V, mods=pd.DataFrame({"blinded": [True, False] * 3}), method="DL")
    assert res.terms == ("intrcpt", "blindedTRUE")
    sub = subgroup(Y, V, [10, 2, 10, 2, 1, 1], method="DL")
    assert sub.levels == ("1", "2", "10")

"""The painregen.meta result objects: DESIGN.md JSON keys, repr, summaries, permutation API."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from painregen.meta import (
    bias_report,
    influence,
    leave1out,
    partition_q,
    permutest,
    rma,
    rma_mv,
    robust,
    stratified_partitions,
    subgroup,
)

ALWAYS = {"k", "method", "test", "estimate", "se", "stat", "p", "ci_low", "ci_high", "Q", "Q_df", "Q_p"}
RANDOM = {"tau2", "tau", "I2", "H2", "pi_low", "pi_high", "tau2_ci_low", "tau2_ci_high"}
MODS = {"coefficients", "QM", "QM_df", "QM_ddf", "QM_p", "R2"}

RNG = np.random.default_rng(11)
K = 30
X1 = RNG.normal(size=K)
GRP = np.array(["IT", "IV", "IA"] * 10)
VI = RNG.uniform(0.02, 0.2, K)
YI = 0.5 + 0.3 * X1 + RNG.normal(0, np.sqrt(VI + 0.1))


def dumps(d: dict) -> str:  # type: ignore[type-arg]
    return json.dumps(d, allow_nan=False)


def test_fe_and_re_keys() -> None:
    fe = rma(YI, VI, method="FE").to_dict()
    assert set(fe) == ALWAYS
    re = rma(YI, VI, method="REML").to_dict()
    assert set(re) == ALWAYS | RANDOM
    assert re["tau"] == pytest.approx(np.sqrt(re["tau2"]))
    assert re["tau2_ci_low"] <= re["tau2"] <= re["tau2_ci_high"]
    assert re["pi_low"] < re["ci_low"] < re["estimate"] < re["ci_high"] < re["pi_high"]
    dumps(re)


def test_mods_keys_and_coefficient_table() -> None:
    res = rma(YI, VI, mods=pd.DataFrame({"x": X1, "route": GRP}), test="knha")
    d = res.to_dict()
    assert set(d) == ALWAYS | RANDOM | MODS
    assert [c["term"] for c in d["coefficients"]] == ["intrcpt", "x", "routeIT", "routeIV"]
    assert set(d["coefficients"][0]) == {"term", "estimate", "se", "stat", "p", "ci_low", "ci_high"}
    assert (d["QM_df"], d["QM_ddf"]) == (3, K - 4)
    assert d["pi_low"] is None
    dumps(d)
    frame = res.summary()
    assert list(frame.index) == ["intrcpt", "x", "routeIT", "routeIV"]
    assert "tval" in frame.columns
    text = repr(res)
    assert "k=30" in text and "method=REML" in text
    assert "<table" in res._repr_html_()


def test_subgroup_keys_and_partition() -> None:
    res = subgroup(YI, VI, GRP, method="DL")
    d = res.to_dict()
    assert {"subgroups", "Q_between", "Q_between_df", "Q_between_p"} <= set(d)
    assert set(d) >= ALWAYS
    assert [s["level"] for s in d["subgroups"]] == ["IA", "IT", "IV"]
    assert set(d["subgroups"][0]) == {"level", "k", "estimate", "se", "ci_low", "ci_high", "tau2", "I2", "Q"}
    assert d["Q_between_df"] == 2
    assert "k=30" in repr(res)
    dumps(d)
    part = partition_q(YI, VI, GRP)
    assert part.Q_between + sum(part.Q_within.values()) == pytest.approx(part.Q_total)


def test_bonferroni_across_stratifications() -> None:
    strata = {"route": GRP, "half": np.repeat(["a", "b"], 15), "x_pos": (X1 > 0).astype(str)}
    table = stratified_partitions(YI, VI, strata, alpha=0.05)
    for name in strata:
        p = partition_q(YI, VI, strata[name]).p
        assert table.loc[name, "p_bonferroni"] == pytest.approx(min(1.0, 3 * p))
        assert table.loc[name, "significant"] == (p < 0.05 / 3)


def test_rma_mv_keys() -> None:
    study = np.repeat(np.arange(10), 3)
    res = rma_mv(YI, VI, clusters=[study, np.arange(K)])
    d = res.to_dict()
    assert set(d) >= ALWAYS and len(d["sigma2"]) == 2
    assert d["n_levels"] == [10, 30]
    assert "sigma2" in repr(res) and "k=30" in repr(res)
    dumps(d)
    r = robust(res, study, clubsandwich=True)
    assert r.kind == "CR2" and r.n_clusters == 10
    dumps(r.to_dict())


def test_bias_report_keys() -> None:
    d = bias_report(YI, VI).to_dict()
    assert set(d["egger"]) == {"stat", "p", "limit_estimate", "predictor", "ddf", "limit_ci_low", "limit_ci_high"}
    assert set(d["rank"]) == {"tau", "p"}
    assert set(d["trimfill"]) == {"k0", "side", "estimate", "se", "ci_low", "ci_high"}
    assert isinstance(d["failsafe_n"], int)
    dumps(d)


def test_influence_and_leave1out_objects() -> None:
    res = rma(YI, VI)
    l1 = leave1out(res)
    assert len(l1.table) == K
    ref = rma(np.delete(YI, 3), np.delete(VI, 3))
    assert l1.table["estimate"][3] == pytest.approx(ref.b[0], rel=1e-9)
    inf = influence(res)
    assert inf.table["hat"].sum() == pytest.approx(1.0)
    assert inf.table["weight"].sum() == pytest.approx(100.0)
    dumps(inf.to_dict())


def test_permutest_random_is_seedable_and_exact_when_small() -> None:
    res = rma(YI, VI, mods=X1)
    a = permutest(res, iterations=200, seed=5)
    b = permutest(res, iterations=200, seed=5)
    assert not a.exact and a.iterations == 200
    np.testing.assert_array_equal(a.pval, b.pval)
    np.testing.assert_allclose(a.stat_perm[0], res.stat, rtol=1e-10)  # the first "permutation" is the data
    assert a.pval[1] == pytest.approx(np.mean(np.abs(a.stat_perm[:, 1]) >= np.abs(res.stat[1]) - 1e-8))
    assert a.QM_p == pytest.approx(np.mean(a.QM_perm >= res.QM - 1e-8))
    small = rma(YI[:6], VI[:6], mods=X1[:6], method="DL")
    ex = permutest(small, iterations=1000)
    assert ex.exact and ex.iterations == 720
    counts = np.mean(np.abs(ex.stat_perm[:, 1]) >= np.abs(small.stat[1]) - 1e-8)
    assert ex.pval[1] == pytest.approx(counts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dumps(ex.to_dict())

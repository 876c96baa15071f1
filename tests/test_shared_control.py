"""Comparisons sharing a control group: covariance formulas (Monte Carlo), rma_mv with known V blocks (direct
dense computation), dataset_effects(shared=...), and collapsing timepoints (hand-computed values, CLI)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import minimize
from typer.testing import CliRunner

from painregen.cli.main import app
from painregen.effects.continuous import md, rom, rom_bias_corrected
from painregen.effects.covariance import shared_covariance
from painregen.effects.nmd import nmd_delta
from painregen.effects.smd import smd_hedges, smdh
from painregen.effects.table import dataset_effects
from painregen.evidence import models as m
from painregen.meta import rma_mv

# ---------------------------------------------------------------- Monte Carlo check of the covariance formulas
# Two treated groups (t1, t2) and one control (c) (and a sham s for NMD), normal data. Each replicate draws every
# group's sufficient statistics exactly (mean ~ N(mu, sigma^2/n), SD = sigma sqrt(chi2_{n-1}/(n-1))), computes
# the two effects with painregen's formula functions and the Monte Carlo covariance over R replicates.
# Its standard error is SE = sd((y1 - mean y1)(y2 - mean y2)) / sqrt(R), estimated from the same draws.
# The formulas are first-order (large-sample), as each measure's own vi is; their error is O(1/n^2), so groups of
# 1500-2500 animals make it negligible (< 0.3 SE, checked with several seeds while writing this test; MD is exact
# at any n and uses small groups). Tolerance: |MC - formula| < 4 SE (a correct formula fails with p < 1e-4; the
# seed is fixed, so the test is deterministic).
R_MC = 600_000
Z_TOL = 4.0

Group = tuple[float, float, int]  # mean, sigma, n


def _draw(rng: np.random.Generator, g: Group) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    mu, sigma, n = g
    return (rng.normal(mu, sigma / np.sqrt(n), R_MC), sigma * np.sqrt(rng.chisquare(n - 1, R_MC) / (n - 1)),
            np.full(R_MC, float(n)))


def _mc_cov(effect: Callable[..., np.ndarray], groups: dict[str, Group], seed: int) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    d = {k: _draw(rng, g) for k, g in groups.items()}
    y1, y2 = (effect(d[t], d["c"], d.get("s")) for t in ("t1", "t2"))
    prod = (y1 - y1.mean()) * (y2 - y2.mean())
    return float(prod.sum() / (R_MC - 1)), float(prod.std() / np.sqrt(R_MC))


def _population(groups: dict[str, Group]) -> dict[str, np.ndarray]:
    t = [groups["t1"], groups["t2"]]
    c = groups["c"]
    out = {"m1i": np.array([g[0] for g in t]), "sd1i": np.array([g[1] for g in t]),
           "n1i": np.array([float(g[2]) for g in t]), "m2i": np.full(2, c[0]), "sd2i": np.full(2, c[1]),
           "n2i": np.full(2, float(c[2]))}
    if "s" in groups:
        s = groups["s"]
        out |= {"msham": np.full(2, s[0]), "sdsham": np.full(2, s[1]), "nsham": np.full(2, float(s[2]))}
    return out


def _formula(measure: str, groups: dict[str, Group], yi: np.ndarray, **kw: str) -> float:
    same = np.ones((2, 2), dtype=bool)
    return float(shared_covariance(measure, _population(groups), yi, same, same, **kw)[0, 1])  # type: ignore[arg-type]


BIG = {"t1": (14.0, 3.0, 1500), "t2": (12.5, 3.0, 2500), "c": (8.0, 3.0, 2000)}
DELTA = np.array([(14.0 - 8.0) / 3.0, (12.5 - 8.0) / 3.0])  # population SMDs


def _md(t, c, s):  # type: ignore[no-untyped-def]
    return md(*t, *c)[0]


def _rom(t, c, s):  # type: ignore[no-untyped-def]
    return rom(*t, *c)[0]


def _rom_bc(t, c, s):  # type: ignore[no-untyped-def]
    return rom_bias_corrected(*t, *c)[0]


def _smd(t, c, s):  # type: ignore[no-untyped-def]
    return smd_hedges(*t, *c)[0]


def _smdh(t, c, s):  # type: ignore[no-untyped-def]
    return smdh(*t, *c)[0]


def _nmd_delta(t, c, s):  # type: ignore[no-untyped-def]
    return nmd_delta(*t, *c, *s)[0]


def test_md_covariance_is_control_variance() -> None:
    groups = {"t1": (14.0, 3.0, 8), "t2": (12.5, 2.0, 10), "c": (8.0, 3.0, 6)}
    mc, se = _mc_cov(_md, groups, seed=11)
    f = _formula("MD", groups, np.zeros(2))
    assert f == pytest.approx(9.0 / 6)
    assert abs(mc - f) < Z_TOL * se


@pytest.mark.parametrize("variant,effect,n,seed", [(None, _rom, 100, 12), ("bias_corrected", _rom_bc, 1, 13)])
def test_rom_covariance_monte_carlo(variant: str | None, effect: Callable[..., np.ndarray], n: int,
                                    seed: int) -> None:
    # The plain log ratio's covariance Var(log m_c) = c_c + 2.5 c_c^2 + ...: its first-order formula c_c is 2%
    # low with 20 control animals, so it is checked with 100x larger groups; the bias-corrected form carries
    # Lajeunesse's second-order term and is checked with small groups.
    groups = {"t1": (14.0, 3.0, 15 * n), "t2": (12.5, 3.0, 25 * n), "c": (8.0, 3.0, 20 * n)}
    mc, se = _mc_cov(effect, groups, seed)
    cc = 9.0 / (20 * n * 64.0)
    f = _formula("ROM", groups, np.zeros(2), **({"variant": variant} if variant else {}))
    assert f == pytest.approx(cc + (cc**2 / 2 if variant else 0.0), rel=1e-12)
    assert abs(mc - f) < Z_TOL * se


def test_smd_covariance_monte_carlo_and_gleser_olkin_differs() -> None:
    mc, se = _mc_cov(_smd, BIG, seed=14)
    f = _formula("SMD", BIG, DELTA)
    assert f == pytest.approx(1 / 2000 + DELTA[0] * DELTA[1] * 2000 / (2 * 3500 * 4500), rel=1e-12)
    assert abs(mc - f) < Z_TOL * se
    # Gleser & Olkin's form assumes one SD pooled over all three groups; for painregen's pairwise-pooled SMDs it
    # is clearly wrong, so the Monte Carlo comparison above can fail.
    go = _formula("SMD", BIG, DELTA, smd_form="gleser_olkin")
    assert go == pytest.approx(1 / 2000 + DELTA[0] * DELTA[1] / (2 * 6000), rel=1e-12)
    assert abs(mc - go) > 10 * se


def test_gleser_olkin_covariance_for_all_group_pooled_sd() -> None:
    def all_pooled(t, c, s):  # type: ignore[no-untyped-def]
        return (t[0] - c[0]) / sp

    rng = np.random.default_rng(15)
    d = {k: _draw(rng, g) for k, g in BIG.items()}
    sp = np.sqrt(sum((BIG[k][2] - 1) * d[k][1] ** 2 for k in d) / (sum(g[2] for g in BIG.values()) - 3))
    y1, y2 = all_pooled(d["t1"], d["c"], None), all_pooled(d["t2"], d["c"], None)
    prod = (y1 - y1.mean()) * (y2 - y2.mean())
    mc, se = prod.sum() / (R_MC - 1), prod.std() / np.sqrt(R_MC)
    assert abs(mc - _formula("SMD", BIG, DELTA, smd_form="gleser_olkin")) < Z_TOL * se


def test_smdh_covariance_monte_carlo() -> None:
    groups = {"t1": (14.0, 4.0, 1500), "t2": (12.5, 2.5, 2500), "c": (8.0, 3.0, 2000)}
    mc, se = _mc_cov(_smdh, groups, seed=16)
    pop = _population(groups)
    yi = smdh(*(pop[k] for k in ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")))[0]
    assert abs(mc - _formula("SMDH", groups, yi)) < Z_TOL * se


def test_nmd_delta_covariance_monte_carlo() -> None:
    groups = {"t1": (14.0, 3.0, 1500), "t2": (12.5, 3.0, 2500), "c": (8.0, 3.0, 2000), "s": (18.0, 2.5, 1200)}
    mc, se = _mc_cov(_nmd_delta, groups, seed=17)
    d = 10.0  # deficit msham - mc
    expected = 1e4 / d**4 * ((14 - 18) * (12.5 - 18) * 9 / 2000 + (14 - 8) * (12.5 - 8) * 6.25 / 1200)
    f = _formula("NMD", groups, np.zeros(2), variant="delta")
    assert f == pytest.approx(expected, rel=1e-12)
    assert abs(mc - f) < Z_TOL * se


def test_nmd_vesterinen_covariance_is_control_term() -> None:
    # Vesterinen's variance holds the deficit D fixed; its control term gives the covariance (stated, not simulated:
    # with D fixed, y_i = 100 (m_1i - m_c)/D and the covariance is exactly 100^2 sd_c^2/(n_c D^2)).
    groups = {"t1": (14.0, 3.0, 8), "t2": (12.5, 3.0, 9), "c": (8.0, 3.0, 10), "s": (18.0, 2.5, 6)}
    assert _formula("NMD", groups, np.zeros(2)) == pytest.approx(1e4 * 9 / 10 / 100, rel=1e-12)


# ---------------------------------------------------------------- rma_mv with V blocks vs dense algebra
def _random_problem(seed: int) -> tuple[np.ndarray, np.ndarray, list[np.ndarray], list[tuple[np.ndarray, np.ndarray]]]:
    rng = np.random.default_rng(seed)
    study, exp, blocks = [], [], []
    row = 0
    for s in range(18):
        for e in range(int(rng.integers(1, 3))):
            k = int(rng.integers(1, 5))
            if k >= 2:
                a = rng.normal(size=(k, k)) * 0.1
                mat = a @ a.T + np.diag(rng.uniform(0.05, 0.2, k))
                blocks.append((np.arange(row, row + k), mat))
            study += [s] * k
            exp += [f"{s}-{e}"] * k
            row += k
    k_all = row
    vi = rng.uniform(0.05, 0.25, k_all)
    for rows, mat in blocks:
        vi[rows] = np.diag(mat)
    yi = 0.5 + rng.normal(0, 0.4, 18)[np.array(study)] + rng.normal(0, 0.3, k_all)
    return yi, vi, [np.array(study), np.array(exp)], blocks


def _dense_reml(yi: np.ndarray, V: np.ndarray, X: np.ndarray, codes: list[np.ndarray],
                sigma2: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    M = V + sum(s * (c[:, None] == c[None, :]) for s, c in zip(sigma2, codes, strict=True))
    Mi = np.linalg.inv(M)
    A = X.T @ Mi @ X
    vb = np.linalg.inv(A)
    b = vb @ X.T @ Mi @ yi
    r = yi - X @ b
    k, p = X.shape
    ll = -0.5 * ((k - p) * np.log(2 * np.pi) + np.linalg.slogdet(M)[1] + np.linalg.slogdet(A)[1] + r @ Mi @ r) \
        + 0.5 * np.linalg.slogdet(X.T @ X)[1]
    return float(ll), b, vb


def test_rma_mv_v_blocks_match_dense_reml() -> None:
    yi, vi, clusters, blocks = _random_problem(3)
    res = rma_mv(yi, vi, clusters=clusters, V=blocks)
    V = np.diag(vi)
    for rows, mat in blocks:
        V[np.ix_(rows, rows)] = mat
    X = np.ones((yi.size, 1))
    ll, b, vb = _dense_reml(yi, V, X, list(res.codes), res.sigma2)
    assert res.logLik == pytest.approx(ll, rel=1e-10)
    np.testing.assert_allclose(res.b, b, rtol=1e-10)
    np.testing.assert_allclose(res.vb, vb, rtol=1e-10)
    # the dense likelihood, maximised by a general-purpose optimiser from elsewhere, is no higher
    opt = minimize(lambda s: -_dense_reml(yi, V, X, list(res.codes), s)[0], x0=np.array([0.5, 0.5]),
                   method="L-BFGS-B", bounds=[(0, None), (0, None)], options={"ftol": 1e-15, "gtol": 1e-10})
    assert -opt.fun <= res.logLik + 1e-9
    np.testing.assert_allclose(opt.x, res.sigma2, rtol=1e-3)
    # QE uses V^-1 (GLS)
    Vi = np.linalg.inv(V)
    bf = np.linalg.solve(X.T @ Vi @ X, X.T @ Vi @ yi)
    np.testing.assert_allclose(res.QE, float((yi - X @ bf) @ Vi @ (yi - X @ bf)), rtol=1e-10)
    assert res.marginal_cov(np.arange(yi.size)) == pytest.approx(
        V + sum(s * (c[:, None] == c[None, :]) for s, c in zip(res.sigma2, res.codes, strict=True)))


def test_rma_mv_without_covariances_is_unchanged() -> None:
    yi, vi, clusters, blocks = _random_problem(4)
    plain = rma_mv(yi, vi, clusters=clusters)
    diag_blocks = [(rows, np.diag(np.diag(mat))) for rows, mat in blocks]
    for other in (rma_mv(yi, vi, clusters=clusters, V=[]), rma_mv(yi, vi, clusters=clusters, V=diag_blocks)):
        np.testing.assert_allclose(other.sigma2, plain.sigma2, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(other.b, plain.b, rtol=1e-10)
        np.testing.assert_allclose(other.QE, plain.QE, rtol=1e-10)


def test_rma_mv_drops_missing_rows_from_blocks() -> None:
    yi, vi, clusters, blocks = _random_problem(5)
    rows = next(b[0] for b in blocks if b[0].size >= 3)
    drop = int(rows[1])
    y_nan = yi.copy()
    y_nan[drop] = np.nan
    with pytest.warns(UserWarning, match="omitted"):
        res = rma_mv(y_nan, vi, clusters=clusters, V=blocks)
    keep = np.arange(yi.size) != drop
    new = np.cumsum(keep) - 1
    reduced = []
    for r, mtx in blocks:
        sel = r != drop
        reduced.append((new[r[sel]], mtx[np.ix_(sel, sel)]))
    ref = rma_mv(yi[keep], vi[keep], clusters=[c[keep] for c in clusters], V=reduced)
    np.testing.assert_allclose(res.sigma2, ref.sigma2, rtol=1e-10)
    assert res.logLik == pytest.approx(ref.logLik, rel=1e-12)
    assert res.k_omitted == 1


@pytest.mark.parametrize("change,message", [
    (lambda b, vi: [(np.array([0, 1, 2, 3, 4, 5, 6, 7, 8]), np.eye(9))], "several outermost clusters"),
    (lambda b, vi: [(b[0][0], b[0][1] * 1.1), *b[1:]], "diagonal differs from vi"),
    (lambda b, vi: [*b, (b[0][0][:1], b[0][1][:1, :1])], "in another block"),
    (lambda b, vi: [(b[0][0], b[0][1] + np.triu(np.full(b[0][1].shape, 0.01), 1)), *b[1:]], "not symmetric"),
    (lambda b, vi: [(b[0][0][:2], np.array([[vi[b[0][0][0]], 1.0], [1.0, vi[b[0][0][1]]]])), *b[1:]],
     "not positive definite"),
    (lambda b, vi: [(np.array([0.0, 1.0]), np.eye(2))], "integer row indices"),
    (lambda b, vi: [(np.array([10_000, 10_001]), np.eye(2))], "distinct and in"),
])
def test_rma_mv_rejects_bad_v(change: Callable[..., list[tuple[np.ndarray, np.ndarray]]], message: str) -> None:
    yi, vi, clusters, blocks = _random_problem(6)
    with pytest.raises(ValueError, match=message):
        rma_mv(yi, vi, clusters=clusters, V=change(blocks, vi))


# ---------------------------------------------------------------- dataset_effects: shared controls, collapsing
DAYS = (7.0, 14.0, 28.0)
# cohort -> (means by day, SDs by day, n)
VALUES = {
    "Veh": ((4.0, 5.0, 6.0), (1.0, 1.2, 1.5), 10),
    "Low": ((6.0, 8.0, 9.0), (1.0, 1.0, 1.0), 8),  # MD 2, 3, 3: peak at day 14 (tie -> earliest)
    "High": ((7.0, 9.0, 12.0), (2.0, 2.0, 2.0), 9),  # MD 3, 4, 6: peak at day 28
    "Sham": ((15.0, 15.0, 15.0), (1.0, 1.0, 1.0), 6),
}


def _dataset(greater_is_better: bool = True) -> m.Dataset:
    role = {"Veh": m.Role.control, "Low": m.Role.treated, "High": m.Role.treated, "Sham": m.Role.sham}
    sign = 1.0 if greater_is_better else -1.0
    obs = [m.Observation(cohort_id=c, outcome_id="PWT", time_days=t, average=sign * mean[i], error=sd[i],
                         error_type=m.ErrorType.SD, n=n)
           for c, (mean, sd, n) in VALUES.items() for i, t in enumerate(DAYS)]
    e1 = m.Experiment(experiment_id="E1", cohorts=[m.Cohort(cohort_id=c, role=r) for c, r in role.items()],
                      outcomes=[m.OutcomeMeasure(outcome_id="PWT", greater_is_better=greater_is_better)],
                      observations=obs)
    e2 = m.Experiment(  # one treated cohort at a single timepoint: no area under the curve
        experiment_id="E2", cohorts=[m.Cohort(cohort_id="V2", role=m.Role.control),
                                     m.Cohort(cohort_id="T2", role=m.Role.treated)],
        outcomes=[m.OutcomeMeasure(outcome_id="PWT", greater_is_better=greater_is_better)],
        observations=[m.Observation(cohort_id="V2", outcome_id="PWT", time_days=7, average=sign * 4.0, error=1.0,
                                    error_type=m.ErrorType.SD, n=10),
                      m.Observation(cohort_id="T2", outcome_id="PWT", time_days=7, average=sign * 5.5, error=1.0,
                                    error_type=m.ErrorType.SD, n=10)])
    return m.Dataset(studies=[m.Study(study_id="S1", title="hand-built", experiments=[e1, e2])])


def _var(c: str, i: int) -> float:
    _, sd, n = VALUES[c]
    return sd[i] ** 2 / n


def test_default_split_is_unchanged() -> None:
    t = dataset_effects(_dataset(), "MD")
    assert t.vcov_blocks == []
    low7 = t.rows[0]
    assert (low7["cohort"], low7["time"], low7["n2i"], low7["k_shared"]) == ("Low", 7.0, 5.0, 2)
    assert low7["vi"] == pytest.approx(1 / 8 + 1 / 5)
    assert "collapse" not in t.columns


def test_covariance_rule_md_blocks_by_hand() -> None:
    t = dataset_effects(_dataset(), "MD", shared="covariance")
    assert [r["n2i"] for r in t.rows[:6]] == [10.0] * 6 and t.rows[0]["k_shared"] == 2
    assert t.rows[0]["vi"] == pytest.approx(_var("Low", 0) + _var("Veh", 0))
    assert len(t.vcov_blocks) == 3  # one per day in E1; E2 has a single comparison
    for i, (rows, mat) in enumerate(t.vcov_blocks):
        cohorts = [t.rows[r]["cohort"] for r in rows]
        assert cohorts == ["Low", "High"] and {t.rows[r]["time"] for r in rows} == {DAYS[i]}
        expected = np.array([[_var("Low", i) + _var("Veh", i), _var("Veh", i)],
                             [_var("Veh", i), _var("High", i) + _var("Veh", i)]])
        np.testing.assert_allclose(mat, expected, rtol=1e-12)


@pytest.mark.parametrize("measure", ["SMD", "MD", "ROM", "SMDH"])
def test_covariance_does_not_depend_on_scale_direction(measure: str) -> None:
    if measure == "ROM":  # ratio measures need positive means: compare with the hand formula instead
        t = dataset_effects(_dataset(), measure, shared="covariance")
        rows, mat = t.vcov_blocks[1]
        assert mat[0, 1] == pytest.approx(1.2**2 / (10 * 5.0**2), rel=1e-12)
        return
    up = dataset_effects(_dataset(True), measure, shared="covariance")
    down = dataset_effects(_dataset(False), measure, shared="covariance")
    assert [r["yi"] for r in up.rows] == pytest.approx([r["yi"] for r in down.rows], rel=1e-12)
    for (r1, m1), (r2, m2) in zip(up.vcov_blocks, down.vcov_blocks, strict=True):
        assert r1.tolist() == r2.tolist()
        np.testing.assert_allclose(m1, m2, rtol=1e-12)
    if measure == "SMD":
        rows, mat = up.vcov_blocks[2]
        g = [up.rows[r]["yi"] for r in rows]
        assert mat[0, 1] == pytest.approx(1 / 10 + g[0] * g[1] * 10 / (2 * 18 * 19), rel=1e-12)
        assert mat[0, 0] == pytest.approx(up.rows[rows[0]]["vi"], rel=1e-15)


@pytest.mark.parametrize("variant", [None, "delta"])
def test_nmd_blocks_by_hand(variant: str | None) -> None:
    t = dataset_effects(_dataset(), "NMD", shared="covariance", variant=variant)
    rows, mat = t.vcov_blocks[0]  # day 7: control 4 (SD 1, n 10), sham 15 (SD 1, n 6), deficit 11
    d = 11.0
    if variant is None:
        expected = 1e4 * (1 / 10) / d**2
    else:
        expected = 1e4 / d**4 * ((6 - 15) * (7 - 15) * 1 / 10 + (6 - 4) * (7 - 4) * 1 / 6)
    assert mat[0, 1] == pytest.approx(expected, rel=1e-12)
    assert mat[0, 0] == pytest.approx(t.rows[rows[0]]["vi"], rel=1e-15)


def test_covariance_table_feeds_rma_mv() -> None:
    t = dataset_effects(_dataset(), "SMD", shared="covariance")
    yi = np.array([r["yi"] for r in t.rows])
    vi = np.array([r["vi"] for r in t.rows])
    res = rma_mv(yi, vi, clusters=[np.array([r["experiment"] for r in t.rows]), np.arange(yi.size)],
                 V=t.vcov_blocks)
    assert len(res.vcov_blocks) == 3 and res.k == yi.size
    rows, mat = t.vcov_blocks[0]  # Low and High at day 7
    assert res.marginal_cov(rows)[0, 1] == pytest.approx(mat[0, 1] + res.sigma2[0], rel=1e-12)
    assert res.marginal_cov(np.array([0, 1]))[0, 1] == pytest.approx(res.sigma2[0], rel=1e-12)  # Low, days 7/14


def test_collapse_last_peak_auc_by_hand() -> None:
    w = np.array([3.5, 10.5, 7.0])  # trapezoid weights for days 7, 14, 28
    low, high = np.array([2.0, 3.0, 3.0]), np.array([3.0, 4.0, 6.0])
    v_low = np.array([_var("Low", i) + _var("Veh", i) / 0.5 for i in range(3)])  # split rule: control n/2
    v_high = np.array([_var("High", i) + _var("Veh", i) / 0.5 for i in range(3)])
    last = dataset_effects(_dataset(), "MD", collapse="last")
    assert [(r["cohort"], r["time"], r["yi"], r["n_timepoints"]) for r in last.rows] == [
        ("Low", 28.0, 3.0, 3), ("High", 28.0, 6.0, 3), ("T2", 7.0, 1.5, 1)]
    assert last.rows[0]["vi"] == pytest.approx(v_low[2]) and last.rows[0]["m1i"] == 9.0
    assert last.columns[last.columns.index("vi") + 1:][:2] == ["collapse", "n_timepoints"]
    peak = dataset_effects(_dataset(), "MD", collapse="peak")
    assert [(r["time"], r["yi"]) for r in peak.rows[:2]] == [(14.0, 3.0), (28.0, 6.0)]
    assert peak.rows[0]["vi"] == pytest.approx(v_low[1])
    auc = dataset_effects(_dataset(), "MD", collapse="auc")
    assert [r["time"] for r in auc.rows] == ["auc"] * 3
    assert float(w @ low) == 59.5 and float(w @ high) == 94.5
    assert auc.rows[0]["yi"] == pytest.approx(59.5, rel=1e-15) and auc.rows[1]["yi"] == pytest.approx(94.5, rel=1e-15)
    assert auc.rows[0]["vi"] == pytest.approx(float(w**2 @ v_low))
    assert auc.rows[1]["vi"] == pytest.approx(float(w**2 @ v_high))
    assert auc.rows[0]["m1i"] is None and auc.rows[2]["yi"] is None
    assert any("T2" in x and "two timepoints" in x for x in auc.warnings)
    syrf = dataset_effects(_dataset(), "MD", syrf=True, collapse="last")
    assert syrf.rows[0]["time"] == 28 * 1440


def test_collapse_with_covariance_blocks_by_hand() -> None:
    w = np.array([3.5, 10.5, 7.0])
    cov_t = np.array([_var("Veh", i) for i in range(3)])  # full-n control variance per day
    auc = dataset_effects(_dataset(), "MD", shared="covariance", collapse="auc")
    [(rows, mat)] = auc.vcov_blocks
    assert rows.tolist() == [0, 1]
    assert mat[0, 1] == pytest.approx(float(w**2 @ cov_t), rel=1e-12)
    assert mat[0, 0] == pytest.approx(auc.rows[0]["vi"], rel=1e-15)
    last = dataset_effects(_dataset(), "MD", shared="covariance", collapse="last")
    assert last.vcov_blocks[0].matrix[0, 1] == pytest.approx(cov_t[2], rel=1e-12)
    peak = dataset_effects(_dataset(), "MD", shared="covariance", collapse="peak")  # days 14 vs 28: independent
    assert peak.vcov_blocks == []


runner = CliRunner()


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_cli_collapse(tmp_path: Path) -> None:
    f = tmp_path / "ds.json"
    f.write_text(_dataset().model_dump_json())
    every = runner.invoke(app, ["effects", str(f), "--measure", "MD"])
    assert every.exit_code == 0, every.output
    assert len(_rows(every.stdout)) == 7 and "collapse" not in _rows(every.stdout)[0]
    res = runner.invoke(app, ["effects", str(f), "--measure", "MD", "--collapse", "auc"])
    assert res.exit_code == 0, res.output
    rows = _rows(res.stdout)
    assert [(r["cohort"], r["time"], r["collapse"], r["n_timepoints"]) for r in rows] == [
        ("Low", "auc", "auc", "3"), ("High", "auc", "auc", "3"), ("T2", "auc", "auc", "1")]
    assert float(rows[0]["yi"]) == pytest.approx(59.5) and rows[2]["yi"] == ""
    assert runner.invoke(app, ["effects", str(f), "--measure", "MD", "--collapse", "mean"]).exit_code == 2
    mf = tmp_path / "m.csv"
    mf.write_text("m1i,sd1i,n1i,m2i,sd2i,n2i\n5,1,8,4,1,8\n")
    assert runner.invoke(app, ["effects", str(mf), "--measure", "MD", "--collapse", "last"]).exit_code == 2

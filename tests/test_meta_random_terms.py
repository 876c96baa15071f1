"""rma_mv with general random terms (issue 12 item 14) from first principles: the likelihood written out densely
from the model's definition, the maximum checked against a brute-force search on random small datasets (crossed
intercepts; compound symmetry), equivalences between structures, and metafor's containment df by hand."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import optimize

from dense_lik import dense_ll
from painregen.meta import ConvergenceError, rma_mv
from painregen.meta.mv_struct import make_structure
from painregen.meta.random_terms import build_terms, contain_dfs


def same(labels: np.ndarray) -> np.ndarray:
    return (labels[:, None] == labels[None, :]).astype(float)


def best_of(f, grid: list[np.ndarray], bounds: list[tuple[float, float]]) -> float:
    vals = np.array([f(g) for g in grid])
    best = float(np.max(vals))
    for i in np.argsort(-vals)[:3]:
        res = optimize.minimize(lambda t: -f(t), grid[i], method="L-BFGS-B", bounds=bounds)
        best = max(best, -float(res.fun))
    return best


@st.composite
def crossed(draw: st.DrawFn) -> dict:
    n_a, n_b = draw(st.integers(2, 6)), draw(st.integers(2, 4))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    cells = [(a, b) for a in range(n_a) for b in range(n_b) if rng.random() < 0.7]
    if len(cells) < 4:
        cells = [(a, b) for a in range(n_a) for b in range(n_b)]
    a, b = np.array(cells).T
    v = rng.uniform(0.02, 0.3, a.size)
    sa, sb = draw(st.sampled_from([0.0, 0.3, 0.8])), draw(st.sampled_from([0.0, 0.3]))
    y = 0.4 + sa * rng.normal(size=n_a)[a] + sb * rng.normal(size=n_b)[b] + rng.normal(size=a.size) * np.sqrt(v)
    return {"y": y, "v": v, "a": a.astype(str), "b": b.astype(str), "method": draw(st.sampled_from(["REML", "ML"]))}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(crossed())
def test_crossed_intercepts_reach_the_maximum(d: dict) -> None:
    y, v = d["y"], d["v"]
    data = pd.DataFrame({"a": d["a"], "b": d["b"]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = rma_mv(y, v, random=["~ 1 | a", "~ 1 | b"], data=data, method=d["method"])
        except ConvergenceError as exc:
            assert "did not converge" in str(exc)
            return
    X = np.ones((y.size, 1))
    Ga, Gb = same(d["a"]), same(d["b"])
    reml = d["method"] == "REML"

    def f(s: np.ndarray) -> float:
        return dense_ll(y, v, X, s[0] * Ga + s[1] * Gb, reml)

    assert res.logLik == pytest.approx(f(res.sigma2), rel=1e-9, abs=1e-9)
    top = 10 * (float(np.var(y)) + float(np.max(v)))
    axis = np.r_[0.0, top * np.geomspace(1e-4, 1.0, 12)]
    grid = [np.array([p, q]) for p in axis for q in axis]
    assert res.logLik >= best_of(f, grid, [(0.0, 100 * top)] * 2) - 1e-7 * max(1.0, abs(res.logLik))


@st.composite
def cs_data(draw: st.DrawFn) -> dict:
    n = draw(st.integers(4, 12))
    q = draw(st.integers(2, 3))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    rows = [(c, j) for c in range(n) for j in range(q) if rng.random() < 0.8]
    cohort, inner = np.array(rows).T
    v = rng.uniform(0.02, 0.3, cohort.size)
    rho = draw(st.sampled_from([-0.3, 0.0, 0.6, 0.95]))
    tau2 = draw(st.sampled_from([0.0, 0.1, 0.5]))
    S = tau2 * ((1 - rho) * np.eye(q) + rho * np.ones((q, q)))
    u = rng.multivariate_normal(np.zeros(q), S + 1e-12 * np.eye(q), size=n)
    y = 0.5 + u[cohort, inner] + rng.normal(size=cohort.size) * np.sqrt(v)
    return {"y": y, "v": v, "cohort": cohort.astype(str), "inner": inner.astype(str), "q": q}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cs_data())
def test_compound_symmetry_reaches_the_maximum(d: dict) -> None:
    y, v, q = d["y"], d["v"], d["q"]
    data = pd.DataFrame({"cohort": d["cohort"], "inner": d["inner"]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = rma_mv(y, v, random="~ inner | cohort", struct="CS", data=data)
        except ConvergenceError as exc:
            assert "did not converge" in str(exc)
            return
    X = np.ones((y.size, 1))
    So, Si = same(d["cohort"]), same(d["inner"])

    def f(t: np.ndarray) -> float:
        try:
            return dense_ll(y, v, X, So * t[0] * (Si + t[1] * (1 - Si)), True)
        except np.linalg.LinAlgError:
            return -1e300

    assert -1 / (q - 1) <= res.rho[0] <= 1 and res.tau2[0] >= 0  # Sigma positive semi-definite
    assert res.logLik == pytest.approx(f(np.r_[res.tau2, res.rho]), rel=1e-9, abs=1e-9)
    top = 10 * (float(np.var(y)) + float(np.max(v)))
    grid = [np.array([t, r]) for t in np.r_[0.0, top * np.geomspace(1e-4, 1.0, 10)]
            for r in np.linspace(-1 / (q - 1), 1, 9)]
    assert res.logLik >= best_of(f, grid, [(0.0, 100 * top), (-1 / (q - 1), 1.0)]) - 1e-7 * max(1.0, abs(res.logLik))


def _outcomes(seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(25):
        u = rng.multivariate_normal([0, 0, 0], [[0.3, 0.1, 0.05], [0.1, 0.2, 0.08], [0.05, 0.08, 0.25]])
        for j, o in enumerate(["a", "b", "c"]):
            if rng.random() < 0.85:
                vi = rng.uniform(0.05, 0.2)
                rows.append((f"c{c}", o, 0.5 + u[j] + rng.normal(0, np.sqrt(vi)), vi))
    return pd.DataFrame(rows, columns=["cohort", "outcome", "yi", "vi"])


def test_structures_nest_as_they_should() -> None:
    """ID and DIAG equal CS and HCS with rho = 0 at their optimum only when that is the optimum; here the
    nesting of the likelihoods is checked: UN >= HCS >= CS >= ID and HCS >= DIAG >= ID, and the marginal covariance
    the result reports reproduces logLik."""
    d = _outcomes()
    fits = {s: rma_mv(d["yi"], d["vi"], random="~ outcome | cohort", struct=s, data=d, mods="~ outcome - 1")
            for s in ("UN", "HCS", "CS", "ID", "DIAG")}
    ll = {s: f.logLik for s, f in fits.items()}
    tol = 1e-8
    assert ll["UN"] >= ll["HCS"] - tol >= ll["CS"] - 2 * tol >= ll["ID"] - 3 * tol
    assert ll["HCS"] >= ll["DIAG"] - tol >= ll["ID"] - 2 * tol
    un = fits["UN"]
    M = un.marginal_cov(np.arange(un.k))
    X = un.X
    Mi = np.linalg.inv(M)
    b = np.linalg.solve(X.T @ Mi @ X, X.T @ Mi @ un.yi)
    np.testing.assert_allclose(b, un.b, rtol=1e-10)
    np.testing.assert_allclose(np.linalg.inv(X.T @ Mi @ X), un.vb, rtol=1e-8)


def test_nested_formula_equals_clusters() -> None:
    d = _outcomes()
    a = rma_mv(d["yi"], d["vi"], clusters=[d["cohort"], d["outcome"]])
    b = rma_mv(d["yi"], d["vi"], random="~ 1 | cohort/outcome", data=d)
    np.testing.assert_allclose(a.sigma2, b.sigma2, rtol=1e-10)
    assert a.logLik == pytest.approx(b.logLik, rel=1e-12)
    assert b.s_names == ("cohort", "cohort/outcome")


def test_gen_with_intercept_only_equals_a_random_intercept() -> None:
    """'~ 1 | study' and GEN with no variables ('~ 0 + x | study' drops the intercept, so use a constant slope
    variable: x = 1 makes the GEN term a random intercept with tau2 = sigma2)."""
    d = _outcomes()
    d["one"] = 1.0
    gen = rma_mv(d["yi"], d["vi"], random="~ one - 1 | cohort", struct="GEN", data=d)
    ref = rma_mv(d["yi"], d["vi"], random="~ 1 | cohort", data=d)
    assert gen.tau2[0] == pytest.approx(ref.sigma2[0], rel=1e-7)
    assert gen.logLik == pytest.approx(ref.logLik, rel=1e-10)


def test_ar_parameters_map_to_sigma() -> None:
    st_ = make_structure("AR", 4)
    S = st_.sigma(np.array([0.3, 0.5]))
    np.testing.assert_allclose(S, 0.3 * 0.5 ** np.abs(np.subtract.outer(np.arange(4), np.arange(4))))
    st_ = make_structure("UN", 3)
    L = np.array([[0.5, 0, 0], [0.2, 0.4, 0], [-0.1, 0.3, 0.6]])
    np.testing.assert_allclose(st_.sigma(L[np.tril_indices(3)]), L @ L.T)
    tau2, rho = st_.report(L[np.tril_indices(3)])
    S = L @ L.T
    sd = np.sqrt(np.diag(S))
    np.testing.assert_allclose(tau2, np.diag(S))
    np.testing.assert_allclose(rho, [S[1, 0] / sd[1] / sd[0], S[2, 0] / sd[2] / sd[0], S[2, 1] / sd[2] / sd[1]])


def test_contain_dfs_by_hand() -> None:
    """Intercept: constant within every grouping, the fewest levels win (3 strains - 2 = 1); a study-level
    covariate: constant within labs (6 - 2 = 4); a row-level covariate: k - p."""
    labs = np.repeat([f"l{i}" for i in range(6)], 4)
    strains = np.tile(["A", "B", "C", "A"], 6)
    data = {"lab": list(labs), "strain": list(strains)}
    keep = np.ones(24, dtype=bool)
    ints, structs = build_terms(["~ 1 | lab", "~ 1 | strain"], data, ["CS"], keep)
    lab_x = np.repeat(np.arange(6.0), 4)
    row_x = np.arange(24.0)
    assert contain_dfs(np.column_stack([np.ones(24), lab_x]), ints, structs) == [1, 4]
    assert contain_dfs(np.column_stack([np.ones(24), row_x]), ints, structs) == [1, 22]


def test_single_level_term_is_held_at_zero() -> None:
    d = _outcomes()
    d["all"] = "x"
    res = rma_mv(d["yi"], d["vi"], random=["~ 1 | all", "~ 1 | cohort"], data=d)
    assert res.sigma2[0] == 0.0 and res.s_nlevels == (1, 25)
    ref = rma_mv(d["yi"], d["vi"], random="~ 1 | cohort", data=d)
    assert res.sigma2[1] == pytest.approx(ref.sigma2[0], rel=1e-8)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"random": "~ 1 | nope"}, "not a column of data"),
    ({"random": "cohort"}, "is not of the form"),
    ({"random": "~ outcome | cohort", "struct": "XX"}, "unknown struct"),
    ({"random": ["~ outcome | cohort", "~ outcome | cohort", "~ outcome | cohort"]}, "at most two"),
    ({"random": "~ 1 | cohort", "dfs": "welch"}, "dfs must be one of"),
    ({"random": "~ 1 | cohort", "clusters": [np.zeros(3)]}, "either clusters= "),
])
def test_bad_random_specifications(kwargs: dict, message: str) -> None:
    d = _outcomes()
    with pytest.raises(ValueError, match=message):
        rma_mv(d["yi"], d["vi"], data=d, **kwargs)

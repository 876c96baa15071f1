"""Robust fitting of rma_mv (issue 11 point 1): on any small multilevel dataset the fit either reaches the maximum
of the (restricted) likelihood -- checked against a brute-force grid plus a bounded quasi-Newton search on the
likelihood written out densely here -- or stops with a clean ConvergenceError, never another exception."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import optimize

from dense_lik import dense_ll as dense
from painregen.meta import ConvergenceError, rma_mv
from painregen.meta.control import Control
from painregen.meta.varcomp_opt import Point, Problem, maximise


def dense_ll(y: np.ndarray, v: np.ndarray, X: np.ndarray, Zs: list[np.ndarray], sigma2: np.ndarray,
             reml: bool) -> float:
    """The likelihood with M = diag(v) + sum_j sigma2_j Z_j Z_j' formed densely."""
    return dense(y, v, X, sum((s * (Z @ Z.T) for s, Z in zip(sigma2, Zs, strict=True)), np.zeros((y.size, y.size))),
                 reml)


def indicators(codes: np.ndarray) -> np.ndarray:
    return (codes[:, None] == np.unique(codes)[None, :]).astype(float)


def brute_force(y: np.ndarray, v: np.ndarray, X: np.ndarray, Zs: list[np.ndarray], reml: bool) -> float:
    """Best log-likelihood over a grid of variance components (0 and 14 values up to 10 x the spread of y, each
    component; the faces sigma2_j = 0 included) refined by L-BFGS-B from the three best grid points."""
    L = len(Zs)
    top = 10 * (float(np.var(y)) + float(np.max(v)))
    axis = np.r_[0.0, top * np.geomspace(1e-4, 1.0, 14)]
    grid = np.array(np.meshgrid(*([axis] * L), indexing="ij")).reshape(L, -1).T
    lls = np.array([dense_ll(y, v, X, Zs, s, reml) for s in grid])
    best = float(lls.max())
    for i in np.argsort(-lls)[:3]:
        res = optimize.minimize(lambda s: -dense_ll(y, v, X, Zs, s, reml), grid[i], method="L-BFGS-B",
                                bounds=[(0.0, 100 * top)] * L)
        best = max(best, -float(res.fun))
    return best


@st.composite
def multilevel_data(draw: st.DrawFn) -> dict:
    n_clusters = draw(st.integers(1, 7))
    sizes = draw(st.lists(st.integers(1, 4), min_size=n_clusters, max_size=n_clusters))
    if draw(st.booleans()):
        sizes[0] = draw(st.integers(6, 14))  # one cluster with many rows
    levels = draw(st.sampled_from([2, 3]))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    outer = np.repeat(np.arange(n_clusters), sizes)
    k = outer.size
    # middle level: pairs of rows inside each outer cluster; innermost: the rows
    middle = np.array([f"{o}-{i // 2}" for o, i in zip(outer, np.concatenate([np.arange(s) for s in sizes]),
                                                        strict=True)])
    clusters = [outer.astype(str), middle, np.arange(k).astype(str)][:: 1 if levels == 3 else 2]
    sd_between = draw(st.sampled_from([0.0, 0.0, 0.3, 1.0]))  # all-zero between-cluster variance is common
    v = rng.uniform(0.01, 0.5, k) * draw(st.sampled_from([1e-3, 1.0, 1e2]))
    y = 0.4 + sd_between * rng.normal(size=n_clusters)[outer] + rng.normal(size=k) * np.sqrt(v)
    x = rng.normal(size=k) if draw(st.booleans()) else None
    return {"y": y, "v": v, "clusters": clusters, "x": x, "method": draw(st.sampled_from(["REML", "ML"]))}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(multilevel_data())
def test_fit_is_the_maximum_or_a_clean_error(d: dict) -> None:
    y, v, x = d["y"], d["v"], d["x"]
    X = np.ones((y.size, 1)) if x is None else np.column_stack([np.ones(y.size), x])
    if y.size <= X.shape[1]:
        with pytest.raises(ValueError, match="too few effects"):
            rma_mv(y, v, clusters=d["clusters"], mods=x)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "not identified" warnings are expected on some shapes
        try:
            res = rma_mv(y, v, clusters=d["clusters"], mods=x, method=d["method"])
        except ConvergenceError as exc:
            assert "did not converge" in str(exc)
            return
    reml = d["method"] == "REML"
    Zs = [indicators(c) for c in res.codes]
    assert np.all(res.sigma2 >= 0)
    assert res.logLik == pytest.approx(dense_ll(y, v, X, Zs, res.sigma2, reml), rel=1e-9, abs=1e-9)
    assert res.logLik >= brute_force(y, v, X, Zs, reml) - 1e-7 * max(1.0, abs(res.logLik))


def _quadratic(center: np.ndarray, curvature: np.ndarray) -> Problem:
    def evaluate(theta: np.ndarray, derivs: bool) -> Point:
        r = theta - center
        return Point(theta=theta, ll=-0.5 * float(r @ curvature @ r), score=-(curvature @ r),
                     info=curvature, obs=curvature)

    n = center.size
    return Problem(evaluate=evaluate, lower=np.zeros(n), upper=np.full(n, 10.0), scale=np.ones(n))


def test_boundary_optimum_is_reached_exactly() -> None:
    # maximum of the concave quadratic outside the box: the constrained optimum has theta_1 = 0 exactly and
    # theta_2 = 2 - 0.5 * (0 - (-1)) / 1 = 1.5 (the conditional maximum), where the score of theta_1 is -1.75 < 0
    opt = maximise(_quadratic(np.array([-1.0, 2.0]), np.array([[2.0, 0.5], [0.5, 1.0]])), [np.array([1.0, 1.0])],
                   Control())
    np.testing.assert_allclose(opt.point.theta, [0.0, 1.5], atol=1e-12)
    assert opt.optimizer == "Newton/Fisher scoring"


def test_fallback_optimisers_take_over_when_scoring_cannot_move() -> None:
    # an information matrix that points the wrong way makes every scoring step fail; L-BFGS-B uses the score only
    def evaluate(theta: np.ndarray, derivs: bool) -> Point:
        r = theta - np.array([0.7, 1.3])
        return Point(theta=theta, ll=-float(r @ r), score=-2 * r, info=-np.eye(2), obs=-np.eye(2))

    prob = Problem(evaluate=evaluate, lower=np.zeros(2), upper=np.full(2, 10.0), scale=np.ones(2))
    opt = maximise(prob, [np.array([3.0, 3.0])], Control(maxiter=5))
    assert opt.optimizer != "Newton/Fisher scoring"
    np.testing.assert_allclose(opt.point.theta, [0.7, 1.3], atol=1e-6)


def test_nothing_converges_gives_a_clear_error() -> None:
    def evaluate(theta: np.ndarray, derivs: bool) -> Point:
        raise np.linalg.LinAlgError("not positive definite")

    prob = Problem(evaluate=evaluate, lower=np.zeros(1), upper=np.ones(1), scale=np.ones(1), name="toy")
    with pytest.raises(ConvergenceError, match="toy did not converge"):
        maximise(prob, [np.array([0.5])], Control())


def test_unidentified_level_is_reported() -> None:
    # one row per cluster at both levels: only sigma2_1 + sigma2_2 is identified
    rng = np.random.default_rng(3)
    y, v = rng.normal(size=12), rng.uniform(0.05, 0.2, 12)
    ids = np.arange(12).astype(str)
    with pytest.warns(UserWarning, match=r"sigma2.1, sigma2.2 not identified"):
        res = rma_mv(y, v, clusters=[ids, ids])
    single = rma_mv(y, v, clusters=[ids])
    assert res.logLik == pytest.approx(single.logLik, rel=1e-9)
    assert float(np.sum(res.sigma2)) == pytest.approx(float(single.sigma2[0]), rel=1e-6, abs=1e-10)

"""Fits of one random-intercept model for many moderator matrices at once (painregen.meta.mv_stack) equal the
one-by-one fits.

References: :func:`painregen.meta.varcomp_dense.evaluate_dense` term by term (itself equal to the block assembly
checked against metafor by the rma_mv goldens), and :func:`painregen.meta.rma_mv` for every point of a profile
(1e-9 relative), over random shapes: clusters of 1-6 rows, known sampling covariances, a level with one cluster
(its variance held at 0), REML and ML, one or two moderators."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from painregen.meta import mv_stack, rma_mv
from painregen.meta.mv_profile import NestedRefit
from painregen.meta.mv_stack import evaluate_stacked
from painregen.meta.varcomp_dense import DenseModel, evaluate_dense


def _data(seed: int, k: int, one_study: bool = False
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 7, size=k)
    study = (np.zeros(k, dtype=int) if one_study else np.repeat(np.arange(k), sizes)[:k]).astype(str)
    dose = rng.choice([0.3, 1.0, 3.0, 10.0, 30.0], size=k)
    v = rng.uniform(0.05, 0.5, k)
    shift = rng.normal(0, rng.uniform(0, 0.8), k)[np.unique(study, return_inverse=True)[1]]
    y = 2.0 * dose / (rng.uniform(0.5, 8) + dose) + shift + rng.normal(0, np.sqrt(v))
    members = [np.flatnonzero(study == s) for s in np.unique(study)]
    V = [(r, np.diag(v[r]) + 0.3 * np.sqrt(np.outer(v[r], v[r])) * (1 - np.eye(r.size)))
         for r in members if 1 < r.size <= 4]
    return y, v, dose, study, np.array([f"c{i}" for i in range(k)]), V


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), k=st.integers(6, 40), reml=st.booleans(), p=st.integers(1, 2))
def test_stacked_likelihood_equals_dense(seed: int, k: int, reml: bool, p: int) -> None:
    y, v, _, study, inner, V = _data(seed, k)
    refit = NestedRefit(y, v, [study, inner], V=V, method="REML" if reml else "ML")
    assert isinstance(refit.form, DenseModel)
    rng = np.random.default_rng(seed + 1)
    B = 5
    X = rng.uniform(0.05, 1.0, (B, k, p))
    Q = np.linalg.qr(X)[0]
    E = rng.uniform(0, 0.6, (B, 2)) * rng.integers(0, 2, (B, 2))  # some elements on the bound 0
    got = evaluate_stacked(refit.form, y, Q, E, reml, True)
    assert got.score is not None and got.info is not None and got.obs is not None
    for b in range(B):
        ref = evaluate_dense(refit.form, y, Q[b], E[b], reml, True)
        assert got.ll[b] == pytest.approx(ref.ll, rel=1e-10)
        np.testing.assert_allclose(got.score[b], ref.score, rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(got.info[b], ref.info, rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(got.obs[b], ref.obs, rtol=1e-8, atol=1e-10)


def _profile_matches_rma_mv(y: np.ndarray, v: np.ndarray, dose: np.ndarray, study: np.ndarray, inner: np.ndarray,
                            V: list[tuple[np.ndarray, np.ndarray]], method: str, n: int = 9) -> NestedRefit:
    refit = NestedRefit(y, v, [study, inner], V=V, method=method)
    Xs = [dose / (10.0 ** g + dose) for g in np.linspace(-1.5, 2.0, n)]
    lls, thetas = refit.profile(Xs)
    for x, ll, th in zip(Xs, lls, thetas, strict=True):
        ref = rma_mv(y, v, clusters=[study, inner], mods=x[:, None], intercept=False, V=V, method=method)
        assert ll == pytest.approx(ref.logLik, rel=1e-9, abs=1e-9)
        assert th is not None
        one = refit.fit(x, th)  # the stacked end point is a maximum: a fit from it stays at its likelihood
        assert one.ev.ll == pytest.approx(ll, rel=1e-10, abs=1e-10)
    return refit


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), k=st.integers(8, 40), method=st.sampled_from(["REML", "ML"]))
def test_profile_equals_rma_mv(seed: int, k: int, method: str) -> None:
    _profile_matches_rma_mv(*_data(seed, k), method)


def test_profile_with_a_level_of_one_cluster() -> None:
    """One study: its variance is held at 0 (metafor's rule), the other fitted."""
    _profile_matches_rma_mv(*_data(7, 15, one_study=True), "REML")


def test_fits_that_fail_their_checks_are_redone(monkeypatch: pytest.MonkeyPatch) -> None:
    """A probe higher than the stacked end point (here: every probe) sends the fit to the full strategy, with
    the same result; so does a model too large to stack."""
    y, v, dose, study, inner, V = _data(3, 20)
    Xs = [dose / (10.0 ** g + dose) for g in (-1.0, 0.0, 1.0)]
    plain = NestedRefit(y, v, [study, inner], V=V).profile(Xs)[0]
    calls = []
    real_fit = NestedRefit.fit

    def counted(self: NestedRefit, X: np.ndarray, start: np.ndarray | None = None):  # type: ignore[no-untyped-def]
        calls.append(start)
        return real_fit(self, X, start)

    monkeypatch.setattr(NestedRefit, "fit", counted)
    monkeypatch.setattr(mv_stack, "probe_maxima", lambda basis, layout, Q, y, size, reml: np.full(Q.shape[0], np.inf))
    redone = NestedRefit(y, v, [study, inner], V=V).profile(Xs)[0]
    assert len(calls) == 3 and all(c is not None for c in calls)  # each from its stacked end point
    np.testing.assert_allclose(redone, plain, rtol=1e-10)


def test_large_models_are_fitted_one_by_one() -> None:
    y, v, dose, study, inner, V = _data(5, 60)
    refit = NestedRefit(y, v, [study, inner], V=V)
    assert not isinstance(refit.form, DenseModel)
    Xs = [dose / (10.0 ** g + dose) for g in (-0.5, 0.5)]
    lls, _ = refit.profile(Xs)
    for x, ll in zip(Xs, lls, strict=True):
        ref = rma_mv(y, v, clusters=[study, inner], mods=x[:, None], intercept=False, V=V)
        assert ll == pytest.approx(ref.logLik, rel=1e-9)


def test_probe_maxima_find_the_best_point_of_each_ray() -> None:
    """The probes' maximum is the highest log-likelihood along the rays (checked on a fine grid with the one-fit
    ray function of painregen.meta.ray)."""
    y, v, dose, study, inner, V = _data(11, 25)
    refit = NestedRefit(y, v, [study, inner], V=V)
    Xs = np.stack([(dose / (10.0 ** g + dose))[:, None] for g in (-1.0, 0.3, 1.5)])
    Q = np.linalg.qr(Xs)[0]
    size = float(np.var(y) + np.mean(v))
    got = mv_stack.probe_maxima(refit.rays, refit.layout, Q, y, size, True)
    assert got is not None
    u = np.linspace(np.log(1e-4), np.log(10.0), 4_001)
    for b in range(3):
        best = -np.inf
        for terms in ([0], [1], [0, 1]):
            f = refit.rays.loglik(terms, Q[b], y, True)
            assert f is not None
            best = max(best, max(f(size * float(np.exp(x))) for x in u))
        assert best - 1e-9 <= got[b] <= best + 1e-4  # refined past the grid's spacing, never above the rays

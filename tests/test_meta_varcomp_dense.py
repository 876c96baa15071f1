"""The dense and padded forms of the rma_mv likelihood (painregen.meta.varcomp_dense) equal the block-by-block
assembly (painregen.meta.varcomp.evaluate_vc) term by term, and the profile refitter equals rma_mv.

The reference is the block form, itself checked against metafor by the rma_mv goldens; the forms must agree to
rounding (1e-9 relative) for any shape: nested and crossed random intercepts, structured terms (CS, UN), known
sampling covariances, REML and ML, several moderators."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from painregen.meta import mv_model, rma_mv
from painregen.meta.blocks import BlockGroup, check_vcov, kept_vcov
from painregen.meta.control import Control
from painregen.meta.mv_model import Layout, MvFit, fit_model, model_blocks
from painregen.meta.mv_profile import NestedRefit
from painregen.meta.random_terms import build_terms
from painregen.meta.varcomp import evaluate_vc
from painregen.meta.varcomp_dense import (
    DENSE_MAX,
    DenseModel,
    PaddedModel,
    dense_model,
    evaluate_dense,
    evaluate_padded,
    fast_form,
    padded_model,
)


def _problem(seed: int, k: int, kind: str) -> tuple[list[BlockGroup], np.ndarray, np.ndarray, np.ndarray, int]:
    """Groups, y, v, X and the number of covariance elements of a random model of ``kind``."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 7, size=k)
    study = np.repeat(np.arange(k), sizes)[:k].astype(str)
    v = rng.uniform(0.05, 0.6, k)
    y = rng.normal(0.4, 0.8, k)
    X = np.column_stack([np.ones(k), rng.normal(size=k), rng.uniform(0, 3, k)])
    cohort = np.array([f"{s}-{i % 2}" for i, s in enumerate(study)])
    outcome = np.array(["a", "b", "c"])[rng.integers(0, 3, k)]
    lab = np.array(["l1", "l2", "l3", "l4"])[rng.integers(0, 4, k)]
    data = {"study": list(study), "id": [f"e{i}" for i in range(k)], "cohort": list(cohort),
            "outcome": list(outcome), "lab": list(lab)}
    formulas, structs = {"nested": (["~ 1 | study/id"], ["CS"]), "crossed": (["~ 1 | study", "~ 1 | lab"], ["CS"]),
                         "cs": (["~ outcome | study"], ["CS"]), "un": (["~ outcome | study"], ["UN"])}[kind]
    keep = np.ones(k, dtype=bool)
    V = []
    for s in np.unique(study):  # shared-control covariance inside some studies
        rows = np.flatnonzero(study == s)
        if rows.size >= 2 and rng.random() < 0.6:
            m = np.diag(v[rows]) + 0.3 * np.sqrt(np.outer(v[rows], v[rows])) * (1 - np.eye(rows.size))
            V.append((rows, m))
    vcov = kept_vcov(check_vcov(V, v, study.astype(object)), keep) if kind == "nested" else []
    intercepts, structured = build_terms(formulas, data, structs, keep)
    groups = model_blocks(intercepts, structured, k, vcov)
    n_el = len(intercepts) + sum(s.structure.basis.shape[0] for s in structured)
    return groups, y, v, X, n_el


def _elements(seed: int, n: int) -> np.ndarray:
    """Covariance elements of a positive-definite model: variances first-ish, small covariances."""
    rng = np.random.default_rng(seed + 1)
    return rng.uniform(0.02, 0.4, n) * np.where(rng.random(n) < 0.8, 1.0, 0.2)


def _close(a: object, b: object) -> None:
    for name in ("ll", "b", "vb", "score", "info", "obs"):
        x, z = np.asarray(getattr(a, name)), np.asarray(getattr(b, name))
        np.testing.assert_allclose(z, x, rtol=1e-9, atol=1e-11 * max(1.0, float(np.max(np.abs(x), initial=0.0))),
                                   err_msg=name)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), k=st.integers(8, 70), kind=st.sampled_from(["nested", "crossed", "cs", "un"]),
       reml=st.booleans())
def test_dense_and_padded_forms_equal_the_block_assembly(seed: int, k: int, kind: str, reml: bool) -> None:
    groups, y, v, X, n_el = _problem(seed, k, kind)
    e = _elements(seed, n_el)
    Q = np.linalg.qr(X)[0]
    try:
        ref = evaluate_vc(groups, y, v, Q, e, reml, True)
    except np.linalg.LinAlgError:  # the drawn elements do not give a positive-definite M: nothing to compare
        with pytest.raises(np.linalg.LinAlgError):
            evaluate_dense(dense_model(groups, v), y, Q, e, reml, True)
        return
    _close(ref, evaluate_dense(dense_model(groups, v), y, Q, e, reml, True))
    _close(ref, evaluate_padded(padded_model(groups, k), y, v, Q, e, reml, True))
    ll_only = evaluate_dense(dense_model(groups, v), y, Q, e, reml, False)
    assert ll_only.ll == pytest.approx(ref.ll, rel=1e-12)


def test_fast_form_by_size() -> None:
    groups, _, v, _, _ = _problem(3, 30, "nested")
    assert isinstance(fast_form(groups, v), DenseModel)
    groups, _, v, _, _ = _problem(3, DENSE_MAX + 40, "nested")
    assert len(groups) > 1 and isinstance(fast_form(groups, v), PaddedModel)
    groups, _, v, _, _ = _problem(3, DENSE_MAX + 40, "crossed")  # crossed terms link every row: one block
    assert len(groups) == 1 and fast_form(groups, v) is None


@pytest.mark.parametrize("k", [30, DENSE_MAX + 40])
def test_fit_with_a_fast_form_equals_the_block_fit(k: int) -> None:
    groups, y, v, X, _ = _problem(11, k, "nested")
    intercepts = 2
    layout = Layout(n_sigma2=intercepts, structures=(), fixed_zero=np.zeros(intercepts, dtype=bool))
    names = ["sigma2.1", "sigma2.2"]
    fast = fit_model(groups, layout, y, v, X, True, Control(), names)
    blocks = _fit_blocks(groups, layout, y, v, X, names)
    assert fast.ev.ll == pytest.approx(blocks.ev.ll, rel=1e-12)
    np.testing.assert_allclose(fast.theta, blocks.theta, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(fast.ev.b, blocks.ev.b, rtol=1e-7)


def _fit_blocks(groups: list[BlockGroup], layout: Layout, y: np.ndarray, v: np.ndarray, X: np.ndarray,
                names: list[str]) -> MvFit:
    """The fit with the block assembly only (no fast form chosen)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(mv_model, "fast_form", lambda g, vv: None)
        return fit_model(groups, layout, y, v, X, True, Control(), names)


@pytest.mark.parametrize("k", [25, 90])
def test_nested_refit_equals_rma_mv(k: int) -> None:
    rng = np.random.default_rng(k)
    sizes = rng.integers(1, 6, size=k)
    study = np.repeat(np.arange(k), sizes)[:k].astype(str)
    dose = rng.uniform(0.1, 10, k)
    v = rng.uniform(0.05, 0.4, k)
    y = 1.5 * dose / (2.0 + dose) + rng.normal(0, 0.4, k)
    inner = np.array([f"c{i}" for i in range(k)])
    members = [np.flatnonzero(study == s) for s in np.unique(study)]
    V = [(r, np.diag(v[r]) + 0.2 * np.sqrt(np.outer(v[r], v[r])) * (1 - np.eye(r.size))) for r in members if r.size > 1]
    refit = NestedRefit(y, v, [study, inner], V=V)
    start = None
    for ed50 in (0.5, 2.0, 8.0):
        x = dose / (ed50 + dose)
        ref = rma_mv(y, v, clusters=[study, inner], mods=x[:, None], intercept=False, V=V)
        fit = refit.fit(x, start)
        start = fit.theta
        assert fit.ev.ll == pytest.approx(ref.logLik, rel=1e-10)
        np.testing.assert_allclose(fit.ev.b, ref.b, rtol=1e-6)
        np.testing.assert_allclose(fit.theta, ref.sigma2, rtol=1e-5, atol=1e-8)

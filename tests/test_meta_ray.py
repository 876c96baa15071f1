"""The log-likelihood along a ray of variance components (the second-maximum probes of rma_mv) equals the full
evaluation of the model at every point, for nested and crossed random intercepts, with and without known
sampling covariances, REML and ML, one and several moderators."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from painregen.meta.blocks import BlockGroup
from painregen.meta.ray import RayBasis
from painregen.meta.varcomp import evaluate_vc
from test_meta_varcomp_dense import _problem


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), k=st.integers(6, 60), kind=st.sampled_from(["nested", "crossed"]),
       reml=st.booleans(), p=st.integers(1, 3), t=st.floats(1e-4, 30.0))
def test_ray_equals_the_full_likelihood(seed: int, k: int, kind: str, reml: bool, p: int, t: float) -> None:
    groups, y, v, X, n_el = _problem(seed, k, kind)
    Q = X[:, :p]  # not orthonormal: log|X'X| counts under REML
    basis = RayBasis(groups, v)
    for terms in [[j] for j in range(n_el)] + [list(range(n_el))]:
        along = basis.loglik(terms, Q, y, reml)
        assert along is not None
        elements = np.zeros(n_el)
        elements[terms] = t
        full = evaluate_vc(groups, y, v, Q, elements, reml, False).ll
        assert along(t) == pytest.approx(full, rel=1e-10, abs=1e-10)
        assert along(0.0) == pytest.approx(evaluate_vc(groups, y, v, Q, np.zeros(n_el), reml, False).ll, rel=1e-10)


def test_ray_declines_blocks_that_miss_rows() -> None:
    g = BlockGroup(rows=np.array([[0], [1]]), G=(np.ones((2, 1, 1)),))
    assert RayBasis([g], np.array([0.1, 0.2, 0.3])).loglik([0], np.ones((3, 1)), np.zeros(3), True) is None

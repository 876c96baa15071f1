"""painregen.meta.dist evaluates the special functions scipy.stats evaluates: the same numbers (bit for bit) for
the normal, t, chi-squared and F distributions, at the edges (support ends, q = 0 or 1, bad df, NaN) as well."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from painregen.meta import dist

X = st.one_of(st.floats(-1e3, 1e3), st.sampled_from([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-300, 40.0, -40.0]))
Q = st.one_of(st.floats(0, 1), st.sampled_from([0.0, 1.0, 1e-300, 1 - 1e-16, -0.5, 1.5, np.nan]))
DF = st.one_of(st.floats(0.05, 1e4), st.integers(1, 500), st.sampled_from([0, -1, np.nan, np.inf]))

PAIRS = [("norm", ()), ("t", (1,)), ("chi2", (1,)), ("f", (1, 1))]


def _same(a: object, b: object) -> None:
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert np.shape(a) == np.shape(b)


@settings(max_examples=300, deadline=None)
@given(x=X, q=Q, d1=DF, d2=DF)
def test_same_numbers_as_scipy_stats(x: float, q: float, d1: float, d2: float) -> None:
    for name, shape in PAIRS:
        dfs = (d1, d2)[: len(shape)]
        mine, ref = getattr(dist, name), getattr(stats, name)
        for fn, arg in (("cdf", x), ("sf", x), ("ppf", q), ("isf", q)):
            _same(getattr(mine, fn)(arg, *dfs), getattr(ref, fn)(arg, *dfs))


@pytest.mark.parametrize(("name", "dfs"), [("norm", ()), ("t", (7,)), ("chi2", (3,)), ("f", (2, 9))])
def test_arrays_keep_their_shape(name: str, dfs: tuple[int, ...]) -> None:
    x = np.array([[-2.0, 0.0, 0.5], [1.0, 3.0, np.inf]])
    mine, ref = getattr(dist, name), getattr(stats, name)
    _same(mine.sf(x, *dfs), ref.sf(x, *dfs))
    _same(mine.cdf(x, *dfs), ref.cdf(x, *dfs))
    q = np.array([0.0, 0.025, 0.5, 0.975, 1.0])
    _same(mine.ppf(q, *dfs), ref.ppf(q, *dfs))
    _same(mine.isf(q, *dfs), ref.isf(q, *dfs))
    assert isinstance(mine.sf(1.5, *dfs), np.floating)

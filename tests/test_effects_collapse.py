"""painregen.effects.collapse: last, peak and area under the curve over timepoints."""

from __future__ import annotations

import numpy as np
import pytest

from painregen.effects import EffectInputError, collapse, collapse_by, trapezoid_weights

TIME = np.array([1.0, 3.0, 7.0, 14.0])
YI = np.array([0.5, 2.0, 1.5, 1.0])
VI = np.array([0.2, 0.3, 0.25, 0.4])


def test_last_and_peak() -> None:
    last = collapse(TIME, YI, VI, "last")
    assert (last.yi, last.vi, last.time, last.n_timepoints) == (1.0, 0.4, 14.0, 4)
    peak = collapse(TIME, YI, VI, "peak")
    assert (peak.yi, peak.vi, peak.time) == (2.0, 0.3, 3.0)


def test_unsorted_times_are_sorted_first() -> None:
    order = [2, 0, 3, 1]
    assert collapse(TIME[order], YI[order], VI[order], "last").yi == 1.0
    assert collapse(TIME[order], YI[order], VI[order], "auc").yi == pytest.approx(
        collapse(TIME, YI, VI, "auc").yi, rel=1e-15)


def test_auc_is_trapezoid_with_independent_variance() -> None:
    res = collapse(TIME, YI, VI, "auc")
    assert res.yi == pytest.approx(float(np.trapezoid(YI, TIME)), rel=1e-14)
    # by hand: w = [(3-1)/2, (7-1)/2, (14-3)/2, (14-7)/2] = [1, 3, 5.5, 3.5]
    np.testing.assert_allclose(trapezoid_weights(TIME), [1.0, 3.0, 5.5, 3.5], rtol=0)
    assert res.vi == pytest.approx(1 * 0.2 + 9 * 0.3 + 30.25 * 0.25 + 12.25 * 0.4, rel=1e-14)
    assert res.time is None
    norm = collapse(TIME, YI, VI, "auc", normalise=True)
    assert norm.yi == pytest.approx(res.yi / 13, rel=1e-14)
    assert norm.vi == pytest.approx(res.vi / 169, rel=1e-14)


def test_undefined_timepoints_are_skipped() -> None:
    yi = YI.copy()
    yi[3] = np.nan
    res = collapse(TIME, yi, VI, "last")
    assert (res.yi, res.time, res.n_timepoints) == (1.5, 7.0, 3)
    single = collapse([5.0], [1.0], [0.1], "auc")
    assert np.isnan(single.yi) and np.isnan(single.vi) and single.reason
    empty = collapse([5.0], [np.nan], [0.1], "peak")
    assert np.isnan(empty.yi) and empty.n_timepoints == 0


def test_malformed_series_raises() -> None:
    with pytest.raises(EffectInputError) as err:
        collapse([1.0, 1.0, 2.0], [1.0, 2.0, 3.0], [0.1, 0.1, 0.1])
    assert err.value.problems == [(0, "time", "timepoint appears more than once")]
    with pytest.raises(EffectInputError):
        collapse([1.0, 2.0], [1.0], [0.1, 0.1])
    with pytest.raises(EffectInputError):
        collapse([1.0, 2.0], [1.0, 2.0], [0.1, -0.1])
    with pytest.raises(ValueError, match="method"):
        collapse(TIME, YI, VI, "mean")  # type: ignore[arg-type]


def test_collapse_by_groups() -> None:
    groups = ["a", "b", "a", "b", "a"]
    out = collapse_by(groups, [1, 1, 2, 5, 3], [0.1, 1.0, 0.4, 2.0, 0.3], [0.1] * 5, "peak")
    assert list(out) == ["a", "b"]
    assert (out["a"].yi, out["a"].time) == (0.4, 2.0)
    assert (out["b"].yi, out["b"].time) == (2.0, 5.0)

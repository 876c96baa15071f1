"""Space contract of painregen.meta (issue 3): no k x k matrices, so peak memory grows linearly in k.

Peak memory is what tracemalloc traces while the call runs (numpy reports its buffers to it; the
input arrays exist before the call and are not counted). Ten times more effects must cost less than
15 times more memory: linear growth gives about 10x, while one k x k matrix would give 100x (and at
k = 200,000 would need 320 GB). The lower bound of 5x makes sure the numpy buffers were traced at all.
Speed is measured by the benchmarks (``make bench``, benchmarks/RESULTS.md), never here.
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable

import numpy as np

from painregen.meta import rma, rma_mv


def peak_bytes(fn: Callable[[], object]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def meta_regression_data(k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    x = rng.normal(size=(k, 3))
    v = rng.uniform(0.01, 0.2, k)
    y = 0.2 + x @ np.array([0.1, -0.05, 0.02]) + rng.normal(0, np.sqrt(v + 0.05))
    return y, v, x


def nested_data(k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Ten effects per publication on average, up to 4 experiments each (fixed cluster size as k grows)."""
    rng = np.random.default_rng(12)
    n_studies = k // 10
    study = np.sort(rng.integers(0, n_studies, k))
    experiment = rng.integers(0, 4, k)
    v = rng.uniform(0.02, 0.2, k)
    y = 0.3 + rng.normal(0, 0.3, n_studies)[study] + rng.normal(0, 0.2, (n_studies, 4))[study, experiment]
    return y + rng.normal(0, np.sqrt(v)), v, study, experiment


def test_rma_reml_with_moderators_memory_is_linear_in_k() -> None:
    peaks = []
    for k in (20_000, 200_000):
        y, v, x = meta_regression_data(k)
        # to_dict() adds the Q-profile tau2 CI and the other derived statistics to the REML fit
        peaks.append(peak_bytes(lambda y=y, v=v, x=x: rma(y, v, mods=x, method="REML").to_dict()))
    ratio = peaks[1] / peaks[0]
    assert 5.0 < ratio < 15.0, f"peak memory {peaks[0]} -> {peaks[1]} bytes ({ratio:.1f}x for 10x more effects)"


def test_rma_mv_nested_memory_is_linear_in_k() -> None:
    peaks = []
    for k in (5_000, 50_000):
        y, v, study, experiment = nested_data(k)
        peaks.append(peak_bytes(lambda y=y, v=v, s=study, e=experiment: rma_mv(y, v, clusters=[s, e])))
    ratio = peaks[1] / peaks[0]
    assert 5.0 < ratio < 15.0, f"peak memory {peaks[0]} -> {peaks[1]} bytes ({ratio:.1f}x for 10x more effects)"

"""Speed contracts of painregen.meta (issue 3): no k x k matrices anywhere.

Limits are about twice the times measured on the 2-core development machine so that a loaded CI
runner does not fail them, while a quadratic algorithm (k = 100,000 -> 10^10 entries) would.
"""

from __future__ import annotations

import time

import numpy as np

from painregen.meta import permutest, rma, rma_mv


def test_reml_with_qprofile_on_100k_effects() -> None:
    rng = np.random.default_rng(1)
    k = 100_000
    x = rng.normal(size=k)
    v = rng.uniform(0.01, 0.2, k)
    y = 0.2 + 0.1 * x + rng.normal(0, np.sqrt(v + 0.05))
    start = time.perf_counter()
    res = rma(y, v, mods=x, method="REML")
    d = res.to_dict()
    assert time.perf_counter() - start < 6.0
    assert abs(d["tau2"] - 0.05) < 0.005


def test_three_level_100k_effects_in_10k_studies() -> None:
    rng = np.random.default_rng(3)
    n_studies, k = 10_000, 100_000
    study = np.sort(rng.integers(0, n_studies, k))
    experiment = rng.integers(0, 4, k)
    v = rng.uniform(0.02, 0.2, k)
    y = 0.3 + rng.normal(0, 0.3, n_studies)[study] + rng.normal(0, 0.2, (n_studies, 4))[study, experiment]
    y = y + rng.normal(0, np.sqrt(v))
    start = time.perf_counter()
    res = rma_mv(y, v, clusters=[study, experiment])
    assert time.perf_counter() - start < 10.0
    assert abs(res.sigma2[0] - 0.09) < 0.01 and abs(res.sigma2[1] - 0.04) < 0.01


def test_1000_permutations_at_k_1000() -> None:
    rng = np.random.default_rng(2)
    k = 1000
    x = rng.normal(size=k)
    v = rng.uniform(0.01, 0.2, k)
    y = 0.1 * x + rng.normal(0, np.sqrt(v + 0.05))
    res = rma(y, v, mods=x)
    start = time.perf_counter()
    pt = permutest(res, iterations=1000, seed=1)
    assert time.perf_counter() - start < 6.0
    assert pt.iterations == 1000 and pt.pval[1] == 1 / 1000

"""Selective publication: which virtual studies reach the literature.

A study's primary comparison (experiment E1, primary outcome, last timepoint, highest dose vs vehicle) is
tested with Welch's t-test; a study that shows a significant benefit is always published, any other one
with probability ``p_publish``. Suppressed studies are dropped from the dataset and listed in its truth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from painregen.meta import dist
from painregen.simulate.truth import PublicationSpec


@dataclass(frozen=True)
class Decision:
    p_value: float
    benefit: bool  # the treated group did better than vehicle
    significant: bool  # p < alpha and benefit
    published: bool


def welch_p(m1: float, sd1: float, n1: int, m2: float, sd2: float, n2: int) -> float:
    """Two-sided p-value of Welch's unequal-variance t-test from group means, SDs and sizes.

    Source: Welch 1947, Biometrika 34:28-35; t = (m1 - m2) / sqrt(v1/n1 + v2/n2) with the
    Welch-Satterthwaite degrees of freedom (v/n)^2 summed as in scipy's ``ttest_ind_from_stats``.
    """
    a, b = sd1**2 / n1, sd2**2 / n2
    se = np.sqrt(a + b)
    if se == 0:
        return 0.0 if m1 != m2 else 1.0
    t = (m1 - m2) / se
    df = (a + b) ** 2 / (a**2 / (n1 - 1) + b**2 / (n2 - 1))
    return float(2.0 * dist.t.sf(abs(t), df))


def decide(rng: np.random.Generator, spec: PublicationSpec, treated: tuple[float, float, int],
           control: tuple[float, float, int], greater_is_better: bool) -> Decision:
    """Publication decision for a primary comparison given as ``(mean, sd, n)`` per group.

    Always draws exactly one uniform number, so the random stream does not depend on the outcome.
    """
    p = welch_p(*treated, *control)
    diff = treated[0] - control[0]
    benefit = diff > 0 if greater_is_better else diff < 0
    significant = bool(p < spec.alpha and benefit)
    u = float(rng.random())
    return Decision(p, bool(benefit), significant, significant or u < spec.p_publish)

"""Screening prioritisation: ranking, the work-saved metric (by hand) and the deterministic simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from painregen.review.prioritise import (
    prior_records,
    rank,
    record_text,
    screened_at,
    simulate_screening,
    wss,
)

RELEVANT_WORDS = ["mesenchymal stem cells", "neuropathic pain", "allodynia", "intrathecal", "rat", "sciatic"]
OTHER_WORDS = ["viral metagenomics", "pig farm", "sequencing", "rotavirus", "faecal samples", "cattle"]


def corpus(n: int, share: float, seed: int) -> tuple[list[str], list[bool]]:
    rng = np.random.default_rng(seed)
    texts, truth = [], []
    for _ in range(n):
        rel = bool(rng.random() < share)
        own = RELEVANT_WORDS if rel else OTHER_WORDS
        words = list(rng.choice(own, 3)) + list(rng.choice(RELEVANT_WORDS + OTHER_WORDS, 2))
        texts.append(record_text(" ".join(words[:2]), " ".join(words)))
        truth.append(rel)
    return texts, truth


def test_wss_by_hand() -> None:
    # 10 records, 4 relevant, found at positions 1, 2, 4 and 7
    relevant = [True, True, False, True, False, False, True, False, False, False]
    assert screened_at(relevant, 4, 0.95) == 7  # ceil(0.95 * 4) = 4 relevant needed
    assert screened_at(relevant, 4, 0.75) == 4
    assert wss(relevant, 10, 4, 0.95) == pytest.approx((10 - 7) / 10 - 0.05)
    assert wss(relevant, 10, 4, 1.0) == pytest.approx(0.3)
    with pytest.raises(ValueError, match="fewer than recall"):
        screened_at(relevant[:5], 4, 1.0)


@given(st.integers(20, 400), st.integers(1, 19))
def test_wss_of_perfect_and_reversed_orders(n: int, n_rel: int) -> None:
    perfect = [True] * n_rel + [False] * (n - n_rel)
    need = math.ceil(0.95 * n_rel - 1e-9)
    assert wss(perfect, n, n_rel) == pytest.approx((n - need) / n - 0.05)
    worst = perfect[::-1]
    assert wss(worst, n, n_rel, 1.0) == pytest.approx(0.0)


def test_rank_without_both_kinds_of_label_keeps_the_order() -> None:
    texts, _ = corpus(12, 0.3, 1)
    assert rank(texts, {}) == list(range(12))
    assert rank(texts, {0: True, 3: True}) == [i for i in range(12) if i not in (0, 3)]


def test_rank_puts_likely_relevant_records_first() -> None:
    texts, truth = corpus(80, 0.25, 2)
    labels = {i: truth[i] for i in range(20)}
    order = rank(texts, labels)
    assert sorted(order) == list(range(20, 80))
    rest = [truth[i] for i in order]
    n_rel = sum(rest)
    assert n_rel > 0 and all(rest[:n_rel])  # every relevant record ranked above every irrelevant one


def test_simulation_is_deterministic_and_saves_work() -> None:
    texts, truth = corpus(150, 0.15, 3)
    prior = prior_records(truth, seed=5)
    assert truth[prior[0]] and not truth[prior[1]]
    a = simulate_screening(texts, truth, prior=prior)
    b = simulate_screening(texts, truth, seed=5)
    assert a.order == b.order
    assert a.order[:2] == prior
    assert sum(a.relevant) == a.n_relevant == sum(truth)  # stopped at the last relevant record
    assert a.relevant[-1]
    assert a.wss(0.95) > 0.5  # a separable corpus: most of the irrelevant records are never screened
    full = simulate_screening(texts, truth, prior=prior, stop_at_all_relevant=False)
    assert sorted(full.order) == list(range(150))


def test_simulation_needs_both_kinds() -> None:
    with pytest.raises(ValueError, match="relevant and irrelevant"):
        simulate_screening(["a", "b"], [True, True])


@settings(max_examples=5, deadline=None)
@given(st.integers(0, 10_000))
def test_prior_records_hit_both_classes(seed: int) -> None:
    _, truth = corpus(40, 0.3, 7)
    inc, exc = prior_records(truth, seed)
    assert truth[inc] and not truth[exc]

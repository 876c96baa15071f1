"""Prioritised screening by active learning: TF-IDF features of title + abstract and a linear classifier
(logistic regression with balanced class weights) rank the records not yet screened, likely-relevant first.

The approach is that of ASReview (van de Schoot et al. 2021, Nat Mach Intell 3:125-133): features computed once
on every record, the model refitted on the labelled records after each decision, the highest-scoring unlabelled
record shown next ("max" query). Everything is deterministic: the vectoriser has no randomness and the classifier
gets ``seed``; ties keep the records' original order.

:func:`simulate_screening` replays a labelled set (what a reviewer would have decided) to measure the work saved:
:func:`wss` is the work saved over sampling at a recall level (Cohen et al. 2006, J Am Med Inform Assoc
13:206-219): ``WSS@r = (N - n_r) / N - (1 - r)``, with ``n_r`` the records screened when the share ``r`` of the
relevant records has been found (the prior-knowledge records count as screened).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

DEFAULT_SEED = 535


@dataclass(frozen=True)
class ModelSpec:
    """The prioritisation model: TF-IDF on word uni- and bigrams (sublinear term frequency) and an L2 logistic
    regression with balanced class weights."""

    ngram_range: tuple[int, int] = (1, 2)
    min_df: int = 1
    max_df: float = 0.95
    c: float = 1.0
    seed: int = DEFAULT_SEED

    def describe(self) -> str:
        return (f"TF-IDF (word {self.ngram_range[0]}-{self.ngram_range[1]}-grams, sublinear tf, max_df "
                f"{self.max_df}) + logistic regression (L2, C = {self.c}, balanced class weights, seed {self.seed})")


def record_text(title: str | None, abstract: str | None) -> str:
    """The text a record is ranked on: its title and abstract."""
    return f"{title or ''}\n{abstract or ''}".strip()


def features(texts: Sequence[str], spec: ModelSpec = ModelSpec()) -> Any:
    """The sparse TF-IDF matrix of ``texts`` (one row per record)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    max_df = spec.max_df if len(texts) * spec.max_df >= spec.min_df else 1.0  # tiny sets: keep every term
    vec = TfidfVectorizer(ngram_range=spec.ngram_range, sublinear_tf=True, min_df=spec.min_df, max_df=max_df)
    return vec.fit_transform([t if t.strip() else "_" for t in texts])


def scores(x: Any, labelled: Sequence[int], labels: Sequence[bool], spec: ModelSpec = ModelSpec()) -> np.ndarray:
    """Predicted relevance (decision function) of every row of ``x`` after fitting on the labelled rows.

    Needs at least one relevant and one irrelevant label (ValueError otherwise)."""
    from sklearn.linear_model import LogisticRegression

    y = np.asarray(labels, dtype=bool)
    if y.all() or not y.any():
        raise ValueError("prioritisation needs at least one included and one excluded record")
    # liblinear's dual solver: the same optimum as the primal, much faster with far more terms than records
    model = LogisticRegression(C=spec.c, class_weight="balanced", solver="liblinear", dual=True, max_iter=1000,
                               random_state=spec.seed)
    model.fit(x[np.asarray(labelled)], y)
    return np.asarray(model.decision_function(x))


def rank(texts: Sequence[str], labels: Mapping[int, bool], spec: ModelSpec = ModelSpec()) -> list[int]:
    """Indices of the records of ``texts`` that have no label, most likely relevant first.

    ``labels``: index -> relevant? for the records decided so far. Without both kinds of label the records keep
    their order (there is nothing to learn from yet)."""
    unlabelled = [i for i in range(len(texts)) if i not in labels]
    kinds = set(labels.values())
    if not unlabelled or kinds != {True, False}:
        return unlabelled
    idx = sorted(labels)
    s = scores(features(texts, spec), idx, [labels[i] for i in idx], spec)
    return sorted(unlabelled, key=lambda i: (-s[i], i))


@dataclass
class Simulation:
    """A replay of a labelled set: the order records were screened in and whether each was relevant."""

    order: list[int]
    relevant: list[bool]
    n_records: int
    n_relevant: int
    n_prior: int
    spec: ModelSpec
    prior: list[int] = field(default_factory=list)

    def found_after(self, recall: float) -> int:
        """Records screened (priors included) when the share ``recall`` of the relevant records was found."""
        return screened_at(self.relevant, self.n_relevant, recall)

    def wss(self, recall: float = 0.95) -> float:
        return wss(self.relevant, self.n_records, self.n_relevant, recall)

    def rrf(self, share: float = 0.10) -> float:
        """Relevant records found (as a share of all relevant) after screening ``share`` of the records."""
        n = math.ceil(share * self.n_records)
        return sum(self.relevant[:n]) / self.n_relevant


def screened_at(relevant: Sequence[bool], n_relevant: int, recall: float) -> int:
    """Position (1-based) in a screening order at which ``ceil(recall * n_relevant)`` relevant records were seen."""
    target = math.ceil(recall * n_relevant - 1e-9)
    found = 0
    for pos, r in enumerate(relevant, 1):
        found += bool(r)
        if found >= target:
            return pos
    raise ValueError(f"the order finds {found} of {n_relevant} relevant records, fewer than recall {recall}")


def wss(relevant: Sequence[bool], n_records: int, n_relevant: int, recall: float = 0.95) -> float:
    """Work saved over sampling at ``recall`` (Cohen et al. 2006) of a screening order (``relevant[i]``: the i-th
    record screened was relevant)."""
    return (n_records - screened_at(relevant, n_relevant, recall)) / n_records - (1 - recall)


def prior_records(truth: Sequence[bool], seed: int, n_included: int = 1, n_excluded: int = 1) -> list[int]:
    """Prior knowledge drawn at random (``seed``): ``n_included`` relevant and ``n_excluded`` irrelevant records."""
    rng = np.random.default_rng(seed)
    t = np.asarray(truth, dtype=bool)
    inc = rng.choice(np.flatnonzero(t), n_included, replace=False).tolist()
    exc = rng.choice(np.flatnonzero(~t), n_excluded, replace=False).tolist()
    return [int(i) for i in inc + exc]


def simulate_screening(texts: Sequence[str], truth: Sequence[bool], *, prior: Sequence[int] | None = None,
                       seed: int = DEFAULT_SEED, spec: ModelSpec = ModelSpec(), stop_at_all_relevant: bool = True,
                       progress: Callable[[int, int], None] | None = None) -> Simulation:
    """Replay screening of a labelled set with prioritisation: after the ``prior`` records (default: one relevant,
    one irrelevant drawn with ``seed``), refit after every decision and screen the top-ranked record next; stop
    when every relevant record is found (or when all are screened). ``progress(n_screened, n_found)``."""
    truth_arr = np.asarray(truth, dtype=bool)
    n = len(texts)
    n_relevant = int(truth_arr.sum())
    if n_relevant == 0 or n_relevant == n:
        raise ValueError("a simulation needs relevant and irrelevant records")
    prior = list(prior) if prior is not None else prior_records(truth_arr.tolist(), seed)
    x = features(texts, spec)
    order = list(prior)
    seen = np.zeros(n, dtype=bool)
    seen[order] = True
    found = int(truth_arr[order].sum())
    while not seen.all() and not (stop_at_all_relevant and found == n_relevant):
        s = scores(x, order, truth_arr[order].tolist(), spec)
        s[seen] = -np.inf
        nxt = int(np.argmax(s))  # first maximum: ties keep the original order
        order.append(nxt)
        seen[nxt] = True
        found += int(truth_arr[nxt])
        if progress is not None:
            progress(len(order), found)
    return Simulation(order, truth_arr[order].tolist(), n, n_relevant, len(prior), spec, list(prior))

"""A small learned sentence classifier that adds recall to the appraisal rules.

One logistic-regression model per item over hashed word uni/bigrams and character 3-5-grams of words (the
features of Joachims-style linear text classifiers; Pedregosa et al. 2011 for the fitting). The weights are
trained by ``benchmarks/train_rob_model.py`` on the development part of the rob corpus only and shipped as a
small JSON file (``models/rob_sentence_model.json``); scoring needs only this module: no pickle, no scikit-learn
at run time, deterministic (features are hashed with CRC-32). Only sentences holding a cue word of some item
(:data:`CUES`: random, blind, power, approved, committee, competing, excluded, ...) are scored, in training and in
use: a sentence without any cue is never a "yes" of the model, and scoring stays fast on whole papers.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import zlib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

__all__ = ["CUES", "N_FEATURES", "SentenceModel", "features", "load_model"]

#: size of the hashed feature space
N_FEATURES = 1 << 18
_TOKEN = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")

#: a sentence is scored only when it holds one of these cue words
CUES = re.compile(r"random|blind|mask|aware|knowledge|power|sample|calculat|approv|committee|board|guideline|regulat"
                  r"|ethic|welfare|IACUC|\blaws?\b|licen[cs]|permi|protocol|accordance|compliance|competing"
                  r"|conflict|interest|employ|consult|shares|patent|fund|declare|disclos|exclu|inclu|outlier|criteri",
                  re.IGNORECASE)


def _h(s: str) -> int:
    return zlib.crc32(s.encode("utf-8")) % N_FEATURES


def features(sentence: str) -> dict[int, float]:
    """Hashed, L2-normalised counts of word unigrams, word bigrams and character 3-5-grams within words."""
    words = _TOKEN.findall(sentence.casefold())
    grams: Counter[str] = Counter()
    for w in words:
        grams["w:" + w] += 1
        padded = f"<{w}>"
        for n in (3, 4, 5):
            for i in range(max(0, len(padded) - n + 1)):
                grams["c:" + padded[i:i + n]] += 1
    for a, b in itertools.pairwise(words):
        grams[f"b:{a} {b}"] += 1
    out: Counter[int] = Counter()
    for g, n in grams.items():
        out[_h(g)] += n
    norm = math.sqrt(sum(v * v for v in out.values())) or 1.0
    return {k: v / norm for k, v in out.items()}


@dataclass(frozen=True)
class SentenceModel:
    """Per-item sparse weights, intercepts and decision thresholds (probabilities)."""

    weights: dict[str, dict[int, float]]
    intercepts: dict[str, float]
    thresholds: dict[str, float]
    meta: dict[str, Any]

    @staticmethod
    def relevant(sentence: str) -> bool:
        """Whether the model scores ``sentence`` at all (it holds a cue word, :data:`CUES`)."""
        return CUES.search(sentence) is not None

    @property
    def items(self) -> list[str]:
        return sorted(self.weights)

    def probability(self, item: str, sentence: str, feats: dict[int, float] | None = None) -> float:
        w = self.weights[item]
        f = features(sentence) if feats is None else feats
        z = self.intercepts[item] + sum(v * w.get(k, 0.0) for k, v in f.items())
        return 1.0 / (1.0 + math.exp(-z))

    def scores(self, sentence: str) -> dict[str, float]:
        f = features(sentence)
        return {item: self.probability(item, sentence, f) for item in self.weights}

    def to_dict(self) -> dict[str, Any]:
        return {"meta": self.meta, "n_features": N_FEATURES, "intercepts": self.intercepts,
                "thresholds": self.thresholds,
                "weights": {k: {str(i): round(v, 4) for i, v in sorted(w.items())} for k, w in self.weights.items()}}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SentenceModel:
        if data.get("n_features") != N_FEATURES:
            raise ValueError(f"model was trained with {data.get('n_features')} hashed features, this code uses "
                             f"{N_FEATURES} (retrain with benchmarks/train_rob_model.py)")
        return cls({k: {int(i): float(v) for i, v in w.items()} for k, w in data["weights"].items()},
                   {k: float(v) for k, v in data["intercepts"].items()},
                   {k: float(v) for k, v in data["thresholds"].items()}, dict(data.get("meta", {})))


@lru_cache(maxsize=1)
def load_model() -> SentenceModel | None:
    """The shipped model, or None when the package has none."""
    try:
        raw = resources.files("painregen.appraise").joinpath("models/rob_sentence_model.json").read_text("utf-8")
    except (FileNotFoundError, ModuleNotFoundError):
        return None
    return SentenceModel.from_dict(json.loads(raw))

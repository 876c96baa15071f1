"""Study-quality and risk-of-bias questions of other tools (SyRF annotation columns) mapped onto painregen's
appraisal items (SYRCLE, CAMARADES); the rules are data in ``annotation_crosswalk.yaml``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from painregen.io.yamlfile import load_yaml

__all__ = ["INSTRUMENTS", "QuestionTarget", "answer_of", "match_question", "parse_target"]

#: Instruments a question can be mapped onto, as ``instrument:item`` targets.
INSTRUMENTS = ("syrcle", "camarades")


@dataclass(frozen=True)
class QuestionTarget:
    """An appraisal item a question answers (``item`` may name a signalling question, ``item.qN``)."""

    instrument: str
    item: str
    answers: tuple[tuple[str, str], ...] = ()  # rule-specific answer map, else the instrument's

    @property
    def curie(self) -> str:
        return f"{self.instrument}:{self.item}"


@cache
def _rules() -> tuple[tuple[re.Pattern[str], QuestionTarget], ...]:
    data = _data()
    return tuple((re.compile(r["pattern"], re.I), QuestionTarget(r["instrument"], r["item"],
                                                                 tuple((r.get("answers") or {}).items())))
                 for r in data["rules"])


@cache
def _data() -> dict[str, Any]:
    text = resources.files("painregen.evidence").joinpath("annotation_crosswalk.yaml").read_text(encoding="utf-8")
    loaded: dict[str, Any] = load_yaml(text)
    return loaded


def match_question(question: str) -> QuestionTarget | None:
    """The item the first matching rule assigns to ``question`` (None when no rule matches)."""
    for pattern, target in _rules():
        if pattern.search(question):
            return target
    return None


def parse_target(text: str) -> QuestionTarget:
    """``instrument:item`` (as a mapping file writes it) -> a target; ValueError names the accepted form."""
    instrument, sep, item = text.strip().partition(":")
    if not sep or instrument not in INSTRUMENTS or not item:
        raise ValueError(f"{text!r} is not an appraisal item: write instrument:item with instrument "
                         f"{' or '.join(INSTRUMENTS)} (e.g. syrcle:sequence_generation, camarades:randomisation)")
    return QuestionTarget(instrument, item)


def answer_of(target: QuestionTarget, answer: str) -> str | None:
    """The instrument answer of a source answer (case and spacing folded), or None when it has none."""
    folded = " ".join(answer.casefold().split())
    table = dict(target.answers) or _data()["answers"][target.instrument]
    value = table.get(folded)
    return None if value is None else str(value)

"""Text-assisted pre-filling of appraisal answers from a methods excerpt or an abstract.

:func:`prefill` splits the text into sentences, runs painregen's detectors (:mod:`.patterns`) and proposes an
answer for each appraisal item a detector informs (SYRCLE, ARRIVE 2.0, CAMARADES), with the sentence that
supports it and that sentence's character span in the text. A proposal is a suggestion: a person confirms it
(``painregen appraise fill``). A sentence stating the topic counts before one stating its opposite; the
opposite ("were not randomised") proposes "no".

>>> [(p.item, p.answer) for p in prefill("Rats were randomly assigned to two groups.") if p.instrument == "syrcle"]
[('sequence_generation', 'yes')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from painregen.appraise.patterns import DETECTORS, NEGATION, POST_NEGATION, Detector

__all__ = ["TARGETS", "Hit", "Proposal", "detector_ids", "fires", "hits", "prefill", "sentences"]

#: detector -> (instrument, item, answer if the topic is reported, answer if its opposite is stated or None)
TARGETS: dict[str, tuple[tuple[str, str, str, str | None], ...]] = {
    "randomisation": (("syrcle", "sequence_generation", "yes", "no"), ("arrive", "4a", "reported", "reported"),
                      ("camarades", "randomisation", "yes", "no")),
    "blinding": (("syrcle", "assessor_blinding", "yes", "no"), ("arrive", "5", "reported", "reported"),
                 ("camarades", "blinded_assessment", "yes", "no")),
    "sample_size": (("arrive", "2b", "reported", None), ("camarades", "sample_size_calculation", "yes", "no")),
    "welfare": (("arrive", "14", "reported", None), ("camarades", "welfare_compliance", "yes", None)),
    "conflict_of_interest": (("arrive", "21a", "reported", None), ("camarades", "conflict_of_interest", "yes", None)),
    "temperature": (("camarades", "temperature_control", "yes", None),),
}

_ABBREVIATIONS = frozenset({"e.g", "i.e", "al", "fig", "figs", "vs", "approx", "no", "dr", "ca", "cf", "inc", "ltd",
                            "co", "resp", "ref", "refs", "eq", "st", "mr", "ms", "prof", "sp", "spp"})
_BOUNDARY = re.compile(r"[.!?]+[\"')\]]*\s+(?=[A-Z0-9(\[\"'])")


def sentences(text: str) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` of the sentences of ``text`` (whitespace trimmed).

    A sentence ends at ``.``, ``!`` or ``?`` followed by space and a capital, digit or bracket, except after a
    known abbreviation ("e.g.", "et al.", "Fig.") or a single capital initial.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        before = re.search(r"([\w.]+)$", text[start:m.start()])
        word = before.group(1).casefold().rstrip(".") if before else ""
        if word in _ABBREVIATIONS or re.fullmatch(r"[a-z]", word):
            continue
        spans.append((start, m.start() + len(m.group().rstrip())))
        start = m.end()
    spans.append((start, len(text)))
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            out.append((a, b))
    return out


@dataclass(frozen=True)
class Hit:
    """A detector's match in a sentence: ``kind`` is ``positive`` or ``negative`` (the opposite stated)."""

    detector: str
    kind: str
    start: int
    end: int
    sentence_start: int
    sentence_end: int


def _positive(det: Detector, sentence: str) -> re.Match[str] | None:
    if any(x.search(sentence) for x in det.exclude):
        return None
    for pat in det.positive:
        for m in pat.finditer(sentence):
            clause = re.split(r"[;:]", sentence[: m.start()])[-1]
            if not det.negatable or not (NEGATION.search(clause[-40:]) or POST_NEGATION.search(sentence[m.end():])):
                return m
    return None


def _negative(det: Detector, sentence: str) -> re.Match[str] | None:
    for pat in det.negative:
        m = pat.search(sentence)
        if m:
            return m
    return None


def _detector(detector_id: str) -> Detector:
    for d in DETECTORS:
        if d.id == detector_id:
            return d
    raise ValueError(f"unknown detector {detector_id!r}; detectors: {', '.join(detector_ids())}")


def detector_ids() -> list[str]:
    return [d.id for d in DETECTORS]


def fires(detector_id: str, sentence: str) -> bool:
    """True when the detector finds its topic reported in ``sentence`` (a positive hit)."""
    return _positive(_detector(detector_id), sentence) is not None


def hits(text: str) -> list[Hit]:
    """Every positive and negative hit of every detector, sentence by sentence, in text order."""
    out: list[Hit] = []
    for a, b in sentences(text):
        s = text[a:b]
        for det in DETECTORS:
            pos = _positive(det, s)
            neg = None if pos else _negative(det, s)
            m, kind = (pos, "positive") if pos else (neg, "negative")
            if m is not None:
                out.append(Hit(det.id, kind, a + m.start(), a + m.end(), a, b))
    return out


@dataclass(frozen=True)
class Proposal:
    """A proposed answer to one appraisal item, with the supporting sentence and its span in the text."""

    instrument: str
    item: str
    answer: str
    detector: str
    sentence: str
    start: int
    end: int
    match: str
    match_start: int
    match_end: int
    n_sentences: int

    def to_dict(self) -> dict[str, Any]:
        return {"instrument": self.instrument, "item": self.item, "answer": self.answer, "detector": self.detector,
                "sentence": self.sentence, "start": self.start, "end": self.end, "match": self.match,
                "match_start": self.match_start, "match_end": self.match_end, "n_sentences": self.n_sentences}


def prefill(text: str) -> list[Proposal]:
    """Proposed answers found in ``text``: per detector, the first sentence stating the topic (else the first
    stating its opposite), turned into one proposal per item the detector informs (:data:`TARGETS`)."""
    found = hits(text)
    out: list[Proposal] = []
    for det in DETECTORS:
        mine = [h for h in found if h.detector == det.id]
        pos = [h for h in mine if h.kind == "positive"]
        chosen = pos or [h for h in mine if h.kind == "negative"]
        if not chosen:
            continue
        h = chosen[0]
        for instrument, item, yes, no in TARGETS[det.id]:
            answer = yes if pos else no
            if answer is None:
                continue
            out.append(Proposal(instrument, item, answer, det.id, text[h.sentence_start:h.sentence_end],
                                h.sentence_start, h.sentence_end, text[h.start:h.end], h.start, h.end, len(chosen)))
    return out

"""Text-assisted appraisal: propose SYRCLE, ARRIVE and CAMARADES answers from a methods section or a whole paper.

Every proposal carries the supporting sentence and its character span in the text, so a person can confirm it;
nothing is stored here. Answers are "yes" (the item is reported), "no" (its opposite is stated: "were not
randomised", "no statistical methods were used to predetermine sample size") or no proposal at all. The rules are
in :mod:`painregen.appraise.rules_design` and :mod:`painregen.appraise.rules_reporting` (building blocks in
:mod:`painregen.appraise.patterns`); a small learned model (:mod:`painregen.appraise.learned`) may add "yes"
proposals for sentences the rules leave unanswered. Give PDF-extracted text through :func:`painregen.appraise.textnorm.
normalise` first (spans then refer to the normalised text); :func:`prefill_text` does both.

>>> [(p.item, p.answer) for p in prefill("Rats were randomly assigned to two groups.") if p.instrument == "syrcle"]
[('sequence_generation', 'yes')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from painregen.appraise.learned import SentenceModel, load_model
from painregen.appraise.patterns import (
    ANIMAL_CONTEXT,
    HUMAN_CONTEXT,
    NEGATION,
    NEGATION_IN_MATCH,
    POST_NEGATION,
    STRONG_HUMAN,
    Detector,
)
from painregen.appraise.rules_design import DESIGN_DETECTORS
from painregen.appraise.rules_reporting import REPORTING_DETECTORS
from painregen.appraise.textnorm import is_heading, normalise, split_sentences

__all__ = ["DETECTORS", "TARGETS", "Hit", "Proposal", "detector_ids", "fires", "hits", "prefill", "prefill_text",
           "sentences"]

#: the built-in detectors, in the order proposals are listed
DETECTORS: tuple[Detector, ...] = DESIGN_DETECTORS + REPORTING_DETECTORS

#: detector -> (instrument, item, answer if the topic is reported, answer if its opposite is stated or None)
TARGETS: dict[str, tuple[tuple[str, str, str, str | None], ...]] = {
    "randomisation": (("syrcle", "sequence_generation", "yes", "no"), ("arrive", "4a", "reported", "reported"),
                      ("camarades", "randomisation", "yes", "no")),
    "allocation_concealment": (("syrcle", "allocation_concealment", "yes", "no"),
                               ("camarades", "allocation_concealment", "yes", "no")),
    "random_housing": (("syrcle", "random_housing", "yes", "no"), ("arrive", "4b", "reported", "reported")),
    "caregiver_blinding": (("syrcle", "caregiver_blinding", "yes", "no"),),
    "random_outcome_assessment": (("syrcle", "random_outcome_assessment", "yes", "no"),
                                  ("arrive", "4b", "reported", "reported")),
    "blinding": (("syrcle", "assessor_blinding", "yes", "no"), ("arrive", "5", "reported", "reported"),
                 ("camarades", "blinded_assessment", "yes", "no")),
    "sample_size": (("arrive", "2b", "reported", "reported"), ("camarades", "sample_size_calculation", "yes", "no")),
    "welfare": (("arrive", "14", "reported", None), ("camarades", "welfare_compliance", "yes", None)),
    "conflict_of_interest": (("arrive", "21a", "reported", None), ("camarades", "conflict_of_interest", "yes", None)),
    "exclusions": (("arrive", "3a", "reported", None),),
    "statistics": (("arrive", "7a", "reported", None),),
    "temperature": (("camarades", "temperature_control", "yes", None),),
}

#: any negation word: the model proposes no "yes" for a negatable item in a sentence holding one
NEGATION_ANY = re.compile(r"\b(?:not|no|non|without|never|neither|nor|un-?blinded|unaware)\b", re.IGNORECASE)

#: detector id -> the item name of the learned model and of the rob corpus labels
MODEL_ITEMS = {"randomisation": "sequence_generation", "blinding": "assessor_blinding",
               "sample_size": "sample_size_calculation", "welfare": "welfare_compliance",
               "conflict_of_interest": "conflict_of_interest", "exclusions": "exclusions"}


def sentences(text: str) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` of the sentences of ``text`` (see :func:`textnorm.split_sentences`)."""
    return split_sentences(text)


@dataclass(frozen=True)
class Hit:
    """A detector's match in a sentence: ``kind`` is ``positive`` or ``negative`` (the opposite stated);
    ``source`` is ``rule``, ``section`` (the sentence stands under a matching heading) or ``model``."""

    detector: str
    kind: str
    start: int
    end: int
    sentence_start: int
    sentence_end: int
    source: str = "rule"
    score: float | None = None


@dataclass(frozen=True)
class _Context:
    animal_text: bool
    heading: str


def _negated(sentence: str, m: re.Match[str]) -> bool:
    """Negated before, inside or after the match; a negation the pattern itself starts with ("not aware of the
    groups", "no knowledge of the treatment") is part of the positive statement."""
    clause = re.split(r"[;:]", sentence[: m.start()])[-1]
    inside = re.sub(r"^(?:not|no|without)\b", "", m.group(), flags=re.IGNORECASE)
    return bool(NEGATION.search(clause[-40:]) or NEGATION_IN_MATCH.search(inside)
                or POST_NEGATION.search(sentence[m.end():]))


def _human(sentence: str) -> bool:
    """About human participants: a strong human word, or a weak one (hospital, clinic) with no animal named."""
    return bool(STRONG_HUMAN.search(sentence) or (HUMAN_CONTEXT.search(sentence)
                                                  and not ANIMAL_CONTEXT.search(sentence)))


def _classify(det: Detector, sentence: str, ctx: _Context | None = None) -> tuple[str, re.Match[str]] | None:
    """("positive" | "negative", match) for one sentence, or None (see :mod:`painregen.appraise.patterns`)."""
    if det.trigger is not None and not det.trigger.search(sentence):
        return None
    if any(x.search(sentence) for x in det.exclude):
        return None
    usable = True
    if det.animal_only and (_human(sentence) or (not ANIMAL_CONTEXT.search(sentence)
                                                 and not (ctx is None or ctx.animal_text))):
        usable = False
    negated: re.Match[str] | None = None
    if usable:
        for pat in det.positive:
            for m in pat.finditer(sentence):
                if not det.negatable or not _negated(sentence, m):
                    return "positive", m
                negated = negated or m
    if any(x.search(sentence) for x in det.negative_exclude):
        return None
    for pat in det.negative:
        found = pat.search(sentence)
        if found:
            return "negative", found
    return ("negative", negated) if negated is not None else None


def _positive(det: Detector, sentence: str, ctx: _Context | None = None) -> re.Match[str] | None:
    found = _classify(det, sentence, ctx)
    return found[1] if found is not None and found[0] == "positive" else None


def _detector(detector_id: str) -> Detector:
    for d in DETECTORS:
        if d.id == detector_id:
            return d
    raise ValueError(f"unknown detector {detector_id!r}; detectors: {', '.join(detector_ids())}")


def detector_ids() -> list[str]:
    return [d.id for d in DETECTORS]


def fires(detector_id: str, sentence: str) -> bool:
    """True when the rules find the topic reported in ``sentence`` (a positive hit; no model, no context)."""
    return _positive(_detector(detector_id), sentence) is not None


#: back-matter headings that end a section ("Author contributions.", "Funding.", "Citation: ...")
BACK_MATTER = re.compile(r"^\s*(?:author(?:s'?)?\s+contributions?|funding|financial\s+support|abbreviations"
                         r"|acknowledge?ments?|footnotes?|citation|academic\s+editor|editor|received|accepted"
                         r"|published|copyright|data\s+availability|supporting\s+information|references"
                         r"|a\s+previous\s+version)\b", re.IGNORECASE)


#: a finite verb: a short line holding one is a sentence without its full stop ("Rats were randomly assigned"),
#: not a heading
_VERB = re.compile(r"\b(?:was|were|is|are|been|had|have|has|did|received|performed)\b", re.IGNORECASE)


def _section_heading(s: str) -> bool:
    """A heading line without a verb, or a short line ending with a full stop that names a section ("Competing
    interests.", "Author contributions.")."""
    if is_heading(s) and not _VERB.search(s):
        return True
    if len(s.strip()) > 40:
        return False
    return BACK_MATTER.match(s) is not None or any(d.section is not None and d.section.match(s) for d in DETECTORS)


def _animal_text(text: str) -> bool:
    return len(ANIMAL_CONTEXT.findall(text)) >= 3 and len(ANIMAL_CONTEXT.findall(text)) >= \
        len(re.findall(r"\b(?:patients?|participants?|volunteers?)\b", text, re.IGNORECASE))


def hits(text: str, *, model: SentenceModel | bool | None = True) -> list[Hit]:
    """Every positive and negative hit, sentence by sentence, in text order. ``model``: True uses the shipped
    model, False or None the rules alone, or give a :class:`SentenceModel`. Headings are not matched; they set the
    section of the sentences below them."""
    mdl = load_model() if model is True else (model or None)
    animal = _animal_text(text)
    out: list[Hit] = []
    heading, since = "", 99
    for a, b in sentences(text):
        s = text[a:b]
        if _section_heading(s):
            heading, since = s.strip(), 0
            continue
        if BACK_MATTER.match(s):
            heading, since = "", 99
        since += 1
        ctx = _Context(animal, heading if since <= 3 else "")
        scores: dict[str, float] | None = None
        for det in DETECTORS:
            found = _classify(det, s, ctx)
            if found is not None:
                kind, m = found
                out.append(Hit(det.id, kind, a + m.start(), a + m.end(), a, b))
            elif det.section is not None and ctx.heading and det.section.match(ctx.heading) and not any(
                    x.search(s) for x in det.exclude):
                out.append(Hit(det.id, "positive", a, b, a, b, source="section"))
            elif mdl is not None and det.id in MODEL_ITEMS and mdl.relevant(s):
                item = MODEL_ITEMS[det.id]
                if scores is None:
                    scores = mdl.scores(s)
                p = scores.get(item)
                if p is not None and p >= mdl.thresholds[item] and not any(x.search(s) for x in det.exclude) and not (
                        det.animal_only and _human(s)) and not (det.negatable and NEGATION_ANY.search(s)):
                    out.append(Hit(det.id, "positive", a, b, a, b, source="model", score=round(p, 3)))
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
    source: str = "rule"
    score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"instrument": self.instrument, "item": self.item, "answer": self.answer, "detector": self.detector,
                "sentence": self.sentence, "start": self.start, "end": self.end, "match": self.match,
                "match_start": self.match_start, "match_end": self.match_end, "n_sentences": self.n_sentences,
                "source": self.source, "score": self.score}


def prefill(text: str, *, model: SentenceModel | bool | None = True) -> list[Proposal]:
    """Proposed answers found in ``text``: per detector, the first sentence stating the topic by a rule (else
    the first the model flags, else the first stating its opposite), turned into one proposal per item the
    detector informs (:data:`TARGETS`). When two detectors inform the same item, the first listed wins."""
    found = hits(text, model=model)
    out: list[Proposal] = []
    seen: set[tuple[str, str]] = set()
    for det in DETECTORS:
        mine = [h for h in found if h.detector == det.id]
        pos = [h for h in mine if h.kind == "positive"]
        pos.sort(key=lambda h: (h.source == "model", h.sentence_start))
        chosen = pos or [h for h in mine if h.kind == "negative"]
        if not chosen:
            continue
        h = chosen[0]
        for instrument, item, yes, no in TARGETS[det.id]:
            answer = yes if pos else no
            if answer is None or (instrument, item) in seen:
                continue
            seen.add((instrument, item))
            out.append(Proposal(instrument, item, answer, det.id, text[h.sentence_start:h.sentence_end],
                                h.sentence_start, h.sentence_end, text[h.start:h.end], h.start, h.end, len(chosen),
                                h.source, h.score))
    return out


def prefill_text(raw: str, *, pdf: bool | None = None) -> tuple[str, list[Proposal]]:
    """Normalise ``raw`` (PDF-extracted or pasted text) and pre-fill from it: (normalised text, proposals whose
    spans refer to the normalised text)."""
    text = normalise(raw, pdf=pdf)
    return text, prefill(text)

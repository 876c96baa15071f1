"""The CAMARADES study-quality checklist and its score (Macleod et al. 2004, Stroke 35:1203).

One point per item met, the score is their sum (0 to 9). The registry has no CAMARADES answers of its own yet, so
:func:`score` takes each item from, in order: an explicit answer (``Study.annotations["camarades.<item>"]``, as
``painregen appraise fill`` stores it); the mapping below from SYRCLE / ARRIVE answers and study fields; and, only
with ``use_text=True``, a text detector's proposal on ``Study.methods_text`` (marked as such). Without any of
these an item scores no point ("no information").

======================= ==========================================================================
item                    derived from
======================= ==========================================================================
peer_review             ``Study.journal`` present (a preprint or thesis needs an explicit "no")
temperature_control     text detector ``temperature`` (use_text only)
randomisation           SYRCLE ``sequence_generation`` yes / no
allocation_concealment  SYRCLE ``allocation_concealment`` yes / no
blinded_assessment      SYRCLE ``assessor_blinding`` yes / no
sample_size_calculation ARRIVE ``2b`` (or item ``sample_size``) reported / not_reported
welfare_compliance      ARRIVE ``14`` (``ethical_statement``) reported / not_reported
conflict_of_interest    ``Study.conflicts`` present, else ARRIVE ``21a`` reported / not_reported
appropriate_control     every experiment with a treated cohort has a control cohort
======================= ==========================================================================
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from painregen.appraise.catalogue import get_instrument
from painregen.appraise.detect import prefill
from painregen.evidence import models as m

__all__ = ["ANNOTATION_PREFIX", "CamaradesItem", "CamaradesScore", "score"]

#: prefix of CAMARADES answers kept in ``Study.annotations`` until the evidence model has a ``camarades`` field
ANNOTATION_PREFIX = "camarades."


@dataclass(frozen=True)
class CamaradesItem:
    item: str
    number: int
    name: str
    answer: str | None
    source: str

    @property
    def met(self) -> bool:
        return self.answer == "yes"

    def to_dict(self) -> dict[str, Any]:
        return {"item": self.item, "number": self.number, "name": self.name, "answer": self.answer,
                "met": self.met, "source": self.source}


@dataclass(frozen=True)
class CamaradesScore:
    items: tuple[CamaradesItem, ...]

    @property
    def score(self) -> int:
        return sum(i.met for i in self.items)

    @property
    def max_score(self) -> int:
        return len(self.items)

    def answers(self) -> dict[str, str | None]:
        return {i.item: i.answer for i in self.items}

    def to_dict(self) -> dict[str, Any]:
        return {"instrument": "camarades", "score": self.score, "max_score": self.max_score,
                "items": [i.to_dict() for i in self.items]}

    def __repr__(self) -> str:
        return f"CamaradesScore({self.score}/{self.max_score})"


Derived = tuple[str | None, str]


def _syrcle(key: str) -> Callable[[m.Study], Derived]:
    def get(study: m.Study) -> Derived:
        inst = get_instrument("syrcle")
        for k, v in study.rob.items():
            try:
                if inst.resolve_key(k) == key:
                    ans = inst.answer(v)
                    return ({"yes": "yes", "no": "no"}.get(ans), f"syrcle {key} = {ans}")
            except (KeyError, ValueError):
                continue
        return None, "no information"

    return get


def _arrive(sub: str, item: str) -> Callable[[m.Study], Derived]:
    def get(study: m.Study) -> Derived:
        inst = get_instrument("arrive")
        found: dict[str, str] = {}
        for k, v in study.arrive.items():
            try:
                found[inst.resolve_key(k)] = inst.answer(v)
            except (KeyError, ValueError):
                continue
        key = sub if sub in found else item
        ans = found.get(key)
        if ans is None:
            return None, "no information"
        return {"reported": "yes", "not_reported": "no"}.get(ans), f"arrive {key} = {ans}"

    return get


def _peer_review(study: m.Study) -> Derived:
    return ("yes", "study.journal present") if study.journal else (None, "no information")


def _conflicts(study: m.Study) -> Derived:
    if study.conflicts:
        return "yes", "study.conflicts present"
    return _arrive("21a", "declaration_of_interests")(study)


def _control(study: m.Study) -> Derived:
    with_treated = [e for e in study.experiments if any(c.role == m.Role.treated for c in e.cohorts)]
    if not with_treated:
        return None, "no information"
    ok = all(any(c.role == m.Role.control for c in e.cohorts) for e in with_treated)
    return ("yes" if ok else "no"), "control cohort in every experiment" if ok else "an experiment lacks a control"


DERIVATIONS: Mapping[str, Callable[[m.Study], Derived]] = {
    "peer_review": _peer_review,
    "temperature_control": lambda s: (None, "no information"),
    "randomisation": _syrcle("sequence_generation"),
    "allocation_concealment": _syrcle("allocation_concealment"),
    "blinded_assessment": _syrcle("assessor_blinding"),
    "sample_size_calculation": _arrive("2b", "sample_size"),
    "welfare_compliance": _arrive("14", "ethical_statement"),
    "conflict_of_interest": _conflicts,
    "appropriate_control": _control,
}


def _explicit(study: m.Study) -> dict[str, str]:
    inst = get_instrument("camarades")
    out = {}
    for k, v in study.annotations.items():
        if k.startswith(ANNOTATION_PREFIX):
            out[inst.item(k[len(ANNOTATION_PREFIX):]).id] = inst.answer(v)
    return out


def score(study: m.Study, *, use_text: bool = False) -> CamaradesScore:
    """CAMARADES items and score of ``study`` (sources in the module docstring, explicit answers first)."""
    inst = get_instrument("camarades")
    explicit = _explicit(study)
    text = {p.item: p for p in prefill(study.methods_text or "") if p.instrument == "camarades"} if use_text else {}
    items = []
    for it in inst.items:
        ans: str | None
        if it.id in explicit:
            ans, source = explicit[it.id], "camarades answer"
        else:
            ans, source = DERIVATIONS[it.id](study)
            if ans is None and it.id in text:
                p = text[it.id]
                ans, source = p.answer, f"text ({p.detector}): {p.sentence}"
        items.append(CamaradesItem(it.id, it.number, it.name, ans, source))
    return CamaradesScore(tuple(items))

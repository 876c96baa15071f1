"""Appraisal instruments as registry entries: data files, not code branches.

Each instrument (SYRCLE, ARRIVE 2.0, CAMARADES) is a YAML file in ``painregen/appraise/instruments/`` with its
items (id, number, name as its paper names it, bias type or set, signalling questions or sub-items), its answer
scale and its judgement rule. :func:`load_instrument` reads one; the built-ins are registered on import with
:func:`register_instrument`, exactly as an extension would register its own.

>>> get_instrument("syrcle").item("random_sequence").id
'sequence_generation'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from painregen.io.yamlfile import load_yaml

__all__ = [
    "Instrument",
    "Item",
    "SignallingQuestion",
    "SubItem",
    "get_instrument",
    "instrument_ids",
    "known_item",
    "load_instrument",
    "normalise_key",
    "register_instrument",
]

_BUILTIN = ("syrcle.yaml", "arrive2.yaml", "camarades.yaml")
_REGISTRY: dict[str, Instrument] = {}


def normalise_key(text: str) -> str:
    """Lower case; every run of spaces, hyphens, dots or slashes becomes one underscore ("Not reported" ->
    "not_reported")."""
    return re.sub(r"[\s\-./]+", "_", str(text).strip().casefold()).strip("_")


@dataclass(frozen=True)
class SignallingQuestion:
    """A signalling question of a risk-of-bias item (answered yes / no / unclear)."""

    id: str
    text: str


@dataclass(frozen=True)
class SubItem:
    """A sub-item of a reporting item (ARRIVE "2b")."""

    id: str
    text: str


@dataclass(frozen=True)
class Item:
    """One item of an instrument. ``paths``: sets of signalling questions that together suffice (low risk)."""

    id: str
    number: int
    name: str
    question: str | None = None
    bias: str | None = None
    set: str | None = None
    aliases: tuple[str, ...] = ()
    signalling: tuple[SignallingQuestion, ...] = ()
    paths: tuple[tuple[str, ...], ...] = ()
    subitems: tuple[SubItem, ...] = ()
    derive: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "number": self.number, "name": self.name, "question": self.question, "bias": self.bias,
            "set": self.set, "aliases": list(self.aliases),
            "signalling": [{"id": q.id, "text": q.text} for q in self.signalling],
            "paths": [list(p) for p in self.paths], "subitems": [{"id": s.id, "text": s.text} for s in self.subitems],
            "derive": self.derive,
        }


@dataclass(frozen=True)
class Instrument:
    """An appraisal instrument: items, answer scale and judgement rule, with the paper that defines it."""

    id: str
    name: str
    citation: str
    kind: str
    answers: tuple[str, ...]
    judgements: tuple[str, ...]
    judgement_rule: str
    items: tuple[Item, ...]
    summary_score: bool = False
    answer_synonyms: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    judgement_of_answer: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def item(self, key: str) -> Item:
        """The item whose id or alias is ``key`` (normalised); KeyError naming the known ids otherwise."""
        k = normalise_key(key)
        for it in self.items:
            if k == it.id or k in it.aliases:
                return it
        raise KeyError(f"{self.id} has no item {key!r}; items: {', '.join(i.id for i in self.items)}")

    def answer(self, value: str) -> str:
        """The canonical answer for ``value`` (synonyms and case folded); ValueError listing the scale."""
        k = normalise_key(value)
        k = self.answer_synonyms.get(k, k)
        if k not in self.answers:
            raise ValueError(f"{value!r} is not a {self.id} answer; use one of {', '.join(self.answers)}")
        return k

    def canonical_answers(self, answers: Mapping[str, str], *, strict: bool = False
                          ) -> tuple[list[tuple[str, str]], list[str]]:
        """(canonical key, checked answer) pairs and the keys that name no item (``strict``: KeyError instead)."""
        pairs: list[tuple[str, str]] = []
        ignored: list[str] = []
        for key, value in answers.items():
            try:
                canon = self.resolve_key(key)
            except KeyError:
                if strict:
                    raise
                ignored.append(key)
                continue
            pairs.append((canon, self.answer(value)))
        return pairs, ignored

    def resolve_key(self, key: str) -> str:
        """Canonical answer key: an item id, ``item.q1`` (signalling question) or a sub-item id ("2b")."""
        k = normalise_key(key)
        for it in self.items:
            if k in {s.id for s in it.subitems}:
                return k
        m = re.fullmatch(r"(.+)_(q\d+)", k)
        it = self.item(m.group(1) if m else k)
        if m:
            qid = m.group(2)
            if qid not in {q.id for q in it.signalling}:
                raise KeyError(f"{self.id} item {it.id} has no signalling question {qid}")
            return f"{it.id}.{qid}"
        return it.id

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "name": self.name, "citation": self.citation, "kind": self.kind,
            "answers": list(self.answers), "judgements": list(self.judgements), "judgement_rule": self.judgement_rule,
            "summary_score": self.summary_score, "items": [i.to_dict() for i in self.items],
        }


def _item(raw: Mapping[str, Any]) -> Item:
    return Item(
        id=str(raw["id"]), number=int(raw["number"]), name=str(raw["name"]), question=raw.get("question"),
        bias=raw.get("bias"), set=raw.get("set"), aliases=tuple(normalise_key(a) for a in raw.get("aliases", ())),
        signalling=tuple(SignallingQuestion(str(q["id"]), str(q["text"])) for q in raw.get("signalling", ())),
        paths=tuple(tuple(str(q) for q in p) for p in raw.get("paths", ())),
        subitems=tuple(SubItem(str(s["id"]), str(s["text"])) for s in raw.get("subitems", ())),
        derive=raw.get("derive"),
    )


def _check(inst: Instrument) -> None:
    ids = [i.id for i in inst.items]
    keys = ids + [a for i in inst.items for a in i.aliases] + [s.id for i in inst.items for s in i.subitems]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    if dup:
        raise ValueError(f"instrument {inst.id}: keys used twice: {dup}")
    for it in inst.items:
        known = {q.id for q in it.signalling}
        if it.signalling and not it.paths:
            raise ValueError(f"instrument {inst.id}: item {it.id} has signalling questions but no paths")
        for p in it.paths:
            if not set(p) <= known:
                raise ValueError(f"instrument {inst.id}: item {it.id} path {list(p)} names unknown questions")
    for ans, judgement in inst.judgement_of_answer.items():
        if ans not in inst.answers or judgement not in inst.judgements:
            raise ValueError(f"instrument {inst.id}: judgement_of_answer {ans} -> {judgement} is off the scales")


def load_instrument(source: str | Path | Mapping[str, Any]) -> Instrument:
    """An :class:`Instrument` from a YAML file, YAML text or an already parsed mapping (validated)."""
    if isinstance(source, Mapping):
        raw: Any = source
    elif isinstance(source, Path) or (isinstance(source, str) and "\n" not in source and source.endswith(".yaml")):
        raw = load_yaml(Path(source).read_text(encoding="utf-8"))
    else:
        raw = load_yaml(source)
    inst = Instrument(
        id=str(raw["id"]), name=str(raw["name"]), citation=" ".join(str(raw["citation"]).split()),
        kind=str(raw["kind"]), answers=tuple(str(a) for a in raw["answers"]),
        judgements=tuple(str(j) for j in raw["judgements"]), judgement_rule=" ".join(raw["judgement_rule"].split()),
        items=tuple(_item(i) for i in raw["items"]), summary_score=bool(raw.get("summary_score", False)),
        answer_synonyms=MappingProxyType({normalise_key(k): str(v) for k, v in raw.get("answer_synonyms", {}).items()}),
        judgement_of_answer=MappingProxyType({str(k): str(v) for k, v in raw.get("judgement_of_answer", {}).items()}),
    )
    _check(inst)
    return inst


def register_instrument(instrument: Instrument, *, replace: bool = False) -> Instrument:
    """Make ``instrument`` available to :func:`get_instrument` (ValueError if its id is taken, unless replace)."""
    if instrument.id in _REGISTRY and not replace:
        raise ValueError(f"an instrument {instrument.id!r} is already registered")
    _REGISTRY[instrument.id] = instrument
    return instrument


def get_instrument(instrument_id: str) -> Instrument:
    """A registered instrument by id (``syrcle``, ``arrive``, ``camarades``); ValueError naming the others."""
    try:
        return _REGISTRY[normalise_key(instrument_id)]
    except KeyError:
        raise ValueError(f"unknown instrument {instrument_id!r}; registered: {', '.join(instrument_ids())}") from None


def known_item(instrument: str, item: str) -> bool:
    """Whether ``item`` (``id`` or ``id.part``) is an item of the registered ``instrument``."""
    try:
        get_instrument(instrument).item(item.split(".")[0])
    except (KeyError, ValueError):
        return False
    return True


def instrument_ids() -> list[str]:
    """Ids of the registered instruments, in registration order."""
    return list(_REGISTRY)


def _register_builtins() -> None:
    folder = resources.files("painregen.appraise").joinpath("instruments")
    for name in _BUILTIN:
        register_instrument(load_instrument(load_yaml(folder.joinpath(name).read_text(encoding="utf-8"))))


_register_builtins()

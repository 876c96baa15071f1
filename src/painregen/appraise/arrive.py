"""ARRIVE 2.0 reporting compliance (Percie du Sert et al. 2020, PLoS Biol 18:e3000410).

:func:`compliance` reads answers (``Study.arrive``: sub-item "2b" or item "sample_size" -> reported /
not_reported / not_applicable; an item answer holds for each of its sub-items not answered on its own) and gives
one status per item and a compliance summary for the Essential 10, the Recommended Set and both together. The
rule is the instrument's (``instruments/arrive2.yaml``): an item is reported when every applicable sub-item is
reported, partially reported when some are, not reported when none is; compliance = reported / applicable
answered sub-items.

>>> compliance({"sample_size": "reported", "2b": "not_reported"}).item("sample_size").status
'partially_reported'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from painregen.appraise.catalogue import Item, get_instrument

__all__ = ["ArriveCompliance", "ItemCompliance", "SetCompliance", "compliance"]

SETS = ("essential", "recommended")


@dataclass(frozen=True)
class ItemCompliance:
    """Status of one ARRIVE item and the answers of its sub-items (None = not answered)."""

    item: str
    number: int
    name: str
    set: str
    status: str
    subitems: tuple[tuple[str, str | None], ...]

    @property
    def n_reported(self) -> int:
        return sum(a == "reported" for _, a in self.subitems)

    @property
    def n_applicable(self) -> int:
        """Sub-items answered reported or not_reported."""
        return sum(a in ("reported", "not_reported") for _, a in self.subitems)

    def to_dict(self) -> dict[str, Any]:
        return {"item": self.item, "number": self.number, "name": self.name, "set": self.set, "status": self.status,
                "subitems": dict(self.subitems), "n_reported": self.n_reported, "n_applicable": self.n_applicable}


@dataclass(frozen=True)
class SetCompliance:
    """Compliance of a set of items: counts of items by status and the fraction of sub-items reported."""

    name: str
    n_items: int
    items: Mapping[str, int]
    subitems_reported: int
    subitems_applicable: int

    @property
    def fraction(self) -> float | None:
        """Reported / applicable answered sub-items; None when no applicable sub-item was answered."""
        return None if self.subitems_applicable == 0 else self.subitems_reported / self.subitems_applicable

    def to_dict(self) -> dict[str, Any]:
        return {"set": self.name, "n_items": self.n_items, "items": dict(self.items),
                "subitems_reported": self.subitems_reported, "subitems_applicable": self.subitems_applicable,
                "fraction": self.fraction}


STATUSES = ("reported", "partially_reported", "not_reported", "not_applicable", "not_assessed")


@dataclass(frozen=True)
class ArriveCompliance:
    """Item statuses and the summaries of the Essential 10, the Recommended Set and all items."""

    items: tuple[ItemCompliance, ...]
    essential: SetCompliance
    recommended: SetCompliance
    overall: SetCompliance
    ignored: tuple[str, ...] = ()

    def item(self, key: str) -> ItemCompliance:
        item_id = get_instrument("arrive").item(key).id
        return next(i for i in self.items if i.item == item_id)

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame([i.to_dict() for i in self.items]).set_index("item")

    def to_dict(self) -> dict[str, Any]:
        return {"instrument": "arrive", "items": [i.to_dict() for i in self.items],
                "essential": self.essential.to_dict(), "recommended": self.recommended.to_dict(),
                "overall": self.overall.to_dict(), "ignored": list(self.ignored)}

    def __repr__(self) -> str:
        def pct(s: SetCompliance) -> str:
            return "n/a" if s.fraction is None else f"{100 * s.fraction:.0f}%"

        return f"ArriveCompliance(essential={pct(self.essential)}, recommended={pct(self.recommended)})"


def _status(answers: list[str | None]) -> str:
    given = [a for a in answers if a is not None]
    if not given:
        return "not_assessed"
    applicable = [a for a in given if a != "not_applicable"]
    if not applicable:
        return "not_applicable" if len(given) == len(answers) else "not_assessed"
    n = sum(a == "reported" for a in applicable)
    if n == len([a for a in answers if a != "not_applicable"]):
        return "reported"
    return "partially_reported" if n else "not_reported"


def _set(name: str, items: list[ItemCompliance]) -> SetCompliance:
    return SetCompliance(
        name=name, n_items=len(items), items={s: sum(i.status == s for i in items) for s in STATUSES},
        subitems_reported=sum(i.n_reported for i in items), subitems_applicable=sum(i.n_applicable for i in items),
    )


def _item_compliance(it: Item, item_answer: str | None, sub: Mapping[str, str]) -> ItemCompliance:
    answers = tuple((s.id, sub.get(s.id, item_answer)) for s in it.subitems)
    return ItemCompliance(it.id, it.number, it.name, it.set or "", _status([a for _, a in answers]), answers)


def compliance(answers: Mapping[str, str], *, strict: bool = False) -> ArriveCompliance:
    """ARRIVE 2.0 item statuses and set compliance from ``answers`` (see the module docstring).

    Unknown keys raise KeyError with ``strict``, otherwise they are listed in ``ignored``; answers off the scale
    raise ValueError. An item whose sub-items are only partly answered counts the unanswered ones as not
    assessed: they enter neither the numerator nor the denominator, but the item cannot be "reported".
    """
    inst = get_instrument("arrive")
    subitem_ids = {s.id for it in inst.items for s in it.subitems}
    item_answers: dict[str, str] = {}
    sub_answers: dict[str, str] = {}
    pairs, ignored = inst.canonical_answers(answers, strict=strict)
    for canon, answer in pairs:
        (sub_answers if canon in subitem_ids else item_answers)[canon] = answer
    items = [_item_compliance(it, item_answers.get(it.id), sub_answers) for it in inst.items]
    by_set = {s: _set(s, [i for i in items if i.set == s]) for s in SETS}
    return ArriveCompliance(tuple(items), by_set["essential"], by_set["recommended"], _set("all", items),
                            tuple(ignored))

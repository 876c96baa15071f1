"""SYRCLE risk-of-bias judgements (Hooijmans et al. 2014, BMC Med Res Methodol 14:43).

:func:`judge` turns answers (``Study.rob``: item -> yes / no / unclear, or signalling question ``item.q1`` ->
yes / no / unclear) into one judgement per item, low / high / unclear, with the reason. The rule is the
instrument's own (``instruments/syrcle.yaml``): "yes" is low risk, "no" high risk, "unclear" unclear; an item
answered through its signalling questions is low when every question of one of its paths is yes, high when every
path has a no, unclear otherwise. An item with no answer at all is ``not_assessed`` (never silently "unclear").
As SYRCLE recommends, no summary score is computed.

>>> judge({"sequence_generation": "yes", "assessor_blinding.q1": "no", "assessor_blinding.q2": "no"}).judgement(
...     "assessor_blinding")
'high'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from painregen.appraise.catalogue import Instrument, Item, get_instrument

__all__ = ["JUDGEMENTS", "ItemJudgement", "SyrcleAssessment", "judge"]

#: Judgements in display order; ``not_assessed`` marks an item nobody answered.
JUDGEMENTS: tuple[str, ...] = ("low", "unclear", "high", "not_assessed")


@dataclass(frozen=True)
class ItemJudgement:
    """The judgement of one SYRCLE item and why."""

    item: str
    number: int
    name: str
    bias: str
    answer: str | None
    judgement: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"item": self.item, "number": self.number, "name": self.name, "bias": self.bias,
                "answer": self.answer, "judgement": self.judgement, "reason": self.reason}


@dataclass(frozen=True)
class SyrcleAssessment:
    """Per-item judgements of one study, in the tool's item order. ``ignored`` lists answer keys that are not
    SYRCLE items (kept out of the judgement)."""

    items: tuple[ItemJudgement, ...]
    ignored: tuple[str, ...] = ()

    def judgement(self, item: str) -> str:
        key = get_instrument("syrcle").item(item).id
        return next(j.judgement for j in self.items if j.item == key)

    def judgements(self) -> dict[str, str]:
        return {j.item: j.judgement for j in self.items}

    def counts(self) -> dict[str, int]:
        """Number of items per judgement (every judgement listed, zero included)."""
        return {k: sum(j.judgement == k for j in self.items) for k in JUDGEMENTS}

    def any_high(self, items: tuple[str, ...] | None = None) -> bool:
        keys = None if items is None else {get_instrument("syrcle").item(i).id for i in items}
        return any(j.judgement == "high" for j in self.items if keys is None or j.item in keys)

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame([j.to_dict() for j in self.items]).set_index("item")

    def to_dict(self) -> dict[str, Any]:
        return {"instrument": "syrcle", "items": [j.to_dict() for j in self.items], "counts": self.counts(),
                "ignored": list(self.ignored)}

    def __repr__(self) -> str:
        c = self.counts()
        return f"SyrcleAssessment(low={c['low']}, unclear={c['unclear']}, high={c['high']}, " \
               f"not_assessed={c['not_assessed']})"


def _path_state(path: tuple[str, ...], answers: Mapping[str, str]) -> str:
    got = [answers.get(q, "unclear") for q in path]
    if all(a == "yes" for a in got):
        return "yes"
    return "no" if "no" in got else "unclear"


def _judge_signalling(item: Item, answers: Mapping[str, str], inst: Instrument) -> tuple[str, str]:
    states = [_path_state(p, answers) for p in item.paths]
    shown = "; ".join(f"{q}={answers.get(q, 'missing')}" for q in (s.id for s in item.signalling))
    if "yes" in states:
        path = item.paths[states.index("yes")]
        return inst.judgement_of_answer["yes"], f"every question of path [{', '.join(path)}] answered yes ({shown})"
    if all(s == "no" for s in states):
        return inst.judgement_of_answer["no"], f"every path has a question answered no ({shown})"
    return inst.judgement_of_answer["unclear"], f"no path fully yes and not every path has a no ({shown})"


def judge(answers: Mapping[str, str], *, strict: bool = False, instrument: str = "syrcle") -> SyrcleAssessment:
    """SYRCLE judgement of every item from ``answers`` (item or ``item.qN`` -> yes / no / unclear).

    Keys may be item ids, their aliases (``random_sequence``, ``blinded_outcome``) or signalling questions
    (``assessor_blinding.q2``). An item answered directly takes its answer's judgement (a direct answer wins over
    signalling answers of the same item). Unknown keys raise KeyError with ``strict``; otherwise they are listed
    in ``ignored``. An answer off the scale raises ValueError.
    """
    inst = get_instrument(instrument)
    direct: dict[str, str] = {}
    signalling: dict[str, dict[str, str]] = {}
    pairs, ignored = inst.canonical_answers(answers, strict=strict)
    for canon, answer in pairs:
        if "." in canon:
            item_id, qid = canon.split(".", 1)
            signalling.setdefault(item_id, {})[qid] = answer
        else:
            direct[canon] = answer
    out = []
    for it in inst.items:
        ans: str | None
        if it.id in direct:
            ans = direct[it.id]
            judgement, reason = inst.judgement_of_answer[ans], f"item answered {ans}"
            if it.id in signalling:
                reason += " (the item answer takes precedence over its signalling answers)"
        elif it.id in signalling:
            ans = None
            judgement, reason = _judge_signalling(it, signalling[it.id], inst)
        else:
            ans, judgement, reason = None, "not_assessed", "no answer"
        out.append(ItemJudgement(it.id, it.number, it.name, it.bias or "", ans, judgement, reason))
    return SyrcleAssessment(tuple(out), tuple(ignored))

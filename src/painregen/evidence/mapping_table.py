"""The mapping table a person reviews: one row per distinct label of a Dataset, with the term proposed for it,
or the decision already taken (``painregen map suggest`` writes it, ``painregen map apply`` reads it back).

``status``: ``auto`` (confident proposal, applied unless overruled), ``suggested`` (a proposal that waits for a
person), ``unresolved`` (nothing proposed), ``confirmed`` / ``rejected`` (a person's decision: this term / no
term). To decide, a person sets ``status`` to ``confirmed`` (with ``curie`` a CURIE, a label or a synonym) or
``rejected``; rows left as proposed are ignored by ``map apply``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from painregen.evidence import models as m
from painregen.evidence.crosswalk import match_question
from painregen.evidence.labels import label_key, suggest
from painregen.evidence.remap import control_key, label_uses, needs_control_choice

__all__ = ["COLUMNS", "DECIDED", "STATUSES", "VOCABULARIES", "MappingRow", "StoredDecision", "mapping_rows"]

#: the vocabularies a label can be mapped to (``question``: appraisal items; ``control``: a cohort's control)
VOCABULARIES = ("assay", "model", "product", "species", "strain", "sex", "question", "control")
STATUSES = ("auto", "suggested", "unresolved", "confirmed", "rejected")
DECIDED = ("confirmed", "rejected")
COLUMNS = ("vocabulary", "text", "records", "status", "curie", "label", "method", "score", "alternatives",
           "decided_by", "decided_at")


@dataclass(frozen=True)
class StoredDecision:
    curie: str | None
    status: str  # confirmed | rejected
    decided_by: str | None
    decided_at: datetime | None


@dataclass(frozen=True)
class MappingRow:
    vocabulary: str
    text: str
    key: str
    records: int
    status: str
    curie: str | None
    label: str | None
    method: str
    score: float | None
    alternatives: str
    decided_by: str | None = None
    decided_at: datetime | None = None

    def to_dict(self) -> dict[str, str | int | float | None]:
        return {"vocabulary": self.vocabulary, "text": self.text, "records": self.records, "status": self.status,
                "curie": self.curie, "label": self.label, "method": self.method, "score": self.score,
                "alternatives": self.alternatives, "decided_by": self.decided_by,
                "decided_at": self.decided_at.isoformat() if self.decided_at else None}


def mapping_rows(ds: m.Dataset, stored: Mapping[tuple[str, str], StoredDecision] | None = None) -> list[MappingRow]:
    """One row per distinct (vocabulary, label) of ``ds`` (:func:`painregen.evidence.remap.label_uses`), in the
    order first met, with the stored decision or the proposal."""
    stored = stored or {}
    uses = label_uses(ds)
    counts = Counter((u.vocabulary, label_key(u.text)) for u in uses)
    first: dict[tuple[str, str], str] = {}
    for u in uses:
        first.setdefault((u.vocabulary, label_key(u.text)), u.text)
    controls = _control_candidates(ds)
    rows = []
    for (vocab, key), text in first.items():
        decided = stored.get((vocab, key))
        proposal = _proposal(vocab, text, controls)
        if decided is not None:
            rows.append(MappingRow(vocab, text, key, counts[(vocab, key)], decided.status, decided.curie,
                                   _label(vocab, decided.curie), "person", None, proposal.alternatives,
                                   decided.decided_by, decided.decided_at))
        else:
            rows.append(MappingRow(vocab, text, key, counts[(vocab, key)], proposal.status, proposal.curie,
                                   proposal.label, proposal.method, proposal.score, proposal.alternatives))
    return rows


@dataclass(frozen=True)
class _Proposal:
    status: str
    curie: str | None
    label: str | None
    method: str
    score: float | None
    alternatives: str


def _label(vocab: str, curie: str | None) -> str | None:
    if curie is None or vocab in ("question", "control"):
        return curie
    from painregen.evidence.vocab import get_vocabulary

    try:
        return get_vocabulary(vocab).get(curie).label
    except KeyError:
        return None


def _proposal(vocab: str, text: str, controls: Mapping[str, list[tuple[str, float]]]) -> _Proposal:
    if vocab == "question":
        target = match_question(text)
        if target is None:
            return _Proposal("unresolved", None, None, "none", None, "")
        return _Proposal("auto", target.curie, target.curie, "crosswalk", None, "")
    if vocab == "control":
        ranked = controls.get(label_key(text), [])
        alts = "; ".join(f"{c} {s:.0f}" for c, s in ranked)
        if len(ranked) >= 2 and ranked[0][1] > ranked[1][1]:
            return _Proposal("suggested", ranked[0][0], ranked[0][0], "n and label", ranked[0][1], alts)
        return _Proposal("unresolved", None, None, "none", None, alts)
    s = suggest(vocab, text)
    status = "auto" if s.confident else "suggested" if s.curie else "unresolved"
    return _Proposal(status, s.curie, s.label, s.method, s.score if s.curie else None,
                     "; ".join(str(a) for a in s.alternatives))


_WORD = re.compile(r"[^\W_]+")


def _control_candidates(ds: m.Dataset) -> dict[str, list[tuple[str, float]]]:
    """For each ambiguous treated cohort (by its control key): the experiment's controls scored 0-100 by how well
    they fit: the same n at the treated cohort's first timepoint (50) and the words of the treated cohort's label
    found in the control's label beyond the words every control shares (up to 50)."""
    out: dict[str, list[tuple[str, float]]] = {}
    for s in ds.studies:
        for e in s.experiments:
            ambiguous = needs_control_choice(e)
            if not ambiguous:
                continue
            controls = [c for c in e.cohorts if c.role is m.Role.control]
            words = {c.cohort_id: set(_WORD.findall(c.cohort_id.casefold())) for c in e.cohorts}
            common = set.intersection(*(words[c.cohort_id] for c in controls))
            n_of: dict[str, int] = {}
            for ob in sorted(e.observations, key=lambda o: o.time_days):
                n_of.setdefault(ob.cohort_id, ob.n)
            for t in ambiguous:
                own = words[t.cohort_id] - common
                ranked = []
                for c in controls:
                    extra = words[c.cohort_id] - common
                    overlap = len(own & extra) / len(extra) if extra else 0.0
                    score = 50.0 * (n_of.get(c.cohort_id) == n_of.get(t.cohort_id)) + 50.0 * overlap
                    ranked.append((c.cohort_id, score))
                ranked.sort(key=lambda x: -x[1])
                out[label_key(control_key(s, e, t))] = ranked
    return out

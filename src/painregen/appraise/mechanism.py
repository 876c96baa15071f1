"""Grading mechanistic evidence (review section 5.2.1) and the pathway x pillar x grade evidence map.

The review's checklist has four criteria beyond a change in expression (``kb.mechanistic_criteria()``): activity
measured rather than abundance; loss of function (blocking the pathway weakens the benefit); temporal
resolution (upstream priming vs downstream signalling); compartment specificity (perturbation in the product
and in the target cells). :func:`grade` places one claim on an ordinal scale; loss of function is what turns a
correlation into a causal claim:

====  ==============================  ===========================================================
rank  grade                           evidence shown
====  ==============================  ===========================================================
1     correlative                     neither activity nor loss of function (expression at most)
2     activity-confirmed              activity readout, no loss of function
3     causal                          loss of function, neither time- nor compartment-resolved
4     causal, time-resolved           loss of function and time-resolved, not compartment-resolved
5     causal, compartment-resolved    loss of function and compartment-resolved
====  ==============================  ===========================================================

:func:`evidence_map` counts claims per pathway, pillar and grade across studies and calls a pathway
``robust`` when causal evidence (rank >= 3) comes from at least ``min_studies`` (default 2) different studies,
``supported`` when from one, ``speculative`` otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import pandas as pd

from painregen import kb
from painregen.evidence import models as m
from painregen.evidence.vocab import get_vocabulary

__all__ = ["GRADES", "Grade", "evidence_map", "grade"]

GRADES: tuple[str, ...] = (
    "correlative", "activity-confirmed", "causal", "causal, time-resolved", "causal, compartment-resolved",
)
CAUSAL_RANK = 3


@dataclass(frozen=True)
class Grade:
    """The grade of one mechanism claim and which of the four checklist criteria it meets."""

    pathway: str
    pillar: str
    grade: str
    rank: int
    criteria: Mapping[str, bool]

    @property
    def causal(self) -> bool:
        return self.rank >= CAUSAL_RANK

    @property
    def missing(self) -> tuple[str, ...]:
        """Checklist criteria (kb ids: activity, loss_of_function, temporal, compartment) not shown."""
        return tuple(k for k, v in self.criteria.items() if not v)

    def to_dict(self) -> dict[str, Any]:
        return {"pathway": self.pathway, "pillar": self.pillar, "grade": self.grade, "rank": self.rank,
                "criteria": dict(self.criteria), "missing": list(self.missing)}


def grade(claim: m.MechanismClaim) -> Grade:
    """Grade one claim from its evidence kinds (see the table in the module docstring)."""
    shown = {e.value for e in claim.evidence}
    criteria = MappingProxyType({c.id: c.evidence_kind in shown for c in kb.mechanistic_criteria()})
    if "loss_of_function" in shown:
        if "compartment_resolved" in shown:
            rank = 5
        elif "time_resolved" in shown:
            rank = 4
        else:
            rank = 3
    else:
        rank = 2 if "activity" in shown else 1
    return Grade(claim.pathway, claim.pillar.value, GRADES[rank - 1], rank, criteria)


def _label(curie: str) -> str:
    try:
        return get_vocabulary("pathway").get(curie).label
    except KeyError:
        return curie


def evidence_map(dataset: m.Dataset, *, min_studies: int = 2) -> pd.DataFrame:
    """Claims per pathway and pillar (rows) and grade (columns), with the best grade and a robustness status.

    Columns: ``pathway_label, n_claims, n_studies``, one count column per grade (in :data:`GRADES` order),
    ``best_grade, n_studies_causal, status``. Rows are sorted by pillar, then status (robust first), then pathway.
    """
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for s in dataset.studies:
        for e in s.experiments:
            for c in e.mechanisms:
                g = grade(c)
                r = rows.setdefault((g.pathway, g.pillar), {"_studies": set(), "_causal": set(),
                                                            **dict.fromkeys(GRADES, 0), "_best": 0})
                r[g.grade] += 1
                r["_studies"].add(s.study_id)
                r["_best"] = max(r["_best"], g.rank)
                if g.causal:
                    r["_causal"].add(s.study_id)
    records = []
    for (pathway, pillar), r in rows.items():
        n_causal = len(r["_causal"])
        status = "robust" if n_causal >= min_studies else "supported" if n_causal else "speculative"
        records.append({"pathway": pathway, "pillar": pillar, "pathway_label": _label(pathway),
                        "n_claims": sum(r[g] for g in GRADES), "n_studies": len(r["_studies"]),
                        **{g: r[g] for g in GRADES}, "best_grade": GRADES[r["_best"] - 1],
                        "n_studies_causal": n_causal, "status": status})
    columns = ["pathway", "pillar", "pathway_label", "n_claims", "n_studies", *GRADES, "best_grade",
               "n_studies_causal", "status"]
    out = pd.DataFrame(records, columns=columns)
    if out.empty:
        return out.set_index(["pathway", "pillar"])
    order = {"robust": 0, "supported": 1, "speculative": 2}
    out = out.sort_values(["pillar", "status", "pathway"], key=lambda c: c.map(order) if c.name == "status" else c)
    return out.set_index(["pathway", "pillar"])

"""Agreement of the screeners at a stage: per reviewer pair (Cohen's kappa, Gwet's AC1, percentage) on the
publications both decided, and over the stage (Fleiss' kappa, Gwet's AC1, percentage) on every publication with
two or more screeners. Only the screeners' latest decisions count; arbiters' do not (they are not independent).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import Any

from sqlalchemy.orm import Session

from painregen.review.agreement import multi_agreement, pair_agreement
from painregen.review.screening import EXCLUDE, INCLUDE, MAYBE, outcomes, stage_key


def agreement_from_ratings(ratings: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    """``ratings``: record -> reviewer -> decision. Categories: include and exclude (and maybe when used)."""
    used = {d for by in ratings.values() for d in by.values()}
    cats: Sequence[str] = [INCLUDE, EXCLUDE, MAYBE] if MAYBE in used else [INCLUDE, EXCLUDE]
    multi = [list(by.values()) for by in ratings.values() if len(by) >= 2]
    out: dict[str, Any] = {"n_records": len(multi), "overall": None, "pairs": []}
    if not multi:
        return out
    out["overall"] = multi_agreement(multi, cats).to_dict()
    reviewers = sorted({r for by in ratings.values() for r in by})
    for a, b in combinations(reviewers, 2):
        both = [(by[a], by[b]) for by in ratings.values() if a in by and b in by]
        if not both:
            continue
        pa = pair_agreement([x for x, _ in both], [y for _, y in both], cats)
        out["pairs"].append({"reviewers": [a, b], **pa.to_dict()})
    return out


def stage_agreement(session: Session, stage: str) -> dict[str, Any]:
    """Agreement at ``stage`` among publications whose required screeners have all decided."""
    key = stage_key(stage)
    ratings = {str(i): {rev: r.decision for rev, r in o.screeners.items()}
               for i, o in outcomes(session, key).items() if o.complete}
    return {"stage": key, **agreement_from_ratings(ratings)}


def review_agreement(session: Session) -> list[dict[str, Any]]:
    return [stage_agreement(session, s) for s in ("title_abstract", "full_text")]


__all__ = ["agreement_from_ratings", "review_agreement", "stage_agreement"]

"""Screening: stages (title/abstract, then full text) with inclusion/exclusion criteria, independent decisions of
two or more reviewers per publication, blinding, conflicts for a third reviewer, and each publication's outcome.

Rules (docs/review.md):

- A stage needs ``reviewers_required`` screeners (2 by default). A reviewer sees only their own decisions on a
  publication until every required screener has decided it (blinding); then everyone sees all of them.
- The screeners' latest decisions settle a publication when they agree; a disagreement (or a ``maybe``) is a
  conflict that a third reviewer, who did not screen it, resolves with an ``arbiter`` decision.
- Full-text screening is open to publications included at title/abstract; an exclusion at full text must name a
  criterion (PRISMA 2020 reports full-text exclusions with reasons); at title/abstract a reason is optional.
- Decisions are append-only: a reviewer's later decision on the same publication and stage supersedes the earlier.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from painregen.review.schema import (
    LiteratureRecordRow,
    PublicationRow,
    ReviewCriterionRow,
    ReviewStageRow,
    ScreeningDecisionRow,
)

TITLE_ABSTRACT, FULL_TEXT = "title_abstract", "full_text"
STAGE_ALIASES = {"ta": TITLE_ABSTRACT, "tiab": TITLE_ABSTRACT, "title_abstract": TITLE_ABSTRACT,
                 "title-abstract": TITLE_ABSTRACT, "ft": FULL_TEXT, "full_text": FULL_TEXT, "full-text": FULL_TEXT}
STAGE_LABELS = {TITLE_ABSTRACT: "Title and abstract", FULL_TEXT: "Full text"}
INCLUDE, EXCLUDE, MAYBE = "include", "exclude", "maybe"
DECISIONS = (INCLUDE, EXCLUDE, MAYBE)
SCREENER, ARBITER = "screener", "arbiter"

#: default criteria for reviews of cell and vesicle therapies in animal models of pain and injury
DEFAULT_CRITERIA: dict[str, list[tuple[str, str, str]]] = {
    TITLE_ABSTRACT: [
        ("inclusion", "animal_model", "In vivo study in an animal model of pain, nerve, spinal cord, disc or "
                                      "joint injury"),
        ("inclusion", "cell_therapy", "Intervention: stem/stromal cells, their vesicles or secretome"),
        ("exclusion", "not_animal", "Not an in vivo animal study (human, in vitro or in silico only)"),
        ("exclusion", "no_cell_therapy", "No cell, vesicle or secretome intervention"),
        ("exclusion", "wrong_condition", "Not a pain or tissue-injury model"),
        ("exclusion", "not_primary", "Not primary research (review, editorial, comment, protocol)"),
    ],
    FULL_TEXT: [
        ("inclusion", "controlled", "A control group that received vehicle or no treatment"),
        ("exclusion", "no_control", "No appropriate control group"),
        ("exclusion", "no_outcome", "No pain-related behavioural or structural outcome reported"),
        ("exclusion", "no_data", "Outcome data not extractable (no mean, error or n)"),
        ("exclusion", "duplicate_data", "Data published elsewhere (duplicate report)"),
        ("exclusion", "no_full_text", "Full text not available"),
        ("exclusion", "not_animal", "Not an in vivo animal study"),
        ("exclusion", "no_cell_therapy", "No cell, vesicle or secretome intervention"),
    ],
}


class ScreeningError(ValueError):
    """A decision or request that the rules refuse (the message says why and what to do)."""


def stage_key(name: str) -> str:
    key = STAGE_ALIASES.get(name.strip().lower())
    if key is None:
        raise ScreeningError(f"unknown stage {name!r}: use ta (title/abstract) or ft (full text)")
    return key


def now() -> datetime:
    return datetime.now(UTC)


_STAGES = "painregen_review_stages"  # session.info key of ensure_stages' rows


def ensure_stages(session: Session, reviewers_required: int = 2) -> dict[str, ReviewStageRow]:
    """The two stages, created with the default criteria when the review has none yet.

    Once both exist they are kept in ``session.info`` while they stay persistent in the session (stages are never
    deleted; a rollback of the transaction that created them makes them transient, and they are read again): a
    queue of decisions does not query them once per decision."""
    known = session.info.get(_STAGES)
    if known is not None and all(inspect(row).persistent for row in known.values()):
        return dict(known)
    stages = {s.key: s for s in session.scalars(select(ReviewStageRow))}
    if all(key in stages for key in (TITLE_ABSTRACT, FULL_TEXT)):
        session.info[_STAGES] = stages
        return dict(stages)
    for ordinal, key in enumerate((TITLE_ABSTRACT, FULL_TEXT), 1):
        if key in stages:
            continue
        row = ReviewStageRow(key=key, label=STAGE_LABELS[key], ordinal=ordinal,
                             reviewers_required=reviewers_required, created_at=now())
        session.add(row)
        session.flush()
        for i, (kind, code, text) in enumerate(DEFAULT_CRITERIA[key], 1):
            session.add(ReviewCriterionRow(stage_id=row.id, kind=kind, code=code, text=text, ordinal=i))
        stages[key] = row
    session.flush()
    session.info[_STAGES] = stages
    return dict(stages)


def get_stage(session: Session, name: str) -> ReviewStageRow:
    return ensure_stages(session)[stage_key(name)]


def set_criterion(session: Session, stage: str, kind: str, code: str, text: str) -> ReviewCriterionRow:
    """Add a criterion to a stage, or change the text of an existing one (criteria are never deleted: past
    decisions refer to them)."""
    if kind not in ("inclusion", "exclusion"):
        raise ScreeningError(f"criterion kind must be inclusion or exclusion, not {kind!r}")
    if not code or not code.replace("_", "").replace("-", "").isalnum():
        raise ScreeningError(f"criterion code {code!r}: use letters, digits, _ or - (e.g. no_control)")
    st = get_stage(session, stage)
    row = session.scalar(select(ReviewCriterionRow).where(ReviewCriterionRow.stage_id == st.id,
                                                          ReviewCriterionRow.code == code))
    if row is None:
        row = ReviewCriterionRow(kind=kind, code=code, text=text, ordinal=len(st.criteria) + 1)
        st.criteria.append(row)  # through the relationship: the stage's loaded criteria stay current
    else:
        row.kind, row.text = kind, text
    session.flush()
    return row


def criteria(session: Session) -> list[dict[str, Any]]:
    stages = ensure_stages(session)
    return [{"stage": s.key, "label": s.label, "reviewers_required": s.reviewers_required,
             "criteria": [{"kind": c.kind, "code": c.code, "text": c.text} for c in s.criteria]}
            for s in sorted(stages.values(), key=lambda s: s.ordinal)]


def utc(t: datetime) -> datetime:
    """A time as aware UTC (SQLite gives back naive UTC times)."""
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def _order(r: ScreeningDecisionRow) -> tuple[datetime, int]:
    return utc(r.decided_at), r.id or 0


def _latest(rows: Iterable[ScreeningDecisionRow]) -> dict[tuple[str, str], ScreeningDecisionRow]:
    """(role, reviewer) -> latest decision."""
    out: dict[tuple[str, str], ScreeningDecisionRow] = {}
    for r in sorted(rows, key=_order):
        out[(r.role, r.reviewer)] = r
    return out


@dataclass
class Outcome:
    """Where a publication stands at a stage."""

    publication_id: int
    status: str  # pending, agreed, conflict, resolved
    final: str | None  # include / exclude once agreed or resolved
    screeners: dict[str, ScreeningDecisionRow] = field(default_factory=dict)
    arbiter: ScreeningDecisionRow | None = None

    @property
    def complete(self) -> bool:
        return self.status != "pending"

    def reason(self) -> str | None:
        """The exclusion criterion code of the final decision (the arbiter's, else the first screener's)."""
        if self.final != EXCLUDE:
            return None
        source = [self.arbiter] if self.arbiter is not None else sorted(self.screeners.values(), key=lambda r: r.id)
        for r in source:
            if r is not None and r.decision == EXCLUDE and r.reason:
                return r.reason
        return None


def outcome_of(pub_id: int, rows: Sequence[ScreeningDecisionRow], required: int) -> Outcome:
    latest = _latest(rows)
    screeners = {rev: r for (role, rev), r in latest.items() if role == SCREENER}
    arbiters = [r for (role, _), r in latest.items() if role == ARBITER]
    arbiter = max(arbiters, key=_order) if arbiters else None
    if len(screeners) < required:
        return Outcome(pub_id, "pending", None, screeners, arbiter)
    kinds = {r.decision for r in screeners.values()}
    if len(kinds) == 1 and MAYBE not in kinds:
        return Outcome(pub_id, "agreed", kinds.pop(), screeners, arbiter)
    if arbiter is not None:
        return Outcome(pub_id, "resolved", arbiter.decision, screeners, arbiter)
    return Outcome(pub_id, "conflict", None, screeners, None)


def active_publications(session: Session) -> list[PublicationRow]:
    """Publications that are screened: not merged into another one."""
    return list(session.scalars(select(PublicationRow).where(PublicationRow.merged_into_id.is_(None))
                                .order_by(PublicationRow.id)))


def outcomes(session: Session, stage: str) -> dict[int, Outcome]:
    """Outcome of every publication eligible at ``stage`` (all active publications at title/abstract; those
    included at title/abstract for full text)."""
    st = get_stage(session, stage)
    eligible = [p.id for p in active_publications(session)]
    if st.key == FULL_TEXT:
        ta = outcomes(session, TITLE_ABSTRACT)
        eligible = [i for i in eligible if ta[i].final == INCLUDE]
    rows: dict[int, list[ScreeningDecisionRow]] = defaultdict(list)
    for r in session.scalars(select(ScreeningDecisionRow).where(ScreeningDecisionRow.stage_id == st.id)):
        rows[r.publication_id].append(r)
    return {i: outcome_of(i, rows.get(i, []), st.reviewers_required) for i in eligible}


def outcome(session: Session, stage: str, publication_id: int) -> Outcome | None:
    """``outcomes(session, stage).get(publication_id)`` without the other publications: None when the publication
    does not exist, was merged, or (full text) was not included at title/abstract."""
    st = get_stage(session, stage)
    pub = session.get(PublicationRow, publication_id)
    if pub is None or pub.merged_into_id is not None:
        return None
    if st.key == FULL_TEXT:
        ta = outcome(session, TITLE_ABSTRACT, publication_id)
        if ta is None or ta.final != INCLUDE:
            return None
    rows = session.scalars(select(ScreeningDecisionRow).where(ScreeningDecisionRow.stage_id == st.id,
                                                              ScreeningDecisionRow.publication_id == publication_id))
    return outcome_of(publication_id, list(rows), st.reviewers_required)


def decide(session: Session, publication_id: int, stage: str, reviewer: str, decision: str, *,
           reason: str | None = None, role: str = SCREENER, source: str = "cli",
           when: datetime | None = None, extra_screeners: bool = False) -> ScreeningDecisionRow:
    """Record ``reviewer``'s decision (see the module rules); ScreeningError when a rule refuses it.

    ``extra_screeners``: accept more screeners than the stage requires (imports from tools such as SyRF that
    add a third screener to a conflict)."""
    reviewer = (reviewer or "").strip()
    if not reviewer:
        raise ScreeningError("a decision needs the reviewer's name (--reviewer NAME)")
    decision = decision.strip().lower()
    if decision not in DECISIONS:
        raise ScreeningError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    st = get_stage(session, stage)
    out = outcome(session, st.key, publication_id)  # one publication's (outcomes() of all is quadratic over a queue)
    if out is None:
        pub = session.get(PublicationRow, publication_id)
        if pub is None:
            raise ScreeningError(f"no publication {publication_id} (see `painregen screen list`)")
        if pub.merged_into_id is not None:
            raise ScreeningError(f"publication {publication_id} was merged into {pub.merged_into_id}: screen that")
        raise ScreeningError(f"publication {publication_id} is not at the full-text stage: it was not included "
                             "at title/abstract")
    criterion = None
    if reason:
        criterion = next((c for c in st.criteria if c.code == reason), None)
        if criterion is None:
            codes = ", ".join(c.code for c in st.criteria if c.kind == "exclusion")
            raise ScreeningError(f"unknown reason {reason!r} at {st.key} (exclusion criteria: {codes}; add one with "
                                 "`painregen screen criteria add`)")
    if decision == EXCLUDE and criterion is None and st.key == FULL_TEXT:
        raise ScreeningError("an exclusion at full text needs --reason CODE (PRISMA reports full-text exclusions "
                             "with reasons; see `painregen screen criteria`)")
    if decision == INCLUDE and criterion is not None and criterion.kind == "exclusion":
        raise ScreeningError(f"{reason!r} is an exclusion criterion: it cannot be the reason to include")
    if role == ARBITER:
        if out.status == "pending":
            raise ScreeningError(f"publication {publication_id} still waits for its screeners at {st.key}")
        if out.status == "agreed":
            raise ScreeningError(f"publication {publication_id}: the screeners agree, there is no conflict")
        if reviewer in out.screeners:
            raise ScreeningError(f"{reviewer} screened publication {publication_id}: a third reviewer must resolve "
                                 "the conflict")
        if decision == MAYBE:
            raise ScreeningError("an arbiter's decision must be include or exclude")
    elif role == SCREENER:
        if reviewer not in out.screeners and len(out.screeners) >= st.reviewers_required and not extra_screeners:
            raise ScreeningError(f"publication {publication_id} already has its {st.reviewers_required} screeners "
                                 f"at {st.key}")
    else:
        raise ScreeningError(f"role must be {SCREENER} or {ARBITER}, not {role!r}")
    row = ScreeningDecisionRow(publication_id=publication_id, stage_id=st.id, reviewer=reviewer, role=role,
                               decision=decision, criterion_id=criterion.id if criterion else None,
                               reason=reason if criterion else None, source=source, decided_at=when or now())
    session.add(row)
    session.flush()
    return row


def queue(session: Session, stage: str, reviewer: str, *, prioritise: bool = False) -> list[int]:
    """Publications waiting for ``reviewer`` at ``stage`` (not decided by them, still short of screeners), in
    publication order or, with ``prioritise``, most likely relevant first.

    The model learns only from this reviewer's own decisions and from settled outcomes, so the order reveals
    nothing of what the other screener decided (blinding)."""
    st = get_stage(session, stage)
    outs = outcomes(session, st.key)
    todo = [i for i, o in outs.items() if reviewer not in o.screeners and len(o.screeners) < st.reviewers_required]
    if not prioritise or not todo:
        return todo
    from painregen.review.prioritise import rank, record_text

    labels: dict[int, bool] = {}
    for i, o in outs.items():
        own = o.screeners.get(reviewer)
        if o.final is not None:
            labels[i] = o.final == INCLUDE
        elif own is not None and own.decision != MAYBE:
            labels[i] = own.decision == INCLUDE
    ids = [i for i in outs if i in labels or i in todo]
    texts = [record_text(*publication_text(session, i)) for i in ids]
    pos = {p: k for k, p in enumerate(ids)}
    order = rank(texts, {pos[i]: v for i, v in labels.items() if i in pos})
    ranked = [ids[k] for k in order]
    return [i for i in ranked if i in set(todo)]


def publication_text(session: Session, pub_id: int) -> tuple[str | None, str | None]:
    """Title and abstract of a publication (from its record with the longest abstract)."""
    recs = list(session.scalars(select(LiteratureRecordRow).where(LiteratureRecordRow.publication_id == pub_id)))
    if not recs:
        return None, None
    best = max(recs, key=lambda r: (len(r.abstract or ""), -r.id))
    return best.title, best.abstract


def visible_decisions(session: Session, pub_id: int, stage: str, reviewer: str) -> list[ScreeningDecisionRow]:
    """The decisions on a publication that ``reviewer`` may see: their own until every required screener has
    decided, then all of them."""
    outs = outcomes(session, stage)
    out = outs.get(pub_id)
    if out is None:
        return []
    if out.complete:
        return sorted([*out.screeners.values(), *([out.arbiter] if out.arbiter else [])], key=lambda r: r.id)
    return [r for rev, r in out.screeners.items() if rev == reviewer]


def conflicts(session: Session, stage: str) -> list[Outcome]:
    return [o for o in outcomes(session, stage).values() if o.status == "conflict"]


def counts(session: Session, stage: str) -> dict[str, int]:
    c: dict[str, int] = defaultdict(int)
    for o in outcomes(session, stage).values():
        c[o.status] += 1
        if o.final:
            c[o.final] += 1
    return {k: c.get(k, 0) for k in ("pending", "agreed", "conflict", "resolved", INCLUDE, EXCLUDE)}

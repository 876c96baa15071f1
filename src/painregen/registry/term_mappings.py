"""Mapping decisions (label -> term) stored in the registry, and the mapping table a person reviews.

A decision is stored once per (vocabulary, label key) with who took it and when, and is reused by every later
analysis and import (:func:`painregen.evidence.remap.remap` applies it). See
:mod:`painregen.evidence.mapping_table` for the statuses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from painregen.evidence.mapping_table import DECIDED, StoredDecision
from painregen.registry.provenance import as_utc
from painregen.registry.schema import TermMappingRow

__all__ = ["Decision", "store_decisions", "stored_decisions"]


@dataclass(frozen=True)
class Decision:
    """A person's decision on one label: ``curie`` (None with status ``rejected``: no term for this label)."""

    vocabulary: str
    key: str
    text: str
    status: str  # confirmed | rejected
    curie: str | None
    note: str | None = None


def stored_decisions(session: Session) -> dict[tuple[str, str], StoredDecision]:
    """Every decision in the registry by (vocabulary, label key)."""
    rows = session.scalars(select(TermMappingRow).where(TermMappingRow.status.in_(DECIDED)))
    return {(r.vocabulary, r.key): StoredDecision(r.curie, r.status, r.decided_by, as_utc(r.decided_at))
            for r in rows}


def store_decisions(session: Session, decisions: Iterable[Decision], reviewer: str) -> int:
    """Insert or replace decisions (inside the caller's transaction); returns how many were written."""
    now = datetime.now(UTC)
    n = 0
    for d in decisions:
        if d.status not in DECIDED:
            raise ValueError(f"a decision is confirmed or rejected, not {d.status!r}")
        row = session.scalars(select(TermMappingRow).where(TermMappingRow.vocabulary == d.vocabulary,
                                                            TermMappingRow.key == d.key)).one_or_none()
        if row is None:
            row = TermMappingRow(vocabulary=d.vocabulary, key=d.key)
            session.add(row)
        row.text, row.curie, row.status, row.note = d.text, d.curie if d.status == "confirmed" else None, d.status, \
            d.note
        row.method, row.score, row.decided_by, row.decided_at = "person", None, reviewer, now
        n += 1
    session.flush()
    return n

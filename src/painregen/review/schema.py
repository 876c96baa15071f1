"""Relational schema of the systematic-review workflow (issue 15), on the registry's declarative ``Base``.

The tables follow a review from search export to evidence:

``search_imports``
    one imported search-result file: database searched (``source_name``), search date, file name, SHA-256,
    detected format, who imported it and when.
``literature_records``
    every record read from a search file (PRISMA "records identified"), with the normalised fields
    (title, authors, year, journal, volume, issue, pages, doi, pmid, abstract, keywords), the file's raw fields
    (``raw``, JSON), its position in the file (``record_number``, 1-based) and its key there (``source_key``:
    RIS ``ID``, BibTeX key, CSV ``record_id``). Records are never deleted: merging duplicates re-points them.
``publications``
    the deduplicated unit that is screened (PRISMA "records screened"): every literature record points to
    exactly one publication; a publication with several records is a duplicate group, and merged records keep
    every source. A publication merged into another keeps its row (``merged_into_id``) so that decisions made
    on it stay traceable. ``study_pk`` links an included publication to the evidence study it became.
``duplicate_pairs``
    pair decisions of the duplicate detector and of reviewers: score, method, status (``auto`` merged by the
    detector, ``queued`` uncertain and waiting for a person, ``merged`` / ``distinct`` decided by a reviewer),
    who and when.
``review_stages`` / ``review_criteria``
    the screening stages (title/abstract, full text) and their inclusion/exclusion criteria (reasons).
``screening_decisions``
    one reviewer's decision on one publication at one stage (append-only; a later row of the same reviewer,
    publication and stage supersedes an earlier one).
``extraction_versions`` / ``reconciliations``
    each reviewer's extraction or appraisal payload for a publication/study, and the agreed value of each
    reconciled field with who decided it.

Reviewer identity is a ``reviewer`` (or ``decided_by``) text column on every decision; user accounts (issue 13)
can add a nullable ``user_id`` beside it without touching existing rows. Types are portable (SQLite and
PostgreSQL). The Alembic revision ``0003`` creates these tables; ``migrations/env.py`` imports this module so
that autogenerate comparison sees them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from painregen.registry.schema import FLOAT, SHORT, Base

#: statuses of a duplicate pair
PAIR_AUTO, PAIR_QUEUED, PAIR_MERGED, PAIR_DISTINCT = "auto", "queued", "merged", "distinct"


class SearchImportRow(Base):
    """One imported search-result file (all-or-nothing: the row exists only when every record was read)."""

    __tablename__ = "search_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_name: Mapped[str] = mapped_column(Text)  # database searched: "PubMed", "Embase (Ovid)", ...
    file_name: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    format: Mapped[str] = mapped_column(SHORT)  # ris, bibtex, nbib, pubmed_xml, endnote_xml, wos, csv
    search_date: Mapped[date | None] = mapped_column(Date)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    imported_by: Mapped[str | None] = mapped_column(Text)
    painregen_version: Mapped[str] = mapped_column(SHORT)
    n_records: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)

    records: Mapped[list[LiteratureRecordRow]] = relationship(
        back_populates="search_import", order_by="LiteratureRecordRow.record_number"
    )


class PublicationRow(Base):
    """A deduplicated publication: the unit that is screened and, when included, becomes an evidence study."""

    __tablename__ = "publications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("publications.id"), index=True)
    study_pk: Mapped[int | None] = mapped_column(ForeignKey("studies.id"), index=True)
    linked_by: Mapped[str | None] = mapped_column(Text)
    linked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # how the linked study's data entered: "reconciled" (two extractions, every discrepancy decided) or
    # "single" (one extractor's data, entered with the switch that allows it; labelled in the report)
    extraction_status: Mapped[str | None] = mapped_column(SHORT)

    records: Mapped[list[LiteratureRecordRow]] = relationship(
        back_populates="publication", order_by="LiteratureRecordRow.id"
    )


class LiteratureRecordRow(Base):
    """One record of a search file, as read (normalised fields + raw fields), pointing to its publication."""

    __tablename__ = "literature_records"
    __table_args__ = (UniqueConstraint("search_import_id", "record_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    search_import_id: Mapped[int] = mapped_column(ForeignKey("search_imports.id"), index=True)
    record_number: Mapped[int] = mapped_column(Integer)  # 1-based position in the file
    source_key: Mapped[str | None] = mapped_column(Text)  # RIS ID / BibTeX key / CSV record_id / PMID
    publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id"), index=True)
    entry_type: Mapped[str | None] = mapped_column(SHORT)  # article, conference, book, ...
    title: Mapped[str | None] = mapped_column(Text)
    authors: Mapped[str | None] = mapped_column(Text)  # "Last, First; Last, First" in source order
    year: Mapped[int | None] = mapped_column(Integer)
    journal: Mapped[str | None] = mapped_column(Text)
    volume: Mapped[str | None] = mapped_column(Text)
    issue: Mapped[str | None] = mapped_column(Text)
    pages: Mapped[str | None] = mapped_column(Text)
    doi: Mapped[str | None] = mapped_column(Text)
    pmid: Mapped[str | None] = mapped_column(SHORT, index=True)
    abstract: Mapped[str | None] = mapped_column(Text)
    keywords: Mapped[str | None] = mapped_column(Text)  # "; "-joined
    isbn: Mapped[str | None] = mapped_column(Text)  # ISSN or ISBN
    url: Mapped[str | None] = mapped_column(Text)
    doi_key: Mapped[str | None] = mapped_column(Text, index=True)  # normalised DOI (lower case, no resolver)
    title_key: Mapped[str | None] = mapped_column(Text, index=True)  # normalised title
    raw: Mapped[dict[str, Any]] = mapped_column(JSON)

    search_import: Mapped[SearchImportRow] = relationship(back_populates="records")
    publication: Mapped[PublicationRow] = relationship(back_populates="records")


class DuplicatePairRow(Base):
    """A candidate duplicate pair (``record_a_id`` < ``record_b_id``) and its decision."""

    __tablename__ = "duplicate_pairs"
    __table_args__ = (UniqueConstraint("record_a_id", "record_b_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_a_id: Mapped[int] = mapped_column(ForeignKey("literature_records.id"), index=True)
    record_b_id: Mapped[int] = mapped_column(ForeignKey("literature_records.id"), index=True)
    score: Mapped[float | None] = mapped_column(FLOAT)
    method: Mapped[str] = mapped_column(SHORT)  # doi, pmid, similarity, reviewer
    status: Mapped[str] = mapped_column(SHORT)  # auto, queued, merged, distinct
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # per-field similarities
    decided_by: Mapped[str | None] = mapped_column(Text)  # reviewer name; NULL for the detector
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    record_a: Mapped[LiteratureRecordRow] = relationship(foreign_keys=[record_a_id])
    record_b: Mapped[LiteratureRecordRow] = relationship(foreign_keys=[record_b_id])


class ReviewStageRow(Base):
    """A screening stage: ``key`` ``title_abstract`` or ``full_text`` (or another a team defines)."""

    __tablename__ = "review_stages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(SHORT, unique=True)
    label: Mapped[str] = mapped_column(Text)
    ordinal: Mapped[int] = mapped_column(Integer)
    reviewers_required: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    criteria: Mapped[list[ReviewCriterionRow]] = relationship(order_by="ReviewCriterionRow.ordinal")


class ReviewCriterionRow(Base):
    """An inclusion or exclusion criterion of a stage; exclusion criteria are the reasons PRISMA reports."""

    __tablename__ = "review_criteria"
    __table_args__ = (UniqueConstraint("stage_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stage_id: Mapped[int] = mapped_column(ForeignKey("review_stages.id"), index=True)
    kind: Mapped[str] = mapped_column(SHORT)  # inclusion, exclusion
    code: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    ordinal: Mapped[int] = mapped_column(Integer)


class ScreeningDecisionRow(Base):
    """One reviewer's decision on one publication at one stage (append-only history)."""

    __tablename__ = "screening_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id"), index=True)
    stage_id: Mapped[int] = mapped_column(ForeignKey("review_stages.id"), index=True)
    reviewer: Mapped[str] = mapped_column(Text, index=True)
    role: Mapped[str] = mapped_column(SHORT)  # screener, arbiter (third reviewer resolving a conflict)
    decision: Mapped[str] = mapped_column(SHORT)  # include, exclude, maybe
    criterion_id: Mapped[int | None] = mapped_column(ForeignKey("review_criteria.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(SHORT)  # cli, web, syrf, ...
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ExtractionVersionRow(Base):
    """One reviewer's extraction (``kind`` ``data``) or appraisal answers (``syrcle``, ``arrive``, ``camarades``)
    of a publication, as a JSON payload; each save is a new version."""

    __tablename__ = "extraction_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    publication_id: Mapped[int | None] = mapped_column(ForeignKey("publications.id"), index=True)
    study_pk: Mapped[int | None] = mapped_column(ForeignKey("studies.id"), index=True)
    kind: Mapped[str] = mapped_column(SHORT)
    reviewer: Mapped[str] = mapped_column(Text, index=True)
    version: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    source: Mapped[str | None] = mapped_column(Text)  # web, or the template file it was read from
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReconciliationRow(Base):
    """The agreed value of one field after comparing reviewers' versions (screening or extraction)."""

    __tablename__ = "reconciliations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    publication_id: Mapped[int | None] = mapped_column(ForeignKey("publications.id"), index=True)
    study_pk: Mapped[int | None] = mapped_column(ForeignKey("studies.id"), index=True)
    kind: Mapped[str] = mapped_column(SHORT)  # screening, data, syrcle, arrive, camarades
    field: Mapped[str] = mapped_column(Text)
    reviewer_values: Mapped[dict[str, Any]] = mapped_column(JSON)  # reviewer -> value (and version ids)
    agreed_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    decided_by: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text)


#: Review tables by name, in insertion (parent before child) order.
REVIEW_TABLES: dict[str, type[Base]] = {
    "search_imports": SearchImportRow,
    "publications": PublicationRow,
    "literature_records": LiteratureRecordRow,
    "duplicate_pairs": DuplicatePairRow,
    "review_stages": ReviewStageRow,
    "review_criteria": ReviewCriterionRow,
    "screening_decisions": ScreeningDecisionRow,
    "extraction_versions": ExtractionVersionRow,
    "reconciliations": ReconciliationRow,
}

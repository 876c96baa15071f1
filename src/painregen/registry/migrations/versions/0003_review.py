"""The systematic-review workflow (issue 15): search imports, literature records, publications (deduplicated
records, linked to the evidence study they became), duplicate pairs, review stages and criteria, screening
decisions, extraction versions and reconciliations. Mirrors :mod:`painregen.review.schema` (a frozen copy: it
does not import the live schema).

Reviewer identity is a text column (``reviewer`` / ``decided_by`` / ``imported_by`` / ``linked_by``); user
accounts can add a nullable ``user_id`` beside it in a later revision.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT = sa.Text()
SHORT = sa.String(length=32)
WHEN = sa.DateTime(timezone=True)

#: table -> its indexed columns, created as ix_<table>_<column> (tables in creation order)
INDEXES: dict[str, list[str]] = {
    "review_stages": [],
    "search_imports": [],
    "review_criteria": ["stage_id"],
    "publications": ["merged_into_id", "study_pk"],
    "literature_records": ["doi_key", "pmid", "publication_id", "search_import_id", "title_key"],
    "duplicate_pairs": ["record_a_id", "record_b_id"],
    "screening_decisions": ["publication_id", "reviewer", "stage_id"],
    "extraction_versions": ["publication_id", "reviewer", "study_pk"],
    "reconciliations": ["publication_id", "study_pk"],
}


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), nullable=False)


def _fk(table: str, column: str, parent: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{parent}.id"], name=op.f(f"fk_{table}_{column}_{parent}"))


def _pk(table: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}"))


def upgrade() -> None:
    op.create_table(
        "review_stages",
        _id(),
        sa.Column("key", SHORT, nullable=False),
        sa.Column("label", TEXT, nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("reviewers_required", sa.Integer(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        _pk("review_stages"),
        sa.UniqueConstraint("key", name=op.f("uq_review_stages_key")),
    )
    op.create_table(
        "search_imports",
        _id(),
        sa.Column("source_name", TEXT, nullable=False),
        sa.Column("file_name", TEXT, nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("format", SHORT, nullable=False),
        sa.Column("search_date", sa.Date(), nullable=True),
        sa.Column("imported_at", WHEN, nullable=False),
        sa.Column("imported_by", TEXT, nullable=True),
        sa.Column("painregen_version", SHORT, nullable=False),
        sa.Column("n_records", sa.Integer(), nullable=False),
        sa.Column("note", TEXT, nullable=True),
        _pk("search_imports"),
        sa.UniqueConstraint("sha256", name=op.f("uq_search_imports_sha256")),
    )
    op.create_table(
        "review_criteria",
        _id(),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("kind", SHORT, nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("text", TEXT, nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        _fk("review_criteria", "stage_id", "review_stages"),
        _pk("review_criteria"),
        sa.UniqueConstraint("stage_id", "code", name=op.f("uq_review_criteria_stage_id_code")),
    )
    op.create_table(
        "publications",
        _id(),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("study_pk", sa.Integer(), nullable=True),
        sa.Column("linked_by", TEXT, nullable=True),
        sa.Column("linked_at", WHEN, nullable=True),
        sa.Column("extraction_status", SHORT, nullable=True),
        _fk("publications", "merged_into_id", "publications"),
        _fk("publications", "study_pk", "studies"),
        _pk("publications"),
    )
    op.create_table(
        "literature_records",
        _id(),
        sa.Column("search_import_id", sa.Integer(), nullable=False),
        sa.Column("record_number", sa.Integer(), nullable=False),
        sa.Column("source_key", TEXT, nullable=True),
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.Column("entry_type", SHORT, nullable=True),
        *(sa.Column(name, TEXT, nullable=True) for name in ("title", "authors")),
        sa.Column("year", sa.Integer(), nullable=True),
        *(sa.Column(name, TEXT, nullable=True) for name in ("journal", "volume", "issue", "pages", "doi")),
        sa.Column("pmid", SHORT, nullable=True),
        *(sa.Column(name, TEXT, nullable=True) for name in ("abstract", "keywords", "isbn", "url", "doi_key",
                                                             "title_key")),
        sa.Column("raw", sa.JSON(), nullable=False),
        _fk("literature_records", "publication_id", "publications"),
        _fk("literature_records", "search_import_id", "search_imports"),
        _pk("literature_records"),
        sa.UniqueConstraint(
            "search_import_id", "record_number", name=op.f("uq_literature_records_search_import_id_record_number")
        ),
    )
    op.create_table(
        "duplicate_pairs",
        _id(),
        sa.Column("record_a_id", sa.Integer(), nullable=False),
        sa.Column("record_b_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column("method", SHORT, nullable=False),
        sa.Column("status", SHORT, nullable=False),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.Column("decided_by", TEXT, nullable=True),
        sa.Column("decided_at", WHEN, nullable=False),
        _fk("duplicate_pairs", "record_a_id", "literature_records"),
        _fk("duplicate_pairs", "record_b_id", "literature_records"),
        _pk("duplicate_pairs"),
        sa.UniqueConstraint("record_a_id", "record_b_id", name=op.f("uq_duplicate_pairs_record_a_id_record_b_id")),
    )
    op.create_table(
        "screening_decisions",
        _id(),
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("reviewer", TEXT, nullable=False),
        sa.Column("role", SHORT, nullable=False),
        sa.Column("decision", SHORT, nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=True),
        sa.Column("reason", TEXT, nullable=True),
        sa.Column("source", SHORT, nullable=False),
        sa.Column("decided_at", WHEN, nullable=False),
        _fk("screening_decisions", "criterion_id", "review_criteria"),
        _fk("screening_decisions", "publication_id", "publications"),
        _fk("screening_decisions", "stage_id", "review_stages"),
        _pk("screening_decisions"),
    )
    op.create_table(
        "extraction_versions",
        _id(),
        sa.Column("publication_id", sa.Integer(), nullable=True),
        sa.Column("study_pk", sa.Integer(), nullable=True),
        sa.Column("kind", SHORT, nullable=False),
        sa.Column("reviewer", TEXT, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("source", TEXT, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        _fk("extraction_versions", "publication_id", "publications"),
        _fk("extraction_versions", "study_pk", "studies"),
        _pk("extraction_versions"),
    )
    op.create_table(
        "reconciliations",
        _id(),
        sa.Column("publication_id", sa.Integer(), nullable=True),
        sa.Column("study_pk", sa.Integer(), nullable=True),
        sa.Column("kind", SHORT, nullable=False),
        sa.Column("field", TEXT, nullable=False),
        sa.Column("reviewer_values", sa.JSON(), nullable=False),
        sa.Column("agreed_value", sa.JSON(), nullable=True),
        sa.Column("decided_by", TEXT, nullable=False),
        sa.Column("decided_at", WHEN, nullable=False),
        sa.Column("note", TEXT, nullable=True),
        _fk("reconciliations", "publication_id", "publications"),
        _fk("reconciliations", "study_pk", "studies"),
        _pk("reconciliations"),
    )
    for table, columns in INDEXES.items():
        for column in columns:
            op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def downgrade() -> None:
    for table in reversed(INDEXES):
        for column in INDEXES[table]:
            op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
        op.drop_table(table)

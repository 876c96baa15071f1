"""Initial registry schema: imports, studies, appraisal answers, experiments, cohorts, outcomes, observations,
mechanisms and adverse events.

A frozen snapshot of :mod:`painregen.registry.schema` as of painregen 0.1 (it deliberately does not import the
live schema, so later changes need a new revision). Types are portable (SQLite and PostgreSQL).

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT = sa.Text()
SHORT = sa.String(length=32)
FLOAT: sa.Double[float] = sa.Double()

#: table -> (its indexed columns), created as ix_<table>_<column>
INDEXES: dict[str, list[str]] = {
    "studies": ["import_id", "study_id", "pmid", "doi_key", "title_key"],
    "appraisal_answers": ["import_id", "study_pk"],
    "experiments": ["import_id", "study_pk"],
    "cohorts": ["import_id", "experiment_pk", "product"],
    "outcomes": ["import_id", "experiment_pk", "assay"],
    "observations": ["import_id", "experiment_pk", "cohort_pk", "outcome_pk"],
    "mechanisms": ["import_id", "experiment_pk", "pathway"],
    "adverse_events": ["import_id", "experiment_pk", "cohort_pk"],
}


def _col(name: str, type_: sa.types.TypeEngine[Any], nullable: bool = True) -> sa.Column[Any]:
    return sa.Column(name, type_, nullable=nullable)


def _evidence_table(name: str, *items: sa.Column[Any] | sa.Constraint) -> None:
    """Create an evidence table: id, import_id, source_row, ordinal, then its own columns and constraints."""
    fks = [
        sa.ForeignKeyConstraint([c.name], [f"{parent}.id"], name=op.f(f"fk_{name}_{c.name}_{parent}"))
        for c in items
        if isinstance(c, sa.Column) and c.name.endswith("_pk")
        for parent in [{"study_pk": "studies", "experiment_pk": "experiments", "cohort_pk": "cohorts",
                        "outcome_pk": "outcomes"}[c.name]]
    ]
    op.create_table(
        name,
        _col("id", sa.Integer(), nullable=False),
        _col("import_id", sa.Integer(), nullable=False),
        _col("source_row", sa.Integer()),
        _col("ordinal", sa.Integer(), nullable=False),
        *items,
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        sa.ForeignKeyConstraint(["import_id"], ["imports.id"], name=op.f(f"fk_{name}_import_id_imports")),
        *fks,
    )


def _unique(table: str, *cols: str) -> sa.UniqueConstraint:
    return sa.UniqueConstraint(*cols, name=op.f(f"uq_{table}_{'_'.join(cols)}"))


def upgrade() -> None:
    op.create_table(
        "imports",
        _col("id", sa.Integer(), nullable=False),
        _col("source", TEXT, nullable=False),
        _col("sha256", sa.String(length=64), nullable=False),
        _col("format", SHORT, nullable=False),
        _col("imported_at", sa.DateTime(timezone=True), nullable=False),
        _col("painregen_version", SHORT, nullable=False),
        _col("n_studies", sa.Integer(), nullable=False),
        _col("n_records", sa.Integer(), nullable=False),
        _col("simulated", sa.Boolean(), nullable=False),
        _col("truth", sa.JSON()),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imports")),
        sa.UniqueConstraint("sha256", name=op.f("uq_imports_sha256")),
    )
    _evidence_table(
        "studies",
        _col("study_id", TEXT, nullable=False),
        _col("title", TEXT, nullable=False),
        _col("authors", TEXT),
        _col("year", sa.Integer()),
        _col("journal", TEXT),
        _col("doi", TEXT),
        _col("pmid", sa.String(length=16)),
        _col("funding", TEXT),
        _col("conflicts", TEXT),
        _col("methods_text", TEXT),
        _col("simulated", sa.Boolean(), nullable=False),
        _col("doi_key", TEXT),
        _col("title_key", TEXT, nullable=False),
    )
    _evidence_table(
        "appraisal_answers",
        _col("study_pk", sa.Integer(), nullable=False),
        _col("instrument", SHORT, nullable=False),
        _col("item", TEXT, nullable=False),
        _col("answer", TEXT, nullable=False),
        _unique("appraisal_answers", "study_pk", "instrument", "item"),
    )
    _evidence_table(
        "experiments",
        _col("study_pk", sa.Integer(), nullable=False),
        _col("experiment_id", TEXT, nullable=False),
        _col("species", TEXT),
        _col("strain", TEXT),
        _col("sex", SHORT, nullable=False),
        _col("age_weeks", FLOAT),
        _col("weight_g", FLOAT),
        _col("supplier", TEXT),
        _col("model", TEXT),
        _col("induction", TEXT),
        _unique("experiments", "study_pk", "experiment_id"),
    )
    _evidence_table(
        "cohorts",
        _col("experiment_pk", sa.Integer(), nullable=False),
        _col("cohort_id", TEXT, nullable=False),
        _col("role", SHORT, nullable=False),
        _col("n_randomised", sa.Integer()),
        _col("n_analysed", sa.Integer()),
        _col("control_cohort", TEXT),
        _col("sham_cohort", TEXT),
        _col("description", TEXT),
        _col("product", TEXT),
        _col("tissue_source", TEXT),
        _col("donor_species", TEXT),
        _col("donor_relation", SHORT),
        _col("passage", sa.Integer()),
        _col("preconditioning", TEXT),
        _col("route", TEXT),
        _col("timing_days", FLOAT),
        _col("timing_mode", SHORT),
        _col("administrations", sa.Integer()),
        _col("interval_days", FLOAT),
        _col("scaffold", TEXT),
        _col("co_treatment", TEXT),
        _col("intervention_source_row", sa.Integer()),
        _col("dose_amount", FLOAT),
        _col("dose_unit", TEXT),
        _col("dose_basis", SHORT),
        _col("dose_text", TEXT),
        _col("dose_source_row", sa.Integer()),
        _unique("cohorts", "experiment_pk", "cohort_id"),
    )
    _evidence_table(
        "outcomes",
        _col("experiment_pk", sa.Integer(), nullable=False),
        _col("outcome_id", TEXT, nullable=False),
        _col("assay", TEXT),
        _col("domain", SHORT),
        _col("unit", TEXT),
        _col("greater_is_better", sa.Boolean(), nullable=False),
        _unique("outcomes", "experiment_pk", "outcome_id"),
    )
    _evidence_table(
        "observations",
        _col("experiment_pk", sa.Integer(), nullable=False),
        _col("cohort_pk", sa.Integer(), nullable=False),
        _col("outcome_pk", sa.Integer(), nullable=False),
        _col("time_days", FLOAT, nullable=False),
        _col("average", FLOAT, nullable=False),
        _col("average_type", SHORT, nullable=False),
        _col("error", FLOAT),
        _col("error_low", FLOAT),
        _col("error_high", FLOAT),
        _col("error_type", SHORT, nullable=False),
        _col("n", sa.Integer(), nullable=False),
    )
    _evidence_table(
        "mechanisms",
        _col("experiment_pk", sa.Integer(), nullable=False),
        _col("pathway", TEXT, nullable=False),
        _col("pillar", SHORT, nullable=False),
        _col("evidence", TEXT, nullable=False),
        _col("compartment", TEXT),
        _col("cohort_id", TEXT),
        _col("note", TEXT),
    )
    _evidence_table(
        "adverse_events",
        _col("experiment_pk", sa.Integer(), nullable=False),
        _col("cohort_pk", sa.Integer(), nullable=False),
        _col("kind", TEXT, nullable=False),
        _col("n_events", sa.Integer(), nullable=False),
        _col("n_at_risk", sa.Integer(), nullable=False),
        _col("route", TEXT),
        _col("note", TEXT),
    )
    for table, columns in INDEXES.items():
        for column in columns:
            op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def downgrade() -> None:
    for table, columns in reversed(INDEXES.items()):
        for column in columns:
            op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
    for table in reversed(["imports", *INDEXES]):
        op.drop_table(table)

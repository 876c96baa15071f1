"""Projects (named sets of studies); a cohort's model and treatment as the source names them; term mappings
(free-text labels of imported files -> vocabulary terms, confirmed once and reused); background jobs of the web
workbench (report builds and other long work, shared by every server worker).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT = sa.Text()
SHORT = sa.String(length=32)


def upgrade() -> None:
    with op.batch_alter_table("cohorts") as batch:
        batch.add_column(sa.Column("model_text", TEXT, nullable=True))
        batch.add_column(sa.Column("treatment_text", TEXT, nullable=True))
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", TEXT, nullable=False),
        sa.Column("description", TEXT, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
        sa.UniqueConstraint("name", name=op.f("uq_projects_name")),
    )
    op.create_table(
        "project_studies",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("study_pk", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "study_pk", name=op.f("pk_project_studies")),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name=op.f("fk_project_studies_project_id_projects")),
        sa.ForeignKeyConstraint(["study_pk"], ["studies.id"], name=op.f("fk_project_studies_study_pk_studies")),
    )
    op.create_index(op.f("ix_project_studies_study_pk"), "project_studies", ["study_pk"], unique=False)
    op.create_table(
        "term_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vocabulary", SHORT, nullable=False),
        sa.Column("key", TEXT, nullable=False),
        sa.Column("text", TEXT, nullable=False),
        sa.Column("curie", TEXT, nullable=True),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column("method", SHORT, nullable=False),
        sa.Column("status", SHORT, nullable=False),
        sa.Column("decided_by", TEXT, nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("note", TEXT, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_term_mappings")),
        sa.ForeignKeyConstraint(["import_id"], ["imports.id"], name=op.f("fk_term_mappings_import_id_imports")),
        sa.UniqueConstraint("vocabulary", "key", name=op.f("uq_term_mappings_vocabulary_key")),
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", SHORT, nullable=False),
        sa.Column("status", SHORT, nullable=False),
        sa.Column("progress", sa.Double(), nullable=False),
        sa.Column("message", TEXT, nullable=True),
        sa.Column("params", sa.JSON(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", TEXT, nullable=True),
        sa.Column("created_by", TEXT, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )


def downgrade() -> None:
    op.drop_table("jobs")
    op.drop_table("term_mappings")
    op.drop_index(op.f("ix_project_studies_study_pk"), table_name="project_studies")
    op.drop_table("project_studies")
    op.drop_table("projects")
    with op.batch_alter_table("cohorts") as batch:
        batch.drop_column("treatment_text")
        batch.drop_column("model_text")

"""Projects: named sets of studies (a systematic review, a consortium's pooled data) that analyses and, on a
shared server, permissions are scoped to."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from painregen.registry.schema import ProjectRow, ProjectStudyRow

__all__ = ["MAX_NAME", "add_studies", "project_summaries"]

MAX_NAME = 200


def _project(session: Session, name: str, create: bool) -> ProjectRow | None:
    row = session.scalars(select(ProjectRow).where(ProjectRow.name == name)).one_or_none()
    if row is None and create:
        row = ProjectRow(name=name, created_at=datetime.now(UTC))
        session.add(row)
        session.flush()
    return row


def add_studies(session: Session, name: str, study_pks: Iterable[int]) -> int:
    """Put studies in the project ``name`` (created if new); returns how many were added."""
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise ValueError(f"a project name has 1 to {MAX_NAME} characters")
    project = _project(session, name, create=True)
    assert project is not None
    have = set(session.scalars(select(ProjectStudyRow.study_pk).where(ProjectStudyRow.project_id == project.id)))
    new = [pk for pk in dict.fromkeys(study_pks) if pk not in have]
    session.add_all(ProjectStudyRow(project_id=project.id, study_pk=pk) for pk in new)
    session.flush()
    return len(new)


def project_summaries(session: Session) -> list[dict[str, object]]:
    """Every project with its number of studies, by name."""
    rows = session.execute(select(ProjectRow.name, func.count(ProjectStudyRow.study_pk))
                           .outerjoin(ProjectStudyRow, ProjectStudyRow.project_id == ProjectRow.id)
                           .group_by(ProjectRow.id, ProjectRow.name).order_by(ProjectRow.name))
    return [{"name": n, "n_studies": k} for n, k in rows]

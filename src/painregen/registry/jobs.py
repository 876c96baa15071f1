"""Background jobs (report builds and other long work) recorded in the registry, so that every server worker
sees their state; and the registry's content version, which says whether cached results are still valid."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from painregen.registry.provenance import as_utc
from painregen.registry.schema import AppraisalAnswerRow, ImportRow, JobRow, StudyRow, TermMappingRow

__all__ = ["JOB_STATES", "Job", "content_version", "create_job", "fail_stale_jobs", "get_job", "recent_jobs",
           "update_job"]

JOB_STATES = ("queued", "running", "done", "failed")


@dataclass(frozen=True)
class Job:
    id: str
    kind: str
    status: str
    progress: float
    message: str | None
    params: dict[str, Any]
    result: dict[str, Any] | None
    error: str | None
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "status": self.status, "progress": self.progress,
                "message": self.message, "params": self.params, "result": self.result, "error": self.error,
                "created_by": self.created_by, "created_at": self.created_at.isoformat(),
                "finished_at": self.finished_at.isoformat() if self.finished_at else None}


def _job(row: JobRow) -> Job:
    return Job(row.id, row.kind, row.status, row.progress, row.message, dict(row.params or {}), row.result,
               row.error, row.created_by, as_utc(row.created_at), as_utc(row.updated_at),
               as_utc(row.finished_at) if row.finished_at else None)


def create_job(session: Session, kind: str, params: dict[str, Any], created_by: str | None = None) -> Job:
    now = datetime.now(UTC)
    row = JobRow(id=str(uuid.uuid4()), kind=kind, status="queued", progress=0.0, message="waiting to start",
                 params=params, created_by=created_by, created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    return _job(row)


def get_job(session: Session, job_id: str) -> Job | None:
    row = session.get(JobRow, job_id)
    return None if row is None else _job(row)


def update_job(session: Session, job_id: str, *, status: str | None = None, progress: float | None = None,
               message: str | None = None, result: dict[str, Any] | None = None, error: str | None = None) -> None:
    values: dict[str, Any] = {"updated_at": datetime.now(UTC)}
    if status is not None:
        if status not in JOB_STATES:
            raise ValueError(f"job status is one of {', '.join(JOB_STATES)}, not {status!r}")
        values["status"] = status
        if status in ("done", "failed"):
            values["finished_at"] = datetime.now(UTC)
    for key, value in (("progress", progress), ("message", message), ("result", result), ("error", error)):
        if value is not None:
            values[key] = value
    session.execute(update(JobRow).where(JobRow.id == job_id).values(**values))


def recent_jobs(session: Session, kind: str, limit: int = 50) -> list[Job]:
    """The newest jobs of a kind, newest first."""
    rows = session.scalars(select(JobRow).where(JobRow.kind == kind).order_by(JobRow.created_at.desc()).limit(limit))
    return [_job(r) for r in rows]


def fail_stale_jobs(session: Session, before: datetime) -> int:
    """Mark jobs still queued or running whose worker gave no sign of life since ``before`` as failed (a server
    that stopped mid-job leaves them so)."""
    result = session.execute(update(JobRow).where(JobRow.status.in_(("queued", "running")),
                                                  JobRow.updated_at < before)
                             .values(status="failed", error="the server restarted before the job finished; "
                                     "start it again", finished_at=datetime.now(UTC)))
    return int(getattr(result, "rowcount", 0) or 0)


def content_version(session: Session) -> str:
    """Changes whenever what analyses read changes: imports (appraisal answers are imports too), studies and
    mapping decisions."""
    imports = session.scalar(select(func.max(ImportRow.id))) or 0
    studies = session.scalar(select(func.count(StudyRow.id))) or 0
    answers = session.scalar(select(func.count(AppraisalAnswerRow.id))) or 0
    mappings = session.execute(select(func.count(TermMappingRow.id), func.max(TermMappingRow.decided_at))).one()
    stamp = as_utc(mappings[1]).isoformat() if mappings[1] is not None else "-"
    return f"i{imports}.s{studies}.a{answers}.m{mappings[0]}.{stamp}"

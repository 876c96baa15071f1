"""Background jobs of the workbench: a process pool that runs long work (the report) away from the request,
with the state of every job in the registry (``jobs`` table), results in the jobs folder, and results of an
unchanged registry reused."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Executor, ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from painregen.registry import Registry
from painregen.registry.jobs import Job
from painregen.web.job_tasks import run_report_job

__all__ = ["STALE_AFTER", "JobRunner", "is_stale"]

#: a job whose worker gave no sign of life for this long is taken as dead (the server stopped mid-job)
STALE_AFTER = timedelta(minutes=10)


def is_stale(job: Job, now: datetime | None = None) -> bool:
    return not job.finished and (now or datetime.now(UTC)) - job.updated_at > STALE_AFTER


class JobRunner:
    """Submits jobs to one worker process (created on first use) and finds reusable results."""

    def __init__(self, registry: Registry, directory: Path, db: str, workers: int = 1) -> None:
        self.registry = registry
        self.directory = directory
        self.db = db
        self.workers = workers
        self._pool: Executor | None = None

    def _executor(self) -> Executor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        return self._pool

    def report(self, params: dict[str, Any], created_by: str | None = None) -> Job:
        """A report job for ``params``: a finished one of the same registry content and parameters if there is
        one (and its files are still there), else a new job started now."""
        version = self.registry.content_version()
        key = {**params, "content_version": version}
        for job in self.registry.recent_jobs("report"):
            if job.params == key and job.status != "failed" and not is_stale(job) and self._intact(job):
                return job
        job = self.registry.create_job("report", key, created_by)
        self._executor().submit(run_report_job, self.db, job.id, key, str(self.folder(job)))
        return job

    def folder(self, job: Job) -> Path:
        return self.directory / job.id

    def file(self, job: Job, name: str) -> Path | None:
        """A result file of a finished job (``html`` or ``zip``), None when it has none or it was removed."""
        if job.status != "done" or not job.result or name not in job.result:
            return None
        path = self.folder(job) / str(job.result[name])
        return path if path.is_file() else None

    def _intact(self, job: Job) -> bool:
        return job.status != "done" or self.file(job, "html") is not None

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

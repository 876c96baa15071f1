"""Background jobs: the report is built in a worker process while the page shows its progress and, when it is
ready, links to the files. ``POST /jobs/report`` (form) and ``POST /api/jobs/report`` (JSON) start one (or return
the finished job of an unchanged registry); ``GET /jobs/{id}`` and ``GET /api/jobs/{id}`` show it."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from painregen.registry import Scope
from painregen.registry.jobs import Job
from painregen.web.config import registry_of
from painregen.web.identity import reviewer_of
from painregen.web.jobs import JobRunner, is_stale
from painregen.web.render import render_page
from painregen.web.scope import evidence_of
from painregen.web.views.analysis import MEASURES, METHODS, Measure, Method

router = APIRouter()
FILES = {"report.html": ("html", "text/html; charset=utf-8"), "report.zip": ("zip", "application/zip")}


class ReportRequest(BaseModel):
    measure: Measure = "SMD"
    method: Method = "REML"
    imports: list[int] = Field(default_factory=list)
    studies: list[str] = Field(default_factory=list)
    project: str | None = None


def runner_of(request: Request) -> JobRunner:
    runner: JobRunner = request.app.state.jobs
    return runner


def start_report(request: Request, body: ReportRequest) -> Job:
    """The report job for ``body`` (404 for a scope that names nothing or holds no study)."""
    scope = Scope(tuple(body.imports), tuple(body.studies), body.project)
    with registry_of(request) as reg:
        if not evidence_of(reg, scope).dataset.studies:
            raise HTTPException(404, "the registry holds no studies yet: upload a file first" if scope.everything
                                else f"no studies in {scope.describe()}")
    return runner_of(request).report(body.model_dump(), reviewer_of(request))


def job_context(request: Request, job_id: str) -> dict[str, Any]:
    with registry_of(request) as reg:
        job = reg.job(job_id)
    if job is None or job.kind != "report":
        raise HTTPException(404, f"no job {job_id!r}: jobs are kept while the server runs; start it again")
    status = "failed" if is_stale(job) else job.status
    error = job.error or ("the worker stopped answering; start the job again" if is_stale(job) else None)
    runner = runner_of(request)
    files = [{"name": name, "url": f"/jobs/{job.id}/{name}"} for name, (key, _) in FILES.items()
             if runner.file(job, key) is not None]
    return job.to_dict() | {"status": status, "error": error, "percent": round(100 * job.progress),
                            "files": files, "notes": (job.result or {}).get("notes", []),
                            "finished": status in ("done", "failed")}


@router.post("/api/jobs/report", tags=["jobs"], status_code=202,
             summary="Build the HTML report in the background (or reuse the one of an unchanged registry)")
def api_start_report(request: Request, body: ReportRequest) -> dict[str, Any]:
    return job_context(request, start_report(request, body).id)


@router.get("/api/jobs/{job_id}", tags=["jobs"], summary="A background job: status, progress and result files")
def api_job(request: Request, job_id: str) -> dict[str, Any]:
    return job_context(request, job_id)


async def _form_request(request: Request) -> ReportRequest:
    form = await request.form()
    measure, method = str(form.get("measure") or "SMD"), str(form.get("method") or "REML")
    if measure not in MEASURES or method not in METHODS:
        raise HTTPException(422, f"measure must be one of {', '.join(MEASURES)} and method one of {', '.join(METHODS)}")
    try:
        imports = [int(str(v)) for v in form.getlist("import") if str(v).strip()]
    except ValueError:
        raise HTTPException(422, "import must be a number (an import id)") from None
    studies = [x.strip() for x in str(form.get("studies") or "").split(",") if x.strip()]
    return ReportRequest(measure=measure, method=method, imports=imports,
                         studies=studies, project=str(form.get("project") or "").strip() or None)


@router.post("/jobs/report", include_in_schema=False)
def start_report_page(request: Request, body: ReportRequest = Depends(_form_request)) -> RedirectResponse:
    return RedirectResponse(f"/jobs/{start_report(request, body).id}", status_code=303)


@router.get("/jobs/{job_id}", include_in_schema=False)
def job_page(request: Request, job_id: str) -> HTMLResponse:
    ctx = job_context(request, job_id)
    return render_page(request, "job.html", ctx, page="downloads", title="Report")


@router.get("/jobs/{job_id}/{name}", include_in_schema=False, response_class=Response)
def job_file(request: Request, job_id: str, name: Literal["report.html", "report.zip"]) -> Response:
    with registry_of(request) as reg:
        job = reg.job(job_id)
    key, media = FILES[name]
    path = runner_of(request).file(job, key) if job is not None else None
    if path is None:
        raise HTTPException(404, "this file is not ready (or was removed): open the job page or build it again")
    filename = "painregen-report.zip" if name == "report.zip" else "report.html"
    return FileResponse(path, media_type=media, filename=filename)

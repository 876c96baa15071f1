"""Downloads: the self-contained HTML report, the effect-size table and the registry's evidence (CSV, JSON)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from painregen.effects.table import dataset_effects
from painregen.evidence import models as m
from painregen.evidence.files import write_dataset
from painregen.io.problems import InvalidDataError
from painregen.io.tables import write_csv
from painregen.registry import Scope
from painregen.web.config import registry_of
from painregen.web.render import render_page
from painregen.web.scope import evidence_of, scope_param
from painregen.web.views.analysis import MEASURES, METHODS, Measure, Method
from painregen.web.views.jobs import ReportRequest, start_report

router = APIRouter()

FILES = (
    ("report.html", "The self-contained HTML report (built in the background; the job page links it when ready)"),
    ("report.zip", "The report with its figures (SVG, PNG, PDF) and tables (CSV), as painregen report writes them"),
    ("ledger.csv", "Every treated-vs-control comparison considered, included or excluded with the reason"),
    ("effects.csv", "One row per comparison: study, experiment, cohort, outcome, time, group data, yi, vi"),
    ("evidence.csv", "The registry's studies in the painregen template (main table)"),
    ("evidence.json", "The registry's studies as the nested evidence model (every field)"),
)


def _dataset(request: Request, scope: Scope | None = None) -> m.Dataset:
    """The scope's studies, labels mapped (as analyses read them)."""
    with registry_of(request) as reg:
        ds = evidence_of(reg, scope or Scope()).dataset
    if not ds.studies:
        raise HTTPException(404, "the registry holds no studies yet: upload a file first")
    return ds


def _attachment(data: bytes, name: str, media_type: str) -> Response:
    return Response(data, media_type=media_type, headers={"content-disposition": f'attachment; filename="{name}"'})


def downloads_context() -> dict[str, Any]:
    return {"files": [{"name": n, "url": f"/download/{n}", "description": d} for n, d in FILES],
            "measures": list(MEASURES), "methods": list(METHODS)}


@router.get("/download/report.html", tags=["downloads"], status_code=303, response_class=RedirectResponse,
            summary="Start (or reuse) the report job and go to its page, which links the file when it is ready")
def download_report(request: Request, measure: Measure = "SMD", method: Method = "REML",
                    scope: Scope = Depends(scope_param)) -> RedirectResponse:
    body = ReportRequest(measure=measure, method=method, imports=list(scope.imports), studies=list(scope.studies),
                         project=scope.project)
    return RedirectResponse(f"/jobs/{start_report(request, body).id}", status_code=303)


@router.get("/download/report.zip", tags=["downloads"], status_code=303, response_class=RedirectResponse,
            summary="As /download/report.html: the job page links the zip (report, figures, tables) too")
def download_report_zip(request: Request, measure: Measure = "SMD", method: Method = "REML",
                        scope: Scope = Depends(scope_param)) -> RedirectResponse:
    return download_report(request, measure, method, scope)


@router.get("/download/effects.csv", tags=["downloads"], summary="Effect sizes per comparison (CSV)",
            response_class=Response)
def download_effects(request: Request, measure: Measure = "SMD", scope: Scope = Depends(scope_param)) -> Response:
    ds = _dataset(request, scope)
    try:
        table = dataset_effects(ds, measure)
    except InvalidDataError as exc:
        raise HTTPException(422, str(exc)) from None
    with tempfile.TemporaryDirectory(prefix="painregen-effects-") as tmp:
        path = Path(tmp) / "effects.csv"
        write_csv(path, table.columns, table.rows)
        return _attachment(path.read_bytes(), f"effects-{measure}.csv", "text/csv; charset=utf-8")


@router.get("/download/evidence.{kind}", tags=["downloads"], summary="The registry's evidence (csv or json)",
            response_class=Response)
def download_evidence(request: Request, kind: str) -> Response:
    if kind not in ("csv", "json"):
        raise HTTPException(404, "evidence downloads are evidence.csv and evidence.json")
    with registry_of(request) as reg:
        ds = reg.export_dataset()  # the evidence as stored (labels as the sources wrote them)
    if not ds.studies:
        raise HTTPException(404, "the registry holds no studies yet: upload a file first")
    with tempfile.TemporaryDirectory(prefix="painregen-evidence-") as tmp:
        path = Path(tmp) / f"evidence.{kind}"
        write_dataset(ds, path)
        media = "text/csv; charset=utf-8" if kind == "csv" else "application/json"
        return _attachment(path.read_bytes(), path.name, media)


@router.get("/api/downloads", tags=["downloads"], summary="The files that can be downloaded")
def api_downloads() -> dict[str, Any]:
    return downloads_context()


@router.get("/downloads", include_in_schema=False)
def downloads_page(request: Request) -> HTMLResponse:
    return render_page(request, "downloads.html", downloads_context(), page="downloads", title="Downloads")

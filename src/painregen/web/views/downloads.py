"""Downloads: the self-contained HTML report, the effect-size table and the registry's evidence (CSV, JSON)."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from painregen.effects.table import dataset_effects
from painregen.evidence import models as m
from painregen.evidence.files import write_dataset
from painregen.io.problems import InvalidDataError
from painregen.io.tables import write_csv
from painregen.web.config import registry_of
from painregen.web.render import render_page
from painregen.web.views.analysis import MEASURES, METHODS, Measure, Method

router = APIRouter()

FILES = (
    ("report.html", "The self-contained HTML report: evidence summary, pooled effects per domain, forest plots"),
    ("report.zip", "The report with its figures (PNG, PDF, SVG) and tables (CSV), as painregen report writes them"),
    ("effects.csv", "One row per comparison: study, experiment, cohort, outcome, time, group data, yi, vi"),
    ("evidence.csv", "The registry's studies in the painregen template (main table)"),
    ("evidence.json", "The registry's studies as the nested evidence model (every field)"),
)


def _dataset(request: Request) -> m.Dataset:
    with registry_of(request) as reg:
        ds = reg.export_dataset()
    if not ds.studies:
        raise HTTPException(404, "the registry holds no studies yet: upload a file first")
    return ds


def _attachment(data: bytes, name: str, media_type: str) -> Response:
    return Response(data, media_type=media_type, headers={"content-disposition": f'attachment; filename="{name}"'})


def downloads_context() -> dict[str, Any]:
    return {"files": [{"name": n, "url": f"/download/{n}", "description": d} for n, d in FILES],
            "measures": list(MEASURES), "methods": list(METHODS)}


@router.get("/download/report.html", tags=["downloads"], summary="The HTML report of the whole registry",
            response_class=Response)
def download_report(request: Request, measure: Measure = "SMD", method: Method = "REML") -> Response:
    from painregen.report.build import write_report

    ds = _dataset(request)
    with tempfile.TemporaryDirectory(prefix="painregen-report-") as tmp:
        out = write_report(ds, Path(tmp) / "report.html", measure=measure, method=method)
        return _attachment(out.read_bytes(), "report.html", "text/html; charset=utf-8")


@router.get("/download/report.zip", tags=["downloads"], summary="The report with its figure and table files (zip)",
            response_class=Response)
def download_report_zip(request: Request, measure: Measure = "SMD", method: Method = "REML") -> Response:
    from painregen.report.build import write_report

    ds = _dataset(request)
    with tempfile.TemporaryDirectory(prefix="painregen-report-") as tmp:
        folder = Path(tmp) / "report"
        write_report(ds, folder / "report.html", measure=measure, method=method)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                zf.write(path, Path("painregen-report") / path.relative_to(folder))
        return _attachment(buf.getvalue(), "painregen-report.zip", "application/zip")


@router.get("/download/effects.csv", tags=["downloads"], summary="Effect sizes per comparison (CSV)",
            response_class=Response)
def download_effects(request: Request, measure: Measure = "SMD") -> Response:
    ds = _dataset(request)
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
    ds = _dataset(request)
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

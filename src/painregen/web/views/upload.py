"""Upload a template, SyRF or JSON file: problems per row before anything is stored, then an all-or-nothing
import. ``POST /upload`` (form) and ``POST /api/upload`` (multipart) share :func:`upload_context`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse

from painregen.web.config import config_of, registry_of
from painregen.web.render import render_page
from painregen.web.uploads import upload_context

router = APIRouter()

EMPTY: dict[str, Any] = {"filename": None, "message": "", "problems": [], "rows": [], "studies": [],
                         "imported": False, "valid": False, "dry_run": False, "duplicates": [], "import": None,
                         "format": None}


def _run(request: Request, file: UploadFile | None, dry_run: bool) -> tuple[int, dict[str, Any]]:
    with registry_of(request) as reg:
        stream = file.file if file is not None and file.filename else None
        return upload_context(reg, stream, file.filename if file else None, config_of(request).max_upload_bytes,
                              dry_run=dry_run)


@router.post("/api/upload", tags=["upload"], status_code=201,
             summary="Validate a file and import it all-or-nothing",
             responses={200: {"description": "valid (dry_run): nothing stored"},
                        400: {"description": "no file, or an empty file"},
                        409: {"description": "duplicate studies: nothing stored"},
                        413: {"description": "larger than the upload limit"},
                        415: {"description": "not a .csv, .xlsx or .json file of that type"},
                        422: {"description": "invalid data: `problems` and `rows` give row, column, message, fix"}})
def api_upload(request: Request, file: UploadFile = File(..., description="template/SyRF .csv, .xlsx or .json"),
               dry_run: bool = Form(False, description="validate only; store nothing")) -> JSONResponse:
    status, ctx = _run(request, file, dry_run)
    return JSONResponse(ctx, status_code=status)


@router.get("/upload", include_in_schema=False)
def upload_form(request: Request) -> HTMLResponse:
    return render_page(request, "upload.html", EMPTY, page="upload", title="Upload")


@router.post("/upload", include_in_schema=False)
def upload_page(request: Request, file: UploadFile | None = File(None), action: str = Form("import")) -> HTMLResponse:
    status, ctx = _run(request, file, dry_run=action == "check")
    return render_page(request, "upload.html", ctx, status=status, page="upload", title="Upload")

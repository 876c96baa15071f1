"""Extraction and appraisal in duplicate in the workbench: the publications included at full text with their
extractors and open discrepancies (``/review/extraction``); per publication (``/review/extraction/{id}``) each
reviewer's upload of their template file, the discrepancies between the versions cell by cell (hidden from a
reviewer until they have submitted their own), a form that records the agreed value of a cell with who decided,
and the step that enters the reconciled study into the evidence registry (:mod:`painregen.review.reconcile`)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from painregen.io.problems import InvalidDataError, Problem
from painregen.review import reconcile as rc
from painregen.review.schema import ExtractionVersionRow, ReconciliationRow
from painregen.review.screening import ScreeningError
from painregen.web.config import config_of
from painregen.web.render import render_page
from painregen.web.uploads import UploadRejected, save_upload
from painregen.web.views.review import (
    PAGE,
    acting_reviewer,
    iso,
    publication_summary,
    required_reviewer,
    review_session,
    reviewer_context,
)

router = APIRouter()


class AgreeIn(BaseModel):
    path: str = Field(description="the discrepant cell, e.g. experiments[E1].cohorts[C2].n_randomised")
    value: Any = Field(None, description="the agreed value (null: the cell stays empty); text is read as the "
                                         "type of the reviewers' values")
    note: str | None = None
    reviewer: str | None = Field(None, description="only for a script without the /whoami cookie")


class FinishIn(BaseModel):
    allow_single: bool = Field(False, description="enter one extractor's data (labelled single in the report)")
    reviewer: str | None = Field(None, description="only for a script without the /whoami cookie")


def value_text(v: Any) -> str:
    """A cell value as typed in the form (``NA`` for an empty cell)."""
    if v is None:
        return "NA"
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def list_context(request: Request) -> dict[str, Any]:
    from painregen.review.screening import publication_text

    with review_session(request) as s:
        rows = [r | {"title": publication_text(s, r["publication"])[0]} for r in rc.status(s)]
    return {"publications": rows} | reviewer_context(acting_reviewer(request), "/review/extraction")


def _included(s: Any, publication: int) -> None:
    if publication not in rc.included(s):
        raise HTTPException(404, f"publication {publication} is not included at full text: nothing to extract")


def extraction_context(request: Request, publication: int, claimed: str | None = None) -> dict[str, Any]:
    """One publication's extractions: who submitted (not what, until the reader has submitted too), the
    discrepancies with the values agreed so far, agreement per field, and whether it can enter the registry."""
    from painregen.review.schema import PublicationRow

    who = acting_reviewer(request, claimed)
    with review_session(request) as s:
        _included(s, publication)
        pub = s.get(PublicationRow, publication)
        versions = [{"reviewer": v.reviewer, "version": v.version, "created_at": iso(v.created_at),
                     "source": v.source} for v in s.scalars(
            select(ExtractionVersionRow).where(ExtractionVersionRow.publication_id == publication,
                                               ExtractionVersionRow.kind == rc.DATA)
            .order_by(ExtractionVersionRow.created_at, ExtractionVersionRow.id))]
        extractors = sorted({str(v["reviewer"]) for v in versions})
        try:
            comp = rc.comparison(s, publication, viewer=who)
            blinded = False
        except ScreeningError:
            comp, blinded = None, True
        agreed: dict[str, ReconciliationRow] = {}
        for r in s.scalars(select(ReconciliationRow).where(ReconciliationRow.publication_id == publication,
                                                           ReconciliationRow.kind != "screening")
                           .order_by(ReconciliationRow.decided_at, ReconciliationRow.id)):
            agreed[r.field] = r
        discrepancies = []
        for d in comp.discrepancies if comp else []:
            a = agreed.get(d.path)
            options = list(dict.fromkeys(value_text(v) for v in d.values.values()))
            discrepancies.append(d.to_dict() | {
                "options": options, "reconciled": a is not None,
                "agreed": None if a is None else {"value": a.agreed_value, "text": value_text(a.agreed_value),
                                                  "decided_by": a.decided_by, "decided_at": iso(a.decided_at),
                                                  "note": a.note}})
        n_open = sum(not d["reconciled"] for d in discrepancies)
        linked = pub.study_pk if pub is not None else None
        ctx = publication_summary(s, publication) | {
            "versions": versions, "extractors": extractors, "submitted": who in extractors if who else False,
            "blinded": blinded, "compared": comp is not None, "cells": len(comp.cells) if comp else 0,
            "discrepancies": discrepancies, "open": n_open, "agreement": comp.agreement() if comp else [],
            "study_pk": linked, "extraction_status": pub.extraction_status if pub is not None else None,
            "can_finish": linked is None and ((comp is not None and n_open == 0) or len(extractors) == 1),
            "single_only": comp is None and len(extractors) == 1, "problems": [], "message": ""}
    return ctx | reviewer_context(who, f"/review/extraction/{publication}")


def add_version(request: Request, publication: int, file: UploadFile | None,
                claimed: str | None = None) -> tuple[int, dict[str, Any]]:
    """Store a reviewer's extraction read from their uploaded template file (one study). Returns (HTTP status,
    the publication's context with ``problems`` and ``message``)."""
    from painregen.evidence.files import read_dataset

    who = required_reviewer(request, claimed)
    problems: list[Problem] = []
    message = ""
    with tempfile.TemporaryDirectory(prefix="painregen-extraction-") as tmp:
        try:
            if file is None or not file.filename:
                raise UploadRejected(400, [Problem("upload", None, "file", "no file was sent",
                                                   "choose your template file (.csv, .xlsx or .json)")])
            path = save_upload(file.file, file.filename, Path(tmp), config_of(request).max_upload_bytes)
            ds, fmt = read_dataset(path)
            if len(ds.studies) != 1:
                raise UploadRejected(422, [Problem(path.name, None, None, f"an extraction file holds one study, "
                                                   f"this one has {len(ds.studies)}", "one file per publication")])
            with review_session(request) as s:
                _included(s, publication)
                row = rc.add_extraction(s, publication, who, ds.studies[0], source=path.name)
                message = f"{who}: extraction version {row.version} stored ({fmt})"
            status = 201
        except UploadRejected as exc:
            status, problems = exc.status, exc.problems
        except InvalidDataError as exc:
            status, problems = 422, list(exc.problems)
    ctx = extraction_context(request, publication)
    if problems:
        message = f"{len(problems)} problem(s) found; nothing was stored"
    return status, ctx | {"problems": [p.to_dict() for p in problems], "message": message}


def agree_value(request: Request, publication: int, body: AgreeIn) -> dict[str, Any]:
    who = required_reviewer(request, body.reviewer)
    with review_session(request) as s:
        _included(s, publication)
        comp = rc.comparison(s, publication)
        disc = {d.path: d for d in comp.discrepancies} if comp else {}
        if body.path not in disc:
            raise HTTPException(409, f"{body.path!r} is not a discrepancy of publication {publication}")
        value = body.value
        if isinstance(value, str):
            like = next((v for v in disc[body.path].values.values() if v is not None), "")
            try:
                value = rc.parse_value(value, like)
            except ValueError:
                raise HTTPException(422, f"{body.value!r} is not a {type(like).__name__} (the reviewers' values: "
                                         f"{disc[body.path].values})") from None
        row = rc.agree(s, publication, body.path, value, who, note=(body.note or "").strip() or None)
        return {"publication": publication, "path": row.field, "agreed_value": row.agreed_value,
                "decided_by": row.decided_by, "decided_at": iso(row.decided_at)}


def finish(request: Request, publication: int, body: FinishIn) -> dict[str, Any]:
    """Enter the reconciled (or single) study into the evidence registry and link the publication to it (an
    identical study already in the registry is linked instead of copied)."""
    who = required_reviewer(request, body.reviewer)
    with review_session(request) as s:
        _included(s, publication)
        pub = rc.finalise(s, publication, who, allow_single=body.allow_single, link_existing=True)
        return {"publication": publication, "study_pk": pub.study_pk, "extraction_status": pub.extraction_status,
                "linked_by": pub.linked_by}


@router.get("/api/review/extraction", tags=["review"], summary="Included publications: extractors, discrepancies "
            "left, link to the evidence registry")
def api_extraction_list(request: Request) -> dict[str, Any]:
    return list_context(request)


@router.get("/api/review/extraction/{publication}", tags=["review"], summary="One publication's extractions "
            "compared cell by cell, with the agreed values")
def api_extraction(request: Request, publication: int, reviewer: str | None = None) -> dict[str, Any]:
    return extraction_context(request, publication, reviewer)


@router.post("/api/review/extraction/{publication}/versions", tags=["review"], status_code=201,
             summary="Store your extraction: a template file (.csv, .xlsx, .json) with one study")
def api_add_version(request: Request, publication: int, file: UploadFile = File(...),
                    reviewer: str | None = Form(None)) -> JSONResponse:
    status, ctx = add_version(request, publication, file, reviewer)
    return JSONResponse(ctx, status_code=status)


@router.post("/api/review/extraction/{publication}/agree", tags=["review"], summary="Record the agreed value of a "
             "discrepant cell")
def api_agree(request: Request, publication: int, body: AgreeIn) -> dict[str, Any]:
    return agree_value(request, publication, body)


@router.post("/api/review/extraction/{publication}/finish", tags=["review"], summary="Enter the reconciled study "
             "into the evidence registry")
def api_finish(request: Request, publication: int, body: FinishIn) -> dict[str, Any]:
    return finish(request, publication, body)


@router.get("/review/extraction", include_in_schema=False)
def extraction_list_page(request: Request) -> HTMLResponse:
    return render_page(request, "review_extraction.html", list_context(request), page=PAGE, title="Extraction")


@router.get("/review/extraction/{publication}", include_in_schema=False)
def extraction_page(request: Request, publication: int, done: str | None = None) -> HTMLResponse:
    ctx = extraction_context(request, publication) | {"done": done}
    return render_page(request, "review_reconcile.html", ctx, page=PAGE, title=f"Extraction #{publication}")


@router.post("/review/extraction/{publication}/versions", include_in_schema=False, response_model=None)
def add_version_page(request: Request, publication: int,
                     file: UploadFile | None = File(None)) -> HTMLResponse | RedirectResponse:
    back = f"/review/extraction/{publication}"
    if acting_reviewer(request) is None:
        return RedirectResponse(back, status_code=303)
    status, ctx = add_version(request, publication, file)
    if status == 201:
        return RedirectResponse(f"{back}?done=version", status_code=303)
    return render_page(request, "review_reconcile.html", ctx | {"done": None}, status=status, page=PAGE,
                       title=f"Extraction #{publication}")


@router.post("/review/extraction/{publication}/agree", include_in_schema=False)
async def agree_page(request: Request, publication: int) -> RedirectResponse:
    back = f"/review/extraction/{publication}"
    if acting_reviewer(request) is None:
        return RedirectResponse(back, status_code=303)
    form = await request.form()
    typed = str(form.get("other") or "").strip()
    body = AgreeIn(path=str(form.get("path") or ""), value=typed or str(form.get("value") or ""),
                   note=str(form.get("note") or "") or None)
    agree_value(request, publication, body)
    return RedirectResponse(f"{back}?done=agree", status_code=303)


@router.post("/review/extraction/{publication}/finish", include_in_schema=False)
async def finish_page(request: Request, publication: int) -> RedirectResponse:
    back = f"/review/extraction/{publication}"
    if acting_reviewer(request) is None:
        return RedirectResponse(back, status_code=303)
    form = await request.form()
    finish(request, publication, FinishIn(allow_single=str(form.get("allow_single") or "") in ("1", "on", "true")))
    return RedirectResponse(f"{back}?done=finish", status_code=303)

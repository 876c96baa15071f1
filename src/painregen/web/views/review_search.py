"""Search records and duplicates in the workbench: the imported search files and their records
(``/review/records``, with a form that imports a search export all or nothing) and the queue of uncertain
duplicate pairs, side by side, for a reviewer to merge or keep apart (``/review/duplicates``)."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from painregen.io.problems import InvalidDataError
from painregen.review.schema import DuplicatePairRow, LiteratureRecordRow
from painregen.web.render import render_page
from painregen.web.uploads import safe_name
from painregen.web.views.review import (
    PAGE,
    acting_reviewer,
    iso,
    required_reviewer,
    review_session,
    reviewer_context,
)

router = APIRouter()
PER_PAGE = 50
#: fields shown side by side for a duplicate pair
PAIR_FIELDS = ("title", "authors", "year", "journal", "volume", "issue", "pages", "doi", "pmid", "entry_type",
               "abstract")


class PairDecisionIn(BaseModel):
    record_a: int
    record_b: int
    decision: Literal["merge", "distinct"] = Field(description="merge: one publication; distinct: different ones")
    reviewer: str | None = Field(None, description="only for a script without the /whoami cookie")


def record_dict(r: LiteratureRecordRow) -> dict[str, Any]:
    imp = r.search_import
    return {"id": r.id, "import_id": imp.id, "source": imp.source_name, "file": imp.file_name,
            "record_number": r.record_number, "source_key": r.source_key, "publication": r.publication_id,
            **{f: getattr(r, f) for f in PAIR_FIELDS}}


def imports_list(s: Session) -> list[dict[str, Any]]:
    from painregen.review.store import search_imports

    return [{"id": i.id, "source": i.source_name, "file": i.file_name, "format": i.format,
             "search_date": i.search_date.isoformat() if i.search_date else None, "imported_at": iso(i.imported_at),
             "imported_by": i.imported_by, "records": i.n_records, "sha256": i.sha256} for i in search_imports(s)]


def records_context(request: Request, page: int = 1, q: str = "") -> dict[str, Any]:
    from painregen.review.intake import FORMATS

    query = select(LiteratureRecordRow)
    if q.strip():
        query = query.where(LiteratureRecordRow.title.ilike(f"%{q.strip()}%"))
    with review_session(request) as s:
        total = int(s.scalar(select(func.count()).select_from(query.subquery())) or 0)
        pages = max(1, -(-total // PER_PAGE))
        page = min(max(1, page), pages)
        rows = s.scalars(query.order_by(LiteratureRecordRow.id).offset((page - 1) * PER_PAGE).limit(PER_PAGE))
        records = [record_dict(r) for r in rows]
        per_pub = {p: n for p, n in s.execute(
            select(LiteratureRecordRow.publication_id, func.count(LiteratureRecordRow.id))
            .where(LiteratureRecordRow.publication_id.in_({r["publication"] for r in records}))
            .group_by(LiteratureRecordRow.publication_id))}
        ctx = {"imports": imports_list(s), "total": total, "page": page, "pages": pages, "q": q,
               "formats": list(FORMATS), "import": None, "problems": [], "message": "",
               "records": [r | {"records_in_publication": int(per_pub.get(r["publication"], 1))} for r in records]}
    return ctx | reviewer_context(acting_reviewer(request), "/review/records")


def import_search_upload(request: Request, file: UploadFile | None, source: str, search_date: str,
                         fmt: str) -> tuple[int, dict[str, Any]]:
    """Read an uploaded search export and store it (all or nothing, duplicates detected after it). Returns
    (HTTP status, the records page's context with ``import``, ``problems`` and ``message``)."""
    from painregen.review.intake import read_search_file
    from painregen.review.store import import_search

    problems: list[dict[str, Any]] = []
    warnings: list[str] = []
    result = None
    try:
        when = date.fromisoformat(search_date) if search_date.strip() else None
    except ValueError:
        when = None
        problems.append({"file": "form", "row": None, "column": "search_date", "message":
                         f"search date {search_date!r} is not YYYY-MM-DD", "fix": "e.g. 2024-01-31"})
    if file is None or not file.filename:
        problems.append({"file": "form", "row": None, "column": "file", "message": "no file was sent",
                         "fix": "choose a search export (RIS, BibTeX, nbib, XML, CSV)"})
    if not source.strip():
        problems.append({"file": "form", "row": None, "column": "source", "message": "the database searched is "
                         "missing", "fix": "name it, e.g. PubMed or Embase"})
    if not problems and file is not None:
        with tempfile.TemporaryDirectory(prefix="painregen-search-") as tmp:
            path = Path(tmp) / safe_name(file.filename)
            path.write_bytes(file.file.read())
            try:
                search = read_search_file(path, fmt.strip() or None)
                with review_session(request) as s:
                    result = import_search(s, [search], source_name=source, search_date=when,
                                           imported_by=acting_reviewer(request))
                warnings = [str(w) for w in search.warnings]
            except InvalidDataError as exc:
                problems = [p.to_dict() for p in exc.problems]
    ctx = records_context(request)
    if problems:
        return 422, ctx | {"problems": problems, "message": f"{len(problems)} problem(s) found; nothing was stored"}
    assert result is not None
    dedup = result.dedup
    summary = {"imports": [i | {"file": Path(str(i["file"])).name} for i in result.imports],
               "records": result.n_records, "warnings": warnings,
               "dedup": dedup.__dict__ if dedup is not None else None}
    msg = f"imported {result.n_records} records from {source.strip()}"
    if dedup is not None:
        msg += (f"; {dedup.publications_merged} duplicate(s) merged automatically, {dedup.queued_pairs} pair(s) "
                "queued for a reviewer")
    return 201, ctx | {"import": summary, "message": msg}


def _same(a: Any, b: Any) -> bool:
    return " ".join(str(a or "").lower().split()) == " ".join(str(b or "").lower().split())


def duplicates_context(request: Request) -> dict[str, Any]:
    from painregen.review.store import duplicate_queue

    with review_session(request) as s:
        pairs = []
        for item in duplicate_queue(s):
            a, b = record_dict(item.record_a), record_dict(item.record_b)
            pairs.append({"pair_id": item.pair_id, "score": item.score, "reason": item.reason, "record_a": a,
                          "record_b": b, "fields": [{"field": f, "a": a[f], "b": b[f], "same": _same(a[f], b[f])}
                                                    for f in PAIR_FIELDS if a[f] is not None or b[f] is not None]})
        decided = [{"pair_id": p.id, "record_a": p.record_a_id, "record_b": p.record_b_id, "status": p.status,
                    "decided_by": p.decided_by, "decided_at": iso(p.decided_at),
                    "title_a": p.record_a.title, "title_b": p.record_b.title}
                   for p in s.scalars(select(DuplicatePairRow).where(DuplicatePairRow.decided_by.is_not(None))
                                      .order_by(DuplicatePairRow.decided_at.desc(), DuplicatePairRow.id.desc()))]
    return {"pairs": pairs, "decided": decided} | reviewer_context(acting_reviewer(request),
                                                                    "/review/duplicates")


def decide_pair(request: Request, body: PairDecisionIn) -> dict[str, Any]:
    from painregen.review.store import mark_distinct, merge_records

    who = required_reviewer(request, body.reviewer)
    with review_session(request) as s:
        if body.decision == "merge":
            pubs = [merge_records(s, body.record_a, body.record_b, reviewer=who)]
        else:
            pubs = mark_distinct(s, body.record_a, body.record_b, reviewer=who)
        return {"decision": body.decision, "record_a": body.record_a, "record_b": body.record_b,
                "decided_by": who, "publications": sorted({p.id for p in pubs})}


@router.get("/api/review/records", tags=["review"], summary="Imported search files and their records (paged)")
def api_records(request: Request, page: int = 1, q: str = "") -> dict[str, Any]:
    return records_context(request, page, q)


@router.post("/api/review/records", tags=["review"], status_code=201,
             summary="Import a search export (RIS, BibTeX, nbib, PubMed/EndNote XML, WoS, CSV) all or nothing",
             responses={422: {"description": "problems per record (file, row = record number, message, fix)"}})
def api_import_records(request: Request, file: UploadFile = File(...),
                       source: str = Form(..., description="the database searched"),
                       search_date: str = Form("", description="YYYY-MM-DD"),
                       format: str = Form("", description="ris, bibtex, nbib, xml, wos, csv; detected when empty"),
                       ) -> JSONResponse:
    status, ctx = import_search_upload(request, file, source, search_date, format)
    return JSONResponse(ctx, status_code=status)


@router.get("/review/records", include_in_schema=False)
def records_page(request: Request, page: int = 1, q: str = "") -> HTMLResponse:
    return render_page(request, "review_records.html", records_context(request, page, q), page=PAGE,
                       title="Search records")


@router.post("/review/records", include_in_schema=False)
def records_import_page(request: Request, file: UploadFile | None = File(None), source: str = Form(""),
                        search_date: str = Form(""), format: str = Form("")) -> HTMLResponse:
    status, ctx = import_search_upload(request, file, source, search_date, format)
    return render_page(request, "review_records.html", ctx, status=status, page=PAGE, title="Search records")


@router.get("/api/review/duplicates", tags=["review"], summary="Uncertain duplicate pairs, most similar first, and "
            "the reviewers' decisions")
def api_duplicates(request: Request) -> dict[str, Any]:
    return duplicates_context(request)


@router.post("/api/review/duplicates", tags=["review"], summary="Merge two records or mark them distinct")
def api_decide_pair(request: Request, body: PairDecisionIn) -> dict[str, Any]:
    return decide_pair(request, body)


@router.get("/review/duplicates", include_in_schema=False)
def duplicates_page(request: Request, done: str | None = None) -> HTMLResponse:
    ctx = duplicates_context(request) | {"done": done}
    return render_page(request, "review_duplicates.html", ctx, page=PAGE, title="Duplicates")


@router.post("/review/duplicates", include_in_schema=False)
async def duplicates_decide_page(request: Request) -> RedirectResponse:
    form = await request.form()
    if acting_reviewer(request) is None:
        return RedirectResponse("/review/duplicates", status_code=303)  # the page asks for a name
    try:
        body = PairDecisionIn(record_a=int(str(form.get("record_a"))), record_b=int(str(form.get("record_b"))),
                              decision=str(form.get("decision")))
    except ValueError as exc:
        raise HTTPException(422, f"a pair decision needs two record ids and merge or distinct ({exc})") from None
    out = decide_pair(request, body)
    return RedirectResponse(f"/review/duplicates?done={out['decision']}", status_code=303)

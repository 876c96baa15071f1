"""The systematic-review workflow in the workbench (docs/review.md, "In the web workbench"): the helpers its pages
share, the review overview (``/review``) and the PRISMA 2020 flow diagram (``/review/prisma``).

The pages of the workflow live in ``review_search`` (search records, import, duplicate queue), ``review_screening``
(screening queues, conflicts, agreement) and ``review_extraction`` (extraction in duplicate, reconciliation, entry
into the evidence registry); each builds one context dict per page, served as HTML and as JSON under ``/api``.

Who decides: every decision is recorded under :func:`acting_reviewer`, the signed-in account or the signed
reviewer cookie set on ``/whoami``; forms never carry a reviewer name. Only a script that has neither may name
itself in its JSON request (``reviewer``), as ``--reviewer`` does on the command line.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from painregen.registry import DuplicateStudyError, RegistryError
from painregen.review.screening import FULL_TEXT, TITLE_ABSTRACT, ScreeningError, utc
from painregen.review.store import ReviewStoreError
from painregen.web.config import registry_of
from painregen.web.identity import clean_name, reviewer_of
from painregen.web.render import render_page

router = APIRouter()
PAGE = "review"
#: stage codes in URLs (as the CLI's --stage) -> stage keys of :mod:`painregen.review.screening`
STAGES = {"ta": TITLE_ABSTRACT, "ft": FULL_TEXT}
STAGE_CODES = {key: code for code, key in STAGES.items()}
STAGE_LABELS = {TITLE_ABSTRACT: "Title and abstract", FULL_TEXT: "Full text"}


def stage_of(code: str) -> str:
    """The stage key of a URL's stage code (``ta`` or ``ft``); 404 otherwise."""
    key = STAGES.get(code)
    if key is None:
        raise HTTPException(404, f"no screening stage {code!r}: use ta (title and abstract) or ft (full text)")
    return key


def acting_reviewer(request: Request, claimed: str | None = None) -> str | None:
    """The reviewer a request acts for: the signed-in account or the signed ``/whoami`` cookie
    (:func:`painregen.web.identity.reviewer_of`). ``claimed`` (a ``reviewer`` in a JSON request) counts only for a
    script that has neither; a claimed name that differs from the signed-in one is refused (403)."""
    who = reviewer_of(request)
    name = None
    if claimed is not None and claimed.strip():
        name = clean_name(claimed)
        if name is None:
            raise HTTPException(422, "reviewer: give a name of 1 to 80 characters")
    if who is not None:
        if name is not None and name != who:
            raise HTTPException(403, f"this browser decides as {who!r}, not {name!r}: change the name on /whoami")
        return who
    return name


def required_reviewer(request: Request, claimed: str | None = None) -> str:
    """:func:`acting_reviewer`, or 422 saying how to give a name (for the JSON API)."""
    who = acting_reviewer(request, claimed)
    if who is None:
        raise HTTPException(422, "say who decides: set your name on /whoami (a script without cookies may send "
                                 "\"reviewer\" in its request)")
    return who


def reviewer_context(reviewer: str | None, back: str) -> dict[str, Any]:
    """What every review page says about who decides: the name, or how to give one (the /whoami form sends the
    reviewer back to the page ``back``)."""
    return {"reviewer": reviewer, "needs_reviewer": reviewer is None, "here": back,
            "whoami_url": f"/whoami?next={quote(back, safe='/')}"}


def iso(t: datetime | None) -> str | None:
    """A stored time as ISO 8601 UTC (SQLite returns naive UTC times)."""
    return utc(t).isoformat(timespec="seconds") if t is not None else None


@contextmanager
def review_session(request: Request) -> Iterator[Session]:
    """One transaction on the registry for a request: committed when the view returns, rolled back on any error.
    A rule of the review that refuses a request becomes 409 (with the reason)."""
    with registry_of(request) as reg, reg.session() as s:
        try:
            with s.begin():
                yield s
        except (ScreeningError, ReviewStoreError, DuplicateStudyError, RegistryError) as exc:
            raise HTTPException(409, str(exc)) from None


def publication_summary(s: Session, publication_id: int) -> dict[str, Any]:
    """A publication as reviewers see it: title and abstract (from its record with the longest abstract),
    citation fields of its first record, and every source it was found in."""
    from painregen.review.screening import publication_text
    from painregen.review.store import publication_records

    records = publication_records(s, publication_id)
    title, abstract = publication_text(s, publication_id)
    first = records[0] if records else None
    return {"publication": publication_id, "title": title, "abstract": abstract,
            "authors": first.authors if first else None, "year": first.year if first else None,
            "journal": first.journal if first else None, "doi": next((r.doi for r in records if r.doi), None),
            "pmid": next((r.pmid for r in records if r.pmid), None),
            "sources": sorted({r.search_import.source_name for r in records}), "n_records": len(records)}


def overview_context(request: Request) -> dict[str, Any]:
    from painregen.review import reconcile, screening
    from painregen.review.schema import LiteratureRecordRow, SearchImportRow
    from painregen.review.store import duplicate_queue

    who = acting_reviewer(request)
    with review_session(request) as s:
        stages = []
        for key in (TITLE_ABSTRACT, FULL_TEXT):
            counts = screening.counts(s, key)
            waiting = len(screening.queue(s, key, who)) if who else None
            stages.append({"stage": key, "code": STAGE_CODES[key], "label": STAGE_LABELS[key],
                           "eligible": sum(counts[k] for k in ("pending", "agreed", "conflict", "resolved")),
                           "counts": counts, "waiting_for_you": waiting})
        extraction = reconcile.status(s)
        ctx = {"imports": int(s.scalar(select(func.count(SearchImportRow.id))) or 0),
               "records": int(s.scalar(select(func.count(LiteratureRecordRow.id))) or 0),
               "publications": len(screening.active_publications(s)),
               "duplicate_queue": len(duplicate_queue(s)), "stages": stages,
               "extraction": {"included": len(extraction),
                              "linked": sum(r["study_pk"] is not None for r in extraction),
                              "open_discrepancies": sum(r["open"] for r in extraction)}}
    return ctx | reviewer_context(who, "/review")


def prisma_context(request: Request, figure: bool = True) -> dict[str, Any]:
    """The PRISMA 2020 counts (:func:`painregen.review.prisma.prisma_counts`) and the diagram as SVG."""
    from painregen.review.prisma import prisma_counts

    with review_session(request) as s:
        counts = prisma_counts(s)
    svg = None
    if figure and counts.records_identified:
        from painregen.report.html import figure_svg
        from painregen.review.prisma_plot import prisma_figure

        svg = figure_svg(prisma_figure(counts))
    labels = counts.reason_labels
    reasons = {stage: [{"code": k, "label": labels.get(k, k), "n": n} for k, n in by.items()]
               for stage, by in (("title_abstract", counts.records_excluded_reasons),
                                 ("full_text", counts.reports_excluded_reasons))}
    return {"counts": counts.to_dict(), "reasons": reasons, "svg": svg}


@router.get("/api/review", tags=["review"], summary="The review at a glance: records, publications, screening, "
            "extraction")
def api_review(request: Request) -> dict[str, Any]:
    return overview_context(request)


@router.get("/review", include_in_schema=False)
def review_page(request: Request) -> HTMLResponse:
    return render_page(request, "review.html", overview_context(request), page=PAGE, title="Review")


@router.get("/api/review/prisma", tags=["review"], summary="PRISMA 2020 flow counts and the diagram (SVG)")
def api_prisma(request: Request, figure: bool = True) -> dict[str, Any]:
    return prisma_context(request, figure)


@router.get("/review/prisma", include_in_schema=False)
def prisma_page(request: Request) -> HTMLResponse:
    return render_page(request, "review_prisma.html", prisma_context(request), page=PAGE, title="PRISMA 2020")

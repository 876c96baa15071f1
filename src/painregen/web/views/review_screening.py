"""Screening in the workbench: a reviewer's queue at each stage (``/review/screen/ta``, ``/review/screen/ft``), most
likely relevant first (active learning, :func:`painregen.review.screening.queue`), one record at a time with
include / exclude / maybe and a reason from the stage's criteria; the reviewer's own decisions, with the other
screeners' shown only once every screener has decided (blinding); the conflicts for a third reviewer
(``/review/conflicts/{stage}``) and the agreement statistics (``/review/agreement``)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from painregen.review import screening as sc
from painregen.review.schema import ScreeningDecisionRow
from painregen.web.render import render_page
from painregen.web.views.review import (
    PAGE,
    STAGE_CODES,
    STAGE_LABELS,
    acting_reviewer,
    iso,
    publication_summary,
    required_reviewer,
    review_session,
    reviewer_context,
    stage_of,
)

router = APIRouter()
Order = Literal["prioritised", "publication"]
QUEUE_PREVIEW = 10


class DecisionIn(BaseModel):
    publication: int
    decision: Literal["include", "exclude", "maybe"]
    reason: str | None = Field(None, description="an exclusion criterion code of the stage (needed to exclude at "
                                                  "full text)")
    reviewer: str | None = Field(None, description="only for a script without the /whoami cookie")


def decision_dict(r: ScreeningDecisionRow) -> dict[str, Any]:
    return {"reviewer": r.reviewer, "role": r.role, "decision": r.decision, "reason": r.reason,
            "decided_at": iso(r.decided_at), "source": r.source}


def criteria_of(s: Session, key: str) -> dict[str, list[dict[str, str]]]:
    st = sc.get_stage(s, key)
    return {kind: [{"code": c.code, "text": c.text} for c in st.criteria if c.kind == kind]
            for kind in ("inclusion", "exclusion")}


def _stage_ctx(key: str) -> dict[str, str]:
    return {"stage": key, "code": STAGE_CODES[key], "label": STAGE_LABELS[key]}


def shown_decisions(outcome: sc.Outcome, reviewer: str) -> list[ScreeningDecisionRow]:
    """The decisions on a publication that ``reviewer`` may see (the rule of
    :func:`painregen.review.screening.visible_decisions`, on an outcome already computed): their own until every
    required screener has decided, then all, the third reviewer's included."""
    if not outcome.complete:
        return [r for rev, r in outcome.screeners.items() if rev == reviewer]
    return sorted([*outcome.screeners.values(), *([outcome.arbiter] if outcome.arbiter else [])], key=lambda r: r.id)


def screen_context(request: Request, code: str, publication: int | None = None, order: Order = "prioritised",
                   claimed: str | None = None) -> dict[str, Any]:
    """A reviewer's screening page at a stage: the record to decide (the first of their queue, or ``publication``
    to revisit one of their own), the queue, their decisions so far and the stage's criteria."""
    key = stage_of(code)
    who = acting_reviewer(request, claimed)
    back = f"/review/screen/{code}" + ("?order=publication" if order == "publication" else "")
    ctx: dict[str, Any] = _stage_ctx(key) | reviewer_context(who, back) | {
        "order": order, "waiting": None, "queue": [], "record": None, "mine": []}
    with review_session(request) as s:
        ctx["criteria"] = criteria_of(s, key)
        ctx["counts"] = sc.counts(s, key)
        if who is None:
            return ctx
        outs = sc.outcomes(s, key)
        todo = sc.queue(s, key, who, prioritise=order == "prioritised")
        current = todo[0] if todo else None
        if publication is not None:
            out = outs.get(publication)
            if out is None or (who not in out.screeners and publication not in todo):
                raise HTTPException(404, f"publication {publication} is not in {who}'s screening at {key}")
            current = publication
        if current is not None:
            own = outs[current].screeners.get(who)
            ctx["record"] = publication_summary(s, current) | {
                "own": decision_dict(own) if own else None, "status": outs[current].status if own else None,
                "decisions": [decision_dict(r) for r in sc.visible_decisions(s, current, key, who)]}
        ctx["waiting"] = len(todo)
        ctx["queue"] = [{"publication": i, "title": sc.publication_text(s, i)[0]}
                        for i in todo[:QUEUE_PREVIEW + 1] if i != current][:QUEUE_PREVIEW]
        mine = [(o.screeners[who], o) for o in outs.values() if who in o.screeners]
        ctx["mine"] = [decision_dict(r) | {"publication": o.publication_id, "title": sc.publication_text(
            s, o.publication_id)[0], "status": o.status, "final": o.final,
            "others": [decision_dict(x) for x in shown_decisions(o, who) if x is not r]}
            for r, o in sorted(mine, key=lambda ro: (ro[0].decided_at, ro[0].id), reverse=True)]
    return ctx


def record_decision(request: Request, code: str, body: DecisionIn, role: str) -> dict[str, Any]:
    """Store a screener's (or, with ``role`` arbiter, a third reviewer's) decision; returns where the publication
    stands (its status only: the other screeners' decisions stay hidden until all have decided)."""
    key = stage_of(code)
    who = required_reviewer(request, body.reviewer)
    reason = (body.reason or "").strip() or None
    with review_session(request) as s:
        row = sc.decide(s, body.publication, key, who, body.decision, reason=reason if body.decision != "include"
                        else None, role=role, source="web")
        out = sc.outcomes(s, key)[body.publication]
        return {"publication": body.publication, **_stage_ctx(key), "decision": decision_dict(row),
                "status": out.status, "final": out.final}


def conflicts_context(request: Request, code: str) -> dict[str, Any]:
    key = stage_of(code)
    who = acting_reviewer(request)
    with review_session(request) as s:
        outs = sc.outcomes(s, key)

        def item(o: sc.Outcome) -> dict[str, Any]:
            return publication_summary(s, o.publication_id) | {
                "status": o.status, "final": o.final, "reason": o.reason(),
                "decisions": [decision_dict(r) for r in sorted(o.screeners.values(), key=lambda r: r.id)],
                "arbiter": decision_dict(o.arbiter) if o.arbiter else None,
                "can_resolve": who is not None and who not in o.screeners}

        ctx = {"conflicts": [item(o) for o in outs.values() if o.status == "conflict"],
               "resolved": [item(o) for o in outs.values() if o.status == "resolved"],
               "criteria": criteria_of(s, key)}
    return _stage_ctx(key) | ctx | reviewer_context(who, f"/review/conflicts/{code}")


def agreement_context(request: Request) -> dict[str, Any]:
    """Screening agreement per stage and reviewer pair (:func:`painregen.review.screening_agreement.stage_agreement`)
    and extraction agreement per field and appraisal item (:func:`painregen.review.reconcile.field_agreement`)."""
    from painregen.review.reconcile import field_agreement
    from painregen.review.screening_agreement import stage_agreement

    with review_session(request) as s:
        stages = [_stage_ctx(key) | stage_agreement(s, key) for key in STAGE_CODES]
        fields = field_agreement(s)
    return {"stages": stages, "fields": fields}


@router.get("/api/review/screen/{stage}", tags=["review"], summary="A reviewer's screening queue at a stage (ta, "
            "ft): the next record, the queue, their own decisions (blinded)")
def api_screen(request: Request, stage: str, publication: int | None = None, order: Order = "prioritised",
               reviewer: str | None = None) -> dict[str, Any]:
    return screen_context(request, stage, publication, order, reviewer)


@router.post("/api/review/screen/{stage}", tags=["review"], summary="Record a screening decision")
def api_screen_decide(request: Request, stage: str, body: DecisionIn) -> dict[str, Any]:
    return record_decision(request, stage, body, sc.SCREENER)


@router.get("/api/review/conflicts/{stage}", tags=["review"], summary="Publications whose screeners disagree, and "
            "those a third reviewer resolved")
def api_conflicts(request: Request, stage: str) -> dict[str, Any]:
    return conflicts_context(request, stage)


@router.post("/api/review/conflicts/{stage}", tags=["review"], summary="Resolve a conflict as the third reviewer")
def api_resolve(request: Request, stage: str, body: DecisionIn) -> dict[str, Any]:
    return record_decision(request, stage, body, sc.ARBITER)


@router.get("/api/review/agreement", tags=["review"], summary="Agreement: kappa, AC1 and % per stage and reviewer "
            "pair; extraction agreement per field")
def api_agreement(request: Request) -> dict[str, Any]:
    return agreement_context(request)


@router.get("/review/screen/{stage}", include_in_schema=False)
def screen_page(request: Request, stage: str, publication: int | None = None, order: Order = "prioritised",
                done: int | None = None) -> HTMLResponse:
    ctx = screen_context(request, stage, publication, order) | {"done": done}
    return render_page(request, "review_screen.html", ctx, page=PAGE, title=f"Screening: {ctx['label']}")


async def _form_decision(request: Request) -> DecisionIn:
    form = await request.form()
    try:
        return DecisionIn(publication=int(str(form.get("publication"))), decision=str(form.get("decision")),
                          reason=str(form.get("reason") or "") or None)
    except ValueError:
        raise HTTPException(422, "a decision needs the publication and include, exclude or maybe") from None


@router.post("/review/screen/{stage}", include_in_schema=False)
async def screen_decide_page(request: Request, stage: str, order: Order = "prioritised") -> RedirectResponse:
    back = f"/review/screen/{stage}?order={order}"
    if acting_reviewer(request) is None:
        return RedirectResponse(back, status_code=303)  # the page asks for a name
    out = record_decision(request, stage, await _form_decision(request), sc.SCREENER)
    return RedirectResponse(f"{back}&done={out['publication']}", status_code=303)


@router.get("/review/conflicts/{stage}", include_in_schema=False)
def conflicts_page(request: Request, stage: str, done: int | None = None) -> HTMLResponse:
    ctx = conflicts_context(request, stage) | {"done": done}
    return render_page(request, "review_conflicts.html", ctx, page=PAGE, title=f"Conflicts: {ctx['label']}")


@router.post("/review/conflicts/{stage}", include_in_schema=False)
async def resolve_page(request: Request, stage: str) -> RedirectResponse:
    if acting_reviewer(request) is None:
        return RedirectResponse(f"/review/conflicts/{stage}", status_code=303)
    out = record_decision(request, stage, await _form_decision(request), sc.ARBITER)
    return RedirectResponse(f"/review/conflicts/{stage}?done={out['publication']}", status_code=303)


@router.get("/review/agreement", include_in_schema=False)
def agreement_page(request: Request) -> HTMLResponse:
    return render_page(request, "review_agreement.html", agreement_context(request), page=PAGE, title="Agreement")

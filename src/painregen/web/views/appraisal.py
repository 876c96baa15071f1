"""Edit a study's appraisal answers (SYRCLE risk of bias, ARRIVE 2.0) and see the judgements they give.

Storage goes through :mod:`painregen.appraise` (``answers.answer_rows`` validates, ``store.write_answers``
writes all or nothing, recording the edit as an ``appraisal`` import with its own provenance).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from painregen.appraise import arrive, syrcle
from painregen.appraise.answers import AnswerSet, answer_rows
from painregen.appraise.catalogue import get_instrument
from painregen.io.problems import InvalidDataError
from painregen.registry import Registry
from painregen.web.config import registry_of
from painregen.web.render import render_page
from painregen.web.views.studies import load_study

router = APIRouter()

INSTRUMENTS = ("syrcle", "arrive")
FIELD_SEP = "."


class AnswerIn(BaseModel):
    instrument: str = Field(description="syrcle or arrive")
    item: str = Field(description="item id, alias, signalling question (item.q1) or ARRIVE sub-item (2b)")
    answer: str = Field(description="on the instrument's scale (yes/no/unclear; reported/not_reported/...)")


class AnswersIn(BaseModel):
    answers: list[AnswerIn]


def appraisal_context(request: Request, study: str, *, message: str = "",
                      problems: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    pk, s, _ = load_study(request, study)
    stored = {"syrcle": dict(s.rob), "arrive": dict(s.arrive)}
    forms = []
    for inst_id in INSTRUMENTS:
        inst = get_instrument(inst_id)
        forms.append({"instrument": inst.id, "name": inst.name, "citation": inst.citation,
                      "answers": list(inst.answers),
                      "items": [{"id": it.id, "number": it.number, "name": it.name, "hint": it.bias or it.set,
                                 "question": it.question,
                                 "field": f"{inst.id}{FIELD_SEP}{it.id}", "answer": stored[inst.id].get(it.id)}
                                for it in inst.items]})
    return {"id": pk, "study_id": s.study_id, "title": s.title, "stored": stored, "forms": forms,
            "syrcle": syrcle.judge(s.rob).to_dict(), "arrive": arrive.compliance(s.arrive).to_dict(),
            "message": message, "problems": problems or []}


def _study_key(reg: Registry, pk: int, study_id: str) -> str:
    """A key that :meth:`Registry.resolve` maps to ``pk`` (the study key when unambiguous, else the id)."""
    try:
        return study_id if reg.resolve(study_id) == pk else str(pk)
    except KeyError:
        return str(pk)


def save_answers(request: Request, study: str, rows: list[dict[str, str]]) -> tuple[int, dict[str, Any]]:
    """Validate and store answers typed in for one study; (status, context): 200 saved, 422 invalid."""
    pk, s, _ = load_study(request, study)
    with registry_of(request) as reg:
        from painregen.appraise.store import known_study, write_answers

        key = _study_key(reg, pk, s.study_id)
        full = [{"study": key, **r} for r in rows]
        try:
            answers = answer_rows(full, "web form", known_study=known_study(reg))
        except InvalidDataError as exc:
            probs = [p.to_dict() for p in exc.problems]
            return 422, appraisal_context(request, study, message="nothing was saved", problems=probs)
        digest = hashlib.sha256(json.dumps([pk, full], sort_keys=True).encode()).hexdigest()
        summary = write_answers(reg, AnswerSet(f"web form: study {pk}", digest, tuple(answers)))
    msg = f"saved: {summary.inserted} new, {summary.updated} changed, {summary.unchanged} unchanged"
    return 200, appraisal_context(request, str(pk), message=msg)


@router.get("/api/studies/{study}/appraisal", tags=["appraisal"], summary="Appraisal answers and judgements")
def api_appraisal(request: Request, study: str) -> dict[str, Any]:
    return appraisal_context(request, study)


@router.post("/api/studies/{study}/appraisal", tags=["appraisal"], summary="Set appraisal answers (all or nothing)",
             responses={422: {"description": "invalid answers: nothing saved"}})
def api_save_appraisal(request: Request, study: str, body: AnswersIn) -> JSONResponse:
    status, ctx = save_answers(request, study, [a.model_dump() for a in body.answers])
    return JSONResponse(ctx, status_code=status)


@router.get("/studies/{study}/appraisal", include_in_schema=False)
def appraisal_page(request: Request, study: str) -> HTMLResponse:
    ctx = appraisal_context(request, study)
    return render_page(request, "appraisal.html", ctx, page="studies", title=f"Appraisal of {ctx['study_id']}")


@router.post("/studies/{study}/appraisal", include_in_schema=False)
async def appraisal_post(request: Request, study: str) -> HTMLResponse:
    form = await request.form()
    rows = []
    for name, value in form.multi_items():
        inst, sep, item = name.partition(FIELD_SEP)
        if sep and inst in INSTRUMENTS and isinstance(value, str) and value.strip():
            rows.append({"instrument": inst, "item": item, "answer": value})
    if not rows:
        raise HTTPException(422, "no answers were given")
    status, ctx = await run_in_threadpool(save_answers, request, study, rows)
    return render_page(request, "appraisal.html", ctx, status=status, page="studies",
                       title=f"Appraisal of {ctx['study_id']}")

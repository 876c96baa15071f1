"""Edit a study's appraisal answers (SYRCLE risk of bias, ARRIVE 2.0) and see the judgements they give.

Storage goes through :mod:`painregen.appraise` (``answers.answer_rows`` validates, ``store.write_answers``
writes all or nothing, recording the edit as an ``appraisal`` import with its own provenance).

Pre-filling: a pasted methods section or an uploaded paper (.txt or .pdf) is normalised and read by
:func:`painregen.appraise.detect.prefill_text`; each proposed answer is shown with its supporting sentence (the
matched words highlighted) for the reviewer to accept or change. Nothing is stored until the reviewer submits the
accepted answers under their name (recorded in the import's source).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from painregen.appraise import arrive, syrcle
from painregen.appraise.answers import AnswerSet, answer_rows
from painregen.appraise.catalogue import get_instrument
from painregen.io.problems import InvalidDataError, Problem
from painregen.registry import Registry
from painregen.web.config import config_of, registry_of
from painregen.web.identity import clean_name, reviewer_of
from painregen.web.render import render_page
from painregen.web.views.studies import load_study

router = APIRouter()

INSTRUMENTS = ("syrcle", "arrive")
PREFILL_INSTRUMENTS = ("syrcle", "arrive", "camarades")
FIELD_SEP = "."
ACCEPT = "accept"
ANSWER = "answer"


class AnswerIn(BaseModel):
    instrument: str = Field(description="syrcle or arrive")
    item: str = Field(description="item id, alias, signalling question (item.q1) or ARRIVE sub-item (2b)")
    answer: str = Field(description="on the instrument's scale (yes/no/unclear; reported/not_reported/...)")


class AnswersIn(BaseModel):
    answers: list[AnswerIn]
    reviewer: str | None = Field(None, description="who gives the answers (recorded with the import)")


def appraisal_context(request: Request, study: str, *, message: str = "",
                      problems: list[dict[str, Any]] | None = None,
                      prefill: dict[str, Any] | None = None) -> dict[str, Any]:
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
            "message": message, "problems": problems or [], "prefill": prefill, "reviewer": reviewer_of(request)}


def _study_key(reg: Registry, pk: int, study_id: str) -> str:
    """A key that :meth:`Registry.resolve` maps to ``pk`` (the study key when unambiguous, else the id)."""
    try:
        return study_id if reg.resolve(study_id) == pk else str(pk)
    except KeyError:
        return str(pk)


def save_answers(request: Request, study: str, rows: list[dict[str, str]],
                 source: str | None = None) -> tuple[int, dict[str, Any]]:
    """Validate and store answers typed in for one study; (status, context): 200 saved, 422 invalid. ``source``
    names the edit in the registry's provenance (default: the web form)."""
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
        label = source or "web form"
        keyed: list[Any] = [pk, full] if source is None else [pk, full, label]
        digest = hashlib.sha256(json.dumps(keyed, sort_keys=True).encode()).hexdigest()
        summary = write_answers(reg, AnswerSet(f"{label}: study {pk}", digest, tuple(answers)))
    msg = f"saved: {summary.inserted} new, {summary.updated} changed, {summary.unchanged} unchanged"
    return 200, appraisal_context(request, str(pk), message=msg)


@router.get("/api/studies/{study}/appraisal", tags=["appraisal"], summary="Appraisal answers and judgements")
def api_appraisal(request: Request, study: str) -> dict[str, Any]:
    return appraisal_context(request, study)


@router.post("/api/studies/{study}/appraisal", tags=["appraisal"], summary="Set appraisal answers (all or nothing)",
             responses={422: {"description": "invalid answers: nothing saved"}})
def api_save_appraisal(request: Request, study: str, body: AnswersIn) -> JSONResponse:
    name = clean_name(body.reviewer or "")
    rows = [a.model_dump() for a in body.answers]
    status, ctx = save_answers(request, study, rows, f"web form (reviewer: {name})" if name else None)
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


# --- pre-filling from a methods section or a paper -----------------------------------------------------------

PREFILL_SUFFIXES = (".txt", ".text", ".md", ".pdf")


def _item_name(instrument: str, item: str) -> str:
    """A readable name: "SYRCLE 7 Blinding (outcome assessor)", "ARRIVE 4a Randomisation: whether allocation ..."."""
    inst = get_instrument(instrument)
    for it in inst.items:
        if it.id == item:
            hint = f" ({it.bias})" if it.bias else ""
            return f"{inst.id.upper()} {it.number} {it.name}{hint}"
        for sub in it.subitems:
            if sub.id == item:
                return f"{inst.id.upper()} {sub.id} {it.name}: {sub.text}"
    return f"{inst.id.upper()} {item}"


def proposals_view(proposals: list[Any], stored: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    """Proposals as the page shows them: the sentence cut around the matched words, the instrument's answer
    scale for the reviewer's choice, and the answer already stored for the item."""
    out = []
    for p in proposals:
        a, b = p.match_start - p.start, p.match_end - p.start
        key = f"{p.instrument}{FIELD_SEP}{p.item}"
        out.append({"instrument": p.instrument, "item": p.item, "name": _item_name(p.instrument, p.item),
                    "answer": p.answer, "answers": list(get_instrument(p.instrument).answers),
                    "before": p.sentence[:a], "match": p.sentence[a:b], "after": p.sentence[b:],
                    "sentence": p.sentence, "start": p.start, "end": p.end, "source": p.source, "score": p.score,
                    "stored": stored.get(p.instrument, {}).get(p.item), "accept_field": f"{ACCEPT}{FIELD_SEP}{key}",
                    "answer_field": f"{ANSWER}{FIELD_SEP}{key}"})
    return out


def run_prefill(request: Request, study: str, text: str | None, upload: tuple[str, bytes] | None
                ) -> tuple[int, dict[str, Any]]:
    """Read the pasted text or the uploaded file and propose answers; (status, context): 200 with
    ``prefill``, 422 with the problems (unreadable file, no text). Nothing is stored."""
    from painregen.appraise.detect import prefill_text
    from painregen.appraise.pdftext import SourceText, read_source
    from painregen.web.uploads import safe_name

    try:
        if upload is not None:
            name, data = upload
            if not name.lower().endswith(PREFILL_SUFFIXES):
                raise InvalidDataError([Problem(name, None, None, f"files of type '{name}' are not read here",
                                                "upload a .txt or .pdf file, or paste the methods text")])
            source = read_source(data, safe_name(name))
        elif text and text.strip():
            source = SourceText("pasted text", text, False)
        else:
            raise InvalidDataError([Problem("form", None, "methods", "no text and no file were given",
                                            "paste the methods section or choose a .txt or .pdf file")])
    except InvalidDataError as exc:
        return 422, appraisal_context(request, study, message="nothing to read",
                                      problems=[p.to_dict() for p in exc.problems])
    body, proposals = prefill_text(source.text, pdf=True if source.pdf else None)
    ctx = appraisal_context(request, study)
    ctx["prefill"] = {"source": source.name, "pdf": source.pdf, "pages": source.pages, "n_characters": len(body),
                      "proposals": proposals_view(proposals, ctx["stored"])}
    n = len(proposals)
    ctx["message"] = (f"{n} proposed answers from {source.name}: check each one; nothing is stored until you accept"
                      if n else f"no answer could be proposed from {source.name}")
    return 200, ctx


async def _form_prefill(request: Request, study: str, methods: str | None, file: UploadFile | None
                        ) -> tuple[int, dict[str, Any]]:
    upload = None
    if file is not None and file.filename:
        data = await file.read(config_of(request).max_upload_bytes + 1)
        if len(data) > config_of(request).max_upload_bytes:
            raise HTTPException(413, "the file is larger than the upload limit")
        upload = (file.filename, data)
    return await run_in_threadpool(run_prefill, request, study, methods, upload)


@router.post("/api/studies/{study}/appraisal/prefill", tags=["appraisal"],
             summary="Propose appraisal answers from a methods text or a paper (.txt/.pdf); nothing is stored",
             responses={422: {"description": "no text, or an unreadable file"}})
async def api_prefill(request: Request, study: str, text: str | None = Form(None, description="methods text"),
                      file: UploadFile | None = File(None, description="a .txt or .pdf file")) -> JSONResponse:
    status, ctx = await _form_prefill(request, study, text, file)
    return JSONResponse(ctx, status_code=status)


@router.post("/studies/{study}/appraisal/prefill", include_in_schema=False)
async def prefill_page(request: Request, study: str, methods: str | None = Form(None),
                       file: UploadFile | None = File(None)) -> HTMLResponse:
    status, ctx = await _form_prefill(request, study, methods, file)
    return render_page(request, "appraisal.html", ctx, status=status, page="studies",
                       title=f"Appraisal of {ctx['study_id']}")


@router.post("/studies/{study}/appraisal/accept", include_in_schema=False)
async def accept_page(request: Request, study: str) -> HTMLResponse:
    """Store the proposals the reviewer ticked, with the answer they chose, under the reviewer's name."""
    form = await request.form()
    name = clean_name(str(form.get("reviewer") or "")) or reviewer_of(request)
    if name is None:
        raise HTTPException(422, "say who decides: give a reviewer name (or set it on the Who are you page)")
    rows = []
    for key, value in form.multi_items():
        kind, sep, rest = key.partition(FIELD_SEP)
        inst, sep2, item = rest.partition(FIELD_SEP)
        if kind == ACCEPT and sep and sep2 and inst in PREFILL_INSTRUMENTS and value:
            answer = form.get(f"{ANSWER}{FIELD_SEP}{rest}")
            if isinstance(answer, str) and answer.strip():
                rows.append({"instrument": inst, "item": item, "answer": answer})
    if not rows:
        raise HTTPException(422, "no proposal was accepted: tick the answers to store")
    status, ctx = await run_in_threadpool(save_answers, request, study, rows, f"web pre-fill (reviewer: {name})")
    if status == 200:
        ctx["message"] = f"{ctx['message']} (accepted by {name})"
    return render_page(request, "appraisal.html", ctx, status=status, page="studies",
                       title=f"Appraisal of {ctx['study_id']}")

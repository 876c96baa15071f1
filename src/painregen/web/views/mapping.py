"""Label mapping: the free-text labels of imported files (SyRF outcome, disease-model and treatment labels,
quality questions, ambiguous controls) with the term proposed, for a reviewer to confirm or reject once
(``/mapping``, ``/api/mapping``); decisions are stored with the reviewer's name and reused by every analysis."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field

from painregen.evidence.mapping_file import read_decisions
from painregen.evidence.mapping_table import VOCABULARIES, mapping_rows
from painregen.evidence.remap import control_options
from painregen.io.problems import InvalidDataError
from painregen.io.tables import Table
from painregen.registry import Decision
from painregen.web.config import registry_of
from painregen.web.identity import clean_name, reviewer_of
from painregen.web.render import render_page

router = APIRouter()


class DecisionIn(BaseModel):
    vocabulary: str
    text: str
    status: str = Field(description="confirmed (curie is the term) or rejected (no term for this label)")
    curie: str | None = None


class DecisionsIn(BaseModel):
    decisions: list[DecisionIn]
    reviewer: str | None = Field(None, description="who decides, for a script without a signed-in session or "
                                 "reviewer cookie (ignored when there is one)")


def mapping_context(request: Request) -> dict[str, Any]:
    with registry_of(request) as reg:
        rows = mapping_rows(reg.export_dataset(), reg.mapping_decisions())
    by_vocab = {v: [r.to_dict() | {"options": _options(r.curie, r.label, r.alternatives)} for r in rows
                    if r.vocabulary == v] for v in VOCABULARIES}
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.status] = counts.get(r.status, 0) + 1
    return {"rows": [r.to_dict() for r in rows], "by_vocabulary": {k: v for k, v in by_vocab.items() if v},
            "counts": counts, "reviewer": reviewer_of(request)}


def _options(curie: str | None, label: str | None, alternatives: str) -> list[dict[str, str]]:
    """The terms a reviewer can pick (value: the CURIE; text: label and CURIE): the proposal, then the
    alternatives, which :class:`painregen.evidence.mapping_table.MappingRow` writes as "label (CURIE) score"."""
    out = [{"value": curie, "text": f"{label} ({curie})" if label and label != curie else curie}] if curie else []
    for alt in (a.strip() for a in alternatives.split(";") if a.strip()):
        if "(" in alt and ")" in alt:
            value, text = alt[alt.rfind("(") + 1: alt.rfind(")")], alt[: alt.rfind(")") + 1]
        else:
            value = text = alt.rsplit(" ", 1)[0]
        if value and all(o["value"] != value for o in out):
            out.append({"value": value, "text": text})
    return out


def store(request: Request, decisions: list[DecisionIn], reviewer: str | None) -> int:
    from painregen.appraise.catalogue import known_item

    name = reviewer_of(request) or clean_name(reviewer or "")  # the signed-in account or cookie wins over a field
    if name is None:
        raise HTTPException(422, "say who decides: give a reviewer name (or set it on the Who are you page)")

    table = Table("form", ["vocabulary", "text", "status", "curie"], [d.model_dump() for d in decisions])
    with registry_of(request) as reg:
        try:
            valid = read_decisions(table, known_item=known_item, controls=control_options(reg.export_dataset()))
        except InvalidDataError as exc:
            detail = "; ".join(p.message + (f" ({p.fix})" if p.fix else "") for p in exc.problems)
            raise HTTPException(422, detail) from None
        return reg.store_mapping_decisions([Decision(d.vocabulary, d.key, d.text, d.status, d.curie) for d in valid],
                                           name)


@router.get("/api/mapping", tags=["mapping"], summary="Labels that need a term, with proposals and decisions")
def api_mapping(request: Request) -> dict[str, Any]:
    return mapping_context(request)


@router.post("/api/mapping", tags=["mapping"], summary="Store decisions (confirmed term or no term), all or nothing")
def api_store_mapping(request: Request, body: DecisionsIn) -> dict[str, Any]:
    return {"stored": store(request, body.decisions, body.reviewer)}


@router.get("/mapping", include_in_schema=False)
def mapping_page(request: Request, saved: int | None = None) -> HTMLResponse:
    ctx = mapping_context(request) | {"saved": saved}
    return render_page(request, "mapping.html", ctx, page="mapping", title="Label mapping")


@router.post("/mapping", include_in_schema=False)
async def mapping_decide(request: Request) -> RedirectResponse:
    form = await request.form()
    choice = str(form.get("decision") or "")
    term = str(form.get("other") or "").strip() or str(form.get("curie") or "").strip()
    decision = DecisionIn(vocabulary=str(form.get("vocabulary") or ""), text=str(form.get("text") or ""),
                          status="rejected" if choice == "reject" else "confirmed", curie=term or None)
    n = store(request, [decision], str(form.get("reviewer") or "") or None)
    return RedirectResponse(f"/mapping?saved={n}", status_code=303)

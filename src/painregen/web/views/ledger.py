"""The comparison ledger: every treated-vs-control comparison considered, included or excluded with the precise
reason (``/ledger``, ``/api/ledger``, ``/download/ledger.csv``)."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from painregen.effects.comparisons import EXCLUDED, REASONS
from painregen.effects.table import dataset_effects
from painregen.registry import Scope
from painregen.web.config import registry_of
from painregen.web.render import render_page
from painregen.web.scope import evidence_of, scope_context, scope_param
from painregen.web.views.analysis import Measure

router = APIRouter()
COLUMNS = ["study", "study_label", "experiment", "cohort", "outcome", "time", "status", "reason",
           "control_experiment", "control", "yi", "vi", "detail"]


def ledger_context(request: Request, measure: str, scope: Scope) -> dict[str, Any]:
    with registry_of(request) as reg:
        ctx = scope_context(reg, scope)
        evidence = evidence_of(reg, scope)
    table = dataset_effects(evidence.dataset, measure)
    rows = [e.to_dict() | {"study_label": evidence.labels.get(e.study, e.study)} for e in table.ledger]
    counts = [{"fate": k, "n": n, "meaning": REASONS.get(k, "compared")} for k, n in table.ledger_counts().items()]
    return ctx | {"measure": measure, "n": len(rows), "counts": counts, "rows": rows,
                  "n_excluded": sum(r["status"] == EXCLUDED for r in rows)}


@router.get("/api/ledger", tags=["analysis"], summary="Every comparison considered, with its fate and reason")
def api_ledger(request: Request, measure: Measure = "SMD", scope: Scope = Depends(scope_param)) -> dict[str, Any]:
    return ledger_context(request, measure, scope)


@router.get("/ledger", include_in_schema=False)
def ledger_page(request: Request, measure: Measure = "SMD", scope: Scope = Depends(scope_param)) -> HTMLResponse:
    return render_page(request, "ledger.html", ledger_context(request, measure, scope), page="ledger",
                       title="Comparison ledger")


@router.get("/download/ledger.csv", tags=["downloads"], summary="The comparison ledger (CSV)", response_class=Response)
def download_ledger(request: Request, measure: Measure = "SMD", scope: Scope = Depends(scope_param)) -> Response:
    from painregen.io.tables import format_cell

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(COLUMNS)
    for r in ledger_context(request, measure, scope)["rows"]:
        w.writerow([format_cell(r.get(c)) for c in COLUMNS])
    return Response(buf.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": 'attachment; filename="ledger.csv"'})

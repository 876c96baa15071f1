"""Dose-response from a form: pick an experiment with several dose levels, an outcome and candidate shapes.

The page lists the dose series of the registry, shows the dose groups of the chosen one and hands them to
:func:`painregen.web.dose_bridge.run_mcp_mod` (pending until :mod:`painregen.dose` provides ``mcp_mod``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from painregen.evidence import models as m
from painregen.report.pipeline import label_of
from painregen.web.config import registry_of
from painregen.web.dose_bridge import SeriesError, default_spec, run_mcp_mod, series_groups
from painregen.web.render import render_page

router = APIRouter()


def dose_series(ds: m.Dataset) -> list[dict[str, Any]]:
    """Experiments whose treated cohorts received one product at two or more dose amounts in one unit."""
    out = []
    for s in ds.studies:
        for e in s.experiments:
            groups: dict[tuple[str, str, str], list[tuple[float, str]]] = {}
            for c in e.cohorts:
                i = c.intervention
                if c.role is m.Role.treated and i is not None and i.dose is not None:
                    key = (i.product, i.dose.unit, i.dose.basis.value)
                    groups.setdefault(key, []).append((i.dose.amount, c.cohort_id))
            for (product, unit, basis), doses in groups.items():
                if len({d for d, _ in doses}) >= 2:
                    out.append({"key": f"{s.study_id}/{e.experiment_id}/{product}", "study": s.study_id,
                                "experiment": e.experiment_id, "product": label_of("product", product),
                                "unit": unit, "basis": basis, "doses": sorted(d for d, _ in doses),
                                "cohorts": [c for _, c in sorted(doses)],
                                "outcomes": [o.outcome_id for o in e.outcomes]})
    return out


def dose_context(request: Request, series: str | None, outcome: str | None, spec: str | None, *,
                 run: bool) -> dict[str, Any]:
    with registry_of(request) as reg:
        ds = reg.export_dataset()
    candidates = dose_series(ds)
    chosen = next((c for c in candidates if c["key"] == series), candidates[0] if candidates else None)
    if chosen is not None and outcome not in chosen["outcomes"]:
        outcome = chosen["outcomes"][0] if chosen["outcomes"] else None
    spec = spec or (default_spec(chosen["doses"][-1]) if chosen else "")
    ctx: dict[str, Any] = {"series": candidates, "chosen": chosen,
                           "params": {"series": chosen["key"] if chosen else "", "outcome": outcome or "",
                                      "spec": spec},
                           "ran": False, "groups": None, "status": None, "message": "", "result": None}
    if run and chosen is not None and outcome is not None:
        ctx["ran"] = True
        try:
            ctx["groups"] = series_groups(ds, chosen, outcome)
        except SeriesError as exc:
            ctx.update(status="error", message=str(exc))
            return ctx
        ctx.update(run_mcp_mod(ctx["groups"], spec))
    return ctx


@router.get("/api/dose", tags=["analysis"], summary="Dose series of the registry; MCP-Mod of one of them")
def api_dose(request: Request, series: str | None = None, outcome: str | None = None,
             spec: str | None = None) -> dict[str, Any]:
    return dose_context(request, series, outcome, spec, run=series is not None)


@router.get("/dose", include_in_schema=False)
def dose_page(request: Request, series: str | None = None, outcome: str | None = None, spec: str | None = None,
              run: bool = False) -> HTMLResponse:
    ctx = dose_context(request, series, outcome, spec, run=run)
    return render_page(request, "dose.html", ctx, page="dose", title="Dose-response")

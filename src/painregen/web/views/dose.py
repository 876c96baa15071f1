"""Dose-response from a form: pick an experiment with several dose levels, an outcome and candidate shapes.

The page lists the dose series of the registry, shows the dose groups of the chosen one and hands them to
:func:`painregen.web.dose_bridge.run_mcp_mod` (``painregen.dose.mcp_mod``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from painregen.evidence import models as m
from painregen.report.sections.dose import dose_finding
from painregen.web.config import registry_of
from painregen.web.dose_bridge import SeriesError, default_spec, run_mcp_mod, series_groups
from painregen.web.render import render_page

router = APIRouter()


def dose_series(ds: m.Dataset) -> list[dict[str, Any]]:
    """The report's dose-finding experiments (one product at >= 3 doses with a control), each with a form key
    and its outcomes."""
    experiments = {(s.study_id, e.experiment_id): e for s in ds.studies for e in s.experiments}
    return [sr | {"key": f"{sr['study']}/{sr['experiment']}/{sr['product']}/{sr['unit']}/{sr['basis']}",
                  "outcomes": [o.outcome_id for o in experiments[sr["study"], sr["experiment"]].outcomes]}
            for sr in dose_finding(ds)]


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
                           "ran": False, "groups": None, "status": None, "message": "", "result": None,
                           "figure": None}
    if run and chosen is not None and outcome is not None:
        ctx["ran"] = True
        try:
            ctx["groups"] = series_groups(ds, chosen, outcome)
        except SeriesError as exc:
            ctx.update(status="error", message=str(exc))
            return ctx
        ctx.update(run_mcp_mod(ctx["groups"], spec, chosen["unit"]))
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

"""Meta-analysis from a form: one random-effects model per outcome domain (the report's pipeline), with forest
and funnel (trim-and-fill) plots. ``GET /analysis`` (page) and ``GET /api/analysis`` share one context."""

from __future__ import annotations

import warnings
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from painregen.meta import trimfill
from painregen.meta.plots import forest, funnel
from painregen.report.html import figure_svg
from painregen.report.pipeline import DOMAINS, DomainSynthesis, run_analysis
from painregen.web.config import registry_of
from painregen.web.render import render_page

router = APIRouter()

Measure = Literal["SMD", "SMDH", "MD", "ROM", "NMD"]
Method = Literal["REML", "DL", "ML", "PM", "EB", "HE", "HS", "SJ", "FE"]
MEASURES: tuple[str, ...] = Measure.__args__  # type: ignore[attr-defined]
METHODS: tuple[str, ...] = Method.__args__  # type: ignore[attr-defined]
MIN_K_FUNNEL = 3


def _figures(d: DomainSynthesis, measure: str) -> tuple[list[dict[str, str]], dict[str, Any] | None]:
    """Forest and funnel plots of one pooled domain, and its trim-and-fill result (None when k is too small)."""
    if d.result is None:
        return [], None
    xlabel = f"{measure} ({d.domain} outcomes; > 0 favours treatment)"
    figs = [{"kind": "forest", "title": f"Forest plot: {d.domain} outcomes",
             "svg": figure_svg(forest(d.result, labels=d.labels, xlabel=xlabel))}]
    fill = None
    if d.k >= MIN_K_FUNNEL:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tf = trimfill(d.result)
        fill = tf.to_dict()
        figs.append({"kind": "funnel", "title": f"Funnel plot with trim-and-fill: {d.domain} outcomes",
                     "svg": figure_svg(funnel(d.result, fill=tf, xlabel=xlabel))})
    return figs, fill


def analysis_context(request: Request, measure: str, method: str, domain: str | None, *, run: bool,
                     figures: bool = True) -> dict[str, Any]:
    params = {"measure": measure, "method": method, "domain": domain or ""}
    ctx: dict[str, Any] = {"params": params, "options": {"measures": list(MEASURES), "methods": list(METHODS),
                                                         "domains": list(DOMAINS)},
                           "ran": False, "message": "", "summary": None, "domains": [], "warnings": [],
                           "n_effects": 0}
    if not run:
        return ctx
    with registry_of(request) as reg:
        ds = reg.export_dataset()
    ctx["ran"] = True
    if not ds.studies:
        ctx["message"] = "the registry holds no studies yet: upload a file first"
        return ctx
    analysis = run_analysis(ds, measure=measure, method=method)
    ctx.update(summary=analysis.summary, warnings=analysis.effects.warnings, n_effects=len(analysis.effects.rows))
    for d in analysis.domains:
        if domain and d.domain != domain:
            continue
        figs, fill = _figures(d, measure) if figures else ([], None)
        ctx["domains"].append({"domain": d.domain, "k": d.k, "n_studies": d.n_studies, "note": d.note,
                               "result": d.result.to_dict() if d.result is not None else None,
                               "trimfill": fill, "figures": figs})
    if not ctx["domains"]:
        ctx["message"] = "no comparison could be computed for this choice"
    return ctx


@router.get("/api/analysis", tags=["analysis"], summary="Pooled effects per outcome domain, with figures (SVG)")
def api_analysis(request: Request, measure: Measure = "SMD", method: Method = "REML", domain: str | None = None,
                 figures: bool = True) -> dict[str, Any]:
    return analysis_context(request, measure, method, domain, run=True, figures=figures)


@router.get("/analysis", include_in_schema=False)
def analysis_page(request: Request, measure: Measure = "SMD", method: Method = "REML", domain: str | None = None,
                  run: bool = False) -> HTMLResponse:
    ctx = analysis_context(request, measure, method, domain, run=run)
    return render_page(request, "analysis.html", ctx, page="analysis", title="Meta-analysis")

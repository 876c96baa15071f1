"""Meta-analysis from a form: one random-effects model per outcome domain (the report's pipeline), with forest
and funnel (trim-and-fill) plots. ``GET /analysis`` (page) and ``GET /api/analysis`` share one context."""

from __future__ import annotations

import warnings
from collections.abc import Hashable
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from painregen.meta import subgroup as fit_subgroups
from painregen.meta import trimfill
from painregen.meta.plots import forest, funnel
from painregen.registry import Scope
from painregen.registry.scope import AnalysisEvidence
from painregen.report.html import figure_svg, origin_text
from painregen.report.pipeline import DOMAINS, DomainSynthesis, run_analysis
from painregen.web.cache import ResultCache
from painregen.web.config import registry_of
from painregen.web.render import render_page
from painregen.web.scope import evidence_of, scope_context, scope_param

router = APIRouter()

Measure = Literal["SMD", "SMDH", "MD", "ROM", "NMD"]
Method = Literal["REML", "DL", "ML", "PM", "EB", "HE", "HS", "SJ", "FE"]
Subgroup = Literal["product", "preparation", "tissue_source", "route", "model", "species", "sex", "donor", "timing"]
MEASURES: tuple[str, ...] = Measure.__args__  # type: ignore[attr-defined]
METHODS: tuple[str, ...] = Method.__args__  # type: ignore[attr-defined]
MIN_K_FUNNEL = 3
MAX_FOREST_ROWS = 60
SUBGROUPS: tuple[str, ...] = Subgroup.__args__  # type: ignore[attr-defined]


def _subgroup(d: DomainSynthesis, by: str | None) -> tuple[Any, list[str] | None, str]:
    """The subgroup analysis of one domain by a covariate of its comparisons: (result or None, groups, note)."""
    if not by or d.result is None or d.rows is None or by not in d.rows:
        return None, None, ""
    groups = [str(g) for g in d.rows[by]]
    if len(set(groups)) < 2:
        return None, None, f"one {by} only ({groups[0]}): no subgroup analysis"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_subgroups(d.yi, d.vi, groups, method=d.result.method), groups, ""


def _trimfill(d: DomainSynthesis) -> Any:
    """Trim-and-fill of one pooled domain (None when k is too small for a funnel plot)."""
    if d.result is None or d.k < MIN_K_FUNNEL:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return trimfill(d.result)


def _figure_titles(d: DomainSynthesis, sub: Any) -> list[tuple[str, str]]:
    """(kind, title) of the figures of one pooled domain, without drawing them."""
    if d.result is None:
        return []
    if sub is not None:
        forest_title = f"Forest plot: {d.domain} outcomes by subgroup (univariate random-effects model per subgroup)"
    elif d.multilevel is not None:
        forest_title = f"Forest plot: {d.domain} outcomes (three-level model; diamond = the pooled estimate above)"
    else:
        forest_title = f"Forest plot: {d.domain} outcomes (univariate random-effects model)"
    titles = [("forest", forest_title)]
    if d.k >= MIN_K_FUNNEL:
        titles.append(("funnel", f"Funnel plot with trim-and-fill: {d.domain} outcomes"))
    return titles


def _draw(d: DomainSynthesis, kind: str, measure: str, sub: Any, groups: list[str] | None, fill: Any = None) -> str:
    """One figure of one pooled domain as SVG text: the forest plot (by subgroup when given) or the funnel plot
    with trim-and-fill (``fill``, computed here when not given)."""
    assert d.result is not None
    xlabel = f"{measure} ({d.domain} outcomes; > 0 favours treatment)"
    if kind == "funnel":
        return figure_svg(funnel(d.result, fill=fill if fill is not None else _trimfill(d), xlabel=xlabel))
    labels = [label.replace("$", r"\$") for label in d.labels]  # a '$' in user text would start mathtext
    if sub is not None:
        fig = forest(sub, labels=labels, groups=groups, xlabel=xlabel)
    elif d.multilevel is not None:
        from painregen.meta.plots_mv import forest_mv

        fig = forest_mv(d.multilevel, studies=[s.replace("$", r"\$") for s in d.study_labels], labels=labels,
                        by="comparison" if d.k <= MAX_FOREST_ROWS else "study", max_rows=MAX_FOREST_ROWS,
                        xlabel=xlabel)
    else:
        fig = forest(d.result, labels=labels, xlabel=xlabel)
    return figure_svg(fig)


def _analysis(request: Request, scope: Scope, measure: str, method: str) -> tuple[Hashable, AnalysisEvidence, Any]:
    """(content version, evidence, analysis) of the scope, computed once per unchanged registry: concurrent
    requests for the same analysis wait for one computation (:meth:`ResultCache.get_or_compute`)."""
    cache: ResultCache = request.app.state.results
    with registry_of(request) as reg:
        version = reg.content_version()

    def compute() -> tuple[Hashable, AnalysisEvidence, Any]:
        with registry_of(request) as reg:
            evidence = evidence_of(reg, scope)
        analysis = None
        if evidence.dataset.studies:
            analysis = run_analysis(evidence, measure=measure, method=method)
            for d in analysis.domains:
                d.study_labels = [analysis.label(s) for s in d.studies]
        return version, evidence, analysis

    return cache.get_or_compute(("analysis", version, scope, measure, method), compute)


def analysis_context(request: Request, measure: str, method: str, domain: str | None, *, run: bool,
                     subgroup_by: str | None = None, figures: bool = True, scope: Scope | None = None
                     ) -> dict[str, Any]:
    """What the analysis page and ``/api/analysis`` show. With ``figures`` the SVG of every figure is included;
    without, each figure has ``svg`` None and the page fetches it from ``/analysis/figure.svg``."""
    scope = scope or Scope()
    params = {"measure": measure, "method": method, "domain": domain or "", "subgroup": subgroup_by or ""}
    ctx: dict[str, Any] = {"params": params, "options": {"measures": list(MEASURES), "methods": list(METHODS),
                                                         "domains": list(DOMAINS), "subgroups": list(SUBGROUPS)},
                           "ran": False, "message": "", "summary": None, "domains": [], "warnings": [],
                           "n_effects": 0, "provenance": None, "ledger": {}, "pending": 0}
    with registry_of(request) as reg:
        ctx.update(scope_context(reg, scope))
    if not run:
        return ctx
    version, evidence, analysis = _analysis(request, scope, measure, method)
    cache: ResultCache = request.app.state.results
    key = ("context", version, scope, measure, method, domain or "", subgroup_by or "", figures)
    hit = cache.get_or_compute(key, lambda: _compute(dict(ctx), evidence, analysis, scope, measure, domain,
                                                     subgroup_by, figures))
    return hit | {k: ctx[k] for k in ("imports", "projects")}


def _compute(ctx: dict[str, Any], evidence: AnalysisEvidence, analysis: Any, scope: Scope, measure: str,
             domain: str | None, subgroup_by: str | None, figures: bool) -> dict[str, Any]:
    """The analysis of ``evidence`` as the page shows it."""
    ctx["ran"] = True
    ctx["domains"] = []
    prov = evidence.provenance()
    ctx["provenance"] = prov | {"text": origin_text(evidence.origin, evidence.n_simulated, evidence.n_real)}
    if analysis is None:
        ctx["message"] = "the registry holds no studies yet: upload a file first" if scope.everything else \
            f"no studies in {scope.describe()}"
        return ctx
    ctx.update(summary=analysis.summary, warnings=analysis.effects.warnings, n_effects=len(analysis.effects.rows),
               ledger=analysis.effects.ledger_counts(), pending=len({(p.vocabulary, p.text) for p in evidence.pending}))
    for d in analysis.domains:
        if domain and d.domain != domain:
            continue
        sub, groups, sub_note = _subgroup(d, subgroup_by)
        fill = _trimfill(d)
        figs = [{"kind": kind, "title": title, "svg": _draw(d, kind, measure, sub, groups, fill) if figures else None}
                for kind, title in _figure_titles(d, sub)]
        origin = analysis.origin(d.studies)
        ctx["domains"].append({"domain": d.domain, "k": d.k, "n_studies": d.n_studies, "note": d.note,
                               "headline": d.headline(), "origin": origin,
                               "result": d.result.to_dict() if d.result is not None else None,
                               "multilevel": d.multilevel.to_dict() if d.multilevel is not None else None,
                               "subgroup": sub.to_dict() if sub is not None else None, "subgroup_note": sub_note,
                               "trimfill": fill.to_dict() if fill is not None else None, "figures": figs})
    if not ctx["domains"]:
        ctx["message"] = ("no comparison has an outcome domain yet: map the outcome labels to assays on the Mapping "
                          "page" if analysis.effects.rows else "no comparison could be computed: see the Ledger page")
    return ctx


@router.get("/api/analysis", tags=["analysis"], summary="Pooled effects per outcome domain, with figures (SVG)")
def api_analysis(request: Request, measure: Measure = "SMD", method: Method = "REML", domain: str | None = None,
                 subgroup: Subgroup | None = None, figures: bool = True,
                 scope: Scope = Depends(scope_param)) -> dict[str, Any]:
    return analysis_context(request, measure, method, domain, run=True, subgroup_by=subgroup, figures=figures,
                            scope=scope)


@router.get("/analysis", include_in_schema=False)
def analysis_page(request: Request, measure: Measure = "SMD", method: Method = "REML", domain: str | None = None,
                  subgroup: Subgroup | Literal[""] = "", run: bool = False,
                  scope: Scope = Depends(scope_param)) -> HTMLResponse:
    ctx = analysis_context(request, measure, method, domain, run=run, subgroup_by=subgroup or None, figures=False,
                           scope=scope)
    return render_page(request, "analysis.html", ctx, page="analysis", title="Meta-analysis")


@router.get("/analysis/figure.svg", include_in_schema=False)
def analysis_figure(request: Request, domain: str, kind: Literal["forest", "funnel"], measure: Measure = "SMD",
                    method: Method = "REML", subgroup: Subgroup | Literal[""] = "",
                    scope: Scope = Depends(scope_param)) -> Response:
    """One figure of the analysis page, drawn when the browser asks for it (the page itself shows the numbers
    first); cached with the analysis."""
    version, _, analysis = _analysis(request, scope, measure, method)
    d = next((d for d in analysis.domains if d.domain == domain), None) if analysis is not None else None
    if d is None or kind not in dict(_figure_titles(d, None)):
        raise HTTPException(404, f"no {kind} plot for domain {domain!r} in this analysis")
    cache: ResultCache = request.app.state.results

    def draw() -> str:
        sub, groups, _ = _subgroup(d, subgroup or None)
        return _draw(d, kind, measure, sub, groups)

    svg = cache.get_or_compute(("figure", version, scope, measure, method, domain, kind, subgroup), draw)
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "private, max-age=3600"})

"""Meta-analysis from a form: one random-effects model per outcome domain (the report's pipeline), with forest
and funnel (trim-and-fill) plots. ``GET /analysis`` (page) and ``GET /api/analysis`` share one context."""

from __future__ import annotations

import warnings
from collections.abc import Hashable
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

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


def _figures(d: DomainSynthesis, measure: str, sub: Any, groups: list[str] | None) -> tuple[list[dict[str, str]],
                                                                                           dict[str, Any] | None]:
    """Forest (by subgroup when given) and funnel (trim-and-fill) plots of one pooled domain, and its
    trim-and-fill result (None when k is too small)."""
    if d.result is None:
        return [], None
    xlabel = f"{measure} ({d.domain} outcomes; > 0 favours treatment)"
    labels = [label.replace("$", r"\$") for label in d.labels]  # a '$' in user text would start mathtext
    if sub is not None:
        fig = forest(sub, labels=labels, groups=groups, xlabel=xlabel)
        title = f"Forest plot: {d.domain} outcomes by subgroup (univariate random-effects model per subgroup)"
    elif d.multilevel is not None:
        from painregen.meta.plots_mv import forest_mv

        fig = forest_mv(d.multilevel, studies=[s.replace("$", r"\$") for s in d.study_labels], labels=labels,
                        by="comparison" if d.k <= MAX_FOREST_ROWS else "study", max_rows=MAX_FOREST_ROWS,
                        xlabel=xlabel)
        title = f"Forest plot: {d.domain} outcomes (three-level model; diamond = the pooled estimate above)"
    else:
        fig = forest(d.result, labels=labels, xlabel=xlabel)
        title = f"Forest plot: {d.domain} outcomes (univariate random-effects model)"
    figs = [{"kind": "forest", "title": title, "svg": figure_svg(fig)}]
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
                     subgroup_by: str | None = None, figures: bool = True, scope: Scope | None = None
                     ) -> dict[str, Any]:
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
        key = (reg.content_version(), scope, measure, method, domain or "", subgroup_by or "", figures)
    cache: ResultCache = request.app.state.results
    with cache.single_flight(key):
        if (hit := cache.get(key)) is not None:
            return hit | {k: ctx[k] for k in ("imports", "projects")}
        with registry_of(request) as reg:
            evidence = evidence_of(reg, scope)
        return _compute(ctx, evidence, scope, measure, method, domain, subgroup_by, figures, cache, key)


def _compute(ctx: dict[str, Any], evidence: AnalysisEvidence, scope: Scope, measure: str, method: str,
             domain: str | None, subgroup_by: str | None, figures: bool, cache: ResultCache,
             key: Hashable) -> dict[str, Any]:
    """The analysis of ``evidence`` into ``ctx``, cached under ``key``."""
    ctx["ran"] = True
    prov = evidence.provenance()
    ctx["provenance"] = prov | {"text": origin_text(evidence.origin, evidence.n_simulated, evidence.n_real)}
    if not evidence.dataset.studies:
        ctx["message"] = "the registry holds no studies yet: upload a file first" if scope.everything else \
            f"no studies in {scope.describe()}"
        return ctx
    analysis = run_analysis(evidence, measure=measure, method=method)
    ctx.update(summary=analysis.summary, warnings=analysis.effects.warnings, n_effects=len(analysis.effects.rows),
               ledger=analysis.effects.ledger_counts(), pending=len({(p.vocabulary, p.text) for p in evidence.pending}))
    for d in analysis.domains:
        if domain and d.domain != domain:
            continue
        d.study_labels = [analysis.label(s) for s in d.studies]
        sub, groups, sub_note = _subgroup(d, subgroup_by)
        figs, fill = _figures(d, measure, sub, groups) if figures else ([], None)
        origin = analysis.origin(d.studies)
        ctx["domains"].append({"domain": d.domain, "k": d.k, "n_studies": d.n_studies, "note": d.note,
                               "headline": d.headline(), "origin": origin,
                               "result": d.result.to_dict() if d.result is not None else None,
                               "multilevel": d.multilevel.to_dict() if d.multilevel is not None else None,
                               "subgroup": sub.to_dict() if sub is not None else None, "subgroup_note": sub_note,
                               "trimfill": fill, "figures": figs})
    if not ctx["domains"]:
        ctx["message"] = ("no comparison has an outcome domain yet: map the outcome labels to assays on the Mapping "
                          "page" if analysis.effects.rows else "no comparison could be computed: see the Ledger page")
    cache.put(key, ctx)
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
    ctx = analysis_context(request, measure, method, domain, run=run, subgroup_by=subgroup or None, scope=scope)
    return render_page(request, "analysis.html", ctx, page="analysis", title="Meta-analysis")

"""Browse the registry: the study list and one study with its experiments, cohorts and outcomes."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from painregen.evidence import models as m
from painregen.report.pipeline import label_of
from painregen.web.config import registry_of
from painregen.web.render import render_page

router = APIRouter()

CITATION = ("study_id", "title", "authors", "year", "journal", "doi", "pmid", "funding", "conflicts", "simulated")


def studies_context(request: Request) -> dict[str, Any]:
    with registry_of(request) as reg:
        return {"studies": [s.to_dict() for s in reg.studies()]}


def _cohort(c: m.Cohort) -> dict[str, Any]:
    i = c.intervention
    dose = i.dose if i is not None else None
    return {"cohort_id": c.cohort_id, "role": c.role.value, "n_randomised": c.n_randomised,
            "n_analysed": c.n_analysed, "control_cohort": c.control_cohort,
            "product": label_of("product", i.product) if i is not None else None,
            "dose": f"{dose.amount:g} {dose.unit} ({dose.basis.value})" if dose is not None else None,
            "route": label_of("route", i.route) if i is not None and i.route else None,
            "timing_days": i.timing_days if i is not None else None}


def _experiment(e: m.Experiment) -> dict[str, Any]:
    n_obs: dict[str, int] = {}
    for o in e.observations:
        n_obs[o.outcome_id] = n_obs.get(o.outcome_id, 0) + 1
    return {"experiment_id": e.experiment_id, "species": label_of("species", e.species),
            "strain": label_of("strain", e.strain) if e.strain else None, "sex": e.sex.value,
            "model": label_of("model", e.model), "induction": e.induction,
            "cohorts": [_cohort(c) for c in e.cohorts],
            "outcomes": [{"outcome_id": o.outcome_id, "assay": label_of("assay", o.assay) if o.assay else None,
                          "domain": o.domain.value if o.domain else None, "unit": o.unit,
                          "greater_is_better": o.greater_is_better, "observations": n_obs.get(o.outcome_id, 0)}
                         for o in e.outcomes],
            "mechanisms": len(e.mechanisms), "adverse_events": len(e.adverse_events)}


def load_study(request: Request, study: str) -> tuple[int, m.Study, dict[str, Any]]:
    """(registry id, Study, provenance dict) of ``study`` (key or id); 404 when unknown or ambiguous."""
    with registry_of(request) as reg:
        try:
            pk = reg.resolve(study)
        except KeyError as exc:
            raise HTTPException(404, str(exc.args[0]) if exc.args else f"no study {study!r}") from None
        return pk, reg.study(pk), reg.provenance("studies", pk).to_dict()


def study_context(request: Request, study: str) -> dict[str, Any]:
    pk, s, prov = load_study(request, study)
    from painregen.evidence.citation import citation_label

    return {"id": pk, "label": citation_label(s.authors, s.year, s.title),
            "citation": {k: getattr(s, k) for k in CITATION}, "provenance": prov,
            "experiments": [_experiment(e) for e in s.experiments], "rob": dict(s.rob), "arrive": dict(s.arrive)}


@router.get("/api/studies", tags=["registry"], summary="The studies in the registry",
            response_model=dict[str, Any])
def api_studies(request: Request) -> Response:
    """The list as JSON, serialised once per registry content version (the most requested page of a shared
    server: a second request of an unchanged registry costs one version query)."""
    with registry_of(request) as reg:
        key = ("api_studies", reg.content_version())
    body = request.app.state.results.get_or_compute(key, lambda: json.dumps(
        studies_context(request), allow_nan=False, ensure_ascii=False, separators=(",", ":")).encode())
    return Response(body, media_type="application/json")


@router.get("/api/studies/{study}", tags=["registry"], summary="One study: citation, experiments, provenance")
def api_study(request: Request, study: str) -> dict[str, Any]:
    return study_context(request, study)


@router.get("/studies", include_in_schema=False)
def studies_page(request: Request) -> HTMLResponse:
    return render_page(request, "studies.html", studies_context(request), page="studies", title="Studies")


@router.get("/studies/{study}", include_in_schema=False)
def study_page(request: Request, study: str) -> HTMLResponse:
    ctx = study_context(request, study)
    return render_page(request, "study.html", ctx, page="studies", title=ctx["label"])

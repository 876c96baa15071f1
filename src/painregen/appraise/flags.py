"""Translational flags of a study (review Table 1 and sections 4.1, 4.3, 5.1, 5.2.1).

:func:`translational_flags` lists, for one study: the model-specific gaps of the model catalogue (Table 1); the
cell-source risk tier of each product (4.1); routes given without any adverse-event report, with the
route-specific monitoring the review asks for (4.3); dose design (a single, possibly arbitrary, dose or two
doses: no dose-response); no sample-size justification; one sex only (or sex not reported); a single timepoint
or a follow-up shorter than ``min_follow_up_days`` after the first administration; no large-animal experiment.
Severity is ``warning`` for a design weakness or a high-risk product and ``info`` for context.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from painregen import kb
from painregen.appraise.camarades import score as camarades_score
from painregen.evidence import models as m
from painregen.evidence.vocab import get_vocabulary

__all__ = ["LARGE_ANIMALS", "Flag", "translational_flags"]

#: NCBI Taxonomy CURIEs of large animals (pig, sheep, goat, dog, rhesus and cynomolgus macaques)
LARGE_ANIMALS = frozenset({"NCBITaxon:9823", "NCBITaxon:9940", "NCBITaxon:9925", "NCBITaxon:9615",
                           "NCBITaxon:9544", "NCBITaxon:9541"})
HIGH_RISK_TIERS = frozenset({"pluripotent", "neural_stem"})


@dataclass(frozen=True)
class Flag:
    """One translational flag: a code, its severity, a message, the experiment it concerns (if one), details."""

    code: str
    severity: str
    message: str
    experiment: str | None = None
    detail: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "message": self.message,
                "experiment": self.experiment, "detail": dict(self.detail)}


def _term(vocab: str, curie: str | None) -> Mapping[str, str] | None:
    if curie is None:
        return None
    try:
        t = get_vocabulary(vocab).get(curie)
    except KeyError:
        return None
    return {"label": t.label, **t.extra}


def _model_flags(study: m.Study) -> list[Flag]:
    out, seen = [], set()
    for e in study.experiments:
        t = _term("model", e.model)
        if t is None or e.model in seen or not t.get("translational_gaps"):
            continue
        seen.add(e.model)
        out.append(Flag("model_gap", "info", f"{t['label']}: {t['translational_gaps']}", e.experiment_id,
                        MappingProxyType({"model": e.model, "pain_modality": t.get("pain_modality", "")})))
    return out


def _treated(e: m.Experiment) -> list[m.Cohort]:
    return [c for c in e.cohorts if c.role == m.Role.treated and c.intervention is not None]


def _product_flags(study: m.Study) -> list[Flag]:
    ranks = {t.key: t for t in kb.risk_tiers()}
    out, seen = [], set()
    for e in study.experiments:
        for c in _treated(e):
            assert c.intervention is not None
            t = _term("product", c.intervention.product)
            if t is None or c.intervention.product in seen or t.get("risk_tier") in (None, "", "none"):
                continue
            seen.add(c.intervention.product)
            tier = ranks.get(t["risk_tier"])
            sev = "warning" if t["risk_tier"] in HIGH_RISK_TIERS else "info"
            out.append(Flag("cell_risk_tier", sev, f"{t['label']}: tier {t['risk_tier']} - {t.get('risk_note', '')}",
                            e.experiment_id, MappingProxyType({"product": c.intervention.product,
                                                               "tier": t["risk_tier"],
                                                               "rank": tier.rank if tier else None})))
    return out


def _route_flags(study: m.Study) -> list[Flag]:
    out = []
    for e in study.experiments:
        routes: dict[str, set[str]] = {}
        for c in _treated(e):
            if c.intervention is not None and c.intervention.route:
                routes.setdefault(c.intervention.route, set()).add(c.cohort_id)
        for route, cohorts in routes.items():
            t = _term("route", route)
            if t is None:
                continue
            reported = [a for a in e.adverse_events if a.route == route or a.cohort_id in cohorts]
            if reported:
                continue
            items = [label for _, label in kb.route_monitoring(t["class"])] if t.get("class") else []
            out.append(Flag("route_safety_not_reported", "warning",
                            f"{t['label']} ({t.get('class', '?')} route): no adverse events reported; monitoring "
                            f"expected: {', '.join(items)}", e.experiment_id,
                            MappingProxyType({"route": route, "class": t.get("class"), "monitoring": items})))
    return out


def _dose_flags(study: m.Study) -> list[Flag]:
    out = []
    for e in study.experiments:
        doses: dict[str, set[tuple[float, str]]] = {}
        for c in _treated(e):
            assert c.intervention is not None
            d = c.intervention.dose
            doses.setdefault(c.intervention.product, set())
            if d is not None:
                doses[c.intervention.product].add((d.amount, d.unit))
        for product, levels in doses.items():
            name = (_term("product", product) or {"label": product})["label"]
            detail = MappingProxyType({"product": product, "n_doses": len(levels)})
            if not levels:
                out.append(Flag("dose_not_reported", "warning", f"{name}: dose not reported", e.experiment_id,
                                detail))
            elif len(levels) == 1:
                out.append(Flag("single_dose", "warning", f"{name}: a single dose, no dose-response; the dose may "
                                "be arbitrary", e.experiment_id, detail))
            elif len(levels) == 2:
                out.append(Flag("two_doses", "info", f"{name}: two doses, too few to shape a dose-response",
                                e.experiment_id, detail))
    return out


def _sex_flags(study: m.Study) -> list[Flag]:
    sexes = {e.sex.value for e in study.experiments}
    if not sexes or "mixed" in sexes or {"male", "female"} <= sexes:
        return []
    if sexes == {"unknown"}:
        return [Flag("sex_not_reported", "warning", "sex of the animals not reported")]
    one = sorted(sexes - {"unknown"})
    return [Flag("single_sex", "warning", f"only {' and '.join(one)} animals studied",
                 detail=MappingProxyType({"sexes": sorted(sexes)}))]


def _time_flags(study: m.Study, min_follow_up_days: float) -> list[Flag]:
    out = []
    for e in study.experiments:
        times = sorted({o.time_days for o in e.observations})
        if not times:
            continue
        starts = [c.intervention.timing_days for c in _treated(e)
                  if c.intervention is not None and c.intervention.timing_days is not None]
        start = min(starts) if starts else 0.0
        follow = times[-1] - start
        detail = MappingProxyType({"n_timepoints": len(times), "follow_up_days": follow})
        if len(times) == 1:
            out.append(Flag("single_timepoint", "warning", "outcomes measured at a single time", e.experiment_id,
                            detail))
        if follow < min_follow_up_days:
            out.append(Flag("short_follow_up", "warning", f"follow-up of {follow:g} days after the first "
                            f"administration (< {min_follow_up_days:g})", e.experiment_id, detail))
    return out


def translational_flags(study: m.Study, *, min_follow_up_days: float = 28.0) -> list[Flag]:
    """Every translational flag of ``study`` (see the module docstring), in a fixed order of kinds."""
    flags = [*_model_flags(study), *_product_flags(study), *_route_flags(study), *_dose_flags(study)]
    if camarades_score(study).answers()["sample_size_calculation"] != "yes":
        flags.append(Flag("no_sample_size_justification", "warning", "no sample-size calculation reported"))
    flags += [*_sex_flags(study), *_time_flags(study, min_follow_up_days)]
    if study.experiments and not any(e.species in LARGE_ANIMALS for e in study.experiments):
        flags.append(Flag("no_large_animal", "info", "no large-animal confirmation (pig, sheep, goat, dog, primate)"))
    return flags

"""Turning a drawn design and its animals into evidence-model records, with vocabulary CURIEs.

Controlled values are reached by label or synonym through :func:`painregen.evidence.vocab.get_vocabulary`, so
the simulator does not depend on how a CURIE is spelt.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from painregen.evidence import models as m
from painregen.evidence.vocab import Term, get_vocabulary
from painregen.simulate.designs import CohortDesign, ExperimentDesign, StudyDesign, format_amount
from painregen.simulate.truth import SimConfig

TRUE_WORDS = {"true", "yes", "1", "t", "y"}


@cache
def term(vocabulary: str, text: str) -> Term:
    """The vocabulary term for a label or synonym (``UnknownTermError`` when there is none)."""
    return get_vocabulary(vocabulary).resolve(text)


def curie(vocabulary: str, text: str | None) -> str | None:
    return None if text is None else term(vocabulary, text).curie


@dataclass(frozen=True)
class AssayInfo:
    """What the assay vocabulary says about an assay: CURIE, label, domain, direction and unit."""

    curie: str
    label: str
    domain: str
    greater_is_better: bool
    unit: str | None


@cache
def assay_info(label: str) -> AssayInfo:
    t = term("assay", label)
    gib = str(t.extra.get("greater_is_better", "")).strip().lower() in TRUE_WORDS
    domain = str(t.extra.get("domain", "")).strip()
    if domain not in m.Domain.__members__:
        domain = term("domain", domain).extra.get("code", domain) if domain else domain
    return AssayInfo(t.curie, t.label, m.Domain(domain).value, gib, t.extra.get("default_unit") or None)


def intervention(design: StudyDesign, e: ExperimentDesign, c: CohortDesign, config: SimConfig) -> m.Intervention:
    """What a control or treated cohort received (vehicle for the control)."""
    product = config.product(e.product)
    common = {"route": curie("route", e.route), "timing_days": e.treated_day,
              "timing_mode": m.TimingMode(e.timing_mode), "administrations": 1}
    if c.role == "control":
        return m.Intervention(product=curie("product", "vehicle") or "", **common)
    assert c.dose is not None
    dose = m.Dose(amount=float(c.dose), unit=product.unit, basis=m.DoseBasis.per_animal,
                  text=f"{format_amount(c.dose)} {product.unit}")
    cells = product.unit == "cells"
    return m.Intervention(
        product=curie("product", product.product) or "",
        tissue_source=curie("tissue", product.tissue),
        donor_species=curie("species", e.donor_species),
        donor_relation=m.DonorRelation(e.donor_relation),
        passage=(3 + design.index % 3) if cells else None,
        dose=dose,
        **common,
    )


def cohort(design: StudyDesign, e: ExperimentDesign, c: CohortDesign, config: SimConfig) -> m.Cohort:
    sham = e.sham()
    return m.Cohort(
        cohort_id=c.cohort_id,
        role=m.Role(c.role),
        n_randomised=c.n_randomised,
        n_analysed=c.n_analysed,
        control_cohort=e.control().cohort_id if c.role == "treated" else None,
        sham_cohort=sham.cohort_id if sham is not None and c.role != "sham" else None,
        intervention=None if c.role == "sham" else intervention(design, e, c, config),
    )


def outcome(info: AssayInfo, fallback_unit: str) -> m.OutcomeMeasure:
    return m.OutcomeMeasure(outcome_id=info.label, assay=info.curie, domain=m.Domain(info.domain),
                            unit=info.unit or fallback_unit, greater_is_better=info.greater_is_better)


def observations(cohort_id: str, outcome_id: str, times: np.ndarray, average: np.ndarray, error: np.ndarray,
                 error_type: str, n: int) -> list[m.Observation]:
    return [
        m.Observation(cohort_id=cohort_id, outcome_id=outcome_id, time_days=float(t), average=float(a),
                      error=float(s), error_type=m.ErrorType(error_type), n=n)
        for t, a, s in zip(times, average, error, strict=True)
    ]


def mechanisms(rng: np.random.Generator, config: SimConfig, cohort_id: str) -> list[m.MechanismClaim]:
    """0 claims with probability 1 - p_mechanism, else 1-3 pathways; evidence is expression plus, each with
    its own probability, activity, loss of function, time or compartment resolution."""
    if rng.random() >= config.p_mechanism:
        return []
    k = int(rng.integers(1, 4))
    claims = []
    for i in rng.choice(len(config.pathways), size=k, replace=False):
        label, compartment = config.pathways[int(i)]
        t = term("pathway", label)
        pillar = term("pillar", t.extra["pillar"]).extra.get("code", t.extra["pillar"])
        kinds = [m.EvidenceKind.expression]
        kinds += [m.EvidenceKind(kd) for kd, p in config.mechanism_evidence.items() if rng.random() < p]
        claims.append(m.MechanismClaim(
            pathway=t.curie, pillar=m.Pillar(pillar), evidence=kinds, compartment=compartment, cohort_id=cohort_id,
            note=f"{t.label} in {compartment} changed in treated animals "
                 f"({', '.join(k.value.replace('_', ' ') for k in kinds)})."))
    return claims


def adverse_events(rng: np.random.Generator, config: SimConfig, e: ExperimentDesign) -> list[m.AdverseEvent]:
    """Events per treated cohort for routes with a risk: ``n ~ Binomial(n_randomised, risk * d_eff / top)``."""
    spec = next((a for a in config.adverse if a.route == e.route), None)
    product = config.product(e.product)
    if spec is None or (spec.cells_only and product.unit != "cells"):
        return []
    out = []
    for c in e.treated():
        assert c.d_eff is not None
        risk = spec.risk_at_top_dose * c.d_eff / max(product.grid)
        n_events = int(rng.binomial(c.n_randomised, risk))
        out.append(m.AdverseEvent(kind=term("adverse_event", spec.kind).curie, cohort_id=c.cohort_id,
                                  n_events=n_events, n_at_risk=c.n_randomised, route=curie("route", e.route),
                                  note=f"{spec.kind}: {n_events} of {c.n_randomised} animals"))
    return out

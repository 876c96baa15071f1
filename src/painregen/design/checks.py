"""Checks of a design spec against the review's recommendations and good design practice.

Each :class:`Check` names the spec field it concerns. ``warning``: a recommendation not followed (the protocol is
still written; ``strict`` mode turns warnings into errors); ``note``: something to state or justify.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from painregen.design.knowledge import assay_domains, battery, model_profile
from painregen.design.spec import STAGES, DesignSpec
from painregen.evidence.vocab import get_vocabulary

__all__ = ["MIN_DOSE_LEVELS", "Check", "check_spec"]

#: Dose levels, vehicle included, that a dose-finding study should have (painregen's dose-finding rule).
MIN_DOSE_LEVELS = 4


@dataclass(frozen=True)
class Check:
    level: str  # "warning" | "note"
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.field}: {self.message}"

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def _battery(spec: DesignSpec) -> list[Check]:
    out = []
    for row in battery(o.assay for o in spec.outcomes):
        if not row["met"]:
            need = "required" if row["level"] == "required" else "recommended where feasible"
            out.append(Check("warning", "outcomes", f"no {row['domain']} pain measure ({need} by the core battery); "
                             f"consider {', '.join(row['examples'])}"))
    return out


def _outcomes(spec: DesignSpec) -> list[Check]:
    primaries = [o for o in spec.outcomes if o.primary]
    out = []
    if not primaries:
        out.append(Check("warning", "outcomes", "no primary outcome marked (primary: true); the sample size "
                         "must refer to one"))
    elif len(primaries) > 1:
        out.append(Check("note", "outcomes", f"{len(primaries)} primary outcomes: state how multiplicity is handled"))
    domains = assay_domains(o.assay for o in spec.outcomes)
    if not {"structural", "molecular", "imaging"} & set(domains):
        prof = model_profile(spec.model)
        hint = "; ".join(prof["endpoint_assays"] or prof["marker_panel"][:2])
        out.append(Check("note", "outcomes", "no structural, molecular or imaging endpoint: tissue repair and "
                         "mechanism stay unmeasured" + (f" (for this model e.g. {hint})" if hint else "")))
    motor = domains.get("motor", [])
    if motor and not set(domains) & {"evoked", "spontaneous", "affective"}:
        out.append(Check("warning", "outcomes", "only motor outcomes: locomotor recovery is not pain relief"))
    return out


def _dosing(spec: DesignSpec) -> list[Check]:
    d = spec.dosing
    if d is None or not d.question:
        return []
    out = []
    if len(d.levels) < MIN_DOSE_LEVELS:
        out.append(Check("warning", "dosing.levels", f"dose is a question but only {len(d.levels)} levels are "
                         f"planned; use at least {MIN_DOSE_LEVELS} including vehicle, spread to show a plateau "
                         "(saturation window) as well as a rise"))
    if 0 not in d.levels:
        out.append(Check("warning", "dosing.levels", "no vehicle level (0): dose-response needs the zero dose"))
    if spec.sample_size.method in ("ttest", "welch", "repeated", "assurance"):
        out.append(Check("note", "sample_size.method", "dose is a question: consider method 'mct' (MCP-Mod) or "
                         "'dunnett' so the sample size matches the planned dose-response analysis"))
    return out


def _timepoints(spec: DesignSpec) -> list[Check]:
    tp, out = spec.timepoints, []
    first_treatment = min(tp.treatment)
    if not tp.baseline and not any(t < tp.injury for t in tp.assessments):
        out.append(Check("warning", "timepoints.baseline", "no pre-injury baseline assessment"))
    if spec.timing != "preventive" and not any(tp.injury < t <= first_treatment for t in tp.assessments):
        out.append(Check("warning", "timepoints.assessments", "no assessment between injury and the first "
                         "treatment: the pain phenotype is not confirmed before treating"))
    if not any(t > first_treatment for t in tp.assessments):
        out.append(Check("warning", "timepoints.assessments", "no assessment after treatment"))
    return out


def _blinding(spec: DesignSpec) -> list[Check]:
    out = []
    for stage in STAGES:
        plan = getattr(spec.blinding, stage)
        if plan is None:
            out.append(Check("warning", f"blinding.{stage}", "no blinding plan for this stage"))
        elif not plan.blinded:
            out.append(Check("warning", f"blinding.{stage}", "not blinded: state why and how bias is limited"
                             + (f" ({plan.how})" if plan.how else "")))
    return out


def _animals(spec: DesignSpec) -> list[Check]:
    out = []
    sexes = {get_vocabulary("sex").get(s).label for s in spec.sex}
    if not sexes:
        out.append(Check("warning", "sex", "sex of the animals not stated"))
    elif len(sexes) == 1 and "mixed" not in sexes:
        out.append(Check("note", "sex", "one sex only: justify it, or include both sexes (stratify by sex)"))
    typical = model_profile(spec.model)["typical_species"]
    if typical and spec.species not in typical:
        out.append(Check("note", "species", "this species is not among the model's usual ones: justify it"))
    if spec.randomisation.seed is None:
        out.append(Check("note", "randomisation.seed", "no seed: one is drawn and recorded at randomisation"))
    if spec.sample_size.alternative != "two.sided":
        out.append(Check("note", "sample_size.alternative", "one-sided test: justify the direction in advance"))
    if not spec.analysis.method:
        out.append(Check("note", "analysis.method", "no analysis stated: the protocol proposes one"))
    return out


def check_spec(spec: DesignSpec) -> list[Check]:
    """All checks, in the order of the protocol's sections."""
    return [*_battery(spec), *_outcomes(spec), *_dosing(spec), *_timepoints(spec), *_blinding(spec), *_animals(spec)]

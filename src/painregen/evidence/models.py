"""Typed records of the painregen evidence model (Common Data Elements).

The hierarchy follows DESIGN.md: a :class:`Study` holds :class:`Experiment` records; an experiment holds its
:class:`Cohort` groups, its :class:`OutcomeMeasure` definitions, the :class:`Observation` values (cohort x
measure x timepoint), and any :class:`MechanismClaim` and :class:`AdverseEvent` records.

Controlled values are stored as CURIEs (``NCBITaxon:10116``, ``RS:0000681``, ``PRG:model-cci``); free text is
resolved to them by :mod:`painregen.evidence.build` through the vocabularies. Records are plain data: they know
nothing of files or SQL. Every field carries a description, which :mod:`painregen.evidence.dictionary` turns
into the published data dictionary.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

CURIE_PATTERN = r"^[A-Za-z][A-Za-z0-9_.]*:[^\s]+$"
Curie = Annotated[str, Field(pattern=CURIE_PATTERN)]


class Role(StrEnum):
    """What a cohort is for inside its experiment."""

    sham = "sham"
    control = "control"
    treated = "treated"


class Sex(StrEnum):
    male = "male"
    female = "female"
    mixed = "mixed"
    unknown = "unknown"


class DonorRelation(StrEnum):
    autologous = "autologous"
    syngeneic = "syngeneic"
    allogeneic = "allogeneic"
    xenogeneic = "xenogeneic"
    not_applicable = "not_applicable"


class DoseBasis(StrEnum):
    per_animal = "per_animal"
    per_kg = "per_kg"


class TimingMode(StrEnum):
    preventive = "preventive"
    therapeutic = "therapeutic"


class Domain(StrEnum):
    """Outcome domains of the evaluation framework (evoked, spontaneous and affective pain first)."""

    evoked = "evoked"
    spontaneous = "spontaneous"
    affective = "affective"
    motor = "motor"
    structural = "structural"
    molecular = "molecular"
    imaging = "imaging"
    safety = "safety"


class AverageType(StrEnum):
    mean = "mean"
    median = "median"


class ErrorType(StrEnum):
    SD = "SD"
    SEM = "SEM"
    CI95 = "CI95"
    IQR = "IQR"
    range = "range"


class Pillar(StrEnum):
    """The four mechanistic pillars of the review (sections 2.1 and 2.3)."""

    immunomodulation = "immunomodulation"
    inflammatory_cell_death = "inflammatory_cell_death"
    trophic_support = "trophic_support"
    vascular_ecm_remodelling = "vascular_ecm_remodelling"


class EvidenceKind(StrEnum):
    """Kinds of mechanistic evidence (review 5.2.1: activity, loss of function, time, compartment)."""

    expression = "expression"
    activity = "activity"
    loss_of_function = "loss_of_function"
    time_resolved = "time_resolved"
    compartment_resolved = "compartment_resolved"


class Record(BaseModel):
    """Base of every record: strict field names, stripped strings, and the source row it came from."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, validate_assignment=True)

    source_row: int | None = Field(
        default=None,
        description="Row of the source file this record was first read from (1-based, header is row 1).",
        json_schema_extra={"provenance": True},
    )


class Dose(Record):
    """Dose of one administration: amount, unit and whether it is per animal or per kg."""

    amount: float = Field(gt=0, description="Dose amount per administration, in `unit`.")
    unit: str = Field(
        description="Dose unit: cells, ug (micrograms of vesicle protein), particles, mg, ng, uL or mL.",
        json_schema_extra={"permitted": ["cells", "ug", "particles", "mg", "ng", "uL", "mL"]},
    )
    basis: DoseBasis = Field(
        default=DoseBasis.per_animal, description="Whether the amount is per animal or per kg body weight."
    )
    text: str | None = Field(default=None, description="The dose as the paper wrote it.")


class Intervention(Record):
    """What a cohort received: product, source, donor, preparation, dose, route, timing and regimen."""

    product: Curie = Field(
        description="Product kind (MSC, NSC, iPSC-derived cell, EV/exosome, secretome, vehicle).",
        json_schema_extra={"vocabulary": "product"},
    )
    tissue_source: Curie | None = Field(
        default=None,
        description="Tissue the cells (or the vesicles' parent cells) came from.",
        json_schema_extra={"vocabulary": "tissue"},
    )
    donor_species: Curie | None = Field(
        default=None,
        description="Species of the donor (NCBI Taxonomy), e.g. human cells into rats.",
        json_schema_extra={"vocabulary": "species"},
    )
    donor_relation: DonorRelation | None = Field(default=None, description="Donor relation to the recipient.")
    passage: int | None = Field(default=None, ge=0, description="Culture passage at administration.")
    preconditioning: str | None = Field(
        default=None, description="Preconditioning or engineering (hypoxia, cytokine priming, transgene...)."
    )
    dose: Dose | None = Field(default=None, description="Dose per administration (absent for sham).")
    route: Curie | None = Field(
        default=None, description="Route of administration.", json_schema_extra={"vocabulary": "route"}
    )
    timing_days: float | None = Field(
        default=None, description="Days after injury of the first administration (negative = before injury)."
    )
    timing_mode: TimingMode | None = Field(
        default=None, description="Preventive (before symptoms) or therapeutic (established pain)."
    )
    administrations: int = Field(default=1, ge=1, description="Number of administrations.")
    interval_days: float | None = Field(default=None, ge=0, description="Days between administrations.")
    scaffold: str | None = Field(default=None, description="Scaffold or hydrogel carrying the product.")
    co_treatment: str | None = Field(default=None, description="Co-treatments given with the product.")


class Cohort(Record):
    """A group of animals inside an experiment, with its role and its intervention."""

    cohort_id: str = Field(min_length=1, description="Label of the group, unique within its experiment.")
    role: Role = Field(description="sham, control (model + vehicle) or treated.")
    n_randomised: int | None = Field(default=None, ge=1, description="Animals allocated to the group.")
    n_analysed: int | None = Field(default=None, ge=1, description="Animals analysed.")
    control_cohort: str | None = Field(
        default=None,
        description="For a treated cohort: the control cohort it is compared with (default: the only control).",
    )
    sham_cohort: str | None = Field(
        default=None, description="For NMD: the sham cohort that gives the normal value (default: the only sham)."
    )
    intervention: Intervention | None = Field(default=None, description="What the group received.")
    description: str | None = Field(
        default=None, description="Free-text description of the group as the source gives it (e.g. SyRF labels)."
    )
    model_text: str | None = Field(
        default=None,
        description="The disease or injury model of the group as the source names it (e.g. a SyRF disease-model "
        "label); mapped to the model vocabulary by `painregen map`.",
    )
    treatment_text: str | None = Field(
        default=None,
        description="The treatment of the group as the source names it (e.g. a SyRF treatment label); mapped to the "
        "product vocabulary by `painregen map`.",
    )


class OutcomeMeasure(Record):
    """An outcome measured in an experiment: the assay, its domain, unit and direction."""

    outcome_id: str = Field(min_length=1, description="Label of the outcome measure, unique within its experiment.")
    assay: Curie | None = Field(
        default=None,
        description="Assay; required by the template, may be unmapped in other sources (e.g. SyRF labels).",
        json_schema_extra={"vocabulary": "assay"},
    )
    domain: Domain | None = Field(default=None, description="Outcome domain (evoked, spontaneous, affective, ...).")
    unit: str | None = Field(default=None, description="Unit the values are reported in.")
    greater_is_better: bool = Field(description="True when a larger value means less pain or better repair.")


class Observation(Record):
    """One value: a cohort's average and error on one outcome at one time after injury."""

    cohort_id: str = Field(description="Cohort the value belongs to.")
    outcome_id: str = Field(description="Outcome measure the value belongs to.")
    time_days: float = Field(description="Days after injury at which the outcome was measured.")
    average: float = Field(description="Mean (or median) of the group.")
    average_type: AverageType = Field(default=AverageType.mean, description="mean or median.")
    error: float | None = Field(default=None, ge=0, description="SD or SEM (for SD/SEM error types).")
    error_low: float | None = Field(default=None, description="Lower bound (95% CI, first quartile or minimum).")
    error_high: float | None = Field(default=None, description="Upper bound (95% CI, third quartile or maximum).")
    error_type: ErrorType = Field(description="SD, SEM, CI95, IQR or range.")
    n: int = Field(ge=1, description="Animals measured at this time.")

    @model_validator(mode="after")
    def _error_fields_match_type(self) -> Observation:
        if self.error_type in (ErrorType.SD, ErrorType.SEM):
            if self.error is None:
                raise ValueError(f"error_type {self.error_type.value} needs the error value")
        else:
            if self.error_low is None or self.error_high is None:
                raise ValueError(f"error_type {self.error_type.value} needs error_low and error_high")
            if self.error_high < self.error_low:
                raise ValueError("error_high is below error_low")
        return self


class MechanismClaim(Record):
    """A claim that a pathway mediates the effect, with the kinds of evidence shown for it (review 5.2.1)."""

    pathway: Curie = Field(description="Pathway implicated.", json_schema_extra={"vocabulary": "pathway"})
    pillar: Pillar = Field(description="Mechanistic pillar the pathway belongs to.")
    evidence: list[EvidenceKind] = Field(
        default_factory=list, description="Kinds of evidence shown (expression, activity, loss_of_function, ...)."
    )
    compartment: str | None = Field(
        default=None, description="Where the pathway was examined (donor cells, microglia, DRG neurons...)."
    )
    cohort_id: str | None = Field(default=None, description="Cohort the claim refers to, if one.")
    note: str | None = Field(default=None, description="What the paper showed, in a sentence.")


class AdverseEvent(Record):
    """Adverse events of one kind in one cohort (counts of animals)."""

    kind: Curie = Field(description="Kind of adverse event.", json_schema_extra={"vocabulary": "adverse_event"})
    cohort_id: str = Field(description="Cohort in which the events occurred.")
    n_events: int = Field(ge=0, description="Animals with the event.")
    n_at_risk: int = Field(ge=1, description="Animals at risk.")
    route: Curie | None = Field(default=None, description="Route involved.", json_schema_extra={"vocabulary": "route"})
    note: str | None = Field(default=None, description="Description.")

    @model_validator(mode="after")
    def _events_at_most_at_risk(self) -> AdverseEvent:
        if self.n_events > self.n_at_risk:
            raise ValueError("n_events exceeds n_at_risk")
        return self


class Experiment(Record):
    """Animals of one species and model, their cohorts, outcome measures and observations."""

    experiment_id: str = Field(min_length=1, description="Label of the experiment, unique within its study.")
    species: Curie | None = Field(
        default=None,
        description="Species (NCBI Taxonomy); required by the template, may be unreported in other sources.",
        json_schema_extra={"vocabulary": "species"},
    )
    strain: Curie | None = Field(
        default=None, description="Strain (RS for rats, MGI/JAX for mice).", json_schema_extra={"vocabulary": "strain"}
    )
    sex: Sex = Field(default=Sex.unknown, description="Sex of the animals.")
    age_weeks: float | None = Field(default=None, gt=0, description="Age at injury, weeks.")
    weight_g: float | None = Field(default=None, gt=0, description="Body weight at treatment, grams.")
    supplier: str | None = Field(default=None, description="Animal supplier.")
    model: Curie | None = Field(
        default=None,
        description="Injury or disease model; required by the template, may be unreported in other sources.",
        json_schema_extra={"vocabulary": "model"},
    )
    induction: str | None = Field(default=None, description="Induction details (sutures, needle gauge, dose...).")
    cohorts: list[Cohort] = Field(default_factory=list, description="Groups of animals in the experiment.")
    outcomes: list[OutcomeMeasure] = Field(default_factory=list, description="Outcome measures of the experiment.")
    observations: list[Observation] = Field(
        default_factory=list, description="Values: cohort x outcome x time."
    )
    mechanisms: list[MechanismClaim] = Field(default_factory=list, description="Mechanism claims made.")
    adverse_events: list[AdverseEvent] = Field(default_factory=list, description="Adverse events reported.")

    @model_validator(mode="after")
    def _references_resolve(self) -> Experiment:
        cohorts = [c.cohort_id for c in self.cohorts]
        dup = {c for c in cohorts if cohorts.count(c) > 1}
        if dup:
            raise ValueError(f"duplicated cohort(s) {sorted(dup)} in experiment {self.experiment_id}")
        outcomes = [o.outcome_id for o in self.outcomes]
        dup = {o for o in outcomes if outcomes.count(o) > 1}
        if dup:
            raise ValueError(f"duplicated outcome(s) {sorted(dup)} in experiment {self.experiment_id}")
        known_c, known_o = set(cohorts), set(outcomes)
        for ob in self.observations:
            if ob.cohort_id not in known_c:
                raise ValueError(f"observation refers to unknown cohort {ob.cohort_id!r}")
            if ob.outcome_id not in known_o:
                raise ValueError(f"observation refers to unknown outcome {ob.outcome_id!r}")
        for c in self.cohorts:
            for ref in (c.control_cohort, c.sham_cohort):
                if ref is not None and ref not in known_c:
                    raise ValueError(f"cohort {c.cohort_id!r} refers to unknown cohort {ref!r}")
        for ae in self.adverse_events:
            if ae.cohort_id not in known_c:
                raise ValueError(f"adverse event refers to unknown cohort {ae.cohort_id!r}")
        return self

    def cohort(self, cohort_id: str) -> Cohort:
        for c in self.cohorts:
            if c.cohort_id == cohort_id:
                return c
        raise KeyError(cohort_id)

    def outcome(self, outcome_id: str) -> OutcomeMeasure:
        for o in self.outcomes:
            if o.outcome_id == outcome_id:
                return o
        raise KeyError(outcome_id)


class Study(Record):
    """A publication or unpublished dataset: citation, appraisal answers and its experiments."""

    study_id: str = Field(min_length=1, description="Identifier of the study in its source (unique per file).")
    title: str = Field(min_length=1, description="Title of the publication or dataset.")
    authors: str | None = Field(default=None, description="Authors, as cited.")
    year: int | None = Field(default=None, ge=1900, le=2100, description="Publication year.")
    journal: str | None = Field(default=None, description="Journal.")
    doi: str | None = Field(default=None, description="DOI (10.xxxx/...).")
    pmid: str | None = Field(default=None, pattern=r"^\d{1,9}$", description="PubMed identifier.")
    funding: str | None = Field(default=None, description="Funding sources.")
    conflicts: str | None = Field(default=None, description="Conflict-of-interest statement.")
    methods_text: str | None = Field(default=None, description="Methods excerpt (for text-assisted appraisal).")
    rob: dict[str, str] = Field(
        default_factory=dict, description="SYRCLE risk-of-bias answers: item -> yes / no / unclear."
    )
    arrive: dict[str, str] = Field(
        default_factory=dict, description="ARRIVE 2.0 answers: item -> reported / not_reported / not_applicable."
    )
    annotations: dict[str, str] = Field(
        default_factory=dict, description="Other study-level answers, question -> answer (e.g. SyRF annotations)."
    )
    simulated: bool = Field(default=False, description="True when the study was generated by the simulator.")
    experiments: list[Experiment] = Field(default_factory=list, description="Experiments of the study.")

    @field_validator("doi")
    @classmethod
    def _normalise_doi(cls, v: str | None) -> str | None:
        if v is None:
            return None
        v = v.strip()
        for prefix in ("https://doi.org/", "http://doi.org/", "http://dx.doi.org/", "doi:"):
            if v.lower().startswith(prefix):
                v = v[len(prefix) :]
        if not v.startswith("10."):
            raise ValueError("a DOI starts with '10.' (e.g. 10.1016/j.pain.2020.01.001)")
        return v

    @model_validator(mode="after")
    def _unique_experiments(self) -> Study:
        ids = [e.experiment_id for e in self.experiments]
        dup = {e for e in ids if ids.count(e) > 1}
        if dup:
            raise ValueError(f"duplicated experiment(s) {sorted(dup)} in study {self.study_id}")
        return self


class Dataset(BaseModel):
    """A set of studies, as read from one file or exported from a registry."""

    model_config = ConfigDict(extra="forbid")

    studies: list[Study] = Field(default_factory=list, description="The studies.")
    simulated: bool = Field(default=False, description="True when every study is simulated.")
    truth: dict[str, Any] | None = Field(
        default=None, description="True parameters of a simulated dataset (absent for real data)."
    )

    def n_animals(self) -> int:
        return sum(
            (c.n_randomised or c.n_analysed or 0)
            for s in self.studies
            for e in s.experiments
            for c in e.cohorts
        )

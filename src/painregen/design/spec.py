"""The design specification: one YAML or JSON document per planned study, versioned with it.

Controlled values (model, species, strain, sex, product, tissue, donor, route, assays) are resolved through
:mod:`painregen.evidence.vocab` and stored as CURIEs; unknown fields and unknown terms are errors naming the
field. See docs/design.md for a complete example.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from painregen.design.allowances import ARE
from painregen.design.terms import (
    AssayTerm,
    DonorTerm,
    ModelTerm,
    ProductTerm,
    RouteTerm,
    SexTerm,
    SpeciesTerm,
    StrainTerm,
    TissueTerm,
    as_list,
)
from painregen.evidence.vocab import get_vocabulary

__all__ = ["STAGES", "Analysis", "Blinding", "BlindingStage", "DesignSpec", "Dosing", "Group", "MetaEffect",
           "Outcome", "Product", "Randomisation", "SampleSize", "Timepoints", "format_amount"]

#: Stages of a study at which knowledge of the allocation can bias results (ARRIVE 2.0 item 5).
STAGES: tuple[str, ...] = ("surgeon", "treatment", "outcome_assessor", "analyst")


Alternative = Literal["two.sided", "greater", "less"]
Probability = Annotated[float, Field(gt=0, lt=1)]
Text = Annotated[str, Field(min_length=1)]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Product(_Spec):
    name: ProductTerm
    tissue: TissueTerm | None = None
    donor: DonorTerm | None = None
    passage: int | None = Field(None, ge=0)
    preconditioning: str | None = None
    vehicle: str | None = None
    source: str | None = None


class Dosing(_Spec):
    question: bool = False
    levels: Annotated[list[Annotated[float, Field(ge=0)]], Field(min_length=1)]
    unit: Text = "cells"
    basis: Literal["per animal", "per kg"] = "per animal"
    administrations: int = Field(1, ge=1)
    volume: str | None = None

    @model_validator(mode="after")
    def _distinct(self) -> Dosing:
        if len(set(self.levels)) != len(self.levels):
            raise ValueError("dose levels must be distinct")
        return self


class Group(_Spec):
    name: Text
    role: Literal["sham", "control", "treated"]
    dose: float | None = Field(None, ge=0)
    ratio: int = Field(1, ge=1)


class Timepoints(_Spec):
    unit: Literal["hour", "day", "week"] = "day"
    baseline: list[float] = []
    injury: float = 0.0
    treatment: Annotated[list[float], Field(min_length=1)]
    assessments: Annotated[list[float], Field(min_length=1)]
    endpoint: float | None = None


class Outcome(_Spec):
    assay: AssayTerm
    primary: bool = False
    timepoints: list[float] | None = None
    note: str | None = None


class MetaEffect(_Spec):
    """A pooled standardised effect with its standard error and between-study SD (e.g. from `painregen meta`)."""

    mu: float
    se: float = Field(ge=0)
    tau: float = Field(ge=0)
    source: str | None = None


class SampleSize(_Spec):
    method: Literal["ttest", "welch", "dunnett", "repeated", "assurance", "mct"] = "ttest"
    d: float | None = None
    delta: float | None = None
    sd1: float | None = Field(None, gt=0)
    sd2: float | None = Field(None, gt=0)
    power: Probability = 0.8
    alpha: Probability = 0.05
    alternative: Alternative = "two.sided"
    attrition: float = Field(0.0, ge=0, lt=1)
    nonnormal: Literal[tuple(ARE)] = "none"  # type: ignore[valid-type]
    meta: MetaEffect | None = None
    kind: Literal["mean", "slope"] = "mean"
    rho: float | None = Field(None, gt=-1, lt=1)
    timepoints: int | None = Field(None, ge=1)
    ratio: float | None = Field(None, gt=0)
    target: Literal["each", "all", "any"] = "each"
    models: str | None = None
    max_effect: float | None = None
    sd: float | None = Field(None, gt=0)
    summary: Literal["min", "mean"] = "min"

    @model_validator(mode="after")
    def _needs(self) -> SampleSize:
        need = {"ttest": ["d"], "dunnett": ["d"], "repeated": ["d", "rho"], "welch": ["delta", "sd1", "sd2"],
                "assurance": ["meta"], "mct": ["models", "max_effect", "sd"]}[self.method]
        missing = [f for f in need if getattr(self, f) is None]
        if missing:
            raise ValueError(f"method '{self.method}' needs {', '.join(missing)}")
        if self.method == "dunnett" and self.alternative == "less":
            raise ValueError("method 'dunnett' takes alternative 'greater' or 'two.sided'")
        return self


class Randomisation(_Spec):
    method: Literal["simple", "block", "stratified"] = "block"
    block_sizes: list[Annotated[int, Field(ge=2)]] = []
    strata: list[str] = []
    seed: int | None = Field(None, ge=0)
    animals: str | None = None

    @model_validator(mode="after")
    def _strata(self) -> Randomisation:
        if self.method == "stratified" and not self.strata:
            raise ValueError("method 'stratified' needs strata (columns of the animal list, e.g. [sex, cage])")
        return self


class BlindingStage(_Spec):
    blinded: bool
    who: str | None = None
    how: str | None = None


class Blinding(_Spec):
    surgeon: BlindingStage | None = None
    treatment: BlindingStage | None = None
    outcome_assessor: BlindingStage | None = None
    analyst: BlindingStage | None = None


class Analysis(_Spec):
    primary_outcome: str | None = None
    method: str | None = None
    experimental_unit: str = "animal"
    multiplicity: str | None = None
    missing_data: str | None = None
    dose_response: str | None = None
    software: str | None = None


class DesignSpec(_Spec):
    """A planned experiment: what the protocol, the sample size and the allocation schedule are built from."""

    title: Text
    objective: str | None = None
    hypothesis: str | None = None
    model: ModelTerm
    species: SpeciesTerm
    strain: StrainTerm | None = None
    sex: Annotated[list[SexTerm], BeforeValidator(as_list)] = []
    age: str | None = None
    weight: str | None = None
    supplier: str | None = None
    housing: str | None = None
    product: Product
    route: RouteTerm
    timing: Literal["preventive", "therapeutic"] | None = None
    dosing: Dosing | None = None
    include_sham: bool = False
    groups: list[Group] | None = None
    timepoints: Timepoints
    outcomes: Annotated[list[Outcome], Field(min_length=1)]
    sample_size: SampleSize
    randomisation: Randomisation = Randomisation()
    blinding: Blinding = Blinding()
    analysis: Analysis = Analysis()
    inclusion: list[str] = []
    exclusion: list[str] = []
    humane_endpoints: list[str] = []

    @model_validator(mode="after")
    def _consistent(self) -> DesignSpec:
        if self.strain is not None:
            species = get_vocabulary("strain").get(self.strain).extra.get("species")
            if species and species != self.species:
                raise ValueError(f"strain {self.strain} belongs to species {species}, not {self.species}")
        if self.groups is None and self.dosing is None:
            raise ValueError("give the groups, or dosing.levels to derive them (0 = vehicle)")
        if self.groups is None and self.dosing is not None and 0 not in self.dosing.levels:
            raise ValueError("dosing.levels needs the vehicle level 0 to derive the control group (or give groups)")
        groups = self.group_list()
        if len({g.name for g in groups}) != len(groups):
            raise ValueError("group names must be distinct")
        if not any(g.role == "control" for g in groups) or not any(g.role == "treated" for g in groups):
            raise ValueError("groups need at least one control and one treated group")
        if self.sample_size.method == "mct" and (self.dosing is None or len(self.dosing.levels) < 3):
            raise ValueError("sample_size method 'mct' needs dosing.levels with vehicle (0) and at least two doses")
        return self

    def group_list(self) -> list[Group]:
        """The groups as given, or derived from the dose levels: vehicle (0), one group per dose, sham if asked."""
        if self.groups is not None:
            return list(self.groups)
        assert self.dosing is not None
        out = [Group(name="sham", role="sham")] if self.include_sham else []
        for level in sorted(self.dosing.levels):
            if level == 0:
                out.append(Group(name="vehicle", role="control", dose=0.0))
            else:
                out.append(Group(name=f"{format_amount(level)} {self.dosing.unit}", role="treated", dose=level))
        return out


def format_amount(x: float) -> str:
    """A dose amount as people write it: ``500000`` -> ``5x10^5``, ``2.5e6`` -> ``2.5x10^6``, ``20`` -> ``20``."""
    if x >= 1e4:
        exp = len(str(int(x))) - 1
        mant = x / 10**exp
        return f"{mant:g}x10^{exp}"
    return f"{x:g}"

"""Columns of the painregen template: one row per observation (cohort x outcome x time), with the study,
experiment and cohort columns repeated on each row; mechanism claims and adverse events on sheets of their own.

Each column maps to one field of a record in :mod:`painregen.evidence.models`; its description, type and
permitted values come from that field, so the template, the data dictionary and the model never disagree.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from enum import Enum
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from painregen.evidence import models as m

MAIN_SHEET = "observations"
MECHANISM_SHEET = "mechanisms"
ADVERSE_SHEET = "adverse_events"

ROB_PREFIX = "rob_"
ARRIVE_PREFIX = "arrive_"
ANNOTATION_PREFIX = "annotation_"
PREFIXES = (ROB_PREFIX, ARRIVE_PREFIX, ANNOTATION_PREFIX)


@dataclass(frozen=True)
class Column:
    name: str
    level: str  # study | experiment | cohort | intervention | dose | outcome | observation | mechanism | adverse_event
    record: type[BaseModel]
    field: str
    required: bool
    example: str = ""
    note: str = ""

    @property
    def info(self) -> FieldInfo:
        return self.record.model_fields[self.field]

    @property
    def description(self) -> str:
        text = self.info.description or ""
        return f"{text} {self.note}".strip()

    @property
    def title(self) -> str:
        return self.name.replace("_", " ").capitalize()

    @property
    def vocabulary(self) -> str | None:
        extra = self.info.json_schema_extra
        return str(extra["vocabulary"]) if isinstance(extra, dict) and "vocabulary" in extra else None

    @property
    def base_type(self) -> Any:
        return _unwrap(self.info.annotation)

    @property
    def type_name(self) -> str:
        t = self.base_type
        if self.vocabulary:
            return "term"
        if isinstance(t, type) and issubclass(t, Enum):
            return "enum"
        if t is list:
            return "list"
        return {str: "string", int: "integer", float: "number", bool: "boolean"}.get(t, "string")

    @property
    def permitted(self) -> list[str]:
        t = self.base_type
        if isinstance(t, type) and issubclass(t, Enum):
            return [str(e.value) for e in t]
        if self.name == "evidence":
            return [e.value for e in m.EvidenceKind]
        extra = self.info.json_schema_extra
        if isinstance(extra, dict) and "permitted" in extra:
            return [str(x) for x in extra["permitted"]]  # type: ignore[union-attr]
        return []


def _unwrap(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _unwrap(args[0])
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin is list:
        return list
    return annotation


def _c(name: str, level: str, record: type[BaseModel], field: str | None = None, required: bool = False,
       example: str = "", note: str = "") -> Column:
    return Column(name, level, record, field or name, required, example, note)


MAIN_COLUMNS: tuple[Column, ...] = (
    _c("study_id", "study", m.Study, required=True, example="Smith2021"),
    _c("title", "study", m.Study, required=True, example="Bone marrow MSCs relieve CCI pain in rats"),
    _c("authors", "study", m.Study, example="Smith J, Lee K"),
    _c("year", "study", m.Study, example="2021"),
    _c("journal", "study", m.Study, example="Pain"),
    _c("doi", "study", m.Study, example="10.1097/j.pain.0000000000000001"),
    _c("pmid", "study", m.Study, example="12345678"),
    _c("funding", "study", m.Study),
    _c("conflicts", "study", m.Study),
    _c("methods_text", "study", m.Study),
    _c("simulated", "study", m.Study, example="FALSE"),
    _c("experiment_id", "experiment", m.Experiment, required=True, example="E1"),
    _c("species", "experiment", m.Experiment, required=True, example="rat"),
    _c("strain", "experiment", m.Experiment, example="Sprague-Dawley"),
    _c("sex", "experiment", m.Experiment, example="male"),
    _c("age_weeks", "experiment", m.Experiment, example="8"),
    _c("weight_g", "experiment", m.Experiment, example="250"),
    _c("supplier", "experiment", m.Experiment),
    _c("model", "experiment", m.Experiment, required=True, example="CCI"),
    _c("induction", "experiment", m.Experiment, example="four loose chromic gut ligatures"),
    _c("cohort_id", "cohort", m.Cohort, required=True, example="MSC 1e6"),
    _c("role", "cohort", m.Cohort, required=True, example="treated"),
    _c("n_randomised", "cohort", m.Cohort, example="10"),
    _c("n_analysed", "cohort", m.Cohort, example="9"),
    _c("control_cohort", "cohort", m.Cohort, example="Vehicle"),
    _c("description", "cohort", m.Cohort),
    _c("sham_cohort", "cohort", m.Cohort, example="Sham"),
    _c("model_text", "cohort", m.Cohort, example="CCI + vehicle"),
    _c("treatment_text", "cohort", m.Cohort, example="BM-MSC 1 million i.t."),
    _c("product", "intervention", m.Intervention, example="MSC"),
    _c("tissue_source", "intervention", m.Intervention, example="bone marrow"),
    _c("donor_species", "intervention", m.Intervention, example="human"),
    _c("donor_relation", "intervention", m.Intervention, example="xenogeneic"),
    _c("passage", "intervention", m.Intervention, example="4"),
    _c("preconditioning", "intervention", m.Intervention, example="hypoxia 1% O2 48 h"),
    _c("dose", "dose", m.Dose, "amount", example="1 × 10^6 cells",
       note="Written as papers write it (5 × 10^5, 5e5, 500,000, 5 × 105); a unit in the text fills dose_unit."),
    _c("dose_unit", "dose", m.Dose, "unit", example="cells"),
    _c("dose_basis", "dose", m.Dose, "basis", example="per_animal"),
    _c("route", "intervention", m.Intervention, example="intravenous"),
    _c("timing_days", "intervention", m.Intervention, example="7"),
    _c("timing_mode", "intervention", m.Intervention, example="therapeutic"),
    _c("administrations", "intervention", m.Intervention, example="1"),
    _c("interval_days", "intervention", m.Intervention),
    _c("scaffold", "intervention", m.Intervention),
    _c("co_treatment", "intervention", m.Intervention),
    _c("outcome_id", "outcome", m.OutcomeMeasure, example="PWT von Frey"),
    _c("assay", "outcome", m.OutcomeMeasure, example="von Frey"),
    _c("domain", "outcome", m.OutcomeMeasure, example="evoked", note="Defaults to the assay's domain."),
    _c("unit", "outcome", m.OutcomeMeasure, example="g"),
    _c("greater_is_better", "outcome", m.OutcomeMeasure, example="TRUE",
       note="Defaults to the assay's usual direction."),
    _c("time_days", "observation", m.Observation, example="14"),
    _c("average", "observation", m.Observation, example="8.2"),
    _c("average_type", "observation", m.Observation, example="mean"),
    _c("error", "observation", m.Observation, example="0.9"),
    _c("error_low", "observation", m.Observation),
    _c("error_high", "observation", m.Observation),
    _c("error_type", "observation", m.Observation, example="SEM"),
    _c("n", "observation", m.Observation, example="9"),
)

MECHANISM_COLUMNS: tuple[Column, ...] = (
    _c("study_id", "study", m.Study, required=True),
    _c("experiment_id", "experiment", m.Experiment, required=True),
    _c("pathway", "mechanism", m.MechanismClaim, required=True, example="NF-kB"),
    _c("pillar", "mechanism", m.MechanismClaim, example="immunomodulation",
       note="Defaults to the pathway's pillar."),
    _c("evidence", "mechanism", m.MechanismClaim, example="expression;loss_of_function",
       note="Separate several kinds with ';'."),
    _c("compartment", "mechanism", m.MechanismClaim, example="spinal microglia"),
    _c("cohort_id", "mechanism", m.MechanismClaim),
    _c("note", "mechanism", m.MechanismClaim),
)

ADVERSE_COLUMNS: tuple[Column, ...] = (
    _c("study_id", "study", m.Study, required=True),
    _c("experiment_id", "experiment", m.Experiment, required=True),
    _c("cohort_id", "adverse_event", m.AdverseEvent, required=True),
    _c("kind", "adverse_event", m.AdverseEvent, required=True, example="respiratory compromise"),
    _c("n_events", "adverse_event", m.AdverseEvent, required=True, example="1"),
    _c("n_at_risk", "adverse_event", m.AdverseEvent, required=True, example="10"),
    _c("route", "adverse_event", m.AdverseEvent),
    _c("note", "adverse_event", m.AdverseEvent),
)

SHEETS: dict[str, tuple[Column, ...]] = {
    MAIN_SHEET: MAIN_COLUMNS,
    MECHANISM_SHEET: MECHANISM_COLUMNS,
    ADVERSE_SHEET: ADVERSE_COLUMNS,
}

# Columns that must be filled when a row carries an observation (outcome_id given).
OBSERVATION_REQUIRED = ("assay", "time_days", "average", "error_type", "n")


def column(name: str, sheet: str = MAIN_SHEET) -> Column:
    for c in SHEETS[sheet]:
        if c.name == name:
            return c
    raise KeyError(name)

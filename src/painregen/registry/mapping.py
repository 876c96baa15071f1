"""How record fields map to columns.

Scalar fields are copied by name (enums as their value), so a field added to the evidence model without a
column fails loudly (SQLAlchemy rejects the unknown keyword) instead of being dropped. Fields that are not
plain columns are listed in :data:`NESTED`; the intervention and dose of a cohort are flattened into the
cohort row (:data:`INTERVENTION`, :data:`DOSE`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from pydantic import BaseModel

from painregen.evidence.models import (
    AdverseEvent,
    Cohort,
    Experiment,
    Intervention,
    MechanismClaim,
    Observation,
    Study,
)

#: fields that are stored elsewhere than in a same-named column of their record's table
NESTED: dict[type[BaseModel], frozenset[str]] = {
    Study: frozenset({"experiments", "rob", "arrive", "annotations"}),  # -> experiments, appraisal_answers
    Experiment: frozenset({"cohorts", "outcomes", "observations", "mechanisms", "adverse_events"}),
    Cohort: frozenset({"intervention"}),  # flattened with INTERVENTION
    Intervention: frozenset({"dose"}),  # flattened with DOSE
    Observation: frozenset({"cohort_id", "outcome_id"}),  # -> cohort_pk, outcome_pk
    MechanismClaim: frozenset({"evidence"}),  # comma-separated text, converted by store/export
    AdverseEvent: frozenset({"cohort_id"}),  # -> cohort_pk
}

#: ``appraisal_answers.instrument`` -> the Study field holding that instrument's answers
INSTRUMENTS: dict[str, str] = {"syrcle": "rob", "arrive": "arrive", "annotation": "annotations"}


@dataclass(frozen=True)
class Flattened:
    """A record stored inside its parent's row: its columns are ``prefix + field``, ``<label>_source_row``."""

    prefix: str
    label: str

    def column(self, field: str) -> str:
        return f"{self.label}_source_row" if field == "source_row" else self.prefix + field


DIRECT = Flattened("", "")
INTERVENTION = Flattened("", "intervention")
DOSE = Flattened("dose_", "dose")


def _column(part: Flattened, field: str) -> str:
    return field if part is DIRECT else part.column(field)


def to_columns(record: BaseModel, part: Flattened = DIRECT) -> dict[str, Any]:
    """Column values of ``record``'s scalar fields (enums by value); nested fields are left out."""
    skip = NESTED.get(type(record), frozenset())
    out: dict[str, Any] = {}
    for name in type(record).model_fields:
        if name in skip:
            continue
        value = getattr(record, name)
        out[_column(part, name)] = value.value if isinstance(value, Enum) else value
    return out


def from_columns(model: type[BaseModel], row: object, part: Flattened = DIRECT) -> dict[str, Any]:
    """Keyword arguments for ``model`` from the columns of ``row`` (the inverse of :func:`to_columns`)."""
    skip = NESTED.get(model, frozenset())
    return {name: getattr(row, _column(part, name)) for name in model.model_fields if name not in skip}


def columns_of(model: type[BaseModel], part: Flattened = DIRECT) -> set[str]:
    """The columns a record type needs (used by the schema-coverage test)."""
    skip = NESTED.get(model, frozenset())
    return {_column(part, name) for name in model.model_fields if name not in skip}


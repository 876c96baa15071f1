"""Flatten a Dataset into painregen template tables: the inverse of :func:`painregen.evidence.build.build_dataset`.

Controlled values are written as CURIEs (unambiguous on re-import); floats keep full precision.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from painregen.evidence import models as m
from painregen.evidence.template_spec import (
    ADVERSE_COLUMNS,
    ADVERSE_SHEET,
    ANNOTATION_PREFIX,
    ARRIVE_PREFIX,
    MAIN_COLUMNS,
    MAIN_SHEET,
    MECHANISM_COLUMNS,
    MECHANISM_SHEET,
    ROB_PREFIX,
)
from painregen.io.tables import Cell

Row = dict[str, Cell]


def _cell(v: Any) -> Cell:
    if isinstance(v, Enum):
        return str(v.value)
    if isinstance(v, list):
        return ";".join(str(_cell(x) or "") for x in v)
    return v


def _fields(record: m.Record | None, names: set[str]) -> Row:
    if record is None:
        return {}
    return {k: _cell(getattr(record, k)) for k in names if k in type(record).model_fields}


_LEVELS = {lvl: {c.name for c in MAIN_COLUMNS if c.level == lvl} for lvl in
           ("study", "experiment", "cohort", "intervention", "outcome", "observation")}


def _study_row(s: m.Study) -> Row:
    row = _fields(s, _LEVELS["study"])
    row.update({ROB_PREFIX + k: v for k, v in s.rob.items()})
    row.update({ARRIVE_PREFIX + k: v for k, v in s.arrive.items()})
    row.update({ANNOTATION_PREFIX + k: v for k, v in s.annotations.items()})
    return row


def _cohort_row(c: m.Cohort) -> Row:
    row = _fields(c, _LEVELS["cohort"])
    inter = c.intervention
    row.update(_fields(inter, _LEVELS["intervention"]))
    if inter is not None and inter.dose is not None:
        dose = inter.dose
        row.update({"dose": dose.text or dose.amount, "dose_unit": dose.unit, "dose_basis": dose.basis.value})
    return row


def main_columns(ds: m.Dataset) -> list[str]:
    """Template columns plus the rob_/arrive_/annotation_ columns this dataset uses."""
    cols = [c.name for c in MAIN_COLUMNS]
    extra: list[str] = []
    for s in ds.studies:
        for prefix, answers in ((ROB_PREFIX, s.rob), (ARRIVE_PREFIX, s.arrive), (ANNOTATION_PREFIX, s.annotations)):
            for k in answers:
                if prefix + k not in extra:
                    extra.append(prefix + k)
    return cols + extra


def dataset_to_tables(ds: m.Dataset) -> dict[str, tuple[list[str], list[Row]]]:
    """Sheet name -> (columns, rows). Cohorts without values and outcomes without values get rows of their own."""
    main: list[Row] = []
    mech: list[Row] = []
    adverse: list[Row] = []
    for s in ds.studies:
        srow = _study_row(s)
        for e in s.experiments:
            erow = srow | _fields(e, _LEVELS["experiment"])
            crows = {c.cohort_id: erow | _cohort_row(c) for c in e.cohorts}
            orows = {o.outcome_id: _fields(o, _LEVELS["outcome"]) for o in e.outcomes}
            rows = [crows[ob.cohort_id] | orows[ob.outcome_id] | _fields(ob, _LEVELS["observation"])
                    for ob in e.observations]
            seen_c = list(dict.fromkeys(ob.cohort_id for ob in e.observations))
            seen_o = list(dict.fromkeys(ob.outcome_id for ob in e.observations))
            # Rows that only define a cohort or an outcome keep every record, in its order, on re-import.
            if e.cohorts and seen_o != [o.outcome_id for o in e.outcomes]:
                first = e.cohorts[0].cohort_id
                rows = [crows[first] | orows[o.outcome_id] for o in e.outcomes] + rows
                seen_c = list(dict.fromkeys([first, *seen_c]))
            if seen_c != [c.cohort_id for c in e.cohorts]:
                rows = [crows[c.cohort_id] for c in e.cohorts] + rows
            main += rows
            keys: Row = {"study_id": s.study_id, "experiment_id": e.experiment_id}
            mech += [keys | _fields(mc, {c.name for c in MECHANISM_COLUMNS}) for mc in e.mechanisms]
            adverse += [keys | _fields(ae, {c.name for c in ADVERSE_COLUMNS}) for ae in e.adverse_events]
    return {
        MAIN_SHEET: (main_columns(ds), main),
        MECHANISM_SHEET: ([c.name for c in MECHANISM_COLUMNS], mech),
        ADVERSE_SHEET: ([c.name for c in ADVERSE_COLUMNS], adverse),
    }

"""Rebuilding :class:`~painregen.evidence.models.Dataset` records from the registry (the inverse of the import).

Lists come back in their stored order (``ordinal``); studies in import order, or in the order asked for.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from painregen.evidence.models import (
    AdverseEvent,
    Cohort,
    Dataset,
    Dose,
    Experiment,
    Intervention,
    MechanismClaim,
    Observation,
    OutcomeMeasure,
    Study,
)
from painregen.registry.mapping import DOSE, INSTRUMENTS, INTERVENTION, from_columns
from painregen.registry.schema import CohortRow, ExperimentRow, ImportRow, StudyRow

_LOAD = (
    selectinload(StudyRow.answers),
    selectinload(StudyRow.experiments).selectinload(ExperimentRow.cohorts),
    selectinload(StudyRow.experiments).selectinload(ExperimentRow.outcomes),
    selectinload(StudyRow.experiments).selectinload(ExperimentRow.observations),
    selectinload(StudyRow.experiments).selectinload(ExperimentRow.mechanisms),
    selectinload(StudyRow.experiments).selectinload(ExperimentRow.adverse_events),
)


def study_rows(session: Session, study_ids: Sequence[int] | None = None) -> list[StudyRow]:
    """Stored studies with everything below them loaded: all in import order, or ``study_ids`` in the order
    given (KeyError naming the ids that are not in the registry)."""
    query = select(StudyRow).options(*_LOAD)
    if study_ids is None:
        return list(session.scalars(query.order_by(StudyRow.import_id, StudyRow.ordinal, StudyRow.id)))
    wanted = list(dict.fromkeys(study_ids))
    found = {r.id: r for r in session.scalars(query.where(StudyRow.id.in_(wanted)))}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise KeyError(f"no study with registry id {', '.join(map(str, missing))}")
    return [found[i] for i in wanted]


def export_dataset(session: Session, study_ids: Sequence[int] | None = None) -> Dataset:
    """The stored studies as a Dataset. ``simulated`` and ``truth`` come from the import when all the
    studies come from one import; across several imports ``simulated`` is True only when every import was
    simulated and ``truth`` is None (each import keeps its own truth, see ``Registry.imports``)."""
    rows = study_rows(session, study_ids)
    studies = [study_from_row(r) for r in rows]
    import_ids = sorted({r.import_id for r in rows})
    if not import_ids:
        return Dataset(studies=studies)
    imports = [session.get_one(ImportRow, i) for i in import_ids]
    if len(imports) == 1:
        return Dataset(studies=studies, simulated=imports[0].simulated, truth=imports[0].truth)
    return Dataset(studies=studies, simulated=all(i.simulated for i in imports), truth=None)


def study_from_row(row: StudyRow) -> Study:
    answers: dict[str, dict[str, str]] = {attr: {} for attr in INSTRUMENTS.values()}
    for a in row.answers:
        answers[INSTRUMENTS[a.instrument]][a.item] = a.answer
    return Study(
        **from_columns(Study, row), **answers, experiments=[_experiment(e) for e in row.experiments]
    )


def _experiment(row: ExperimentRow) -> Experiment:
    cohort_ids = {c.id: c.cohort_id for c in row.cohorts}
    outcome_ids = {o.id: o.outcome_id for o in row.outcomes}
    return Experiment(
        **from_columns(Experiment, row),
        cohorts=[_cohort(c) for c in row.cohorts],
        outcomes=[OutcomeMeasure(**from_columns(OutcomeMeasure, o)) for o in row.outcomes],
        observations=[
            Observation(
                **from_columns(Observation, ob),
                cohort_id=cohort_ids[ob.cohort_pk],
                outcome_id=outcome_ids[ob.outcome_pk],
            )
            for ob in row.observations
        ],
        mechanisms=[
            MechanismClaim(**from_columns(MechanismClaim, m), evidence=[k for k in m.evidence.split(",") if k])
            for m in row.mechanisms
        ],
        adverse_events=[
            AdverseEvent(**from_columns(AdverseEvent, ae), cohort_id=cohort_ids[ae.cohort_pk])
            for ae in row.adverse_events
        ],
    )


def _cohort(row: CohortRow) -> Cohort:
    intervention = None
    if row.product is not None:  # product is required: a NULL product means no intervention
        dose = None
        if row.dose_amount is not None:  # likewise the dose amount
            dose = Dose(**from_columns(Dose, row, DOSE))
        intervention = Intervention(**from_columns(Intervention, row, INTERVENTION), dose=dose)
    return Cohort(**from_columns(Cohort, row), intervention=intervention)

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
    EvidenceKind,
    Experiment,
    Intervention,
    MechanismClaim,
    Observation,
    OutcomeMeasure,
    Study,
)
from painregen.registry.schema import CohortRow, ExperimentRow, ImportRow, StudyRow
from painregen.registry.store import INSTRUMENTS

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
        source_row=row.source_row, study_id=row.study_id, title=row.title, authors=row.authors, year=row.year,
        journal=row.journal, doi=row.doi, pmid=row.pmid, funding=row.funding, conflicts=row.conflicts,
        methods_text=row.methods_text, simulated=row.simulated, **answers,
        experiments=[_experiment(e) for e in row.experiments],
    )


def _experiment(row: ExperimentRow) -> Experiment:
    cohort_ids = {c.id: c.cohort_id for c in row.cohorts}
    outcome_ids = {o.id: o.outcome_id for o in row.outcomes}
    return Experiment(
        source_row=row.source_row, experiment_id=row.experiment_id, species=row.species, strain=row.strain,
        sex=row.sex, age_weeks=row.age_weeks, weight_g=row.weight_g, supplier=row.supplier, model=row.model,
        induction=row.induction,
        cohorts=[_cohort(c) for c in row.cohorts],
        outcomes=[
            OutcomeMeasure(
                source_row=o.source_row, outcome_id=o.outcome_id, assay=o.assay, domain=o.domain, unit=o.unit,
                greater_is_better=o.greater_is_better,
            )
            for o in row.outcomes
        ],
        observations=[
            Observation(
                source_row=ob.source_row, cohort_id=cohort_ids[ob.cohort_pk], outcome_id=outcome_ids[ob.outcome_pk],
                time_days=ob.time_days, average=ob.average, average_type=ob.average_type, error=ob.error,
                error_low=ob.error_low, error_high=ob.error_high, error_type=ob.error_type, n=ob.n,
            )
            for ob in row.observations
        ],
        mechanisms=[
            MechanismClaim(
                source_row=m.source_row, pathway=m.pathway, pillar=m.pillar,
                evidence=[EvidenceKind(k) for k in m.evidence.split(",") if k],
                compartment=m.compartment, cohort_id=m.cohort_id, note=m.note,
            )
            for m in row.mechanisms
        ],
        adverse_events=[
            AdverseEvent(
                source_row=ae.source_row, kind=ae.kind, cohort_id=cohort_ids[ae.cohort_pk], n_events=ae.n_events,
                n_at_risk=ae.n_at_risk, route=ae.route, note=ae.note,
            )
            for ae in row.adverse_events
        ],
    )


def _cohort(row: CohortRow) -> Cohort:
    intervention = None
    if row.product is not None:
        dose = None
        if row.dose_amount is not None:
            dose = Dose(
                source_row=row.dose_source_row, amount=row.dose_amount, unit=row.dose_unit or "",
                basis=row.dose_basis or "per_animal", text=row.dose_text,
            )
        intervention = Intervention(
            source_row=row.intervention_source_row, product=row.product, tissue_source=row.tissue_source,
            donor_species=row.donor_species, donor_relation=row.donor_relation, passage=row.passage,
            preconditioning=row.preconditioning, dose=dose, route=row.route, timing_days=row.timing_days,
            timing_mode=row.timing_mode, administrations=row.administrations or 1, interval_days=row.interval_days,
            scaffold=row.scaffold, co_treatment=row.co_treatment,
        )
    return Cohort(
        source_row=row.source_row, cohort_id=row.cohort_id, role=row.role, n_randomised=row.n_randomised,
        n_analysed=row.n_analysed, control_cohort=row.control_cohort, sham_cohort=row.sham_cohort,
        intervention=intervention,
    )

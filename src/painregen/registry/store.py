"""Importing a :class:`~painregen.evidence.models.Dataset` into the registry.

:func:`import_dataset` runs inside the caller's transaction (``Registry.import_dataset`` opens one): it checks
for duplicates first, then writes the import record and every study, one study per flush. Any exception
propagates and the caller's rollback leaves the registry as it was.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from painregen import __version__
from painregen.evidence.models import (
    AdverseEvent,
    Cohort,
    Dataset,
    Experiment,
    MechanismClaim,
    Observation,
    OutcomeMeasure,
    Study,
)
from painregen.registry.dedup import Duplicate, DuplicateStudyError, StudyKeys, find_duplicates
from painregen.registry.mapping import DOSE, INSTRUMENTS, INTERVENTION, to_columns
from painregen.registry.records import ImportSummary
from painregen.registry.schema import (
    AdverseEventRow,
    AppraisalAnswerRow,
    CohortRow,
    ExperimentRow,
    ImportRow,
    MechanismRow,
    ObservationRow,
    OutcomeRow,
    StudyRow,
)

OnDuplicate = Literal["error", "skip"]


def import_dataset(
    session: Session,
    dataset: Dataset,
    *,
    source: Path | str,
    sha256: str,
    fmt: str,
    on_duplicate: OnDuplicate = "error",
) -> ImportSummary:
    """Store ``dataset`` (see :meth:`painregen.registry.Registry.import_dataset`)."""
    if on_duplicate not in ("error", "skip"):
        raise ValueError(f"on_duplicate must be 'error' or 'skip', not {on_duplicate!r}")
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError(f"sha256 must be 64 lower-case hex digits (hashlib.sha256(data).hexdigest()), not {sha256!r}")
    if not 0 < len(fmt) <= 32:
        raise ValueError(f"fmt must be a short format name (1 to 32 characters), not {fmt!r}")
    check_finite(dataset)
    duplicates = _duplicates(session, dataset, sha256)
    if duplicates and on_duplicate == "error":
        raise DuplicateStudyError(duplicates)
    skip = {d.index for d in duplicates}
    keep = [(i, s) for i, s in enumerate(dataset.studies) if i not in skip]
    if not keep:
        return ImportSummary(import_id=None, study_ids=[], rows={}, skipped=duplicates)

    imp = ImportRow(
        source=Path(source).name or str(source),
        sha256=sha256,
        format=fmt,
        imported_at=datetime.now(UTC),
        painregen_version=__version__,
        n_studies=len(keep),
        n_records=0,
        simulated=dataset.simulated,
        truth=dataset.truth,
    )
    session.add(imp)
    session.flush()
    rows: Counter[str] = Counter()
    study_rows = []
    for ordinal, study in keep:
        row = _study_row(study, imp.id, ordinal, rows)
        session.add(row)
        session.flush()
        study_rows.append(row)
    imp.n_records = sum(rows.values())
    session.flush()
    return ImportSummary(
        import_id=imp.id, study_ids=[r.id for r in study_rows], rows=dict(rows), skipped=duplicates
    )


def _duplicates(session: Session, dataset: Dataset, sha256: str) -> list[Duplicate]:
    prior = session.scalar(select(ImportRow).where(ImportRow.sha256 == sha256))
    if prior is not None:
        stored = {
            r.study_id: r.id
            for r in session.scalars(
                select(StudyRow).where(StudyRow.import_id == prior.id).order_by(StudyRow.id.desc())
            )
        }
        return [
            Duplicate(i, s.study_id, stored.get(s.study_id), s.study_id if s.study_id in stored else None,
                      "sha256", sha256)
            for i, s in enumerate(dataset.studies)
        ]
    existing = [
        StudyKeys(study_id, doi, pmid, title, year, registry_id)
        for registry_id, study_id, doi, pmid, title, year in session.execute(
            select(StudyRow.id, StudyRow.study_id, StudyRow.doi_key, StudyRow.pmid, StudyRow.title_key,
                   StudyRow.year).order_by(StudyRow.id)
        )
    ]
    return find_duplicates([StudyKeys.of(s) for s in dataset.studies], existing)


def check_finite(dataset: Dataset) -> None:
    """Reject NaN and infinite numbers (SQL has no portable way to store them); names the record and field."""

    def walk(record: BaseModel, where: str) -> None:
        for name in type(record).model_fields:
            value = getattr(record, name)
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"{where}: {name} is {value}; the registry stores finite numbers only")
            if isinstance(value, BaseModel):
                walk(value, f"{where} {name}")
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, BaseModel):
                        walk(item, f"{where} {name}[{i}]")

    for s in dataset.studies:
        walk(s, f"study {s.study_id!r}" + (f" (row {s.source_row})" if s.source_row is not None else ""))


def _study_row(study: Study, import_id: int, ordinal: int, rows: Counter[str]) -> StudyRow:
    keys = StudyKeys.of(study)
    row = StudyRow(
        import_id=import_id, ordinal=ordinal, doi_key=keys.doi, title_key=keys.title, **to_columns(study)
    )
    rows["studies"] += 1
    for instrument, attr in INSTRUMENTS.items():
        answers: dict[str, str] = getattr(study, attr)
        for i, (item, answer) in enumerate(answers.items()):
            row.answers.append(AppraisalAnswerRow(
                import_id=import_id, source_row=study.source_row, ordinal=i,
                instrument=instrument, item=item, answer=answer,
            ))
            rows["appraisal_answers"] += 1
    for i, exp in enumerate(study.experiments):
        row.experiments.append(_experiment_row(exp, import_id, i, rows))
    return row


def _experiment_row(exp: Experiment, import_id: int, ordinal: int, rows: Counter[str]) -> ExperimentRow:
    row = ExperimentRow(import_id=import_id, ordinal=ordinal, **to_columns(exp))
    rows["experiments"] += 1
    cohorts = {c.cohort_id: _cohort_row(c, import_id, i) for i, c in enumerate(exp.cohorts)}
    row.cohorts.extend(cohorts.values())
    outcomes = {o.outcome_id: _outcome_row(o, import_id, i) for i, o in enumerate(exp.outcomes)}
    row.outcomes.extend(outcomes.values())
    row.observations.extend(
        _observation_row(ob, import_id, i, cohorts[ob.cohort_id], outcomes[ob.outcome_id])
        for i, ob in enumerate(exp.observations)
    )
    row.mechanisms.extend(_mechanism_row(m, import_id, i) for i, m in enumerate(exp.mechanisms))
    row.adverse_events.extend(
        _adverse_event_row(ae, import_id, i, cohorts[ae.cohort_id]) for i, ae in enumerate(exp.adverse_events)
    )
    rows["cohorts"] += len(row.cohorts)
    rows["outcomes"] += len(row.outcomes)
    rows["observations"] += len(row.observations)
    rows["mechanisms"] += len(row.mechanisms)
    rows["adverse_events"] += len(row.adverse_events)
    return row


def _cohort_row(c: Cohort, import_id: int, ordinal: int) -> CohortRow:
    columns = to_columns(c)
    if c.intervention is not None:
        columns.update(to_columns(c.intervention, INTERVENTION))
        if c.intervention.dose is not None:
            columns.update(to_columns(c.intervention.dose, DOSE))
    return CohortRow(import_id=import_id, ordinal=ordinal, **columns)


def _outcome_row(o: OutcomeMeasure, import_id: int, ordinal: int) -> OutcomeRow:
    return OutcomeRow(import_id=import_id, ordinal=ordinal, **to_columns(o))


def _observation_row(
    ob: Observation, import_id: int, ordinal: int, cohort: CohortRow, outcome: OutcomeRow
) -> ObservationRow:
    return ObservationRow(import_id=import_id, ordinal=ordinal, cohort=cohort, outcome=outcome, **to_columns(ob))


def _mechanism_row(m: MechanismClaim, import_id: int, ordinal: int) -> MechanismRow:
    evidence = ",".join(k.value for k in m.evidence)
    return MechanismRow(import_id=import_id, ordinal=ordinal, evidence=evidence, **to_columns(m))


def _adverse_event_row(ae: AdverseEvent, import_id: int, ordinal: int, cohort: CohortRow) -> AdverseEventRow:
    return AdverseEventRow(import_id=import_id, ordinal=ordinal, cohort=cohort, **to_columns(ae))

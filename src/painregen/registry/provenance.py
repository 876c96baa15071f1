"""Read-only views of the registry: imports, per-row provenance, study summaries and table counts."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from painregen.evidence.citation import citation_label, unique_labels
from painregen.registry.records import ImportRecord, Provenance, StudySummary
from painregen.registry.schema import (
    EVIDENCE_TABLES,
    CohortRow,
    ExperimentRow,
    ImportRow,
    ObservationRow,
    StudyRow,
)


def as_utc(moment: datetime) -> datetime:
    """Timestamps are written in UTC; backends without time zones (SQLite) return them naive."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def import_record(row: ImportRow) -> ImportRecord:
    return ImportRecord(
        id=row.id, source=row.source, sha256=row.sha256, format=row.format, imported_at=as_utc(row.imported_at),
        painregen_version=row.painregen_version, n_studies=row.n_studies, n_records=row.n_records,
        simulated=row.simulated, truth=row.truth,
    )


def imports(session: Session) -> list[ImportRecord]:
    return [import_record(r) for r in session.scalars(select(ImportRow).order_by(ImportRow.id))]


def provenance(session: Session, table: str, row_id: int) -> Provenance:
    """Where row ``row_id`` of ``table`` came from. ValueError for an unknown table, KeyError for a missing row."""
    try:
        model = EVIDENCE_TABLES[table]
    except KeyError:
        raise ValueError(f"unknown table {table!r}; one of {', '.join(EVIDENCE_TABLES)}") from None
    row = session.get(model, row_id)
    if row is None:
        raise KeyError(f"no row {row_id} in table {table!r}")
    imp = import_record(session.get_one(ImportRow, row.import_id))
    return Provenance(
        table=table, row_id=row_id, source_row=row.source_row, import_id=imp.id, source=imp.source,
        sha256=imp.sha256, format=imp.format, imported_at=imp.imported_at,
        painregen_version=imp.painregen_version, simulated=imp.simulated,
    )


def study_summaries(session: Session) -> list[StudySummary]:
    n_exp = _per_study(session, None)
    n_coh = _per_study(session, CohortRow)
    n_obs = _per_study(session, ObservationRow)
    rows = session.execute(
        select(StudyRow.id, StudyRow.study_id, StudyRow.title, StudyRow.year, StudyRow.doi, StudyRow.simulated,
               StudyRow.import_id, StudyRow.authors).order_by(StudyRow.import_id, StudyRow.ordinal, StudyRow.id)
    ).all()
    labels = unique_labels([(str(r[0]), citation_label(r[7], r[3], r[2])) for r in rows])
    return [
        StudySummary(
            id=i, study_id=key, title=title, year=year, doi=doi, n_experiments=n_exp.get(i, 0),
            n_cohorts=n_coh.get(i, 0), n_observations=n_obs.get(i, 0), simulated=simulated, import_id=imp,
            authors=authors, label=labels[str(i)],
        )
        for i, key, title, year, doi, simulated, imp, authors in rows
    ]


def _per_study(session: Session, child: type[CohortRow] | type[ObservationRow] | None) -> dict[int, int]:
    """Rows per study of ``experiments`` (child None) or of a table hanging off experiments."""
    if child is None:
        query = select(ExperimentRow.study_pk, func.count(ExperimentRow.id))
    else:
        query = select(ExperimentRow.study_pk, func.count(child.id)).join(
            child, child.experiment_pk == ExperimentRow.id
        )
    return {study: n for study, n in session.execute(query.group_by(ExperimentRow.study_pk))}


def counts(session: Session) -> dict[str, int]:
    """Rows per table (``imports`` first, then the evidence tables parent before child)."""
    out = {"imports": session.scalar(select(func.count()).select_from(ImportRow)) or 0}
    for name, model in EVIDENCE_TABLES.items():
        out[name] = session.scalar(select(func.count()).select_from(model)) or 0
    return out

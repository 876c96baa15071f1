"""Relational schema of the registry (SQLAlchemy 2 typed declarative mapping).

The tables mirror :mod:`painregen.evidence.models`: ``studies > experiments > cohorts`` (intervention and dose
flattened into the cohort row), ``outcomes``, ``observations``, ``mechanisms``, ``adverse_events``; SYRCLE and
ARRIVE answers live in ``appraisal_answers`` (one row per study, instrument and item). ``imports`` records where
each batch came from, and every other row keeps the ``import_id`` and ``source_row`` it was read from.

Label columns keep the model's names (``study_id``, ``experiment_id``, ``cohort_id``, ``outcome_id``); foreign
keys to parent rows end in ``_pk``. ``ordinal`` is the record's position in its parent list, so exports keep
the order of the source. Only portable types are used (Integer, Text, String, Boolean, Double, DateTime, JSON),
so the same metadata serves SQLite and PostgreSQL; the Alembic revisions in ``migrations/`` create it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

FLOAT: Double[float] = Double(asdecimal=False)  # IEEE double on every backend: values are stored without rounding
SHORT = String(32)  # enumerated values (role, sex, domain, ...) and format names


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _import_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("imports.id"), index=True, sort_order=-9)


class ImportRow(Base):
    """One imported file (or in-memory dataset): the provenance every other row points to."""

    __tablename__ = "imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    format: Mapped[str] = mapped_column(SHORT)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    painregen_version: Mapped[str] = mapped_column(SHORT)
    n_studies: Mapped[int] = mapped_column(Integer)
    n_records: Mapped[int] = mapped_column(Integer)
    simulated: Mapped[bool] = mapped_column(Boolean)
    truth: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class Provenanced:
    """Columns shared by every evidence table."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, sort_order=-10)
    import_id: Mapped[int] = _import_fk()
    source_row: Mapped[int | None] = mapped_column(Integer, sort_order=-8)
    ordinal: Mapped[int] = mapped_column(Integer, sort_order=-7)


class StudyRow(Provenanced, Base):
    __tablename__ = "studies"

    study_id: Mapped[str] = mapped_column(Text, index=True)
    title: Mapped[str] = mapped_column(Text)
    authors: Mapped[str | None] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(Integer)
    journal: Mapped[str | None] = mapped_column(Text)
    doi: Mapped[str | None] = mapped_column(Text)
    pmid: Mapped[str | None] = mapped_column(String(16), index=True, unique=True)
    funding: Mapped[str | None] = mapped_column(Text)
    conflicts: Mapped[str | None] = mapped_column(Text)
    methods_text: Mapped[str | None] = mapped_column(Text)
    simulated: Mapped[bool] = mapped_column(Boolean)
    doi_key: Mapped[str | None] = mapped_column(Text, index=True, unique=True)
    title_key: Mapped[str] = mapped_column(Text, index=True)
    # one publication is stored once, even when several imports race (revision 0004); the importers'
    # duplicate check gives the readable message, the constraints make it hold
    __table_args__ = (Index("uq_studies_title_key_year", "title_key", "year", unique=True),)

    experiments: Mapped[list[ExperimentRow]] = relationship(
        back_populates="study", order_by="ExperimentRow.ordinal", cascade="all, delete-orphan"
    )
    answers: Mapped[list[AppraisalAnswerRow]] = relationship(
        order_by="AppraisalAnswerRow.ordinal", cascade="all, delete-orphan"
    )
    import_: Mapped[ImportRow] = relationship()


class AppraisalAnswerRow(Provenanced, Base):
    """One study-level answer: instrument ``syrcle`` (risk of bias), ``arrive`` (reporting) or ``annotation``
    (other questions, e.g. SyRF annotations)."""

    __tablename__ = "appraisal_answers"
    __table_args__ = (UniqueConstraint("study_pk", "instrument", "item"),)

    study_pk: Mapped[int] = mapped_column(ForeignKey("studies.id"), index=True)
    instrument: Mapped[str] = mapped_column(SHORT)
    item: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)


class ExperimentRow(Provenanced, Base):
    __tablename__ = "experiments"
    __table_args__ = (UniqueConstraint("study_pk", "experiment_id"),)

    study_pk: Mapped[int] = mapped_column(ForeignKey("studies.id"), index=True)
    experiment_id: Mapped[str] = mapped_column(Text)
    species: Mapped[str | None] = mapped_column(Text)
    strain: Mapped[str | None] = mapped_column(Text)
    sex: Mapped[str] = mapped_column(SHORT)
    age_weeks: Mapped[float | None] = mapped_column(FLOAT)
    weight_g: Mapped[float | None] = mapped_column(FLOAT)
    supplier: Mapped[str | None] = mapped_column(Text)
    model: Mapped[str | None] = mapped_column(Text)
    induction: Mapped[str | None] = mapped_column(Text)

    study: Mapped[StudyRow] = relationship(back_populates="experiments")
    cohorts: Mapped[list[CohortRow]] = relationship(order_by="CohortRow.ordinal", cascade="all, delete-orphan")
    outcomes: Mapped[list[OutcomeRow]] = relationship(order_by="OutcomeRow.ordinal", cascade="all, delete-orphan")
    observations: Mapped[list[ObservationRow]] = relationship(
        order_by="ObservationRow.ordinal", cascade="all, delete-orphan"
    )
    mechanisms: Mapped[list[MechanismRow]] = relationship(
        order_by="MechanismRow.ordinal", cascade="all, delete-orphan"
    )
    adverse_events: Mapped[list[AdverseEventRow]] = relationship(
        order_by="AdverseEventRow.ordinal", cascade="all, delete-orphan"
    )


class CohortRow(Provenanced, Base):
    """A cohort with its intervention (``product`` is NULL when there is none) and dose (``dose_amount``
    is NULL when there is none) flattened into the row."""

    __tablename__ = "cohorts"
    __table_args__ = (UniqueConstraint("experiment_pk", "cohort_id"),)

    experiment_pk: Mapped[int] = mapped_column(ForeignKey("experiments.id"), index=True)
    cohort_id: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(SHORT)
    n_randomised: Mapped[int | None] = mapped_column(Integer)
    n_analysed: Mapped[int | None] = mapped_column(Integer)
    control_cohort: Mapped[str | None] = mapped_column(Text)
    sham_cohort: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    model_text: Mapped[str | None] = mapped_column(Text)
    treatment_text: Mapped[str | None] = mapped_column(Text)
    # intervention
    product: Mapped[str | None] = mapped_column(Text, index=True)
    tissue_source: Mapped[str | None] = mapped_column(Text)
    donor_species: Mapped[str | None] = mapped_column(Text)
    donor_relation: Mapped[str | None] = mapped_column(SHORT)
    passage: Mapped[int | None] = mapped_column(Integer)
    preconditioning: Mapped[str | None] = mapped_column(Text)
    route: Mapped[str | None] = mapped_column(Text)
    timing_days: Mapped[float | None] = mapped_column(FLOAT)
    timing_mode: Mapped[str | None] = mapped_column(SHORT)
    administrations: Mapped[int | None] = mapped_column(Integer)
    interval_days: Mapped[float | None] = mapped_column(FLOAT)
    scaffold: Mapped[str | None] = mapped_column(Text)
    co_treatment: Mapped[str | None] = mapped_column(Text)
    intervention_source_row: Mapped[int | None] = mapped_column(Integer)
    # dose
    dose_amount: Mapped[float | None] = mapped_column(FLOAT)
    dose_unit: Mapped[str | None] = mapped_column(Text)
    dose_basis: Mapped[str | None] = mapped_column(SHORT)
    dose_text: Mapped[str | None] = mapped_column(Text)
    dose_source_row: Mapped[int | None] = mapped_column(Integer)


class OutcomeRow(Provenanced, Base):
    __tablename__ = "outcomes"
    __table_args__ = (UniqueConstraint("experiment_pk", "outcome_id"),)

    experiment_pk: Mapped[int] = mapped_column(ForeignKey("experiments.id"), index=True)
    outcome_id: Mapped[str] = mapped_column(Text)
    assay: Mapped[str | None] = mapped_column(Text, index=True)
    domain: Mapped[str | None] = mapped_column(SHORT)
    unit: Mapped[str | None] = mapped_column(Text)
    greater_is_better: Mapped[bool] = mapped_column(Boolean)


class ObservationRow(Provenanced, Base):
    """cohort x outcome x time: the value, its error and n (the labels are reached through the keys)."""

    __tablename__ = "observations"

    experiment_pk: Mapped[int] = mapped_column(ForeignKey("experiments.id"), index=True)
    cohort_pk: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), index=True)
    outcome_pk: Mapped[int] = mapped_column(ForeignKey("outcomes.id"), index=True)
    time_days: Mapped[float] = mapped_column(FLOAT)
    average: Mapped[float] = mapped_column(FLOAT)
    average_type: Mapped[str] = mapped_column(SHORT)
    error: Mapped[float | None] = mapped_column(FLOAT)
    error_low: Mapped[float | None] = mapped_column(FLOAT)
    error_high: Mapped[float | None] = mapped_column(FLOAT)
    error_type: Mapped[str] = mapped_column(SHORT)
    n: Mapped[int] = mapped_column(Integer)

    cohort: Mapped[CohortRow] = relationship()
    outcome: Mapped[OutcomeRow] = relationship()


class MechanismRow(Provenanced, Base):
    """A mechanism claim; ``evidence`` is the list of evidence kinds as comma-separated text, in order.
    ``cohort_id`` is a free label (the model does not require it to name a cohort of the experiment)."""

    __tablename__ = "mechanisms"

    experiment_pk: Mapped[int] = mapped_column(ForeignKey("experiments.id"), index=True)
    pathway: Mapped[str] = mapped_column(Text, index=True)
    pillar: Mapped[str] = mapped_column(SHORT)
    evidence: Mapped[str] = mapped_column(Text)
    compartment: Mapped[str | None] = mapped_column(Text)
    cohort_id: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)


class AdverseEventRow(Provenanced, Base):
    __tablename__ = "adverse_events"

    experiment_pk: Mapped[int] = mapped_column(ForeignKey("experiments.id"), index=True)
    cohort_pk: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), index=True)
    kind: Mapped[str] = mapped_column(Text)
    n_events: Mapped[int] = mapped_column(Integer)
    n_at_risk: Mapped[int] = mapped_column(Integer)
    route: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)

    cohort: Mapped[CohortRow] = relationship()


class ProjectRow(Base):
    """A named set of studies (a review, a consortium's pooled data): analyses and permissions can be scoped
    to it."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ProjectStudyRow(Base):
    """Membership of a study in a project."""

    __tablename__ = "project_studies"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), primary_key=True)
    study_pk: Mapped[int] = mapped_column(ForeignKey("studies.id"), primary_key=True, index=True)


class TermMappingRow(Base):
    """A free-text label of an imported file (``text``; ``key`` its folded form) mapped to a term of
    ``vocabulary`` (``curie``; NULL = confirmed as not in the vocabulary). ``method`` says how the proposal was
    made (exact, synonym, fuzzy, user); ``status`` is ``auto`` (resolved with confidence), ``suggested`` (waits
    for a person) or ``confirmed``/``rejected`` (decided by ``decided_by``). Mappings are reused by every later
    import and analysis."""

    __tablename__ = "term_mappings"
    __table_args__ = (UniqueConstraint("vocabulary", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vocabulary: Mapped[str] = mapped_column(SHORT)
    key: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    curie: Mapped[str | None] = mapped_column(Text)
    score: Mapped[float | None] = mapped_column(FLOAT)
    method: Mapped[str] = mapped_column(SHORT)
    status: Mapped[str] = mapped_column(SHORT)
    decided_by: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))
    note: Mapped[str | None] = mapped_column(Text)


class JobRow(Base):
    """A background job of the web workbench (e.g. a report build): its state is in the registry so that
    every server worker sees it."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(SHORT)
    status: Mapped[str] = mapped_column(SHORT)  # queued, running, done, failed
    progress: Mapped[float] = mapped_column(FLOAT)
    message: Mapped[str | None] = mapped_column(Text)
    params: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # the worker's last sign of life
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


#: Evidence tables by name, in insertion (parent before child) order; ``imports`` is listed separately.
EVIDENCE_TABLES: dict[str, type[Provenanced]] = {
    "studies": StudyRow,
    "appraisal_answers": AppraisalAnswerRow,
    "experiments": ExperimentRow,
    "cohorts": CohortRow,
    "outcomes": OutcomeRow,
    "observations": ObservationRow,
    "mechanisms": MechanismRow,
    "adverse_events": AdverseEventRow,
}

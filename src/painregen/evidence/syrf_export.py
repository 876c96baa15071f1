"""Write a Dataset as a SyRF quantitative export (the columns :mod:`painregen.evidence.syrf` reads).

SyRF carries one error value per row (SD or SEM). Observations reported with a 95% CI, IQR or range are written
as mean and SD through :func:`painregen.evidence.dispersion.to_mean_sd`, and the conversions are returned so the
caller can say so. Identifiers that SyRF needs but painregen does not keep (experiment, cohort, outcome ids) are
derived deterministically from the labels (UUID version 5), so the same dataset always gives the same file.
A sham cohort is written as a treatment control when it is the experiment's only sham or the sham that treated
cohorts are normalised against (SyRF's sham + vehicle group).
"""

from __future__ import annotations

import uuid
from pathlib import Path

from painregen.evidence import models as m
from painregen.evidence.dispersion import to_mean_sd
from painregen.evidence.syrf import MINUTES_PER_DAY
from painregen.io.tables import Cell, write_csv

COLUMNS = ["StudyId", "Title", "Authors", "PublicationName", "Year", "Doi", "Url", "ExperimentId",
           "ExperimentLabel", "CohortId", "CohortLabel", "NumberOfAnimals", "IsDiseaseModelControl",
           "DiseaseModelLabel(s)", "IsTreatmentControl", "TreatmentLabel(s)", "OutcomeId", "OutcomeLabel",
           "GreaterIsWorse", "TimeInMinute", "OutcomeAverage", "OutcomeAverageType", "OutcomeUnit", "OutcomeError",
           "ErrorType"]
NAMESPACE = uuid.UUID("5d1f3a52-6a0c-4f7e-9a0e-3c2b8f1d7e11")


def _id(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "\x1f".join(parts)))


def _labels(c: m.Cohort) -> tuple[str | None, str | None]:
    """DiseaseModelLabel(s) and TreatmentLabel(s): from the SyRF description when the cohort came from SyRF."""
    if c.description and "; " in c.description:
        model, treatment = c.description.split("; ", 1)
        return model, treatment
    return None, c.description


def dataset_to_syrf_rows(ds: m.Dataset) -> tuple[list[str], list[dict[str, Cell]], list[str]]:
    """(columns, rows, notes): notes name each observation whose error was converted to an SD."""
    annotation_cols: list[str] = []
    for s in ds.studies:
        annotation_cols += [k for k in s.annotations if k not in annotation_cols]
    rows: list[dict[str, Cell]] = []
    notes: list[str] = []
    for s in ds.studies:
        base: dict[str, Cell] = {"StudyId": s.study_id, "Title": s.title, "Authors": s.authors,
                                 "PublicationName": s.journal, "Year": s.year, "Doi": s.doi,
                                 "Url": f"http://www.ncbi.nlm.nih.gov/pubmed/{s.pmid}" if s.pmid else None,
                                 **{k: s.annotations.get(k) for k in annotation_cols}}
        for e in s.experiments:
            shams = [c.cohort_id for c in e.cohorts if c.role == m.Role.sham]
            linked = {c.sham_cohort for c in e.cohorts if c.sham_cohort}
            for ob in e.observations:
                c, o = e.cohort(ob.cohort_id), e.outcome(ob.outcome_id)
                average, error, etype = ob.average, ob.error, ob.error_type.value
                if ob.error_type not in (m.ErrorType.SD, m.ErrorType.SEM) or ob.average_type != m.AverageType.mean:
                    conv = to_mean_sd(ob.average_type.value, ob.average, etype, error=ob.error, lower=ob.error_low,
                                      upper=ob.error_high, n=ob.n)
                    average, error, etype = conv.mean, conv.sd, "SD"
                    notes.append(f"study {s.study_id}, cohort {c.cohort_id}, outcome {o.outcome_id}: {conv.method}")
                model_label, treatment_label = _labels(c)
                rows.append(base | {
                    "ExperimentId": _id(s.study_id, e.experiment_id), "ExperimentLabel": e.experiment_id,
                    "CohortId": _id(s.study_id, e.experiment_id, c.cohort_id), "CohortLabel": c.cohort_id,
                    "NumberOfAnimals": ob.n, "IsDiseaseModelControl": c.role == m.Role.sham,
                    "DiseaseModelLabel(s)": model_label, "TreatmentLabel(s)": treatment_label,
                    "IsTreatmentControl": c.role == m.Role.control
                    or (c.role == m.Role.sham and (len(shams) == 1 or c.cohort_id in linked)),
                    "OutcomeId": _id(s.study_id, e.experiment_id, o.outcome_id), "OutcomeLabel": o.outcome_id,
                    "GreaterIsWorse": not o.greater_is_better, "TimeInMinute": ob.time_days * MINUTES_PER_DAY,
                    "OutcomeAverage": average, "OutcomeAverageType": "mean", "OutcomeUnit": o.unit,
                    "OutcomeError": error, "ErrorType": etype})
    return COLUMNS + annotation_cols, rows, notes


def write_syrf(ds: m.Dataset, path: Path, *, formula_escape: bool = True) -> list[str]:
    """Write the SyRF CSV (formula-leading text escaped unless ``formula_escape`` is False, see
    :func:`painregen.io.tables.write_csv`); returns the notes on converted errors."""
    columns, rows, notes = dataset_to_syrf_rows(ds)
    write_csv(path, columns, rows, formula_escape=formula_escape)
    return notes

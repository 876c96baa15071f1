"""Read a SyRF quantitative export (CAMARADES Systematic Review Facility) into a Dataset.

One SyRF row is one timepoint of one cohort's outcome. Both header spellings seen in exports are accepted
(``TimeInMinute``/``TimeInMinutes``, ``ErrorType``/``OutcomeErrorType``); labels are trimmed of stray spaces.
Roles: a disease-model control cohort (``IsDiseaseModelControl``) is a sham; a treatment control
(``IsTreatmentControl``) in the disease model is the control; every other cohort is treated. Annotation-question
columns are kept as study annotations. The reviewer's own labels are kept as written (outcome label as the
outcome, ``DiseaseModelLabel(s)`` and ``TreatmentLabel(s)`` as each cohort's ``model_text`` and
``treatment_text``); assay, model, product and appraisal answers are filled from them before analysis by
:func:`painregen.evidence.remap.remap`, with the mappings a person confirmed.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from painregen.evidence import models as m
from painregen.evidence.cells import CellError, as_bool, as_float, as_int, as_text, is_missing
from painregen.evidence.dispersion import normalise_error_type
from painregen.io.problems import ProblemCollector
from painregen.io.tables import Table

REQUIRED = ("StudyId", "ExperimentId", "ExperimentLabel", "CohortId", "CohortLabel", "NumberOfAnimals",
            "IsDiseaseModelControl", "IsTreatmentControl", "OutcomeId", "OutcomeLabel", "GreaterIsWorse",
            "OutcomeAverage", "OutcomeError")
ALTERNATIVES = {"time": ("TimeInMinute", "TimeInMinutes"), "error_type": ("ErrorType", "OutcomeErrorType")}
# Columns that are SyRF bookkeeping, not annotation questions.
SYSTEM = {
    "Title", "Authors", "PublicationName", "AlternateName", "Abstract", "Url", "AuthorAddress", "Year", "Doi",
    "ReferenceType", "Keywords", "PdfRelativePath", "CustomId", "DateTimeStudyAdded", "SystematicSearchId",
    "SystematicSearchName", "Reconciled", "InvestigatorId", "InvestigatorName", "DateTimeDataEntered",
    "DiseaseModelId(s)", "DiseaseModelLabel(s)", "TreatmentId(s)", "TreatmentLabel(s)", "OutcomeAverageType",
    "OutcomeUnit", *REQUIRED, *ALTERNATIVES["time"], *ALTERNATIVES["error_type"],
}
MINUTES_PER_DAY = 1440.0


def looks_like_syrf(columns: list[str]) -> bool:
    return {"StudyId", "CohortLabel", "OutcomeAverage"} <= set(columns)


def _title(text: str) -> str:
    return text.strip().strip('"').strip()


def _pmid(url: str | None) -> str | None:
    if not url:
        return None
    found = re.search(r"pubmed/(\d{1,9})", url)
    return found.group(1) if found else None


def _unique_label(label: str, key: str, used: dict[str, str]) -> str:
    """SyRF labels need not be unique; keep the label, numbering repeats that belong to different ids."""
    candidate, k = label, 2
    while candidate in used and used[candidate] != key:
        candidate, k = f"{label} ({k})", k + 1
    used[candidate] = key
    return candidate


def read_syrf(table: Table) -> m.Dataset:
    problems = ProblemCollector(table.file)
    cols = set(table.columns)
    for c in REQUIRED:
        if c not in cols:
            problems.add(1, c, f"SyRF column '{c}' is missing", "export with the quantitative data option")
    picked = {k: next((c for c in alts if c in cols), None) for k, alts in ALTERNATIVES.items()}
    for k, found in picked.items():
        if found is None:
            problems.add(1, " or ".join(ALTERNATIVES[k]), "SyRF column missing", "export the quantitative data again")
    problems.raise_if_any()
    time_col, err_col = picked["time"] or "", picked["error_type"] or ""
    studies: dict[str, dict[str, Any]] = {}
    for i, row in enumerate(table.rows):
        rownum = table.row_numbers[i]

        def get(col: str, conv: Any, required: bool = True, _row: dict[str, Any] = row, _n: int = rownum) -> Any:
            v = _row.get(col)
            if is_missing(v):
                if required:
                    problems.add(_n, col, f"{col} is empty", f"fill {col}")
                return None
            try:
                return conv(v)
            except (CellError, ValueError) as exc:
                problems.add(_n, col, str(exc), getattr(exc, "fix", None))
                return None

        sid = get("StudyId", as_text)
        if sid is None:
            continue
        st = studies.setdefault(sid, {"row": rownum, "experiments": {}, "exp_labels": {}, "values": row})
        eid = get("ExperimentId", as_text)
        if eid is None:
            continue
        exp = st["experiments"].get(eid)
        if exp is None:
            label = _unique_label(get("ExperimentLabel", as_text) or eid, eid, st["exp_labels"])
            exp = st["experiments"][eid] = {"label": label, "row": rownum, "cohorts": {}, "outcomes": {},
                                            "obs": [], "obs_rows": {}, "c_labels": {}, "o_labels": {}}
        cid, oid = get("CohortId", as_text), get("OutcomeId", as_text)
        n = get("NumberOfAnimals", as_int)
        if n is not None and n < 1:
            problems.add(rownum, "NumberOfAnimals", f"n must be at least 1, got {n}", "check the group size")
            n = None
        disease_ctrl = get("IsDiseaseModelControl", lambda v: any(as_bool(x) for x in as_text(v).split(";")))
        treat_ctrl = get("IsTreatmentControl", lambda v: any(as_bool(x) for x in as_text(v).split(";")))
        gib_worse = get("GreaterIsWorse", as_bool)
        average = get("OutcomeAverage", as_float)
        error = get("OutcomeError", as_float)
        if error is not None and error < 0:
            problems.add(rownum, "OutcomeError", f"error must not be negative, got {error:g}", "check the value")
        etype = get(err_col, normalise_error_type)
        minutes = get(time_col, as_float)
        if None in (cid, oid, n, disease_ctrl, treat_ctrl, gib_worse, average, error, etype, minutes):
            continue
        if cid not in exp["cohorts"]:
            role = m.Role.sham if disease_ctrl else (m.Role.control if treat_ctrl else m.Role.treated)
            model_text = as_text(row.get("DiseaseModelLabel(s)") or "") or None
            treatment_text = as_text(row.get("TreatmentLabel(s)") or "") or None
            desc = "; ".join(x for x in (model_text, treatment_text) if x)
            exp["cohorts"][cid] = {"cohort_id": _unique_label(as_text(row["CohortLabel"]), cid, exp["c_labels"]),
                                   "role": role, "n_randomised": n, "description": desc or None,
                                   "model_text": model_text, "treatment_text": treatment_text,
                                   "source_row": rownum, "_vehicle": bool(treat_ctrl)}
        if oid not in exp["outcomes"]:
            label = as_text(row["OutcomeLabel"])
            exp["outcomes"][oid] = {"outcome_id": _unique_label(label, oid, exp["o_labels"]),
                                    "greater_is_better": not gib_worse,
                                    "unit": as_text(row["OutcomeUnit"]) if not is_missing(row.get("OutcomeUnit"))
                                    else None, "source_row": rownum}
        key = (cid, oid, minutes)
        if key in exp["obs_rows"]:
            problems.add(rownum, time_col, f"duplicated observation: cohort {as_text(row['CohortLabel'])!r}, outcome "
                         f"{as_text(row['OutcomeLabel'])!r} at {minutes:g} minutes is also on row "
                         f"{exp['obs_rows'][key]}", "keep one row per cohort, outcome and time")
            continue
        exp["obs_rows"][key] = rownum
        avg_type = as_text(row.get("OutcomeAverageType") or "mean").lower()
        exp["obs"].append({"cohort_id": exp["cohorts"][cid]["cohort_id"],
                           "outcome_id": exp["outcomes"][oid]["outcome_id"], "time_days": minutes / MINUTES_PER_DAY,
                           "average": average, "average_type": "median" if avg_type == "median" else "mean",
                           "error": error, "error_type": etype, "n": n, "source_row": rownum})
    problems.raise_if_any()
    return _assemble(studies, problems, table.columns)


def _year(value: Any, row: int, problems: ProblemCollector) -> int | None:
    """The publication year of a study's first row; a malformed year ('2019a') is a problem, not a traceback."""
    if is_missing(value):
        return None
    try:
        return as_int(value)
    except CellError as exc:
        problems.add(row, "Year", str(exc), "write the year as four digits, e.g. 2019")
        return None


def _assemble(studies: dict[str, dict[str, Any]], problems: ProblemCollector, columns: list[str]) -> m.Dataset:
    out = []
    for sid, st in studies.items():
        row = st["values"]
        year = _year(row.get("Year"), st["row"], problems)
        doi = None if is_missing(row.get("Doi")) else as_text(row["Doi"])
        # "Not Reported" is an answer here, not a missing value.
        annotations = {c: as_text(row[c]) for c in columns if c not in SYSTEM and row.get(c) is not None}
        exps = []
        for e in st["experiments"].values():
            cohorts = list(e["cohorts"].values())
            shams = [c for c in cohorts if c["role"] == m.Role.sham]
            sham_vehicle = [c for c in shams if c["_vehicle"]]
            for c in cohorts:
                vehicle_sham = sham_vehicle[0]["cohort_id"] if len(shams) > 1 and len(sham_vehicle) == 1 else None
                if c["role"] == m.Role.treated and vehicle_sham:
                    c["sham_cohort"] = vehicle_sham
            exps.append({"experiment_id": e["label"], "source_row": e["row"],
                         "cohorts": [{k: v for k, v in c.items() if not k.startswith("_")} for c in cohorts],
                         "outcomes": list(e["outcomes"].values()), "observations": e["obs"]})
        values = {"study_id": sid, "title": _title(as_text(row.get("Title") or sid)),
                  "authors": None if is_missing(row.get("Authors")) else as_text(row["Authors"]),
                  "year": year,
                  "journal": None if is_missing(row.get("PublicationName")) else as_text(row["PublicationName"]),
                  "doi": doi, "pmid": _pmid(None if is_missing(row.get("Url")) else as_text(row["Url"])),
                  "annotations": annotations, "experiments": exps, "source_row": st["row"]}
        try:
            out.append(m.Study.model_validate(values))
        except ValidationError as exc:
            for err in exc.errors():
                problems.add(st["row"], ".".join(str(x) for x in err["loc"]),
                             err["msg"].removeprefix("Value error, "), None)
    problems.raise_if_any()
    return m.Dataset(studies=out)

"""Read and write whole datasets in every supported format.

Formats: ``template`` (CSV, with optional sidecars ``NAME.mechanisms.csv``, ``NAME.adverse_events.csv`` and
``NAME.truth.json``; or an XLSX workbook), ``syrf`` (SyRF quantitative export CSV), ``json`` (the nested model)
and ``datapackage`` (a Frictionless data package directory or its ``datapackage.json``). metafor-style CSVs hold
effect-size inputs, not the animal-level hierarchy: they are read by :mod:`painregen.effects`, never imported.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from painregen import __version__
from painregen.evidence import models as m
from painregen.evidence.build import build_dataset
from painregen.evidence.flatten import dataset_to_tables
from painregen.evidence.limits import check_truth, storable_problems
from painregen.evidence.syrf import looks_like_syrf, read_syrf
from painregen.evidence.template_spec import ADVERSE_SHEET, MAIN_SHEET, MECHANISM_SHEET, SHEETS
from painregen.evidence.terms import check_terms
from painregen.io.jsonsafe import load_json
from painregen.io.problems import InvalidDataError, Problem
from painregen.io.tables import decode_text, read_csv, read_csv_header, read_xlsx, write_csv

FORMATS = ("auto", "template", "syrf", "json", "datapackage", "metafor")
METAFOR_COLUMNS = {"m1i", "m2i", "yi", "ai", "sd1i", "se1i"}


def sidecar(path: Path, kind: str) -> Path:
    return path.with_name(f"{path.stem}.{kind}{'.json' if kind == 'truth' else '.csv'}")


def detect_format(path: Path) -> str:
    """Guess the format of a file from its name and header."""
    if path.is_dir() or path.name == "datapackage.json":
        return "datapackage"
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in (".xlsx", ".xlsm"):
        return "template"
    if suffix in (".csv", ".tsv", ".txt"):
        columns = [h for h in read_csv_header(path) if h]
        if looks_like_syrf(columns):
            return "syrf"
        if METAFOR_COLUMNS & set(columns) and "cohort_id" not in columns:
            return "metafor"
        return "template"
    raise InvalidDataError([Problem(path.name, None, None, f"unknown file type '{suffix}'",
                                    "use .csv, .xlsx, .json or a datapackage directory")])


def read_dataset(path: Path, fmt: str = "auto") -> tuple[m.Dataset, str]:
    """Read a file into a validated Dataset; raises InvalidDataError listing every problem."""
    if not path.exists():
        raise InvalidDataError([Problem(str(path), None, None, "no such file", "check the path")])
    fmt = detect_format(path) if fmt == "auto" else fmt
    if fmt == "metafor":
        raise InvalidDataError([Problem(path.name, None, None, "a metafor-style file holds effect-size inputs, not "
                                        "studies, cohorts and observations", "use `painregen effects` / `painregen "
                                        "meta` on it, or convert it to the painregen template")])
    if fmt == "syrf":
        ds = read_syrf(read_csv(path))
    elif fmt == "json":
        ds = _read_json(path)
    elif fmt == "datapackage":
        from painregen.evidence.datapackage import read_datapackage

        ds = read_datapackage(path)
    elif path.suffix.lower() in (".xlsx", ".xlsm"):
        sheets = read_xlsx(path)
        if MAIN_SHEET not in sheets:
            raise InvalidDataError([Problem(path.name, None, None, f"no '{MAIN_SHEET}' sheet",
                                            "start from `painregen template -o FILE.xlsx`")])
        ds = build_dataset(sheets[MAIN_SHEET], sheets.get(MECHANISM_SHEET), sheets.get(ADVERSE_SHEET))
        from painregen.evidence.xlsx_template import read_workbook_truth

        workbook_truth = read_workbook_truth(path)
        if workbook_truth is not None:
            ds = ds.model_copy(update={"truth": workbook_truth})
    else:
        extra = {k: read_csv(sidecar(path, k)) for k in (MECHANISM_SHEET, ADVERSE_SHEET) if sidecar(path, k).exists()}
        ds = build_dataset(read_csv(path), extra.get(MECHANISM_SHEET), extra.get(ADVERSE_SHEET))
        truth = sidecar(path, "truth")
        if truth.exists():
            doc = load_json(decode_text(truth.read_bytes(), truth.name), truth.name)
            ds = ds.model_copy(update={"truth": check_truth(doc, truth.name, "truth sidecar")})
    if not ds.studies:
        raise InvalidDataError([Problem(path.name, None, None, "the file holds no studies", "add data rows")])
    problems = check_terms(ds, path.name)
    if problems:
        raise InvalidDataError(problems)
    storable_problems(ds, path.name).raise_if_any()
    return ds, fmt


def _read_json(path: Path) -> m.Dataset:
    doc: Any = load_json(decode_text(path.read_bytes(), path.name), path.name)
    if isinstance(doc, dict) and "dataset" in doc:
        doc = doc["dataset"]
    try:
        return m.Dataset.model_validate(doc)
    except ValidationError as exc:
        raise InvalidDataError(
            Problem(path.name, None, ".".join(str(x) for x in e["loc"]), e["msg"].removeprefix("Value error, "))
            for e in exc.errors()
        ) from None


def write_dataset(ds: m.Dataset, path: Path, fmt: str = "auto", *, formula_escape: bool = True,
                  notes: list[str] | None = None) -> list[Path]:
    """Write a Dataset; returns the files written. The format follows the suffix unless given.

    CSV and XLSX text cells that a spreadsheet would run as formulas get a leading quote unless
    ``formula_escape`` is False (painregen's readers remove it again); ``notes`` receives a line for each cell an
    XLSX export had to change to fit the workbook (text cut to 32,767 characters, control characters dropped).
    """
    suffix = path.suffix.lower()
    if fmt == "syrf":
        from painregen.evidence.syrf_export import write_syrf

        write_syrf(ds, path, formula_escape=formula_escape)
        return [path]
    if fmt == "datapackage" or (fmt == "auto" and suffix == ""):
        from painregen.evidence.datapackage import write_datapackage

        return [write_datapackage(ds, path, formula_escape=formula_escape)]
    if fmt == "json" or (fmt == "auto" and suffix == ".json"):
        doc = {"format": "painregen-dataset", "painregen_version": __version__, "simulated": ds.simulated,
               "dataset": ds.model_dump(mode="json")}
        path.write_text(json.dumps(doc, indent=1, ensure_ascii=False), encoding="utf-8")
        return [path]
    if suffix in (".xlsx", ".xlsm"):
        from painregen.evidence.xlsx_template import write_template_xlsx

        changed = write_template_xlsx(path, ds, formula_escape=formula_escape)
        if notes is not None:
            notes.extend(changed.summary())
        return [path]
    if suffix != ".csv":
        raise ValueError(f"cannot write '{suffix}' files: use .csv, .xlsx, .json or a directory")
    tables = dataset_to_tables(ds)
    written = []
    for sheet in SHEETS:
        columns, rows = tables[sheet]
        if sheet != MAIN_SHEET and not rows:
            continue
        target = path if sheet == MAIN_SHEET else sidecar(path, sheet)
        write_csv(target, columns, rows, formula_escape=formula_escape)
        written.append(target)
    if ds.truth is not None:
        sidecar(path, "truth").write_text(json.dumps(ds.truth, indent=1), encoding="utf-8")
        written.append(sidecar(path, "truth"))
    return written

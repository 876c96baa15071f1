"""Write and read a dataset as a Frictionless Tabular Data Package (https://specs.frictionlessdata.io/).

A package is a directory holding ``datapackage.json`` and one CSV per template sheet (``observations.csv``,
``mechanisms.csv``, ``adverse_events.csv``, written by :func:`painregen.evidence.flatten.dataset_to_tables`).
Each resource carries a Table Schema generated from :mod:`painregen.evidence.template_spec`: field type,
description, and the ``required``, ``enum`` and ``pattern`` constraints (vocabulary values are written as
CURIEs). Custom package properties record ``simulated``, the simulator's ``truth`` (for simulated data) and
``painregen_version``. Licences are left to the data owner: add a ``licenses`` property before publishing.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import Any

from painregen import __version__
from painregen.evidence import models as m
from painregen.evidence.build import build_dataset
from painregen.evidence.dictionary import DictEntry, data_dictionary
from painregen.evidence.flatten import dataset_to_tables
from painregen.evidence.template_spec import ADVERSE_SHEET, MAIN_SHEET, MECHANISM_SHEET, PREFIXES, SHEETS, Column
from painregen.io.jsonsafe import load_json
from painregen.io.problems import InvalidDataError, Problem
from painregen.io.tables import Cell, Table, decode_text, read_csv, write_csv

__all__ = ["DESCRIPTOR", "PACKAGE_PROFILE", "read_datapackage", "table_schema", "write_datapackage"]

DESCRIPTOR = "datapackage.json"
PACKAGE_PROFILE = "tabular-data-package"
CURIE_XSD_PATTERN = r"[A-Za-z][A-Za-z0-9_.]*:\S+"  # models.CURIE_PATTERN without the anchors (XSD regexes are)
_TYPES = {"term": "string", "enum": "string", "list": "string", "string": "string", "integer": "integer",
          "number": "number", "boolean": "boolean"}


def _field(name: str, col: Column | None, entry: DictEntry | None, text_cells: bool) -> dict[str, Any]:
    """Table Schema field descriptor of one column (a numeric column holding text, as a dose may, is a string)."""
    kind = _TYPES[col.type_name] if col is not None else "string"
    out: dict[str, Any] = {"name": name, "type": "string" if text_cells and kind in ("integer", "number") else kind}
    if entry is not None:
        out["title"] = entry.title
        description = entry.description
        if entry.unit:
            description += f" Unit: {entry.unit}."
        out["description"] = description
    constraints: dict[str, Any] = {"required": bool(col is not None and col.required)}
    if col is not None:
        if col.vocabulary:
            out["vocabulary"] = col.vocabulary
            constraints["pattern"] = CURIE_XSD_PATTERN
        elif col.type_name in ("enum", "string") and col.permitted:
            constraints["enum"] = list(col.permitted)
    out["constraints"] = constraints
    return out


def table_schema(sheet: str, columns: list[str] | None = None, rows: list[dict[str, Cell]] | None = None
                 ) -> dict[str, Any]:
    """Table Schema of a template sheet; ``columns`` adds the dataset's rob_/arrive_/annotation_ columns, and
    ``rows`` (the cells to be written) turns a numeric column that holds text into a string column."""
    spec = {c.name: c for c in SHEETS[sheet]}
    entries = {e.variable: e for e in data_dictionary() if e.sheet == sheet}
    prefix_entries = {p: next((e for k, e in entries.items() if k.startswith(p + "<")), None) for p in PREFIXES}
    fields = []
    for name in columns if columns is not None else list(spec):
        col = spec.get(name)
        entry = entries.get(name)
        if col is None:
            entry = next((e for p, e in prefix_entries.items() if name.startswith(p)), None)
        text_cells = any(isinstance(r.get(name), str) for r in rows or [])
        fields.append(_field(name, col, entry, text_cells))
    return {"fields": fields, "missingValues": [""]}


def write_datapackage(ds: m.Dataset, directory: Path, *, formula_escape: bool = True) -> Path:
    """Write ``ds`` as a data package in ``directory`` (created if needed); returns the descriptor's path.

    The CSV files escape formula-leading text like every painregen CSV export (``formula_escape``, see
    :func:`painregen.io.tables.write_csv`): people open them in spreadsheets too."""
    directory.mkdir(parents=True, exist_ok=True)
    tables = dataset_to_tables(ds)
    resources = []
    for sheet in SHEETS:
        columns, rows = tables[sheet]
        filename = f"{sheet}.csv"
        write_csv(directory / filename, columns, rows, formula_escape=formula_escape)
        resources.append({
            "name": sheet,
            "path": filename,
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "dialect": {"delimiter": ",", "quoteChar": '"', "doubleQuote": True, "header": True},
            "schema": table_schema(sheet, columns, rows),
        })
    descriptor: dict[str, Any] = {
        "profile": PACKAGE_PROFILE,
        "name": "painregen-dataset",
        "title": f"painregen dataset ({len(ds.studies)} studies)",
        "description": "Preclinical studies in the painregen template: one row per cohort x outcome x time on "
        "'observations'; mechanism claims and adverse events on their own resources. Add a licence before "
        "publishing.",
        "resources": resources,
        "simulated": ds.simulated,
        "painregen_version": __version__,
    }
    if ds.truth is not None:
        descriptor["truth"] = ds.truth
    path = directory / DESCRIPTOR
    try:
        text = json.dumps(descriptor, indent=2, ensure_ascii=False, allow_nan=False)
    except ValueError:
        raise ValueError("the dataset's truth holds NaN or infinite numbers, which JSON cannot store") from None
    path.write_text(text + "\n", encoding="utf-8")
    return path


def _fail(message: str, fix: str | None = None, file: str = DESCRIPTOR) -> InvalidDataError:
    return InvalidDataError([Problem(file, None, None, message, fix)])


def _load_descriptor(path: Path) -> tuple[Path, dict[str, Any]]:
    descriptor = path / DESCRIPTOR if path.is_dir() else path
    if not descriptor.is_file():
        raise _fail(f"no {DESCRIPTOR} at {descriptor}", "give the package directory or its datapackage.json",
                    descriptor.name)
    doc = load_json(decode_text(descriptor.read_bytes(), descriptor.name), descriptor.name)
    if not isinstance(doc, dict) or not isinstance(doc.get("resources"), list):
        raise _fail("the descriptor has no 'resources' list", "write a data package descriptor", descriptor.name)
    return descriptor, doc


def _resource_table(base: Path, resource: dict[str, Any], descriptor: str) -> Table:
    name = resource.get("name")
    rel = resource.get("path")
    if not isinstance(rel, str) or not rel:
        raise _fail(f"resource '{name}' has no single 'path'", "give the CSV file name as 'path'", descriptor)
    pure = PurePosixPath(rel)
    if pure.is_absolute() or ".." in pure.parts or "://" in rel:
        raise _fail(f"resource '{name}' path {rel!r} is not a relative path inside the package",
                    "keep the CSV files next to datapackage.json", descriptor)
    file = base / pure
    if not file.is_file():
        raise _fail(f"resource '{name}': file {rel!r} not found", "check the resource path", descriptor)
    return read_csv(file, display_name=rel)


def read_datapackage(path: Path) -> m.Dataset:
    """Read a package written by :func:`write_datapackage` (``path``: the directory or its ``datapackage.json``).

    Problems name the resource's file (``observations.csv:4:n: ...``); ``simulated`` and ``truth`` are restored
    from the descriptor.
    """
    descriptor, doc = _load_descriptor(path)
    by_name = {r.get("name"): r for r in doc["resources"] if isinstance(r, dict)}
    if MAIN_SHEET not in by_name:
        raise _fail(f"no '{MAIN_SHEET}' resource", f"name the main table's resource '{MAIN_SHEET}'", descriptor.name)
    tables = {name: _resource_table(descriptor.parent, by_name[name], descriptor.name)
              for name in SHEETS if name in by_name}
    ds = build_dataset(tables[MAIN_SHEET], tables.get(MECHANISM_SHEET), tables.get(ADVERSE_SHEET))
    simulated = doc.get("simulated", ds.simulated)
    if not isinstance(simulated, bool):
        raise _fail(f"'simulated' must be true or false, not {simulated!r}", "write true or false", descriptor.name)
    truth = doc.get("truth")
    if truth is not None and not isinstance(truth, dict):
        raise _fail("'truth' must be a JSON object", "write the simulator's parameters as an object",
                    descriptor.name)
    return m.Dataset(studies=ds.studies, simulated=simulated, truth=truth)

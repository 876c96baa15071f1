"""The painregen data dictionary, generated from the evidence model and the template specification.

Nothing here is typed by hand: every entry's description, type, requirement and permitted values come from
the pydantic fields of :mod:`painregen.evidence.models` and the columns of
:mod:`painregen.evidence.template_spec`; vocabulary sizes and identifier systems come from the shipped
vocabularies (:mod:`painregen.evidence.vocab`). The result plays the part of the data dictionary that
ODC-SCI publishes with its datasets: one line per variable, saying what it means and how it is written.

Three kinds of entry: the template's columns (sheet by sheet), the study-level columns named by a prefix
(``rob_<item>``, ``arrive_<item>``, ``annotation_<question>``), and model fields that no template column
carries (``sheet`` is empty for those).
"""

from __future__ import annotations

import csv
import io
import types
import typing
from collections import Counter
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel

from painregen import __version__
from painregen.evidence import models as m
from painregen.evidence.template_spec import (
    ANNOTATION_PREFIX,
    ARRIVE_PREFIX,
    MAIN_SHEET,
    ROB_PREFIX,
    SHEETS,
    Column,
    _unwrap,
)
from painregen.evidence.vocab import get_vocabulary, vocabulary_names

__all__ = [
    "CSV_COLUMNS",
    "DictEntry",
    "data_dictionary",
    "identifier_systems",
    "model_leaf_fields",
    "to_csv",
    "to_json_schema",
    "to_markdown",
    "undocumented_fields",
]

#: Full names of the identifier systems (CURIE prefixes) used by the vocabularies.
PREFIX_NAMES: dict[str, str] = {
    "NCBITaxon": "NCBI Taxonomy",
    "RS": "Rat Strain Ontology",
    "MGI": "Mouse Genome Informatics",
    "CL": "Cell Ontology",
    "UBERON": "Uberon anatomy ontology",
    "GO": "Gene Ontology",
    "MeSH": "Medical Subject Headings",
    "MESH": "Medical Subject Headings",
    "PATO": "Phenotype And Trait Ontology",
    "NCIT": "NCI Thesaurus",
    "OBI": "Ontology for Biomedical Investigations",
    "MMO": "Measurement Method Ontology",
    "PRG": "painregen local vocabulary",
}

#: Columns of the CSV rendering, in order.
CSV_COLUMNS = ("variable", "sheet", "level", "title", "description", "type", "unit", "required",
               "permitted_values", "vocabulary", "vocabulary_size", "identifier_system", "example", "model_field")

# (prefix, model field holding the answers, placeholder in the column name)
PREFIX_FIELDS: tuple[tuple[str, str, str], ...] = (
    (ROB_PREFIX, "rob", "item"),
    (ARRIVE_PREFIX, "arrive", "item"),
    (ANNOTATION_PREFIX, "annotations", "question"),
)


@dataclass(frozen=True)
class DictEntry:
    """One variable of the data dictionary."""

    variable: str
    sheet: str  # template sheet; "" for a model field that no template column carries
    level: str
    title: str
    description: str
    type: str  # term | enum | integer | number | quantity | boolean | string | list | object
    unit: str
    required: bool
    permitted: tuple[str, ...]
    vocabulary: str | None
    vocabulary_size: int | None
    identifier_system: str
    example: str
    model_field: str  # "Class.field"

    @property
    def permitted_text(self) -> str:
        """Permitted values as one line: the enum values, or the vocabulary and how to list it."""
        if self.vocabulary:
            return (f"a term of the {self.vocabulary} vocabulary ({self.vocabulary_size} terms; "
                    f"`painregen vocab list {self.vocabulary}`); label, synonym or CURIE")
        return " | ".join(self.permitted)

    def as_row(self) -> dict[str, str]:
        d = asdict(self)
        d["required"] = "yes" if self.required else "no"
        d["permitted_values"] = self.permitted_text
        d["vocabulary"] = self.vocabulary or ""
        d["vocabulary_size"] = "" if self.vocabulary_size is None else str(self.vocabulary_size)
        return {k: str(d[k]) for k in CSV_COLUMNS}


# ----------------------------------------------------------------------------------------------------------------
# Walking the model


def _record_types(annotation: Any) -> list[type[BaseModel]]:
    """Record classes nested in a field's annotation (``Cohort``, ``list[Cohort]``, ``Dose | None``)."""
    base = _unwrap(annotation)
    if base is list:
        args = [_unwrap(a) for a in typing.get_args(_strip_optional(annotation))]
        return [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
    return [base] if isinstance(base, type) and issubclass(base, BaseModel) else []


def _strip_optional(annotation: Any) -> Any:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
        return args[0]
    return annotation


def _owner(cls: type[BaseModel], field: str) -> type[BaseModel]:
    """The class that declares ``field`` (``Record`` for the inherited ``source_row``)."""
    for base in reversed(cls.__mro__):
        if isinstance(base, type) and issubclass(base, BaseModel) and field in getattr(base, "model_fields", {}):
            return base
    return cls


def model_leaf_fields(root: type[BaseModel] = m.Dataset) -> list[tuple[type[BaseModel], str]]:
    """Every (declaring class, field) under ``root`` that holds a value rather than nested records, in order."""
    out: list[tuple[type[BaseModel], str]] = []
    seen: set[type[BaseModel]] = set()

    def walk(cls: type[BaseModel]) -> None:
        if cls in seen:
            return
        seen.add(cls)
        for name, info in cls.model_fields.items():
            nested = _record_types(info.annotation)
            if nested:  # structure (experiments, cohorts, intervention, dose ...): described by its records
                for sub in nested:
                    walk(sub)
                continue
            key = (_owner(cls, name), name)
            if key not in out:
                out.append(key)

    walk(root)
    return out


def undocumented_fields(root: type[BaseModel] = m.Dataset) -> list[str]:
    """``Class.field`` of every value-holding field under ``root`` without a description."""
    return [f"{cls.__name__}.{name}" for cls, name in model_leaf_fields(root)
            if not (cls.model_fields[name].description or "").strip()]


# ----------------------------------------------------------------------------------------------------------------
# Vocabularies


def identifier_systems(vocabulary: str) -> list[str]:
    """CURIE prefixes of a vocabulary's terms, most frequent first."""
    counts = Counter(t.curie.split(":", 1)[0] for t in get_vocabulary(vocabulary))
    return [p for p, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def _systems_text(prefixes: list[str]) -> str:
    return "; ".join(f"{p} ({PREFIX_NAMES[p]})" if p in PREFIX_NAMES else p for p in prefixes)


@cache
def _enum_vocabularies() -> dict[frozenset[str], str]:
    """Vocabularies whose ``code`` column spells the values of a model enum (e.g. ``sex``), by code set."""
    out: dict[frozenset[str], str] = {}
    for name in vocabulary_names():
        codes = frozenset(t.extra.get("code", "") for t in get_vocabulary(name))
        if codes and "" not in codes:
            out.setdefault(codes, name)
    return out


def _enum_vocabulary(col: Column) -> str | None:
    values = frozenset(col.permitted)
    if not values:
        return None
    return _enum_vocabularies().get(values)


# ----------------------------------------------------------------------------------------------------------------
# Units


def _unit(col: Column, unit_columns: dict[type[BaseModel], str]) -> str:
    """Unit of a field: declared in the model, read from the name (``_days``, ``_weeks``, ``_g``), a count of
    animals (``n``, ``n_*``), or given by the record's own unit column (dose, outcome values)."""
    extra = col.info.json_schema_extra
    if isinstance(extra, dict) and "unit" in extra:
        return str(extra["unit"])
    name = col.field
    for suffix, unit in (("_days", "days"), ("_weeks", "weeks"), ("_g", "g")):
        if name.endswith(suffix):
            return unit
    if col.type_name == "integer" and (name == "n" or name.startswith("n_")):
        return "animals"
    if col.type_name == "number":
        owner = col.record
        if owner is m.Observation:  # an observation's values are in its outcome measure's unit
            owner = m.OutcomeMeasure
        if owner in unit_columns:
            return f"as given in {unit_columns[owner]}"
    return ""


def _unit_columns() -> dict[type[BaseModel], str]:
    """Record class -> name of the template column holding that record's ``unit`` field."""
    return {c.record: c.name for cols in SHEETS.values() for c in cols if c.field == "unit"}


# ----------------------------------------------------------------------------------------------------------------
# Entries


def _type_name(col: Column) -> str:
    """The column's type; the dose is a ``quantity``: a number written as papers write it, with an optional unit."""
    if col.record is m.Dose and col.field == "amount":
        return "quantity"
    base = col.base_type
    return "object" if base is dict or typing.get_origin(base) is dict else col.type_name


def _entry(col: Column, sheet: str, unit_columns: dict[type[BaseModel], str]) -> DictEntry:
    vocab = col.vocabulary
    size = len(get_vocabulary(vocab)) if vocab else None
    if vocab:
        systems = _systems_text(identifier_systems(vocab))
    else:
        enum_vocab = _enum_vocabulary(col)
        systems = _systems_text(identifier_systems(enum_vocab)) if enum_vocab else ""
    return DictEntry(
        variable=col.name,
        sheet=sheet,
        level=col.level,
        title=col.title,
        description=col.description,
        type=_type_name(col),
        unit=_unit(col, unit_columns),
        required=col.required if sheet else col.info.is_required(),
        permitted=tuple(col.permitted),
        vocabulary=vocab,
        vocabulary_size=size,
        identifier_system=systems,
        example=col.example,
        model_field=f"{_owner(col.record, col.field).__name__}.{col.field}",
    )


def _prefix_entries() -> list[DictEntry]:
    out = []
    for prefix, field, placeholder in PREFIX_FIELDS:
        info = m.Study.model_fields[field]
        out.append(DictEntry(
            variable=f"{prefix}<{placeholder}>",
            sheet=MAIN_SHEET,
            level="study",
            title=f"{field.capitalize()} answers",
            description=(f"{info.description} One column per {placeholder}, named {prefix}<{placeholder}>; "
                         "the answer is repeated on every row of the study."),
            type="string",
            unit="",
            required=False,
            permitted=(),
            vocabulary=None,
            vocabulary_size=None,
            identifier_system="",
            example="",
            model_field=f"Study.{field}",
        ))
    return out


def _level_of(cls: type[BaseModel]) -> str:
    for cols in SHEETS.values():
        for c in cols:
            if c.record is cls:
                return c.level
    return cls.__name__.lower()


def data_dictionary() -> list[DictEntry]:
    """Entries for every template column, the prefixed study columns, and model fields no column carries."""
    unit_columns = _unit_columns()
    entries = [_entry(col, sheet, unit_columns) for sheet, cols in SHEETS.items() for col in cols]
    entries += _prefix_entries()
    covered = {e.model_field for e in entries}
    for cls, name in model_leaf_fields():
        key = f"{cls.__name__}.{name}"
        if key in covered:
            continue
        col = Column(name, _level_of(cls), cls, name, required=False)
        entries.append(_entry(col, "", unit_columns))
        covered.add(key)
    return entries


# ----------------------------------------------------------------------------------------------------------------
# Renderers


def to_csv(entries: list[DictEntry]) -> str:
    """The dictionary as CSV text (one row per entry; columns :data:`CSV_COLUMNS`)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(CSV_COLUMNS), lineterminator="\n")
    w.writeheader()
    for e in entries:
        w.writerow(e.as_row())
    return buf.getvalue()


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_table(entries: list[DictEntry], with_sheet: bool) -> list[str]:
    head = ["Variable", "Level", "Required", "Type", "Unit", "Description", "Permitted values",
            "Identifier system", "Example"]
    if not with_sheet:
        head[0] = "Field"
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for e in entries:
        name = f"`{e.variable}`" if with_sheet else f"`{e.model_field}`"
        cells = [name, e.level, "yes" if e.required else "", e.type, e.unit, e.description, e.permitted_text,
                 e.identifier_system, f"`{e.example}`" if e.example else ""]
        lines.append("| " + " | ".join(_md(c) for c in cells) + " |")
    return lines


def to_markdown(entries: list[DictEntry]) -> str:
    """The dictionary as Markdown: one table per template sheet, then the model-only fields."""
    lines = [
        "# painregen data dictionary",
        "",
        f"Generated by painregen {__version__} from the evidence model and the template specification "
        "(`painregen dictionary`). One row per variable; `painregen vocab list NAME` lists a vocabulary's terms.",
        "",
    ]
    for sheet in SHEETS:
        lines += [f"## Sheet `{sheet}`", ""]
        lines += _md_table([e for e in entries if e.sheet == sheet], with_sheet=True)
        lines.append("")
    model_only = [e for e in entries if not e.sheet]
    if model_only:
        lines += ["## Model fields not written as template columns", ""]
        lines += _md_table(model_only, with_sheet=False)
        lines.append("")
    return "\n".join(lines)


def _enrich(node: Any, vocab_info: dict[str, dict[str, Any]]) -> None:
    if isinstance(node, dict):
        name = node.get("vocabulary")
        if isinstance(name, str) and name in vocab_info:
            node["x-vocabulary"] = vocab_info[name]
        for v in node.values():
            _enrich(v, vocab_info)
    elif isinstance(node, list):
        for v in node:
            _enrich(v, vocab_info)


def to_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a :class:`~painregen.evidence.models.Dataset`.

    Built by pydantic's ``model_json_schema()``; every property bound to a vocabulary keeps its ``vocabulary``
    keyword and gains ``x-vocabulary`` (name, number of terms, identifier systems, the command listing them);
    each record definition gains ``x-template-columns``, mapping its fields to template sheet columns.
    """
    schema = m.Dataset.model_json_schema()
    names = {c.vocabulary for cols in SHEETS.values() for c in cols if c.vocabulary}
    names |= {Column(n, "", cls, n, False).vocabulary or "" for cls, n in model_leaf_fields()} - {""}
    vocab_info = {
        n: {"name": n, "size": len(get_vocabulary(n)), "identifier_systems": identifier_systems(n),
            "list_command": f"painregen vocab list {n}"}
        for n in sorted(names)
    }
    _enrich(schema, vocab_info)
    for cols_sheet, cols in SHEETS.items():
        for c in cols:
            definition = schema.get("$defs", {}).get(c.record.__name__)
            if definition is None:
                continue
            mapping = definition.setdefault("x-template-columns", {})
            mapping.setdefault(c.field, [])
            ref = f"{cols_sheet}.{c.name}"
            if ref not in mapping[c.field]:
                mapping[c.field].append(ref)
    out: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "painregen Dataset",
        "description": (schema.pop("description", "") + " " if schema.get("description") else "")
        + f"Generated by painregen {__version__} (`painregen dictionary --format json-schema`).",
        "x-painregen-version": __version__,
    }
    schema.pop("title", None)
    out.update(schema)
    return out

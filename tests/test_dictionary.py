"""The data dictionary: generated from the model and the template spec, complete, and rendered three ways."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from painregen.cli.dictionary_cmd import dictionary_command, render_dictionary
from painregen.evidence.dictionary import (
    CSV_COLUMNS,
    data_dictionary,
    identifier_systems,
    model_leaf_fields,
    to_csv,
    to_json_schema,
    to_markdown,
    undocumented_fields,
)
from painregen.evidence.template_spec import SHEETS
from painregen.evidence.vocab import get_vocabulary


def by_key() -> dict[tuple[str, str], object]:
    return {(e.sheet, e.variable): e for e in data_dictionary()}


def test_every_template_column_has_an_entry_with_its_spec() -> None:
    entries = by_key()
    for sheet, cols in SHEETS.items():
        for c in cols:
            e = entries[(sheet, c.name)]
            assert e.description == c.description and e.description  # type: ignore[attr-defined]
            assert e.required == c.required  # type: ignore[attr-defined]
            assert e.type == ("quantity" if c.name == "dose" else c.type_name)  # type: ignore[attr-defined]
            assert e.example == c.example  # type: ignore[attr-defined]


def test_every_model_field_is_documented_and_in_the_dictionary() -> None:
    assert undocumented_fields() == []
    fields = {e.model_field for e in data_dictionary()}
    leaves = {f"{cls.__name__}.{name}" for cls, name in model_leaf_fields()}
    assert leaves <= fields
    # the walk reaches every record: spot-check fields from the deepest levels
    assert {"Dose.text", "Dose.unit", "Intervention.route", "Observation.error_high", "AdverseEvent.n_at_risk",
            "MechanismClaim.evidence", "Study.rob", "Dataset.truth", "Record.source_row"} <= leaves
    assert all(e.description.strip() for e in data_dictionary())


def test_undocumented_field_is_detected() -> None:
    class Leaf(BaseModel):
        documented: int = Field(description="Has one.")
        bare: str = ""

    class Root(BaseModel):
        items: list[Leaf] = Field(default_factory=list)
        label: str | None = Field(default=None, description="  ")

    assert undocumented_fields(Root) == ["Leaf.bare", "Root.label"]


def test_vocabulary_entries_name_their_vocabulary_size_and_identifier_systems() -> None:
    entries = by_key()
    species = entries[("observations", "species")]
    assert species.vocabulary == "species"  # type: ignore[attr-defined]
    assert species.vocabulary_size == len(get_vocabulary("species"))  # type: ignore[attr-defined]
    assert species.identifier_system == "NCBITaxon (NCBI Taxonomy)"  # type: ignore[attr-defined]
    assert "painregen vocab list species" in species.permitted_text  # type: ignore[attr-defined]
    strain = entries[("observations", "strain")]
    assert {"RS", "MGI"} <= set(identifier_systems("strain"))
    assert "RS (Rat Strain Ontology)" in strain.identifier_system  # type: ignore[attr-defined]
    assert identifier_systems("species") == ["NCBITaxon"]
    sex = entries[("observations", "sex")]  # an enum whose values are the codes of the sex vocabulary
    assert sex.permitted == ("male", "female", "mixed", "unknown")  # type: ignore[attr-defined]
    assert "PATO" in sex.identifier_system  # type: ignore[attr-defined]


@pytest.mark.parametrize(("sheet", "variable", "unit"), [
    ("observations", "time_days", "days"),
    ("observations", "timing_days", "days"),
    ("observations", "age_weeks", "weeks"),
    ("observations", "weight_g", "g"),
    ("observations", "n", "animals"),
    ("observations", "dose", "as given in dose_unit"),
    ("observations", "average", "as given in unit"),
    ("observations", "error_low", "as given in unit"),
    ("observations", "passage", ""),
    ("observations", "year", ""),
    ("adverse_events", "n_events", "animals"),
])
def test_units(sheet: str, variable: str, unit: str) -> None:
    assert by_key()[(sheet, variable)].unit == unit  # type: ignore[attr-defined]


def test_prefixed_columns_are_documented() -> None:
    entries = by_key()
    rob = entries[("observations", "rob_<item>")]
    assert rob.model_field == "Study.rob"  # type: ignore[attr-defined]
    assert "yes / no / unclear" in rob.description  # type: ignore[attr-defined]
    assert ("observations", "annotation_<question>") in entries


def test_csv_rendering_has_one_row_per_entry() -> None:
    entries = data_dictionary()
    rows = list(csv.DictReader(io.StringIO(to_csv(entries))))
    assert len(rows) == len(entries)
    assert tuple(rows[0]) == CSV_COLUMNS
    dose_unit = next(r for r in rows if r["variable"] == "dose_unit")
    assert dose_unit["permitted_values"] == "cells | ug | particles | mg | ng | uL | mL"
    assert dose_unit["required"] == "no"


def test_markdown_rendering_lists_every_variable_once_per_sheet() -> None:
    entries = data_dictionary()
    text = to_markdown(entries)
    for sheet in SHEETS:
        assert f"## Sheet `{sheet}`" in text
    assert text.count("| `study_id` |") == 3
    assert "| `Dose.text` |" in text
    assert "male \\| female" in text  # pipes inside cells are escaped


def test_json_schema_is_enriched_and_validates_a_dataset() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from test_xlsx_template import small_dataset

    schema = to_json_schema()
    assert schema["$schema"].endswith("2020-12/schema")
    species = schema["$defs"]["Experiment"]["properties"]["species"]
    assert species["x-vocabulary"]["size"] == len(get_vocabulary("species"))
    assert species["x-vocabulary"]["identifier_systems"] == ["NCBITaxon"]
    assert schema["$defs"]["Dose"]["x-template-columns"]["amount"] == ["observations.dose"]
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    doc = small_dataset().model_dump(mode="json")
    assert list(validator.iter_errors(doc)) == []
    doc["studies"][0]["experiments"][0]["observations"][0]["n"] = 0
    doc["studies"][0]["experiments"][0]["species"] = "rat"  # not a CURIE
    assert len(list(validator.iter_errors(doc))) == 2


def test_dictionary_command_writes_each_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for fmt, name in (("csv", "d.csv"), ("md", "d.md"), ("json-schema", "d.json")):
        out = tmp_path / name
        dictionary_command(format=fmt, output=out)  # type: ignore[arg-type]
        assert out.read_text(encoding="utf-8") == render_dictionary(fmt)
    assert json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))["title"] == "painregen Dataset"
    dictionary_command(format="md", output=None)  # type: ignore[arg-type]
    assert capsys.readouterr().out.startswith("# painregen data dictionary")


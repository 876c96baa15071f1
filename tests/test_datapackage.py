"""Frictionless data packages: descriptor content, round trip with simulated/truth, problems, spec validation."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from painregen import __version__
from painregen.evidence import models as m
from painregen.evidence.datapackage import read_datapackage, table_schema, write_datapackage
from painregen.evidence.template_spec import MAIN_COLUMNS, SHEETS
from painregen.io.problems import InvalidDataError
from test_xlsx_template import small_dataset

from conftest import strip_rows


def simulated_dataset() -> m.Dataset:
    ds = small_dataset()
    studies = [s.model_copy(update={"simulated": True}) for s in ds.studies]
    truth = {"seed": 7, "tau2": 0.125, "ed50": 1.5e6, "models": ["emax", "sigEmax"], "per_study": {"Lee2019": -0.25}}
    return m.Dataset(studies=studies, simulated=True, truth=truth)


def test_round_trip_real_data(tmp_path: Path) -> None:
    ds = small_dataset()
    descriptor = write_datapackage(ds, tmp_path / "pkg")
    assert descriptor == tmp_path / "pkg" / "datapackage.json"
    assert sorted(p.name for p in descriptor.parent.iterdir()) == [
        "adverse_events.csv", "datapackage.json", "mechanisms.csv", "observations.csv"]
    again = read_datapackage(descriptor.parent)
    assert strip_rows(again.model_dump()) == strip_rows(ds.model_dump())
    assert again.simulated is False and again.truth is None
    assert "truth" not in json.loads(descriptor.read_text(encoding="utf-8"))


def test_round_trip_restores_simulated_and_truth(tmp_path: Path) -> None:
    ds = simulated_dataset()
    descriptor = write_datapackage(ds, tmp_path)
    doc = json.loads(descriptor.read_text(encoding="utf-8"))
    assert doc["simulated"] is True and doc["truth"]["ed50"] == 1.5e6
    again = read_datapackage(descriptor)
    assert again.simulated is True
    assert again.truth == {"seed": 7, "tau2": 0.125, "ed50": 1.5e6, "models": ["emax", "sigEmax"],
                           "per_study": {"Lee2019": -0.25}}
    assert strip_rows(again.model_dump()) == strip_rows(ds.model_dump())


def test_descriptor_properties_and_table_schemas(tmp_path: Path) -> None:
    doc = json.loads(write_datapackage(small_dataset(), tmp_path).read_text(encoding="utf-8"))
    assert doc["profile"] == "tabular-data-package"
    assert doc["painregen_version"] == __version__
    assert "licenses" not in doc
    assert [r["name"] for r in doc["resources"]] == list(SHEETS)
    assert [r["path"] for r in doc["resources"]] == [f"{s}.csv" for s in SHEETS]
    main = doc["resources"][0]
    assert main["profile"] == "tabular-data-resource"
    fields = {f["name"]: f for f in main["schema"]["fields"]}
    assert list(fields)[: len(MAIN_COLUMNS)] == [c.name for c in MAIN_COLUMNS]
    assert list(fields)[len(MAIN_COLUMNS):] == ["rob_random_sequence", "rob_blinding_outcome", "arrive_sample_size",
                                                "annotation_assessor"]
    assert fields["year"]["type"] == "integer"
    assert fields["average"]["type"] == "number"
    assert fields["greater_is_better"]["type"] == "boolean"
    assert fields["study_id"]["constraints"] == {"required": True}
    assert fields["sex"]["constraints"] == {"required": False, "enum": ["male", "female", "mixed", "unknown"]}
    assert fields["species"]["vocabulary"] == "species" and "pattern" in fields["species"]["constraints"]
    assert fields["time_days"]["description"].endswith("Unit: days.")
    assert fields["rob_random_sequence"]["type"] == "string"
    assert "yes / no / unclear" in fields["rob_random_sequence"]["description"]
    assert table_schema("adverse_events")["fields"][4] == {
        "name": "n_events", "type": "integer", "title": "N events", "description": "Animals with the event. "
        "Unit: animals.", "constraints": {"required": True}}


def test_problems_name_the_resource_file(tmp_path: Path) -> None:
    write_datapackage(small_dataset(), tmp_path)
    obs = tmp_path / "observations.csv"
    with obs.open(encoding="utf-8", newline="") as fh:
        records = list(csv.reader(fh))
    n = records[0].index("n")
    assert records[3][n] == "9"  # spreadsheet row 4: cohort MSC 1e6, PWT, day 14
    records[3][n] = "ten"
    with obs.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(records)
    with pytest.raises(InvalidDataError) as info:
        read_datapackage(tmp_path / "datapackage.json")
    found = [(p.file, p.row, p.column) for p in info.value.problems]
    assert found[0] == ("observations.csv", 4, "n")
    assert {f for f, _, _ in found} <= {"observations.csv", "mechanisms.csv", "adverse_events.csv"}


def test_problems_in_a_side_resource_name_its_file(tmp_path: Path) -> None:
    write_datapackage(small_dataset(), tmp_path)
    mech = tmp_path / "mechanisms.csv"
    mech.write_text(mech.read_text(encoding="utf-8").replace("PRG:pathway-nfkb", "PRG:no-such-pathway"),
                    encoding="utf-8")
    with pytest.raises(InvalidDataError) as info:
        read_datapackage(tmp_path)
    assert [(p.file, p.row, p.column) for p in info.value.problems] == [("mechanisms.csv", 2, "pathway")]


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: d.update(resources=[]), "no 'observations' resource"),
    (lambda d: d["resources"][0].update(path="../observations.csv"), "not a relative path inside"),
    (lambda d: d["resources"][0].update(path="/etc/passwd"), "not a relative path inside"),
    (lambda d: d["resources"][1].update(path="missing.csv"), "file 'missing.csv' not found"),
    (lambda d: d.update(simulated="yes"), "'simulated' must be true or false"),
])
def test_bad_descriptors(tmp_path: Path, mutate: object, message: str) -> None:
    descriptor = write_datapackage(small_dataset(), tmp_path)
    doc = json.loads(descriptor.read_text(encoding="utf-8"))
    mutate(doc)  # type: ignore[operator]
    descriptor.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InvalidDataError) as info:
        read_datapackage(tmp_path)
    (problem,) = info.value.problems
    assert problem.file == "datapackage.json" and message in problem.message


def test_missing_or_broken_descriptor(tmp_path: Path) -> None:
    with pytest.raises(InvalidDataError, match=r"no datapackage\.json"):
        read_datapackage(tmp_path)
    (tmp_path / "datapackage.json").write_text("{\"resources\": [", encoding="utf-8")
    with pytest.raises(InvalidDataError, match="invalid JSON"):
        read_datapackage(tmp_path)


def test_nan_in_truth_is_refused(tmp_path: Path) -> None:
    ds = m.Dataset(studies=small_dataset().studies, simulated=True, truth={"tau2": float("nan")})
    with pytest.raises(ValueError, match="NaN"):
        write_datapackage(ds, tmp_path)


def test_descriptor_and_data_pass_frictionless_validation(tmp_path: Path) -> None:
    frictionless = pytest.importorskip("frictionless")
    descriptor = write_datapackage(simulated_dataset(), tmp_path)
    report = frictionless.validate(str(descriptor))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    # the validator does check the data against the schemas: a value outside an enum is flagged
    obs = tmp_path / "observations.csv"
    obs.write_text(obs.read_text(encoding="utf-8").replace(",SEM,", ",S.E.M.,", 1), encoding="utf-8")
    report = frictionless.validate(str(descriptor))
    assert not report.valid
    assert [e[1] for e in report.flatten(["type", "fieldName"])] == ["error_type"]


def test_numeric_column_holding_text_becomes_a_string_field() -> None:
    def dose_type(rows: list[dict[str, object]]) -> str:
        fields = table_schema("observations", rows=rows)["fields"]  # type: ignore[arg-type]
        return next(f["type"] for f in fields if f["name"] == "dose")

    assert dose_type([{"dose": 1e6}, {"dose": None}]) == "number"
    assert dose_type([{"dose": 1e6}, {"dose": "5 × 10^5 cells"}]) == "string"

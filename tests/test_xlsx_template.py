"""The XLSX template: empty and filled workbooks, reading back, drop-downs, the columns sheet and the CLI."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import typer
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from typer.testing import CliRunner

from painregen.cli.template_cmd import template_command
from painregen.evidence import models as m
from painregen.evidence.build import build_dataset
from painregen.evidence.template_spec import MAIN_COLUMNS, SHEETS
from painregen.evidence.xlsx_template import COLUMNS_SHEET, LISTS_SHEET, read_workbook_truth, write_template_xlsx
from painregen.io.tables import read_xlsx

from conftest import strip_rows


def small_dataset() -> m.Dataset:
    """Two studies written by hand with vocabulary CURIEs; every kind of value the template carries."""
    msc = m.Intervention(
        product="CL:0002540", tissue_source="UBERON:0002371", donor_species="NCBITaxon:9606",
        donor_relation=m.DonorRelation.xenogeneic, passage=4, preconditioning="hypoxia 1% O2, 48 h",
        dose=m.Dose(amount=1e6, unit="cells", basis=m.DoseBasis.per_animal, text="1 × 10^6 cells"),
        route="PRG:route-iv", timing_days=7.0, timing_mode=m.TimingMode.therapeutic, administrations=2,
        interval_days=3.5, scaffold="hyaluronic acid hydrogel", co_treatment="gabapentin 30 mg/kg",
    )
    vehicle = m.Intervention(product="PRG:product-vehicle", route="PRG:route-iv", timing_days=7.0)
    e1 = m.Experiment(
        experiment_id="E1", species="NCBITaxon:10116", strain="RS:0000681", sex=m.Sex.male, age_weeks=8.0,
        weight_g=250.5, supplier="Charles River", model="PRG:model-cci", induction="four loose chromic gut ligatures",
        cohorts=[
            m.Cohort(cohort_id="Sham", role=m.Role.sham, n_randomised=8, description="=sham surgery, no ligature"),
            m.Cohort(cohort_id="Vehicle", role=m.Role.control, n_randomised=10, n_analysed=10, intervention=vehicle),
            m.Cohort(cohort_id="MSC 1e6", role=m.Role.treated, n_randomised=10, n_analysed=9, control_cohort="Vehicle",
                     sham_cohort="Sham", intervention=msc),
        ],
        outcomes=[
            m.OutcomeMeasure(outcome_id="PWT", assay="PRG:assay-von-frey", domain=m.Domain.evoked, unit="g",
                             greater_is_better=True),
            m.OutcomeMeasure(outcome_id="PWL", assay="PRG:assay-hargreaves", domain=m.Domain.evoked, unit="s",
                             greater_is_better=True),
        ],
        observations=[
            m.Observation(cohort_id="Sham", outcome_id="PWT", time_days=14.0, average=14.2, error=1.1,
                          error_type=m.ErrorType.SD, n=8),
            m.Observation(cohort_id="Vehicle", outcome_id="PWT", time_days=14.0, average=3.9, error=0.45,
                          error_type=m.ErrorType.SEM, n=10),
            m.Observation(cohort_id="MSC 1e6", outcome_id="PWT", time_days=14.0, average=8.125, error=0.61,
                          error_type=m.ErrorType.SEM, n=9),
            m.Observation(cohort_id="MSC 1e6", outcome_id="PWT", time_days=28.0, average=10.5, error=0.7,
                          error_type=m.ErrorType.SEM, n=9),
            m.Observation(cohort_id="Vehicle", outcome_id="PWL", time_days=14.0, average=6.0,
                          average_type=m.AverageType.median, error_low=4.5, error_high=7.25,
                          error_type=m.ErrorType.IQR, n=10),
            m.Observation(cohort_id="MSC 1e6", outcome_id="PWL", time_days=14.0, average=9.0, error_low=7.1,
                          error_high=10.9, error_type=m.ErrorType.CI95, n=9),
        ],
        mechanisms=[
            m.MechanismClaim(pathway="PRG:pathway-nfkb", pillar=m.Pillar.immunomodulation,
                             evidence=[m.EvidenceKind.expression, m.EvidenceKind.loss_of_function],
                             compartment="spinal microglia", cohort_id="MSC 1e6", note="Blocking NF-kB, again; less"),
        ],
        adverse_events=[
            m.AdverseEvent(kind="PRG:ae-respiratory-compromise", cohort_id="MSC 1e6", n_events=1, n_at_risk=10,
                           route="PRG:route-iv", note="transient"),
        ],
    )
    ev = m.Intervention(product="PRG:product-msc-ev", dose=m.Dose(amount=12.5, unit="ug", basis=m.DoseBasis.per_kg,
                                                                  text=None), route="PRG:route-it")
    e2 = m.Experiment(
        experiment_id="E2", species="NCBITaxon:10090", sex=m.Sex.female, model="PRG:model-sni",
        cohorts=[m.Cohort(cohort_id="PBS", role=m.Role.control, n_randomised=6),
                 m.Cohort(cohort_id="EV", role=m.Role.treated, n_randomised=6, intervention=ev)],
        outcomes=[m.OutcomeMeasure(outcome_id="vF", assay="PRG:assay-von-frey", domain=m.Domain.evoked, unit="g",
                                   greater_is_better=True)],
        observations=[m.Observation(cohort_id="EV", outcome_id="vF", time_days=3.0, average=0.9, error=0.2,
                                    error_type=m.ErrorType.SD, n=6)],
    )
    s1 = m.Study(
        study_id="Smith2021", title="Bone marrow MSCs relieve CCI pain, in rats; a trial", authors="Smith J, Lee K",
        year=2021, journal="Pain", doi="10.1097/j.pain.0000000000000001", pmid="12345678", funding="NSFC",
        conflicts="none declared", methods_text="Rats were randomised.\nObservers were blinded.",
        rob={"random_sequence": "yes", "blinding_outcome": "unclear"}, arrive={"sample_size": "reported"},
        annotations={"assessor": "Outcome assessor blinded"}, experiments=[e1, e2],
    )
    s2 = m.Study(study_id="Lee2019", title="A second study", year=2019, experiments=[
        m.Experiment(experiment_id="1", species="NCBITaxon:10116", model="PRG:model-cci",
                     cohorts=[m.Cohort(cohort_id="only", role=m.Role.treated)]),
    ])
    return m.Dataset(studies=[s1, s2])


def read_back(path: Path) -> m.Dataset:
    sheets = read_xlsx(path)
    return build_dataset(sheets["observations"], sheets.get("mechanisms"), sheets.get("adverse_events"))


@pytest.mark.parametrize("labels", [True, False])
def test_filled_workbook_reads_back_to_the_same_dataset(tmp_path: Path, labels: bool) -> None:
    ds = small_dataset()
    path = tmp_path / "filled.xlsx"
    write_template_xlsx(path, ds, labels=labels)
    again = read_back(path)
    assert strip_rows(again.model_dump()) == strip_rows(ds.model_dump())


def test_labels_are_written_for_vocabulary_values(tmp_path: Path) -> None:
    path = tmp_path / "filled.xlsx"
    write_template_xlsx(path, small_dataset())
    ws = load_workbook(path)["observations"]
    header = [c.value for c in ws[1]]
    row2 = {h: c.value for h, c in zip(header, ws[2], strict=True)}
    assert row2["species"] == "rat"
    assert row2["strain"] == "Sprague-Dawley"
    assert row2["model"] == "chronic constriction injury"
    assert [c.value for c in ws[1]][-4:] == ["rob_random_sequence", "rob_blinding_outcome", "arrive_sample_size",
                                            "annotation_assessor"]


def test_formula_like_text_stays_text(tmp_path: Path) -> None:
    """Escaped by default (a leading quote, OWASP); without the escape still stored as text, never a formula."""
    path = tmp_path / "filled.xlsx"
    for escape, shown in ((True, "'=sham surgery, no ligature"), (False, "=sham surgery, no ligature")):
        write_template_xlsx(path, small_dataset(), formula_escape=escape)
        ws = load_workbook(path)["observations"]
        cells = [c for row in ws.iter_rows() for c in row if c.value == shown]
        assert len(cells) >= 1 and all(c.data_type == "s" for c in cells)


def test_empty_template_imports_as_an_empty_dataset(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    write_template_xlsx(path)
    sheets = read_xlsx(path)
    assert LISTS_SHEET not in sheets  # hidden
    assert sheets["observations"].columns == [c.name for c in MAIN_COLUMNS]
    assert all(len(sheets[s]) == 0 for s in SHEETS)
    assert read_back(path) == m.Dataset()


def _validations(ws: Worksheet) -> dict[str, object]:
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            assert rng.min_row == 2 and rng.max_row == 1_048_576 and rng.min_col == rng.max_col
            out[ws.cell(1, rng.min_col).value] = dv
    return out


def _list_values(wb: object, formula: str) -> list[object]:
    sheet, rng = formula.split("!")
    ws = wb[sheet]  # type: ignore[index]
    return [c.value for row in ws[rng.replace("$", "")] for c in row]


def test_dropdowns_refer_to_the_hidden_lists_sheet(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    write_template_xlsx(path)
    wb = load_workbook(path)
    assert wb[LISTS_SHEET].sheet_state == "hidden"
    assert wb.sheetnames == ["observations", "mechanisms", "adverse_events", COLUMNS_SHEET, LISTS_SHEET]
    main = _validations(wb["observations"])
    expected = {"sex": ["male", "female", "mixed", "unknown"],
                "role": ["sham", "control", "treated"],
                "error_type": ["SD", "SEM", "CI95", "IQR", "range"],
                "dose_unit": ["cells", "ug", "particles", "mg", "ng", "uL", "mL"],
                "dose_basis": ["per_animal", "per_kg"],
                "greater_is_better": [True, False],
                "simulated": [True, False]}
    for name, values in expected.items():
        assert _list_values(wb, main[name].formula1) == values, name
    species = _list_values(wb, main["species"].formula1)
    assert species[:2] == ["rat", "mouse"] and "human" in species
    assert _list_values(wb, main["species"].formula1) == _list_values(wb, main["donor_species"].formula1)
    assert "von Frey filaments" in _list_values(wb, main["assay"].formula1)
    term_or_enum = {c.name for c in MAIN_COLUMNS if c.type_name in ("term", "enum", "boolean") or c.permitted}
    assert set(main) == term_or_enum
    assert {"average", "dose", "study_id", "n"}.isdisjoint(main)
    for dv in main.values():
        assert dv.type == "list" and dv.formula1.startswith(f"{LISTS_SHEET}!$")  # type: ignore[attr-defined]
        assert dv.showErrorMessage and dv.errorStyle == "warning" and dv.allowBlank  # type: ignore[attr-defined]
    mech = _validations(wb["mechanisms"])
    assert set(mech) == {"pathway", "pillar"}  # 'evidence' holds several values: no drop-down
    adverse = _validations(wb["adverse_events"])
    assert set(adverse) == {"kind", "route"}
    assert "respiratory compromise" in _list_values(wb, adverse["kind"].formula1)


def test_header_is_styled_and_columns_sheet_explains_every_column(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    write_template_xlsx(path)
    wb = load_workbook(path)
    ws = wb["observations"]
    assert ws.freeze_panes == "A2"
    cells = {c.value: c for c in ws[1]}
    assert all(c.font.b for c in cells.values())
    assert cells["study_id"].font.color.rgb.endswith("9C0006")  # required: dark red
    assert cells["authors"].font.color is None or not cells["authors"].font.color.rgb.endswith("9C0006")
    assert cells["study_id"].comment is not None and "REQUIRED" in cells["study_id"].comment.text
    assert ws.column_dimensions["B"].width >= len("title") + 2
    rows = list(wb[COLUMNS_SHEET].iter_rows(values_only=True))
    assert rows[0][:4] == ("sheet", "column", "title", "description")
    listed = {(r[0], r[1]) for r in rows[1:]}
    for sheet, cols in SHEETS.items():
        assert {(sheet, c.name) for c in cols} <= listed
    assert ("observations", "rob_<item>") in listed
    dose = next(r for r in rows if r[:2] == ("observations", "dose"))
    assert dose[10] == "1 × 10^6 cells"  # examples live on the columns sheet


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.command()(template_command)
    return app


def test_template_command_writes_xlsx_and_csv(tmp_path: Path) -> None:
    runner = CliRunner()
    xlsx, csv_path = tmp_path / "t.xlsx", tmp_path / "t.csv"
    assert runner.invoke(_cli(), ["-o", str(xlsx)]).exit_code == 0
    assert read_back(xlsx) == m.Dataset()
    assert runner.invoke(_cli(), ["-o", str(csv_path)]).exit_code == 0
    with csv_path.open(encoding="utf-8", newline="") as fh:
        assert list(csv.reader(fh)) == [[c.name for c in MAIN_COLUMNS]]
    bad = runner.invoke(_cli(), ["-o", str(tmp_path / "t.txt")])
    assert bad.exit_code == 2 and not (tmp_path / "t.txt").exists()


def test_truth_of_a_simulated_dataset_is_kept_in_a_hidden_sheet(tmp_path: Path) -> None:
    ds = small_dataset()
    truth = {"seed": 3, "tau2": 0.0625, "labels": ["é" * 40_000], "nested": {"ed50": 2.5e5}}  # > one cell of JSON
    sim = m.Dataset(studies=[s.model_copy(update={"simulated": True}) for s in ds.studies], simulated=True,
                    truth=truth)
    path = tmp_path / "sim.xlsx"
    write_template_xlsx(path, sim)
    assert read_workbook_truth(path) == truth
    assert "truth" not in read_xlsx(path)  # hidden: never read as data
    again = read_back(path)
    assert again.simulated is True and again.truth is None  # build_dataset reads the data sheets only
    write_template_xlsx(path, ds)
    assert read_workbook_truth(path) is None

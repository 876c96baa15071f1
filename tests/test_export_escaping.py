"""Exports that a spreadsheet opens safely (issue 13, point 4): formula-leading text escaped in CSV and XLSX as
OWASP recommends (and read back exactly), numbers left alone, and XLSX exports of text a workbook cannot hold."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from typer.testing import CliRunner

from painregen.cli.main import app
from painregen.evidence import models as m
from painregen.evidence.files import read_dataset, write_dataset
from painregen.evidence.syrf_export import write_syrf
from painregen.evidence.xlsx_template import EXCEL_MAX_CELL_CHARS, write_template_xlsx
from painregen.io.tables import FORMULA_START, escape_formula, unescape_formula
from test_xlsx_template import small_dataset

from conftest import strip_rows

runner = CliRunner()
HOSTILE = {"title": "=HYPERLINK(\"http://evil.example\",\"click\")", "authors": "+Smith J", "journal": "-Pain",
           "funding": "@SUM(A1:A9)", "conflicts": "=1+2", "methods_text": "'=already quoted"}


@given(st.text())
def test_escape_is_undone_exactly(text: str) -> None:
    escaped = escape_formula(text)
    assert unescape_formula(escaped) == text
    assert not escaped.startswith(FORMULA_START)


def hostile_dataset() -> m.Dataset:
    ds = small_dataset()
    first = ds.studies[0]
    exp = first.experiments[0]
    cohorts = [c.model_copy(update={"description": "-5 mg/kg then =1+1"}) if c.cohort_id == "Vehicle" else c
               for c in exp.cohorts]
    exp = exp.model_copy(update={"cohorts": cohorts, "supplier": "-Charles River"})
    first = first.model_copy(update={**HOSTILE, "annotations": {"q1": "+1", "q2": "@home"}, "experiments":
                                     [exp, *first.experiments[1:]]})
    return m.Dataset.model_validate(m.Dataset(studies=[first, *ds.studies[1:]]).model_dump())


def cells(path: Path) -> list[list[str]]:
    return list(csv.reader(path.open(encoding="utf-8")))


def test_csv_export_escapes_text_cells_only_and_reads_back(tmp_path: Path) -> None:
    ds = hostile_dataset()
    (path, *_sidecars) = write_dataset(ds, tmp_path / "out.csv")
    rows = cells(path)
    header, first = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert first["title"].startswith("'=HYPERLINK") and first["authors"] == "'+Smith J"
    assert first["journal"] == "'-Pain" and first["funding"] == "'@SUM(A1:A9)" and first["conflicts"] == "'=1+2"
    assert first["methods_text"] == "''=already quoted"
    for row in rows[1:]:  # numbers are never escaped: negative numbers stay numbers
        for name in ("average", "error", "time_days", "n", "timing_days"):
            value = dict(zip(header, row, strict=True))[name]
            assert not value.startswith("'"), (name, value)
    back, _ = read_dataset(path)
    assert strip_rows(back.model_dump()) == strip_rows(ds.model_dump())


def test_negative_numbers_stay_numbers(tmp_path: Path) -> None:
    ds = small_dataset()
    s = ds.studies[0]
    e = s.experiments[0]
    obs = [o.model_copy(update={"average": -1.5, "time_days": o.time_days - 30}) for o in e.observations]
    ds = m.Dataset(studies=[s.model_copy(update={"experiments": [e.model_copy(update={"observations": obs})]}),
                            *ds.studies[1:]])
    path = write_dataset(ds, tmp_path / "neg.csv")[0]
    first = dict(zip(cells(path)[0], cells(path)[1], strict=True))
    assert first["average"] == "-1.5" and first["time_days"] == "-16"
    xlsx = write_dataset(ds, tmp_path / "neg.xlsx")[0]
    ws = load_workbook(xlsx)["observations"]
    header = [c.value for c in ws[1]]
    assert ws.cell(2, header.index("average") + 1).value == -1.5
    for path in (tmp_path / "neg.csv", xlsx):
        assert strip_rows(read_dataset(path)[0].model_dump()) == strip_rows(ds.model_dump())


def test_xlsx_export_escapes_and_reads_back(tmp_path: Path) -> None:
    ds = hostile_dataset()
    path = tmp_path / "out.xlsx"
    write_template_xlsx(path, ds)
    ws = load_workbook(path)["observations"]
    header = [c.value for c in ws[1]]
    row = {h: c.value for h, c in zip(header, ws[2], strict=True)}
    assert row["title"].startswith("'=HYPERLINK") and row["authors"] == "'+Smith J"
    assert row["supplier"] == "'-Charles River"
    assert all(c.data_type == "s" for c in ws[2] if isinstance(c.value, str))
    back, _ = read_dataset(path)
    assert strip_rows(back.model_dump()) == strip_rows(ds.model_dump())


def test_no_formula_escape_writes_text_as_is(tmp_path: Path) -> None:
    ds = hostile_dataset()
    path = write_dataset(ds, tmp_path / "raw.csv", formula_escape=False)[0]
    first = dict(zip(cells(path)[0], cells(path)[1], strict=True))
    assert first["title"].startswith("=HYPERLINK") and first["authors"] == "+Smith J"
    write_syrf(ds, tmp_path / "raw_syrf.csv", formula_escape=False)
    assert cells(tmp_path / "raw_syrf.csv")[1][1].startswith("=HYPERLINK")


def test_syrf_and_datapackage_exports_escape(tmp_path: Path) -> None:
    ds = hostile_dataset()
    write_syrf(ds, tmp_path / "syrf.csv")
    rows = cells(tmp_path / "syrf.csv")
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["Title"].startswith("'=HYPERLINK") and first["Authors"] == "'+Smith J" and first["q1"] == "'+1"
    back, fmt = read_dataset(tmp_path / "syrf.csv")
    assert fmt == "syrf" and back.studies[0].title == HOSTILE["title"] and back.studies[0].authors == "+Smith J"
    write_dataset(ds, tmp_path / "pkg")
    obs = dict(zip(*cells(tmp_path / "pkg" / "observations.csv")[:2], strict=True))
    assert obs["authors"] == "'+Smith J"
    assert strip_rows(read_dataset(tmp_path / "pkg")[0].model_dump()) == strip_rows(ds.model_dump())


def test_cli_export_option(tmp_path: Path) -> None:
    json_path = tmp_path / "in.json"
    write_dataset(hostile_dataset(), json_path)
    db = tmp_path / "reg.db"
    assert runner.invoke(app, ["import", str(json_path), "--db", str(db)]).exit_code == 0
    for flag, expected in (([], "'+Smith J"), (["--no-formula-escape"], "+Smith J")):
        out = tmp_path / f"out{len(flag)}.csv"
        result = runner.invoke(app, ["export", "--db", str(db), "-o", str(out), *flag])
        assert result.exit_code == 0, result.output
        assert dict(zip(*cells(out)[:2], strict=True))["authors"] == expected
    metafor = tmp_path / "metafor.csv"
    assert runner.invoke(app, ["export", "--db", str(db), "-o", str(metafor), "--format", "metafor"]).exit_code == 0


def test_xlsx_export_of_text_a_workbook_cannot_hold(tmp_path: Path) -> None:
    """Text over 32,767 characters is cut (with a comment on the cell and a warning); control characters that
    the import accepted are dropped (with a warning). The CSV export keeps both."""
    long_text = "x" * (EXCEL_MAX_CELL_CHARS + 5000)
    ds = small_dataset()
    s = ds.studies[0].model_copy(update={"methods_text": long_text, "conflicts": "none\x01\x02 declared\x1ba"})
    ds = m.Dataset(studies=[s, *ds.studies[1:]])
    csv_path = tmp_path / "in.csv"
    write_dataset(ds, csv_path)
    assert read_dataset(csv_path)[0].studies[0].conflicts == "none\x01\x02 declared\x1ba"  # the import accepts them
    db = tmp_path / "reg.db"
    assert runner.invoke(app, ["import", str(csv_path), "--db", str(db)]).exit_code == 0
    out = tmp_path / "out.xlsx"
    result = runner.invoke(app, ["export", "--db", str(db), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "control character(s) dropped" in result.stderr and "cut to Excel's limit" in result.stderr
    ws = load_workbook(out)["observations"]
    header = [c.value for c in ws[1]]
    methods = ws.cell(2, header.index("methods_text") + 1)
    assert methods.value == long_text[:EXCEL_MAX_CELL_CHARS] and "Cut from 37,767 characters" in methods.comment.text
    assert ws.cell(2, header.index("conflicts") + 1).value == "none declareda"
    back = read_dataset(out)[0].studies[0]
    assert back.conflicts == "none declareda" and back.methods_text == long_text[:EXCEL_MAX_CELL_CHARS]


@pytest.mark.parametrize("value", ["=1+1", "-x", "@", "+", "'", "''=x", "'\r=x", "= 1"])
def test_csv_cells_round_trip(tmp_path: Path, value: str) -> None:
    ds = small_dataset()
    s = ds.studies[0].model_copy(update={"funding": value})
    ds = m.Dataset(studies=[s, *ds.studies[1:]])
    path = write_dataset(ds, tmp_path / "f.csv")[0]
    assert read_dataset(path)[0].studies[0].funding == s.funding

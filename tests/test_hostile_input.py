"""Hostile and odd input files (issue 13, point 4): each case the issue found is reproduced here and must end in
a correct result or a clean ``file:row:column`` problem, never a traceback, and never a silent loss."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from painregen.cli.main import app
from painregen.evidence.files import read_dataset, write_dataset
from painregen.evidence.xlsx_template import write_template_xlsx
from painregen.io.problems import MAX_KEPT, MAX_SHOWN, InvalidDataError, ProblemCollector
from painregen.simulate import simulate

from conftest import SHARED_DATA, TEMPLATE_HEADER, template_rows

runner = CliRunner()
SYRF = SHARED_DATA / "syrf" / "quantitative_data_example.csv"


def problems_of(path: Path) -> list[str]:
    with pytest.raises(InvalidDataError) as info:
        read_dataset(path)
    return [str(p) for p in info.value.problems]


def write_rows(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def template_table() -> list[list[str]]:
    return list(csv.reader(io.StringIO("\n".join([TEMPLATE_HEADER, *template_rows()]))))


def set_cells(path: Path, column: str, value: str, rows: range | None = None) -> Path:
    table = template_table()
    j = table[0].index(column)
    for i in rows if rows is not None else range(1, len(table)):
        table[i][j] = value
    return write_rows(path, table)


def rewrite_zip(src: Path, dst: Path, member: str, change: object) -> Path:
    """Copy an XLSX, passing the bytes of ``member`` through ``change``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            zout.writestr(item, change(data) if item.filename == member else data)  # type: ignore[operator]
    return dst


def observations(path: Path) -> int:
    ds, _ = read_dataset(path)
    return sum(len(e.observations) for s in ds.studies for e in s.experiments)


@pytest.fixture(scope="module")
def sim_xlsx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("xlsx") / "sim.xlsx"
    write_template_xlsx(path, simulate(2, seed=5))
    return path


# --- XLSX: the <dimension> tag, damaged XML ------------------------------------------------------------------


@pytest.mark.parametrize("ref", ["A1", "A1:C5", "B3:D4", "A1:ZZ9999"])
def test_xlsx_rows_do_not_depend_on_the_dimension_tag(sim_xlsx: Path, tmp_path: Path, ref: str) -> None:
    """openpyxl's read-only mode cut rows and columns to <dimension>: 'A1:BN110' for 113 rows dropped 3
    observations, 'A1' reported missing columns."""
    expected = observations(sim_xlsx)
    assert expected > 20
    member = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(sim_xlsx) as z:
        assert b"<dimension ref=" in z.read(member)
    changed = rewrite_zip(sim_xlsx, tmp_path / "dim.xlsx", member,
                          lambda b: re.sub(rb'<dimension ref="[^"]*"/>', f'<dimension ref="{ref}"/>'.encode(), b))
    assert observations(changed) == expected


def test_xlsx_dimension_one_row_short_keeps_every_observation(sim_xlsx: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(sim_xlsx) as z:
        ref = re.search(rb'<dimension ref="A1:([A-Z]+)(\d+)"/>', z.read("xl/worksheets/sheet1.xml"))
    assert ref is not None
    short = f"A1:{ref.group(1).decode()}{int(ref.group(2)) - 3}"
    changed = rewrite_zip(sim_xlsx, tmp_path / "short.xlsx", "xl/worksheets/sheet1.xml",
                          lambda b: re.sub(rb'<dimension ref="[^"]*"/>', f'<dimension ref="{short}"/>'.encode(), b))
    assert observations(changed) == observations(sim_xlsx)


@pytest.mark.parametrize("damage", [lambda b: b[: len(b) // 2], lambda b: b.replace(b"<row ", b"<row <", 3),
                                    lambda b: b.replace(b"<v>", b"<v>x", 5)])
def test_damaged_sheet_xml_is_a_clean_problem(sim_xlsx: Path, tmp_path: Path, damage: object) -> None:
    bad = rewrite_zip(sim_xlsx, tmp_path / "bad.xlsx", "xl/worksheets/sheet1.xml", damage)
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    assert result.stderr.startswith("bad.xlsx[observations]:")


def test_damaged_compressed_data_is_a_clean_problem(sim_xlsx: Path, tmp_path: Path) -> None:
    """A byte flipped inside a sheet's deflate stream: zipfile reports a bad CRC or zlib an invalid stream (the
    fuzz test found zlib.error escaping as a traceback); both must be a problem naming the file."""
    import zlib

    data = sim_xlsx.read_bytes()
    with zipfile.ZipFile(sim_xlsx) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    kinds = set()
    for k in range(0, info.compress_size, max(1, info.compress_size // 60)):
        flipped = bytearray(data)
        flipped[start + k] ^= 0xFF
        bad = tmp_path / "flipped.xlsx"
        bad.write_bytes(bytes(flipped))
        try:
            with zipfile.ZipFile(bad) as z:
                z.read(info.filename)
        except (zipfile.BadZipFile, zlib.error) as exc:
            kinds.add(type(exc).__name__)
        (problem,) = problems_of(bad)
        assert problem.startswith("flipped.xlsx:"), problem
    assert kinds == {"BadZipFile", "error"}  # both kinds of damage were met


def test_a_cell_far_beyond_the_data_is_refused_not_a_crash(sim_xlsx: Path, tmp_path: Path) -> None:
    """calamine builds a dense grid: one cell at XFD1048576 would ask for 17 billion cells and abort."""
    far = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
    bad = rewrite_zip(sim_xlsx, tmp_path / "far.xlsx", "xl/worksheets/sheet1.xml",
                      lambda b: b.replace(b"</sheetData>", far))
    (problem,) = problems_of(bad)
    assert problem.startswith("far.xlsx::: a sheet (xl/worksheets/sheet1.xml) spans 1,048,576 rows x 16,384 columns")


def test_rows_without_references_are_read(sim_xlsx: Path, tmp_path: Path) -> None:
    """Row references are optional in the format; without them the extent is unknown and the streaming reader is
    used."""
    plain = rewrite_zip(sim_xlsx, tmp_path / "plain.xlsx", "xl/worksheets/sheet1.xml",
                        lambda b: re.sub(rb'(<row\b[^>]*?) r="\d+"', rb"\1", b))
    with zipfile.ZipFile(plain) as z:
        assert b'<row r="' not in z.read("xl/worksheets/sheet1.xml")
    assert observations(plain) == observations(sim_xlsx)


def test_xlsx_values_beyond_a_blank_header_are_a_problem(sim_xlsx: Path, tmp_path: Path) -> None:
    wb = load_workbook(sim_xlsx)
    ws = wb["observations"]
    width = ws.max_column
    ws.cell(4, width + 2).value = "stray value"
    wb.save(tmp_path / "stray.xlsx")
    (problem,) = problems_of(tmp_path / "stray.xlsx")
    letter = re.search(r":4:([A-Z]+): column \1 holds values", problem)
    assert letter is not None, problem


# --- CSV: blank header cells, NUL characters ----------------------------------------------------------------


def test_csv_filled_column_with_blank_header_names_the_column_letter(tmp_path: Path) -> None:
    table = template_table()
    j = table[0].index("strain")
    table[0][j] = ""
    (problem,) = problems_of(write_rows(tmp_path / "blank.csv", table))
    letter = chr(ord("A") + j)
    assert problem.startswith(f"blank.csv:2:{letter}: column {letter} holds values (the first on row 2)")


def test_blank_header_over_an_empty_column_is_fine(tmp_path: Path) -> None:
    table = [[*r, ""] for r in template_table()]
    assert observations(write_rows(tmp_path / "trailing.csv", table)) == 5


def test_nul_character_is_refused_at_validation(tmp_path: Path) -> None:
    """PostgreSQL cannot store NUL; painregen refuses it at validation for every backend."""
    path = set_cells(tmp_path / "nul.csv", "title", "MSC\x00 for pain")
    problems = problems_of(path)
    assert problems[0].startswith("nul.csv:2:title: the cell holds a NUL character")


# --- numbers with bounds ----------------------------------------------------------------------------------------


def test_count_beyond_64_bits_is_a_validation_error_not_an_import_crash(tmp_path: Path) -> None:
    path = set_cells(tmp_path / "big.csv", "n_randomised", "1e20")
    assert all(re.match(r"big\.csv:\d:n_randomised: '1e20' is too large", p) for p in problems_of(path))
    db = tmp_path / "reg.db"
    result = runner.invoke(app, ["import", str(path), "--db", str(db)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert not db.exists()


def test_xlsx_integer_beyond_64_bits(tmp_path: Path) -> None:
    ds, _ = read_dataset(set_cells(tmp_path / "t.csv", "n", "8"))
    path = tmp_path / "t.xlsx"
    write_dataset(ds, path)
    wb = load_workbook(path)
    ws = wb["observations"]
    col = [c.value for c in ws[1]].index("n") + 1
    ws.cell(2, col).value = 10**20
    wb.save(path)
    (problem,) = problems_of(path)
    assert re.match(r"t\.xlsx\[observations\]:2:n: (1e\+20|100000000000000000000) is too large", problem), problem


@pytest.mark.parametrize("literal, words", [("NaN", "NaN is not a number"), ("Infinity", "Infinity is not"),
                                            ("-Infinity", "-Infinity is not"), ("1e999", "1e999 is too large"),
                                            ("1" + "0" * 5000, "an integer of 5001 digits is out of range"),
                                            ("100000000000000000000", "100000000000000000000 is out of range")])
def test_json_numbers_the_registry_cannot_store(tmp_path: Path, literal: str, words: str) -> None:
    good = tmp_path / "good.json"
    write_dataset(read_dataset(set_cells(tmp_path / "t.csv", "n", "8"))[0], good)
    text = good.read_text(encoding="utf-8")
    assert '"average": 15.0' in text
    bad = tmp_path / "bad.json"
    bad.write_text(text.replace('"average": 15.0', f'"average": {literal}', 1), encoding="utf-8")
    (problem,) = problems_of(bad)
    assert problem.startswith("bad.json::dataset.studies.0.experiments.0.observations.0.average: " + words)
    result = runner.invoke(app, ["import", str(bad), "--db", str(tmp_path / "r.db")])
    assert result.exit_code == 1 and result.exception is not None and isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("depth, where", [(2000, "bad.json:1::"), (200, "bad.json::x.0.0.0")])
def test_deeply_nested_json(tmp_path: Path, depth: int, where: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"dataset": {"studies": []}, "x": ' + "[" * depth + "]" * depth + "}", encoding="utf-8")
    (problem,) = problems_of(bad)
    assert problem.startswith(where) and "nested more than 64 levels" in problem


def test_json_nul_and_invalid_json(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    write_dataset(read_dataset(set_cells(tmp_path / "t.csv", "n", "8"))[0], good)
    doc = json.loads(good.read_text(encoding="utf-8"))
    doc["dataset"]["studies"][0]["title"] = "a\x00b"
    (tmp_path / "nul.json").write_text(json.dumps(doc), encoding="utf-8")
    assert problems_of(tmp_path / "nul.json")[0].startswith("nul.json::dataset.studies.0.title: the text holds a NUL")
    (tmp_path / "cut.json").write_text(good.read_text(encoding="utf-8")[:200], encoding="utf-8")
    assert "invalid JSON" in problems_of(tmp_path / "cut.json")[0]


# --- simulator truth: sidecar and sheet -------------------------------------------------------------------------


@pytest.mark.parametrize("content, words", [('{"a": [1, 2', "invalid JSON"), ("[1, 2]", "must hold a JSON object"),
                                            ('{"tau2": NaN}', "NaN is not a number")])
def test_corrupt_truth_sidecar(template_csv: Path, content: str, words: str) -> None:
    template_csv.with_name("study.truth.json").write_text(content, encoding="utf-8")
    (problem,) = problems_of(template_csv)
    assert problem.startswith("study.truth.json:") and words in problem


@pytest.mark.parametrize("content, words", [('{"broken', "invalid JSON"), ("[1]", "must hold a JSON object")])
def test_corrupt_truth_sheet(sim_xlsx: Path, tmp_path: Path, content: str, words: str) -> None:
    wb = load_workbook(sim_xlsx)
    assert "truth" in wb.sheetnames
    ws = wb["truth"]
    for row in ws.iter_rows(min_row=2):
        row[0].value = None
    ws["A2"] = content
    wb.save(tmp_path / "truth.xlsx")
    (problem,) = problems_of(tmp_path / "truth.xlsx")
    assert problem.startswith("truth.xlsx[truth]:") and words in problem


# --- SyRF ---------------------------------------------------------------------------------------------------------


def syrf_rows() -> list[list[str]]:
    if not SYRF.exists():
        pytest.skip("../shared/data is not beside the project")
    return list(csv.reader(SYRF.open(encoding="utf-8-sig")))


def test_syrf_malformed_year(tmp_path: Path) -> None:
    rows = syrf_rows()
    rows[1][rows[0].index("Year")] = "2019a"
    (problem,) = problems_of(write_rows(tmp_path / "year.csv", rows))
    assert problem.startswith("year.csv:2:Year: expected a number, got '2019a'")


def test_syrf_row_given_twice_is_an_error(tmp_path: Path) -> None:
    rows = syrf_rows()
    rows.append(list(rows[5]))
    (problem,) = problems_of(write_rows(tmp_path / "dup.csv", rows))
    time_col = "TimeInMinute" if "TimeInMinute" in rows[0] else "TimeInMinutes"
    assert problem.startswith(f"dup.csv:{len(rows)}:{time_col}: duplicated observation")
    assert problem.endswith("is also on row 6 (fix: keep one row per cohort, outcome and time)")


# --- many problems: linear collection, capped lists -------------------------------------------------------------


def test_problem_collector_keeps_one_problem_per_cell_and_counts_the_rest() -> None:
    c = ProblemCollector("f.csv", keep=3)
    for row in range(2, 12):
        c.add(row, "n", "bad")
        c.add(row, "n", "consequence")  # same cell: not repeated
    c.add(None, None, "file-wide")
    assert c.total == 11 and len(c.problems) == 3 and c.has(5, "n") and not c.has(5, "average")
    other = ProblemCollector("f.csv", keep=1)
    other.add(2, "x", "a")
    other.add(3, "x", "b")
    c.merge(other)
    assert c.total == 13 and len(c.problems) == 3
    with pytest.raises(InvalidDataError) as info:
        c.raise_if_any()
    assert info.value.total == 13 and info.value.more == 10


def test_thousands_of_bad_rows_are_counted_and_the_list_capped(tmp_path: Path) -> None:
    header, row = TEMPLATE_HEADER, template_rows()[3].replace(",SEM,8,", ",SEM,eight,")
    n = MAX_KEPT + 500
    lines = [row.replace("MSC high,", f"MSC {i},") for i in range(n)]
    path = tmp_path / "many.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    with pytest.raises(InvalidDataError) as info:
        read_dataset(path)
    assert info.value.total == n and len(info.value.problems) == MAX_KEPT
    result = runner.invoke(app, ["validate", str(path)])
    err = result.stderr.splitlines()
    assert result.exit_code == 1 and len(err) == MAX_SHOWN + 2
    assert err[-2] == f"... and {n - MAX_SHOWN} more problem(s)" and err[-1] == f"{n} problem(s); nothing was written."


# --- the command line and the web route -------------------------------------------------------------------------


@pytest.fixture()
def registry_db(template_csv: Path, tmp_path: Path) -> Path:
    db = tmp_path / "reg.db"
    assert runner.invoke(app, ["import", str(template_csv), "--db", str(db)]).exit_code == 0
    return db


@pytest.mark.parametrize("key, words", [("²", "no study with key '²'"),
                                        ("99999999999999999999", "no study with registry id 99999999999999999999"),
                                        ("1" + "0" * 5000, "no study with registry id 1000"), ("S1\x00", "no study")])
def test_show_unknown_keys(registry_db: Path, key: str, words: str) -> None:
    result = runner.invoke(app, ["show", key, "--db", str(registry_db)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert words in result.stderr and "Traceback" not in result.output
    assert runner.invoke(app, ["show", "1", "--db", str(registry_db)]).exit_code == 0


@pytest.mark.parametrize("content", [b"hello, not a database\n", bytes(range(256)) * 20])
def test_ls_on_a_file_that_is_not_a_registry(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "not-a-db-file"
    path.write_bytes(content)
    result = runner.invoke(app, ["ls", "--db", str(path)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert result.stderr.startswith("error: ") and path.read_bytes() == content


def test_ls_with_an_unknown_database_url() -> None:
    result = runner.invoke(app, ["ls", "--db", "nosuchdialect://host/db"])
    assert result.exit_code == 1 and "cannot open registry" in result.stderr


def test_web_study_route_with_odd_keys(registry_db: Path) -> None:
    from fastapi.testclient import TestClient

    from painregen.web.app import create_app

    with TestClient(create_app(registry_db), raise_server_exceptions=False) as client:
        for key in ("²", "99999999999999999999", "1" + "0" * 400, "%00"):
            api = client.get(f"/api/studies/{key}")
            assert api.status_code == 404 and "no study" in api.json()["detail"], (key, api.text[:200])
            page = client.get(f"/studies/{key}")
            assert page.status_code == 404, key
        assert client.get("/api/studies/S1").status_code == 200


SECURITY_HEADERS = ("x-content-type-options", "x-frame-options", "referrer-policy", "content-security-policy")


def test_security_headers_on_413_and_error_responses(registry_db: Path) -> None:
    from fastapi.testclient import TestClient

    from painregen.web.app import create_app

    with TestClient(create_app(registry_db, max_upload_bytes=1000), raise_server_exceptions=False) as client:
        big = b"x" * 200_000
        for path in ("/api/upload", "/upload"):
            r = client.post(path, content=big, headers={"content-type": "application/octet-stream"})
            assert r.status_code == 413, path
            assert all(h in r.headers for h in SECURITY_HEADERS), (path, dict(r.headers))
        for r in (client.get("/api/studies/nothing"), client.get("/no-such-page"),
                  client.post("/api/upload", files={"file": ("x.csv", b"a,b\n1,2\n")})):
            assert r.status_code >= 400 and all(h in r.headers for h in SECURITY_HEADERS), r.status_code

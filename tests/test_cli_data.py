"""The command-line contract: exit codes, file:row:column messages, all-or-nothing imports."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from painregen import __version__
from painregen.cli.main import app

from conftest import TEMPLATE_HEADER, template_rows

runner = CliRunner()


def test_version_and_help() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output
    for command in ("validate", "import", "export", "effects", "simulate", "ls", "show", "demo", "report"):
        assert runner.invoke(app, [command, "--help"]).exit_code == 0, command


def test_validate_ok_and_bad(template_csv: Path, tmp_path: Path) -> None:
    ok = runner.invoke(app, ["validate", str(template_csv), "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["observations"] == 5
    rows = template_rows()
    rows[0] = rows[0].replace(",15.0,", ",abc,")
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([TEMPLATE_HEADER, *rows]) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 1
    assert "bad.csv:2:average: expected a number" in result.stderr
    assert "Traceback" not in result.output


def test_usage_error_exit_2(template_csv: Path) -> None:
    assert runner.invoke(app, ["effects", str(template_csv), "--measure", "XYZ"]).exit_code == 2
    assert runner.invoke(app, ["validate"]).exit_code == 2


def test_import_is_all_or_nothing(template_csv: Path, tmp_path: Path) -> None:
    db = tmp_path / "reg.db"
    rows = template_rows()
    rows[3] = rows[3].replace(",SEM,8,", ",SEM,-1,")
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([TEMPLATE_HEADER, *rows]) + "\n", encoding="utf-8")
    assert runner.invoke(app, ["import", str(bad), "--db", str(db)]).exit_code == 1
    assert not db.exists() or json.loads(runner.invoke(app, ["ls", "--db", str(db), "--json"]).stdout) == []
    assert runner.invoke(app, ["import", str(template_csv), "--db", str(db)]).exit_code == 0
    listed = json.loads(runner.invoke(app, ["ls", "--db", str(db), "--json"]).stdout)
    assert len(listed) == 1
    again = runner.invoke(app, ["import", str(template_csv), "--db", str(db)])
    assert again.exit_code == 1  # duplicate study: nothing imported
    assert len(json.loads(runner.invoke(app, ["ls", "--db", str(db), "--json"]).stdout)) == 1


def test_effects_metafor_format(tmp_path: Path) -> None:
    f = tmp_path / "m.csv"
    f.write_text("study,m1i,sd1i,n1i,m2i,sd2i,n2i\nA,10,2,8,6,2,8\nB,5,1,1,4,1,1\n", encoding="utf-8")
    result = runner.invoke(app, ["effects", str(f), "--measure", "MD"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["study"] for r in rows] == ["A", "B"]
    assert float(rows[0]["yi"]) == 4.0
    assert float(rows[0]["vi"]) == 4 / 8 + 4 / 8
    smd = runner.invoke(app, ["effects", str(f), "--measure", "SMD"])
    assert smd.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(smd.stdout)))
    assert rows[1]["yi"] == "" and rows[1]["vi"] == ""  # n = 1 per group: undefined, warned
    assert "m.csv:3" in smd.stderr


def test_effects_metafor_bad_value(tmp_path: Path) -> None:
    f = tmp_path / "m.csv"
    f.write_text("m1i,sd1i,n1i,m2i,sd2i,n2i\n10,-2,8,6,2,8\n10,x,8,6,2,8\n", encoding="utf-8")
    result = runner.invoke(app, ["effects", str(f), "--measure", "SMD"])
    assert result.exit_code == 1
    assert "m.csv:3:sd1i:" in result.stderr
    assert "m.csv:2:sd1i:" in result.stderr


def test_export_every_format(template_csv: Path, tmp_path: Path) -> None:
    db = tmp_path / "reg.db"
    assert runner.invoke(app, ["import", str(template_csv), "--db", str(db)]).exit_code == 0
    for target, fmt in (("o.csv", "auto"), ("o.xlsx", "auto"), ("o.json", "auto"), ("pkg", "datapackage"),
                        ("s.csv", "syrf")):
        out = tmp_path / target
        result = runner.invoke(app, ["export", "--db", str(db), "-o", str(out), "--format", fmt])
        assert result.exit_code == 0, result.output
        back = runner.invoke(app, ["validate", str(out), "--json"])
        assert back.exit_code == 0, back.output
        assert json.loads(back.stdout)["observations"] == 5
    mf = tmp_path / "m.csv"
    assert runner.invoke(app, ["export", "--db", str(db), "-o", str(mf), "--format", "metafor"]).exit_code == 0
    rows = list(csv.DictReader(mf.open(encoding="utf-8")))
    # two treated cohorts share the vehicle control at day 14 (n = 8 -> 4 each); the day-28 value has no control
    assert [(r["cohort"], float(r["n2i"])) for r in rows] == [("MSC low", 4.0), ("MSC high", 4.0)]
    assert float(rows[0]["sd1i"]) == 0.6 * 8**0.5
    effects = runner.invoke(app, ["effects", str(mf), "--measure", "MD"])
    assert effects.exit_code == 0
    assert float(next(csv.DictReader(io.StringIO(effects.stdout)))["yi"]) == 2.0


def test_a_path_that_cannot_be_written_is_one_error_line(tmp_path: Path) -> None:
    """An OSError about a path the user gave (here a folder where the output file goes) is reported by the shared
    error mapping as one line naming the path, exit code 1, no traceback."""
    target = tmp_path / "sim.csv"
    target.mkdir()
    res = runner.invoke(app, ["simulate", "--studies", "2", "-o", str(target)])
    assert res.exit_code == 1
    assert f"cannot read or write {target}: Is a directory" in res.output
    assert "Traceback" not in res.output


def test_report_output_blocked_by_a_folder_moves_nothing(tmp_path: Path) -> None:
    """The report's files move into place only when none of their places is a folder: nothing is left behind."""
    import pytest

    from painregen.report.build import _move_into_place

    staging, target = tmp_path / "staging", tmp_path / "out"
    (staging / "figures").mkdir(parents=True)
    (staging / "report.html").write_text("r")
    (staging / "figures" / "f.svg").write_text("f")
    (staging / "z.csv").write_text("z")
    (target / "z.csv").mkdir(parents=True)
    with pytest.raises(IsADirectoryError) as err:
        _move_into_place(staging, target)
    assert err.value.filename == str(target / "z.csv")
    assert sorted(p.name for p in target.rglob("*")) == ["z.csv"]  # the folder only: nothing moved
    assert (staging / "report.html").exists()

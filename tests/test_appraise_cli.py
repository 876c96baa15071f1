"""`painregen appraise` sub-commands against a registry of simulated studies (mounted here on its own Typer app;
the lead mounts it as `painregen appraise`)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from painregen.appraise.summary import csv_columns
from painregen.cli.appraise_cmd import app
from painregen.registry import open_registry
from painregen.simulate import simulate

runner = CliRunner()


@pytest.fixture()
def db(tmp_path: Path) -> str:
    path = tmp_path / "reg.db"
    with open_registry(path) as reg:
        reg.import_dataset(simulate(4, seed=5), source="sim.json", sha256=hashlib.sha256(b"sim").hexdigest(),
                           fmt="json")
    return str(path)


def _keys(db: str) -> list[str]:
    with open_registry(db, create=False) as reg:
        return [s.study_id for s in reg.studies()]


def _write(tmp_path: Path, name: str, rows: list[str]) -> Path:
    p = tmp_path / name
    p.write_text("\n".join(["study,instrument,item,answer", *rows]) + "\n", encoding="utf-8")
    return p


def test_fill_from_csv_stores_answers_with_provenance(db: str, tmp_path: Path) -> None:
    a, b = _keys(db)[:2]
    with open_registry(db, create=False) as reg:
        before = reg.study(a).rob["sequence_generation"]
    new = "no" if before != "no" else "yes"
    f = _write(tmp_path, "answers.csv", [f"{a},syrcle,random_sequence,{new}", f"{a},arrive,2b,Reported",
                                         f"{a},camarades,temperature,yes", f"{b},SYRCLE,assessor_blinding.q2,yes"])
    res = runner.invoke(app, ["fill", "--db", db, "--from", str(f), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output) | {"import_id": 0} == {"import_id": 0, "inserted": 3, "updated": 1,
                                                         "unchanged": 0, "studies": [a, b]}
    with open_registry(db, create=False) as reg:
        sa, sb = reg.study(a), reg.study(b)
        assert sa.rob["sequence_generation"] == new and sa.arrive == {"2b": "reported"}
        assert sa.annotations["camarades.temperature_control"] == "yes"
        assert sb.rob["assessor_blinding.q2"] == "yes"
        assert reg.imports()[-1].format == "appraisal" and reg.imports()[-1].source == "answers.csv"
    again = runner.invoke(app, ["fill", "--db", db, "--from", str(f)])
    assert again.exit_code == 0 and "0 new, 0 changed, 4 unchanged" in again.output


def test_fill_is_all_or_nothing(db: str, tmp_path: Path) -> None:
    a = _keys(db)[0]
    f = _write(tmp_path, "bad.csv", [f"{a},syrcle,allocation_concealment,no", f"{a},syrcle,blinding_x,yes",
                                     f"{a},arrive,2b,maybe", "NOPE,camarades,peer_review,yes",
                                     f"{a},syrcle,allocation_concealment,yes"])
    with open_registry(db, create=False) as reg:
        before = reg.export_dataset()
    res = runner.invoke(app, ["fill", "--db", db, "--from", str(f)])
    assert res.exit_code == 1
    lines = res.output.strip().splitlines()
    assert lines[0].startswith("bad.csv:3:item: syrcle has no item 'blinding_x'")
    assert lines[1].startswith("bad.csv:4:answer: 'maybe' is not a arrive answer")
    assert lines[2].startswith("bad.csv:5:study: no study 'NOPE' in the registry")
    assert lines[3].startswith("bad.csv:6:item: syrcle allocation_concealment of study")
    assert lines[-1] == "4 problem(s); nothing was written."
    with open_registry(db, create=False) as reg:
        assert reg.export_dataset() == before and len(reg.imports()) == 1
    assert runner.invoke(app, ["validate", str(f)]).exit_code == 1
    assert runner.invoke(app, ["fill", "--db", db]).exit_code == 2


def test_validate_without_registry(tmp_path: Path) -> None:
    good = _write(tmp_path, "ok.csv", ["S1,syrcle,sequence_generation,yes", "S1,arrive,sample_size,n/a"])
    res = runner.invoke(app, ["validate", str(good)])
    assert res.exit_code == 0 and "2 answers for 1 studies, all valid" in res.output
    missing = tmp_path / "cols.csv"
    missing.write_text("study,item,answer\nS1,x,yes\n", encoding="utf-8")
    res = runner.invoke(app, ["validate", str(missing)])
    assert res.exit_code == 1 and res.output.startswith("cols.csv:1:instrument: column 'instrument' is missing")


def test_fill_interactive(db: str) -> None:
    a = _keys(db)[0]
    typed = "\n".join(["yes", "no", "skip", "", "unclear", "", "", "", "", "", "y"]) + "\n"
    res = runner.invoke(app, ["fill", "--db", db, "--interactive", "--study", a], input=typed)
    assert res.exit_code == 0, res.output
    with open_registry(db, create=False) as reg:
        rob = reg.study(a).rob
    assert (rob["sequence_generation"], rob["baseline_characteristics"], rob["caregiver_blinding"]) == \
        ("yes", "no", "unclear")


def test_prefill(tmp_path: Path) -> None:
    text = "Rats were randomly assigned to groups. Outcome assessors were not blinded to treatment."
    res = runner.invoke(app, ["prefill", text, "--json"])
    assert res.exit_code == 0
    props = json.loads(res.output)["proposals"]
    got = {(p["instrument"], p["item"]): (p["answer"], p["start"], p["end"]) for p in props}
    assert got[("syrcle", "sequence_generation")] == ("yes", 0, 38)
    assert got[("syrcle", "assessor_blinding")] == ("no", 39, len(text))
    f = tmp_path / "methods.txt"
    f.write_text(text, encoding="utf-8")
    res = runner.invoke(app, ["prefill", "--file", str(f)])
    assert res.exit_code == 0 and "sequence_generation" in res.output
    assert runner.invoke(app, ["prefill"]).exit_code == 2


def test_summary_json_and_csv(db: str) -> None:
    res = runner.invoke(app, ["summary", "--db", db, "--json"])
    assert res.exit_code == 0
    data = json.loads(res.output)
    assert data["n_studies"] == 4 and len(data["syrcle_summary"]) == 10
    assert set(data["studies"][0]) == {"study", "title", "syrcle", "arrive", "camarades", "battery", "mechanisms",
                                       "flags"}
    res = runner.invoke(app, ["summary", "--db", db, "--csv"])
    rows = list(csv.DictReader(io.StringIO(res.output)))
    assert res.exit_code == 0 and len(rows) == 4 and list(rows[0]) == csv_columns()
    assert runner.invoke(app, ["summary", "--db", db]).exit_code == 0
    assert runner.invoke(app, ["summary", "--db", db, "--json", "--csv"]).exit_code == 2


def test_plot_and_stratify(db: str, tmp_path: Path) -> None:
    out = tmp_path / "rob.svg"
    res = runner.invoke(app, ["plot", "--db", db, "-o", str(out), "--weighted"])
    assert res.exit_code == 0, res.output
    for p in (out, tmp_path / "rob_summary.svg"):
        assert p.read_text(encoding="utf-8").lstrip().startswith("<?xml") and "<svg" in p.read_text()
    res = runner.invoke(app, ["stratify", "--db", db, "--item", "sequence_generation", "--method", "DL"])
    assert res.exit_code == 0, res.output  # one of the 4 simulated studies has sequence_generation = yes
    d = json.loads(res.output)
    assert set(d) >= {"strata", "difference", "ratio", "meta_regression", "sensitivity"}
    assert d["n_studies"] == {"low": 1, "high/unclear": 3}
    with open_registry(db, create=False) as reg:
        ds = reg.export_dataset()
    one = tmp_path / "one.db"
    with open_registry(one) as reg:
        sub = ds.model_copy(update={"studies": [s for s in ds.studies if s.rob["sequence_generation"] != "yes"]})
        reg.import_dataset(sub, source="x", sha256=hashlib.sha256(b"x").hexdigest(), fmt="json")
    res = runner.invoke(app, ["stratify", "--db", str(one), "--item", "sequence_generation"])
    assert res.exit_code == 1 and "one stratum" in res.output
    assert runner.invoke(app, ["plot", "--db", str(tmp_path / "none.db")]).exit_code == 1


def test_instruments_listing() -> None:
    res = runner.invoke(app, ["instruments", "--json"])
    assert [i["id"] for i in json.loads(res.output)["instruments"]][:3] == ["syrcle", "arrive", "camarades"]
    assert runner.invoke(app, ["instruments", "syrcle"]).exit_code == 0
    assert runner.invoke(app, ["instruments", "nope"]).exit_code == 2


def test_prefill_reads_a_pdf_and_normalises_it(tmp_path: Path) -> None:
    from pdf_fixtures import METHODS_PAGES, make_pdf

    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(make_pdf(METHODS_PAGES))
    res = runner.invoke(app, ["prefill", "--file", str(pdf), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert (out["source"], out["pdf"], out["pages"]) == ("paper.pdf", True, 3)
    got = {(p["instrument"], p["item"]): p for p in out["proposals"]}
    assert got[("camarades", "welfare_compliance")]["sentence"] == \
        "All procedures were approved by the Animal Care and Use Committee of the university."
    assert got[("syrcle", "sequence_generation")]["match"] == "randomly assigned"
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4 truncated")
    res = runner.invoke(app, ["prefill", "--file", str(bad)])
    assert res.exit_code == 1 and "broken.pdf" in res.output and "cannot read the PDF" in res.output
    assert "Traceback" not in res.output
    res = runner.invoke(app, ["prefill", "--file", str(tmp_path / "missing.txt")])
    assert res.exit_code == 1 and "no such file" in res.output

"""`painregen screen`, `painregen reconcile` and `painregen prisma` end to end on a small registry."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from painregen.cli.main import app
from painregen.evidence.files import write_dataset
from painregen.evidence.models import Dataset
from painregen.simulate import simulate
from review_fixtures import registry_with_publications

runner = CliRunner()


def run(*args: str, code: int = 0) -> str:
    res = runner.invoke(app, list(args))
    assert res.exit_code == code, res.output
    return res.output


def test_screen_reconcile_prisma(tmp_path: Path) -> None:
    reg, pubs = registry_with_publications(tmp_path, 3)
    reg.close()
    db = str(tmp_path / "review.db")
    assert "no_control" in run("screen", "criteria", "--db", db)
    run("screen", "criteria", "add", "wrong_species", "Not a rodent", "--stage", "ta", "--db", db)
    nxt = json.loads(run("screen", "next", "--reviewer", "ann", "--db", db, "--json", "-n", "2"))
    assert [r["publication"] for r in nxt["records"]] == pubs[:2] and nxt["waiting"] == 3
    for p in pubs:
        run("screen", "decide", str(p), "include", "--reviewer", "ann", "--db", db)
    run("screen", "decide", str(pubs[0]), "include", "--reviewer", "bob", "--db", db)
    run("screen", "decide", str(pubs[1]), "exclude", "--reason", "wrong_species", "--reviewer", "bob", "--db", db)
    run("screen", "decide", str(pubs[2]), "include", "--reviewer", "bob", "--db", db)
    out = run("screen", "decide", str(pubs[0]), "include", "--reviewer", "cat", "--db", db, code=1)
    assert "already has its 2 screeners" in out
    run("screen", "decide", str(pubs[0]), "perhaps", "--reviewer", "cat", "--db", db, code=2)
    conflicts = json.loads(run("screen", "conflicts", "--db", db, "--json"))["conflicts"]
    assert [c["publication"] for c in conflicts] == [pubs[1]]
    assert {d["reviewer"] for d in conflicts[0]["decisions"]} == {"ann", "bob"}
    run("screen", "decide", str(pubs[1]), "exclude", "--reason", "wrong_species", "--arbiter", "--reviewer", "cat",
        "--db", db)
    ag = json.loads(run("screen", "agreement", "--db", db, "--json", "--stage", "ta"))["stages"][0]
    assert ag["n_records"] == 3 and ag["pairs"][0]["pa"] == 2 / 3
    for p in (pubs[0], pubs[2]):
        for who in ("ann", "bob"):
            run("screen", "decide", str(p), "include", "--stage", "ft", "--reviewer", who, "--db", db)
    # extraction in duplicate
    study = simulate(1, seed=4).studies[0]
    other = study.model_copy(deep=True)
    other.experiments[0].cohorts[0].n_randomised = (study.experiments[0].cohorts[0].n_randomised or 0) + 2
    for who, s in (("ann", study), ("bob", other)):
        write_dataset(Dataset(studies=[s], simulated=True), tmp_path / f"{who}.csv")
        run("reconcile", "extract", str(pubs[0]), str(tmp_path / f"{who}.csv"), "--reviewer", who, "--db", db)
    shown = json.loads(run("reconcile", "show", str(pubs[0]), "--db", db, "--json"))
    paths = [d["path"] for d in shown["discrepancies"]]
    assert len(paths) == 1 and paths[0].endswith(".n_randomised")
    assert "not reconciled" in run("reconcile", "finish", str(pubs[0]), "--reviewer", "cat", "--db", db, code=1)
    run("reconcile", "agree", str(pubs[0]), paths[0], str(study.experiments[0].cohorts[0].n_randomised),
        "--reviewer", "cat", "--db", db)
    assert "(reconciled)" in run("reconcile", "finish", str(pubs[0]), "--reviewer", "cat", "--db", db)
    status = json.loads(run("reconcile", "status", "--db", db, "--json"))["publications"]
    assert [(r["publication"], r["extraction_status"]) for r in status] == [(pubs[0], "reconciled"), (pubs[2], None)]
    # PRISMA
    counts = json.loads(run("prisma", "--db", db, "-o", str(tmp_path / "prisma.svg"), "--json"))
    assert (counts["records_screened"], counts["records_excluded"], counts["studies_included"],
            counts["linked_studies"]) == (3, 1, 2, 1)
    assert (tmp_path / "prisma.svg").read_text(encoding="utf-8").startswith("<?xml")
    run("prisma", "--db", db, "-o", str(tmp_path / "prisma.gif"), code=2)
    assert "no registry" in run("prisma", "--db", str(tmp_path / "none.db"), "-o", str(tmp_path / "p.svg"), code=1)


def test_agreement_from_a_syrf_file_alone(shared_data: Path) -> None:
    path = shared_data / "syrf" / "screening_data_unblinded_long-format_example.csv"
    st = json.loads(run("screen", "agreement", "--syrf", str(path), "--json"))["stages"][0]
    assert st["n_records"] == 3
    assert {tuple(p["reviewers"]): p["n"] for p in st["pairs"]} == {
        ("Ivan Investigator", "Mohammed McScreener"): 2, ("Ivan Investigator", "Rachel McResearcher"): 2,
        ("Mohammed McScreener", "Rachel McResearcher"): 1}

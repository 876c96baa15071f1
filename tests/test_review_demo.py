"""The review workflow on SIMULATED search results: known duplicates removed, known relevant studies linked,
PRISMA counts consistent with the simulator's truth."""

from __future__ import annotations

from pathlib import Path

import pytest

from painregen.registry import open_registry
from painregen.review.demo import run_review_demo
from painregen.review.prisma import prisma_counts
from painregen.review.screening_agreement import review_agreement
from painregen.simulate import simulate
from painregen.simulate.search import SOURCES, simulate_search


def test_simulated_search_truth() -> None:
    ds = simulate(5, seed=2)
    search = simulate_search(ds, n_irrelevant=20, n_borderline=3, seed=1)
    truth = search.truth()
    assert truth["relevant_publications"] == 5 and truth["publications"] == 28
    assert truth["records"] - truth["publications"] == truth["duplicates"] > 0
    for source in SOURCES:
        text = search.ris(source)
        assert text.count("ER  - ") == sum(r.source == source for r in search.records)
        assert "SIMULATED" in text


def test_review_demo_end_to_end(tmp_path: Path) -> None:
    ds = simulate(6, seed=5)
    with open_registry(tmp_path / "demo.db") as reg:
        reg.import_dataset(ds, source="demo.csv", sha256="1" * 64, fmt="template")
        with reg.session() as s, s.begin():
            info = run_review_demo(s, ds, tmp_path)
            c = prisma_counts(s)
            agreement = review_agreement(s)
        assert len(reg.studies()) == 6  # linked, not copied
    truth = info["truth"]
    assert c.records_identified == truth["records"]
    assert c.duplicates_removed == truth["duplicates"]  # every known duplicate found, nothing else merged
    assert c.records_screened == truth["publications"]
    assert c.studies_included + c.reports_excluded + c.reports_not_retrieved == c.reports_sought
    assert c.linked_studies <= truth["relevant_publications"]
    assert c.linked_studies >= 1 and c.reports_excluded_reasons
    assert all(a["overall"] is not None for a in agreement)


def test_demo_review_runs_beside_the_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`painregen demo` runs the review workflow in a child process: its summary reaches the report's section,
    and a failure there becomes that section's note, never a hang or a lost error."""
    from painregen.cli import demo_cmd

    ds = simulate(4, seed=3)
    db = tmp_path / "demo.db"
    with open_registry(db) as reg:
        reg.import_dataset(ds, source="demo.csv", sha256="1" * 64, fmt="template")
    summary = demo_cmd.DemoWorkflow(db, tmp_path, ds).summary()
    assert summary is not None
    with open_registry(db) as reg, reg.session() as s:
        assert summary["prisma"].to_dict() == prisma_counts(s).to_dict()  # what the child recorded
        assert summary["prisma"].records_identified > 0

    from painregen.report.output import ReportOutput
    from painregen.report.pipeline import run_analysis
    from painregen.report.sections import review as review_section

    analysis = run_analysis(ds)
    analysis.review = lambda: summary
    out = ReportOutput(tmp_path / "report")
    sec = review_section.build(analysis, out)
    assert sec is not None
    shown = sec.context["fields"]
    assert [r["percent"] for r in shown] == sorted(r["percent"] for r in shown)  # least identical first
    assert shown[0]["percent"] < 100.0  # the second extractor's slips lead the table
    assert sec.context["n_fields"] == len(summary["fields"])

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("no search records")

    monkeypatch.setattr("painregen.review.demo.run_review_demo", broken)
    workflow = demo_cmd.DemoWorkflow(db, tmp_path / "second", ds)
    workflow.ready()  # the registry part is unaffected
    with pytest.raises(RuntimeError, match="review workflow failed: ValueError: no search records"):
        workflow.summary()


def test_demo_registry_is_built_beside_and_its_errors_reach_the_parent(tmp_path: Path) -> None:
    """The demo's child process builds the registry from the data set (written and read back as a user file),
    then runs the review; a failure while building it is raised in this process as itself."""
    from painregen.cli import demo_cmd

    ds = simulate(3, seed=11)
    db, data = tmp_path / "demo.db", tmp_path / "demo-evidence.csv"
    workflow = demo_cmd.DemoWorkflow(db, tmp_path, ds, data)
    sent = workflow.ready()  # the evidence, read from the registry by the child
    with open_registry(db, create=False) as reg:  # readable while the child writes the review tables
        stored = reg.analysis_evidence()
    assert sorted(s.study_id for s in stored.dataset.studies) == sorted(s.study_id for s in ds.studies)
    assert sent.dataset == stored.dataset and sent.provenance() == stored.provenance()
    assert sent.labels == stored.labels and sent.notes == stored.notes
    assert data.exists()
    assert workflow.summary()["prisma"].records_identified > 0

    broken = demo_cmd.DemoWorkflow(tmp_path / "x.db", tmp_path, ds, tmp_path / "no such folder" / "d.csv")
    with pytest.raises(FileNotFoundError):
        broken.ready()


def test_an_error_that_cannot_cross_processes_becomes_a_registry_error() -> None:
    from painregen.cli.beside import portable
    from painregen.cli.demo_cmd import _registry_error
    from painregen.registry.records import RegistryError

    class Local(Exception):  # a local class does not pickle
        pass

    assert isinstance(portable(ValueError("x"), _registry_error), ValueError)
    err = portable(Local("disk full"), _registry_error)
    assert isinstance(err, RegistryError) and "Local: disk full" in str(err)


def test_demo_workflow_without_fork_runs_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where processes cannot be forked the registry is built and the review run in this process, with the same
    outcome and the same error handling."""
    import multiprocessing

    from painregen.cli import demo_cmd

    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    ds = simulate(3, seed=12)
    workflow = demo_cmd.DemoWorkflow(tmp_path / "d.db", tmp_path, ds, tmp_path / "d.csv")
    assert sorted(s.study_id for s in workflow.ready().dataset.studies) == sorted(s.study_id for s in ds.studies)
    assert workflow.summary()["prisma"].records_identified > 0

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("no search records")

    monkeypatch.setattr("painregen.review.demo.run_review_demo", broken)
    failing = demo_cmd.DemoWorkflow(tmp_path / "e.db", tmp_path / "e", ds, tmp_path / "e.csv")
    with pytest.raises(RuntimeError, match="review workflow failed: ValueError: no search records"):
        failing.summary()


@pytest.mark.parametrize("blocked", ["painregen.db", "demo-evidence.csv"])
def test_demo_into_a_folder_it_cannot_write_says_so(tmp_path: Path, blocked: str) -> None:
    """A folder where the registry (removed here) or the data file (written by the child process) cannot be written
    gives one error line naming the file, exit code 1 and no traceback."""
    from typer.testing import CliRunner

    from painregen.cli.main import app

    (tmp_path / "out" / blocked / "x").mkdir(parents=True)
    res = CliRunner().invoke(app, ["demo", "--out", str(tmp_path / "out")])
    assert res.exit_code == 1, res.output
    assert "cannot write the demonstration into" in res.output and blocked in res.output
    assert "Traceback" not in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)

"""Issue 11: a report, never a traceback, on any registry.

A fixed list of registry shapes (empty, one study, SyRF only, template only, mixed real + simulated, with
ARRIVE/SYRCLE answers, a domain with k = 1 or 2, the seed-1 registry that used to crash) goes through the
report, the CLI commands that read a registry and every page of the workbench; a hypothesis test draws further
simulated registries (seeds 1..200, various sizes, with appraisal answers and SyRF data mixed in). Every report
section must be computed: a section that falls back to its "could not be computed" note counts as a failure
here, so the safety net in painregen.report.sections can never hide a bug from the tests.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from collections.abc import Callable, Iterator
from html import escape
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from painregen.cli.main import app as cli
from painregen.evidence import models as m
from painregen.evidence.files import read_dataset, write_dataset
from painregen.io.tables import sha256_of
from painregen.registry import open_registry
from painregen.report.output import ReportOutput
from painregen.report.pipeline import run_analysis
from painregen.report.sections import build_sections
from painregen.simulate import simulate

SYRF = Path(__file__).resolve().parents[2] / "shared" / "data" / "syrf" / "quantitative_data_example.csv"
runner = CliRunner()

Builder = Callable[[Path], None]


def _import(db: Path, ds: m.Dataset, name: str, **kw: Any) -> None:
    path = db.parent / name
    write_dataset(ds, path)
    back, fmt = read_dataset(path)
    with open_registry(db) as reg:
        reg.import_dataset(back, source=path, sha256=sha256_of(path), fmt=fmt, **kw)


def _import_file(db: Path, path: Path) -> None:
    ds, fmt = read_dataset(path)
    with open_registry(db) as reg:
        reg.import_dataset(ds, source=path, sha256=sha256_of(path), fmt=fmt)


def _with_answers(ds: m.Dataset) -> m.Dataset:
    """Every study with SYRCLE answers replaced and ARRIVE answers added (the report used to die on these)."""
    studies = []
    for i, s in enumerate(ds.studies):
        arrive = {"randomisation": "reported", "blinding": "not_reported" if i % 2 else "reported",
                  "sample_size": "reported", "ethical_statement": "reported"}
        rob = dict(s.rob) | {"assessor_blinding": ["yes", "no", "unclear"][i % 3]}
        studies.append(s.model_copy(update={"arrive": arrive, "rob": rob}))
    return ds.model_copy(update={"studies": studies})


def _small_domains(ds: m.Dataset) -> m.Dataset:
    """Keep one outcome per experiment, so that some domains end up with k = 1 or 2."""
    studies = []
    for s in ds.studies:
        exps = []
        for e in s.experiments:
            keep = e.outcomes[0].outcome_id
            exps.append(e.model_copy(update={
                "outcomes": [o for o in e.outcomes if o.outcome_id == keep],
                "observations": [o for o in e.observations if o.outcome_id == keep]}))
        studies.append(s.model_copy(update={"experiments": exps}))
    return ds.model_copy(update={"studies": studies})


def _template_only(db: Path) -> None:
    from conftest import TEMPLATE_HEADER, template_rows

    path = db.parent / "template.csv"
    path.write_text("\n".join([TEMPLATE_HEADER, *template_rows()]) + "\n", encoding="utf-8")
    _import_file(db, path)


SHAPES: dict[str, Builder] = {
    "empty": lambda db: open_registry(db).close(),
    "one_study": lambda db: _import(db, simulate(1, seed=5), "one.csv"),
    "syrf_only": lambda db: _import_file(db, SYRF),
    "template_only": _template_only,
    "mixed_real_and_simulated": lambda db: (_import_file(db, SYRF), _import(db, simulate(6, seed=11), "sim.csv")),
    "appraisal_answers": lambda db: _import(db, _with_answers(simulate(5, seed=3)), "answered.csv"),
    "domains_with_k_1_or_2": lambda db: _import(db, _small_domains(simulate(3, seed=17)), "small.csv"),
    "two_imports_same_keys": lambda db: (_import(db, simulate(3, seed=1), "a.csv"),
                                         _import(db, simulate(3, seed=2), "b.csv", project="second")),
    # the README's first registry, whose report used to end in a ConvergenceError traceback
    "seed1_40_studies": lambda db: _import(db, simulate(40, seed=1), "sim.csv"),
}


@pytest.fixture(scope="module")
def registries(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if not SYRF.exists():
        pytest.skip("../shared/data is not beside the project")
    out = {}
    for name, build in SHAPES.items():
        db = tmp_path_factory.mktemp(name) / "registry.db"
        build(db)
        out[name] = db
    return out


def _sections_ok(source: Any, out: Path, **kw: Any) -> list[str]:
    """Build every report section (SVG figures only, for speed); returns the failures."""
    analysis = run_analysis(source, **kw)
    build_sections(analysis, ReportOutput(out, formats=()))
    return [f"{f.section}: {f.message}\n{f.trace}" for f in analysis.cache["failures"]]


@pytest.mark.parametrize("shape", list(SHAPES))
def test_report_and_cli_on_every_shape(registries: dict[str, Path], shape: str, tmp_path: Path) -> None:
    db = str(registries[shape])
    with open_registry(db) as reg:
        evidence = reg.analysis_evidence()
    out = tmp_path / "report" / "report.html"
    r = runner.invoke(cli, ["report", "--db", db, "-o", str(out)])
    if shape == "empty":
        assert r.exit_code == 1 and "holds no studies" in r.output and not out.parent.exists()
        return
    assert r.exit_code == 0, r.output
    assert "note:" not in r.output  # no section fell back to its failure note (the CLI prints each as a note)
    html = out.read_text(encoding="utf-8")
    assert 'class="failed' not in html and "Traceback" not in html
    ids = [s.study_id for s in evidence.dataset.studies]
    assert all(s not in html or escape(evidence.labels[s]) in html for s in ids)  # shown by their labels
    for args in (["ls", "--db", db], ["ls", "--db", db, "--json"], ["show", "1", "--db", db],
                 ["map", "suggest", "--db", db], ["appraise", "summary", "--db", db, "--json"],
                 ["export", "--db", db, "-o", str(tmp_path / "back.json")]):
        r = runner.invoke(cli, args)
        assert r.exit_code == 0 and "Traceback" not in r.output, (args, r.output)
    r = runner.invoke(cli, ["dose-meta", "--db", db, "--json"])
    assert r.exit_code in (0, 1) and "Traceback" not in r.output, r.output  # 1: no dose-response data (said so)
    effects = tmp_path / "es.csv"
    r = runner.invoke(cli, ["effects", str(tmp_path / "back.json"), "--measure", "SMD", "-o", str(effects),
                            "--ledger", str(tmp_path / "ledger.csv")])
    assert r.exit_code == 0, r.output
    with effects.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if len([x for x in rows if x["yi"]]) >= 3:
        for args in (["meta", str(effects), "--json"], ["meta", str(effects)], ["bias", str(effects), "--json"]):
            r = runner.invoke(cli, args)
            assert r.exit_code == 0 and "Traceback" not in r.output, (args, r.output)


@pytest.fixture()
def client_for(registries: dict[str, Path], tmp_path: Path) -> Iterator[Callable[[str], TestClient]]:
    clients: list[TestClient] = []

    def make(shape: str) -> TestClient:
        from painregen.web.app import create_app

        db = tmp_path / f"{shape}.db"
        shutil.copy(registries[shape], db)
        c = TestClient(create_app(db, work_dir=tmp_path / "jobs"), raise_server_exceptions=False)
        c.__enter__()
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.__exit__(None, None, None)


PAGES = ("/", "/studies", "/studies/1", "/mapping", "/analysis?run=true", "/analysis?run=true&subgroup=product",
         "/ledger", "/dose", "/downloads", "/whoami", "/api", "/api/studies", "/api/mapping", "/api/analysis",
         "/api/ledger", "/download/effects.csv", "/download/evidence.json", "/download/ledger.csv")


@pytest.mark.parametrize("shape", ["empty", "syrf_only", "mixed_real_and_simulated", "appraisal_answers",
                                   "domains_with_k_1_or_2"])
def test_every_page_on_every_shape(client_for: Callable[[str], TestClient], shape: str) -> None:
    client = client_for(shape)
    for page in PAGES:
        r = client.get(page)
        assert r.status_code < 500, (page, r.status_code, r.text[:500])
        if shape == "empty":
            assert r.status_code in (200, 404), page
        else:
            assert r.status_code == 200, (page, r.status_code, r.text[:500])


def test_mixed_registry_says_so_and_can_be_restricted(client_for: Callable[[str], TestClient]) -> None:
    client = client_for("mixed_real_and_simulated")
    page = client.get("/analysis", params={"run": "true"}).text
    assert "mixed: 6 SIMULATED + 12 real studies" in page and "pool SIMULATED and real studies" in page
    real = client.get("/api/analysis", params={"import": 1}).json()
    assert real["provenance"]["origin"] == "real" and real["provenance"]["n_real"] == 12
    assert [d["domain"] for d in real["domains"]] == ["affective"] and real["domains"][0]["origin"] == "real"
    assert client.get("/api/analysis", params={"import": 9}).status_code == 404


def test_the_real_syrf_export_reaches_its_domain(registries: dict[str, Path], tmp_path: Path) -> None:
    """SyRF outcome labels are mapped (FST -> forced swim test, affective), comparisons whose control sits in
    another experiment are paired, and the domain is pooled with a forest plot in the report."""
    db = str(registries["syrf_only"])
    out = tmp_path / "syrf" / "report.html"
    assert runner.invoke(cli, ["report", "--db", db, "-o", str(out)]).exit_code == 0
    html = out.read_text(encoding="utf-8")
    assert 'id="pooled-affective"' in html and "forest_affective" in html
    assert "22 included</strong>, <strong>3 excluded" in html
    assert "Akinfiresoye &amp; Tizabi 2013" in html and "Reus et al. 2015" in html
    counts = list(csv.DictReader(io.StringIO((out.parent / "ledger.csv").read_text(encoding="utf-8"))))
    fates = {(r["status"], r["reason"]) for r in counts}
    assert ("included", "paired_other_experiment") in fates and ("excluded", "ambiguous_control") in fates


def test_a_failed_report_leaves_nothing_behind(registries: dict[str, Path], tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from painregen.report import build

    out = tmp_path / "keep"
    out.mkdir()
    (out / "notes.txt").write_text("the user's own file", encoding="utf-8")
    before = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))

    def broken(*_: Any, **__: Any) -> str:
        raise RuntimeError("disk full while writing the page")

    monkeypatch.setattr(build, "render_report", broken)
    with open_registry(registries["one_study"]) as reg, pytest.raises(RuntimeError):
        build.write_report(reg.analysis_evidence(), out / "report.html", figure_formats=())
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == before


@settings(max_examples=int(os.environ.get("PAINREGEN_SHAPE_EXAMPLES", "5")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(seed=st.integers(1, 200), n=st.integers(1, 12), answers=st.booleans(), small=st.booleans(),
       measure=st.sampled_from(["SMD", "MD", "ROM", "NMD"]))
def test_simulated_registries_of_any_seed_and_size(tmp_path_factory: pytest.TempPathFactory, seed: int, n: int,
                                                  answers: bool, small: bool, measure: str) -> None:
    ds = simulate(n, seed=seed)
    if answers:
        ds = _with_answers(ds)
    if small:
        ds = _small_domains(ds)
    db = tmp_path_factory.mktemp("drawn") / "r.db"
    _import(db, ds, "drawn.csv")
    with open_registry(db) as reg:
        evidence = reg.analysis_evidence()
    failures = _sections_ok(evidence, db.parent / "out", measure=measure)
    assert failures == [], json.dumps(failures, indent=1)

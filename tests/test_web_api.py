"""The web workbench's JSON API and pages, through FastAPI's test client (no browser, no server).

Values shown by the web are checked against direct library calls on the same data: the web is a shell. Tests of
uploads, listings, edits and protections run on SQLite and PostgreSQL (``registry_url`` in conftest.py); those
whose work is computation the backend does not change run on SQLite only."""

from __future__ import annotations

import csv
import io
import re
import time
import zipfile
from collections.abc import Iterator
from html import escape as html_escape
from html import unescape as html_unescape
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from painregen.effects.table import dataset_effects
from painregen.evidence.files import read_dataset, write_dataset
from painregen.meta import subgroup
from painregen.registry import open_registry
from painregen.report.pipeline import run_analysis
from painregen.simulate import simulate
from painregen.web.app import create_app
from painregen.web.security import CSRF_COOKIE, sign, unsign

from conftest import sqlite_only

SEED = 11
BAD = {5: ("n", "eleven"), 9: ("average", "")}  # spreadsheet row (header = 1) -> (column, corrupt value)


def _csv_bytes(path: Path, bad: dict[int, tuple[str, str]] | None = None,
               title: str | None = None) -> bytes:
    rows = list(csv.reader(path.open(encoding="utf-8")))
    header = rows[0]
    for row_number, (column, value) in (bad or {}).items():
        rows[row_number - 1][header.index(column)] = value
    if title is not None:
        for r in rows[1:]:
            r[header.index("title")] = title if r[header.index("study_id")] == rows[1][header.index("study_id")] \
                else r[header.index("title")]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


@pytest.fixture(scope="module")
def sim_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sim") / "evidence.csv"
    write_dataset(simulate(2, seed=SEED), path)
    return path


@pytest.fixture()
def db(registry_url: str) -> str:
    """The test's registry: a SQLite file path, or a PostgreSQL URL (see conftest.py)."""
    return registry_url


@pytest.fixture()
def client(db: str, tmp_path: Path) -> Iterator[TestClient]:
    # the jobs folder is beside a SQLite file; for a database URL it is the test's own folder
    with TestClient(create_app(db, work_dir=tmp_path / "jobs" if "://" in db else None)) as c:
        yield c


def upload(client: TestClient, name: str, data: bytes, **form: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    """POST /api/upload as a script does: a fresh client, no cookies, no CSRF token."""
    r = TestClient(client.app).post("/api/upload", files={"file": (name, data, "application/octet-stream")},
                                    data=form)
    return r.status_code, r.json()


def n_studies(db: str) -> int:
    with open_registry(db) as reg:
        return len(reg.studies())


def test_upload_imports_all_studies_and_lists_them(client: TestClient, db: str, sim_csv: Path) -> None:
    status, body = upload(client, "my evidence.csv", sim_csv.read_bytes())
    assert status == 201, body
    ds, _ = read_dataset(sim_csv)
    assert body["imported"] is True and body["format"] == "template" and body["filename"] == "my_evidence.csv"
    assert [s["study_id"] for s in body["studies"]] == [s.study_id for s in ds.studies]
    listed = client.get("/api/studies").json()["studies"]
    assert [s["study_id"] for s in listed] == [s.study_id for s in ds.studies]
    assert [s["n_observations"] for s in listed] == [sum(len(e.observations) for e in s.experiments)
                                                     for s in ds.studies]
    with open_registry(db) as reg:
        assert reg.imports()[0].source == "my_evidence.csv"
        assert reg.export_dataset().studies[0].title == ds.studies[0].title


def test_invalid_upload_lists_problems_per_row_and_stores_nothing(client: TestClient, db: str,
                                                                 sim_csv: Path) -> None:
    status, body = upload(client, "bad.csv", _csv_bytes(sim_csv, BAD))
    assert status == 422
    assert body["imported"] is False
    found = {(p["row"], p["column"]) for p in body["problems"]}
    assert found == {(5, "n"), (9, "average")}
    assert all(p["file"] == "bad.csv" and p["message"] for p in body["problems"])
    assert [g["row"] for g in body["rows"]] == [5, 9]
    assert n_studies(db) == 0


def test_dry_run_validates_without_storing(client: TestClient, db: str, sim_csv: Path) -> None:
    status, body = upload(client, "ok.csv", sim_csv.read_bytes(), dry_run="true")
    assert status == 200 and body["valid"] is True and body["imported"] is False and len(body["studies"]) == 2
    assert n_studies(db) == 0


def test_second_upload_of_same_studies_is_a_conflict(client: TestClient, db: str, sim_csv: Path) -> None:
    assert upload(client, "a.csv", sim_csv.read_bytes())[0] == 201
    status, body = upload(client, "a.csv", sim_csv.read_bytes())
    assert status == 409
    assert {d["key"] for d in body["duplicates"]} == {"sha256"}
    assert n_studies(db) == 2


def test_xlsx_and_json_uploads(client: TestClient, tmp_path: Path) -> None:
    ds = simulate(1, seed=SEED + 1)
    write_dataset(ds, tmp_path / "one.xlsx")
    write_dataset(simulate(1, seed=SEED + 2), tmp_path / "two.json")
    assert upload(client, "one.xlsx", (tmp_path / "one.xlsx").read_bytes())[0] == 201
    status, body = upload(client, "two.json", (tmp_path / "two.json").read_bytes())
    assert status == 201 and body["format"] == "json"


@pytest.mark.parametrize(("name", "data", "status"), [
    ("notes.txt", b"a,b\n1,2\n", 415),
    ("archive.csv", b"PK\x03\x04" + b"\x00" * 40, 415),
    ("book.xlsx", b"study_id,title\nS1,x\n", 415),
    ("data.json", b"study_id,title\n", 415),
    ("empty.csv", b"", 400),
])
@sqlite_only
def test_type_checks(client: TestClient, db: str, name: str, data: bytes, status: int) -> None:
    got, body = upload(client, name, data)
    assert got == status
    assert body["problems"] and body["problems"][0]["file"] == name
    assert n_studies(db) == 0


def test_upload_size_limit_is_413(db: str, sim_csv: Path) -> None:
    data = sim_csv.read_bytes()
    with TestClient(create_app(db, max_upload_bytes=len(data) - 1)) as c:
        r = c.post("/api/upload", files={"file": ("big.csv", data, "text/csv")})
        assert r.status_code == 413 and "limit" in r.json()["problems"][0]["message"]
        huge = data * 40  # past the limit plus the multipart allowance: refused before the body is read
        r = c.post("/api/upload", files={"file": ("huge.csv", huge, "text/csv")})
        assert r.status_code == 413 and "limit" in r.json()["detail"]
    assert n_studies(db) == 0


def _token(client: TestClient) -> str:
    client.get("/upload")
    token = unsign(client.app.state.config.secret, client.cookies[CSRF_COOKIE])  # type: ignore[attr-defined]
    assert token
    return token


def test_csrf_cross_site_form_post_is_refused(client: TestClient, db: str, sim_csv: Path) -> None:
    files = {"file": ("x.csv", sim_csv.read_bytes(), "text/csv")}
    fresh = TestClient(client.app)
    r = fresh.post("/upload", files=files, data={"action": "import"}, headers={"Origin": "http://evil.example"})
    assert r.status_code == 403
    r = fresh.post("/api/upload", files=files, headers={"Origin": "http://evil.example"})
    assert r.status_code == 403
    token = _token(client)  # a browser session: cookie set by a page
    assert client.post("/upload", files=files, data={"action": "import"}).status_code == 403
    assert client.post("/upload", files=files, data={"action": "import", "csrf_token": "x" + token}).status_code == 403
    forged = {CSRF_COOKIE: sign(b"another secret", token)}
    r = TestClient(client.app, cookies=forged).post("/upload", files=files, data={"csrf_token": token})
    assert r.status_code == 403
    assert n_studies(db) == 0
    r = client.post("/upload", files=files, data={"action": "import", "csrf_token": token})
    assert r.status_code == 201 and "imported 2 studies" in r.text
    assert n_studies(db) == 2


def test_csrf_header_for_api_calls_from_a_browser_session(client: TestClient, sim_csv: Path) -> None:
    token = _token(client)
    files = {"file": ("x.csv", sim_csv.read_bytes(), "text/csv")}
    assert client.post("/api/upload", files=files).status_code == 403
    assert client.post("/api/upload", files=files, headers={"X-CSRF-Token": token}).status_code == 201


@sqlite_only
def test_user_text_is_escaped(client: TestClient, sim_csv: Path) -> None:
    title = "<script>alert('x')</script> & <b>bold</b>"
    assert upload(client, "evil.csv", _csv_bytes(sim_csv, title=title))[0] == 201
    for url in ("/studies", "/studies/1", "/studies/1/appraisal", "/analysis?run=true"):
        html = client.get(url).text
        assert "<script>" not in html and "<b>bold" not in html, url
    escaped = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"
    assert escaped in client.get("/studies").text
    assert client.get("/api/studies/1").json()["citation"]["title"] == title
    token = _token(client)
    bad = _csv_bytes(sim_csv, {5: ("n", "<script>alert(1)</script>")})
    page = client.post("/upload", files={"file": ("<img src=x>.csv", bad, "text/csv")},
                       data={"csrf_token": token, "action": "check"})
    assert page.status_code == 422
    assert "<img src=x>" not in page.text and "img_src_x_.csv" in page.text
    assert "<script>" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    r = client.get("/")
    assert "default-src 'none'" in r.headers["content-security-policy"] and r.headers["x-frame-options"] == "DENY"


@sqlite_only
def test_analysis_matches_the_library(client: TestClient, sim_csv: Path) -> None:
    upload(client, "e.csv", sim_csv.read_bytes())
    body = client.get("/api/analysis", params={"measure": "SMD", "method": "DL"}).json()
    ds, _ = read_dataset(sim_csv)
    expected = run_analysis(ds, measure="SMD", method="DL")
    pooled = [d for d in expected.domains if d.result is not None]
    assert [d["domain"] for d in body["domains"]] == [d.domain for d in expected.domains]
    for got, want in zip(body["domains"], pooled, strict=False):
        assert got["result"]["estimate"] == pytest.approx(float(want.result.b[0]), rel=1e-12)  # type: ignore[union-attr]
        assert got["result"]["tau2"] == pytest.approx(want.result.tau2, rel=1e-12, abs=1e-15)  # type: ignore[union-attr]
        assert got["figures"][0]["kind"] == "forest" and got["figures"][0]["svg"].startswith("<svg")
    page = client.get("/analysis", params={"measure": "SMD", "method": "DL", "run": "true"}).text
    est = body["domains"][0]["result"]["estimate"]
    assert f"{est:.2f}" in page
    # the page shows the numbers at once and lets the browser fetch each figure; every link gives that figure
    links = [html_unescape(u) for u in re.findall(r'<img src="(/analysis/figure\.svg\?[^"]+)"', page)]
    assert len(links) == sum(len(d["figures"]) for d in body["domains"]) >= len(pooled)
    for link, want_fig in zip(links, [f for d in body["domains"] for f in d["figures"]], strict=True):
        r = client.get(link)
        assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
        assert f"kind={want_fig['kind']}" in link and r.text.startswith("<svg")
    assert client.get("/analysis/figure.svg", params={"domain": "nonesuch", "kind": "forest"}).status_code == 404
    assert client.get("/api/analysis", params={"measure": "XYZ"}).status_code == 422


@sqlite_only
def test_subgroup_analysis_matches_the_library(client: TestClient, tmp_path: Path) -> None:
    path = tmp_path / "sub.csv"
    write_dataset(simulate(3, seed=3), path)
    upload(client, "sub.csv", path.read_bytes())
    ds, _ = read_dataset(path)
    body = client.get("/api/analysis", params={"subgroup": "product", "figures": "false"}).json()
    checked = 0
    for d in run_analysis(ds).domains:
        got = next(x for x in body["domains"] if x["domain"] == d.domain)
        if d.result is None or d.rows is None or d.rows["product"].nunique() < 2:
            assert got["subgroup"] is None
            continue
        want = subgroup(d.yi, d.vi, [str(g) for g in d.rows["product"]], method="REML")
        assert [s["level"] for s in got["subgroup"]["subgroups"]] == list(want.levels)
        assert got["subgroup"]["Q_between"] == pytest.approx(want.Q_between, rel=1e-10)
        assert [s["estimate"] for s in got["subgroup"]["subgroups"]] == pytest.approx(
            [float(f.b[0]) for f in want.fits], rel=1e-10)
        checked += 1
    assert checked >= 1
    page = client.get("/analysis", params={"subgroup": "product", "run": "true"}).text
    assert "Test of subgroup differences" in page


def wait_for_job(client: TestClient, job_id: str, timeout: float = 300.0) -> dict[str, Any]:
    """Poll a background job until it finishes (the worker is a separate process)."""
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["finished"] or time.monotonic() > deadline:
            return dict(job)
        time.sleep(0.5)


@sqlite_only
def test_downloads(client: TestClient, sim_csv: Path) -> None:
    assert client.get("/download/report.html").status_code == 404  # empty registry
    upload(client, "e.csv", sim_csv.read_bytes())
    ds, _ = read_dataset(sim_csv)
    r = client.get("/download/report.zip", follow_redirects=False)  # starts the report job, shows its page
    assert r.status_code == 303 and r.headers["location"].startswith("/jobs/")
    job = wait_for_job(client, r.headers["location"].removeprefix("/jobs/"))
    assert job["status"] == "done" and job["result"]["origin"] == "simulated", job
    assert {f["name"] for f in job["files"]} == {"report.html", "report.zip"}
    again = client.get("/download/report.zip", follow_redirects=False)  # an unchanged registry: the same job
    assert again.headers["location"] == r.headers["location"]
    r = client.get(r.headers["location"] + "/report.zip")
    assert r.headers["content-disposition"] == 'attachment; filename="painregen-report.zip"'
    zf = zipfile.ZipFile(io.BytesIO(r.content))
    names = zf.namelist()
    assert any(n.endswith(".svg") for n in names) and any(n.endswith(".csv") for n in names)
    report = zf.read("painregen-report/report.html").decode("utf-8")
    assert report.lstrip().lower().startswith("<!doctype html") and ds.studies[0].study_id in report
    r = client.get("/download/effects.csv", params={"measure": "MD"})
    table = dataset_effects(ds, "MD")
    got = list(csv.DictReader(io.StringIO(r.text)))
    assert list(got[0]) == table.columns and len(got) == len(table.rows)
    assert [float(g["yi"]) for g in got] == pytest.approx([row["yi"] for row in table.rows], rel=1e-12)
    back = client.get("/download/evidence.json").content
    path = Path(client.app.state.config.db).with_name("back.json")  # type: ignore[attr-defined]
    path.write_bytes(back)
    assert [s.study_id for s in read_dataset(path)[0].studies] == [s.study_id for s in ds.studies]
    assert client.get("/download/evidence.csv").text.startswith("study_id,title")


def test_appraisal_edit_via_api_and_form(client: TestClient, db: str, sim_csv: Path) -> None:
    upload(client, "e.csv", sim_csv.read_bytes())
    before = client.get("/api/studies/1/appraisal").json()
    assert before["stored"]["syrcle"] == read_dataset(sim_csv)[0].studies[0].rob
    answers = {"answers": [{"instrument": "syrcle", "item": "assessor_blinding", "answer": "yes"},
                           {"instrument": "arrive", "item": "randomisation", "answer": "reported"}]}
    r = client.post("/api/studies/1/appraisal", json=answers)
    assert r.status_code == 200, r.text
    with open_registry(db) as reg:
        study = reg.study(1)
    assert study.rob["assessor_blinding"] == "yes" and study.arrive["randomisation"] == "reported"
    bad = {"answers": [{"instrument": "syrcle", "item": "assessor_blinding", "answer": "maybe"}]}
    r = client.post("/api/studies/1/appraisal", json=bad)
    assert r.status_code == 422 and r.json()["problems"][0]["column"] == "answer"
    token = _token(client)
    r = client.post("/studies/1/appraisal", data={"csrf_token": token, "syrcle.assessor_blinding": "no",
                                                   "syrcle.random_housing": ""})
    assert r.status_code == 200 and "1 changed" in r.text
    with open_registry(db) as reg:
        assert reg.study(1).rob["assessor_blinding"] == "no"
    assert client.post("/studies/1/appraisal", data={"syrcle.assessor_blinding": "yes"}).status_code == 403


def test_pages_and_api_agree(client: TestClient, sim_csv: Path) -> None:
    upload(client, "e.csv", sim_csv.read_bytes())
    api = client.get("/api/studies").json()["studies"]
    html = client.get("/studies").text
    for s in api:
        # shown by its author-year label, the key as the link's title
        assert re.search(rf'<a href="/studies/{s["id"]}" title="key: {re.escape(s["study_id"])}">'
                         rf'{re.escape(html_escape(s["label"]))}</a>', html)
    one = client.get("/api/studies/2").json()
    page = client.get("/studies/2").text
    for e in one["experiments"]:
        for c in e["cohorts"]:
            assert f"<td>{c['cohort_id']}</td>" in page
    assert client.get("/api").json()["counts"]["studies"] == 2
    assert client.get("/api/studies/nope").status_code == 404


@sqlite_only
def test_openapi_document_lists_the_api_and_no_html_pages(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    paths = set(doc["paths"])
    assert {"/api/upload", "/api/studies", "/api/studies/{study}", "/api/analysis", "/download/report.html"} <= paths
    assert not any(p in paths for p in ("/upload", "/studies", "/analysis"))
    assert "multipart/form-data" in doc["paths"]["/api/upload"]["post"]["requestBody"]["content"]
    assert client.get("/docs").status_code == 404  # the Swagger page would load scripts from the internet


@sqlite_only
def test_serve_command_runs_the_app_on_the_registry(monkeypatch: pytest.MonkeyPatch, db: str) -> None:
    import uvicorn

    from painregen.cli.serve_cmd import is_loopback, serve_command

    calls: list[tuple[object, str, int]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, host, port, **kw: calls.append((app, host, port)))
    serve_command(host="127.0.0.1", port=8123, db=str(db), auth=False, allowed_host=[], workers=1,
                  secret_file=None, work_dir=None)
    app, host, port = calls[0]
    assert (host, port) == ("127.0.0.1", 8123) and Path(db).exists()
    c = TestClient(app, base_url="http://127.0.0.1:8123")  # type: ignore[arg-type]
    assert c.get("/api/studies").json() == {"studies": []}
    assert TestClient(app, base_url="http://evil.example").get("/api").status_code == 400  # type: ignore[arg-type]
    assert is_loopback("127.0.0.5") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("example.org")


@sqlite_only
def test_dose_series_and_groups(client: TestClient, tmp_path: Path) -> None:
    path = tmp_path / "dose.csv"
    write_dataset(simulate(2, seed=3), path)  # SIM-0003 gives bone-marrow MSCs at three doses
    assert upload(client, "dose.csv", path.read_bytes())[0] == 201
    ds, _ = read_dataset(path)
    series = client.get("/api/dose").json()["series"]
    assert [s["key"] for s in series] == ["SIM-0003/E1/mesenchymal stem cell of the bone marrow/cells/per_animal"]
    s = series[0]
    assert s["doses"] == [5e5, 5e6, 1.5e7] and s["unit"] == "cells"
    body = client.get("/api/dose", params={"series": s["key"], "outcome": "von Frey filaments"}).json()
    groups = body["groups"]
    assert body["status"] in ("pending", "ok") and groups["time_days"] == 28.0
    exp = ds.studies[1].experiments[0]
    assert [g["dose"] for g in groups["groups"]] == [0.0, *s["doses"]]
    for g in groups["groups"]:
        o = next(o for o in exp.observations if o.cohort_id == g["cohort"] and o.outcome_id == "von Frey filaments"
                 and o.time_days == 28.0)
        assert o.error_type.value == "SEM"
        assert (g["mean"], g["n"]) == (o.average, o.n)
        assert g["se"] == pytest.approx(o.error, rel=1e-12)
    from painregen.dose.data import from_summary
    from painregen.dose.mcp_mod import mcp_mod

    assert body["status"] == "ok" and body["params"]["spec"] == "linear,emax:3e+06,sigEmax:7.5e+06/3"
    g = groups["groups"]
    want = mcp_mod(from_summary([x["dose"] for x in g], [x["mean"] for x in g], [x["se"] for x in g],
                                n=[x["n"] for x in g]), body["params"]["spec"], direction="increasing").to_dict()
    assert body["result"]["selected_model"] == want["selected_model"]
    assert [c["t"] for c in body["result"]["mct"]["contrasts"]] == pytest.approx(
        [c["t"] for c in want["mct"]["contrasts"]], rel=1e-12)
    assert body["result"]["window"]["saturation_dose"] == pytest.approx(want["window"]["saturation_dose"], rel=1e-9)
    bad = client.get("/api/dose", params={"series": s["key"], "spec": "nonsense:1"}).json()
    assert bad["status"] == "error" and "nonsense" in bad["message"]
    page = client.get("/dose", params={"series": s["key"], "run": "true"}).text
    assert page.count("<tr><td>") >= 4 + 1 and 'alt="dose-response curve"' in page

"""Pre-filling on the appraisal page of the web workbench: pasted text or an uploaded .txt/.pdf gives proposals with
their highlighted sentence; nothing is stored until the reviewer accepts, and accepted answers are stored with the
reviewer's name in the import's source."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from painregen.evidence.files import write_dataset
from painregen.registry import open_registry
from painregen.registry.schema import ImportRow
from painregen.simulate import simulate
from painregen.web.app import create_app
from painregen.web.security import CSRF_COOKIE, unsign
from pdf_fixtures import METHODS_PAGES, make_pdf

METHODS = ("Rats were randomly assigned to the vehicle or MSC groups. Von Frey testing was performed by an "
           "observer unaware of the treatment groups <b>(n = 8)</b>. All procedures were approved by the "
           "Institutional Animal Care and Use Committee.")


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    sim = tmp_path / "sim.csv"
    write_dataset(simulate(2, seed=7), sim)
    db = tmp_path / "web.db"
    with TestClient(create_app(db)) as c:
        r = c.post("/api/upload", files={"file": ("sim.csv", sim.read_bytes(), "text/csv")})
        assert r.status_code == 201, r.text
    return db


@pytest.fixture()
def client(db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(db)) as c:
        yield c


def _token(client: TestClient) -> str:
    client.get("/studies/1/appraisal")
    token = unsign(client.app.state.config.secret, client.cookies[CSRF_COOKIE])  # type: ignore[attr-defined]
    assert token
    return token


def _rob(db: Path) -> dict[str, str]:
    with open_registry(db) as reg:
        return dict(reg.study(1).rob)


def test_pasted_text_gives_highlighted_proposals_and_stores_nothing(client: TestClient, db: Path) -> None:
    page = client.get("/studies/1/appraisal")
    assert page.status_code == 200 and 'action="/studies/1/appraisal/prefill"' in page.text
    before = _rob(db)
    r = client.post("/studies/1/appraisal/prefill", data={"csrf_token": _token(client), "methods": METHODS})
    assert r.status_code == 200, r.text
    assert "<mark>randomly assigned</mark>" in r.text and "&lt;b&gt;(n = 8)" in r.text and "<b>(n" not in r.text
    assert 'name="accept.syrcle.sequence_generation"' in r.text and "nothing is stored until you accept" in r.text
    assert r.headers["x-frame-options"] == "DENY" and "content-security-policy" in r.headers
    assert _rob(db) == before
    assert client.post("/studies/1/appraisal/prefill", data={"methods": METHODS}).status_code == 403  # no token


def test_uploaded_pdf_and_problems(client: TestClient) -> None:
    token = _token(client)
    r = client.post("/studies/1/appraisal/prefill", data={"csrf_token": token},
                    files={"file": ("paper.pdf", make_pdf(METHODS_PAGES), "application/pdf")})
    assert r.status_code == 200 and "PDF, 3 pages" in r.text
    assert "All procedures were <mark>approved by the Animal Care and Use Committee</mark> of the university." in r.text
    r = client.post("/studies/1/appraisal/prefill", data={"csrf_token": token},
                    files={"file": ("paper.pdf", b"%PDF-1.4 broken", "application/pdf")})
    assert r.status_code == 422 and "cannot read the PDF" in r.text
    r = client.post("/studies/1/appraisal/prefill", data={"csrf_token": token},
                    files={"file": ("paper.docx", b"PK\x03\x04", "application/octet-stream")})
    assert r.status_code == 422 and "paste the methods text" in r.text
    assert client.post("/studies/1/appraisal/prefill", data={"csrf_token": token, "methods": " "}).status_code == 422


def test_accepting_stores_ticked_answers_under_the_reviewer(client: TestClient, db: Path) -> None:
    token = _token(client)
    form = {"csrf_token": token, "accept.syrcle.sequence_generation": "1",
            "answer.syrcle.sequence_generation": "yes", "answer.syrcle.assessor_blinding": "yes",
            "accept.syrcle.assessor_blinding": "1", "answer.camarades.welfare_compliance": "yes"}
    # the reviewer changed one proposal and left one unticked (welfare is not stored)
    form["answer.syrcle.assessor_blinding"] = "unclear"
    assert client.post("/studies/1/appraisal/accept", data=form).status_code == 422  # who decides?
    r = client.post("/studies/1/appraisal/accept", data={**form, "reviewer": "Ana Silva"})
    assert r.status_code == 200 and "accepted by Ana Silva" in r.text
    rob = _rob(db)
    assert (rob["sequence_generation"], rob["assessor_blinding"]) == ("yes", "unclear")
    with open_registry(db) as reg, reg.session() as s:
        sources = [row.source for row in s.scalars(select(ImportRow))]
    assert any(src.startswith("web pre-fill (reviewer: Ana Silva)") for src in sources)
    with open_registry(db) as reg:
        assert "camarades.welfare_compliance" not in reg.study(1).annotations
    assert client.post("/studies/1/appraisal/accept", data={"csrf_token": token, "reviewer": "Ana"}).status_code \
        == 422  # nothing ticked


def test_api_prefill_returns_proposals(db: Path) -> None:
    api = TestClient(create_app(db))  # a script: no cookies, no CSRF token needed
    r = api.post("/api/studies/1/appraisal/prefill", data={"text": METHODS})
    assert r.status_code == 200
    props = {(p["instrument"], p["item"]): p for p in r.json()["prefill"]["proposals"]}
    assert props[("syrcle", "sequence_generation")]["answer"] == "yes"
    assert props[("syrcle", "assessor_blinding")]["match"] == "unaware of the treatment"
    assert "/api/studies/{study}/appraisal/prefill" in api.get("/openapi.json").json()["paths"]

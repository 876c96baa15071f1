"""The review pages of the workbench and their JSON twins, through FastAPI's test client: search import and records,
the duplicate queue (merge / not a duplicate), blinded dual screening with a third reviewer, agreement statistics,
extraction in duplicate with reconciliation and entry into the evidence registry, and the PRISMA 2020 counts
(recomputed from the registry's rows). Values are checked against the review library and hand calculations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from painregen.registry import Registry, open_registry
from painregen.review import reconcile as rc
from painregen.review import screening as sc
from painregen.review.schema import LiteratureRecordRow
from painregen.review.store import publication_records
from painregen.web.app import create_app
from painregen.web.security import CSRF_COOKIE
from painregen.web.views.review_screening import shown_decisions
from review_fixtures import add_records
from web_review_fixtures import SEARCH, extraction_files, prisma_from_rows, ris_text


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    return tmp_path / "review.db"


@pytest.fixture()
def app(db: Path) -> FastAPI:
    return create_app(db)


def script(app: FastAPI) -> TestClient:
    """A client as a script is: no cookies, so no CSRF token is needed and no reviewer cookie is sent."""
    return TestClient(app)


def reviewer(app: FastAPI, name: str) -> TestClient:
    """A browser-like client signed in as ``name`` on /whoami; later POSTs send the CSRF token as a header."""
    c = TestClient(app)
    c.get("/whoami")
    token = c.cookies[CSRF_COOKIE].rpartition(".")[0]
    r = c.post("/whoami", data={"reviewer": name, "csrf_token": token, "next": "/review"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/review"
    c.headers["X-CSRF-Token"] = token
    return c


def import_search(app: FastAPI, records: list[dict[str, Any]] = SEARCH, name: str = "pubmed.ris",
                  source: str = "PubMed") -> Any:
    return script(app).post("/api/review/records", files={"file": (name, ris_text(records).encode(), "text/plain")},
                            data={"source": source, "search_date": "2024-01-31"})


def with_reg(db: Path) -> Registry:
    return open_registry(db)


def test_search_import_records_page_and_problems(app: FastAPI, db: Path) -> None:
    r = import_search(app)
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["import"]["records"] == 6 and body["import"]["imports"][0]["format"] == "ris"
    assert body["import"]["dedup"]["publications_merged"] == 1  # r1 and r3
    assert body["import"]["dedup"]["queued_pairs"] == 2  # r2 against r1 and r3
    listing = script(app).get("/api/review/records").json()
    assert listing["total"] == 6 and [i["source"] for i in listing["imports"]] == ["PubMed"]
    assert listing["imports"][0]["search_date"] == "2024-01-31"
    merged = [r for r in listing["records"] if r["records_in_publication"] == 2]
    assert sorted(r["source_key"] for r in merged) == ["r1", "r3"]
    assert script(app).get("/api/review/records", params={"q": "exosomes"}).json()["total"] == 1
    page = script(app).get("/review/records").text
    assert "Exosomes from adipose stromal cells" in page and "×2" in page

    again = import_search(app)  # the same bytes: refused, nothing stored
    assert again.status_code == 422
    assert "imported before" in again.json()["problems"][0]["message"]
    broken = ris_text(SEARCH[3:5]).replace("ER  - \n\nTY", "TY", 1).encode()  # record 1 lacks its ER line
    r = script(app).post("/api/review/records", files={"file": ("broken.ris", broken, "text/plain")},
                         data={"source": "Embase"})
    assert r.status_code == 422
    assert r.json()["problems"][0]["row"] == 1 and r.json()["problems"][0]["file"].endswith("broken.ris")
    bad_date = script(app).post("/api/review/records", files={"file": ("x.ris", b"TY  - JOUR\nER  - \n")},
                                data={"source": "Embase", "search_date": "31/01/2024"})
    assert bad_date.status_code == 422 and bad_date.json()["problems"][0]["column"] == "search_date"
    assert script(app).get("/api/review/records").json()["total"] == 6


def test_real_search_export_imports_through_the_web(app: FastAPI, shared_data: Path) -> None:
    path = shared_data / "literature" / "formats" / "asysd_scopus.ris"
    r = script(app).post("/api/review/records", files={"file": (path.name, path.read_bytes())},
                         data={"source": "Scopus"})
    assert r.status_code == 201, r.json()
    assert r.json()["import"]["records"] == 10  # the count of tests/test_review_intake.py


def test_duplicate_queue_side_by_side_merge_and_not_a_duplicate(app: FastAPI, db: Path) -> None:
    import_search(app)
    queue = script(app).get("/api/review/duplicates").json()["pairs"]
    assert len(queue) == 2
    fields = {f["field"]: f for f in queue[0]["fields"]}
    assert fields["title"]["same"] and not fields["volume"]["same"] and not fields["pages"]["same"]
    assert {queue[0]["record_a"]["source_key"], queue[0]["record_b"]["source_key"]} in ({"r1", "r2"}, {"r2", "r3"})

    anon = script(app).post("/api/review/duplicates", json={"record_a": 1, "record_b": 2, "decision": "distinct"})
    assert anon.status_code == 422 and "/whoami" in anon.json()["detail"]
    ann = reviewer(app, "Ann")
    claimed = ann.post("/api/review/duplicates", json={"record_a": 1, "record_b": 2, "decision": "distinct",
                                                        "reviewer": "Mallory"})
    assert claimed.status_code == 403
    a, b = queue[0]["record_a"]["id"], queue[0]["record_b"]["id"]
    r = ann.post("/api/review/duplicates", json={"record_a": a, "record_b": b, "decision": "distinct"})
    assert r.status_code == 200 and r.json()["decided_by"] == "Ann"
    left = script(app).get("/api/review/duplicates").json()["pairs"]
    assert len(left) == 1

    bob = reviewer(app, "Bob")  # the page's form: a reviewer field in the form is ignored, the cookie decides
    page = bob.get("/review/duplicates")
    assert 'value="merge"' in page.text
    token = bob.headers["X-CSRF-Token"]
    c, d = left[0]["record_a"]["id"], left[0]["record_b"]["id"]
    r = bob.post("/review/duplicates", data={"record_a": c, "record_b": d, "decision": "merge", "reviewer": "Mallory",
                                             "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    after = script(app).get("/api/review/duplicates").json()
    assert after["pairs"] == []
    assert sorted((x["status"], x["decided_by"]) for x in after["decided"]) == [("distinct", "Ann"), ("merged", "Bob")]
    with with_reg(db) as reg, reg.session() as s:
        pub = s.get(LiteratureRecordRow, c).publication_id
        assert len(publication_records(s, pub)) == 3  # r1, r2, r3: one publication keeping every record
    no_token = TestClient(app)
    no_token.cookies.update(bob.cookies)
    refused = no_token.post("/review/duplicates", data={"record_a": c, "record_b": d, "decision": "merge"})
    assert refused.status_code == 403  # a form post without the CSRF token


def _screen(client: TestClient, stage: str, pub: int, decision: str, reason: str | None = None) -> Any:
    return client.post(f"/api/review/screen/{stage}", json={"publication": pub, "decision": decision,
                                                            "reason": reason})


def test_blinded_screening_conflict_third_reviewer_and_agreement(app: FastAPI, db: Path) -> None:
    with with_reg(db) as reg:
        pubs = add_records(reg, "PubMed", [f"Study {i}" for i in range(4)])
    ann, bob, cat = reviewer(app, "Ann"), reviewer(app, "Bob"), reviewer(app, "Cat")
    ann_says = ["include", "include", "exclude", "include"]
    bob_says = ["include", "include", "exclude", "exclude"]
    for p, d in zip(pubs, ann_says, strict=True):
        r = _screen(ann, "ta", p, d, "not_animal" if d == "exclude" else None)
        assert r.status_code == 200 and r.json()["status"] == "pending"
    mine = ann.get("/api/review/screen/ta").json()
    assert mine["reviewer"] == "Ann" and mine["record"] is None and mine["waiting"] == 0
    assert [m["others"] for m in mine["mine"]] == [[]] * 4  # Bob has not decided: nothing to show
    seen_by_bob = bob.get("/api/review/screen/ta").json()
    assert seen_by_bob["mine"] == [] and seen_by_bob["waiting"] == 4
    assert seen_by_bob["record"]["decisions"] == []  # Ann's decision on it is hidden from Bob
    assert "Ann" not in bob.get("/review/screen/ta").text

    for p, d in zip(pubs, bob_says, strict=True):
        assert _screen(bob, "ta", p, d, "wrong_condition" if d == "exclude" else None).status_code == 200
    mine = {m["publication"]: m for m in ann.get("/api/review/screen/ta").json()["mine"]}
    assert [mine[p]["others"][0]["decision"] for p in pubs] == bob_says  # all decided: blinding lifted
    assert mine[pubs[3]]["status"] == "conflict"
    with with_reg(db) as reg, reg.session() as s:
        outs = sc.outcomes(s, "ta")
        for p in pubs:
            for who in ("Ann", "Bob", "Cat"):
                assert shown_decisions(outs[p], who) == sc.visible_decisions(s, p, "ta", who)

    conflicts = ann.get("/api/review/conflicts/ta").json()
    assert [p["publication"] for p in conflicts["conflicts"]] == [pubs[3]]
    assert conflicts["conflicts"][0]["can_resolve"] is False  # Ann screened it
    refused = ann.post("/api/review/conflicts/ta", json={"publication": pubs[3], "decision": "include"})
    assert refused.status_code == 409 and "third reviewer" in refused.json()["detail"]
    assert cat.get("/api/review/conflicts/ta").json()["conflicts"][0]["can_resolve"] is True
    token = cat.headers["X-CSRF-Token"]
    r = cat.post("/review/conflicts/ta", data={"publication": pubs[3], "decision": "include", "csrf_token": token},
                 follow_redirects=False)
    assert r.status_code == 303
    resolved = cat.get("/api/review/conflicts/ta").json()
    assert resolved["conflicts"] == [] and resolved["resolved"][0]["arbiter"]["reviewer"] == "Cat"

    agreement = script(app).get("/api/review/agreement").json()
    ta = agreement["stages"][0]
    assert ta["stage"] == "title_abstract" and ta["n_records"] == 4
    pair = ta["pairs"][0]
    assert pair["reviewers"] == ["Ann", "Bob"] and pair["n"] == 4
    # by hand: 3 of 4 agree; Ann includes 3/4, Bob 2/4: pe = 3/4*2/4 + 1/4*2/4 = 1/2, kappa = (3/4 - 1/2)/(1/2);
    # AC1: pi = (5/8, 3/8), pe = 2 * 5/8 * 3/8 = 15/32, AC1 = (3/4 - 15/32) / (1 - 15/32) = 9/17
    assert pair["percent"] == pytest.approx(75.0, rel=1e-12)
    assert pair["cohen_kappa"]["estimate"] == pytest.approx(0.5, rel=1e-12)
    assert pair["gwet_ac1"]["estimate"] == pytest.approx(9 / 17, rel=1e-12)
    # Fleiss' kappa pools the marginals: pi = (5/8, 3/8), pe = 34/64, kappa = (3/4 - 34/64) / (30/64) = 7/15
    assert ta["overall"]["fleiss_kappa"]["estimate"] == pytest.approx(7 / 15, rel=1e-12)
    page = script(app).get("/review/agreement").text
    assert "0.500" in page and "0.529" in page and "75.0" in page

    ft = ann.get("/api/review/screen/ft").json()
    assert ft["waiting"] == 3  # included at title/abstract: two agreed, one resolved
    no_reason = _screen(ann, "ft", ft["record"]["publication"], "exclude")
    assert no_reason.status_code == 409 and "reason" in no_reason.json()["detail"]
    anon = script(app).post("/review/screen/ta", data={"publication": pubs[0], "decision": "exclude"},
                            follow_redirects=False)
    assert anon.status_code == 303  # no reviewer: back to the page, which asks for a name
    assert "whoami-form" in script(app).get("/review/screen/ta").text


def test_prioritised_queue_is_the_library_order(app: FastAPI, db: Path) -> None:
    titles = ["stem cells neuropathic pain rats", "stem cells spinal cord injury rats", "human trial knee",
              "stromal cells nerve injury allodynia rats", "economics of hospital care", "exosomes pain mice"]
    with with_reg(db) as reg:
        pubs = add_records(reg, "PubMed", titles, abstracts=titles)
    ann = reviewer(app, "Ann")
    assert _screen(ann, "ta", pubs[0], "include").status_code == 200
    assert _screen(ann, "ta", pubs[2], "exclude").status_code == 200
    got = ann.get("/api/review/screen/ta").json()
    plain = ann.get("/api/review/screen/ta", params={"order": "publication"}).json()
    with with_reg(db) as reg, reg.session() as s:
        ranked = sc.queue(s, "ta", "Ann", prioritise=True)
        in_order = sc.queue(s, "ta", "Ann")
    assert [got["record"]["publication"]] + [q["publication"] for q in got["queue"]] == ranked
    assert [plain["record"]["publication"]] + [q["publication"] for q in plain["queue"]] == in_order
    assert ranked != in_order and ranked[-1] == pubs[4]  # the economics record comes last
    assert ann.get("/api/review/screen/ta", params={"publication": pubs[1]}).json()["record"]["publication"] == pubs[1]
    assert ann.get("/api/review/screen/xx").status_code == 404


def _include(db: Path, n: int = 1) -> list[int]:
    with with_reg(db) as reg:
        pubs = add_records(reg, "PubMed", [f"Included {i}" for i in range(n)])
        with reg.session() as s, s.begin():
            for stage in ("ta", "ft"):
                for p in pubs:
                    for who in ("Ann", "Bob"):
                        sc.decide(s, p, stage, who, "include")
    return pubs


def test_extraction_in_duplicate_reconciliation_and_entry(app: FastAPI, db: Path, tmp_path: Path) -> None:
    (pub,) = _include(db)
    ann_file, bob_file = extraction_files(tmp_path / "files")
    ann, bob, cat = reviewer(app, "Ann"), reviewer(app, "Bob"), reviewer(app, "Cat")
    r = ann.post(f"/api/review/extraction/{pub}/versions", files={"file": ("ann.csv", ann_file.read_bytes())})
    assert r.status_code == 201, r.json()
    assert r.json()["extractors"] == ["Ann"] and not r.json()["compared"]
    blinded = bob.get(f"/api/review/extraction/{pub}").json()
    assert blinded["blinded"] and blinded["discrepancies"] == []
    bad = bob.post(f"/api/review/extraction/{pub}/versions", files={"file": ("bob.txt", b"x")})
    assert bad.status_code == 415
    r = bob.post(f"/api/review/extraction/{pub}/versions", files={"file": ("bob.csv", bob_file.read_bytes())})
    assert r.status_code == 201
    assert 'id="version-form"' not in cat.get(f"/review/extraction/{pub}").text  # two have extracted
    ctx = cat.get(f"/api/review/extraction/{pub}").json()
    with with_reg(db) as reg, reg.session() as s:
        comp = rc.comparison(s, pub)
    assert comp is not None
    assert [d["path"] for d in ctx["discrepancies"]] == [d.path for d in comp.discrepancies]
    assert len(ctx["discrepancies"]) == 2 and ctx["open"] == 2 and not ctx["can_finish"]
    data = next(d for d in ctx["discrepancies"] if d["kind"] == "data")
    rob = next(d for d in ctx["discrepancies"] if d["kind"] == "syrcle")
    assert data["path"].endswith(".average") and rob["values"] == {"Ann": "yes", "Bob": "no"}

    not_a_cell = cat.post(f"/api/review/extraction/{pub}/agree", json={"path": "title", "value": "x"})
    assert not_a_cell.status_code == 409
    wrong_type = cat.post(f"/api/review/extraction/{pub}/agree", json={"path": data["path"], "value": "high"})
    assert wrong_type.status_code == 422
    r = cat.post(f"/api/review/extraction/{pub}/agree", json={"path": data["path"], "value": str(data["values"]["Ann"]),
                                                              "note": "checked Figure 2"})
    assert r.status_code == 200 and r.json()["agreed_value"] == data["values"]["Ann"]
    assert r.json()["decided_by"] == "Cat"
    token = cat.headers["X-CSRF-Token"]
    page = cat.post(f"/review/extraction/{pub}/agree", data={"path": rob["path"], "value": "yes", "other": "no",
                                                            "csrf_token": token}, follow_redirects=False)
    assert page.status_code == 303  # the typed value wins over the choice
    ctx = cat.get(f"/api/review/extraction/{pub}").json()
    agreed = {d["path"]: d["agreed"] for d in ctx["discrepancies"]}
    assert agreed[rob["path"]]["value"] == "no" and agreed[rob["path"]]["decided_by"] == "Cat"
    assert ctx["open"] == 0 and ctx["can_finish"]

    r = cat.post(f"/api/review/extraction/{pub}/finish", json={})
    assert r.status_code == 200 and r.json()["extraction_status"] == "reconciled"
    with with_reg(db) as reg:
        study = reg.study(r.json()["study_pk"])
    assert study.rob["assessor_blinding"] == "no"
    listing = script(app).get("/api/review/extraction").json()["publications"]
    assert listing[0]["study_pk"] == r.json()["study_pk"] and listing[0]["open"] == 0
    assert "study " + str(r.json()["study_pk"]) in cat.get(f"/review/extraction/{pub}").text
    assert cat.post(f"/api/review/extraction/{pub}/finish", json={}).status_code == 409  # entered once
    assert cat.get("/api/review/extraction/999").status_code == 404


def test_single_extractor_needs_the_switch(app: FastAPI, db: Path, tmp_path: Path) -> None:
    (pub,) = _include(db)
    ann_file, _ = extraction_files(tmp_path / "files")
    ann = reviewer(app, "Ann")
    assert ann.post(f"/api/review/extraction/{pub}/versions",
                    files={"file": ("ann.csv", ann_file.read_bytes())}).status_code == 201
    assert ann.get(f"/api/review/extraction/{pub}").json()["single_only"]
    refused = ann.post(f"/api/review/extraction/{pub}/finish", json={})
    assert refused.status_code == 409 and "second" in refused.json()["detail"]
    r = ann.post(f"/api/review/extraction/{pub}/finish", json={"allow_single": True})
    assert r.status_code == 200 and r.json()["extraction_status"] == "single"


def test_prisma_counts_equal_a_recomputation_from_the_registry(app: FastAPI, db: Path) -> None:
    import_search(app)
    embase = [SEARCH[3], {"ID": "e1", "TI": "Secretome of MSCs in diabetic neuropathy", "PY": "2018"}]
    import_search(app, embase, name="embase.ris", source="Embase")
    ann, bob = reviewer(app, "Ann"), reviewer(app, "Bob")
    ta = ann.get("/api/review/screen/ta", params={"order": "publication"}).json()
    pubs = [ta["record"]["publication"]] + [q["publication"] for q in ta["queue"]]
    for i, p in enumerate(pubs):
        _screen(ann, "ta", p, "exclude" if i == 1 else "include", "not_primary" if i == 1 else None)
        if i != len(pubs) - 1:
            _screen(bob, "ta", p, "exclude" if i in (1, 2) else "include", "not_primary" if i in (1, 2) else None)
    ft = ann.get("/api/review/screen/ft", params={"order": "publication"}).json()
    ft_pubs = [ft["record"]["publication"]] + [q["publication"] for q in ft["queue"]]
    for who in (ann, bob):
        _screen(who, "ft", ft_pubs[0], "exclude", "no_full_text")
        _screen(who, "ft", ft_pubs[1], "include")
    got = script(app).get("/api/review/prisma").json()
    want = prisma_from_rows(open_registry(db).engine)
    assert {k: got["counts"][k] for k in want} == want
    assert want["records_identified"] == 8 and want["reports_not_retrieved"] == 1 and want["studies_included"] == 1
    assert want["duplicates_removed"] == 2  # r1/r3 within PubMed, the exosome record across databases
    assert f"Records identified from databases (n = {want['records_identified']}" in got["svg"]
    page = script(app).get("/review/prisma").text
    assert '<img src="data:image/svg+xml;base64,' in page
    assert f'<tr data-key="records_screened"><td>Records screened</td><td class="num">{want["records_screened"]}' \
           in page


def test_every_review_page_and_its_json_twin(app: FastAPI, db: Path) -> None:
    (pub,) = _include(db)
    ann = reviewer(app, "Ann")
    for path in ("/review", "/review/records", "/review/duplicates", "/review/screen/ta", "/review/screen/ft",
                 "/review/conflicts/ta", "/review/conflicts/ft", "/review/agreement", "/review/extraction",
                 f"/review/extraction/{pub}", "/review/prisma"):
        page = ann.get(path)
        assert page.status_code == 200, (path, page.text[:500])
        assert 'href="/review" class="active"' in page.text
        api = ann.get("/api" + path)
        assert api.status_code == 200 and api.headers["content-type"].startswith("application/json"), path
    overview = ann.get("/api/review").json()
    assert overview["reviewer"] == "Ann" and overview["publications"] == 1
    assert overview["stages"][1]["counts"]["include"] == 1 and overview["extraction"]["included"] == 1
    paths = script(app).get("/openapi.json").json()["paths"]
    assert {"/api/review/screen/{stage}", "/api/review/extraction/{publication}/agree",
            "/api/review/prisma"} <= set(paths)
    anonymous = script(app).get("/review/screen/ta").text
    assert "whoami-form" in anonymous and 'name="next" value="/review/screen/ta"' in anonymous

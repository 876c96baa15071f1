"""The review workflow end to end in a real browser (Debian's chromium driven by Playwright against the workbench
served by uvicorn), with three reviewers in three browser contexts named on /whoami:

search export imported -> a duplicate pair merged -> Ann and Bob screen titles and abstracts independently (each
sees only their own decisions until both have decided) and disagree on one record -> Cat, a third reviewer,
resolves the conflict -> agreement figures (checked by hand and against the library) -> full-text screening ->
Ann and Bob upload their extractions of an included publication (Bob sees nothing of Ann's until he has
submitted) -> Cat reconciles the discrepant cells and enters the study into the evidence registry -> the PRISMA
page's counts equal a recomputation from the registry's rows. Skipped when chromium or playwright is missing.
Set PAINREGEN_SCREENSHOTS=DIR to keep a screenshot of each page.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from painregen.registry import open_registry
from painregen.review import reconcile as rc
from painregen.review.schema import ReconciliationRow
from painregen.review.screening_agreement import stage_agreement
from web_review_fixtures import MSC, SEARCH, extraction_files, prisma_from_rows, ris_text
from web_server import ARGS, CHROMIUM, screenshot, serving

#: title start -> (Ann's decision, Bob's decision, reason to exclude) at title/abstract
TA_PLAN = {"Mesenchymal": ("include", "include", None), "Exosomes": ("include", "include", None),
           "Stem cell therapy": ("exclude", "exclude", "not_primary"),
           "Umbilical": ("include", "exclude", "wrong_condition")}
FT_PLAN = {"Mesenchymal": ("include", None), "Exosomes": ("exclude", "no_control"), "Umbilical": ("include", None)}

pytestmark = pytest.mark.browser

if not Path(CHROMIUM).exists():
    pytest.skip("Debian's chromium (/usr/bin/chromium) is not installed", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    from painregen.web.app import create_app

    db = tmp_path_factory.mktemp("web") / "review.db"
    with serving(create_app(db, allowed_hosts=["127.0.0.1"])) as base:
        yield base, db


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _shot(page: Any, name: str) -> None:
    screenshot(page, f"review-{name}")


def _reviewer(browser: Any, base: str, name: str, path: str) -> Any:
    """A browser context of its own (own cookies) whose reviewer names themselves on the page's inline form."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{base}{path}")
    page.fill("#whoami-form input[name=reviewer]", name)
    page.click("#whoami-form button")
    page.wait_for_url(f"{base}{path}")
    assert page.inner_text("#reviewer-name") == name
    return page


def _plan(title: str, plan: dict[str, Any]) -> Any:
    return next(v for k, v in plan.items() if title.split(" ", 1)[1].startswith(k))


def _screen_all(page: Any, base: str, stage: str, decide: Any) -> list[int]:
    """Decide every record the reviewer's queue offers, in its order; returns the publications in that order."""
    page.goto(f"{base}/review/screen/{stage}")
    seen = []
    while page.locator("#record").count():
        pub = int(page.get_attribute("#record", "data-publication"))
        assert pub not in seen
        seen.append(pub)
        decision, reason = decide(page.inner_text("#record-title"))
        if reason:
            page.select_option("#reason", reason)
        page.click(f"#{decision}")
        page.wait_for_selector("#message")
        assert f"#{pub} is recorded" in page.inner_text("#message")
    assert page.locator("#queue-empty").count() == 1
    return seen


def test_two_reviewers_screen_a_third_resolves_then_reconcile_and_prisma(server: tuple[str, Path], browser: Any,
                                                                           tmp_path: Path) -> None:
    base, db = server
    search = tmp_path / "pubmed.ris"
    search.write_text(ris_text(SEARCH), encoding="utf-8")

    ann = _reviewer(browser, base, "Ann", "/review")
    ann.click("#review-tabs >> text=Search records")
    ann.set_input_files("#search-file", str(search))
    ann.fill("#search-source", "PubMed")
    ann.fill("#search-date", "2024-01-31")
    ann.click("#import-form button")
    assert "imported 6 records from PubMed" in ann.inner_text("#message")
    assert ann.locator("#records tbody tr").count() == 6
    _shot(ann, "records")
    ann.click("#review-tabs >> text=Duplicates")
    assert ann.locator("section.pair").count() == 2  # record r2 against r1 and r3 (merged automatically)
    _shot(ann, "duplicates")
    ann.locator("section.pair").first.locator("button[value=merge]").click()
    assert "merged" in ann.inner_text("#message") and ann.locator("#no-pairs").count() == 1
    assert "Ann" in ann.inner_text("#pair-decisions")

    # Ann screens titles and abstracts; until Bob has decided, she sees only her own decisions
    ann_order = _screen_all(ann, base, "ta", lambda t: (_plan(t, TA_PLAN)[0], _plan(t, TA_PLAN)[2]
                                                        if _plan(t, TA_PLAN)[0] == "exclude" else None))
    assert len(ann_order) == 4  # 6 records, 4 publications
    assert ann.locator("#my-decisions td.others").all_inner_texts() == ["hidden until all have decided"] * 4
    _shot(ann, "screen-ta-ann")

    bob = _reviewer(browser, base, "Bob", "/review/screen/ta")
    assert bob.locator("#my-decisions").count() == 0 and bob.locator(".other-decision").count() == 0
    assert "Ann" not in bob.inner_text("main")
    _shot(bob, "screen-ta-bob-first")
    bob_order = _screen_all(bob, base, "ta", lambda t: (_plan(t, TA_PLAN)[1], _plan(t, TA_PLAN)[2]
                                                        if _plan(t, TA_PLAN)[1] == "exclude" else None))
    assert sorted(bob_order) == sorted(ann_order)
    others = bob.locator("#my-decisions td.others").all_inner_texts()
    assert len(others) == 4 and all(o.startswith("Ann:") for o in others)  # both decided: blinding lifted

    ann.goto(f"{base}/review/screen/ta")
    assert all(o.startswith("Bob:") for o in ann.locator("#my-decisions td.others").all_inner_texts())
    conflict = ann.locator("#my-decisions tr[data-status=conflict]")
    assert conflict.count() == 1 and "Umbilical" in conflict.inner_text()
    ann.goto(f"{base}/review/conflicts/ta")
    assert "You screened this publication" in ann.inner_text(".conflict")

    cat = _reviewer(browser, base, "Cat", "/review/conflicts/ta")
    assert cat.locator("section.conflict").count() == 1
    _shot(cat, "conflicts")
    cat.locator("section.conflict button[value=include]").click()
    assert "resolved" in cat.inner_text("#message") and cat.locator("#no-conflicts").count() == 1
    assert "Cat: include" in cat.inner_text("#resolved")

    cat.click("#review-tabs >> text=Agreement")
    row = cat.locator("#pairs-ta tr[data-reviewers='Ann|Bob']")
    # by hand: 3 of 4 agree, kappa = (3/4 - 1/2) / (1 - 1/2) = 0.5, AC1 = (3/4 - 15/32) / (17/32) = 9/17
    assert row.locator("td.percent").inner_text() == "75.0"
    assert row.locator("td.kappa").inner_text() == "0.500"
    assert row.locator("td.ac1").inner_text() == f"{9 / 17:.3f}"
    with open_registry(db) as reg, reg.session() as s:
        lib = stage_agreement(s, "ta")["pairs"][0]
    assert row.locator("td.kappa").inner_text() == f"{lib['cohen_kappa']['estimate']:.3f}"
    _shot(cat, "agreement")

    for page in (ann, bob):
        assert len(_screen_all(page, base, "ft", lambda t: _plan(t, FT_PLAN))) == 3

    # extraction in duplicate of the MSC publication
    ann_file, bob_file = extraction_files(tmp_path / "extraction")
    ann.goto(f"{base}/review/extraction")
    assert ann.locator("#extraction-list tbody tr").count() == 2
    ann.click(f"#extraction-list >> text={MSC}")
    pub = int(ann.url.rstrip("/").rsplit("/", 1)[1])
    ann.set_input_files("#extraction-file", str(ann_file))
    ann.click("#version-form button")
    assert "stored" in ann.inner_text("#message")
    bob.goto(f"{base}/review/extraction/{pub}")
    assert bob.locator("#blinded").count() == 1 and bob.locator("#discrepancies").count() == 0
    _shot(bob, "extraction-blinded")
    bob.set_input_files("#extraction-file", str(bob_file))
    bob.click("#version-form button")
    assert bob.locator("#discrepancies tbody tr").count() == 2

    cat.goto(f"{base}/review/extraction/{pub}")
    with open_registry(db) as reg, reg.session() as s:
        comp = rc.comparison(s, pub)
    assert comp is not None
    data = next(d for d in comp.discrepancies if d.kind == "data")
    rob = next(d for d in comp.discrepancies if d.kind == "syrcle")
    assert {cat.get_attribute(f"#discrepancies tbody tr:nth-child({i})", "data-path") for i in (1, 2)} == \
           {data.path, rob.path}
    _shot(cat, "reconcile-open")
    cat.locator(f"tr[data-path='{data.path}'] select[name=value]").select_option(str(data.values["Ann"]))
    cat.locator(f"tr[data-path='{data.path}'] button").click()
    assert "agreed value is recorded" in cat.inner_text("#message")
    cat.locator(f"tr[data-path='{rob.path}'] input[name=other]").fill("no")
    cat.locator(f"tr[data-path='{rob.path}'] button").click()
    assert cat.locator("#discrepancies tr.open").count() == 0
    _shot(cat, "reconcile-agreed")
    cat.click("#finish")
    assert "evidence registry" in cat.inner_text("#message")
    cat.click("#linked a")
    cat.wait_for_url("**/studies/*")
    sync_api.expect(cat.locator("section.experiment").first).to_be_visible()  # waits for the study page to render
    with open_registry(db) as reg, reg.session() as s:
        rows = s.query(ReconciliationRow).filter_by(publication_id=pub).all()
        assert {(r.field, r.decided_by) for r in rows} == {(data.path, "Cat"), (rob.path, "Cat")}
        study_pk = rc.status(s)[[r["publication"] for r in rc.status(s)].index(pub)]["study_pk"]
        study = reg.study(study_pk)
    assert study.rob["assessor_blinding"] == "no"
    average = [o.average for e in study.experiments for o in e.observations]
    assert data.values["Ann"] in average and data.values["Bob"] not in average

    cat.goto(f"{base}/review/prisma")
    figure = cat.locator("figure.prisma img")
    assert figure.evaluate("img => img.complete && img.naturalWidth > 100")
    _shot(cat, "prisma")
    want = prisma_from_rows(open_registry(db).engine)
    assert want["records_identified"] == 6 and want["duplicates_removed"] == 2 and want["studies_included"] == 2
    assert want["linked_studies"] == 1
    for key, n in want.items():
        if key != "sources":
            assert cat.inner_text(f"#prisma-counts tr[data-key={key}] td.num") == str(n), key

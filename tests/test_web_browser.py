"""End to end in a real browser: Debian's chromium driven by Playwright against the workbench served by uvicorn.

upload -> validation problems per row -> fix -> import -> studies -> appraisal -> analysis form -> figures ->
report download; and a cross-site form post refused by the CSRF check. Skipped when chromium or playwright
is missing. Set PAINREGEN_SCREENSHOTS=DIR to keep a screenshot of each page.
"""

from __future__ import annotations

import csv
import io
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from painregen.evidence.files import write_dataset
from painregen.registry import open_registry
from painregen.simulate import simulate

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
BAD = {4: ("n", "eleven"), 7: ("error_type", "SDD")}

pytestmark = pytest.mark.browser

if not CHROMIUM.exists():
    pytest.skip("Debian's chromium (/usr/bin/chromium) is not installed", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    import uvicorn

    from painregen.web.app import create_app

    db = tmp_path_factory.mktemp("web") / "browser.db"
    port = _free_port()
    app = create_app(db, allowed_hosts=["127.0.0.1"])
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the workbench did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", db
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    yield pg
    context.close()


def _shot(page: Any, name: str) -> None:
    folder = os.environ.get("PAINREGEN_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _files(tmp_path: Path) -> tuple[Path, Path]:
    good = tmp_path / "evidence.csv"
    write_dataset(simulate(2, seed=3), good)  # seed 3 has a dose-response experiment
    rows = list(csv.reader(good.open(encoding="utf-8")))
    for row_number, (column, value) in BAD.items():
        rows[row_number - 1][rows[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    bad = tmp_path / "bad" / "evidence.csv"
    bad.parent.mkdir()
    bad.write_text(out.getvalue(), encoding="utf-8")
    return good, bad


def _n_studies(db: Path) -> int:
    with open_registry(db) as reg:
        return len(reg.studies())


def test_upload_fix_import_analyse_download(server: tuple[str, Path], page: Any, tmp_path: Path) -> None:
    base, db = server
    good, bad = _files(tmp_path)
    page.goto(f"{base}/")
    _shot(page, "home-empty")
    page.click("nav >> text=Upload")
    page.set_input_files("#file", str(bad))
    page.click("button[value=import]")
    rows = page.locator("#problems tbody tr")
    assert sorted({int(r) for r in rows.evaluate_all("els => els.map(e => e.dataset.row)")}) == sorted(BAD)
    assert page.locator("#problems tbody tr[data-row='4'] td.col").inner_text() == "n"
    assert page.locator("#problems tbody tr[data-row='7'] td.col").inner_text() == "error_type"
    assert "nothing was stored" in page.inner_text("#message")
    _shot(page, "upload-problems")
    assert _n_studies(db) == 0

    page.set_input_files("#file", str(good))  # the fixed file
    page.click("button[value=import]")
    assert "imported 2 studies" in page.inner_text("#message")
    assert page.locator("#preview tbody tr").count() == 2
    _shot(page, "upload-imported")
    assert _n_studies(db) == 2

    page.click("text=See the studies")
    assert page.locator("#studies tbody tr").count() == 2
    _shot(page, "studies")
    page.locator("#studies tbody tr a").first.click()
    assert page.locator("section.experiment").count() >= 1
    _shot(page, "study")
    page.click("text=Appraisal: risk of bias and ARRIVE")
    page.select_option("select[name='syrcle.assessor_blinding']", "no")
    page.click("button:text('Save answers')")
    assert "saved" in page.inner_text("#message")
    _shot(page, "appraisal")
    with open_registry(db) as reg:
        assert reg.study(1).rob["assessor_blinding"] == "no"

    page.click("nav >> text=Meta-analysis")
    page.select_option("select[name=measure]", "SMD")
    page.select_option("select[name=method]", "REML")
    page.click("#analysis-form button")
    figure = page.locator("section.domain figure.forest img").first
    figure.wait_for()
    # the figures are fetched by the browser after the page: wait until the first one has loaded
    page.wait_for_function("img => img.complete && img.naturalWidth > 100", arg=figure.element_handle(),
                           timeout=60_000)
    assert page.locator("section.domain td.estimate").count() >= 1
    _shot(page, "analysis")

    page.click("nav >> text=Dose-response")
    n_doses = page.locator("#series tbody tr").first.locator("td").nth(3).inner_text().count(",") + 1
    page.click("#dose-form button")
    assert page.locator("#dose-groups tbody tr").count() == n_doses + 1  # the control at dose 0, then each dose
    assert page.locator("#dose-status").inner_text()
    curve = page.locator("figure.dose img")
    if curve.count():  # painregen.dose provides MCP-Mod
        assert curve.evaluate("img => img.complete && img.naturalWidth > 100")
    _shot(page, "dose")
    page.goto(f"{base}/downloads")
    _shot(page, "downloads")
    page.click("#download-report")  # the report is built in the background; its page refreshes until ready
    page.wait_for_url("**/jobs/*")
    _shot(page, "report-job-running")
    page.locator("#job-done, #job-failed").first.wait_for(timeout=300_000)
    assert page.locator("#job-failed").count() == 0, page.inner_text("main")
    _shot(page, "report-job-done")
    with page.expect_download() as info:
        page.click("#file-report-html")
    report = Path(info.value.path()).read_text(encoding="utf-8")
    assert info.value.suggested_filename == "report.html"
    assert "<html" in report.lower() and "SIM-" in report
    page.goto(f"{base}/downloads")
    with page.expect_download() as info:
        page.click("#download-effects")
    header = Path(info.value.path()).read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("study,experiment,cohort,control,outcome,time")


def test_cross_site_form_post_is_refused(server: tuple[str, Path], page: Any, tmp_path: Path) -> None:
    base, db = server
    before = _n_studies(db)
    page.goto(f"{base}/upload")  # the victim has a workbench session (its CSRF cookie is set)
    other = simulate(1, seed=99)
    path = tmp_path / "other.csv"
    write_dataset(other, path)
    page.set_content(f'<form id="f" method="post" action="{base}/upload" enctype="multipart/form-data">'
                     '<input type="file" name="file" id="file"><button>go</button></form>')
    page.set_input_files("#file", str(path))
    with page.expect_navigation():
        page.click("button")
    assert "CSRF check failed" in page.content()
    assert _n_studies(db) == before

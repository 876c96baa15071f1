"""Appraisal pre-filling in a real browser (Debian's chromium driven by Playwright): upload a PDF on a study's
appraisal page, see the proposals with their highlighted sentences, change one answer, tick two, store them under a
reviewer's name. Skipped when chromium or playwright is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from painregen.evidence.files import read_dataset, write_dataset
from painregen.registry import open_registry
from painregen.simulate import simulate
from painregen.web.app import create_app
from pdf_fixtures import METHODS_PAGES, make_pdf
from web_server import ARGS, CHROMIUM, screenshot, serving

pytestmark = pytest.mark.browser

if not Path(CHROMIUM).exists():
    pytest.skip("Debian's chromium (/usr/bin/chromium) is not installed", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")


def test_prefill_from_a_pdf_and_accept(tmp_path: Path) -> None:
    db = tmp_path / "web.db"
    sim = tmp_path / "sim.csv"
    write_dataset(simulate(2, seed=7), sim)
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(make_pdf(METHODS_PAGES))
    with open_registry(db) as reg:
        reg.import_dataset(read_dataset(sim)[0], source="sim.csv", sha256="0" * 64, fmt="template")
    with serving(create_app(db)) as base, sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page()
        page.goto(f"{base}/studies/1/appraisal")
        page.set_input_files("#prefill-file", str(pdf))
        page.click("form.prefill-input button[type=submit]")
        page.wait_for_selector("table.proposals")
        marks = page.locator("table.proposals mark").all_inner_texts()
        assert "randomly assigned" in marks and "approved by the Animal Care and Use Committee" in marks
        screenshot(page, "appraisal-prefill")
        page.check("input[name='accept.syrcle.sequence_generation']")
        page.check("input[name='accept.syrcle.assessor_blinding']")
        page.select_option("select[name='answer.syrcle.assessor_blinding']", "unclear")
        page.fill("#reviewer", "Ana Silva")
        page.click("form.prefill-review button[type=submit]")
        page.wait_for_selector("#message")
        assert "accepted by Ana Silva" in page.inner_text("#message")
        browser.close()
    with open_registry(db) as reg:
        rob = reg.study(1).rob
    assert (rob["sequence_generation"], rob["assessor_blinding"]) == ("yes", "unclear")

"""The HTML report: sections present, numbers equal to the library's, self-contained, escaped, CSV links."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from painregen.appraise.synthesis import effects_frame, quality_stratified
from painregen.effects.table import dataset_effects
from painregen.evidence import models as m
from painregen.evidence.files import read_dataset
from painregen.io.figures import ROW_LABEL
from painregen.meta import bias_report, rma, rma_mv
from painregen.meta.plots_mv import forest_mv, study_estimates
from painregen.report.build import write_report
from painregen.report.fmt import ci, dose, num, pval
from painregen.report.output import mpl_text
from painregen.report.pipeline import run_analysis
from painregen.report.sections import dose_models
from painregen.simulate import default_dataset, simulate

SECTIONS = ("summary", "evidence_map", "domains", "truth", "heterogeneity", "bias", "dose", "rob", "arrive",
            "battery", "mechanism", "flags", "methods")


@dataclass
class Report:
    ds: m.Dataset
    path: Path
    html: str

    def row(self, row_id: str) -> str:
        found = re.search(rf'<tr id="{re.escape(row_id)}">(.*?)</tr>', self.html, re.S)
        assert found, f"no row {row_id}"
        return found.group(1)

    def table(self, table_id: str) -> str:
        found = re.search(rf'<table id="{re.escape(table_id)}">(.*?)</table>', self.html, re.S)
        assert found, f"no table {table_id}"
        return found.group(1)


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags_of(html: str) -> list[tuple[str, dict[str, str | None]]]:
    p = Tags()
    p.feed(html)
    return p.tags


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Report:
    ds = default_dataset()
    out = tmp_path_factory.mktemp("demo") / "report.html"
    assert write_report(ds, out, figure_formats=("png", "pdf")) == out  # the publication formats, as asked
    return Report(ds, out, out.read_text(encoding="utf-8"))


def cells(row: str) -> list[str]:
    return [unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def test_every_section_and_the_simulated_banner(demo: Report) -> None:
    for sec in SECTIONS:
        assert f'<section id="{sec}">' in demo.html, sec
        assert f'href="#{sec}"' in demo.html, sec
    assert 'id="simulated-banner"' in demo.html and "SIMULATED EVIDENCE" in demo.html
    if dose_models.engine() is None:
        assert 'id="dose-pending"' in demo.html and "Modelling step pending" in demo.html
    else:
        assert 'id="dose-pending"' not in demo.html and 'id="dose-windows"' in demo.html
    assert f'<td class="num" id="n-studies">{len(demo.ds.studies)}</td>' in demo.html
    assert f'<td class="num" id="n-animals">{demo.ds.n_animals()}</td>' in demo.html


@pytest.mark.parametrize("domain", ["evoked", "spontaneous", "motor", "structural"])
def test_pooled_estimates_equal_the_three_level_model(demo: Report, domain: str) -> None:
    df = effects_frame(demo.ds, "SMD")  # appraise's frame of one effect per comparison, not the report's
    df = df[df["domain"] == domain]
    yi, vi = df["yi"].to_numpy(float), df["vi"].to_numpy(float)
    ml = rma_mv(yi, vi, clusters=[df["study"].to_numpy(object), np.arange(len(df))], method="REML")
    uni = rma(yi, vi, method="REML")
    got = cells(demo.row(f"pooled-{domain}"))
    assert got[1] == str(len(df)) and got[2] == str(df["study"].nunique())
    assert got[3] == f"{ml.b[0]:.3f}"
    assert got[4] == f"{ml.ci_low[0]:.3f} to {ml.ci_high[0]:.3f}"
    assert got[6] == num(ml.sigma2[0], 3) and got[7] == num(ml.sigma2[1], 3)
    assert got[9].startswith(f"{uni.b[0]:.3f} ({uni.tau2:.3f}, {uni.I2:.0f}%)")


def test_bias_row_equals_bias_report(demo: Report) -> None:
    df = effects_frame(demo.ds, "SMD")
    df = df[df["domain"] == "evoked"]
    rep = bias_report(df["yi"].to_numpy(float), df["vi"].to_numpy(float), method="REML")
    got = cells(demo.row("bias-evoked"))
    assert got[3] == f"{rep.egger.stat:.2f} ({pval(rep.egger.p)})"
    assert got[6] == f"{rep.rank.tau:.3f} ({pval(rep.rank.p)})"
    assert got[7] == f"{rep.trimfill.k0} ({rep.trimfill.side})"
    assert got[9] == str(rep.failsafe_n)


def test_estimate_vs_truth(demo: Report) -> None:
    truth = demo.ds.truth
    assert truth is not None
    df = effects_frame(demo.ds, "NMD")
    df = df[df["domain"] == "evoked"]
    cohorts = truth["studies"]
    true = [cohorts[s]["experiments"][e]["cohorts"][c]["nmd_last"]["evoked"]
            for s, e, c in zip(df["study"], df["experiment"], df["cohort"], strict=True)]
    ml = rma_mv(df["yi"].to_numpy(float), df["vi"].to_numpy(float),
                clusters=[df["study"].to_numpy(object), np.arange(len(df))], method="REML")
    table = demo.table("truth-domains")
    row = next(cells(r) for r in re.findall(r"<tr>(.*?)</tr>", table, re.S) if cells(r) and cells(r)[0] == "evoked")
    assert row[2] == f"{100 * truth['domain_effects']['evoked']:.1f}" == "45.0"
    assert row[3] == f"{100 * np.mean(true):.1f}"
    assert row[4] == f"{ml.b[0]:.1f}" and row[5] == ci(ml.ci_low[0], ml.ci_high[0], 1)
    q = quality_stratified(demo.ds, "assessor_blinding", measure="SMD")
    other = demo.table("truth-other")
    assert f"× {truth['bias_multipliers']['assessor_blinding']:.2f}" in other
    assert f"ratio {q.ratio:.2f} (stratified), {q.regression_ratio:.2f} (meta-regression)" in other


def test_self_contained(demo: Report) -> None:
    tags = tags_of(demo.html)
    for tag, attrs in tags:
        for key in ("src", "href"):
            value = attrs.get(key) or ""
            assert not re.match(r"(?i)(https?:)?//", value), (tag, key, value)
        assert tag not in ("script", "img", "iframe", "link", "object", "embed"), tag
    assert not re.search(r"https?://", re.sub(r"<svg.*?</svg>", "", demo.html, flags=re.S))
    n_figures = demo.html.count('<figure class="figure"')
    assert n_figures >= 12 and demo.html.count("<svg") == n_figures
    svg_ids = re.findall(r'<svg.*?</svg>', demo.html, re.S)
    ids = [i for s in svg_ids for i in re.findall(r'\sid="([^"]+)"', s)]
    assert len(ids) == len(set(ids)), "inline SVGs share element ids"


def test_links_resolve_and_csv_files_hold_everything(demo: Report) -> None:
    root = demo.path.parent
    hrefs = [a["href"] for t, a in tags_of(demo.html) if t == "a" and a.get("href")]
    anchors = set(re.findall(r'\sid="([^"]+)"', demo.html))
    for h in hrefs:
        assert h is not None
        if h.startswith("#"):
            assert h[1:] in anchors, h
        else:
            assert (root / h).is_file(), h
    csvs = {h for h in hrefs if h and h.endswith(".csv")}
    assert {"effects.csv", "comparisons.csv", "appraisal.csv", "flags.csv", "studies.csv", "pooled.csv",
            "evidence_map.csv", "heterogeneity.csv", "bias.csv", "mechanisms.csv", "dose_finding.csv"} <= csvs
    with (root / "effects.csv").open(encoding="utf-8") as fh:
        assert sum(1 for _ in csv.DictReader(fh)) == len(dataset_effects(demo.ds, "SMD").rows)
    with (root / "studies.csv").open(encoding="utf-8") as fh:
        assert [r["study"] for r in csv.DictReader(fh)] == [s.study_id for s in demo.ds.studies]
    assert f"Showing 25 of {len(demo.ds.studies)} rows" in demo.html
    figures = [h for h in hrefs if h and h.startswith("figures/")]
    magic = {".png": b"\x89PNG", ".pdf": b"%PDF", ".svg": b"<?xml"}
    for h in figures:
        assert (root / h).read_bytes()[:5].startswith(magic[Path(h).suffix]), h
    assert {Path(h).suffix for h in figures} == {".png", ".pdf", ".svg"}
    assert {"figures/forest_evoked.pdf", "figures/funnel_evoked.png", "figures/rob_traffic_light.pdf",
            "figures/evidence_map.png"} <= set(figures)


def test_dose_finding_experiments_are_the_simulators(demo: Report) -> None:
    truth = demo.ds.truth
    assert truth is not None
    want = {(s, e) for s, st in truth["studies"].items() if st["published"]
            for e, ex in st["experiments"].items() if ex["kind"] == "dose_finding"}
    with (demo.path.parent / "dose_finding.csv").open(encoding="utf-8") as fh:
        got = {(r["study"], r["experiment"]) for r in csv.DictReader(fh)}
    assert got == want and len(got) > 3


@pytest.mark.parametrize(("study", "outcome"), [("SIM-0014", "Basso, Beattie and Bresnahan locomotor scale"),
                                               ("SIM-0034", "von Frey filaments")])
def test_dose_window_equals_mcp_mod(demo: Report, study: str, outcome: str) -> None:
    eng = dose_models.engine()
    if eng is None:
        pytest.skip("painregen.dose provides no MCP-Mod yet")
    mcp_mod, from_summary, _ = eng
    e = next(s for s in demo.ds.studies if s.study_id == study).experiments[0]
    out = next(o for o in e.outcomes if o.outcome_id == outcome)
    groups = [c for c in e.cohorts if c.role in (m.Role.control, m.Role.treated)]
    dose_of = {c.cohort_id: c.intervention.dose.amount if c.intervention and c.intervention.dose else 0.0
               for c in groups}
    last = max(o.time_days for o in e.observations if o.outcome_id == outcome)
    obs = sorted((o for o in e.observations if o.outcome_id == outcome and o.time_days == last
                  and o.cohort_id in dose_of), key=lambda o: dose_of[o.cohort_id])
    assert dose_of[obs[0].cohort_id] == 0.0 and len(obs) == len(groups)
    assert all(o.error is not None and o.error_type.value in ("SEM", "SD") for o in obs)
    sd = np.array([float(o.error or 0) * (np.sqrt(o.n) if o.error_type.value == "SEM" else 1.0) for o in obs])
    n = np.array([o.n for o in obs], dtype=float)
    delta = float(np.sqrt(np.sum((n - 1) * np.square(sd)) / np.sum(n - 1)))
    data = from_summary([dose_of[o.cohort_id] for o in obs], [o.average for o in obs], sd / np.sqrt(n), n=n)
    top = max(dose_of.values())
    spec = f"linear,emax:{0.2 * top:g},sigEmax:{0.5 * top:g}/3,quadratic:{-1 / (1.2 * top):g}"
    res = mcp_mod(data, spec, direction="increasing" if out.greater_is_better else "decreasing", delta=delta, p=0.9)
    got = cells(demo.row(f"dose-{study}-E1"))
    assert got[4] == pval(float(np.min(res.mct.p_adj))) and got[5] == res.selected_model
    assert got[6].startswith(dose(res.window.med)) and got[7].startswith(dose(res.window.saturation))
    with (demo.path.parent / "dose_windows.csv").open(encoding="utf-8") as fh:
        row = next(r for r in csv.DictReader(fh) if r["study"] == study)
    assert float(row["saturation"]) == pytest.approx(res.window.saturation, rel=1e-9)
    assert float(row["med"]) == pytest.approx(res.window.med, rel=1e-9)


def test_user_text_is_escaped_and_real_data_is_not_called_simulated(tmp_path: Path) -> None:
    ds = simulate(6, seed=7)
    first = ds.studies[0].model_copy(update={"title": '<script>alert("x")</script> $\\alpha$ & co',
                                             "study_id": "S$1<b>"})
    real = [s.model_copy(update={"simulated": False}) for s in [first, *ds.studies[1:]]]  # real studies throughout
    ds = ds.model_copy(update={"studies": real, "simulated": False, "truth": None})
    out = write_report(ds, tmp_path / "r.html", figure_formats=())
    html = out.read_text(encoding="utf-8")
    assert "<script" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html and "S$1&lt;b&gt;" in html
    assert 'id="simulated-banner"' not in html and '<section id="truth">' not in html
    assert not list(tmp_path.glob("figures/*.png")) and list(tmp_path.glob("figures/*.svg"))


def test_a_single_small_study(tmp_path: Path, template_csv: Path) -> None:
    ds, _ = read_dataset(template_csv)
    html = write_report(ds, tmp_path / "r.html", figure_formats=()).read_text(encoding="utf-8")
    row = cells(re.search(r'<tr id="pooled-evoked">(.*?)</tr>', html, re.S).group(1))  # type: ignore[union-attr]
    assert row[:3] == ["evoked", "2", "1"] and "one study only" in row[3]
    assert '<section id="heterogeneity">' not in html and '<section id="bias">' not in html
    assert 'id="fig-forest_evoked"' in html


def test_run_analysis_matches_appraise_comparisons() -> None:
    ds = simulate(10, seed=3)
    a = run_analysis(ds, measure="SMD", method="DL")
    ref = effects_frame(ds, "SMD")
    key = ["study", "experiment", "cohort", "outcome"]
    got = a.frame.set_index(key)["yi"].sort_index()
    want = ref.set_index(key)["yi"].sort_index()
    assert got.index.equals(want.index) and np.allclose(got.to_numpy(), want.to_numpy(), rtol=0, atol=0)
    d = a.domain("evoked")
    assert d is not None and d.result is not None and d.multilevel is not None
    assert d.result.method == "DL" and d.multilevel.method == "REML"  # rma_mv has REML/ML only


def test_forest_mv_weights_are_the_gls_weights() -> None:
    rng = np.random.default_rng(11)
    studies = np.repeat(np.arange(8), [1, 2, 3, 4, 2, 3, 1, 5]).astype(str)
    vi = rng.uniform(0.05, 0.3, studies.size)
    yi = 0.5 + rng.normal(0, 0.3, 8)[studies.astype(int)] + rng.normal(0, np.sqrt(vi + 0.02))
    res = rma_mv(yi, vi, clusters=[studies, np.arange(yi.size)])
    sr = study_estimates(res, studies)
    assert np.sum(sr.row_weight * res.yi) == pytest.approx(float(res.b[0]), rel=1e-10)
    assert sr.weight.sum() == pytest.approx(1.0, rel=1e-12)
    s2_study, s2_within = (float(x) for x in res.sigma2)
    for label, rows, est, var, w in zip(sr.labels, sr.rows, sr.yi, sr.vi, sr.weight, strict=True):
        assert np.all(studies[rows] == label)
        c = np.diag(vi[rows]) + s2_within * np.eye(rows.size)  # within-study covariance, written out
        u = np.linalg.solve(c, np.ones(rows.size))
        assert est == pytest.approx(u @ yi[rows] / u.sum(), rel=1e-10)
        assert var == pytest.approx(1 / u.sum(), rel=1e-10)
        mfull = c + s2_study * np.ones((rows.size, rows.size))
        total = sum(np.linalg.solve(np.diag(vi[r]) + s2_within * np.eye(r.size) + s2_study, np.ones(r.size)).sum()
                    for r in sr.rows)
        assert w == pytest.approx(np.linalg.solve(mfull, np.ones(rows.size)).sum() / total, rel=1e-10)
    for by in ("comparison", "study"):
        fig = forest_mv(res, studies=[mpl_text(s) for s in studies], by=by, max_rows=5)
        labels = [t.get_text() for t in fig.axes[0].texts if t.get_label() == ROW_LABEL]
        assert labels[-1] == f"Multilevel RE model (k = {yi.size}, studies = 8)"
        assert labels[-2].startswith("... ") and len(labels) == 7


def test_formats() -> None:
    assert num(1.23456, 3) == "1.235" and num(None) == "–" and num(float("nan")) == "–"
    assert num(0.0001, 2) == "1.0e-04" and num(2.5e7, 2) == "2.5e+07"
    assert pval(0.0004) == "< 0.001" and pval(0.0123) == "0.012"
    assert ci(-0.1234, 1.5, 2) == "-0.12 to 1.50"
    assert dose(1e6) == "10⁶" and dose(3e5) == "3 × 10⁵" and dose(1.5e6) == "1.5 × 10⁶" and dose(25) == "25"
    assert dose(1.2134e5) == "1.21 × 10⁵" and dose(9.996e5) == "10⁶" and dose(20.868) == "20.9" and dose(2500) == "2500"
    assert mpl_text("a $b$") == r"a \$b\$"

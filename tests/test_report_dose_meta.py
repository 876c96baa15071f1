"""The report's pooled dose-response section shows what painregen.dose.meta_dr computes."""

from __future__ import annotations

from pathlib import Path

from painregen.dose.meta_dr import StratifiedDoseResponse, dataset_dose_response
from painregen.report.output import ReportOutput
from painregen.report.pipeline import run_analysis
from painregen.report.sections import dose_meta
from painregen.simulate import simulate


def test_dose_meta_section_matches_library(tmp_path: Path) -> None:
    ds = simulate(30, 20261126)
    section = dose_meta.build(run_analysis(ds), ReportOutput(tmp_path, top_n=25, formats=()))
    assert section is not None
    direct = dataset_dose_response(ds, measure="SMD", domain="evoked", unit="cells", by="product")
    assert isinstance(direct, StratifiedDoseResponse)
    rows = section.context["rows"]
    assert len(rows) == len(direct.results)
    for row, res in zip(rows, direct.results.values(), strict=True):
        assert (row["k"], row["studies"]) == (res.k, res.n_studies)
        assert row["nonlinear_p"] == res.nonlinear_p
        assert row["plateau_dose"] == res.plateau_dose
    assert (tmp_path / "dose_meta.csv").exists()
    assert (tmp_path / "figures" / "dose_meta_evoked.svg").exists()

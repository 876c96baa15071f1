"""The report's next-experiment section equals the design library on the pooled three-level estimates."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from painregen.design.assurance import assurance
from painregen.design.ttest import pwr_t_test
from painregen.report.output import ReportOutput
from painregen.report.pipeline import run_analysis
from painregen.report.sections import design
from painregen.simulate import simulate


def test_design_section_matches_library(tmp_path: Path) -> None:
    analysis = run_analysis(simulate(12, 7))
    section = design.build(analysis, ReportOutput(tmp_path, top_n=25, formats=()))
    assert section is not None
    rows = {r["domain"]: r for r in section.context["rows"]}
    evoked = analysis.domain("evoked")
    assert evoked is not None and evoked.multilevel is not None
    ml = evoked.multilevel
    mu, se, tau = float(ml.b[0]), float(ml.se[0]), float(np.sqrt(np.sum(ml.sigma2)))
    row = rows["evoked"]
    assert (row["mu"], row["se"], row["tau"]) == (mu, se, tau)
    n = pwr_t_test(d=mu, power=0.8).n_per_group
    assert row["n_power"] == n
    assert row["assurance_at"] == assurance(mu, se, tau, n=n).assurance
    assert row["assurance_at"] < 0.8  # heterogeneity makes the pooled-effect design underpowered on average
    assert row["n_assurance"] == assurance(mu, se, tau, target=0.8).n_per_group

"""Data-quality notes on the effect sizes (flags such as |SMD| > 2, collapsing notes); the comparisons that
could not be made are in the comparison ledger section."""

from __future__ import annotations

from painregen.report.output import ReportOutput
from painregen.report.pipeline import Analysis
from painregen.report.sections.base import Section


def build(a: Analysis, out: ReportOutput) -> Section | None:
    excluded = {e.detail for e in a.effects.ledger}
    notes = [w for w in a.effects.warnings if w not in excluded]
    if not notes:
        return None
    csv = out.csv("warnings.csv", [{"warning": w} for w in notes], columns=["warning"], top=True)
    return Section("warnings", "Data-quality notes", {"rows": notes[: out.top_n]},
                   tables={"warnings": csv})

"""Comparisons that could not be made (missing control, undefined effect, ...), with data-quality flags."""

from __future__ import annotations

from painregen.report.output import ReportOutput
from painregen.report.pipeline import Analysis
from painregen.report.sections.base import Section


def build(a: Analysis, out: ReportOutput) -> Section | None:
    notes = a.effects.warnings
    if not notes:
        return None
    csv = out.csv("warnings.csv", [{"warning": w} for w in notes], columns=["warning"], top=True)
    return Section("warnings", "Comparisons not made and data-quality notes", {"rows": notes[: out.top_n]},
                   tables={"warnings": csv})

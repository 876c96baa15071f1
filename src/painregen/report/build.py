"""Build the report for a Dataset: run the pipeline once, build every section (figures written as SVG, PNG and
PDF under figures/, full tables as CSV beside the report) and write one self-contained report.html."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from painregen.evidence import models as m
from painregen.report.html import render_report
from painregen.report.output import PUBLICATION_FORMATS, ReportOutput
from painregen.report.pipeline import run_analysis
from painregen.report.sections import build_sections

TOP_N = 25


def write_report(ds: m.Dataset, out: Path, *, measure: str = "SMD", method: str = "REML",
                 title: str = "painregen evidence report", top_n: int = TOP_N,
                 figure_formats: Sequence[str] = PUBLICATION_FORMATS,
                 progress: Callable[[str], None] | None = None) -> Path:
    """Write ``out`` (an .html file), its figures (``figures/*.svg`` plus ``figure_formats``, PNG and PDF by
    default) and its full tables as CSV files beside it; returns the report path.

    ``top_n``: rows shown in long tables (the CSV files hold them all); ``progress``: called with the name of
    each step (the CLI can show it). The HTML itself is self-contained: figures are inline SVG."""
    import matplotlib

    matplotlib.use("Agg")
    out = Path(out)
    if progress is not None:
        progress("effects and pooled models")
    analysis = run_analysis(ds, measure=measure, method=method)
    output = ReportOutput(out.parent, top_n=top_n, formats=tuple(figure_formats))
    sections = build_sections(analysis, output, progress)
    if progress is not None:
        progress("writing the HTML")
    out.write_text(render_report(analysis, sections, output, title=title), encoding="utf-8")
    return out

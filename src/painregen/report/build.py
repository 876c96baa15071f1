"""Build the report for a Dataset or a registry's evidence: run the pipeline once, build every section (figures
written as SVG, plus PNG and PDF when asked, under figures/; full tables as CSV beside the report) and write one
self-contained report.html.

Nothing is written in place until everything succeeded: the files are built in a staging folder beside the
report and moved into place at the end, so a failed run leaves no partial output.
"""

from __future__ import annotations

import errno
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from painregen.evidence import models as m
from painregen.report.html import render_report
from painregen.report.output import ReportOutput
from painregen.report.pipeline import run_analysis
from painregen.report.sections import build_sections

if TYPE_CHECKING:
    from painregen.evidence.scoped import AnalysisEvidence

TOP_N = 25


def prepare() -> None:
    """Load now what every report loads (the collation table of the labels' order, the compiled templates): for a
    caller with time to spare before its report, e.g. the demo waiting for the registry to be built."""
    from painregen.meta.collate import warm_up
    from painregen.report.html import compile_templates

    warm_up()
    compile_templates()


def write_report(source: m.Dataset | AnalysisEvidence, out: Path, *, measure: str = "SMD", method: str = "REML",
                 title: str = "painregen evidence report", top_n: int = TOP_N,
                 figure_formats: Sequence[str] = (),
                 progress: Callable[[str], None] | None = None, failures: list[str] | None = None,
                 review: dict[str, Any] | Callable[[], dict[str, Any] | None] | None = None) -> Path:
    """Write ``out`` (an .html file), its figures (``figures/*.svg``, plus ``figure_formats``: ``png``, ``pdf``
    when asked) and its full tables as CSV files beside it; returns the report path.

    ``source``: a Dataset, or the evidence a registry prepared (:meth:`painregen.registry.Registry.analysis_evidence`,
    with mapped labels and provenance). ``top_n``: rows shown in long tables (the CSV files hold them all);
    ``progress``: called with the name of each step. A section that cannot be computed becomes a note in the
    report (see :func:`painregen.report.sections.build_sections`) and, when ``failures`` is given, a sentence
    appended to it; any other failure leaves nothing behind. ``review``: the review process summary
    (:func:`painregen.review.summary.review_summary`) for the "Review process" section, or a function
    returning it (called when that section is built, after the others)."""
    import matplotlib
    from threadpoolctl import threadpool_limits

    matplotlib.use("Agg")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".painregen-report-", dir=out.parent))
    # one BLAS thread: the report's matrices are small (a few dozen rows), where BLAS threads only add hand-over
    # and spin-waiting (several times slower on a busy machine), and the sections already run in parallel processes
    limits = threadpool_limits(limits=1, user_api="blas")
    try:
        if progress is not None:
            progress("effects and pooled models")
        analysis = run_analysis(source, measure=measure, method=method)
        analysis.review = review
        output = ReportOutput(staging, top_n=top_n, formats=tuple(figure_formats))
        sections = build_sections(analysis, output, progress)
        if failures is not None:
            failures.extend(f"section {f.section!r} could not be computed: {f.message}"
                            for f in analysis.cache.get("failures", []))
        if progress is not None:
            progress("writing the HTML")
        (staging / out.name).write_text(render_report(analysis, sections, output, title=title), encoding="utf-8")
        _move_into_place(staging, out.parent)
    finally:
        limits.restore_original_limits()
        shutil.rmtree(staging, ignore_errors=True)
    return out


def _move_into_place(staging: Path, target: Path) -> None:
    """Move every file of ``staging`` to the same relative place under ``target``, replacing files of the same
    name (other files the user keeps there are left alone). A folder standing where a file goes is found before
    anything moves, so that such a report leaves nothing behind (IsADirectoryError naming it)."""
    moves = [(p, target / p.relative_to(staging)) for p in sorted(p for p in staging.rglob("*") if p.is_file())]
    for _, dest in moves:
        if dest.is_dir():
            raise IsADirectoryError(errno.EISDIR, "a folder stands where the report writes a file", str(dest))
    for path, dest in moves:
        dest.parent.mkdir(parents=True, exist_ok=True)
        path.replace(dest)

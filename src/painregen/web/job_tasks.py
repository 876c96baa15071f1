"""The work background jobs do, run in a separate process (so that a long report never blocks the server, and
matplotlib never runs in two threads): each function opens the registry itself and records its progress and
result in the job's row."""

from __future__ import annotations

import logging
import shutil
import traceback
import zipfile
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

REPORT_DIR = "report"
REPORT_ZIP = "painregen-report.zip"


def run_report_job(db: str, job_id: str, params: dict[str, Any], out_dir: str) -> None:
    """Build the report of ``params`` (measure, method, scope) into ``out_dir`` and record the outcome."""
    from painregen.registry import Scope, open_registry
    from painregen.report.build import write_report
    from painregen.report.sections import BUILDERS

    steps = [name for name, _ in BUILDERS]
    folder = Path(out_dir)
    with open_registry(db) as reg:
        try:
            reg.update_job(job_id, status="running", progress=0.02, message="reading the registry")
            scope = Scope(tuple(params.get("imports", ())), tuple(params.get("studies", ())), params.get("project"))
            from painregen.review.summary import report_inputs

            evidence, review = report_inputs(reg, scope)
            if not evidence.dataset.studies:
                raise ValueError(f"no studies in {scope.describe()}: upload data first or widen the scope")

            def progress(name: str) -> None:
                done = steps.index(name) + 1 if name in steps else 0
                reg.update_job(job_id, progress=round(0.05 + 0.9 * done / (len(steps) + 1), 3),
                               message=f"computing: {name.replace('_', ' ')}")

            failures: list[str] = []
            html = write_report(evidence, folder / REPORT_DIR / "report.html", measure=params.get("measure", "SMD"),
                                method=params.get("method", "REML"), progress=progress, failures=failures,
                                review=review)
            reg.update_job(job_id, progress=0.97, message="packing the zip file")
            with zipfile.ZipFile(folder / REPORT_ZIP, "w", zipfile.ZIP_DEFLATED) as zf:
                for path in sorted(p for p in (folder / REPORT_DIR).rglob("*") if p.is_file()):
                    zf.write(path, Path("painregen-report") / path.relative_to(folder / REPORT_DIR))
            reg.update_job(job_id, status="done", progress=1.0, message="ready", result={
                "html": str(html.relative_to(folder)), "zip": REPORT_ZIP, "notes": failures,
                "origin": evidence.origin, "n_studies": len(evidence.dataset.studies)})
        except Exception as exc:  # the job records what went wrong; the server stays up
            log.error("report job %s failed:\n%s", job_id, traceback.format_exc())
            shutil.rmtree(folder, ignore_errors=True)
            reg.update_job(job_id, status="failed", message="failed", error=_readable(exc))


def _readable(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, ValueError | KeyError | FileNotFoundError):
        return text
    return (f"an unexpected error stopped the report ({type(exc).__name__}: {text}). Try again; if it happens "
            "again, download the evidence (evidence.json) and report the problem with it.")

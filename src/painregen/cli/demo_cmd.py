"""`painregen demo` and `painregen report`: the main job, from a registry to report.html."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn

from painregen.cli.common import EXIT_USAGE, console, data_command, err_console, fail
from painregen.evidence.files import read_dataset, write_dataset
from painregen.io.tables import sha256_of


@data_command
def demo_command(
    out: Path = typer.Option(Path("demo-output"), "--out", help="Directory for the registry, data and report."),
) -> None:
    """Build a registry from the bundled SIMULATED evidence, run the pipeline and write OUT/report.html."""
    from painregen.registry import open_registry
    from painregen.simulate import default_dataset

    out.mkdir(parents=True, exist_ok=True)
    db = out / "painregen.db"
    if db.exists():
        db.unlink()
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=console, transient=False) as progress:
        task = progress.add_task("simulating the bundled demonstration evidence", total=None)
        data = out / "demo-evidence.csv"
        write_dataset(default_dataset(), data)
        progress.update(task, description="validating and importing it into the registry")
        ds, fmt = read_dataset(data)
        with open_registry(db) as reg:
            reg.import_dataset(ds, source=data, sha256=sha256_of(data), fmt=fmt)
            evidence = reg.analysis_evidence()
        progress.update(task, description="review workflow on SIMULATED search results; report")
        review = _review_demo(db, ds, out)
        from painregen.report.build import write_report  # imported while the review workflow runs beside

        def step(name: str) -> None:
            progress.update(task, description=f"report: {name}")

        failures: list[str] = []
        report = write_report(evidence, out / "report.html", title="painregen demonstration (SIMULATED evidence)",
                              progress=step, review=review, failures=failures)
        progress.update(task, description="done")
    for f in failures:
        err_console.print(f"[yellow]note:[/] {escape(f)}", soft_wrap=True)
    console.print(f"[green]report[/] {report}  (registry: {db}; data: {data}; figures: {out / 'figures'})")


@data_command
def report_command(
    db: str = typer.Option("painregen.db", "--db", help="Registry: a SQLite path or a database URL."),
    output: Path = typer.Option(Path("report.html"), "-o", "--output", help="The HTML file to write."),
    measure: str = typer.Option("SMD", "--measure", help="Effect measure for the syntheses."),
    method: str = typer.Option("REML", "--method", help="tau² estimator."),
    imports: list[int] = typer.Option([], "--import", help="Only the studies of this import (repeatable; ids in "
                                      "`painregen ls --imports`)."),
    studies: str = typer.Option("", "--studies", help="Only these studies: registry ids or keys, comma-separated."),
    project: str | None = typer.Option(None, "--project", help="Only the studies of this project."),
    figures: str = typer.Option("svg", "--figures", help="Figure files to write beside the report: svg (always), "
                                "png, pdf, comma-separated (e.g. svg,png,pdf for publication)."),
) -> None:
    """Write the self-contained HTML report for a registry (or a part of it: --import, --studies, --project)."""
    from painregen.registry import Scope, ScopeError, open_registry
    from painregen.report.build import write_report

    if "://" not in db and not Path(db).exists():
        fail(f"no registry at {db}")
    formats = _figure_formats(figures)
    scope = Scope(tuple(imports), tuple(x.strip() for x in studies.split(",") if x.strip()), project)
    with open_registry(db, create=False) as reg:
        try:
            evidence = reg.analysis_evidence(scope)
        except ScopeError as exc:
            fail(str(exc), EXIT_USAGE)
        from painregen.review.summary import review_summary

        with reg.session() as s:
            review = review_summary(s) if scope.everything else None
    if not evidence.dataset.studies:
        fail(f"the registry {db} holds no studies" + ("" if scope.everything else f" in {scope.describe()}"))
    failures: list[str] = []
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=console) as progress:
        task = progress.add_task("report", total=None)
        path = write_report(evidence, output, measure=measure.upper(), method=method.upper(),
                            progress=lambda name: progress.update(task, description=f"report: {name}"),
                            failures=failures, review=review, figure_formats=formats)
    for f in failures:
        err_console.print(f"[yellow]note:[/] {escape(f)}", soft_wrap=True)
    console.print(f"[green]report[/] {path}  ({evidence.provenance()['origin']} evidence: "
                  f"{len(evidence.dataset.studies)} studies; {scope.describe()})")


def _review_demo(db: Path, ds: Any, out: Path) -> Callable[[], dict[str, Any] | None]:
    """Run the review workflow of the demo on the registry ``db`` (which holds the evidence of ``ds``) and return a
    function giving its summary for the report's "Review process" section. Where processes can be forked, the
    workflow runs in a child process while this one computes the rest of the report (the two touch different
    tables: the report reads the evidence already loaded), and the function waits for the child's result."""
    import multiprocessing

    def run() -> dict[str, Any] | None:
        from painregen.registry import open_registry
        from painregen.review.demo import run_review_demo
        from painregen.review.summary import review_summary

        with open_registry(db) as reg:
            with reg.session() as s, s.begin():
                run_review_demo(s, ds, out)
            with reg.session() as s:
                return review_summary(s)

    if "fork" not in multiprocessing.get_all_start_methods():
        done = run()
        return lambda: done
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)

    def child() -> None:
        try:
            send.send(("ok", run()))
        except Exception as exc:  # reported by the parent as the review section's failure
            send.send(("error", f"{type(exc).__name__}: {exc}"))

    proc = ctx.Process(target=child, daemon=True)
    proc.start()
    send.close()
    result: list[dict[str, Any] | None] = []

    def wait() -> dict[str, Any] | None:
        if not result:
            try:
                status, value = receive.recv()
            except EOFError:
                status, value = "error", f"the review workflow stopped (exit code {proc.exitcode})"
            finally:
                proc.join()
            if status != "ok":
                raise RuntimeError(f"the demonstration review workflow failed: {value}")
            result.append(value)
        return result[0]

    return wait


def _figure_formats(text: str) -> tuple[str, ...]:
    """--figures: the formats beside SVG (png, pdf); a usage error names the accepted ones."""
    wanted = [x.strip().lower() for x in text.split(",") if x.strip()]
    unknown = [x for x in wanted if x not in ("svg", "png", "pdf")]
    if unknown:
        fail(f"unknown figure format {', '.join(unknown)}: use svg, png or pdf, comma-separated", EXIT_USAGE)
    return tuple(x for x in ("png", "pdf") if x in wanted)

"""`painregen demo` and `painregen report`: the main job, from a registry to report.html."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn, cast

import typer
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn

from painregen.cli.common import EXIT_USAGE, collector_paused, console, data_command, err_console, fail
from painregen.evidence.files import read_dataset, write_dataset
from painregen.io.tables import sha256_of


@data_command
def demo_command(
    out: Path = typer.Option(Path("demo-output"), "--out", help="Directory for the registry, data and report."),
) -> None:
    """Build a registry from the bundled SIMULATED evidence, run the pipeline and write OUT/report.html."""
    db = out / "painregen.db"
    try:
        out.mkdir(parents=True, exist_ok=True)
        if db.exists():
            db.unlink()
    except OSError as exc:
        _cannot_write(out, exc)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=console, transient=False) as progress:
        task = progress.add_task("simulating the bundled demonstration evidence; validating and importing it into "
                                 "the registry", total=None)
        data = out / "demo-evidence.csv"
        workflow = DemoWorkflow(db, out, _bundled_dataset, data)
        with collector_paused():
            from painregen.report.build import prepare, write_report  # imported while the registry is built beside

            prepare()  # while the registry is still being built
            try:
                evidence = workflow.ready()
            except OSError as exc:
                _cannot_write(out, exc)
        progress.update(task, description="review workflow on SIMULATED search results; report")

        def step(name: str) -> None:
            progress.update(task, description=f"report: {name}")

        failures: list[str] = []
        report = write_report(evidence, out / "report.html", title="painregen demonstration (SIMULATED evidence)",
                              progress=step, review=workflow.summary, failures=failures)
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
    from painregen.cli.beside import Beside
    from painregen.evidence.scoped import Scope, ScopeError

    if "://" not in db and not Path(db).exists():
        fail(f"no registry at {db}")
    formats = _figure_formats(figures)
    scope = Scope(tuple(imports), tuple(x.strip() for x in studies.split(",") if x.strip()), project)
    loading = Beside(lambda: [_read_registry(db, scope)], fallback=_registry_error)  # beside the imports
    with collector_paused():
        from painregen.report.build import prepare, write_report

        prepare()
        try:
            evidence, review = loading.result()
        except ScopeError as exc:
            fail(str(exc), EXIT_USAGE)
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


def _read_registry(db: str, scope: Any) -> tuple[Any, dict[str, Any] | None]:
    """What a report reads from the registry: the evidence of ``scope`` and, for the whole registry, the review
    summary."""
    from painregen.registry import open_registry
    from painregen.review.summary import report_inputs

    with open_registry(db, create=False) as reg:
        return report_inputs(reg, scope)


class DemoWorkflow:
    """The demo's registry and its review workflow, beside the report.

    Where processes can be forked, a child process builds the registry ``db`` from ``dataset`` (the bundled
    evidence, or a function making it there, written to ``data`` and read back as any user file is) -- or takes
    ``dataset`` as already imported when ``data`` is None -- and sends the evidence analyses read from it
    (:meth:`painregen.registry.Registry.analysis_evidence`), then runs the review workflow
    (:func:`painregen.review.demo.run_review_demo`) and sends its summary. Meanwhile this process imports the
    report stack (never the registry's ORM); once :meth:`ready` returns the evidence it computes the report, and
    the "Review process" section, built last, waits for :meth:`summary`. Without fork, both steps run here, in
    order."""

    def __init__(self, db: Path, out: Path, dataset: Any, data: Path | None = None) -> None:
        import scipy.special  # noqa: F401  (both processes use it: imported once, before the fork)

        from painregen.cli.beside import Beside

        self.db, self.out, self.data = db, out, data
        self._beside = Beside(lambda: self._steps(dataset), n=2, fallback=_registry_error)

    def _steps(self, dataset: Any) -> Iterator[Any]:
        """The evidence, once the registry holds it, then the review workflow's outcome."""
        ds = self._build(dataset)
        yield self._evidence()
        yield self._reviewed(ds)

    def _build(self, dataset: Any) -> Any:
        """The registry built from ``dataset`` (written to ``data`` and read back), or ``dataset`` already in it."""
        if self.data is None:
            return dataset
        from painregen.registry import open_registry

        if callable(dataset):
            dataset = dataset()
        write_dataset(dataset, self.data)
        ds, fmt = read_dataset(self.data)
        with open_registry(self.db) as reg:
            reg.import_dataset(ds, source=self.data, sha256=sha256_of(self.data), fmt=fmt)
        return ds

    def _evidence(self) -> Any:
        """What analyses read from the registry (all of it)."""
        from painregen.registry import open_registry

        with open_registry(self.db, create=False) as reg:
            return reg.analysis_evidence()

    def _reviewed(self, ds: Any) -> tuple[str, Any]:
        """("ok", the review summary), or ("error", what went wrong) for the review section's note."""
        from painregen.registry import open_registry
        from painregen.review.demo import run_review_demo
        from painregen.review.summary import review_summary

        try:
            with open_registry(self.db) as reg:
                with reg.session() as s, s.begin():
                    run_review_demo(s, ds, self.out)
                with reg.session() as s:
                    return "ok", review_summary(s)
        except Exception as exc:  # shown as the review section's note, never a lost error
            return "error", f"{type(exc).__name__}: {exc}"

    def ready(self) -> Any:
        """The evidence analyses read from the registry (an :class:`painregen.evidence.scoped.AnalysisEvidence`),
        once the registry holds it; a failure to build it is raised here."""
        return self._beside.result(0)

    def summary(self) -> dict[str, Any] | None:
        """The review workflow's summary for the report (waits for it)."""
        self.ready()
        try:
            status, value = self._beside.result(1)
        except Exception as exc:  # the process stopped during the review
            status, value = "error", str(exc)
        if status != "ok":
            raise RuntimeError(f"the demonstration review workflow failed: {value}")
        return cast("dict[str, Any] | None", value)


def _cannot_write(out: Path, exc: OSError) -> NoReturn:
    """A demo output folder that cannot be written: say which file and why, no traceback."""
    where = f" ({exc.filename})" if exc.filename else ""
    fail(f"cannot write the demonstration into {out}{where}: {exc.strerror or exc}; choose another folder with --out")


def _bundled_dataset() -> Any:
    """The bundled SIMULATED demonstration evidence (imported and simulated where the registry is built)."""
    from painregen.simulate import default_dataset

    return default_dataset()


def _registry_error(text: str) -> Exception:
    """What an error of the registry's child process that cannot cross to this one becomes (one error line)."""
    from painregen.registry.records import RegistryError

    return RegistryError(text)


def _figure_formats(text: str) -> tuple[str, ...]:
    """--figures: the formats beside SVG (png, pdf); a usage error names the accepted ones."""
    wanted = [x.strip().lower() for x in text.split(",") if x.strip()]
    unknown = [x for x in wanted if x not in ("svg", "png", "pdf")]
    if unknown:
        fail(f"unknown figure format {', '.join(unknown)}: use svg, png or pdf, comma-separated", EXIT_USAGE)
    return tuple(x for x in ("png", "pdf") if x in wanted)

"""`painregen demo` and `painregen report`: the main job, from a registry to report.html."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn

from painregen.cli.common import console, data_command, fail
from painregen.evidence.files import read_dataset, write_dataset
from painregen.io.tables import sha256_of


@data_command
def demo_command(
    out: Path = typer.Option(Path("demo-output"), "--out", help="Directory for the registry, data and report."),
) -> None:
    """Build a registry from the bundled SIMULATED evidence, run the pipeline and write OUT/report.html."""
    from painregen.registry import open_registry
    from painregen.report.build import write_report
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
            ds = reg.export_dataset()
        def step(name: str) -> None:
            progress.update(task, description=f"report: {name}")

        report = write_report(ds, out / "report.html", title="painregen demonstration (SIMULATED evidence)",
                              progress=step)
        progress.update(task, description="done")
    console.print(f"[green]report[/] {report}  (registry: {db}; data: {data}; figures: {out / 'figures'})")


@data_command
def report_command(
    db: str = typer.Option("painregen.db", "--db", help="Registry: a SQLite path or a database URL."),
    output: Path = typer.Option(Path("report.html"), "-o", "--output", help="The HTML file to write."),
    measure: str = typer.Option("SMD", "--measure", help="Effect measure for the syntheses."),
    method: str = typer.Option("REML", "--method", help="tau² estimator."),
) -> None:
    """Write the self-contained HTML report for a registry."""
    from painregen.registry import open_registry
    from painregen.report.build import write_report

    if "://" not in db and not Path(db).exists():
        fail(f"no registry at {db}")
    with open_registry(db, create=False) as reg:
        ds = reg.export_dataset()
    if not ds.studies:
        fail(f"the registry {db} holds no studies")
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=console) as progress:
        task = progress.add_task("report", total=None)
        path = write_report(ds, output, measure=measure.upper(), method=method.upper(),
                            progress=lambda name: progress.update(task, description=f"report: {name}"))
    console.print(f"[green]report[/] {path}")

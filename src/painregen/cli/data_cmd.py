"""`painregen validate`, `import`, `export` and `simulate`: moving datasets between files and the registry."""

from __future__ import annotations

from pathlib import Path

import typer

from painregen.cli.common import console, data_command, err_console, fail, print_json

FORMATS = ("auto", "template", "syrf", "json", "datapackage", "metafor")  # as painregen.evidence.files.FORMATS
FORMAT_HELP = "Input format: " + ", ".join(FORMATS) + " (auto: from the file name and header)."


@data_command
def validate_command(
    file: Path = typer.Argument(..., help="Template CSV/XLSX, SyRF export, JSON or datapackage to check."),
    fmt: str = typer.Option("auto", "--format", help=FORMAT_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """Check a file and report every problem at once as file:row:column: message (fix)."""
    from painregen.evidence.files import read_dataset

    ds, detected = read_dataset(file, fmt)
    summary = _summary(ds) | {"file": str(file), "format": detected, "valid": True}
    if json_out:
        print_json(summary)
    else:
        console.print(f"[green]valid[/] {file} ({detected}): {summary['studies']} studies, "
                      f"{summary['experiments']} experiments, {summary['cohorts']} cohorts, "
                      f"{summary['observations']} observations")


def _summary(ds: object) -> dict[str, int]:
    from painregen.evidence.models import Dataset

    assert isinstance(ds, Dataset)
    exps = [e for s in ds.studies for e in s.experiments]
    return {"studies": len(ds.studies), "experiments": len(exps), "cohorts": sum(len(e.cohorts) for e in exps),
            "observations": sum(len(e.observations) for e in exps)}


@data_command
def import_command(
    file: Path = typer.Argument(..., help="File to import."),
    db: str = typer.Option("painregen.db", "--db", help="Registry: a SQLite path or a database URL."),
    fmt: str = typer.Option("auto", "--format", help=FORMAT_HELP),
    skip_duplicates: bool = typer.Option(False, "--skip-duplicates", help="Skip studies already registered."),
    json_out: bool = typer.Option(False, "--json", help="Print a JSON summary."),
    project: str | None = typer.Option(None, "--project", help="Also put the imported studies in this project "
                                       "(created if new); analyses can be limited to it (--project)."),
) -> None:
    """Validate a file and import it into the registry, all or nothing."""
    from painregen.evidence.files import read_dataset
    from painregen.io.tables import sha256_of
    from painregen.registry import DuplicateStudyError, open_registry

    ds, detected = read_dataset(file, fmt)
    with open_registry(db) as reg:
        try:
            summary = reg.import_dataset(ds, source=file, sha256=sha256_of(file) if file.is_file() else
                                         _dir_hash(file), fmt=detected,
                                         on_duplicate="skip" if skip_duplicates else "error", project=project)
        except DuplicateStudyError as exc:
            fail(f"{exc}\nnothing was imported (use --skip-duplicates to import the rest)")
    result = summary.to_dict()
    if json_out:
        print_json(result)
        return
    if summary.import_id is None:
        console.print(f"nothing imported from {file}: every study is already in {db}", soft_wrap=True)
    else:
        tables = ", ".join(f"{n} {t.replace('_', ' ')}" for t, n in summary.rows.items() if n and t != "studies")
        console.print(f"[green]imported[/] {summary.n_studies} stud{'y' if summary.n_studies == 1 else 'ies'} from "
                      f"{file} into {db} as import {summary.import_id} ({tables})"
                      + (f"; project {project!r}" if project else ""), soft_wrap=True)
    for d in summary.skipped:
        console.print(f"  skipped {d.study_id!r}: same {d.key} as {d.existing_study_id!r}", soft_wrap=True)


def _dir_hash(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


@data_command
def export_command(
    output: Path = typer.Option(..., "-o", "--output", help="Target: .csv, .xlsx, .json, or a directory for a "
                                "Frictionless data package."),
    db: str = typer.Option("painregen.db", "--db", help="Registry: a SQLite path or a database URL."),
    fmt: str = typer.Option("auto", "--format", help="auto (template CSV/XLSX, JSON or datapackage from the "
                            "name), syrf (SyRF quantitative CSV) or metafor (one row per comparison: m1i, sd1i, ...)."),
    formula_escape: bool = typer.Option(True, "--formula-escape/--no-formula-escape",
                                        help="Prefix CSV/XLSX text cells starting with = + - @, tab or CR with a "
                                        "single quote so spreadsheets do not run them as formulas (painregen "
                                        "removes it on import)."),
) -> None:
    """Export the registry to the template (CSV/XLSX), SyRF, metafor-style CSV, JSON or a Frictionless package."""
    from rich.markup import escape

    from painregen.evidence.files import write_dataset
    from painregen.registry import open_registry

    if fmt not in ("auto", "template", "json", "datapackage", "syrf", "metafor"):
        fail(f"unknown format {fmt!r}", code=2)
    if "://" not in db and not Path(db).exists():
        fail(f"no registry at {db}")
    with open_registry(db, create=False) as reg:
        ds = reg.export_dataset()
    if fmt == "metafor":
        from painregen.effects.table import dataset_effects
        from painregen.io.tables import write_csv

        table = dataset_effects(ds, "MD")
        columns = [c for c in table.columns if c not in ("yi", "vi")]
        write_csv(output, columns, table.rows, formula_escape=formula_escape)
        console.print(f"wrote {output} ({len(table.rows)} comparisons)")
        return
    notes: list[str] = []
    for path in write_dataset(ds, output, "auto" if fmt == "template" else fmt, formula_escape=formula_escape,
                              notes=notes):
        console.print(f"wrote {path}")
    for note in notes:
        err_console.print(f"[yellow]warning:[/] {escape(note)}", highlight=False, soft_wrap=True)


@data_command
def simulate_command(
    studies: int = typer.Option(40, "--studies", min=1, max=5000, help="Number of published studies."),
    seed: int = typer.Option(20261126, "--seed", help="Random seed (the same seed gives the same data)."),
    output: Path = typer.Option(..., "-o", "--output", help="Target: .csv, .xlsx, .json or a directory."),
) -> None:
    """Write a SIMULATED dataset of virtual studies with known true parameters."""
    from painregen.evidence.files import write_dataset
    from painregen.simulate import simulate

    ds = simulate(studies, seed)
    for path in write_dataset(ds, output):
        console.print(f"wrote {path} (simulated: {len(ds.studies)} studies, seed {seed}; true parameters recorded)")

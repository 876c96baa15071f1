"""`painregen effects`: effect sizes from a metafor-style, SyRF or template file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, cast

import typer

from painregen.cli.common import data_command, err_console, fail

if TYPE_CHECKING:
    from painregen.effects.collapse import Method
    from painregen.effects.table import EffectTable

MEASURES = ("MD", "SMD", "SMDH", "ROM", "NMD", "OR", "RR", "RD")  # painregen.effects.table CONTINUOUS + BINARY
COLLAPSE = ("last", "peak", "auc")  # painregen.effects.collapse.METHODS


@data_command
def effects_command(
    file: Path = typer.Argument(..., help="Input file (metafor-style CSV, SyRF export, template CSV/XLSX, JSON)."),
    measure: str = typer.Option(..., "--measure", help="Effect measure: " + ", ".join(MEASURES) + "."),
    fmt: str = typer.Option("auto", "--format", help="auto, metafor, syrf or template."),
    variant: str | None = typer.Option(None, "--variant", help="Measure variant, e.g. camarades for SMD."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write CSV here (default: standard output)."),
    collapse: str | None = typer.Option(
        None, "--collapse", help="Reduce each comparison's timepoints to one row: last, peak or auc (area under "
        "the curve, in effect x days). Default: keep every timepoint. Template, SyRF or JSON input only."),
    ledger: Path | None = typer.Option(
        None, "--ledger", help="Write every treated-vs-control comparison considered, included or excluded with the "
        "reason, as CSV (template, SyRF or JSON input)."),
) -> None:
    """Compute yi and vi for every comparison (definitions follow metafor's escalc).

    Labels of SyRF files are mapped to terms first (outcome label -> assay and domain, ...) when the mapping is
    certain; see `painregen map` to decide the others in a registry."""
    from painregen.effects.table import dataset_effects, metafor_effects
    from painregen.evidence.files import detect_format, read_dataset
    from painregen.evidence.remap import remap
    from painregen.io.tables import read_csv

    measure = measure.upper()
    if measure not in MEASURES:
        fail(f"unknown measure {measure!r}; use one of {', '.join(MEASURES)}", code=2)
    if fmt not in ("auto", "metafor", "syrf", "template", "json"):
        fail(f"unknown format {fmt!r}; use auto, metafor, syrf or template", code=2)
    if collapse is not None and collapse not in COLLAPSE:
        fail(f"unknown --collapse {collapse!r}; use one of {', '.join(COLLAPSE)}", code=2)
    detected = detect_format(file) if fmt == "auto" else fmt
    if detected == "metafor":
        if collapse is not None or ledger is not None:
            fail(f"{'--collapse' if collapse is not None else '--ledger'} needs comparisons built from cohorts (a "
                 "template, SyRF or JSON file), not a metafor-style file", code=2)
        result = metafor_effects(read_csv(file), measure, variant)
    else:
        ds, detected = read_dataset(file, detected)
        result = dataset_effects(remap(ds, in_place=True).dataset, measure, syrf=detected == "syrf", variant=variant,
                                 collapse=cast("Method | None", collapse))
    for w in result.warnings:
        err_console.print(f"warning: {w}", highlight=False, soft_wrap=True)
    if ledger is not None:
        _write_ledger(result, ledger, minutes=detected == "syrf")
    _write(result, output)


def _write_ledger(result: EffectTable, path: Path, *, minutes: bool) -> None:
    """The ledger as CSV; ``time`` in the unit of the effects output (minutes for SyRF files, else days)."""
    from painregen.io.tables import write_csv

    rows = [e.to_dict() for e in result.ledger]
    if minutes:
        rows = [r | {"time": round(float(r["time"] or 0.0) * 1440, 6)} for r in rows]
    columns = ["study", "experiment", "cohort", "outcome", "time", "status", "reason", "control_experiment",
               "control", "yi", "vi", "detail"]
    write_csv(path, columns, rows)
    counts = ", ".join(f"{k} {n}" for k, n in result.ledger_counts().items())
    err_console.print(f"ledger: {len(rows)} comparisons ({counts}) -> {path}", highlight=False, soft_wrap=True)


def _write(result: EffectTable, output: Path | None) -> None:
    from painregen.io.tables import format_cell, write_csv

    if output is not None:
        write_csv(output, result.columns, result.rows)
        return
    import csv

    w = csv.writer(sys.stdout)
    w.writerow(result.columns)
    for r in result.rows:
        w.writerow([format_cell(r.get(c)) for c in result.columns])

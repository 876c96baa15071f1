"""`painregen effects`: effect sizes from a metafor-style, SyRF or template file."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from painregen.cli.common import data_command, err_console, fail
from painregen.effects.collapse import METHODS
from painregen.effects.table import BINARY, CONTINUOUS, EffectTable, dataset_effects, metafor_effects
from painregen.evidence.files import detect_format, read_dataset
from painregen.io.tables import format_cell, read_csv, write_csv

MEASURES = CONTINUOUS + BINARY


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
) -> None:
    """Compute yi and vi for every comparison (definitions follow metafor's escalc)."""
    measure = measure.upper()
    if measure not in MEASURES:
        fail(f"unknown measure {measure!r}; use one of {', '.join(MEASURES)}", code=2)
    if fmt not in ("auto", "metafor", "syrf", "template", "json"):
        fail(f"unknown format {fmt!r}; use auto, metafor, syrf or template", code=2)
    if collapse is not None and collapse not in METHODS:
        fail(f"unknown --collapse {collapse!r}; use one of {', '.join(METHODS)}", code=2)
    detected = detect_format(file) if fmt == "auto" else fmt
    if detected == "metafor":
        if collapse is not None:
            fail("--collapse needs comparisons with timepoints (a template, SyRF or JSON file), not a "
                 "metafor-style file", code=2)
        result = metafor_effects(read_csv(file), measure, variant)
    else:
        ds, detected = read_dataset(file, detected)
        result = dataset_effects(ds, measure, syrf=detected == "syrf", variant=variant,
                                 collapse=collapse)
    for w in result.warnings:
        err_console.print(f"warning: {w}", highlight=False, soft_wrap=True)
    _write(result, output)


def _write(result: EffectTable, output: Path | None) -> None:
    if output is not None:
        write_csv(output, result.columns, result.rows)
        return
    import csv

    w = csv.writer(sys.stdout)
    w.writerow(result.columns)
    for r in result.rows:
        w.writerow([format_cell(r.get(c)) for c in result.columns])

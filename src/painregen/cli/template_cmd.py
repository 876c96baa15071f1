"""`painregen template -o FILE`: write an empty painregen template (.xlsx workbook or .csv header row)."""

from __future__ import annotations

from pathlib import Path

import typer

from painregen.evidence.template_spec import MAIN_SHEET
from painregen.io.tables import write_csv


def template_command(
    output: Path = typer.Option(
        ..., "-o", "--output", help="File to write: .xlsx (all sheets, drop-downs, column notes) or .csv "
        "(the header row of the observations sheet)."
    ),
) -> None:
    """Write an empty template; see `painregen dictionary` and docs/template.md for how to fill it."""
    suffix = output.suffix.lower()
    if suffix == ".xlsx":
        from painregen.evidence.xlsx_template import write_template_xlsx

        write_template_xlsx(output)
    elif suffix == ".csv":
        from painregen.evidence.flatten import dataset_to_tables
        from painregen.evidence.models import Dataset

        columns, _ = dataset_to_tables(Dataset())[MAIN_SHEET]
        write_csv(output, columns, [])
    else:
        raise typer.BadParameter(f"cannot infer the format from {output.name!r}: use a .xlsx or .csv file name",
                                 param_hint="-o")
    typer.echo(f"wrote {output}", err=True)

"""`painregen map suggest|apply`: map the free-text labels of imported files (SyRF outcome, disease-model and
treatment labels, annotation questions, ambiguous controls) to terms once, and reuse the decisions."""

from __future__ import annotations

import getpass
from pathlib import Path

import typer

from painregen.cli.common import console, data_command, fail, print_json

app = typer.Typer(help="Map free-text labels of imported files (SyRF) to vocabulary terms, once: suggest, edit, apply.",
                  no_args_is_help=True)
DB_HELP = "Registry: a SQLite path or a database URL."


@app.command("suggest")
@data_command
def suggest_command(
    db: str = typer.Option("painregen.db", "--db", help=DB_HELP),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the mapping table as CSV (to edit)."),
    json_out: bool = typer.Option(False, "--json", help="Print the table as JSON."),
) -> None:
    """List every label that needs a term, with the term proposed (or the decision already taken).

    Edit the CSV: set status to `confirmed` (term in the curie column: a CURIE, label or synonym) or `rejected`
    (no term), then run `painregen map apply FILE`. Rows left as auto/suggested/unresolved are ignored."""
    from painregen.evidence.mapping_table import COLUMNS, mapping_rows
    from painregen.io.tables import write_csv
    from painregen.registry import open_registry

    with open_registry(db, create=False) as reg:
        raw = reg.export_dataset()
        rows = mapping_rows(raw, reg.mapping_decisions())
    records = [r.to_dict() for r in rows]
    if output is not None:
        write_csv(output, list(COLUMNS), records)
    if json_out:
        print_json({"rows": records})
        return
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.status] = counts.get(r.status, 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "none"
    console.print(f"{len(rows)} labels: {summary}" + (f"; wrote {output}" if output else ""), soft_wrap=True)
    if output is None:
        for r in rows:
            term = f"{r.label} ({r.curie})" if r.curie and r.label != r.curie else (r.curie or "-")
            console.print(f"  {r.vocabulary:<9} {r.status:<10} {r.text!r} -> {term}", soft_wrap=True,
                          highlight=False, markup=False)


@app.command("apply")
@data_command
def apply_command(
    file: Path = typer.Argument(..., help="The mapping table, edited (from `painregen map suggest -o`)."),
    db: str = typer.Option("painregen.db", "--db", help=DB_HELP),
    reviewer: str = typer.Option("", "--reviewer", help="Who decided (default: the login name)."),
) -> None:
    """Store the confirmed and rejected rows of an edited mapping table (all or nothing)."""
    from painregen.appraise.catalogue import known_item
    from painregen.evidence.mapping_file import read_decisions
    from painregen.evidence.remap import control_options
    from painregen.io.tables import read_csv
    from painregen.registry import Decision, open_registry

    if not file.exists():
        fail(f"no such file: {file}")

    with open_registry(db, create=False) as reg:
        options = control_options(reg.export_dataset())
        decisions = read_decisions(read_csv(file), known_item=known_item, controls=options)
        n = reg.store_mapping_decisions(
            [Decision(d.vocabulary, d.key, d.text, d.status, d.curie) for d in decisions],
            reviewer or getpass.getuser())
    console.print(f"stored {n} decision{'s' if n != 1 else ''} from {file} (reused by every analysis of {db})")

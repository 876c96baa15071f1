"""`painregen reconcile ...`: extraction and appraisal in duplicate. Each reviewer imports their own template file
for an included publication; painregen compares the versions cell by cell; a reviewer records the agreed value of
each discrepancy; the reconciled study then enters the evidence registry, linked to its publication."""

from __future__ import annotations

from pathlib import Path

import typer

from painregen.cli.common import console, data_command, fail, print_json
from painregen.cli.screen_cmd import DB, REVIEWER, review_session

app = typer.Typer(help="Extraction and appraisal in duplicate: import each reviewer's file, compare, agree, "
                       "finish (the study enters the evidence registry).", no_args_is_help=True)
TOL = typer.Option(1e-6, "--tolerance", help="Relative tolerance for numbers (terms must match exactly).")


@app.command("extract")
@data_command
def extract_command(record: int = typer.Argument(..., help="Publication id (included at full text)."),
                    file: Path = typer.Argument(..., help="Your template file (CSV/XLSX/JSON) with one study: data "
                                                "and rob_/arrive_ answers."),
                    reviewer: str = REVIEWER, db: str = DB) -> None:
    """Store your extraction of a publication (a new version each time)."""
    from painregen.evidence.files import read_dataset
    from painregen.review.reconcile import add_extraction

    ds, fmt = read_dataset(file)
    if len(ds.studies) != 1:
        fail(f"{file}: an extraction file holds one study, this one has {len(ds.studies)}")
    with review_session(db) as s:
        row = add_extraction(s, record, reviewer, ds.studies[0], source=file.name)
    console.print(f"{reviewer}: extraction v{row.version} of #{record} stored ({fmt})")


@app.command("show")
def show_command(record: int = typer.Argument(...), db: str = DB,
                 reviewer: str | None = typer.Option(None, "--reviewer", help="Who asks (blinded until every "
                                                     "extractor has submitted)."),
                 tolerance: float = TOL, json_out: bool = typer.Option(False, "--json")) -> None:
    """The discrepancies between the extractions of a publication, and the values agreed so far."""
    from painregen.review.reconcile import agreed_values, comparison

    with review_session(db) as s:
        comp = comparison(s, record, viewer=reviewer, rel_tol=tolerance)
        agreed = agreed_values(s, record)
    if comp is None:
        fail(f"#{record} has fewer than two extractions: nothing to compare yet")
    rows = [{**d.to_dict(), "agreed": agreed.get(d.path), "reconciled": d.path in agreed}
            for d in comp.discrepancies]
    if json_out:
        print_json({"publication": record, "reviewers": comp.reviewers, "cells": len(comp.cells),
                    "discrepancies": rows, "agreement": comp.agreement()})
        return
    for r in rows:
        vals = "; ".join(f"{k}: {v}" for k, v in r["values"].items())
        done = f" -> {r['agreed']}" if r["reconciled"] else ""
        console.print(f"{r['path']}  [{r['kind']}]  {vals}{done}", highlight=False)
    left = sum(not r["reconciled"] for r in rows)
    console.print(f"{len(comp.cells)} cells compared, {len(rows)} discrepancies, {left} to reconcile")


@app.command("agree")
def agree_command(record: int = typer.Argument(...), path: str = typer.Argument(..., help="The cell (see show)."),
                  value: str = typer.Argument(..., help="The agreed value (NA for an empty cell)."),
                  reviewer: str = REVIEWER, db: str = DB,
                  note: str | None = typer.Option(None, "--note"), tolerance: float = TOL) -> None:
    """Record the agreed value of one discrepant cell (with your name and the time)."""
    from painregen.review.reconcile import agree, comparison, parse_value

    with review_session(db) as s:
        comp = comparison(s, record, rel_tol=tolerance)
        disc = {d.path: d for d in comp.discrepancies} if comp else {}
        like = next((v for v in disc[path].values.values() if v is not None), "") if path in disc else ""
        try:
            parsed = parse_value(value, like)
        except ValueError:
            fail(f"{value!r} is not a {type(like).__name__} (the reviewers' values: {disc[path].values})")
        agree(s, record, path, parsed, reviewer, note=note, rel_tol=tolerance)
    console.print(f"{reviewer}: #{record} {path} = {parsed!r}")


@app.command("finish")
def finish_command(record: int = typer.Argument(...), reviewer: str = REVIEWER, db: str = DB,
                   allow_single: bool = typer.Option(False, "--allow-single", help="Enter one extractor's data "
                                                     "(labelled single-extractor in the report)."),
                   tolerance: float = TOL) -> None:
    """Enter the reconciled study into the evidence registry and link it to its publication."""
    from painregen.review.reconcile import finalise

    with review_session(db) as s:
        pub = finalise(s, record, reviewer, allow_single=allow_single, rel_tol=tolerance)
    console.print(f"#{record} -> evidence study {pub.study_pk} ({pub.extraction_status})")


@app.command("status")
def status_command(db: str = DB, json_out: bool = typer.Option(False, "--json")) -> None:
    """Included publications: extractors, discrepancies left, link to the evidence registry."""
    from painregen.review.reconcile import status

    with review_session(db) as s:
        rows = status(s)
    if json_out:
        print_json({"publications": rows})
        return
    for r in rows:
        link = f"study {r['study_pk']} ({r['extraction_status']})" if r["study_pk"] else "not linked"
        console.print(f"#{r['publication']:<6} extractors: {', '.join(r['extractors']) or '-':<20} "
                      f"discrepancies: {r['discrepancies'] if r['discrepancies'] is not None else '-'} "
                      f"(open {r['open']})  {link}")


@app.command("agreement")
def agreement_command(db: str = DB, json_out: bool = typer.Option(False, "--json")) -> None:
    """Agreement of the extractors per field and appraisal item (share of identical cells)."""
    from painregen.review.reconcile import field_agreement

    with review_session(db) as s:
        rows = field_agreement(s)
    if json_out:
        print_json({"fields": rows})
        return
    for r in rows:
        console.print(f"{r['field']:<50} {r['kind']:<10} {r['agree']}/{r['cells']} ({r['percent']:.1f}%)")

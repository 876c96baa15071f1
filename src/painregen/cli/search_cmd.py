"""`painregen search ...`: search results in, duplicates out.

- ``search import FILE... --source NAME --db DB``: read search exports (format detected) and store them, all or
  nothing, then detect duplicates across everything stored;
- ``search duplicates --db DB``: the review queue of uncertain pairs; ``search merge|distinct ID ID --reviewer``:
  a reviewer's decision on a pair of records;
- ``search dedup FILE -o groups.csv``: the stateless form (no registry): one row per record, ``record_id,group_id``.

Heavy modules are imported inside the commands (start-up time of ``painregen --version``).
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from pathlib import Path
from typing import Any

import typer

from painregen.cli.common import EXIT_USAGE, console, data_command, err_console, fail, print_json

app = typer.Typer(no_args_is_help=True, help="Search results: import, duplicates, reviewer decisions.")

DB_HELP = "Registry: a SQLite file or a database URL (postgresql+psycopg://user@host/db)."
FORMAT_HELP = "Format: ris, bib (bibtex), nbib (PubMed/MEDLINE), xml (PubMed or EndNote XML), wos, csv " \
              "(default: detected from the content)."


def _columns(specs: list[str]) -> dict[str, str]:
    out = {}
    for spec in specs:
        field, sep, header = spec.partition("=")
        if not sep or not field.strip() or not header.strip():
            fail(f"--column {spec!r}: write FIELD=HEADER, e.g. --column title=\"Article Title\"", EXIT_USAGE)
        out[field.strip()] = header.strip()
    return out


def _store_errors(func: Any) -> Any:
    import functools

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from painregen.registry import RegistryError
        from painregen.review.store import ReviewStoreError

        try:
            return func(*args, **kwargs)
        except (ReviewStoreError, RegistryError) as exc:
            fail(str(exc))

    return wrapper


@app.command("import")
@data_command
@_store_errors
def import_command(
    files: list[Path] = typer.Argument(..., help="Search exports (RIS, BibTeX, nbib, PubMed/EndNote XML, Web of "
                                     "Science, CSV)."),
    source: str = typer.Option(..., "--source", help="Database searched, e.g. PubMed, Embase, Web of Science."),
    db: str = typer.Option("painregen.db", "--db", help=DB_HELP),
    search_date: str | None = typer.Option(None, "--search-date", help="Date the search was run (YYYY-MM-DD)."),
    fmt: str | None = typer.Option(None, "--format", help=FORMAT_HELP),
    column: list[str] = typer.Option([], "--column", help="CSV column mapping FIELD=HEADER (fields: title, "
                                     "authors, year, journal, volume, issue, pages, doi, pmid, abstract, keywords, "
                                     "source_key, ...); repeat for several."),
    reviewer: str | None = typer.Option(None, "--reviewer", help="Who imports (recorded with the import)."),
    no_dedup: bool = typer.Option(False, "--no-dedup", help="Store only; detect duplicates later."),
    json_out: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """Import search results, all files or none, and detect duplicates across every stored record."""
    from painregen.io.problems import InvalidDataError
    from painregen.registry import open_registry
    from painregen.review import store
    from painregen.review.intake import read_search_file

    when = None
    if search_date:
        try:
            when = dt.date.fromisoformat(search_date)
        except ValueError:
            fail(f"--search-date {search_date!r} is not a date (write YYYY-MM-DD)", EXIT_USAGE)
    mapping = _columns(column)
    searches, problems = [], []
    for f in files:  # read every file before writing anything, and report the problems of all of them
        try:
            searches.append(read_search_file(f, fmt, mapping or None))
        except InvalidDataError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InvalidDataError(problems)
    for s in searches:
        for w in s.warnings:
            err_console.print(f"[yellow]warning:[/] {w}", highlight=False, soft_wrap=True)
    with open_registry(db) as reg, reg.session() as session, session.begin():
        result = store.import_search(session, searches, source_name=source, search_date=when,
                                     imported_by=reviewer, dedup=not no_dedup)
    summary = {"imports": result.imports, "records": result.n_records,
               "dedup": None if result.dedup is None else vars(result.dedup)}
    if json_out:
        print_json(summary)
        return
    for imp in result.imports:
        console.print(f"[green]imported[/] {imp['file']} ({imp['format']}): {imp['records']} records, source "
                      f"{source}", highlight=False, soft_wrap=True)
    if result.dedup is not None:
        d = result.dedup
        console.print(f"duplicates: {d.auto_pairs} pairs merged automatically ({d.publications_merged} "
                      f"publications joined), {d.queued_pairs} pairs queued for a reviewer "
                      f"(`painregen search duplicates --db {db}`)", highlight=False, soft_wrap=True)


def _record_line(row: Any) -> str:
    authors = (row.authors or "").split(";")[0] or "?"
    where = " ".join(str(x) for x in (row.journal, row.year, row.volume, row.pages) if x)
    return f"[{row.id}] {authors} | {row.title or '(no title)'} | {where} | {row.search_import.source_name}"


@app.command("duplicates")
@_store_errors
def duplicates_command(
    db: str = typer.Option("painregen.db", "--db", help=DB_HELP),
    all_pairs: bool = typer.Option(False, "--all", help="Every stored pair, decided ones too."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List the pairs of records waiting for a reviewer (most similar first): record ids, score, reason."""
    from painregen.registry import open_registry
    from painregen.review import store

    with open_registry(db, create=False) as reg, reg.session() as session:
        items = store.duplicate_queue(session, include_decided=all_pairs)
        rows = [{"pair": it.pair_id, "score": it.score, "reason": it.reason, "record_a": it.record_a.id,
                 "record_b": it.record_b.id, "a": _record_line(it.record_a), "b": _record_line(it.record_b)}
                for it in items]
    if json_out:
        print_json(rows)
        return
    if not rows:
        console.print("no pairs waiting for a reviewer")
        return
    for r in rows:
        console.print(f"pair {r['pair']} score {r['score']:.3f}: {r['reason']}", highlight=False, soft_wrap=True)
        console.print(f"  {r['a']}\n  {r['b']}", highlight=False, soft_wrap=True)
    console.print(f"{len(rows)} pair(s); decide with `painregen search merge|distinct A B --reviewer NAME --db {db}`",
                  highlight=False, soft_wrap=True)


def _decision(kind: str) -> Any:
    @_store_errors
    def command(
        record_a: int = typer.Argument(..., help="Id of one record (from `painregen search duplicates`)."),
        record_b: int = typer.Argument(..., help="Id of the other record."),
        reviewer: str = typer.Option(..., "--reviewer", help="Your name (recorded with the decision)."),
        db: str = typer.Option("painregen.db", "--db", help=DB_HELP),
    ) -> None:
        from painregen.registry import open_registry
        from painregen.review import store

        with open_registry(db, create=False) as reg, reg.session() as session, session.begin():
            if kind == "merge":
                pub = store.merge_records(session, record_a, record_b, reviewer=reviewer)
                msg = f"records {record_a} and {record_b} are one publication ({pub.id}), decided by {reviewer}"
            else:
                store.mark_distinct(session, record_a, record_b, reviewer=reviewer)
                msg = f"records {record_a} and {record_b} are different publications, decided by {reviewer}"
        console.print(msg, highlight=False, soft_wrap=True)

    command.__doc__ = ("Merge two records into one publication (a reviewer's decision; every source is kept)."
                       if kind == "merge" else
                       "Mark two records as different publications (splits an automatic merge).")
    return command


app.command("merge")(_decision("merge"))
app.command("distinct")(_decision("distinct"))


@app.command("dedup")
@data_command
def dedup_command(
    file: Path = typer.Argument(..., help="A search export (one file)."),
    output: Path = typer.Option(..., "-o", "--output", help="groups.csv to write: record_id,group_id."),
    fmt: str | None = typer.Option(None, "--format", help=FORMAT_HELP),
    column: list[str] = typer.Option([], "--column", help="CSV column mapping FIELD=HEADER."),
    queue: Path | None = typer.Option(None, "--queue", help="Also write the uncertain pairs here (CSV)."),
) -> None:
    """Group the records of one file by publication without a registry (record_id = RIS ID, BibTeX key or the CSV
    record_id column; the record number where a record has none)."""
    from painregen.io.problems import InvalidDataError
    from painregen.review.dedup import find_duplicates
    from painregen.review.intake import read_search_file
    from painregen.review.records import RecordProblem

    search = read_search_file(file, fmt, _columns(column) or None)
    ids = [r.source_key or str(r.record_number) for r in search.records]
    seen: dict[str, int] = {}
    clashes = []
    for r, rid in zip(search.records, ids, strict=True):
        if rid in seen:
            clashes.append(RecordProblem(str(file), r.record_number, None,
                                         f"record id {rid!r} is also the id of record {seen[rid]}",
                                         "give every record its own ID / key / record_id"))
        seen.setdefault(rid, r.record_number)
    if clashes:
        raise InvalidDataError(clashes)
    result = find_duplicates(search.records)
    group_of = result.group_of()
    with open(output, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["record_id", "group_id"])
        for i, rid in enumerate(ids):
            w.writerow([rid, f"g{group_of[i] + 1:05d}"])
    if queue is not None:
        with open(queue, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["record_id_a", "record_id_b", "score", "reason"])
            for p in result.queued():
                w.writerow([ids[p.i], ids[p.j], p.score, p.reason])
    n_dup = len(ids) - len(result.groups)
    print(f"{len(ids)} records, {len(result.groups)} publications ({n_dup} duplicates), "
          f"{len(result.queued())} uncertain pairs; wrote {output}", file=sys.stderr)

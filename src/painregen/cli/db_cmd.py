"""`painregen db upgrade|backup|restore`: the registry's schema migrations, run once (or printed as SQL for a
database administrator), and portable backups that restore on SQLite or PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from painregen.cli.common import console, data_command, err_console, fail, print_json

app = typer.Typer(help="The registry database: upgrade its schema, back it up, restore a backup.",
                  no_args_is_help=True, add_completion=False)
DB_HELP = "Registry: a SQLite path or a database URL (postgresql+psycopg://user:password@host/db)."


def _shown(db: str) -> str:
    """The registry as messages name it: the path of a file, or the URL without its password."""
    from painregen.registry import registry_url

    return db if "://" not in db else registry_url(db).render_as_string(hide_password=True)


@app.command("upgrade")
@data_command
def upgrade_command(
    db: str = typer.Option("painregen.db", "--db", help=DB_HELP + " Created if it has no registry yet."),
    sql: bool = typer.Option(False, "--sql", help="Print the SQL for the database's dialect instead of running it "
                             "(for a database administrator; nothing is connected to)."),
    from_revision: str | None = typer.Option(None, "--from", metavar="REVISION", help="With --sql: print only the "
                                             "steps after this revision (the one the database is at)."),
) -> None:
    """Bring the registry's schema to the newest revision (run once after installing a new painregen, before
    starting the servers; `painregen serve` also does it at start)."""
    from painregen.registry import open_registry, registry_url
    from painregen.registry.core import make_engine
    from painregen.registry.migrate import current_revision, head_revision, upgrade_sql

    url = registry_url(db)
    if sql:
        from alembic.util.exc import CommandError

        try:
            upgrade_sql(url.render_as_string(hide_password=True),
                        f"{from_revision}:head" if from_revision else "head")
        except CommandError as exc:  # an unknown revision
            fail(f"cannot write the upgrade SQL: {exc}")
        return
    if from_revision:
        fail("--from is only used with --sql (a live upgrade reads the revision from the database)", 2)
    label = _shown(db)
    before = None
    if url.get_backend_name() != "sqlite" or (url.database and Path(url.database).exists()):
        engine = make_engine(url)
        try:
            before = current_revision(engine)
        except Exception as exc:
            from sqlalchemy.exc import DBAPIError

            if not isinstance(exc, DBAPIError):
                raise
            fail(f"cannot open registry {label}: {str(exc.orig).strip()}")
        finally:
            engine.dispose()
    open_registry(db).close()
    head = head_revision()
    if before is None:
        console.print(f"{label}: created a registry at schema revision {head}", soft_wrap=True, highlight=False)
    elif before == head:
        console.print(f"{label}: already at the newest schema revision {head}", soft_wrap=True, highlight=False)
    else:
        console.print(f"{label}: schema upgraded from revision {before} to {head}", soft_wrap=True,
                      highlight=False)


@contextmanager
def _progress(verb: str) -> Iterator[Callable[[str, int, int], None]]:
    """A progress bar per table on standard error (rows done of the table's rows)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    if not err_console.is_terminal:  # scripts and logs get the summary line only
        yield lambda table, done, total: None
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=err_console,
                  transient=True) as progress:
        tasks: dict[str, object] = {}

        def update(table: str, done: int, total: int) -> None:
            if table not in tasks:
                tasks[table] = progress.add_task(f"{verb} {table}", total=total or 1)
            progress.update(tasks[table], completed=done if total else 1)  # type: ignore[arg-type]

        yield update


@app.command("backup")
@data_command
def backup_command(
    db: str = typer.Option("painregen.db", "--db", help=DB_HELP),
    output: Path = typer.Option(..., "-o", "--output", help="The backup file to write (a zip; replaced if it "
                                "exists; readable by you only: it holds the accounts' password hashes)."),
    json_out: bool = typer.Option(False, "--json", help="Print the rows per table as JSON."),
) -> None:
    """Write every table of the registry (evidence, provenance, label mappings, projects, review decisions,
    accounts, audit log, jobs) to a portable backup file, from one consistent snapshot."""
    from painregen.registry.backup import backup

    with _progress("backing up") as progress:
        summary = backup(db, output, progress=progress)
    if json_out:
        print_json(summary.to_dict())
        return
    console.print(f"wrote {output}: {summary.n_rows} rows in {len(summary.rows)} tables, schema revision "
                  f"{summary.schema_revision}", soft_wrap=True, highlight=False)


@app.command("restore")
@data_command
def restore_command(
    file: Path = typer.Argument(..., help="A backup written by `painregen db backup`."),
    db: str = typer.Option("painregen.db", "--db", help=DB_HELP + " A new file or an empty database."),
    force: bool = typer.Option(False, "--force", help="Replace the contents of a registry that has rows (they "
                               "are deleted in the same transaction; a registry with audit-log rows is refused)."),
    json_out: bool = typer.Option(False, "--json", help="Print the rows per table as JSON."),
) -> None:
    """Restore a backup into a new SQLite file or an empty database, all or nothing; the registry is then
    upgraded to the newest schema revision."""
    from painregen.registry.backup import restore
    from painregen.registry.migrate import head_revision

    if not file.is_file():
        fail(f"no such file: {file}")
    with _progress("restoring") as progress:
        summary = restore(file, db, force=force, progress=progress)
    if json_out:
        print_json(summary.to_dict())
        return
    head = head_revision()
    upgraded = f", upgraded to {head}" if head != summary.schema_revision else ""
    console.print(f"restored {summary.n_rows} rows in {len(summary.rows)} tables from {file} into "
                  f"{_shown(db)} (schema revision "
                  f"{summary.schema_revision}{upgraded})", soft_wrap=True, highlight=False)

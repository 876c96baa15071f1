"""Portable backups of a whole registry (``painregen db backup`` / ``painregen db restore``).

A backup is a zip file with ``manifest.json`` (format and version, the schema revision, the painregen version,
the backend it came from, and for every table its columns with their kinds and its number of rows) and one
``tables/<name>.jsonl`` per table: one JSON array per row, in the manifest's column order, rows in primary-key
order. Every table of the database is included (found by reflection, so tables added by later revisions are
too), in foreign-key order; only Alembic's ``alembic_version`` is left out (the manifest records the revision).
Values are written by kind (:mod:`.backup_values`): floats bit for bit, date-times in UTC. The files are
backend-neutral: a backup of SQLite restores into PostgreSQL and back, and backs up again to the same bytes.

A restore runs in one transaction (all or nothing): the database is given the backup's schema revision, filled,
then upgraded to the newest revision. A database that already holds a registry must be at the backup's revision
and have no rows, unless ``force``: then every registry table is dropped first, in the same transaction, the
audit log included (the backup brings its own). PostgreSQL sequences are moved past the restored ids. The zip's
CRC-32 checks, the kind of every value and the row counts catch damaged or truncated files; a row the database
refuses is named by its file and line.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, Table, func, select, text
from sqlalchemy import types as sqltypes
from sqlalchemy.exc import DBAPIError

from painregen import __version__
from painregen.registry.backup_values import KINDS, BackupError, column_kind, decoder, encode
from painregen.registry.core import WRITE, make_engine, registry_url
from painregen.registry.migrate import ADVISORY_LOCK, alembic_config
from painregen.registry.records import RegistryNotFoundError

__all__ = ["FORMAT", "FORMAT_VERSION", "BackupError", "BackupSummary", "backup", "read_manifest", "restore"]

FORMAT = "painregen-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
BATCH = 1000
#: ``progress(table, rows done, rows of the table)``, called after every batch
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class BackupSummary:
    """What a backup holds (or a restore wrote): the schema revision and the rows of every table."""

    path: Path
    schema_revision: str
    rows: dict[str, int]

    @property
    def n_rows(self) -> int:
        return sum(self.rows.values())

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "schema_revision": self.schema_revision, "rows": self.rows}


# ----------------------------------------------------------------------------------------- database


def _tables(conn: Connection) -> list[Table]:
    """Every table of the registry (reflected), parents before children; without ``alembic_version``."""
    metadata = MetaData()
    metadata.reflect(bind=conn)
    return [t for t in metadata.sorted_tables if t.name != "alembic_version"]


def _ordered(conn: Connection, table: Table) -> Any:
    """SELECT of every row in primary-key order (byte order for text keys, as on SQLite)."""
    keys = list(table.primary_key.columns) or list(table.columns)
    if conn.dialect.name == "postgresql":
        keys = [c.collate("C") if isinstance(c.type, sqltypes.String) else c for c in keys]  # type: ignore[misc]
    return select(table).order_by(*keys)


def _self_links(table: Table) -> list[tuple[str, str]]:
    """(column, referenced column) of the table's foreign keys to itself."""
    return [(fk.parent.name, fk.column.name) for fk in table.foreign_keys if fk.column.table is table]


def _parents_first(table: Table, rows: list[tuple[int, dict[str, Any]]]) -> list[tuple[int, dict[str, Any]]]:
    """Rows of a table with a foreign key to itself (a merged publication points to the one it went into),
    ordered so that every referenced row comes before the rows pointing to it (in rounds, stable)."""
    links = _self_links(table)
    done: set[tuple[str, Any]] = set()
    out: list[tuple[int, dict[str, Any]]] = []
    waiting = rows
    while waiting:
        ready: list[tuple[int, dict[str, Any]]] = []
        later: list[tuple[int, dict[str, Any]]] = []
        for item in waiting:
            row = item[1]
            blocked = any(row[c] is not None and (p, row[c]) not in done for c, p in links)
            (later if blocked else ready).append(item)
        if not ready:
            raise BackupError(f"table {table.name}: line {later[0][0]} refers to a row that is not in the backup "
                              "or to a cycle of rows (damaged backup)")
        for _, row in ready:
            done.update((p, row[p]) for _, p in links)
        out += ready
        waiting = later
    return out


def _reset_sequences(conn: Connection, tables: list[Table]) -> None:
    """PostgreSQL: make each serial/identity primary key continue after the largest restored id."""
    for table in tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not isinstance(pk[0].type, sqltypes.Integer):
            continue
        seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": pk[0].name}).scalar()
        if seq is not None:
            top = conn.execute(select(func.max(pk[0]))).scalar()
            conn.execute(text("SELECT setval(:s, :v, false)"), {"s": seq, "v": (top or 0) + 1})


# ------------------------------------------------------------------------------------------- backup


def backup(db: str | Path, path: Path, *, progress: Progress | None = None) -> BackupSummary:
    """Write every row of the registry ``db`` to the backup ``path`` (replaced atomically; readable by the owner
    only, since it holds account password hashes). One consistent snapshot: on PostgreSQL a repeatable-read,
    read-only transaction, on SQLite one read transaction."""
    engine = make_engine(registry_url(db))
    try:
        return _backup(engine, db, path, progress)
    except DBAPIError as exc:
        raise BackupError(f"cannot read registry {_label(db)}: {_reason(exc)}") from exc
    finally:
        engine.dispose()


def _backup(engine: Engine, db: str | Path, path: Path, progress: Progress | None) -> BackupSummary:
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:") \
            and not Path(url.database).exists():
        raise RegistryNotFoundError(f"registry not found: {url.database}")
    options: dict[str, Any] = {"stream_results": True}
    if url.get_backend_name() == "postgresql":
        options.update(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    if not path.parent.is_dir():
        raise BackupError(f"cannot write {path}: directory {path.parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=".painregen-backup-", suffix=".zip", dir=path.parent)
    try:
        with engine.connect().execution_options(**options) as conn, conn.begin(), os.fdopen(fd, "wb") as out, \
                zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            revision = _revision(conn)
            if revision is None:
                raise RegistryNotFoundError(f"no painregen registry in {_label(db)}")
            entries: list[dict[str, Any]] = []
            for table in _tables(conn):
                total = conn.execute(select(func.count()).select_from(table)).scalar_one()
                columns = list(table.columns)
                kinds = [column_kind(table, c) for c in columns]
                member = f"tables/{table.name}.jsonl"
                n = 0
                with zf.open(member, "w", force_zip64=True) as f:
                    for chunk in conn.execute(_ordered(conn, table)).partitions(BATCH):
                        f.write("".join(json.dumps([encode(k, v) for k, v in zip(kinds, row, strict=True)],
                                                   ensure_ascii=False, separators=(",", ":")) + "\n"
                                        for row in chunk).encode("utf-8"))
                        n += len(chunk)
                        if progress:
                            progress(table.name, n, total)
                if progress and n == 0:
                    progress(table.name, 0, 0)
                entries.append({"name": table.name, "file": member, "rows": n,
                                "columns": [{"name": c.name, "kind": k} for c, k in zip(columns, kinds, strict=True)]})
            manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "schema_revision": revision,
                        "painregen_version": __version__, "created_at": datetime.now(UTC).isoformat(),
                        "source_backend": url.get_backend_name(), "tables": entries}
            zf.writestr(MANIFEST, json.dumps(manifest, indent=1) + "\n")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return BackupSummary(path, revision, {e["name"]: e["rows"] for e in entries})


def _revision(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def _label(db: str | Path) -> str:
    """The registry as messages name it: a file path, or the URL without its password."""
    return str(db) if "://" not in str(db) else registry_url(db).render_as_string(hide_password=True)


# ------------------------------------------------------------------------------------------ restore


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest of the backup ``path``, checked (BackupError names what is wrong)."""
    try:
        with zipfile.ZipFile(path) as zf:
            manifest = json.loads(zf.read(MANIFEST))
            names = set(zf.namelist())
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise BackupError(f"{path}: not a painregen backup or damaged ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: not a painregen backup (its {MANIFEST} does not say format {FORMAT!r})")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise BackupError(f"{path}: backup format version {version!r}, this painregen reads {FORMAT_VERSION} "
                          "(upgrade painregen)")
    tables = manifest.get("tables")
    if not isinstance(manifest.get("schema_revision"), str) or not isinstance(tables, list) or not all(
            _entry_ok(e) for e in tables):
        raise BackupError(f"{path}: {MANIFEST} lacks the schema revision or a table's name, file, rows or columns "
                          "(damaged backup)")
    for entry in tables:
        if entry["file"] not in names:
            raise BackupError(f"{path}: {entry['file']} listed in the manifest is missing (damaged backup)")
    return manifest


def _entry_ok(entry: Any) -> bool:
    return isinstance(entry, dict) and isinstance(entry.get("name"), str) and isinstance(entry.get("file"), str) \
        and isinstance(entry.get("rows"), int) and isinstance(entry.get("columns"), list) and all(
            isinstance(c, dict) and isinstance(c.get("name"), str) and c.get("kind") in KINDS
            for c in entry["columns"])


def restore(path: Path, db: str | Path, *, force: bool = False, progress: Progress | None = None) -> BackupSummary:
    """Restore the backup ``path`` into ``db`` in one transaction (module docstring); returns rows per table."""
    manifest = read_manifest(path)
    url = registry_url(db)
    new_file = None
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        target = Path(url.database)
        if not target.parent.is_dir():
            raise BackupError(f"cannot create registry {target}: directory {target.parent} does not exist")
        new_file = None if target.exists() else target
    engine = make_engine(url)
    try:
        try:
            with engine.execution_options(**{WRITE: True}).begin() as conn:  # SQLite: BEGIN IMMEDIATE
                rows = _restore(conn, path, manifest, force, progress, _label(db))
        except DBAPIError as exc:  # cannot connect, no right to create tables, ...
            raise BackupError(f"cannot restore into {_label(db)}: {_reason(exc)}; nothing was restored") from exc
    except BaseException:
        engine.dispose()
        if new_file is not None:
            for suffix in ("", "-wal", "-shm", "-journal"):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(f"{new_file}{suffix}")
        raise
    engine.dispose()
    return BackupSummary(path, manifest["schema_revision"], rows)


def _restore(conn: Connection, path: Path, manifest: dict[str, Any], force: bool, progress: Progress | None,
             label: str) -> dict[str, int]:
    from alembic import command
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    revision = str(manifest["schema_revision"])
    try:
        known = ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except CommandError:
        known = False
    if not known:
        raise BackupError(f"{path}: schema revision {revision} is unknown to this painregen (a backup written by a "
                          "newer painregen: upgrade painregen)")
    if conn.dialect.name == "postgresql":  # the lock `open_registry` holds while it creates or upgrades a schema
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK})
    stored = _revision(conn)
    if stored is not None and not force:
        if stored != revision:
            raise BackupError(f"{path}: the backup is at schema revision {revision} but {label} is at {stored}; "
                              "restore into a new, empty database (it is created at the backup's revision, then "
                              "upgraded), or pass --force to replace the registry")
        filled = [f"{n} {t.name}" for t in _tables(conn) if (n := conn.execute(select(func.count()).select_from(t))
                                                               .scalar())]
        if filled:
            shown = ", ".join(filled[:4]) + (f" and {len(filled) - 4} more tables" if len(filled) > 4 else "")
            raise BackupError(f"{label} is not empty ({shown}); restore into a new database, or pass --force to "
                              "replace the registry")
    try:
        if stored is not None and force:
            _drop_registry(conn)
        command.upgrade(alembic_config(connection=conn), revision)
    except CommandError as exc:
        raise BackupError(f"cannot prepare {label} for the backup's schema revision {revision}: {exc}") from exc
    tables = {t.name: t for t in _tables(conn)}
    _check_tables(path, manifest, tables)
    rows: dict[str, int] = {}
    with zipfile.ZipFile(path) as zf:
        for entry in manifest["tables"]:  # the backup's order: parents before children
            rows[entry["name"]] = _insert(conn, zf, path, entry, tables[entry["name"]], progress)
    if conn.dialect.name == "postgresql":
        _reset_sequences(conn, list(tables.values()))
    command.upgrade(alembic_config(connection=conn), "head")  # same transaction: a failing step undoes it all
    return rows


def _drop_registry(conn: Connection) -> None:
    """Drop every registry table, the audit log included (``--force``). PostgreSQL: the migrations' downgrade,
    which also drops the functions they created; SQLite (whose downgrades rebuild tables and need them to be
    consistent on the way): the tables directly, children first (their triggers and indexes go with them)."""
    from alembic import command

    if conn.dialect.name == "postgresql":
        command.downgrade(alembic_config(connection=conn), "base")
        return
    for table in reversed(_tables(conn)):
        table.drop(conn)
    conn.execute(text("DELETE FROM alembic_version"))


def _check_tables(path: Path, manifest: dict[str, Any], tables: dict[str, Table]) -> None:
    listed = {e["name"]: {c["name"] for c in e["columns"]} for e in manifest["tables"]}
    for name in sorted(set(listed) ^ set(tables)):
        where = "the backup" if name in listed else "the registry"
        raise BackupError(f"{path}: table {name} is only in {where} (schema revision {manifest['schema_revision']}"
                          " does not match: a damaged backup or an edited schema)")
    for name, columns in listed.items():
        if columns != {c.name for c in tables[name].columns}:
            raise BackupError(f"{path}: table {name} has columns {sorted(columns)} in the backup but "
                              f"{sorted(c.name for c in tables[name].columns)} in the registry")


def _rows(zf: zipfile.ZipFile, where: str, member: str, names: list[str],
          decoders: list[Callable[[Any], Any]]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, row) of a table file, decoded and checked."""
    try:
        with zf.open(member) as f:
            for line_no, line in enumerate(f, start=1):
                try:
                    values = json.loads(line)
                    if not isinstance(values, list) or len(values) != len(names):
                        raise ValueError(f"expected a list of {len(names)} values")
                    yield line_no, {k: d(v) for k, d, v in zip(names, decoders, values, strict=True)}
                except (ValueError, TypeError, ArithmeticError) as exc:
                    raise BackupError(f"{where}:{line_no}: {exc} (damaged backup)") from exc
    except zipfile.BadZipFile as exc:
        raise BackupError(f"{where}: {exc} (damaged backup)") from exc


def _insert(conn: Connection, zf: zipfile.ZipFile, path: Path, entry: dict[str, Any], table: Table,
            progress: Progress | None) -> int:
    """Insert the rows of one table file in batches; returns how many (checked against the manifest)."""
    names = [c["name"] for c in entry["columns"]]
    decoders = [decoder(c["kind"], table.columns[c["name"]], conn.dialect.name) for c in entry["columns"]]
    for column in table.columns:  # a missing JSON value is SQL NULL, not the JSON text 'null'
        if isinstance(column.type, sqltypes.JSON):
            column.type.none_as_null = True
    where = f"{path}:{entry['file']}"
    rows: Iterator[tuple[int, dict[str, Any]]] | list[tuple[int, dict[str, Any]]]
    rows = _rows(zf, where, entry["file"], names, decoders)
    if _self_links(table):
        rows = _parents_first(table, list(rows))
    n = 0
    for batch in _batches(rows):
        _flush(conn, table, batch, where)
        n += len(batch)
        if progress:
            progress(table.name, n, entry["rows"])
    if progress and n == 0:
        progress(table.name, 0, 0)
    if n != entry["rows"]:
        raise BackupError(f"{where}: {n} rows but the manifest says {entry['rows']} (truncated or damaged backup)")
    return n


def _batches(rows: Iterator[tuple[int, dict[str, Any]]] | list[tuple[int, dict[str, Any]]],
             ) -> Iterator[list[tuple[int, dict[str, Any]]]]:
    batch: list[tuple[int, dict[str, Any]]] = []
    for item in rows:
        batch.append(item)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _flush(conn: Connection, table: Table, batch: list[tuple[int, dict[str, Any]]], where: str) -> None:
    """Insert a batch; when the database refuses it, find the first refused row and name its line."""
    try:
        with conn.begin_nested():
            conn.execute(table.insert(), [r for _, r in batch])
    except DBAPIError as batch_error:
        for line_no, row in batch:
            try:
                with conn.begin_nested():
                    conn.execute(table.insert(), [row])
            except DBAPIError as exc:
                raise BackupError(f"{where}:{line_no}: the database refused the row ({_reason(exc)}); "
                                  "nothing was restored") from exc
        raise BackupError(f"{where}: the database refused rows ({_reason(batch_error)}); nothing was restored") \
            from batch_error


def _reason(exc: DBAPIError) -> str:
    return (str(exc.orig).strip().splitlines() or [type(exc.orig).__name__])[0]

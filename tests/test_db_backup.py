"""`painregen db backup|restore|upgrade`: portable backups round-trip every table between SQLite and PostgreSQL
with floats bit for bit; restores are all or nothing and refuse a registry with rows unless forced; older
backups are upgraded; damaged files are named with their line.

Tests taking ``registry_url`` run on SQLite and, with PAINREGEN_TEST_POSTGRES_URL set, on PostgreSQL (conftest.py).
"""

from __future__ import annotations

import json
import math
import struct
import uuid
import zipfile
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Column, MetaData, Table, func, inspect, select
from sqlalchemy import types as sqltypes
from typer.testing import CliRunner

from painregen.cli.main import app
from painregen.evidence import models as m
from painregen.registry import Decision, open_registry
from painregen.registry import registry_url as url_of
from painregen.registry.backup import BackupError, backup, read_manifest, restore
from painregen.registry.backup_values import column_kind, decoder, encode
from painregen.registry.core import make_engine
from painregen.registry.migrate import alembic_config, current_revision, downgrade, head_revision
from painregen.registry.schema import Base
from test_registry import SHA_A, SHA_B, sample_dataset

#: doubles that a decimal or single-precision round trip would change: the smallest subnormal, the largest finite,
#: the smallest normal, sums and ratios without a short decimal form
EXTREMES = [5e-324, 1.7976931348623157e308, 2.2250738585072014e-308, 0.1 + 0.2, 1 / 3, -2.5e-300,
            123456789.12345679, 2.0**-1074 * 3]


def evidence() -> m.Dataset:
    ds = sample_dataset()
    values = iter(EXTREMES)
    for e in ds.studies[0].experiments:
        for ob in e.observations:
            ob.average = next(values, ob.average)
    ds.studies[0].experiments[0].cohorts[2].intervention.dose.amount = 1 / 7  # type: ignore[union-attr]
    ds.simulated, ds.truth = True, {"ed50": 1 / 3, "tau2": EXTREMES[:3], "label": "süß € \u2028"}
    return ds


def fill_empty_tables(db: str) -> None:
    """Put rows into every table that the API calls left empty (two in a table with a foreign key to itself, the
    first pointing to the second), with values of every kind, so that a round trip covers every table of the
    schema, tables added by later revisions included."""
    engine = make_engine(url_of(db))
    with engine.begin() as conn:
        metadata = MetaData()
        metadata.reflect(bind=conn)
        for table in metadata.sorted_tables:
            if table.name == "alembic_version" or conn.execute(select(func.count()).select_from(table)).scalar():
                continue
            selfref = any(fk.column.table is table for fk in table.foreign_keys)

            def row(pk: int, points_to: int | None, table: Table = table) -> dict[str, Any]:
                out: dict[str, Any] = {}
                for i, c in enumerate(table.columns):
                    fk = next(iter(c.foreign_keys), None)
                    t = c.type
                    if fk is not None:
                        out[c.name] = points_to if fk.column.table is table else conn.execute(
                            select(fk.column).limit(1)).scalar()
                    elif c.primary_key:
                        out[c.name] = pk if isinstance(t, sqltypes.Integer) else f"key-{pk}"
                    elif isinstance(t, sqltypes.JSON):
                        out[c.name] = {"values": EXTREMES, "nested": [{"ü": None}], "pk": pk}
                    elif isinstance(t, sqltypes.Boolean):
                        out[c.name] = pk % 2 == 1
                    elif isinstance(t, sqltypes.Integer):
                        out[c.name] = 2**31 - pk  # PostgreSQL INTEGER's range
                    elif isinstance(t, sqltypes.Float):
                        out[c.name] = EXTREMES[(i + pk) % len(EXTREMES)]
                    elif isinstance(t, sqltypes.DateTime):
                        out[c.name] = datetime(2026, 2, 3, 4, 5, 6, 789012 - pk, tzinfo=UTC)
                    elif isinstance(t, sqltypes.Date):
                        out[c.name] = date(2025, 12, pk)
                    else:
                        text = f"{pk} ü€ 'q' \"dq\"\nline\t2"
                        out[c.name] = text[: t.length] if getattr(t, "length", None) else text
                return out

            # row 1 points to row 2: a restore in key order would insert it before its parent
            conn.execute(table.insert(), [row(2, None), row(1, 2)] if selfref else [row(1, None)])
    engine.dispose()


def populate(db: str) -> None:
    """A registry with rows in every table: evidence through the API (two imports, a project, label decisions,
    a finished job), the rest generated."""
    with open_registry(db) as reg:
        reg.import_dataset(evidence(), source="a.csv", sha256=SHA_A, fmt="template", project="consortium")
        reg.import_dataset(m.Dataset(studies=[m.Study(study_id="Other", title="Another", year=2024)]),
                           source="b.json", sha256=SHA_B, fmt="json")
        reg.store_mapping_decisions([Decision("outcome", "syrf label", "syrf-label", "confirmed",
                                              "PRG:assay-von-frey", note="ü")], reviewer="ana")
        job = reg.create_job("report", {"measure": "SMD", "tiny": 5e-324})
        reg.update_job(job.id, status="done", progress=1 / 3, result={"files": ["report.html"], "x": 0.1 + 0.2})
    fill_empty_tables(db)


def contents(path: Path) -> dict[str, tuple[Any, bytes]]:
    """table -> (columns, the bytes of its rows) of a backup."""
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        return {e["name"]: (e["columns"], zf.read(e["file"])) for e in manifest["tables"]}


def float_bits(db: str) -> dict[tuple[str, str], list[bytes]]:
    """The bits of every value of every float column, rows in primary-key order."""
    engine = make_engine(url_of(db))
    out = {}
    with engine.connect() as conn:
        metadata = MetaData()
        metadata.reflect(bind=conn)
        for table in metadata.sorted_tables:
            for c in table.columns:
                if isinstance(c.type, sqltypes.Float):
                    values = conn.execute(select(c).order_by(*table.primary_key.columns)).scalars()
                    out[table.name, c.name] = [struct.pack("<d", v) for v in values if v is not None]
    engine.dispose()
    return out


def rewrite(src: Path, dst: Path, member: str, edit: Callable[[list[str]], list[str]]) -> None:
    """Copy a backup, editing the lines of one member."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == member:
                data = "".join(edit(data.decode("utf-8").splitlines(keepends=True))).encode("utf-8")
            zout.writestr(name, data)


def tables_of(db: str) -> list[str]:
    engine = make_engine(url_of(db))
    try:
        return inspect(engine).get_table_names()
    finally:
        engine.dispose()


# ------------------------------------------------------------------------------------------- values


def through_backup(column_type: Any, value: Any, dialect: str = "postgresql") -> Any:
    """A value written as a backup writes it (JSON text) and read back for a column of ``dialect``."""
    table = Table("t", MetaData(), Column("c", column_type))
    kind = column_kind(table, table.c.c)
    return decoder(kind, table.c.c, dialect)(json.loads(json.dumps(encode(kind, value))))


@given(st.floats(allow_nan=False))
def test_every_double_survives_bit_for_bit(x: float) -> None:
    assert struct.pack("<d", through_backup(sqltypes.Double(), x)) == struct.pack("<d", x)


def test_values_of_every_kind() -> None:
    cet = timezone(timedelta(hours=1))
    cases = [(sqltypes.Integer(), 2**63 - 1), (sqltypes.Boolean(), False), (sqltypes.Text(), "ü\x00\n€"),
             (sqltypes.JSON(), {"a": [1.5, None, "x"]}), (sqltypes.Date(), date(2026, 2, 28)),
             (sqltypes.Time(), time(23, 59, 58, 999999)), (sqltypes.Numeric(), Decimal("12345.678901234567890")),
             (sqltypes.LargeBinary(), bytes(range(256))), (sqltypes.Uuid(), uuid.UUID(int=2**128 - 1)),
             (sqltypes.DateTime(timezone=True), datetime(2026, 1, 1, 0, 30, tzinfo=UTC))]
    for column_type, value in cases:
        assert through_backup(column_type, value) == value, column_type
    # a zone other than UTC is written in UTC; SQLite (and columns without a zone) get the UTC wall time
    local = datetime(2026, 1, 1, 1, 30, 0, 5, tzinfo=cet)
    assert encode("datetime", local) == "2026-01-01T00:30:00.000005+00:00"
    assert through_backup(sqltypes.DateTime(timezone=True), local, "sqlite") == datetime(2026, 1, 1, 0, 30, 0, 5)
    assert encode("datetime", datetime(2026, 1, 1)) == "2026-01-01T00:00:00+00:00"  # SQLite's zone-less UTC
    assert math.isnan(through_backup(sqltypes.Double(), math.nan))
    table = Table("t", MetaData(), Column("c", sqltypes.Integer()))
    for bad in ("1", 1.5, True):
        with pytest.raises(ValueError, match="is not of kind integer"):
            decoder("integer", table.c.c, "sqlite")(bad)
    interval = Table("t", MetaData(), Column("c", sqltypes.Interval()))
    with pytest.raises(BackupError, match="table t: column c has type DATETIME, which backups cannot write yet"):
        column_kind(interval, interval.c.c)  # an Interval is no DateTime, whatever its SQL name


# ------------------------------------------------------------------------------------------ round trip


def test_round_trip_sqlite_backend_sqlite_is_exact(tmp_path: Path, registry_url: str) -> None:
    source = str(tmp_path / "source.db")
    populate(source)
    backup(source, tmp_path / "a.zip")
    a = contents(tmp_path / "a.zip")
    assert [t for t, (_, rows) in a.items() if not rows] == []  # every table has rows
    assert set(Base.metadata.tables) <= set(a)  # every table of the ORM (and any other table of the database)

    summary = restore(tmp_path / "a.zip", registry_url)  # SQLite -> the backend under test
    assert summary.rows == {t: rows.count(b"\n") for t, (_, rows) in a.items()}
    backup(registry_url, tmp_path / "b.zip")
    back = str(tmp_path / "back.db")
    restore(tmp_path / "b.zip", back)  # -> SQLite again
    backup(back, tmp_path / "c.zip")
    assert contents(tmp_path / "b.zip") == a and contents(tmp_path / "c.zip") == a
    assert float_bits(registry_url) == float_bits(source) == float_bits(back)
    assert sum(len(v) for v in float_bits(source).values()) > 30

    with open_registry(source) as src, open_registry(registry_url, create=False) as dst:
        assert dst.export_dataset() == src.export_dataset()
        assert dst.imports() == src.imports() and dst.projects() == src.projects()
        assert dst.mapping_decisions() == src.mapping_decisions()
        assert dst.recent_jobs("report") == src.recent_jobs("report")
        # ids continue after the restored ones (PostgreSQL: the sequences were moved)
        new = dst.import_dataset(m.Dataset(studies=[m.Study(study_id="N", title="New one")]), source="n.csv",
                                 sha256="c" * 64, fmt="template")
        assert new.import_id == 3 and new.study_ids == [4]


def test_backup_names_every_table_and_the_revision(tmp_path: Path) -> None:
    db = str(tmp_path / "r.db")
    populate(db)
    summary = backup(db, tmp_path / "r.zip")
    manifest = read_manifest(tmp_path / "r.zip")
    assert manifest["format"] == "painregen-backup" and manifest["format_version"] == 1
    assert manifest["schema_revision"] == summary.schema_revision == head_revision()
    assert manifest["source_backend"] == "sqlite"
    names = [e["name"] for e in manifest["tables"]]
    assert names.index("imports") < names.index("studies") < names.index("experiments") < names.index("cohorts") \
        < names.index("observations")  # parents first
    kinds = {(e["name"], c["name"]): c["kind"] for e in manifest["tables"] for c in e["columns"]}
    assert (kinds["observations", "average"], kinds["imports", "imported_at"], kinds["imports", "truth"],
            kinds["studies", "simulated"], kinds["cohorts", "n_randomised"]) == (
        "float", "datetime", "json", "boolean", "integer")
    assert summary.rows["observations"] == 8 and summary.rows["imports"] == 2
    assert (tmp_path / "r.zip").stat().st_mode & 0o077 == 0  # password hashes inside: owner only
    [imp] = [json.loads(line) for line in contents(tmp_path / "r.zip")["imports"][1].splitlines()[:1]]
    assert imp[4].endswith("+00:00") and imp[9]["tau2"] == EXTREMES[:3]


@pytest.mark.postgresql
def test_negative_zero_survives_postgresql(tmp_path: Path, postgresql_registry_url: str) -> None:
    db = postgresql_registry_url
    ds = sample_dataset()
    ds.studies[0].experiments[0].observations[0].average = -0.0  # SQLite cannot keep the sign; PostgreSQL does
    with open_registry(db) as reg:
        reg.import_dataset(ds, source="z.csv", sha256=SHA_A, fmt="template")
    backup(db, tmp_path / "z.zip")
    assert b"-0.0" in contents(tmp_path / "z.zip")["observations"][1]
    restore(tmp_path / "z.zip", db, force=True)
    with open_registry(db) as reg:
        assert math.copysign(1, reg.export_dataset().studies[0].experiments[0].observations[0].average) == -1


# ----------------------------------------------------------------------------------- refusals, atomicity


def test_a_registry_with_rows_is_refused_unless_forced(tmp_path: Path, registry_url: str) -> None:
    source = str(tmp_path / "source.db")
    populate(source)
    backup(source, tmp_path / "a.zip")
    with open_registry(registry_url) as reg:
        reg.import_dataset(sample_dataset(), source="mine.csv", sha256="d" * 64, fmt="template")
        mine = reg.export_dataset()
    with pytest.raises(BackupError, match=r"is not empty \(\d+ audit_log|is not empty \(1 imports"):
        restore(tmp_path / "a.zip", registry_url)
    with open_registry(registry_url) as reg:
        assert reg.export_dataset() == mine and len(reg.imports()) == 1
    restore(tmp_path / "a.zip", registry_url, force=True)  # replaces everything, the audit log included
    backup(registry_url, tmp_path / "b.zip")
    assert contents(tmp_path / "b.zip") == contents(tmp_path / "a.zip")


def test_an_empty_registry_at_the_same_revision_is_a_valid_target(tmp_path: Path, registry_url: str) -> None:
    source = str(tmp_path / "source.db")
    populate(source)
    backup(source, tmp_path / "a.zip")
    open_registry(registry_url).close()  # e.g. created by `painregen db upgrade` before the restore
    restore(tmp_path / "a.zip", registry_url)
    backup(registry_url, tmp_path / "b.zip")
    assert contents(tmp_path / "b.zip") == contents(tmp_path / "a.zip")


def _refuse(edit: Callable[[list[str]], list[str]], member: str, match: str, tmp_path: Path,
            target: str) -> None:
    rewrite(tmp_path / "a.zip", tmp_path / "bad.zip", member, edit)
    with pytest.raises(BackupError, match=match):
        restore(tmp_path / "bad.zip", target)


def test_a_damaged_backup_restores_nothing(tmp_path: Path, registry_url: str) -> None:
    def observation(line: int, column: str, value: Any) -> Callable[[list[str]], list[str]]:
        def edit(lines: list[str]) -> list[str]:
            row = json.loads(lines[line - 1])
            row[[c["name"] for c in columns].index(column)] = value
            return [*lines[: line - 1], json.dumps(row) + "\n", *lines[line:]]

        return edit

    source = str(tmp_path / "source.db")
    populate(source)
    backup(source, tmp_path / "a.zip")
    columns = contents(tmp_path / "a.zip")["observations"][0]
    bad_parent = observation(3, "cohort_pk", 99999)  # a cohort that does not exist
    cases = [
        (bad_parent, "tables/observations.jsonl", r"bad\.zip:tables/observations\.jsonl:3: the database refused"),
        (observation(2, "n", "eight"), "tables/observations.jsonl",
         r"observations\.jsonl:2: column n: 'eight' is not of kind integer"),
        (lambda lines: lines[:-1], "tables/studies.jsonl", r"studies\.jsonl: 2 rows but the manifest says 3"),
        (lambda lines: [*lines, "[1, 2\n"], "tables/jobs.jsonl", r"jobs\.jsonl:2: .* \(damaged backup\)"),
    ]
    for edit, member, match in cases:
        _refuse(edit, member, match, tmp_path, registry_url)
        if "://" in registry_url:
            assert tables_of(registry_url) == []  # not even the schema stays
        else:
            assert not Path(registry_url).exists()  # the new file is removed again
    open_registry(registry_url).close()
    before = tables_of(registry_url)
    _refuse(bad_parent, "tables/observations.jsonl", "refused", tmp_path, registry_url)
    assert tables_of(registry_url) == before
    with open_registry(registry_url) as reg:
        assert sum(reg.counts().values()) == 0


def test_manifests_that_cannot_be_restored(tmp_path: Path) -> None:
    db = str(tmp_path / "r.db")
    populate(db)
    backup(db, tmp_path / "a.zip")

    def manifest(**change: Any) -> Callable[[list[str]], list[str]]:
        return lambda lines: [json.dumps({**json.loads("".join(lines)), **change})]

    for change, match in [({"format": "zip"}, "not a painregen backup"),
                          ({"format_version": 2}, "backup format version 2, this painregen reads 1"),
                          ({"schema_revision": "9999"}, "schema revision 9999 is unknown to this painregen"),
                          ({"tables": [{"name": "studies", "file": "tables/studies.jsonl", "rows": 2}]},
                           "lacks the schema revision or a table's name, file, rows or columns"),
                          ({"tables": [{"name": "x", "file": "tables/x.jsonl", "rows": 0, "columns": []}]},
                           r"tables/x\.jsonl listed in the manifest is missing")]:
        rewrite(tmp_path / "a.zip", tmp_path / "bad.zip", "manifest.json", manifest(**change))
        with pytest.raises(BackupError, match=match):
            restore(tmp_path / "bad.zip", str(tmp_path / "new.db"))
        assert not (tmp_path / "new.db").exists()
    (tmp_path / "junk.zip").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(BackupError, match=r"junk\.zip: not a painregen backup or damaged"):
        restore(tmp_path / "junk.zip", str(tmp_path / "new.db"))
    with pytest.raises(BackupError, match=r"directory .*missing does not exist"):
        backup(db, tmp_path / "missing" / "x.zip")
    with pytest.raises(BackupError, match=r"cannot restore into postgresql\+psycopg://u:\*\*\*@127\.0\.0\.1:1/db: .*"
                                          "nothing was restored"):
        restore(tmp_path / "a.zip", "postgresql+psycopg://u:pw@127.0.0.1:1/db")


def test_an_older_backup_is_restored_at_its_revision_then_upgraded(tmp_path: Path, registry_url: str) -> None:
    from alembic.script import ScriptDirectory

    old = str(tmp_path / "old.db")
    with open_registry(old) as reg:
        reg.import_dataset(evidence(), source="a.csv", sha256=SHA_A, fmt="template")
    previous = ScriptDirectory.from_config(alembic_config()).get_revision(head_revision()).down_revision
    assert isinstance(previous, str)
    engine = make_engine(url_of(old))
    downgrade(engine, previous)
    engine.dispose()
    assert backup(old, tmp_path / "old.zip").schema_revision == previous
    open_registry(registry_url).close()  # a registry at the newest revision is not the backup's revision
    with pytest.raises(BackupError, match=f"backup is at schema revision {previous} but .* is at"):
        restore(tmp_path / "old.zip", registry_url)
    restore(tmp_path / "old.zip", registry_url, force=True)
    engine = make_engine(url_of(registry_url))
    assert current_revision(engine) == head_revision()
    engine.dispose()
    with open_registry(registry_url) as reg:
        assert reg.export_dataset() == evidence()


# ------------------------------------------------------------------------------------------------ CLI


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def test_cli_upgrade_backup_restore(tmp_path: Path) -> None:
    db, copy = str(tmp_path / "r.db"), str(tmp_path / "copy.db")
    result = run("db", "upgrade", "--db", db)
    assert result.exit_code == 0 and f"{db}: created a registry at schema revision {head_revision()}" in result.stdout
    assert "already at the newest schema revision" in run("db", "upgrade", "--db", db).stdout
    engine = make_engine(url_of(db))
    downgrade(engine, "0002")
    engine.dispose()
    assert f"schema upgraded from revision 0002 to {head_revision()}" in run("db", "upgrade", "--db", db).stdout
    populate(db)
    result = run("db", "backup", "--db", db, "-o", str(tmp_path / "r.zip"))
    assert result.exit_code == 0, result.output
    rows = sum(backup(db, tmp_path / "again.zip").rows.values())
    assert f"wrote {tmp_path / 'r.zip'}: {rows} rows in " in " ".join(result.stdout.split())
    result = run("db", "restore", str(tmp_path / "r.zip"), "--db", copy, "--json")
    assert result.exit_code == 0, result.output
    assert sum(json.loads(result.stdout)["rows"].values()) == rows
    assert contents(tmp_path / "r.zip") == contents(tmp_path / "again.zip")
    result = run("db", "restore", str(tmp_path / "r.zip"), "--db", copy)
    assert result.exit_code == 1 and "is not empty" in result.stderr and "--force" in result.stderr
    assert "Traceback" not in result.output
    assert run("db", "restore", str(tmp_path / "r.zip"), "--db", copy, "--force").exit_code == 0


def test_cli_errors_and_sql(tmp_path: Path) -> None:
    (tmp_path / "text.db").write_text("not a database, but text " * 100)
    nowhere = "postgresql+psycopg://u:pw@127.0.0.1:1/db"  # nothing listens on port 1
    for args, message in [
        (["db", "backup", "--db", str(tmp_path / "none.db"), "-o", str(tmp_path / "x.zip")], "registry not found"),
        (["db", "backup", "--db", str(tmp_path / "text.db"), "-o", str(tmp_path / "x.zip")],
         f"cannot read registry {tmp_path / 'text.db'}: file is not a database"),
        (["db", "backup", "--db", nowhere, "-o", str(tmp_path / "x.zip")], "cannot read registry postgresql"),
        (["db", "upgrade", "--db", nowhere], "cannot open registry postgresql+psycopg://u:***@127.0.0.1:1/db"),
        (["db", "restore", str(tmp_path / "none.zip"), "--db", str(tmp_path / "y.db")], "no such file"),
        (["db", "upgrade", "--sql", "--from", "nope"], "cannot write the upgrade SQL"),
        (["db", "upgrade", "--db", str(tmp_path / "no" / "r.db")], "does not exist"),
    ]:
        result = run(*args)
        assert result.exit_code == 1 and message in " ".join(result.stderr.split()), (args, result.output)
        assert "Traceback" not in result.output
    assert run("db", "upgrade", "--from", "0002").exit_code == 2
    assert not (tmp_path / "x.zip").exists() and not (tmp_path / "y.db").exists()
    sql = run("db", "upgrade", "--sql", "--db", "postgresql+psycopg://u:secret@db.example/painregen").stdout
    assert "CREATE TABLE studies" in sql and "TIMESTAMP WITH TIME ZONE" in sql and "secret" not in sql
    step = run("db", "upgrade", "--sql", "--db", str(tmp_path / "r.db"), "--from", "0002").stdout
    assert "Running upgrade 0002 -> 0003" in step and "CREATE TABLE studies" not in step
    assert not (tmp_path / "r.db").exists()  # --sql connects to nothing


@pytest.mark.postgresql
def test_text_postgresql_cannot_store_is_named(tmp_path: Path, postgresql_registry_url: str) -> None:
    source = str(tmp_path / "source.db")
    with open_registry(source) as reg:
        reg.import_dataset(sample_dataset(), source="a.csv", sha256=SHA_A, fmt="template")
    engine = make_engine(url_of(source))
    with engine.begin() as conn:  # SQLite keeps a NUL character in text; PostgreSQL cannot
        table = Table("studies", MetaData(), autoload_with=conn)
        conn.execute(table.update().where(table.c.id == 2).values(title="Exo\x00somes"))
    engine.dispose()
    backup(source, tmp_path / "nul.zip")
    with pytest.raises(BackupError, match=r"nul\.zip:tables/studies\.jsonl:2: the database refused the row \(.*NUL"):
        restore(tmp_path / "nul.zip", postgresql_registry_url)
    assert tables_of(postgresql_registry_url) == []

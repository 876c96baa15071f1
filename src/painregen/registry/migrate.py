"""Schema migrations, run programmatically (no ``alembic.ini`` needed).

The Alembic environment lives in ``migrations/`` inside the package; :func:`upgrade` brings a database to the
newest revision. :func:`painregen.registry.open_registry` first reads the stored revision with one query
(:func:`stored_revision`) and runs Alembic only when it differs from :data:`HEAD`; the upgrade holds a lock
(SQLite: the write lock, BEGIN IMMEDIATE; PostgreSQL: a transaction-level advisory lock), so that two processes
opening a new registry at once never both create it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text

from painregen.registry.records import RegistryError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
#: an arbitrary constant: the PostgreSQL advisory lock held while the schema is upgraded
ADVISORY_LOCK = 7_243_190_511


def _head_from_files() -> str:
    """The newest revision, read from the revision files (no Alembic import: opening a registry stays fast)."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("[0-9]*.py"):
        body = path.read_text(encoding="utf-8")
        rev = re.search(r'^revision: str = "([^"]+)"', body, re.M)
        down = re.search(r'^down_revision: str \| None = (?:"([^"]+)"|None)', body, re.M)
        if rev is None or down is None:
            raise RegistryError(f"migration {path.name} has no revision / down_revision line")
        revisions.add(rev.group(1))
        if down.group(1):
            parents.add(down.group(1))
    heads = revisions - parents
    if len(heads) != 1:
        raise RegistryError(f"the registry migrations must have one head, found {sorted(heads)}")
    return heads.pop()


HEAD = _head_from_files()


def stored_revision(engine: Engine) -> str | None:
    """The revision recorded in the database (None for a database without a registry), in one query."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    """An Alembic configuration pointing at the packaged migrations (and at ``url`` or ``connection``)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """Newest revision shipped with this painregen (as Alembic computes it; equals :data:`HEAD`)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships revisions
        raise RegistryError("no registry migrations found")
    return head


def current_revision(engine: Engine) -> str | None:
    """Revision the database is at (None for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database to ``revision`` in one transaction, holding the schema lock (module docstring)."""
    from alembic import command
    from alembic.util.exc import CommandError

    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK})
            command.upgrade(alembic_config(connection=conn), revision)
    except CommandError as exc:
        raise RegistryError(
            f"cannot upgrade the registry schema ({exc}); was it written by a newer painregen?"
        ) from exc


def upgrade_sql(url: str, revision: str = "head") -> None:
    """Print the SQL that creates/upgrades the schema for the dialect of ``url`` (for DBAs; no connection)."""
    from alembic import command

    command.upgrade(alembic_config(url=url), revision, sql=True)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Downgrade the database to ``revision`` (``base`` drops every registry table: the data is lost)."""
    from alembic import command

    with engine.begin() as conn:
        command.downgrade(alembic_config(connection=conn), revision)

"""Schema migrations, run programmatically (no ``alembic.ini`` needed).

The Alembic environment lives in ``migrations/`` inside the package; :func:`upgrade` brings a database to the
newest revision and is called by :func:`painregen.registry.open_registry` on every open.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine

from painregen.registry.records import RegistryError

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    """An Alembic configuration pointing at the packaged migrations (and at ``url`` or ``connection``)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """Newest revision shipped with this painregen."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships revisions
        raise RegistryError("no registry migrations found")
    return head


def current_revision(engine: Engine) -> str | None:
    """Revision the database is at (None for an empty database)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database to ``revision`` in one transaction."""
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(connection=conn), revision)
    except CommandError as exc:
        raise RegistryError(
            f"cannot upgrade the registry schema ({exc}); was it written by a newer painregen?"
        ) from exc


def upgrade_sql(url: str, revision: str = "head") -> None:
    """Print the SQL that creates/upgrades the schema for the dialect of ``url`` (for DBAs; no connection)."""
    command.upgrade(alembic_config(url=url), revision, sql=True)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Downgrade the database to ``revision`` (``base`` drops every registry table: the data is lost)."""
    with engine.begin() as conn:
        command.downgrade(alembic_config(connection=conn), revision)

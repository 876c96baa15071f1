"""Alembic environment: runs on the connection handed over by :func:`painregen.registry.migrate.upgrade`,
or, for offline SQL scripts (``alembic upgrade --sql``), on the URL in the configuration."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from painregen.registry import schema_accounts as _accounts  # noqa: F401  (users, memberships, audit, 0004)
from painregen.registry.schema import Base
from painregen.review import schema as _review_schema  # noqa: F401  (the review tables, revision 0003)

config = context.config
target_metadata = Base.metadata


def run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("no connection and no sqlalchemy.url given to the registry migrations")
    engine = create_engine(url)
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()

"""Alembic revisions of the registry schema, oldest first (``0001_initial`` creates it)."""

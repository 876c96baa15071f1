"""Alembic migration environment of the registry (run programmatically by :mod:`painregen.registry.migrate`)."""

"""How a backup writes the values of each kind of column, and reads them back (see :mod:`.backup`).

A column's kind comes from its SQLAlchemy type, so a backup of SQLite and one of PostgreSQL write the same text:
floats as JSON numbers in Python's shortest round-trip form (bit for bit), date-times as ISO 8601 in UTC,
dates and times as ISO 8601, decimals and UUIDs as strings, binary data as base64, JSON columns as they are.
Reading checks that each value has the JSON type its kind is written as.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Table
from sqlalchemy import types as sqltypes

from painregen.registry.records import RegistryError

__all__ = ["KINDS", "BackupError", "column_kind", "decoder", "encode"]


class BackupError(RegistryError):
    """A backup that cannot be written or restored; the message names the file or table and the fix."""


def _utc(value: datetime) -> datetime:
    """A date-time in UTC; one without a zone is taken as UTC (registries store UTC, SQLite drops the zone)."""
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)


#: column kind by SQLAlchemy type, the first that matches (Boolean before Integer, Float before Numeric)
_KIND_OF: tuple[tuple[type, str], ...] = (
    (sqltypes.JSON, "json"), (sqltypes.Boolean, "boolean"), (sqltypes.Integer, "integer"), (sqltypes.Float, "float"),
    (sqltypes.Numeric, "decimal"), (sqltypes.DateTime, "datetime"), (sqltypes.Date, "date"), (sqltypes.Time, "time"),
    (sqltypes.LargeBinary, "binary"), (sqltypes.Uuid, "uuid"), (sqltypes.String, "text"))
KINDS = frozenset(kind for _, kind in _KIND_OF)


def column_kind(table: Table, column: Column[Any]) -> str:
    """The backend-neutral kind of a column (how its values are written)."""
    t = column.type
    for cls, kind in _KIND_OF:
        if isinstance(t, cls):
            return kind
    raise BackupError(f"table {table.name}: column {column.name} has type {t}, which backups cannot write yet")


def encode(kind: str, value: Any) -> Any:
    """A column value as the backup writes it (a JSON value)."""
    if value is None or kind in ("json", "text"):
        return value
    if kind == "float":
        return float(value)  # an integer stored in a REAL column reads back as int on SQLite
    if kind == "integer":
        return int(value)
    if kind == "boolean":
        return bool(value)
    if kind == "datetime":
        return _utc(value).isoformat()
    if kind == "binary":
        return base64.b64encode(bytes(value)).decode("ascii")
    return value.isoformat() if kind in ("date", "time") else str(value)


#: the JSON types a value of each kind is written as (json: any)
_WRITTEN_AS: dict[str, tuple[type, ...]] = {
    "float": (float, int), "integer": (int,), "boolean": (bool,), "text": (str,), "datetime": (str,),
    "date": (str,), "time": (str,), "decimal": (str,), "binary": (str,), "uuid": (str,)}


def decoder(kind: str, column: Column[Any], dialect: str) -> Callable[[Any], Any]:
    """The function that turns a backup value of ``kind`` into what the target ``column`` takes."""
    if kind == "datetime":
        aware = dialect == "postgresql" and bool(getattr(column.type, "timezone", False))
        parse: Callable[[Any], Any] = (lambda v: _utc(datetime.fromisoformat(v))) if aware else (
            lambda v: _utc(datetime.fromisoformat(v)).replace(tzinfo=None))
    else:
        parsers: dict[str, Callable[[Any], Any]] = {
            "float": float, "date": date.fromisoformat, "time": time.fromisoformat, "decimal": Decimal,
            "binary": base64.b64decode, "uuid": uuid.UUID}
        parse = parsers.get(kind, lambda v: v)
    allowed = _WRITTEN_AS.get(kind)

    def decode(value: Any) -> Any:
        if value is None:
            return None
        if allowed is not None and (not isinstance(value, allowed) or (isinstance(value, bool) and kind != "boolean")):
            raise ValueError(f"column {column.name}: {value!r} is not of kind {kind}")
        return parse(value)

    return decode

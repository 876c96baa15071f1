"""The audit log: who changed what, when, with the values before and after (append-only; revision 0004).

Every write session of the registry records, after each flush, one row per inserted, updated or deleted row of
the tables people decide on (:data:`AUDITED`: label mappings, appraisal answers, projects, accounts and roles,
and the decisions of the systematic review). A bulk import is recorded once, as an ``import`` row naming the file
and what it stored, not row by row. The actor is the signed-in account on the workbench, else the name the
caller set with :func:`acting_as`, else the login name of the local user.
"""

from __future__ import annotations

import getpass
import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session, sessionmaker

from painregen.registry.schema_accounts import AuditRow

__all__ = ["AUDITED", "BULK", "acting_as", "current_actor", "install", "record"]

#: tables audited row by row
AUDITED = frozenset({
    "term_mappings", "appraisal_answers", "projects", "project_studies", "users", "memberships",
    "search_imports", "publications", "duplicate_pairs", "review_stages", "review_criteria",
    "screening_decisions", "extraction_versions", "reconciliations",
})
#: session.info key: a bulk import in progress (its rows are recorded by one ``import`` row instead)
BULK = "painregen_bulk_import"
SECRET_COLUMNS = frozenset({"password_hash"})
_ACTOR: ContextVar[str | None] = ContextVar("painregen_actor", default=None)


def current_actor() -> str:
    """Who is acting: set by :func:`acting_as` (the workbench sets the signed-in account), else the local user."""
    return _ACTOR.get() or _local_user()


@cache
def _local_user() -> str:
    """The local user, looked up once per process (a login name and a host do not change under it)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without /etc/passwd entry)
        user = "unknown"
    return f"{user}@{socket.gethostname()} (command line)"


@contextmanager
def acting_as(actor: str | None) -> Iterator[None]:
    """Record changes made inside the block under ``actor``."""
    token = _ACTOR.set(actor)
    try:
        yield
    finally:
        _ACTOR.reset(token)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and value != value:
        return None
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return str(value)
    return value


def _values(obj: Any, which: str) -> dict[str, Any]:
    """The column values of ``obj``: ``after`` (current) or ``before`` (the values a flush replaced)."""
    state = inspect(obj)
    out = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if which == "before":
            hist = state.attrs[key].history
            value = hist.deleted[0] if hist.deleted else getattr(obj, key)
        else:
            value = getattr(obj, key)
        out[key] = "***" if key in SECRET_COLUMNS and value is not None else _jsonable(value)
    return out


def _target(obj: Any) -> str:
    """``table:primary key``; read from the row's columns, since a row inserted by the flush has no identity key
    until the flush is over (the after-flush hook would name it ``table:?``)."""
    state = inspect(obj)
    ident = state.identity or state.mapper.primary_key_from_instance(obj)
    key = ",".join(str(x) for x in ident) if ident and all(x is not None for x in ident) else "?"
    return f"{obj.__tablename__}:{key}"


def record(session: Session, action: str, target: str, before: dict[str, Any] | None = None,
           after: dict[str, Any] | None = None) -> None:
    """Append one audit row in ``session``'s transaction."""
    _insert(session, [_row(action, target, before, after)])


def _row(action: str, target: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
    return {"at": datetime.now(UTC), "actor": current_actor(), "action": action, "target": target,
            "before": _clean(before), "after": _clean(after)}


def _insert(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.connection().execute(insert(AuditRow), rows)


def _clean(values: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if values is None else {k: _jsonable(v) for k, v in values.items()}


def _pending(session: Session, _ctx: Any, _instances: Any) -> None:
    """before_flush: note the before-values of updated and deleted rows (gone after the flush)."""
    if session.info.get(BULK):
        return
    notes = session.info.setdefault("painregen_audit", [])
    for obj in session.dirty:
        if getattr(obj, "__tablename__", None) in AUDITED and session.is_modified(obj, include_collections=False):
            notes.append(("update", obj, _values(obj, "before")))
    for obj in session.deleted:
        if getattr(obj, "__tablename__", None) in AUDITED:
            notes.append(("delete", obj, _values(obj, "after")))
    notes.extend(("insert", obj, None) for obj in session.new if getattr(obj, "__tablename__", None) in AUDITED)


def _write(session: Session, _ctx: Any) -> None:
    """after_flush: the rows noted before the flush, now with their keys and new values."""
    notes = session.info.pop("painregen_audit", [])
    rows = []
    for action, obj, before in notes:
        if action == "delete":
            rows.append(_row("delete", _target(obj), before, None))
        elif action == "update":
            after = _values(obj, "after")
            changed = {k for k in after if after[k] != (before or {}).get(k)}
            if changed:
                rows.append(_row("update", _target(obj), {k: (before or {}).get(k) for k in changed},
                                 {k: after[k] for k in changed}))
        else:
            rows.append(_row("insert", _target(obj), None, _values(obj, "after")))
    _insert(session, rows)  # one statement per flush (an executemany), in the order noted


def install(factory: sessionmaker[Session]) -> None:
    """Record the changes of every session ``factory`` makes."""
    event.listen(factory, "before_flush", _pending)
    event.listen(factory, "after_flush", _write)

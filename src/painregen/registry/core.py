"""The :class:`Registry` facade and :func:`open_registry`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, make_url, select
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from painregen.evidence.mapping_table import StoredDecision
from painregen.evidence.models import Dataset, Study
from painregen.registry import accounts, audit, export, jobs, projects, provenance, schema_accounts, store
from painregen.registry.migrate import HEAD, stored_revision, upgrade
from painregen.registry.records import (
    ImportRecord,
    ImportSummary,
    Provenance,
    RegistryError,
    RegistryNotFoundError,
    StudySummary,
)
from painregen.registry.schema import StudyRow
from painregen.registry.scope import AnalysisEvidence, Scope, analysis_evidence
from painregen.registry.term_mappings import Decision, store_decisions, stored_decisions


def registry_url(db: str | Path) -> URL:
    """SQLAlchemy URL of ``db``: a URL (``sqlite:///...``, ``postgresql+psycopg://...``) or a file path."""
    if isinstance(db, str) and "://" in db:
        try:
            return make_url(db)
        except ArgumentError as exc:
            raise RegistryError(f"not a database URL: {db!r} ({exc})") from exc
    return URL.create("sqlite", database=str(Path(db).expanduser()))


def _sqlite_file(url: URL) -> Path | None:
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


#: how long a SQLite connection waits for another writer before giving up (concurrent imports queue)
BUSY_TIMEOUT_MS = 120_000
#: execution option that marks a connection's transactions as writes (SQLite: BEGIN IMMEDIATE)
WRITE = "painregen_write"
#: an import that loses a race for a unique key is checked again this many times
IMPORT_ATTEMPTS = 3


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, start transactions (see the "begin" hook), so that reads and
    # DDL are inside them too; enforce foreign keys; write-ahead logging, so readers never wait for a writer;
    # and wait for a busy database instead of failing at once.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    except Exception:  # a read-only or network file system: keep the rollback journal
        pass
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # A write takes the write lock when it starts (BEGIN IMMEDIATE): a transaction that read first and then
    # wrote could only fail with "database is locked" at once, while IMMEDIATE waits its turn (busy_timeout).
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE) else "BEGIN")


def make_engine(url: URL) -> Engine:
    try:
        engine = create_engine(url, pool_pre_ping=url.get_backend_name() != "sqlite")
    except ModuleNotFoundError as exc:
        hint = " (PostgreSQL: pip install 'psycopg[binary]')" if url.get_backend_name() == "postgresql" else ""
        raise RegistryError(f"the database driver for {url.drivername} is not installed{hint}") from exc
    if url.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def open_registry(db: str | Path, *, create: bool = True) -> Registry:
    """Open (and, with ``create``, create) the registry at ``db``, upgrading its schema to the newest revision.

    ``db`` is a file path (SQLite) or a SQLAlchemy URL. With ``create=False`` a missing file, or a database
    without a registry in it, raises :class:`RegistryNotFoundError`.
    """
    url = registry_url(db)
    path = _sqlite_file(url)
    if path is not None:
        if not create and not path.exists():
            raise RegistryNotFoundError(f"registry not found: {path}")
        if not path.parent.exists():
            raise RegistryError(f"cannot create registry {path}: directory {path.parent} does not exist")
    engine = make_engine(url)
    shown = url.render_as_string(hide_password=True)
    try:
        revision = stored_revision(engine)
        if not create and revision is None:
            raise RegistryNotFoundError(f"no painregen registry in {shown}")
        if revision != HEAD:
            upgrade(engine.execution_options(**{WRITE: True}))
    except DBAPIError as exc:
        engine.dispose()
        reason = str(exc.orig).strip() or type(exc.orig).__name__
        hint = " (is it a painregen registry? `painregen import FILE --db NEW.db` creates one)" \
            if "not a database" in reason else ""
        raise RegistryError(f"cannot open registry {shown}: {reason}{hint}") from exc
    except BaseException:
        engine.dispose()
        raise
    return Registry(engine)


class Registry:
    """A store of evidence records with provenance. Open one with :func:`open_registry`; use it as a context
    manager or call :meth:`close`. Every method runs in its own transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._reads = sessionmaker(engine, expire_on_commit=False)
        self._sessions = sessionmaker(engine.execution_options(**{WRITE: True}), expire_on_commit=False)
        audit.install(self._sessions)

    def __repr__(self) -> str:
        return f"Registry({self.engine.url.render_as_string(hide_password=True)!r})"

    def __enter__(self) -> Registry:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self.engine.dispose()

    def session(self) -> Session:
        """A new ORM session on the registry for later stages (its transactions may write: on SQLite they take
        the write lock when they begin, so concurrent writers queue instead of failing)."""
        return self._sessions()

    def import_dataset(
        self,
        dataset: Dataset,
        *,
        source: Path | str,
        sha256: str,
        fmt: str,
        on_duplicate: store.OnDuplicate = "error",
        project: str | None = None,
    ) -> ImportSummary:
        """Store ``dataset`` in one transaction (all or nothing).

        A study already in the registry, or met twice in ``dataset``, is a duplicate when it shares a DOI
        (case-insensitive), a PMID, or a normalised title and year; a file whose ``sha256`` was imported before
        is a duplicate as a whole. Duplicates raise :class:`DuplicateStudyError` (nothing written) unless
        ``on_duplicate="skip"``: then they are left out and listed in ``ImportSummary.skipped``. ``project``:
        put the imported studies in this project (created if new), in the same transaction.
        """
        for attempt in range(IMPORT_ATTEMPTS):
            try:
                with self._sessions.begin() as session:
                    session.info[audit.BULK] = True
                    summary = store.import_dataset(
                        session, dataset, source=source, sha256=sha256, fmt=fmt, on_duplicate=on_duplicate
                    )
                    if project is not None:
                        projects.add_studies(session, project, summary.study_ids)
                    if summary.import_id is not None:
                        audit.record(session, "import", f"imports:{summary.import_id}", None, {
                            "source": Path(source).name or str(source), "format": fmt, "sha256": sha256,
                            "studies": summary.n_studies, "rows": summary.rows, "project": project,
                            "skipped": [d.study_id for d in summary.skipped]})
                    return summary
            except IntegrityError:
                # another import stored the same publication (DOI, PMID, title+year) or file between our duplicate
                # check and our commit: check again, now that its rows are visible (readable duplicate message)
                if attempt == IMPORT_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def export_dataset(self, study_ids: list[int] | None = None) -> Dataset:
        """All studies (in import order) or those with the given registry ids (in the order given)."""
        with self._reads() as session:
            return export.export_dataset(session, study_ids)

    def analysis_evidence(self, scope: Scope | None = None) -> AnalysisEvidence:
        """The studies of ``scope`` (default: all) as analyses read them: labels mapped to terms with the stored
        decisions and confident proposals, study keys unique, provenance counted (see
        :mod:`painregen.registry.scope`). ScopeError names an import, study or project that does not exist."""
        with self._reads() as session:
            return analysis_evidence(session, scope)

    def mapping_decisions(self) -> dict[tuple[str, str], StoredDecision]:
        """Stored label decisions by (vocabulary, label key)."""
        with self._reads() as session:
            return dict(stored_decisions(session))

    def store_mapping_decisions(self, decisions: list[Decision], reviewer: str) -> int:
        """Store label decisions in one transaction (all or nothing); returns how many."""
        with self._sessions.begin() as session:
            return store_decisions(session, decisions, reviewer)

    def projects(self) -> list[dict[str, object]]:
        """Every project (name, number of studies)."""
        with self._reads() as session:
            return projects.project_summaries(session)

    def add_to_project(self, name: str, study_ids: list[int]) -> int:
        with self._sessions.begin() as session:
            return projects.add_studies(session, name, study_ids)

    def content_version(self) -> str:
        """A string that changes whenever what analyses read changes (for caching results)."""
        with self._reads() as session:
            return jobs.content_version(session)

    def create_job(self, kind: str, params: dict[str, Any], created_by: str | None = None) -> jobs.Job:
        with self._sessions.begin() as session:
            return jobs.create_job(session, kind, params, created_by)

    def job(self, job_id: str) -> jobs.Job | None:
        with self._reads() as session:
            return jobs.get_job(session, job_id)

    def recent_jobs(self, kind: str, limit: int = 50) -> list[jobs.Job]:
        with self._reads() as session:
            return jobs.recent_jobs(session, kind, limit)

    def update_job(self, job_id: str, **values: Any) -> None:
        """Set a job's ``status``, ``progress``, ``message``, ``result`` or ``error``."""
        with self._sessions.begin() as session:
            jobs.update_job(session, job_id, **values)

    def fail_stale_jobs(self, before: datetime) -> int:
        with self._sessions.begin() as session:
            return jobs.fail_stale_jobs(session, before)

    # accounts (painregen.registry.accounts) and the audit log (painregen.registry.audit)
    def add_user(self, name: str, password: str, role: str = "viewer", project: str | None = None) -> accounts.User:
        with self._sessions.begin() as session:
            return accounts.add_user(session, name, password, role, project)

    def set_role(self, name: str, role: str | None, project: str | None = None) -> accounts.User:
        with self._sessions.begin() as session:
            return accounts.set_role(session, name, role, project)

    def set_disabled(self, name: str, disabled: bool = True) -> accounts.User:
        with self._sessions.begin() as session:
            return accounts.set_disabled(session, name, disabled)

    def set_password(self, name: str, password: str) -> accounts.User:
        with self._sessions.begin() as session:
            return accounts.set_password(session, name, password)

    def authenticate(self, name: str, password: str) -> accounts.User | None:
        with self._sessions.begin() as session:
            user = accounts.authenticate(session, name, password)
            audit.record(session, "login" if user else "login_failed", f"users:{name}", None, None)
            return user

    def user(self, user_id: int) -> accounts.User | None:
        with self._reads() as session:
            return accounts.get_user(session, user_id)

    def users(self) -> list[accounts.User]:
        with self._reads() as session:
            return accounts.list_users(session)

    def has_users(self) -> bool:
        with self._reads() as session:
            return session.scalar(select(schema_accounts.UserRow.id).limit(1)) is not None

    def audit_log(self, limit: int = 200, offset: int = 0, actor: str | None = None) -> list[dict[str, Any]]:
        """Audit rows, newest first."""
        table = schema_accounts.AuditRow
        query = select(table).order_by(table.id.desc()).limit(limit).offset(offset)
        if actor:
            query = query.where(table.actor == actor)
        with self._reads() as session:
            return [{"id": r.id, "at": provenance.as_utc(r.at).isoformat(), "actor": r.actor, "action": r.action,
                     "target": r.target, "before": r.before, "after": r.after} for r in session.scalars(query)]

    def studies(self) -> list[StudySummary]:
        with self._reads() as session:
            return provenance.study_summaries(session)

    def resolve(self, id_or_key: int | str) -> int:
        """Registry id of a study given its id, or its study key (the ``study_id`` of its source file).

        A string of digits that is not a study key is read as a registry id. KeyError when nothing matches or
        the key names studies of several imports.
        """
        if isinstance(id_or_key, int) and not 0 < id_or_key < 2**63:  # beyond the id column's range
            raise KeyError(f"no study with registry id {id_or_key}")
        if isinstance(id_or_key, str) and "\x00" in id_or_key:  # PostgreSQL refuses NUL in a query parameter
            raise KeyError(f"no study with key {id_or_key!r} in the registry (see `painregen ls`)")
        with self._reads() as session:
            if isinstance(id_or_key, int):
                if session.get(StudyRow, id_or_key) is None:
                    raise KeyError(f"no study with registry id {id_or_key}")
                return id_or_key
            ids = list(session.scalars(select(StudyRow.id).where(StudyRow.study_id == id_or_key).order_by(StudyRow.id)))
            if len(ids) == 1:
                return ids[0]
            if len(ids) > 1:
                raise KeyError(
                    f"study key {id_or_key!r} is ambiguous: registry ids {', '.join(map(str, ids))}; use the id"
                )
            if id_or_key.isascii() and id_or_key.isdigit():  # not '²': str.isdigit accepts superscripts
                number = int(id_or_key) if len(id_or_key) <= 20 else 0
                if 0 < number < 2**63:
                    return self.resolve(number)
                raise KeyError(f"no study with registry id {id_or_key[:30]}{'...' if len(id_or_key) > 30 else ''}")
            raise KeyError(f"no study with key {id_or_key!r} in the registry (see `painregen ls`)")

    def study(self, id_or_key: int | str) -> Study:
        """One study with everything below it (see :meth:`resolve` for ``id_or_key``)."""
        return self.export_dataset([self.resolve(id_or_key)]).studies[0]

    def imports(self) -> list[ImportRecord]:
        with self._reads() as session:
            return provenance.imports(session)

    def provenance(self, table: str, row_id: int) -> Provenance:
        with self._reads() as session:
            return provenance.provenance(session, table, row_id)

    def counts(self) -> dict[str, int]:
        with self._reads() as session:
            return provenance.counts(session)

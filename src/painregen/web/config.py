"""Settings of one workbench app, its registry (one engine and connection pool per process, schema upgraded once
at start-up, never per request) and the reviewer of a request."""

from __future__ import annotations

import hashlib
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import Request

from painregen.registry import Registry

DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
UPLOAD_SUFFIXES = (".csv", ".xlsx", ".json")


@dataclass(frozen=True)
class WebConfig:
    """``db``: the registry (SQLite path or database URL); ``max_upload_bytes``: the largest accepted upload
    (request body); ``secret``: key that signs the cookies (random per process unless given); ``work_dir``:
    where background jobs write their results (shared by the server's workers on one machine); ``auth``: accounts
    on (every request signed in, roles checked; see :mod:`painregen.web.auth`)."""

    db: str
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    work_dir: Path | None = None
    auth: bool = False  # accounts: every request signed in, roles checked (painregen serve --auth)

    def jobs_dir(self) -> Path:
        """The job results folder: ``work_dir``, else beside a SQLite registry (``<db>.jobs``), else a folder in
        the system's temporary directory named after the database URL."""
        if self.work_dir is not None:
            return self.work_dir
        if "://" not in self.db:
            return Path(self.db).expanduser().with_name(Path(self.db).name + ".jobs")
        digest = hashlib.sha256(self.db.encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"painregen-jobs-{digest}"


def config_of(request: Request) -> WebConfig:
    cfg: WebConfig = request.app.state.config
    return cfg


@contextmanager
def registry_of(request: Request) -> Iterator[Registry]:
    """The app's registry (shared by all requests; each method runs its own transaction)."""
    registry: Registry = request.app.state.registry
    yield registry


def db_label(db: str | Path) -> str:
    """The registry as shown on pages: a file name, or a URL without its password."""
    text = str(db)
    if "://" in text:
        from sqlalchemy.engine import make_url

        return make_url(text).render_as_string(hide_password=True)
    return Path(text).name

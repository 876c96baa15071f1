"""Settings of one workbench app, and the request-scoped registry."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import Request

from painregen.registry import Registry, open_registry

DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
UPLOAD_SUFFIXES = (".csv", ".xlsx", ".json")


@dataclass(frozen=True)
class WebConfig:
    """``db``: the registry (SQLite path or database URL); ``max_upload_bytes``: the largest accepted upload
    (request body); ``secret``: key that signs the CSRF cookie (random per process unless given)."""

    db: str
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)


def config_of(request: Request) -> WebConfig:
    cfg: WebConfig = request.app.state.config
    return cfg


@contextmanager
def registry_of(request: Request) -> Iterator[Registry]:
    """Open the app's registry for the length of one request."""
    with open_registry(config_of(request).db) as reg:
        yield reg


def db_label(db: str | Path) -> str:
    """The registry as shown on pages: a file name, or a URL without its password."""
    text = str(db)
    if "://" in text:
        from sqlalchemy.engine import make_url

        return make_url(text).render_as_string(hide_password=True)
    return Path(text).name

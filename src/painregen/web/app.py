"""The web workbench: a FastAPI app over the registry and the analysis library.

Pages are server-rendered Jinja2 templates (autoescaped, no JavaScript); every page has a JSON twin under
``/api`` built from the same context dict. The OpenAPI document is at ``/openapi.json``. See docs/web.md.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from painregen import __version__
from painregen.registry import RegistryError, open_registry
from painregen.web.auth import ActorMiddleware, AuthMiddleware, LoginLimiter
from painregen.web.cache import ResultCache
from painregen.web.config import DEFAULT_MAX_UPLOAD_BYTES, WebConfig
from painregen.web.jobs import STALE_AFTER, JobRunner
from painregen.web.render import render_page
from painregen.web.security import SecurityMiddleware, require_csrf
from painregen.web.views import ROUTERS

log = logging.getLogger(__name__)
TITLES = {400: "Bad request", 401: "Sign in", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
          409: "Conflict", 429: "Too many attempts",
          413: "Too large", 415: "Unsupported file type", 422: "Invalid input", 500: "Server error"}


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api") or request.url.path == "/openapi.json"


def _error(request: Request, status: int, detail: Any, headers: dict[str, str] | None = None) -> Response:
    if _wants_json(request):
        return JSONResponse({"detail": detail}, status_code=status, headers=headers)
    if isinstance(detail, list):  # validation errors: one line per field
        detail = "; ".join(f"{'.'.join(str(x) for x in e.get('loc', ()))}: {e.get('msg')}" for e in detail)
    title = TITLES.get(status, "Error")
    ctx = {"status": status, "title": title, "detail": str(detail)}
    response = render_page(request, "error.html", ctx, status=status, title=title)
    response.headers.update(headers or {})
    return response


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    return _error(request, exc.status_code, exc.detail, getattr(exc, "headers", None))


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """On shutdown: stop the job worker and close the registry's connection pool."""
    yield
    app.state.jobs.shutdown()
    app.state.registry.close()


async def _server_error(request: Request, exc: Exception) -> Response:
    """An unforeseen error: a readable page (or JSON) saying what to do, never a bare 500; logged with its
    traceback for the operator."""
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    detail = ("painregen could not finish this request because of an unexpected error "
              f"({type(exc).__name__}). Nothing was changed in the registry. Try again; if it happens again, "
              "download the evidence (Downloads, evidence.json) and report the problem with it.")
    return _error(request, 500, detail)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in exc.errors()]
    return _error(request, 422, errors)


def create_app(db: str | Path = "painregen.db", *, max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
               secret: bytes | None = None, allowed_hosts: Sequence[str] | None = None,
               work_dir: Path | None = None, auth: bool = False) -> FastAPI:
    """Build the workbench for the registry ``db`` (SQLite path or database URL; created if missing).

    The registry is opened (and its schema upgraded) once, here; every request shares its connection pool.
    ``max_upload_bytes`` caps an upload (413 above it); ``secret`` signs the cookies (random by default, so
    tokens do not outlive the process); ``allowed_hosts`` restricts the Host header (against DNS rebinding);
    ``work_dir`` is where background jobs write their results (see :meth:`WebConfig.jobs_dir`); ``auth``
    turns accounts on (:mod:`painregen.web.auth`; the registry needs at least one admin account).
    """
    import matplotlib

    matplotlib.use("Agg")
    cfg = WebConfig(str(db), max_upload_bytes, secret or secrets.token_bytes(32), work_dir, auth)
    registry = open_registry(cfg.db)  # create or upgrade now, so a bad --db fails at start-up
    if auth and not any(u.is_admin and not u.disabled for u in registry.users()):
        registry.close()
        raise RegistryError("accounts are on but the registry has no enabled admin account: add one with "
                            f"`painregen user add NAME --role admin --db {cfg.db}`")
    registry.fail_stale_jobs(datetime.now(UTC) - STALE_AFTER)
    app = FastAPI(lifespan=_lifespan, title="painregen workbench", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json", dependencies=[Depends(require_csrf)],
                  description="JSON API of the painregen web workbench. Every page has a twin under /api built "
                              "from the same context. POST /api/upload validates a file and imports it all or "
                              "nothing.")
    app.state.config = cfg
    app.state.registry = registry
    app.state.jobs = JobRunner(registry, cfg.jobs_dir(), cfg.db)
    app.state.login_limiter = LoginLimiter()
    app.state.results = ResultCache()
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(packages=[("painregen.web", "static")]), name="static")
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _server_error)
    if auth:
        app.add_middleware(AuthMiddleware, registry=registry, secret=cfg.secret)
    else:
        app.add_middleware(ActorMiddleware, secret=cfg.secret)
    app.add_middleware(SecurityMiddleware, secret=cfg.secret, max_body=cfg.max_upload_bytes)
    if allowed_hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))
    return app


def app_from_env() -> FastAPI:
    """The workbench configured by the environment that ``painregen serve`` sets (``PAINREGEN_DB``,
    ``PAINREGEN_AUTH``, ``PAINREGEN_ALLOWED_HOSTS``, ``PAINREGEN_SECRET``, ``PAINREGEN_WORK_DIR``): the factory
    each uvicorn worker calls."""
    import os

    hosts = [h for h in os.environ.get("PAINREGEN_ALLOWED_HOSTS", "").split(",") if h]
    secret = os.environ.get("PAINREGEN_SECRET", "").encode() or None
    work_dir = os.environ.get("PAINREGEN_WORK_DIR")
    return create_app(os.environ.get("PAINREGEN_DB", "painregen.db"), secret=secret, allowed_hosts=hosts or None,
                      work_dir=Path(work_dir) if work_dir else None, auth=bool(os.environ.get("PAINREGEN_AUTH")))

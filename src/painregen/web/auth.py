"""Accounts on a shared workbench (``painregen serve --auth``): sign-in with a signed session cookie, a role check
on every request, a rate limit on failed sign-ins, and the acting account recorded in the audit log.

Session cookie ``painregen_session`` = ``user_id.session_version.issued.signature`` (HMAC-SHA256 under the app's
secret, :func:`painregen.web.security.sign`); it expires :data:`SESSION_HOURS` after sign-in, and at once when the
account is disabled or its password changes (the stored session version moves on). HttpOnly, SameSite=Lax, and
Secure when the request came over HTTPS.

Roles (:mod:`painregen.registry.accounts`): any signed-in account with a role reads; changing data needs the role
:func:`required_role` names for the path. A request about one project (``?project=NAME``) uses the account's role
in that project; other requests use its role in every project (accounts with project roles only are limited to
project-scoped pages).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, quote

import anyio

from painregen.registry import Registry
from painregen.registry.accounts import User, rank
from painregen.registry.audit import acting_as
from painregen.web.security import UNSAFE_METHODS, sign, unsign

__all__ = ["SESSION_COOKIE", "ActorMiddleware", "AuthMiddleware", "LoginLimiter", "required_role", "session_cookie"]

SESSION_COOKIE = "painregen_session"
SESSION_HOURS = 12
PUBLIC = ("/login", "/api/login", "/static/")
#: (unsafe methods only?, path prefix, least role), first match wins
RULES: tuple[tuple[bool, str, str], ...] = (
    (False, "/admin", "admin"), (False, "/api/admin", "admin"),
    (True, "/upload", "extractor"), (True, "/api/upload", "extractor"),
    (True, "/studies/", "extractor"), (True, "/api/studies/", "extractor"),
    (True, "/review/extraction", "extractor"), (True, "/api/review/extraction", "extractor"),
    (True, "/jobs", "viewer"), (True, "/api/jobs", "viewer"), (True, "/logout", "viewer"),
    (True, "/whoami", "viewer"),
    (True, "", "reviewer"),  # any other change: screening, mapping, reconciliation, ...
    (False, "", "viewer"),
)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]


def required_role(method: str, path: str) -> str:
    """The least role a request needs (see :data:`RULES`)."""
    unsafe = method in UNSAFE_METHODS
    for only_unsafe, prefix, role in RULES:
        if (unsafe or not only_unsafe) and path.startswith(prefix):
            return role
    return "admin"  # unreachable: the last rule matches every path


def session_cookie(secret: bytes, user: User, https: bool) -> str:
    """The Set-Cookie value that signs ``user`` in."""
    token = sign(secret, f"{user.id}.{user.session_version}.{int(time.time())}")
    secure = "; Secure" if https else ""
    return f"{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={SESSION_HOURS * 3600}{secure}"


def _session(secret: bytes, cookie_header: str) -> tuple[int, int] | None:
    cookie = SimpleCookie()
    try:
        cookie.load(cookie_header)
    except Exception:  # a malformed Cookie header counts as no cookie
        return None
    morsel = cookie.get(SESSION_COOKIE)
    token = unsign(secret, morsel.value if morsel else None)
    if token is None:
        return None
    try:
        uid, version, issued = (int(x) for x in token.split("."))
    except ValueError:
        return None
    if time.time() - issued > SESSION_HOURS * 3600:
        return None
    return uid, version


@dataclass
class LoginLimiter:
    """At most ``limit`` failed sign-ins per ``window`` seconds per client address and per account name."""

    limit: int = 5
    window: float = 600.0
    failures: dict[str, deque[float]] = field(default_factory=dict)

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self.failures.setdefault(key, deque())
        while q and now - q[0] > self.window:
            q.popleft()
        return q

    def retry_after(self, client: str, name: str) -> int:
        """Seconds until a sign-in may be tried again (0: now)."""
        now = time.monotonic()
        waits = [int(self.window - (now - q[0])) + 1 for q in (self._recent(f"ip:{client}", now),
                                                               self._recent(f"name:{name}", now))
                 if len(q) >= self.limit]
        return max(waits, default=0)

    def failed(self, client: str, name: str) -> None:
        now = time.monotonic()
        for key in (f"ip:{client}", f"name:{name}"):
            self._recent(key, now).append(now)


class AuthMiddleware:
    """Signs requests in from their session cookie, refuses what the account's role does not allow (pages are
    sent to the sign-in page, the API gets 401/403 JSON) and records the account as the actor of changes."""

    def __init__(self, app: ASGIApp, *, registry: Registry, secret: bytes) -> None:
        self.app = app
        self.registry = registry
        self.secret = secret

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, method = scope.get("path", ""), scope.get("method", "GET")
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        session = _session(self.secret, headers.get("cookie", ""))
        user = None
        if session is not None:
            user = await anyio.to_thread.run_sync(self.registry.user, session[0])
            if user is None or user.disabled or user.session_version != session[1]:
                user = None
        scope.setdefault("state", {})["user"] = user
        if path.startswith(PUBLIC):
            await self.app(scope, receive, send)
            return
        if user is None:
            await self._deny(scope, send, 401, "sign in first", path)
            return
        project = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("project", [None])[0]
        role = user.role(project) if project else user.role()
        needed = required_role(method, path)
        if rank(role) < rank(needed):
            held = f"your role is {role}" if role else "your account has no role here" + (
                "" if project else " (it has project roles: open project pages with ?project=NAME)")
            await self._deny(scope, send, 403, f"this needs the {needed} role; {held}", path)
            return
        with acting_as(user.name):
            await self.app(scope, receive, send)

    async def _deny(self, scope: Scope, send: Any, status: int, detail: str, path: str) -> None:
        from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
        from markupsafe import escape

        response: Any
        if path.startswith("/api") or path == "/openapi.json":
            response = JSONResponse({"detail": detail}, status_code=status)
        elif status == 401:
            response = RedirectResponse(f"/login?next={quote(path)}", status_code=303)
        else:
            response = HTMLResponse(
                f"<!doctype html><title>Not allowed</title><link rel=stylesheet href=/static/style.css>"
                f"<main><h1>403 · Not allowed</h1><div class='notice bad'>{escape(detail)}.</div>"
                f"<p>Ask an admin of this workbench for the role, or <a href='/login'>sign in</a> with another "
                f"account.</p></main>", status_code=status)

        async def receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        await response(scope, receive, send)


class ActorMiddleware:
    """Without accounts (single-user mode on this machine), changes made through the workbench are recorded under
    the reviewer name of the browser (``/whoami``), marked as not signed in, or as an anonymous web user."""

    def __init__(self, app: ASGIApp, *, secret: bytes) -> None:
        self.app = app
        self.secret = secret

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from painregen.web.identity import COOKIE, decode_name

        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:
            cookie = SimpleCookie()
        morsel = cookie.get(COOKIE)
        token = unsign(self.secret, morsel.value if morsel else None)
        name = decode_name(token) if token else None
        client = (scope.get("client") or ("unknown", 0))[0]
        with acting_as(f"{name} (workbench, not signed in)" if name else f"workbench user at {client}"):
            await self.app(scope, receive, send)

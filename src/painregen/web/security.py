"""Request hygiene for the workbench: CSRF tokens, upload size limit, security headers.

CSRF policy (docs/web.md): a signed double-submit token. Every HTML page sets a cookie
``painregen_csrf`` = ``token.signature`` (HMAC-SHA256 of a random token under the app's secret; SameSite=Strict,
HttpOnly). Pages put the same token in a hidden ``csrf_token`` form field; scripts running in a page may send it
as the ``X-CSRF-Token`` header. A state-changing request (POST, PUT, PATCH, DELETE) that looks like it comes from
a browser (it carries a Cookie, Origin, Referer or Sec-Fetch-* header) is refused with 403 unless it presents a
token equal to the one in its valid signed cookie. Requests with none of those headers come from scripts
(curl, httpx, requests): they carry no ambient browser credentials that a forged request could ride on, so
they need no token.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from http.cookies import SimpleCookie
from typing import Any

from fastapi import HTTPException, Request

CSRF_COOKIE = "painregen_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
BROWSER_HEADERS = ("cookie", "origin", "referer", "sec-fetch-site", "sec-fetch-mode")
MULTIPART_ALLOWANCE = 64 * 1024  # room for multipart boundaries and the other form fields
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def sign(secret: bytes, token: str) -> str:
    """``token.signature`` for the CSRF cookie."""
    mac = hmac.new(secret, token.encode("ascii"), hashlib.sha256).hexdigest()
    return f"{token}.{mac}"


def unsign(secret: bytes, value: str | None) -> str | None:
    """The token of a cookie value whose signature is valid, else None."""
    if not value or "." not in value:
        return None
    token, _, mac = value.rpartition(".")
    try:
        good = hmac.compare_digest(sign(secret, token), f"{token}.{mac}")
    except (TypeError, UnicodeEncodeError):
        return None
    return token if good else None


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def looks_like_browser(headers: Mapping[str, str]) -> bool:
    return any(h in headers for h in BROWSER_HEADERS)


def csrf_token(request: Request) -> str:
    """The CSRF token of this request (from its valid cookie, or the new one its response will set)."""
    token: str = request.state.csrf_token
    return token


async def require_csrf(request: Request) -> None:
    """FastAPI dependency: refuse a cross-site state-changing request (403); see the module docstring."""
    if request.method not in UNSAFE_METHODS or not looks_like_browser(request.headers):
        return
    expected = request.state.csrf_cookie_token
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
            ("multipart/form-data", "application/x-www-form-urlencoded")):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise HTTPException(403, "CSRF check failed: reload the page and submit the form again "
                                 "(scripts: send no cookies, or send the X-CSRF-Token header)")


class SecurityMiddleware:
    """ASGI middleware: upload size limit (413), CSRF cookie issue, security headers on every response."""

    def __init__(self, app: ASGIApp, *, secret: bytes, max_body: int) -> None:
        self.app = app
        self.secret = secret
        self.max_body = max_body + MULTIPART_ALLOWANCE

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        if scope["method"] in UNSAFE_METHODS:
            limited = await self._limit_body(scope, headers, receive, send)
            if limited is None:
                return
            receive = limited
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # a malformed Cookie header counts as no cookie
            cookie = SimpleCookie()
        morsel = cookie.get(CSRF_COOKIE)
        token = unsign(self.secret, morsel.value if morsel else None)
        state = scope.setdefault("state", {})
        state["csrf_cookie_token"] = token
        state["csrf_token"] = token or secrets.token_urlsafe(32)
        new_cookie = None if token else sign(self.secret, state["csrf_token"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                         (b"referrer-policy", b"same-origin"), (b"content-security-policy", CSP.encode())]
                is_page = any(k.lower() == b"content-type" and v.startswith(b"text/html")
                              for k, v in message.get("headers", []))
                if new_cookie is not None and is_page:  # pages only: API clients never get a cookie jar entry
                    extra.append((b"set-cookie", f"{CSRF_COOKIE}={new_cookie}; Path=/; HttpOnly; "
                                                 "SameSite=Strict".encode()))
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _limit_body(self, scope: Scope, headers: dict[str, str], receive: Receive,
                          send: Send) -> Receive | None:
        """``receive`` unchanged when the declared length fits; the buffered body when no length was declared
        and it fits; None after answering 413."""
        length = headers.get("content-length")
        if length is not None:
            if not length.isdigit() or int(length) > self.max_body:
                await self._too_large(scope, send)
                return None
            return receive
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_body:
                await self._too_large(scope, send)
                return None
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        return replay

    async def _too_large(self, scope: Scope, send: Send) -> None:
        limit_mb = (self.max_body - MULTIPART_ALLOWANCE) / 1024 / 1024
        detail = f"the upload is larger than the limit of {limit_mb:g} MB"
        if scope.get("path", "").startswith("/api/"):
            body, ctype = json.dumps({"detail": detail}).encode(), b"application/json"
        else:
            body = (f"<!doctype html><title>Upload too large</title><h1>Upload too large</h1><p>{detail}.</p>"
                    "<p><a href=\"/upload\">Back to the upload page</a></p>").encode()
            ctype = b"text/html; charset=utf-8"
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", ctype), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close"), (b"x-content-type-options", b"nosniff"),
                                (b"x-frame-options", b"DENY"), (b"referrer-policy", b"same-origin"),
                                (b"content-security-policy", CSP.encode())]})
        await send({"type": "http.response.body", "body": body})

"""Who is using the workbench: the reviewer name of a request, kept in a signed cookie (``painregen_reviewer``)
set on the "Who are you" page. Decisions (label mappings, screening, reconciliation) are recorded under it. When
user accounts are enabled, the signed-in account takes its place (``request.state.user``)."""

from __future__ import annotations

import base64

from fastapi import Request

from painregen.web.config import config_of
from painregen.web.security import sign, unsign

COOKIE = "painregen_reviewer"
MAX_NAME = 80


def encode_name(name: str) -> str:
    return base64.urlsafe_b64encode(name.encode("utf-8")).decode("ascii").rstrip("=")


def decode_name(token: str) -> str | None:
    try:
        return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None


def reviewer_cookie(request: Request, name: str) -> str:
    """The signed cookie value for ``name``."""
    return sign(config_of(request).secret, encode_name(name))


def reviewer_of(request: Request) -> str | None:
    """The signed-in account's name, else the reviewer name of the request's valid cookie, else None."""
    user = getattr(request.state, "user", None)
    if user is not None:
        return str(getattr(user, "name", user))
    token = unsign(config_of(request).secret, request.cookies.get(COOKIE))
    return decode_name(token) if token else None


def clean_name(name: str) -> str | None:
    """A reviewer name as typed, trimmed; None when empty, too long or holding control characters."""
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME or any(ord(ch) < 32 for ch in name):
        return None
    return name

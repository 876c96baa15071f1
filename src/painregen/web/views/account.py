"""Sign-in and administration of a shared workbench: ``/login``, ``/logout``, ``/admin/users`` (accounts and roles)
and ``/admin/audit`` (the audit log, also as CSV and JSON). With accounts off (single-user mode on this machine)
the sign-in page says so, and the admin pages work for the machine's user."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel

from painregen.registry.accounts import ROLES, AccountError
from painregen.web.auth import SESSION_COOKIE, LoginLimiter, session_cookie
from painregen.web.config import config_of, registry_of
from painregen.web.render import render_page
from painregen.web.views.identity import safe_next

router = APIRouter()
AUDIT_COLUMNS = ("id", "at", "actor", "action", "target", "before", "after")


class LoginIn(BaseModel):
    name: str
    password: str


def _limiter(request: Request) -> LoginLimiter:
    limiter: LoginLimiter = request.app.state.login_limiter
    return limiter


def sign_in(request: Request, name: str, password: str) -> Any:
    """The account, or an HTTPException (401 wrong name or password, 429 too many failures)."""
    client = request.client.host if request.client else "unknown"
    wait = _limiter(request).retry_after(client, name)
    if wait:
        raise HTTPException(429, f"too many failed sign-ins: try again in {wait} s",
                            headers={"Retry-After": str(wait)})
    with registry_of(request) as reg:
        user = reg.authenticate(name, password)
    if user is None:
        _limiter(request).failed(client, name)
        raise HTTPException(401, "wrong name or password (or the account is disabled)")
    return user


@router.get("/login", include_in_schema=False)
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    ctx = {"auth": config_of(request).auth, "next": safe_next(next)}
    return render_page(request, "login.html", ctx, page="", title="Sign in")


@router.post("/login", include_in_schema=False)
async def login_form(request: Request) -> Response:
    form = await request.form()
    user = sign_in(request, str(form.get("name") or ""), str(form.get("password") or ""))
    response = RedirectResponse(safe_next(str(form.get("next") or "/")), status_code=303)
    response.headers.append("set-cookie", session_cookie(config_of(request).secret, user,
                                                         request.url.scheme == "https"))
    return response


@router.post("/api/login", tags=["accounts"], summary="Sign in: sets the session cookie")
def api_login(request: Request, body: LoginIn) -> Response:
    user = sign_in(request, body.name, body.password)
    response = JSONResponse({"user": user.to_dict()})
    response.headers.append("set-cookie", session_cookie(config_of(request).secret, user,
                                                         request.url.scheme == "https"))
    return response


@router.post("/logout", include_in_schema=False)
def logout(request: Request) -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def users_context(request: Request) -> dict[str, Any]:
    with registry_of(request) as reg:
        return {"users": [u.to_dict() for u in reg.users()], "roles": list(ROLES),
                "projects": [p["name"] for p in reg.projects()], "auth": config_of(request).auth}


@router.get("/api/admin/users", tags=["accounts"], summary="Accounts and their roles")
def api_users(request: Request) -> dict[str, Any]:
    return users_context(request)


@router.get("/admin/users", include_in_schema=False)
def users_page(request: Request) -> HTMLResponse:
    return render_page(request, "admin_users.html", users_context(request), page="admin", title="Accounts")


@router.post("/admin/users", include_in_schema=False)
async def users_change(request: Request) -> RedirectResponse:
    form = await request.form()
    action, name = str(form.get("action") or ""), str(form.get("name") or "")
    project = str(form.get("project") or "") or None
    with registry_of(request) as reg:
        try:
            if action == "add":
                reg.add_user(name, str(form.get("password") or ""), str(form.get("role") or "viewer"), project)
            elif action == "role":
                role = str(form.get("role") or "")
                reg.set_role(name, None if role == "none" else role, project)
            elif action in ("disable", "enable"):
                reg.set_disabled(name, action == "disable")
            else:
                raise HTTPException(422, f"unknown action {action!r}")
        except AccountError as exc:
            raise HTTPException(422, str(exc)) from None
    return RedirectResponse("/admin/users", status_code=303)


def audit_context(request: Request, limit: int, offset: int, actor: str | None) -> dict[str, Any]:
    with registry_of(request) as reg:
        rows = reg.audit_log(limit, offset, actor)
    return {"rows": rows, "limit": limit, "offset": offset, "actor": actor or ""}


@router.get("/api/admin/audit", tags=["accounts"], summary="The audit log, newest first")
def api_audit(request: Request, limit: int = 200, offset: int = 0, actor: str | None = None) -> dict[str, Any]:
    return audit_context(request, min(max(limit, 1), 5000), max(offset, 0), actor)


@router.get("/admin/audit", include_in_schema=False)
def audit_page(request: Request, limit: int = 200, offset: int = 0, actor: str | None = None) -> HTMLResponse:
    ctx = audit_context(request, min(max(limit, 1), 1000), max(offset, 0), actor)
    return render_page(request, "admin_audit.html", ctx, page="admin", title="Audit log")


@router.get("/admin/audit.csv", include_in_schema=False, response_class=Response)
def audit_csv(request: Request, actor: str | None = None) -> Response:
    import json

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(AUDIT_COLUMNS)
    with registry_of(request) as reg:
        offset = 0
        while rows := reg.audit_log(5000, offset, actor):
            for r in rows:
                w.writerow([json.dumps(r[c]) if c in ("before", "after") and r[c] is not None else r[c]
                            for c in AUDIT_COLUMNS])
            offset += len(rows)
    return Response(buf.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": 'attachment; filename="painregen-audit.csv"'})

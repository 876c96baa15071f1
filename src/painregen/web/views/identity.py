"""Who are you: the reviewer name this browser records decisions under (a signed cookie), until accounts are
enabled (then the signed-in account is used)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from painregen.web.identity import COOKIE, clean_name, reviewer_cookie, reviewer_of
from painregen.web.render import render_page

router = APIRouter()


def safe_next(target: str | None) -> str:
    """A path on this site to go to next ("/" for anything else: another host, a scheme, a backslash trick)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")) or "\\" in target:
        return "/"
    return target


@router.get("/whoami", include_in_schema=False)
def whoami_page(request: Request, next: str = "/") -> HTMLResponse:
    ctx: dict[str, Any] = {"reviewer": reviewer_of(request), "next": safe_next(next)}
    return render_page(request, "whoami.html", ctx, page="", title="Who are you")


@router.post("/whoami", include_in_schema=False)
async def whoami_set(request: Request) -> RedirectResponse:
    form = await request.form()
    name = clean_name(str(form.get("reviewer") or ""))
    if name is None:
        raise HTTPException(422, "give a name of 1 to 80 characters")
    response = RedirectResponse(safe_next(str(form.get("next") or "/")), status_code=303)
    response.set_cookie(COOKIE, reviewer_cookie(request, name), httponly=True, samesite="strict",
                        max_age=60 * 60 * 24 * 180)
    return response

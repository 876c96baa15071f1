"""Overview: what the registry holds and where it came from (``/`` and ``GET /api``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from painregen.web.config import config_of, db_label, registry_of
from painregen.web.render import render_page

router = APIRouter()


def overview_context(request: Request) -> dict[str, Any]:
    with registry_of(request) as reg:
        counts = reg.counts()
        imports = [{k: v for k, v in i.to_dict().items() if k != "truth"} for i in reg.imports()]
    return {"registry": db_label(config_of(request).db), "counts": counts, "imports": imports,
            "n_studies": counts.get("studies", 0)}


@router.get("/api", tags=["registry"], summary="What the registry holds: rows per table and the imports")
def api_overview(request: Request) -> dict[str, Any]:
    return overview_context(request)


@router.get("/", include_in_schema=False)
def overview_page(request: Request) -> HTMLResponse:
    return render_page(request, "home.html", overview_context(request), page="home", title="Overview")

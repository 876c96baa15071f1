"""One context dict, two renderings: JSON for ``/api/...`` and a Jinja2 page (autoescaped) for the browser."""

from __future__ import annotations

import base64
import math
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined

from painregen import __version__
from painregen.web.config import config_of, db_label
from painregen.web.security import CSRF_FIELD, csrf_token

NAV = (("home", "/", "Overview"), ("upload", "/upload", "Upload"), ("studies", "/studies", "Studies"),
       ("mapping", "/mapping", "Mapping"), ("analysis", "/analysis", "Meta-analysis"), ("ledger", "/ledger", "Ledger"),
       ("dose", "/dose", "Dose-response"), ("downloads", "/downloads", "Downloads"),
       ("review", "/review", "Review"))


def svg_data_uri(svg: str) -> str:
    """An SVG figure as a ``data:`` URI for an ``<img>`` (an image never runs scripts)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def fmt_num(value: Any, digits: int = 3) -> str:
    """A number for a table cell: ``digits`` significant figures; blank for None; "NA" for NaN."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and math.isnan(value):
        return "NA"
    if isinstance(value, int):
        return str(value)
    return f"{value:.{digits}g}" if abs(value) < 1e-3 and value != 0 else f"{value:.{digits}f}"


def fmt_p(value: Any) -> str:
    if value is None:
        return ""
    return "< 0.0001" if value < 1e-4 else f"{value:.4f}"


_ENV = Environment(loader=PackageLoader("painregen.web", "templates"), autoescape=True, undefined=StrictUndefined,
                   trim_blocks=True, lstrip_blocks=True)
_ENV.filters.update(svg_uri=svg_data_uri, num=fmt_num, p=fmt_p)


def render_page(request: Request, template: str, context: dict[str, Any], *, status: int = 200,
                page: str = "", title: str = "") -> HTMLResponse:
    """Render ``template`` with the view's context (as ``c``) and the page frame (nav, CSRF token, version)."""
    html = _ENV.get_template(template).render(
        c=context, page=page, title=title, nav=NAV, version=__version__, csrf_field=CSRF_FIELD,
        csrf_token=csrf_token(request), db=db_label(config_of(request).db),
        user=getattr(request.state, "user", None), auth=config_of(request).auth,
        max_upload_mb=config_of(request).max_upload_bytes / 1024 / 1024,
    )
    return HTMLResponse(html, status_code=status)

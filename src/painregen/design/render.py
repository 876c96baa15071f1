"""Render a :class:`~painregen.design.protocol.Protocol` as Markdown or HTML (jinja2 templates in ``templates/``)."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import jinja2

from painregen import __version__
from painregen.design.protocol import Protocol

__all__ = ["render_html", "render_markdown"]


def _cell(value: object) -> str:
    """A Markdown table cell: pipes escaped, line breaks flattened."""
    return str(value).replace("|", "\\|").replace("\n", " ")


@cache
def _template(name: str, html: bool) -> jinja2.Template:
    env = jinja2.Environment(autoescape=html, keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    env.filters["cell"] = _cell
    text = resources.files("painregen.design").joinpath("templates", name).read_text(encoding="utf-8")
    return env.from_string(text)


def render_markdown(protocol: Protocol, source: str | None = None) -> str:
    """The protocol as Markdown (GitHub-flavoured tables)."""
    text = _template("protocol.md", False).render(p=protocol, version=__version__, source=source)
    return re.sub(r"\n{3,}", "\n\n", text)


def render_html(protocol: Protocol, source: str | None = None) -> str:
    """The protocol as one self-contained HTML page (all text escaped)."""
    return _template("protocol.html", True).render(p=protocol, version=__version__, source=source)

"""Render the self-contained HTML report (figures inline as SVG; no network needed to open it)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from painregen import __version__
from painregen.report.fmt import FILTERS
from painregen.report.output import ReportOutput
from painregen.report.pipeline import Analysis
from painregen.report.sections.base import Section


def figure_svg(fig: Any) -> str:
    """A matplotlib figure as an inline SVG string (the figure is closed afterwards)."""
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]


def save_figure(fig: Any, directory: Path, stem: str) -> list[Path]:
    """Write a figure as PNG and PDF for publication (and SVG); returns the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for ext in ("png", "pdf", "svg"):
        p = directory / f"{stem}.{ext}"
        fig.savefig(p, bbox_inches="tight", dpi=200 if ext == "png" else None)
        paths.append(p)
    return paths


def environment() -> Environment:
    env = Environment(loader=PackageLoader("painregen.report", "templates"), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(FILTERS)
    return env


def render_report(analysis: Analysis, sections: list[Section], output: ReportOutput, *,
                  title: str = "painregen evidence report") -> str:
    """The report page: header (with the SIMULATED banner when the data are simulated), contents, sections."""
    template = environment().get_template("report.html")
    return template.render(
        title=title, version=__version__, generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        a=analysis, s=analysis.summary, sections=sections, output=output, simulated=analysis.dataset.simulated,
    )

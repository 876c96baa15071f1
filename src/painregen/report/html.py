"""Render the self-contained HTML report (figures inline as SVG; no network needed to open it)."""

from __future__ import annotations

import datetime as dt
import functools
import io
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup, escape

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


@pass_context
def study_filter(ctx: Context, study: str) -> Markup:
    """A study shown by its author-year label, its key (e.g. a SyRF UUID) as a tooltip."""
    a = ctx.get("a")
    label = a.label(study) if a is not None else study
    if label == study:
        return Markup(escape(study))
    return Markup(f'<span title="{escape(study)}">{escape(label)}</span>')


@functools.lru_cache(maxsize=1)
def environment() -> Environment:
    """The report's templates (compiled on first use and kept: each report renders the same ones)."""
    env = Environment(loader=PackageLoader("painregen.report", "templates"), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(FILTERS)
    env.filters["study"] = study_filter
    return env


def compile_templates() -> None:
    """Compile every template now (about 0.1 s), e.g. while waiting for the evidence, instead of at the end."""
    env = environment()
    for name in env.list_templates(filter_func=lambda n: n.endswith(".html")):
        env.get_template(name)


def origin_text(origin: str, n_simulated: int, n_real: int) -> str:
    """How a set of studies is described on a page: 'SIMULATED (40 studies)', 'real (12 studies)', ..."""
    if origin == "mixed":
        return f"mixed: {n_simulated} SIMULATED + {n_real} real studies"
    if origin == "simulated":
        return f"SIMULATED ({n_simulated} stud{'y' if n_simulated == 1 else 'ies'})"
    if origin == "real":
        return f"real ({n_real} stud{'y' if n_real == 1 else 'ies'})"
    return "no studies"


def render_report(analysis: Analysis, sections: list[Section], output: ReportOutput, *,
                  title: str = "painregen evidence report") -> str:
    """The report page: header (SIMULATED or MIXED banner, provenance and scope), contents, sections (each with
    the kind of evidence its numbers come from)."""
    template = environment().get_template("report.html")
    simulated = {s.study_id: s.simulated for s in analysis.dataset.studies}

    def sec_origin(sec: Section) -> str:
        if sec.source != "evidence":
            return "kb"
        return analysis.origin(sec.studies)

    def sec_origin_text(sec: Section) -> str:
        if sec.source != "evidence":
            return f"Source: {sec.source}"
        chosen = [s for s in dict.fromkeys(sec.studies if sec.studies is not None else simulated) if s in simulated]
        n_sim = sum(simulated[s] for s in chosen)
        return "Numbers from: " + origin_text(analysis.origin(sec.studies), n_sim, len(chosen) - n_sim)

    prov = analysis.evidence.provenance() if analysis.evidence is not None else {
        "origin": analysis.origin(), "n_simulated": sum(simulated.values()),
        "n_real": len(simulated) - sum(simulated.values()), "imports": [], "scope_text": "the whole dataset"}
    return template.render(
        title=title, version=__version__, generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        a=analysis, s=analysis.summary, sections=sections, output=output, simulated=prov["origin"] == "simulated",
        origin=prov["origin"], prov=prov, origin_text=origin_text, sec_origin=sec_origin,
        sec_origin_text=sec_origin_text,
    )

"""The report's sections, in order. Each module's ``build(analysis, output)`` returns a
:class:`~painregen.report.sections.base.Section` (or None when it does not apply) rendered by the partial
template ``templates/sections/<id>.html``; the methods section is built last from the others' methods."""

from __future__ import annotations

from collections.abc import Callable

from painregen.report.output import ReportOutput
from painregen.report.pipeline import Analysis
from painregen.report.sections import (
    arrive,
    battery,
    bias,
    design,
    domains,
    dose,
    dose_meta,
    evidence_map,
    flags,
    heterogeneity,
    mechanism,
    methods,
    rob,
    summary,
    truth,
    warnings,
)
from painregen.report.sections.base import Section

Builder = Callable[[Analysis, ReportOutput], Section | None]

BUILDERS: tuple[tuple[str, Builder], ...] = (  # build order: truth uses the results of dose and rob
    ("summary", summary.build), ("evidence_map", evidence_map.build), ("domains", domains.build),
    ("heterogeneity", heterogeneity.build), ("bias", bias.build), ("dose", dose.build),
    ("dose_meta", dose_meta.build), ("rob", rob.build),
    ("truth", truth.build), ("arrive", arrive.build), ("battery", battery.build), ("mechanism", mechanism.build),
    ("flags", flags.build), ("design", design.build), ("warnings", warnings.build),
)
DISPLAY = ("summary", "evidence_map", "domains", "truth", "heterogeneity", "bias", "dose", "dose_meta", "rob",
           "arrive", "battery", "mechanism", "flags", "design", "warnings")


def build_sections(analysis: Analysis, output: ReportOutput, progress: Callable[[str], None] | None = None
                   ) -> list[Section]:
    """Every applicable section in :data:`DISPLAY` order, then the methods section."""
    out = []
    for name, builder in BUILDERS:
        if progress is not None:
            progress(name)
        section = builder(analysis, output)
        if section is not None:
            out.append(section)
    out.sort(key=lambda s: DISPLAY.index(s.id))
    out.append(methods.build(analysis, out))
    return out


__all__ = ["BUILDERS", "DISPLAY", "Section", "build_sections"]

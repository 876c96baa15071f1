"""The report's sections, in order. Each module's ``build(analysis, output)`` returns a
:class:`~painregen.report.sections.base.Section` (or None when it does not apply) rendered by the partial
template ``templates/sections/<id>.html``; the methods section is built last from the others' methods.

A section that fails (a model that does not converge on this registry's data, an unforeseen shape of data)
never stops the report: it is replaced by a note saying what could not be computed and why
(:func:`build_sections`), and listed in :attr:`Failure` records that tests check are empty on valid data."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass

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
    ledger,
    mapping,
    mechanism,
    methods,
    review,
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
    ("flags", flags.build), ("design", design.build), ("mapping", mapping.build), ("ledger", ledger.build),
    ("warnings", warnings.build), ("review", review.build),
)
DISPLAY = ("summary", "review", "mapping", "ledger", "evidence_map", "domains", "truth", "heterogeneity", "bias",
           "dose",
           "dose_meta", "rob", "arrive", "battery", "mechanism", "flags", "design", "warnings")
TITLES = {"summary": "Evidence base", "review": "Review process", "mapping": "Labels mapped to terms",
          "ledger": "Comparison ledger",
          "evidence_map": "Evidence map", "domains": "Pooled effects by outcome domain",
          "truth": "Estimate vs truth (simulated evidence)", "heterogeneity": "Heterogeneity: subgroups and "
          "meta-regression", "bias": "Small-study effects and publication bias", "dose": "Dose-response windows",
          "dose_meta": "Pooled dose-response across studies", "rob": "Risk of bias",
          "arrive": "Reporting quality: ARRIVE 2.0 and CAMARADES", "battery": "Behavioural battery coverage",
          "mechanism": "Mechanistic evidence map", "flags": "Translational flags",
          "design": "Designing the next experiment", "warnings": "Data-quality notes"}

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Failure:
    """A section that could not be built: its id, the error in a sentence and the traceback (for developers)."""

    section: str
    message: str
    trace: str


def build_sections(analysis: Analysis, output: ReportOutput, progress: Callable[[str], None] | None = None
                   ) -> list[Section]:
    """Every applicable section in :data:`DISPLAY` order, then the methods section.

    A builder that raises is replaced by a section holding only a note ("this section could not be computed:
    ..."); the failures are kept in ``analysis.cache["failures"]`` (a list of :class:`Failure`)."""
    out = []
    failures: list[Failure] = analysis.cache.setdefault("failures", [])
    for name, builder in BUILDERS:
        if progress is not None:
            progress(name)
        try:
            section = builder(analysis, output)
        except Exception as exc:  # a report never dies of one section; the failure is shown and recorded
            message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            failures.append(Failure(name, message, traceback.format_exc()))
            log.warning("report section %s could not be computed: %s", name, message)
            section = Section(name, TITLES[name], {}, failure=message)
        if section is not None:
            out.append(section)
    out.sort(key=lambda s: DISPLAY.index(s.id))
    out.append(methods.build(analysis, out))
    return out


__all__ = ["BUILDERS", "DISPLAY", "TITLES", "Failure", "Section", "build_sections"]

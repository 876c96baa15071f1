"""The report's sections, in order. Each module's ``build(analysis, output)`` returns a
:class:`~painregen.report.sections.base.Section` (or None when it does not apply) rendered by the partial
template ``templates/sections/<id>.html``; the methods section is built last from the others' methods.

A section that fails (a model that does not converge on this registry's data, an unforeseen shape of data)
never stops the report: it is replaced by a note saying what could not be computed and why
(:func:`build_sections`), and listed in :attr:`Failure` records that tests check are empty on valid data."""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

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


#: sections that only read the analysis (no shared cache): built in other processes when cores allow, heaviest
#: first (this process, once done with its own, takes the heaviest not yet started: see :func:`build_sections`)
PARALLEL = ("dose_meta", "heterogeneity", "domains", "bias", "evidence_map", "design")
_SHARED: list[tuple[Analysis, ReportOutput, Any, Any]] = []  # what forked workers read (with the claim flags)
#: sections this process builds after all others (the review summary may still be on its way from another process)
LAST = ("review",)


def _build(name: str, builder: Builder, analysis: Analysis, output: ReportOutput
           ) -> tuple[Section | None, list[Failure]]:
    """One section, or its "could not be computed" note and the failure."""
    try:
        return builder(analysis, output), []
    except Exception as exc:  # a report never dies of one section; the failure is shown and recorded
        message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        log.warning("report section %s could not be computed: %s", name, message)
        return Section(name, TITLES[name], {}, failure=message), [Failure(name, message, traceback.format_exc())]


def _claim(claims: Any, lock: Any, name: str) -> bool:
    """Claim the parallel section ``name`` for this process; False when another process has it."""
    i = PARALLEL.index(name)
    with lock:
        if claims[i]:
            return False
        claims[i] = 1
        return True


def _build_forked(name: str) -> tuple[Section | None, list[Failure]] | None:
    """Build ``name`` in a worker; None when the parent process claimed it first."""
    analysis, output, claims, lock = _SHARED[-1]
    if not _claim(claims, lock, name):
        return None
    return _build(name, dict(BUILDERS)[name], analysis, output)


def workers_available() -> int:
    """Processes to build sections with: the cores this process may use (1 where fork is unavailable)."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def build_sections(analysis: Analysis, output: ReportOutput, progress: Callable[[str], None] | None = None,
                   workers: int | None = None) -> list[Section]:
    """Every applicable section in :data:`DISPLAY` order, then the methods section.

    With ``workers`` > 1 (default: the cores available) the sections of :data:`PARALLEL` are built in forked
    processes while this one builds the others, then takes the parallel sections no worker has started yet,
    heaviest first as the workers do (longest processing time first: the last sections to start are the shortest,
    so the processes finish close together); the result is the same. A builder that raises
    is replaced by a section holding only a note ("this section could not be computed: ..."); the failures are
    kept in ``analysis.cache["failures"]`` (a list of :class:`Failure`)."""
    workers = workers_available() if workers is None else workers
    gc.freeze()  # see _build_all: the stack, the evidence and the analysis outlive the sections
    try:
        return _build_all(analysis, output, progress, workers)
    finally:
        gc.unfreeze()


def _build_all(analysis: Analysis, output: ReportOutput, progress: Callable[[str], None] | None,
               workers: int) -> list[Section]:
    """:func:`build_sections` with the objects alive before it frozen (``gc.freeze``): the garbage collector's
    full collections, which walked every object of the scientific stack, the evidence and the analysis (about half
    a second per report process at 40 studies), skip them in this process and in the workers forked from it."""
    failures: list[Failure] = analysis.cache.setdefault("failures", [])
    built: dict[str, Section | None] = {}
    pool = None
    pending: dict[str, Any] = {}
    claims = lock = None
    if workers > 1:
        from painregen.meta.collate import warm_up

        warm_up()  # the collation table, read here once rather than in each process that sorts labels
        ctx = multiprocessing.get_context("fork")
        claims, lock = ctx.RawArray("b", len(PARALLEL)), ctx.Lock()
        _SHARED.append((analysis, output, claims, lock))
        pool = ProcessPoolExecutor(min(workers - 1, len(PARALLEL)), mp_context=ctx)
        pending = {name: pool.submit(_build_forked, name) for name in PARALLEL}
    builders = dict(BUILDERS)

    def here(name: str) -> None:
        """Build ``name`` in this process."""
        if progress is not None:
            progress(name)
        built[name], failed = _build(name, builders[name], analysis, output)
        failures.extend(failed)

    try:
        for name, _ in BUILDERS:
            if name not in pending and name not in LAST:
                here(name)
        for name in pending:  # the parallel sections no worker has started yet, heaviest first
            if _claim(claims, lock, name):
                here(name)
        for name in LAST:
            here(name)
        for name, future in pending.items():
            result = future.result()
            if result is None:  # built here
                continue
            if progress is not None:
                progress(name)
            built[name], failed = result
            failures.extend(failed)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
            _SHARED.pop()
    out = [built[name] for name, _ in BUILDERS if built.get(name) is not None]
    sections = sorted((s for s in out if s is not None), key=lambda s: DISPLAY.index(s.id))
    sections.append(methods.build(analysis, sections))
    return sections


__all__ = ["BUILDERS", "DISPLAY", "PARALLEL", "TITLES", "Failure", "Section", "build_sections", "workers_available"]

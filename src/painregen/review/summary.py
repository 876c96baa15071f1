"""What the report's "Review process" section shows, read from a registry: the PRISMA 2020 counts, the agreement
of the screeners per stage and reviewer pair, the agreement of the extractors per field and the studies that
entered from a single extractor.

It lives beside the review tables rather than in the report, so that a process which only needs the summary (the
demo's review workflow, the workbench's report job before it starts the report) does not import the report stack."""

from __future__ import annotations

from typing import Any


def review_summary(session: Any) -> dict[str, Any] | None:
    """The summary for ``write_report(..., review=...)``, from the registry (None when no search was imported)."""
    from painregen.review.prisma import prisma_counts
    from painregen.review.reconcile import field_agreement, single_extractor_studies
    from painregen.review.screening_agreement import review_agreement

    counts = prisma_counts(session)
    if counts.records_identified == 0:
        return None
    return {"prisma": counts, "agreement": review_agreement(session), "fields": field_agreement(session),
            "single": list(single_extractor_studies(session))}


def report_inputs(registry: Any, scope: Any) -> tuple[Any, dict[str, Any] | None]:
    """What a report reads from an open registry (:class:`painregen.registry.Registry`): the evidence of ``scope``
    (:class:`painregen.evidence.scoped.Scope`) and, when the scope is the whole registry, :func:`review_summary`."""
    evidence = registry.analysis_evidence(scope)
    with registry.session() as session:
        return evidence, review_summary(session) if scope.everything else None

"""PRISMA 2020 flow counts from the recorded review (Page et al. 2021, BMJ 372:n71, flow diagram for new
systematic reviews that included searches of databases only).

Every count is derived from the registry: records identified per source (``literature_records`` by
``search_imports.source_name``), duplicates removed (records minus the publications they were merged into),
records screened (active publications), title/abstract exclusions (settled outcomes) with reasons, reports sought
(included at title/abstract), not retrieved (full-text exclusions with reason ``no_full_text``), assessed,
full-text exclusions by reason, and studies included; ``linked_studies`` counts included publications linked to
an evidence study. Publications still waiting for a decision are counted as ``awaiting``.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from painregen.review.flow import PrismaCounts
from painregen.review.schema import LiteratureRecordRow, PublicationRow, SearchImportRow
from painregen.review.screening import (
    EXCLUDE,
    FULL_TEXT,
    INCLUDE,
    TITLE_ABSTRACT,
    active_publications,
    get_stage,
    outcomes,
)

NOT_RETRIEVED = "no_full_text"


def prisma_counts(session: Session) -> PrismaCounts:
    c = PrismaCounts()
    for name, n in session.execute(
            select(SearchImportRow.source_name, func.count(LiteratureRecordRow.id))
            .join(LiteratureRecordRow, LiteratureRecordRow.search_import_id == SearchImportRow.id)
            .group_by(SearchImportRow.source_name).order_by(SearchImportRow.source_name)):
        c.sources[name] = int(n)
    c.records_identified = sum(c.sources.values())
    active = active_publications(session)
    c.records_screened = len(active)
    c.duplicates_removed = c.records_identified - c.records_screened
    ta = outcomes(session, TITLE_ABSTRACT)
    ta_reasons: Counter[str] = Counter()
    for o in ta.values():
        if o.final == EXCLUDE:
            c.records_excluded += 1
            ta_reasons[o.reason() or "no reason given"] += 1
        elif o.final is None:
            c.records_awaiting += 1
    c.records_excluded_reasons = dict(ta_reasons.most_common())
    ft = outcomes(session, FULL_TEXT)
    c.reports_sought = len(ft)
    ft_reasons: Counter[str] = Counter()
    for o in ft.values():
        if o.final == EXCLUDE and o.reason() == NOT_RETRIEVED:
            c.reports_not_retrieved += 1
        elif o.final == EXCLUDE:
            c.reports_excluded += 1
            ft_reasons[o.reason() or "no reason given"] += 1
        elif o.final == INCLUDE:
            c.studies_included += 1
        else:
            c.reports_awaiting += 1
    c.reports_excluded_reasons = dict(ft_reasons.most_common())
    c.reports_assessed = c.reports_sought - c.reports_not_retrieved
    included = [i for i, o in ft.items() if o.final == INCLUDE]
    if included:
        c.linked_studies = int(session.scalar(select(func.count(PublicationRow.id)).where(
            PublicationRow.id.in_(included), PublicationRow.study_pk.is_not(None))) or 0)
    for key in (TITLE_ABSTRACT, FULL_TEXT):
        for crit in get_stage(session, key).criteria:
            c.reason_labels.setdefault(crit.code, crit.text)
    return c

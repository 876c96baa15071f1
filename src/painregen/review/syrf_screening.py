"""Import of SyRF screening exports (``screening_data_unblinded_long-format``: one row per study and investigator:
``StudyId, DateTimeCreated, ..., InvestigatorName, ScreeningDecision, ScreeningStatus``).

Each row becomes a screener's decision (``Included`` -> include, ``Excluded`` -> exclude) by ``InvestigatorName``
at ``DateTimeCreated`` (SyRF writes MM/DD/YYYY HH:MM:SS, UTC). Studies are matched to publications through the
``StudyId`` key of their literature record (import SyRF's bibliographic export first with
``painregen search import``). When the screeners disagree and SyRF's ``ScreeningStatus`` is final, that status is
recorded as an arbiter decision by reviewer ``SyRF`` (source ``syrf``), so the publication's outcome follows
SyRF's. The import is all-or-nothing: any problem and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from painregen.io.problems import InvalidDataError, Problem
from painregen.io.tables import Table, read_csv
from painregen.review.schema import LiteratureRecordRow, PublicationRow
from painregen.review.screening import ARBITER, EXCLUDE, INCLUDE, SCREENER, decide, outcomes, stage_key

COLUMNS = ("StudyId", "DateTimeCreated", "InvestigatorName", "ScreeningDecision")
DECISION = {"included": INCLUDE, "excluded": EXCLUDE}
SYRF_ARBITER = "SyRF"


@dataclass(frozen=True)
class SyrfDecision:
    row: int
    study_id: str
    reviewer: str
    decision: str
    when: datetime
    status: str | None  # SyRF's ScreeningStatus of the study, as include/exclude when final


def _when(text: str) -> datetime:
    for fmt in ("%m/%d/%Y %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise ValueError(text)


def parse(table: Table) -> list[SyrfDecision]:
    """The decisions of a SyRF screening export; every problem at once as InvalidDataError."""
    problems = [Problem(table.file, 1, c, f"missing column {c}", "export the long-format screening data from SyRF")
                for c in COLUMNS if c not in table.columns]
    if problems:
        raise InvalidDataError(problems)
    out = []
    for row, rec in zip(table.row_numbers, table.rows, strict=True):
        cells = {c: str(rec.get(c) or "").strip() for c in (*COLUMNS, "ScreeningStatus")}
        bad = False
        for c in ("StudyId", "InvestigatorName"):
            if not cells[c]:
                problems.append(Problem(table.file, row, c, f"{c} is empty", "every row names a study and a screener"))
                bad = True
        decision = DECISION.get(cells["ScreeningDecision"].lower())
        if decision is None:
            problems.append(Problem(table.file, row, "ScreeningDecision",
                                    f"unknown decision {cells['ScreeningDecision']!r}", "use Included or Excluded"))
            bad = True
        try:
            when = _when(cells["DateTimeCreated"])
        except ValueError:
            problems.append(Problem(table.file, row, "DateTimeCreated", f"unreadable time {cells['DateTimeCreated']!r}",
                                    "SyRF writes MM/DD/YYYY HH:MM:SS"))
            bad = True
        if not bad and decision is not None:
            out.append(SyrfDecision(row, cells["StudyId"], cells["InvestigatorName"], decision, when,
                                    DECISION.get(cells["ScreeningStatus"].lower())))
    if problems:
        raise InvalidDataError(problems)
    return out


def read(path: Path) -> list[SyrfDecision]:
    return parse(read_csv(path))


def ratings(decisions: list[SyrfDecision]) -> dict[str, dict[str, str]]:
    """study -> reviewer -> decision (the latest row of a reviewer wins), for agreement without a registry."""
    out: dict[str, dict[str, str]] = {}
    for d in sorted(decisions, key=lambda d: (d.when, d.row)):
        out.setdefault(d.study_id, {})[d.reviewer] = d.decision
    return out


def import_decisions(session: Session, decisions: list[SyrfDecision], file: str, stage: str = "ta") -> dict[str, int]:
    """Write the decisions at ``stage`` inside the caller's transaction (raise, and the caller rolls back)."""
    key = stage_key(stage)
    keys = {d.study_id for d in decisions}
    found: dict[str, int] = {}
    for rec_key, pub_id, merged in session.execute(
            select(LiteratureRecordRow.source_key, LiteratureRecordRow.publication_id, PublicationRow.merged_into_id)
            .join(PublicationRow, PublicationRow.id == LiteratureRecordRow.publication_id)
            .where(LiteratureRecordRow.source_key.in_(keys))):
        if rec_key is not None:
            found[rec_key] = merged or pub_id
    missing = [d for d in decisions if d.study_id not in found]
    if missing:
        raise InvalidDataError([Problem(file, d.row, "StudyId", f"no literature record with StudyId {d.study_id}",
                                        "import SyRF's bibliographic export first (painregen search import)")
                                for d in missing])
    n = 0
    for d in sorted(decisions, key=lambda d: (d.when, d.row)):
        try:
            decide(session, found[d.study_id], key, d.reviewer, d.decision, role=SCREENER, source="syrf", when=d.when,
                   extra_screeners=True)
        except ValueError as exc:
            raise InvalidDataError([Problem(file, d.row, "StudyId", str(exc), "check the export")]) from None
        n += 1
    arbitrated = 0
    status = {d.study_id: d.status for d in decisions if d.status}
    outs = outcomes(session, key)
    for study, final in status.items():
        o = outs.get(found[study])
        if o is not None and o.status == "conflict":
            when = max(d.when for d in decisions if d.study_id == study)
            decide(session, found[study], key, SYRF_ARBITER, final, role=ARBITER, source="syrf", when=when)
            arbitrated += 1
    return {"decisions": n, "studies": len(keys), "resolved_by_syrf_status": arbitrated}

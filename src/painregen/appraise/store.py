"""Writing appraisal answers into the registry, all or nothing.

Answers live where the registry already keeps them, in ``appraisal_answers`` (``Study.rob`` for SYRCLE,
``Study.arrive`` for ARRIVE). The evidence model has no CAMARADES field yet, so CAMARADES answers are kept as
study annotations ``camarades.<item>`` (read back by :func:`painregen.appraise.camarades.score`). Each fill is
recorded as an import of format ``appraisal`` (source file, SHA-256, time), and every answer row it writes or
changes points to it and to its row in the file, so provenance stays per answer. Filling the same file again
reuses its import record. An answer stored under an alias of its item (``random_sequence``) is updated in place
and renamed to the item's id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from painregen import __version__
from painregen.appraise.answers import Answer, AnswerSet
from painregen.appraise.camarades import ANNOTATION_PREFIX
from painregen.appraise.catalogue import get_instrument
from painregen.registry import Registry
from painregen.registry.schema import AppraisalAnswerRow, ImportRow

__all__ = ["FORMAT", "FillSummary", "known_study", "storage_key", "write_answers"]

FORMAT = "appraisal"


@dataclass(frozen=True)
class FillSummary:
    import_id: int
    inserted: int
    updated: int
    unchanged: int
    studies: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"import_id": self.import_id, "inserted": self.inserted, "updated": self.updated,
                "unchanged": self.unchanged, "studies": list(self.studies)}


def storage_key(a: Answer) -> tuple[str, str]:
    """``(appraisal_answers.instrument, item)`` under which an answer is stored."""
    if a.instrument == "camarades":
        return "annotation", ANNOTATION_PREFIX + a.item
    return a.instrument, a.item


def known_study(registry: Registry) -> Any:
    """A predicate: does the registry resolve this study key (or id) to exactly one study?"""

    def known(key: str) -> bool:
        try:
            registry.resolve(key)
        except KeyError:
            return False
        return True

    return known


def _same_item(instrument: str, stored: str, canonical: str) -> bool:
    if stored == canonical:
        return True
    if instrument not in ("syrcle", "arrive"):
        return False
    try:
        return get_instrument(instrument).resolve_key(stored) == canonical
    except KeyError:
        return False


def _import_row(session: Session, answers: AnswerSet) -> ImportRow:
    imp = session.scalar(select(ImportRow).where(ImportRow.sha256 == answers.sha256))
    if imp is None:
        imp = ImportRow(source=answers.source, sha256=answers.sha256, format=FORMAT, imported_at=datetime.now(UTC),
                        painregen_version=__version__, n_studies=len(answers.studies()),
                        n_records=len(answers.answers), simulated=False, truth=None)
        session.add(imp)
        session.flush()
    return imp


def write_answers(registry: Registry, answers: AnswerSet) -> FillSummary:
    """Store validated ``answers`` in one transaction; KeyError (nothing written) for an unknown study."""
    pks = {s: registry.resolve(s) for s in answers.studies()}
    counts = {"inserted": 0, "updated": 0, "unchanged": 0}
    with registry.session() as session, session.begin():
        imp = _import_row(session, answers)
        for a in answers.answers:
            instrument, item = storage_key(a)
            pk = pks[a.study]
            rows = session.scalars(select(AppraisalAnswerRow).where(
                AppraisalAnswerRow.study_pk == pk, AppraisalAnswerRow.instrument == instrument)).all()
            row = next((r for r in rows if r.item == item), None) or next(
                (r for r in rows if _same_item(instrument, r.item, item)), None)
            if row is None:
                last = session.scalar(select(func.max(AppraisalAnswerRow.ordinal)).where(
                    AppraisalAnswerRow.study_pk == pk))
                session.add(AppraisalAnswerRow(study_pk=pk, import_id=imp.id, source_row=a.row,
                                               ordinal=0 if last is None else last + 1, instrument=instrument,
                                               item=item, answer=a.answer))
                counts["inserted"] += 1
            elif row.answer == a.answer and row.item == item:
                counts["unchanged"] += 1
            else:
                row.answer, row.item, row.import_id, row.source_row = a.answer, item, imp.id, a.row
                counts["updated"] += 1
            session.flush()
        return FillSummary(imp.id, counts["inserted"], counts["updated"], counts["unchanged"],
                           tuple(answers.studies()))

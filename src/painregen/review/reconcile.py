"""Extraction versions in the registry, their comparison, reconciliation and the link to the evidence registry.

- :func:`add_extraction`: a reviewer's version of an included publication (a Study read from their template
  file); each save is a new version, the latest counts.
- :func:`comparison`: the latest versions compared cell by cell (:mod:`painregen.review.extraction`); a reviewer
  sees the other versions only once every extractor has submitted (blinding, as in screening).
- :func:`agree`: the agreed value of one discrepant cell, with who decided and when.
- :func:`finalise`: the reconciled study enters the evidence registry (same transaction) and the publication is
  linked to it (``extraction_status`` ``reconciled``). With one version only, ``allow_single`` lets it enter as
  ``single``: the report labels such studies. Analyses read the evidence registry, so by default only reconciled
  data reach them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from painregen.evidence import models as m
from painregen.review.extraction import REL_TOL, Comparison, compare, kind_of, reconciled_study
from painregen.review.schema import ExtractionVersionRow, PublicationRow, ReconciliationRow
from painregen.review.screening import FULL_TEXT, INCLUDE, ScreeningError, outcome, outcomes

DATA = "data"
RECONCILED, SINGLE = "reconciled", "single"
REQUIRED_EXTRACTORS = 2


def _now() -> datetime:
    return datetime.now(UTC)


def included(session: Session) -> list[int]:
    """Publications included at full text (ready for extraction)."""
    return [i for i, o in outcomes(session, FULL_TEXT).items() if o.final == INCLUDE]


def add_extraction(session: Session, publication_id: int, reviewer: str, study: m.Study, *,
                   source: str | None = None) -> ExtractionVersionRow:
    reviewer = (reviewer or "").strip()
    if not reviewer:
        raise ScreeningError("an extraction needs the reviewer's name (--reviewer NAME)")
    ft = outcome(session, FULL_TEXT, publication_id)  # this publication's only (included() screens them all)
    if ft is None or ft.final != INCLUDE:
        raise ScreeningError(f"publication {publication_id} is not included at full text: nothing to extract")
    pub = session.get(PublicationRow, publication_id)
    if pub is not None and pub.study_pk is not None:
        raise ScreeningError(f"publication {publication_id} is already reconciled (evidence study {pub.study_pk})")
    n = session.scalar(select(func.count(ExtractionVersionRow.id)).where(
        ExtractionVersionRow.publication_id == publication_id, ExtractionVersionRow.reviewer == reviewer,
        ExtractionVersionRow.kind == DATA)) or 0
    row = ExtractionVersionRow(publication_id=publication_id, kind=DATA, reviewer=reviewer, version=int(n) + 1,
                               payload=study.model_dump(mode="json"), source=source, created_at=_now())
    session.add(row)
    session.flush()
    return row


def latest_versions(session: Session, publication_id: int) -> dict[str, m.Study]:
    rows = session.scalars(select(ExtractionVersionRow).where(
        ExtractionVersionRow.publication_id == publication_id, ExtractionVersionRow.kind == DATA)
        .order_by(ExtractionVersionRow.reviewer, ExtractionVersionRow.version))
    latest: dict[str, ExtractionVersionRow] = {}
    for r in rows:
        latest[r.reviewer] = r
    return {rev: m.Study.model_validate(r.payload) for rev, r in sorted(latest.items())}


def agreed_values(session: Session, publication_id: int) -> dict[str, Any]:
    """path -> agreed value (the latest reconciliation of each cell)."""
    out: dict[str, Any] = {}
    for r in session.scalars(select(ReconciliationRow).where(ReconciliationRow.publication_id == publication_id)
                             .order_by(ReconciliationRow.decided_at, ReconciliationRow.id)):
        if r.kind != "screening":
            out[r.field] = r.agreed_value
    return out


def comparison(session: Session, publication_id: int, *, viewer: str | None = None,
               rel_tol: float = REL_TOL) -> Comparison | None:
    """The comparison of the latest versions, or None while fewer than two extractors have submitted.

    ``viewer``: a reviewer who has not submitted a version yet is refused (they would see the others' data)."""
    versions = latest_versions(session, publication_id)
    if viewer is not None and viewer not in versions and len(versions) < REQUIRED_EXTRACTORS:
        raise ScreeningError(f"{viewer} has not submitted an extraction of publication {publication_id}: the other "
                             "versions stay hidden until every extractor has")
    if len(versions) < REQUIRED_EXTRACTORS:
        return None
    return compare(versions, rel_tol=rel_tol)


def agree(session: Session, publication_id: int, path: str, value: Any, decided_by: str, *,
          note: str | None = None, rel_tol: float = REL_TOL) -> ReconciliationRow:
    """Record the agreed value of the discrepant cell ``path``."""
    return agree_cells(session, publication_id, {path: value}, decided_by, note=note, rel_tol=rel_tol)[0]


def agree_cells(session: Session, publication_id: int, values: Mapping[str, Any], decided_by: str, *,
                note: str | None = None, rel_tol: float = REL_TOL) -> list[ReconciliationRow]:
    """Record the agreed values of several discrepant cells (``path -> value``) against one comparison of the
    latest versions; none is recorded when one path is not a discrepancy."""
    decided_by = (decided_by or "").strip()
    if not decided_by:
        raise ScreeningError("a reconciliation needs the name of who decided (--reviewer NAME)")
    comp = comparison(session, publication_id, rel_tol=rel_tol)
    if comp is None:
        raise ScreeningError(f"publication {publication_id} has fewer than {REQUIRED_EXTRACTORS} extractions")
    disc = {d.path: d for d in comp.discrepancies}
    for path in values:
        if path not in disc:
            raise ScreeningError(f"{path!r} is not a discrepancy of publication {publication_id} "
                                 f"(see `painregen reconcile show {publication_id}`)")
    when = _now()
    rows = [ReconciliationRow(publication_id=publication_id, kind=kind_of(path), field=path,
                              reviewer_values=disc[path].values, agreed_value=value, decided_by=decided_by,
                              decided_at=when, note=note) for path, value in values.items()]
    session.add_all(rows)
    session.flush()
    return rows


def parse_value(text: str, like: Any) -> Any:
    """A value typed on the command line, read as the type of ``like`` (a reviewer's value of the cell)."""
    t = text.strip()
    if t.lower() in ("", "none", "null", "na"):
        return None
    if isinstance(like, bool):
        return t.lower() in ("true", "yes", "1")
    if isinstance(like, int):
        return int(t)
    if isinstance(like, float):
        return float(t)
    return t


def finalise(session: Session, publication_id: int, decided_by: str, *, allow_single: bool = False,
             link_existing: bool = False, rel_tol: float = REL_TOL,
             stored: Mapping[int, m.Study] | None = None) -> PublicationRow:
    """Import the reconciled (or, with ``allow_single``, the only) version into the evidence registry and link it.

    ``link_existing``: when the registry already holds the study (same key or DOI) and its content equals the
    reconciled version cell by cell, link the publication to it instead of importing a copy (a differing study
    is an error). ``stored``: the registry's studies by id where the caller exported them already (finalising
    many publications: :func:`stored_studies`); a study not in it is read from the registry."""
    from painregen.registry import store

    pub = session.get(PublicationRow, publication_id)
    if pub is None:
        raise ScreeningError(f"no publication {publication_id}")
    if pub.study_pk is not None:
        raise ScreeningError(f"publication {publication_id} is already linked to evidence study {pub.study_pk}")
    versions = latest_versions(session, publication_id)
    if not versions:
        raise ScreeningError(f"publication {publication_id} has no extraction")
    if len(versions) < REQUIRED_EXTRACTORS:
        if not allow_single:
            raise ScreeningError(f"publication {publication_id} has one extraction ({', '.join(versions)}): a second "
                                 "extractor is needed, or --allow-single to enter single-extractor data (labelled "
                                 "as such in the report)")
        study, status = next(iter(versions.values())), SINGLE
    else:
        comp = compare(versions, rel_tol=rel_tol)
        try:
            study = reconciled_study(next(iter(versions.values())), comp, agreed_values(session, publication_id))
        except ValueError as exc:
            raise ScreeningError(f"publication {publication_id}: {exc} (painregen reconcile agree)") from None
        status = RECONCILED
    existing = _existing(session, study) if link_existing else None
    if existing is not None:
        in_registry = stored.get(existing) if stored is not None else None
        if in_registry is None:
            in_registry = stored_studies(session, [existing])[existing]
        diff = compare({"registry": in_registry, "reconciled": study}, rel_tol=rel_tol).discrepancies
        if diff:
            raise ScreeningError(f"publication {publication_id}: evidence study {existing} differs from the "
                                 f"reconciled extraction in {len(diff)} cells (first: {diff[0].path})")
        pub.study_pk = existing
        pub.linked_by, pub.linked_at, pub.extraction_status = decided_by, _now(), status
        session.flush()
        return pub
    payload = json.dumps(study.model_dump(mode="json"), sort_keys=True).encode()
    summary = store.import_dataset(session, m.Dataset(studies=[study], simulated=study.simulated),
                                   source=f"review publication {publication_id} ({status})",
                                   sha256=hashlib.sha256(payload).hexdigest(), fmt="review")
    pub.study_pk = summary.study_ids[0]
    pub.linked_by, pub.linked_at, pub.extraction_status = decided_by, _now(), status
    session.flush()
    return pub


def stored_studies(session: Session, study_ids: list[int] | None = None) -> dict[int, m.Study]:
    """The registry's studies (all, or ``study_ids``) by id, read in one batch."""
    from painregen.registry.export import study_from_row, study_rows

    return {r.id: study_from_row(r) for r in study_rows(session, study_ids)}


def _existing(session: Session, study: m.Study) -> int | None:
    from painregen.registry.schema import StudyRow

    q = select(StudyRow.id).where(StudyRow.study_id == study.study_id)
    if study.doi:
        q = select(StudyRow.id).where((StudyRow.study_id == study.study_id) | (StudyRow.doi == study.doi))
    return session.scalar(q.order_by(StudyRow.id))


def status(session: Session) -> list[dict[str, Any]]:
    """Every included publication: extractors, discrepancies left, link."""
    out = []
    for pid in included(session):
        pub = session.get(PublicationRow, pid)
        versions = latest_versions(session, pid)
        comp = compare(versions) if len(versions) >= REQUIRED_EXTRACTORS else None
        agreed = agreed_values(session, pid)
        open_ = [d.path for d in comp.discrepancies if d.path not in agreed] if comp else []
        out.append({"publication": pid, "extractors": list(versions), "discrepancies": len(comp.discrepancies)
                    if comp else None, "open": len(open_), "study_pk": pub.study_pk if pub else None,
                    "extraction_status": pub.extraction_status if pub else None})
    return out


def field_agreement(session: Session) -> list[dict[str, Any]]:
    """Agreement per field and appraisal item over every publication with two or more extractions."""
    tally: dict[str, list[Any]] = {}
    for pid in included(session):
        versions = latest_versions(session, pid)
        if len(versions) < REQUIRED_EXTRACTORS:
            continue
        for row in compare(versions).agreement():
            t = tally.setdefault(row["field"], [row["kind"], 0, 0])
            t[1] += row["cells"]
            t[2] += row["agree"]
    return [{"field": f, "kind": k, "cells": n, "agree": a, "percent": 100.0 * a / n}
            for f, (k, n, a) in sorted(tally.items())]


def single_extractor_studies(session: Session) -> list[Mapping[str, Any]]:
    return [{"publication": p.id, "study_pk": p.study_pk} for p in session.scalars(
        select(PublicationRow).where(PublicationRow.extraction_status == SINGLE).order_by(PublicationRow.id))]

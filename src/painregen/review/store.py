"""Search records and duplicate decisions in the registry (tables of :mod:`painregen.review.schema`).

Every function takes an open SQLAlchemy session and leaves committing to the caller, so that a command is
one transaction (all or nothing)::

    from painregen.registry import open_registry
    from painregen.review import store
    from painregen.review.intake import read_search_file

    with open_registry("review.db") as reg, reg.session() as s, s.begin():
        result = store.import_search(s, [read_search_file("pubmed.nbib")], source_name="PubMed")
    with reg.session() as s:
        for item in store.duplicate_queue(s):        # uncertain pairs, most similar first
            ...
    with reg.session() as s, s.begin():
        store.merge_records(s, a_id, b_id, reviewer="ana")      # or store.mark_distinct(...)

Invariants: every literature record points to exactly one publication that is not merged into another; merging
re-points the records (each keeps its own search import: merged records keep every source) and marks the
emptied publication ``merged_into_id``; a pair a reviewer marked distinct is never merged automatically, and one
a reviewer merged is never split automatically.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from painregen import __version__
from painregen.io.problems import InvalidDataError
from painregen.review.dedup import AUTO, QUEUED, find_duplicates
from painregen.review.dedup.normalise import doi_key, title_key
from painregen.review.intake import SearchFile
from painregen.review.records import Record, RecordProblem, split_list
from painregen.review.schema import (
    PAIR_AUTO,
    PAIR_DISTINCT,
    PAIR_MERGED,
    PAIR_QUEUED,
    DuplicatePairRow,
    LiteratureRecordRow,
    PublicationRow,
    SearchImportRow,
)

SEP = "; "


class ReviewStoreError(ValueError):
    """A request the stored review refuses (unknown record, a decision that contradicts another)."""


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class DedupSummary:
    """What a duplicate-detection run changed: pairs newly merged automatically, pairs newly queued for a
    reviewer, and publications merged into others."""

    auto_pairs: int = 0
    queued_pairs: int = 0
    publications_merged: int = 0


@dataclass
class ImportResult:
    """One ``import_search`` call: the search imports created (id, file, format, records) and the duplicate
    detection that followed."""

    imports: list[dict[str, object]] = field(default_factory=list)
    dedup: DedupSummary | None = None

    @property
    def n_records(self) -> int:
        return sum(int(str(i["records"])) for i in self.imports)


def _row(record: Record, import_id: int, publication_id: int) -> LiteratureRecordRow:
    return LiteratureRecordRow(
        search_import_id=import_id, record_number=record.record_number, source_key=record.source_key,
        publication_id=publication_id, entry_type=(record.entry_type or None) and record.entry_type[:32],
        title=record.title, authors=SEP.join(record.authors) or None, year=record.year, journal=record.journal,
        volume=record.volume, issue=record.issue, pages=record.pages, doi=record.doi,
        pmid=(record.pmid or None) and record.pmid[:32], abstract=record.abstract,
        keywords=SEP.join(record.keywords) or None, isbn=record.isbn, url=record.url,
        doi_key=doi_key(record.doi) or None, title_key=title_key(record.title) or None, raw=record.raw,
    )


def record_of(row: LiteratureRecordRow) -> Record:
    """The :class:`Record` a stored row was made from (for duplicate detection, exports and the web views)."""
    return Record(
        record_number=row.record_number, title=row.title, authors=split_list(row.authors, ";"), year=row.year,
        journal=row.journal, volume=row.volume, issue=row.issue, pages=row.pages, doi=row.doi, pmid=row.pmid,
        abstract=row.abstract, keywords=split_list(row.keywords, ";"), entry_type=row.entry_type, isbn=row.isbn,
        url=row.url, source_key=row.source_key, raw=dict(row.raw or {}),
    )


def import_search(session: Session, files: Sequence[SearchFile], *, source_name: str, search_date: date | None = None,
                  imported_by: str | None = None, note: str | None = None, dedup: bool = True) -> ImportResult:
    """Store the records of ``files`` (searches of ``source_name``, run on ``search_date``), each as its own
    publication, then (with ``dedup``) detect duplicates across everything stored (:func:`detect_duplicates`).

    A file whose bytes were imported before, or that is given twice, is refused (InvalidDataError; nothing is
    written when the caller rolls back, which the session's ``begin()`` block does).
    """
    if not source_name.strip():
        raise ReviewStoreError("a search import needs the name of the database searched (--source)")
    problems: list[RecordProblem] = []
    seen: dict[str, str] = {}
    for f in files:
        before = session.scalar(select(SearchImportRow).where(SearchImportRow.sha256 == f.sha256))
        if before is not None:
            problems.append(RecordProblem(
                str(f.path), None, None,
                f"this file was imported before (search import {before.id}, {before.file_name}, "
                f"{before.source_name})", "import each search export once"))
        elif f.sha256 in seen:
            problems.append(RecordProblem(str(f.path), None, None, f"the same file as {seen[f.sha256]}",
                                          "give each file once"))
        seen.setdefault(f.sha256, str(f.path))
    if problems:
        raise InvalidDataError(problems)
    result = ImportResult()
    moment = now()
    for f in files:
        imp = SearchImportRow(source_name=source_name.strip(), file_name=f.path.name, sha256=f.sha256,
                              format=f.format, search_date=search_date, imported_at=moment, imported_by=imported_by,
                              painregen_version=__version__, n_records=len(f.records), note=note)
        session.add(imp)
        pubs = [PublicationRow(created_at=moment) for _ in f.records]
        session.add_all(pubs)
        session.flush()
        session.add_all(_row(r, imp.id, p.id) for r, p in zip(f.records, pubs, strict=True))
        session.flush()
        result.imports.append({"id": imp.id, "file": str(f.path), "format": f.format, "records": len(f.records)})
    if dedup:
        result.dedup = detect_duplicates(session)
    return result


def _pair_key(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _merge_publications(session: Session, keep: PublicationRow, gone: PublicationRow) -> None:
    for rec in list(gone.records):
        rec.publication_id = keep.id
    gone.merged_into_id = keep.id
    for older in session.scalars(select(PublicationRow).where(PublicationRow.merged_into_id == gone.id)):
        older.merged_into_id = keep.id
    if keep.study_pk is None and gone.study_pk is not None:
        keep.study_pk, keep.linked_by, keep.linked_at = gone.study_pk, gone.linked_by, gone.linked_at
    session.flush()
    session.expire(keep, ["records"])
    session.expire(gone, ["records"])


def detect_duplicates(session: Session) -> DedupSummary:
    """Run :func:`painregen.review.dedup.find_duplicates` over every stored record and apply it: automatic
    pairs join their publications (the oldest publication stays), uncertain pairs are queued. Records already
    in one publication and pairs a reviewer merged stay together; pairs a reviewer marked distinct stay apart."""
    rows = list(session.scalars(select(LiteratureRecordRow).order_by(LiteratureRecordRow.id)))
    index = {r.id: i for i, r in enumerate(rows)}
    decided = {(p.record_a_id, p.record_b_id): p for p in session.scalars(select(DuplicatePairRow))}
    by_pub: dict[int, list[int]] = {}
    for i, r in enumerate(rows):
        by_pub.setdefault(r.publication_id, []).append(i)
    must = [(m[0], x) for m in by_pub.values() for x in m[1:]]
    must += [(index[a], index[b]) for (a, b), p in decided.items() if p.status == PAIR_MERGED]
    never = [(index[a], index[b]) for (a, b), p in decided.items() if p.status == PAIR_DISTINCT]
    found = find_duplicates([record_of(r) for r in rows], must_link=must, cannot_link=never)
    summary = DedupSummary()
    moment = now()
    for pair in found.pairs:
        a, b = rows[pair.i], rows[pair.j]
        key = _pair_key(a.id, b.id)
        status = PAIR_AUTO if pair.status == AUTO else PAIR_QUEUED
        row = decided.get(key)
        if row is not None and row.status in (PAIR_MERGED, PAIR_DISTINCT):
            continue  # a reviewer decided
        if row is not None and row.status == status:
            continue  # found before
        if row is None:
            row = DuplicatePairRow(record_a_id=key[0], record_b_id=key[1], method="similarity", status=status,
                                   decided_at=moment)
            session.add(row)
            decided[key] = row
        if pair.similarity.doi or pair.similarity.pmid:
            row.method = "doi" if pair.similarity.doi else "pmid"
        row.status, row.score, row.decided_at = status, pair.score, moment
        row.details = {"reason": pair.reason, **pair.similarity.to_dict()}
        summary.auto_pairs += pair.status == AUTO
        summary.queued_pairs += pair.status == QUEUED
    pubs = {p.id: p for p in session.scalars(select(PublicationRow))}
    for group in found.groups:
        ids = sorted({rows[i].publication_id for i in group})
        for other in ids[1:]:
            _merge_publications(session, pubs[ids[0]], pubs[other])
            summary.publications_merged += 1
    session.flush()
    return summary


def _record(session: Session, record_id: int) -> LiteratureRecordRow:
    row = session.get(LiteratureRecordRow, record_id)
    if row is None:
        raise ReviewStoreError(f"no literature record {record_id} (see `painregen search duplicates`)")
    return row


def _pair_row(session: Session, a: int, b: int, method: str) -> DuplicatePairRow:
    key = _pair_key(a, b)
    row = session.scalar(select(DuplicatePairRow).where(DuplicatePairRow.record_a_id == key[0],
                                                         DuplicatePairRow.record_b_id == key[1]))
    if row is None:
        row = DuplicatePairRow(record_a_id=key[0], record_b_id=key[1], method=method, status=PAIR_QUEUED,
                               decided_at=now())
        session.add(row)
    return row


def merge_records(session: Session, record_a: int, record_b: int, *, reviewer: str) -> PublicationRow:
    """A reviewer's decision that two records are one publication: their publications are merged (the older
    stays) and the pair is recorded as ``merged`` with who and when. Returns the publication kept."""
    reviewer = _who(reviewer)
    a, b = _record(session, record_a), _record(session, record_b)
    if a.id == b.id:
        raise ReviewStoreError("give two different records")
    pair = _pair_row(session, a.id, b.id, "reviewer")
    _not_overruled(pair, PAIR_DISTINCT, reviewer)
    pair.status, pair.decided_by, pair.decided_at = PAIR_MERGED, reviewer, now()
    keep, gone = sorted((a.publication, b.publication), key=lambda p: p.id)
    if keep.id != gone.id:
        _merge_publications(session, keep, gone)
    session.flush()
    return keep


def mark_distinct(session: Session, record_a: int, record_b: int, *, reviewer: str) -> list[PublicationRow]:
    """A reviewer's decision that two records are different publications. When they share a publication (an
    automatic merge), its records are regrouped without that pair: the part holding the oldest record keeps the
    publication, every other part gets a new one (automatic pairs that joined it are queued again). Returns
    the publications of the two records."""
    reviewer = _who(reviewer)
    a, b = _record(session, record_a), _record(session, record_b)
    if a.id == b.id:
        raise ReviewStoreError("give two different records")
    pairs = {(p.record_a_id, p.record_b_id): p for p in session.scalars(select(DuplicatePairRow))}
    pair = _pair_row(session, a.id, b.id, "reviewer")
    _not_overruled(pair, PAIR_MERGED, reviewer)
    pair.status, pair.decided_by, pair.decided_at = PAIR_DISTINCT, reviewer, now()
    pairs[_pair_key(a.id, b.id)] = pair
    if a.publication_id == b.publication_id:
        _split(session, a.publication, pairs)
    session.flush()
    return [a.publication, b.publication]


def _split(session: Session, pub: PublicationRow, pairs: dict[tuple[int, int], DuplicatePairRow]) -> None:
    rows = sorted(pub.records, key=lambda r: r.id)
    index = {r.id: i for i, r in enumerate(rows)}
    inside = {k: p for k, p in pairs.items() if k[0] in index and k[1] in index}
    must = [(index[a], index[b]) for (a, b), p in inside.items() if p.status == PAIR_MERGED]
    never = [(index[a], index[b]) for (a, b), p in inside.items() if p.status == PAIR_DISTINCT]
    found = find_duplicates([record_of(r) for r in rows], must_link=must, cannot_link=never)
    moment = now()
    for group in found.groups:
        if 0 in group:
            continue
        new = PublicationRow(created_at=moment)
        session.add(new)
        session.flush()
        for i in group:
            rows[i].publication_id = new.id
    group_of = found.group_of()
    for (a, b), p in inside.items():
        if p.status == PAIR_AUTO and group_of[index[a]] != group_of[index[b]]:
            p.status, p.decided_at = PAIR_QUEUED, moment
    session.flush()
    session.expire(pub, ["records"])


def _not_overruled(pair: DuplicatePairRow, status: str, reviewer: str) -> None:
    """A reviewer may change their own decision on a pair, not silently overrule another reviewer's."""
    if pair.status == status and pair.decided_by and pair.decided_by != reviewer:
        word = "merged" if status == PAIR_MERGED else "marked distinct"
        raise ReviewStoreError(
            f"records {pair.record_a_id} and {pair.record_b_id} were {word} by {pair.decided_by}; only they can "
            "change that decision (discuss it, then let them record the agreed one)")


def _who(reviewer: str) -> str:
    name = (reviewer or "").strip()
    if not name:
        raise ReviewStoreError("a duplicate decision needs the reviewer's name (--reviewer)")
    return name


@dataclass
class QueueItem:
    """An uncertain pair for a reviewer: both records (rows, with their search imports), score and reason."""

    pair_id: int
    score: float | None
    reason: str
    record_a: LiteratureRecordRow
    record_b: LiteratureRecordRow
    details: dict[str, object]


def duplicate_queue(session: Session, *, include_decided: bool = False) -> list[QueueItem]:
    """Queued pairs whose records are still in different publications, most similar first (with
    ``include_decided``, every stored pair)."""
    q = select(DuplicatePairRow)
    if not include_decided:
        q = q.where(DuplicatePairRow.status == PAIR_QUEUED)
    items = []
    for p in session.scalars(q):
        if not include_decided and p.record_a.publication_id == p.record_b.publication_id:
            continue
        details = dict(p.details or {})
        items.append(QueueItem(p.id, p.score, str(details.get("reason", p.status)), p.record_a, p.record_b,
                               details))
    return sorted(items, key=lambda it: (-(it.score or 0.0), it.pair_id))


def publication_records(session: Session, publication_id: int) -> list[LiteratureRecordRow]:
    """The records (every source) of a publication, oldest first."""
    return list(session.scalars(select(LiteratureRecordRow).where(LiteratureRecordRow.publication_id ==
                                                                  publication_id).order_by(LiteratureRecordRow.id)))


def search_imports(session: Session) -> list[SearchImportRow]:
    return list(session.scalars(select(SearchImportRow).order_by(SearchImportRow.id)))

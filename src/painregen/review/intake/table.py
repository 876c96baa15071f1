"""Bibliographic CSV/TSV: Zotero's CSV export, SyRF's bibliographic export, the labelled sets' ``records.csv``
and any other table whose columns are named as below or mapped with ``columns`` (field -> header)."""

from __future__ import annotations

import csv
import io
import re

from painregen.review.intake.bibtex import split_bibtex_authors
from painregen.review.records import (
    Record,
    RecordProblem,
    clean,
    first,
    parse_doi,
    parse_year,
    pmid_from_url,
    split_list,
)

#: field -> accepted headers, compared case-insensitively without spaces or punctuation, best first
HEADERS: dict[str, tuple[str, ...]] = {
    "source_key": ("recordid", "key", "studyid", "id", "customid", "accessionnumber"),
    "entry_type": ("entrytype", "itemtype", "referencetype", "publicationtype", "documenttype", "type"),
    "title": ("title", "articletitle", "documenttitle", "primarytitle"),
    "authors": ("author", "authors", "authorfullnames"),
    "year": ("year", "publicationyear", "py", "date"),
    "journal": ("journal", "publicationtitle", "publicationname", "sourcetitle", "source", "journaltitle",
                "secondarytitle", "booktitle"),
    "volume": ("volume", "vl"),
    "issue": ("issue", "number", "is"),
    "pages": ("pages", "page", "pagestart"),
    "doi": ("doi",),
    "pmid": ("pmid", "pubmedid"),
    "abstract": ("abstract", "abstractnote", "ab"),
    "keywords": ("keywords", "manualtags", "authorkeywords"),
    "isbn": ("isbn", "issn"),
    "url": ("url", "link"),
}
FIELDS = tuple(HEADERS)

_FOLD = re.compile(r"[\W_]+")


def _fold(header: str) -> str:
    return _FOLD.sub("", header).lower()


def split_authors(value: str | None) -> list[str]:
    """Author lists as tables write them: BibTeX style (``A, B and C, D``) or separated by ``;``."""
    if not value:
        return []
    if re.search(r"\s+and\s+", value, re.IGNORECASE):
        return split_bibtex_authors(value)
    return split_list(value, ";")


def resolve_columns(header: list[str], columns: dict[str, str] | None, file: str) -> tuple[dict[str, str],
                                                                                            list[RecordProblem]]:
    """field -> header of this file: ``columns`` first, then the accepted names of :data:`HEADERS`."""
    problems: list[RecordProblem] = []
    mapping: dict[str, str] = {}
    folded = {_fold(h): h for h in reversed(header)}  # the first of equal folded headers wins
    for fld, col in (columns or {}).items():
        if fld not in HEADERS:
            problems.append(RecordProblem(file, None, None, f"unknown field {fld!r} in the column mapping",
                                          f"map one of {', '.join(FIELDS)}"))
        elif col not in header:
            problems.append(RecordProblem(file, None, None, f"no column {col!r} (mapped to {fld})",
                                          f"the columns are: {', '.join(header)}"))
        else:
            mapping[fld] = col
    for fld, names in HEADERS.items():
        if fld not in mapping and (hit := next((folded[n] for n in names if n in folded), None)):
            mapping[fld] = hit
    if "title" not in mapping and not problems:
        problems.append(RecordProblem(file, None, None, "no title column",
                                      "name it Title or map it (e.g. --column title=\"Article Title\")"))
    return mapping, problems


def read_table(text: str, file: str, columns: dict[str, str] | None = None) -> tuple[list[Record], list[RecordProblem]]:
    """One record per data row; ``raw`` keeps every cell by its header."""
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)  # the header's most frequent separator
    reader = csv.reader(io.StringIO(text), csv.excel, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return [], [RecordProblem(file, None, None, "the file is empty", "export the search results again")]
    header = [h.strip() for h in header]
    mapping, problems = resolve_columns(header, columns, file)
    if problems:
        return [], problems
    records: list[Record] = []
    number = 0
    for row in reader:
        if not any(c.strip() for c in row):
            continue
        number += 1
        if len(row) > len(header):
            problems.append(RecordProblem(
                file, number, None, f"line {reader.line_num}: {len(row)} cells but {len(header)} columns",
                "quote cells that contain the delimiter"))
            continue
        raw = {h: [c] for h, c in zip(header, row, strict=False) if c.strip()}
        records.append(_record(number, raw, mapping))
    return records, problems


def _record(number: int, raw: dict[str, list[str]], mapping: dict[str, str]) -> Record:
    def g(fld: str) -> str | None:
        col = mapping.get(fld)
        return clean(raw[col][0]) if col and col in raw else None

    return Record(
        record_number=number,
        entry_type=g("entry_type"),
        title=g("title"),
        authors=split_authors(g("authors")),
        year=parse_year(g("year")),
        journal=g("journal"),
        volume=g("volume"),
        issue=g("issue"),
        pages=g("pages"),
        doi=parse_doi(g("doi")),
        pmid=first(g("pmid")) or pmid_from_url(g("url")),
        abstract=g("abstract"),
        keywords=split_list(g("keywords"), ";"),
        isbn=g("isbn"),
        url=g("url"),
        source_key=g("source_key"),
        raw=raw,
    )


def record_from_dict(values: dict[str, str], number: int = 1) -> Record:
    """A record from one mapping of field names to values (a table row, or a BibTeX-style dict such as
    bib-dedupe's test cases: ``ID``, ``ENTRYTYPE``, ``author``, ``title``, ``journal``, ...); names are matched
    as table headers are (:data:`HEADERS`)."""
    raw = {k: [str(v)] for k, v in values.items() if v is not None and str(v).strip()}
    mapping, _ = resolve_columns(list(raw), None, "<record>")
    return _record(number, raw, mapping)

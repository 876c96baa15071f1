"""Intake of search results: read a search export in any of the usual formats into :class:`Record` objects.

    >>> from painregen.review.intake import read_records, read_search_file
    >>> records = read_records("pubmed.nbib")              # format detected from the content
    >>> search = read_search_file("scopus.csv", columns={"title": "Article Title"})
    >>> search.format, search.sha256, len(search.records)

Formats (``fmt``): ``ris`` (incl. Ovid's numbered RIS), ``bibtex``, ``nbib`` (PubMed/MEDLINE), ``pubmed_xml``,
``endnote_xml``, ``wos`` (Web of Science tagged ``.ciw``/``.txt``) and ``csv`` (Zotero, SyRF bibliographic
export, generic with a column mapping). Text is decoded from UTF-8 (with or without a byte-order mark),
UTF-16 with a byte-order mark, Windows-1252 or Latin-1; CRLF and CR line ends are accepted. Problems are
collected for the whole file and raised together as :class:`~painregen.io.problems.InvalidDataError` whose
problems print as ``file:record N: message (fix: ...)``; nothing is returned for a file with problems.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from painregen.io.problems import InvalidDataError
from painregen.review.intake.text import decode
from painregen.review.records import Record, RecordProblem

FORMATS = ("ris", "bibtex", "nbib", "pubmed_xml", "endnote_xml", "wos", "csv")
#: short names accepted for ``fmt`` (the CLI's ``--format``)
ALIASES = {"bib": "bibtex", "medline": "nbib", "pubmed": "nbib", "ciw": "wos", "tsv": "csv"}

_SUFFIX = {".ris": "ris", ".bib": "bibtex", ".nbib": "nbib", ".ciw": "wos", ".csv": "csv", ".tsv": "csv"}


@dataclass
class SearchFile:
    """A search export as read: its path, detected format, encoding, SHA-256 of its bytes, its records and
    warnings about records that were read but lack what screening needs (see :func:`check_records`)."""

    path: Path
    format: str
    encoding: str
    sha256: str
    records: list[Record]
    warnings: list[RecordProblem]


def detect_format(text: str, suffix: str = "") -> str | None:
    """The format of a decoded file from its first lines (the file name's suffix only breaks ties)."""
    head = text.lstrip()[:20000]
    if head.startswith("<"):
        if re.search(r"<PubmedArticleSet|<PubmedArticle[ >]|<PubmedBookArticle", head):
            return "pubmed_xml"
        if re.search(r"<records>|<record>", head):
            return "endnote_xml"
        return None
    lines = [ln for ln in head.split("\n")[:200] if ln.strip()]
    if any(re.match(r"^\s*@[A-Za-z]+\s*[{(]", ln) for ln in lines[:50]):
        return "bibtex"
    if lines and re.match(r"^PMID- ?\d", lines[0]):
        return "nbib"
    if lines and (re.match(r"^FN ", lines[0]) or re.match(r"^PT [A-Z]$", lines[0])):
        return "wos"
    if any(re.match(r"^TY  -", ln) for ln in lines[:40]):
        return "ris"
    if lines and re.search(r"[,;\t]", lines[0]) and re.search(r"(?i)title", lines[0]):
        return "csv"
    return _SUFFIX.get(suffix.lower())


def parse_search_text(data: bytes, file: str, fmt: str | None = None,
                      columns: dict[str, str] | None = None) -> tuple[str, str, list[Record], list[RecordProblem]]:
    """``(format, encoding, records, problems)`` for the bytes of a file named ``file``."""
    from painregen.review.intake import bibtex, table, tagged, xml

    text, encoding = decode(data)
    fmt = ALIASES.get(fmt, fmt) if fmt else None
    if fmt is not None and fmt not in FORMATS and fmt != "xml":
        return "", encoding, [], [RecordProblem(file, None, None, f"unknown format {fmt!r}",
                                                f"use one of {', '.join(FORMATS)}")]
    if fmt is None or fmt == "xml":  # xml: PubMed or EndNote, told apart by the content
        detected = detect_format(text, Path(file).suffix)
        if detected is None or (fmt == "xml" and not detected.endswith("_xml")):
            return "", encoding, [], [RecordProblem(
                file, None, None, "cannot tell the format of this file",
                f"give it with --format ({', '.join(FORMATS)})")]
        fmt = detected
    if fmt == "pubmed_xml":
        records, problems = xml.read_pubmed_xml(data, file)
    elif fmt == "endnote_xml":
        records, problems = xml.read_endnote_xml(data, file)
    elif fmt == "bibtex":
        records, problems = bibtex.read_bibtex(text, file)
    elif fmt == "csv":
        records, problems = table.read_table(text, file, columns)
    else:
        reader = {"ris": tagged.read_ris, "nbib": tagged.read_medline, "wos": tagged.read_wos}[fmt]
        records, problems = reader(text, file)
    return fmt, encoding, records, problems


def check_records(records: list[Record], file: str) -> list[RecordProblem]:
    """Warnings (not errors: real exports contain such records, and they are kept) for records without a title,
    which screening cannot judge and duplicate detection can match only through DOI, PMID or the other fields."""
    return [
        RecordProblem(file, r.record_number, None, "no title" + ("" if r.doi or r.pmid or r.authors else
                                                                 ", DOI, PMID or authors"),
                      "complete the record in the reference manager if it is a real reference")
        for r in records
        if not r.title
    ]


def read_search_file(path: str | Path, fmt: str | None = None, columns: dict[str, str] | None = None) -> SearchFile:
    """Read one search export (all or nothing: :class:`InvalidDataError` lists every problem)."""
    path = Path(path)
    data = path.read_bytes()
    fmt, encoding, records, problems = parse_search_text(data, str(path), fmt, columns)
    if problems:
        raise InvalidDataError(problems)
    return SearchFile(path, fmt, encoding, hashlib.sha256(data).hexdigest(), records, check_records(records, str(path)))


def read_records(path: str | Path, fmt: str | None = None, columns: dict[str, str] | None = None) -> list[Record]:
    """The records of one search export (see :func:`read_search_file`)."""
    return read_search_file(path, fmt, columns).records


__all__ = ["FORMATS", "Record", "RecordProblem", "SearchFile", "check_records", "detect_format", "read_records",
           "read_search_file"]

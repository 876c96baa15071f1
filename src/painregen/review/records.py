"""The bibliographic record every reader returns, and the problems a reader reports.

A :class:`Record` holds the normalised fields that deduplication and screening use (title, authors, year,
journal, volume, issue, pages, doi, pmid, abstract, keywords, ...) next to ``raw``: every field of the source
record as read (tag or column -> list of values), so nothing of the file is lost. ``record_number`` is the
1-based position of the record in its file and ``source_key`` its key there (RIS ``ID``, BibTeX key, CSV
``record_id``/``Key``/``StudyId``, PubMed PMID, Web of Science ``UT``, EndNote ``rec-number``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from painregen.io.problems import Problem

_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")
_DOI = re.compile(r"10\.\d{4,9}/\S+", re.IGNORECASE)
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_PMID_URL = re.compile(r"(?:ncbi\.nlm\.nih\.gov/pubmed/|pubmed\.ncbi\.nlm\.nih\.gov/)(\d{1,9})")


@dataclass
class Record:
    """One bibliographic record read from a search file (see the module docstring)."""

    record_number: int
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    journal: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    doi: str | None = None
    pmid: str | None = None
    abstract: str | None = None
    keywords: list[str] = field(default_factory=list)
    entry_type: str | None = None
    isbn: str | None = None
    url: str | None = None
    source_key: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    def label(self) -> str:
        """Short human label: ``First author (year) title``."""
        who = self.authors[0].split(",")[0] if self.authors else "?"
        year = self.year if self.year is not None else "n.d."
        return f"{who} ({year}) {self.title or '(no title)'}"


@dataclass(frozen=True)
class RecordProblem(Problem):
    """A problem with record ``row`` of a search file, printed as ``file:record N: message (fix: ...)``
    (``file: message`` when it concerns the whole file)."""

    def __str__(self) -> str:
        where = f"{self.file}:record {self.row}" if self.row is not None else self.file
        text = f"{where}: {self.message}"
        if self.fix:
            text += f" (fix: {self.fix})"
        return text


def clean(value: Any) -> str | None:
    """Text with runs of whitespace collapsed; None for empty values."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def first(*values: Any) -> str | None:
    """The first non-empty value (lists contribute their first non-empty item)."""
    for v in values:
        if isinstance(v, list | tuple):
            v = first(*v)
        c = clean(v)
        if c:
            return c
    return None


def parse_year(*values: Any) -> int | None:
    """The first four-digit year (1500-2099) found in ``values`` (``2016/09//``, ``2017 Nov 15``, ...)."""
    for v in values:
        c = first(v)
        if c and (m := _YEAR.search(c)):
            return int(m.group(1))
    return None


def parse_doi(*values: Any) -> str | None:
    """The first DOI found in ``values``: resolver prefixes (``https://doi.org/``, ``doi:``) and trailing
    punctuation removed, case kept (compare with :func:`doi_key`)."""
    for v in values:
        items = v if isinstance(v, list | tuple) else [v]
        for item in items:
            c = clean(item)
            if not c:
                continue
            c = _DOI_PREFIX.sub("", c)
            if m := _DOI.search(c):
                doi = m.group(0).removesuffix("[doi]").rstrip(".,;>")
                while doi[-1:] in ")]}" and doi.count(doi[-1]) > doi.count({")": "(", "]": "[", "}": "{"}[doi[-1]]):
                    doi = doi[:-1]  # a closing bracket of the surrounding text, not of the DOI
                return doi
    return None


def pmid_from_url(*values: Any) -> str | None:
    """A PMID found in a PubMed URL."""
    for v in values:
        items = v if isinstance(v, list | tuple) else [v]
        for item in items:
            if item and (m := _PMID_URL.search(str(item))):
                return m.group(1)
    return None


def join_pages(start: str | None, end: str | None) -> str | None:
    """``start-end`` from separate first/last page fields (``start`` alone when it already is a range)."""
    if start and end and "-" not in start:
        return f"{start}-{end}"
    return start or end


def split_list(value: str | None, seps: str = ";") -> list[str]:
    """Split a delimited list on any of ``seps``, dropping empty items."""
    if not value:
        return []
    parts = re.split("|".join(re.escape(s) for s in seps), value)
    return [c for p in parts if (c := clean(p))]

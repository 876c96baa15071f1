"""Normalised keys of a bibliographic record for duplicate detection.

Bibliographic databases write the same publication differently: accents and HTML entities, titles with notes and
citations (:mod:`.titles`), authors as ``Zuna, R E`` or ``R. E. Zuna`` or ``Zuna RE``, journals in full or abbreviated
(``Nat Rev Nephrol`` for ``Nature Reviews Nephrology``), page ranges as ``943-5`` or ``943-945``, DOIs with
or without a resolver. :func:`keys_of` reduces a :class:`~painregen.review.records.Record` to comparable keys;
the rules follow the preparation steps described for ASySD (Hair et al. 2023, BMC Biology 21:189) and
bib-dedupe (Wagner et al., CoLRev), written here from their descriptions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from painregen.review.dedup.titles import (
    NOTICE_WORDS,
    fold,
    notice_words,
    parse_title,
    strip_annotations,
    title_key,
    title_numbers,
    title_parts,
)
from painregen.review.records import Record

_DIGITS = re.compile(r"\d+")
_JOURNAL_BRACKETS = re.compile(r"\[[^\]]*\]|\([^)]*\)")
_JOURNAL_STOP = frozenset(["the", "of", "and", "for", "in", "on", "de", "la", "le", "du", "des", "der", "und", "fur"])
_INITIALS = re.compile(r"^[A-Z]{1,3}$")


def split_name(name: str) -> tuple[str, str]:
    """(surname, initials) of one author, folded: ``Zuna, R E``, ``Shepherd, Amy B.``, ``R. E. Zuna`` and
    ``Zuna RE`` (MEDLINE) all give ``("zuna", "re")``; a name without a given name gives ``(name, "")``."""
    name = " ".join(name.replace(".", ". ").split())
    if "," in name:
        surname, given = name.split(",", 1)
    else:
        parts = name.split()
        if len(parts) >= 2 and _INITIALS.match(parts[-1]):  # MEDLINE: "Bavougian CM"
            surname, given = " ".join(parts[:-1]), parts[-1]
            given = " ".join(given)
        elif len(parts) >= 2:  # "R. E. Zuna", "Amy Shepherd"
            surname, given = parts[-1], " ".join(parts[:-1])
        else:
            surname, given = name, ""
    initials = "".join(w[0] for w in fold(given).split())
    return fold(surname).replace(" ", ""), initials


def journal_tokens(journal: str | None) -> tuple[str, ...]:
    """Significant words of a journal name: bracketed parts (``[Electronic Resource]``, ``(London)``) and
    stop words dropped."""
    if not journal:
        return ()
    return tuple(w for w in fold(_JOURNAL_BRACKETS.sub(" ", journal)).split() if w not in _JOURNAL_STOP)


def journal_names(journal: str | None) -> tuple[tuple[str, ...], ...]:
    """:func:`journal_tokens` of the whole name and, when MEDLINE gives a subtitle after `` : `` (``Medical
    science monitor : international medical journal of experimental and clinical research``), of the name
    without it."""
    whole = journal_tokens(journal)
    if not journal or " : " not in journal:
        return (whole,) if whole else ()
    return whole, journal_tokens(journal.split(" : ", 1)[0])


def page_range(pages: str | None) -> tuple[str, int | None, int | None]:
    """``(kind, first, last)`` of a page field: ``kind`` is ``e`` for an article number (``e12724``,
    ``a1754``, ``c1804``) and ``p`` for printed pages (``S78-S89`` too); an abbreviated last page is expanded
    (``943-5`` -> 945). A range that ends before it starts (``2297-2108``: a typo in one of its numbers) keeps its
    numbers as written, ``last < first``. ``("", None, None)`` when there is no number."""
    if not pages:
        return "", None, None
    parts = [p for p in re.split(r"\s*[-–—]+\s*", pages.strip()) if p]
    if not parts:
        return "", None, None
    m = re.match(r"^([A-Za-z]*)\s*0*(\d+)", parts[0])
    if not m:
        return "", None, None
    kind = "e" if m.group(1).lower() in ("e", "a", "c", "b", "art") or m.group(1).lower().startswith("e") else "p"
    first = int(m.group(2))
    last = first
    if len(parts) > 1 and (n := re.search(r"\d+", parts[1])):
        end = n.group(0)
        last = int(str(first)[: max(0, len(str(first)) - len(end))] + end) if len(end) < len(str(first)) else int(end)
        if len(end) >= len(str(first)) and last < first:
            return kind, first, last
    return kind, first, max(first, last)


def number_of(value: str | None) -> str:
    """The first number in a volume or issue (``20 Suppl 2`` -> ``20``), without leading zeros."""
    if not value:
        return ""
    m = _DIGITS.search(value)
    return (m.group(0).lstrip("0") or "0") if m else fold(value)


_CONFERENCE = frozenset(["conference", "workshop", "symposium", "congress", "meeting", "proceedings", "proc", "conf"])
_JOURNAL = frozenset(("journal", "j", "revista", "zeitschrift", "review", "reviews"))


def venue_kind(tokens: tuple[str, ...]) -> str:
    """``journal`` or ``conference`` when the venue's name says so unambiguously, else ``""``
    (*Proceedings of the National Academy of Sciences* is neither: it names no journal word and is no
    meeting)."""
    words = set(tokens)
    is_journal, is_meeting = bool(words & _JOURNAL), bool(words & (_CONFERENCE - {"proceedings", "proc"}))
    if is_meeting and not is_journal:
        return "conference"
    if is_journal and not (words & _CONFERENCE):
        return "journal"
    return ""


def doi_key(doi: str | None) -> str:
    """DOIs are case-insensitive (DOI Handbook 2.4): lower-cased, resolver prefix removed."""
    if not doi:
        return ""
    d = doi.strip().lower()
    d = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", d)
    return d.rstrip(".")


@dataclass(frozen=True)
class Keys:
    """Comparable keys of one record."""

    title: str
    title_parts: tuple[str, ...]  # the parts of a title given in two languages ("Utilidad ...; Are ...")
    title_numbers: frozenset[str]
    notices: frozenset[str]
    cited: frozenset[tuple[str, int]]  # (volume, first page) of publications the title refers to
    translated: bool  # the title is a translation (in square brackets, or marked with its language)
    surnames: tuple[str, ...]
    initials: tuple[str, ...]
    name_words: tuple[frozenset[str], ...]  # words (3+ letters) of each author's whole name
    year: int | None
    journal: tuple[str, ...]
    journal_names: tuple[tuple[str, ...], ...]  # the whole name, and without a MEDLINE subtitle
    venue: str
    volume: str
    issue: str
    page: tuple[str, int | None, int | None]
    doi: str
    pmid: str
    entry_type: str


def keys_of(record: Record) -> Keys:
    """The keys of ``record`` (see the module docstring)."""
    title = parse_title(record.title)
    t = title.key
    authors = [a for a in record.authors if a and fold(a) not in ("et al", "anonymous")]
    names = [split_name(a) for a in authors]
    return Keys(
        title=t,
        title_parts=title_parts(record.title),
        title_numbers=title_numbers(t),
        notices=title.notices,
        cited=title.cited,
        translated=title.translated,
        surnames=tuple(s for s, _ in names if s),
        initials=tuple(i for s, i in names if s),
        name_words=tuple(frozenset(w for w in fold(a).split() if len(w) >= 3) for a, (s, _) in zip(authors, names,
                                                                                               strict=True) if s),
        year=record.year,
        journal=journal_tokens(record.journal),
        journal_names=journal_names(record.journal),
        venue=venue_kind(journal_tokens(record.journal)),
        volume=number_of(record.volume),
        issue=number_of(record.issue),
        page=page_range(record.pages),
        doi=doi_key(record.doi),
        pmid=(record.pmid or "").strip(),
        entry_type=fold(record.entry_type),
    )


__all__ = ["NOTICE_WORDS", "Keys", "doi_key", "fold", "journal_names", "journal_tokens", "keys_of", "notice_words",
           "number_of", "page_range", "split_name", "strip_annotations", "title_key", "title_numbers", "title_parts",
           "venue_kind"]

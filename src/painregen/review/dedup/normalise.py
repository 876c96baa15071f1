"""Normalised keys of a bibliographic record for duplicate detection.

Bibliographic databases write the same publication differently: accents and HTML entities, a translated title
in square brackets, authors as ``Zuna, R E`` or ``R. E. Zuna`` or ``Zuna RE``, journals in full or abbreviated
(``Nat Rev Nephrol`` for ``Nature Reviews Nephrology``), page ranges as ``943-5`` or ``943-945``, DOIs with
or without a resolver. :func:`keys_of` reduces a :class:`~painregen.review.records.Record` to comparable keys;
the rules follow the preparation steps described for ASySD (Hair et al. 2023, BMC Biology 21:189) and
bib-dedupe (Wagner et al., CoLRev), written here from their descriptions.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

from painregen.review.records import Record

_TAGS = re.compile(r"<[^>]+>")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_DIGITS = re.compile(r"\d+")
_ROMAN = re.compile(r"\b(?:part|phase|stage|type|grade|study|trial|series)\s+([ivx]{1,4}|\d+|[a-d])\b")
_JOURNAL_BRACKETS = re.compile(r"\[[^\]]*\]|\([^)]*\)")
_JOURNAL_STOP = frozenset(["the", "of", "and", "for", "in", "on", "de", "la", "le", "du", "des", "der", "und", "fur"])
_INITIALS = re.compile(r"^[A-Z]{1,3}$")
_ANNOTATION = re.compile(
    r"\s*(?:\[[^\[\]]*\]"  # [Review] [45 refs] [Article in German]
    r"|\[(?:erratum|comment|retraction|retracted|corrected|update|summary for patients)\b.*"  # to the end
    r"|\((?:provisional abstract|author'?s transl|structured abstract)\))\.?$",
    re.IGNORECASE,
)
_THOUSANDS = re.compile(r"(\d) (?=\d{3}\b)")

#: words marking a record that is about another publication (an erratum of it, a comment on it, ...)
NOTICE_WORDS = ("erratum", "errata", "corrigendum", "correction", "retraction", "retracted", "reply", "response",
                "comment", "commentary", "letter", "editorial", "withdrawn", "expression of concern", "in reply")
_NOTICE = re.compile(r"\b(?:" + "|".join(NOTICE_WORDS) + r")\b")


def fold(text: str | None) -> str:
    """Lower-case ASCII-ish text: HTML entities and tags removed, accents stripped, punctuation to spaces."""
    if not text:
        return ""
    text = _TAGS.sub(" ", html.unescape(text))
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = text.replace("&", " and ").replace("ß", "ss")
    return " ".join(_NON_ALNUM.sub(" ", text).split())


def title_key(title: str | None) -> str:
    """Folded title without database annotations (:func:`strip_annotations`); a title wholly in square
    brackets (a translated title) loses them."""
    if not title:
        return ""
    t = strip_annotations(title)
    if t.startswith("[") and t.endswith("]"):
        t = t[1:-1]
    return fold(t)


def title_parts(title: str | None) -> tuple[str, ...]:
    """Folded parts of a title that gives two languages separated by ``;`` or `` = `` (parts of 30+
    characters only; empty for a title in one part)."""
    if not title or not re.search(r";| = ", title):
        return ()
    parts = [title_key(p) for p in re.split(r"\s*;\s*|\s+=\s+", strip_annotations(title))]
    parts = [p for p in parts if len(p) >= 30]
    return tuple(parts) if len(parts) > 1 else ()


def title_numbers(key: str) -> frozenset[str]:
    """Numbers in a folded title, and the labels after ``part``/``phase``/... (``part ii``): two titles that
    differ in these are different publications (parts of a series, HPV16 and HPV18, 5- and 10-year results)."""
    key = _THOUSANDS.sub(r"\1", key)  # 10 000 = 10000
    nums = {n.lstrip("0") or "0" for n in _DIGITS.findall(key)}
    nums |= {f"#{m}" for m in _ROMAN.findall(key)}
    return frozenset(nums)


def notice_words(key: str) -> frozenset[str]:
    """Notice words (erratum, reply, comment, ...) in a folded title."""
    return frozenset(_NOTICE.findall(key))


def strip_annotations(title: str) -> str:
    """A title without the notes databases append: trailing ``[Review]``, ``[45 refs]``, ``[Article in
    German]`` brackets, ``[Erratum appears in ...]`` (to the end: it may be cut short),
    ``(Provisional abstract)``/``(author's transl)``, and an original-language title after ``<ORIGINAL>``."""
    t = title.strip().strip('"').strip()
    t = re.split(r"\s*<ORIGINAL>", t, maxsplit=1, flags=re.IGNORECASE)[0].rstrip(".").strip()
    while True:
        new = _ANNOTATION.sub("", t).rstrip(". ")
        if new == t or not new:
            return t
        t = new


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


def page_range(pages: str | None) -> tuple[str, int | None, int | None]:
    """``(kind, first, last)`` of a page field: ``kind`` is ``e`` for an article number (``e12724``,
    ``a1754``, ``c1804``) and ``p`` for printed pages (``S78-S89`` too); an abbreviated last page is expanded
    (``943-5`` -> 945). ``("", None, None)`` when there is no number."""
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
    surnames: tuple[str, ...]
    initials: tuple[str, ...]
    name_words: tuple[frozenset[str], ...]  # words (3+ letters) of each author's whole name
    year: int | None
    journal: tuple[str, ...]
    venue: str
    volume: str
    issue: str
    page: tuple[str, int | None, int | None]
    doi: str
    pmid: str
    entry_type: str


def keys_of(record: Record) -> Keys:
    """The keys of ``record`` (see the module docstring)."""
    t = title_key(record.title)
    authors = [a for a in record.authors if a and fold(a) not in ("et al", "anonymous")]
    names = [split_name(a) for a in authors]
    return Keys(
        title=t,
        title_parts=title_parts(record.title),
        title_numbers=title_numbers(t),
        notices=notice_words(t),
        surnames=tuple(s for s, _ in names if s),
        initials=tuple(i for s, i in names if s),
        name_words=tuple(frozenset(w for w in fold(a).split() if len(w) >= 3) for a, (s, _) in zip(authors, names,
                                                                                               strict=True) if s),
        year=record.year,
        journal=journal_tokens(record.journal),
        venue=venue_kind(journal_tokens(record.journal)),
        volume=number_of(record.volume),
        issue=number_of(record.issue),
        page=page_range(record.pages),
        doi=doi_key(record.doi),
        pmid=(record.pmid or "").strip(),
        entry_type=fold(record.entry_type),
    )

"""Title keys for duplicate detection: the title as databases print it, reduced to what identifies the work.

Databases add notes to titles: ``[Review] [45 refs]``, ``[Article in German]``, ``[Erratum appears in N Engl J
Med. 2009 Jun 4;360(23):2487]``, ``(Provisional abstract)``, ``[corrected]`` after a corrected word, a
translated title in square brackets with the original after ``<ORIGINAL>``. Corrections and comments carry a
reference to the publication they are about: Web of Science titles a correction as the original with ``(vol 360,
pg 542, 2009)``, EMBASE as ``Erratum: <title> (New England Journal of Medicine (2009) 360 (542-544))``, often cut
short (``... (The Journal of Pediatrics (M``), and letters may end with the MEDLINE reference of the article they
discuss (``... N Engl J Med. 2009 Jan 29;360(5):544-6``). :func:`parse_title` removes all of these from the key
and keeps what they say: the locations cited (volume, first page), whether the record is a notice about
another publication (erratum, reply, comment, ...), and whether the title is a translation.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

_TAGS = re.compile(r"<[^>]+>")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_DIGITS = re.compile(r"\d+")
_ROMAN = re.compile(r"\b(?:part|phase|stage|type|grade|study|trial|series)\s+([ivx]{1,4}|\d+|[a-d])\b")
_ANNOTATION = re.compile(
    r"\s*(?:\[[^\[\]]*\]"  # [Review] [45 refs] [Article in German]
    r"|\[(?:erratum|comment|retraction|retracted|update|summary for patients)\b.*"  # to the end
    r"|\((?:provisional abstract|author'?s transl|structured abstract)\))\.?$",
    re.IGNORECASE,
)
_CORRECTED = re.compile(r"\s*\[corrected\]", re.IGNORECASE)  # MEDLINE: "cisplatin or carboplatin [corrected],"
_LANGUAGE = re.compile(r"\[(?:article in |in )?(?:english|spanish|french|german|italian|portuguese|russian|chinese|"
                       r"japanese|polish|dutch|czech|hungarian|turkish|danish|swedish|norwegian|finnish|korean|"
                       r"greek|hebrew|romanian|croatian|serbian|slovak|slovenian|bulgarian|persian|arabic)"
                       r"(?:\s*,[^\]]*)?\]|<original>", re.IGNORECASE)
_THOUSANDS = re.compile(r"(\d) (?=\d{3}\b)")
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
#: Web of Science correction: "<title> (vol 360, pg 542, 2009)"
_WOS_CITATION = re.compile(r"\s*\(vol\.?\s*(\w+)\s*,\s*(?:(?:no|iss)\.?\s*\w+\s*,\s*)?pg\.?\s*([a-z]*\d+)[^()]*\)$",
                           re.IGNORECASE)
#: EMBASE erratum: "<title> (Journal Name (2009) 360 (542-544))", "(Journal (January 2, 2007) 104, 1 (240-245))"
_EMBASE_CITATION = re.compile(r"\s+\((?:the\s+)?[A-Z][^()]{2,}\(([^()]*)(?:\)([^()]*)(?:\(([^()]*)\)?)?\)?)?$")
#: MEDLINE reference after a title: "... N Engl J Med. 2009 Jan 29;360(5):544-6"
_MEDLINE_REFERENCE = re.compile(r"(?:\.\.\.|\.)\s*[A-Z][A-Za-z.&' ]{0,80}?\.?\s+(?:19|20)\d\d"  # journal, year
                                r"(?:\s+[A-Z][a-z]{2}(?:\s+\d{1,2})?)?"  # month, day
                                r"\s*;\s*(\w+)\s*(?:\([^()]*\))?\s*:\s*([A-Za-z]?\d+)(?:\s*-\s*\w+)?\.?$")  # vol:pages
#: MEDLINE erratum note on an article: "[Erratum appears in N Engl J Med. 2009 Jun 4;360(23):2487 ...]"
_ERRATUM_NOTE = re.compile(r"\[erratum (?:appears )?in [^;\]]*;\s*(\w+)\s*(?:\([^()]*\))?\s*:\s*([A-Za-z]?\d+)",
                           re.IGNORECASE)
_NOTICE_PREFIX = re.compile(r"^(?:erratum|errata|corrigendum|correction|retraction)(?:\s+(?:to|of|for))?\s*[:.-]\s*",
                            re.IGNORECASE)

#: words marking a record that is about another publication (an erratum of it, a comment on it, ...)
NOTICE_WORDS = ("erratum", "errata", "corrigendum", "correction", "retraction", "retracted", "reply", "response",
                "comment", "commentary", "letter", "editorial", "withdrawn", "expression of concern", "in reply")
_NOTICE = re.compile(r"\b(?:" + "|".join(NOTICE_WORDS) + r")\b")
#: the notice "word" of a correction recognised by its citation of the original (Web of Science, EMBASE forms)
CITES = "cites"


def fold(text: str | None) -> str:
    """Lower-case ASCII-ish text: HTML entities and tags removed, accents stripped, punctuation to spaces."""
    if not text:
        return ""
    text = _TAGS.sub(" ", html.unescape(text))
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = text.replace("&", " and ").replace("ß", "ss")
    return " ".join(_NON_ALNUM.sub(" ", text).split())


def _location(volume: str, page: str) -> tuple[str, int] | None:
    v, p = _DIGITS.search(volume), _DIGITS.search(page)
    return (v.group(0).lstrip("0") or "0", int(p.group(0))) if v and p else None


def _embase_citation(title: str) -> tuple[str, tuple[str, int] | None] | None:
    """(title before, cited location) when ``title`` ends with an EMBASE citation of the original, complete or
    cut short; ``None`` when it does not. The inner parentheses must open with a year or a month (``(2009)``,
    ``(January 2, 2007)``, ``(M``), so a title ending with a parenthetical name is left alone."""
    m = _EMBASE_CITATION.search(title)
    if not m:
        return None
    date, after, pages = m.group(1).strip().lower(), m.group(2), m.group(3)
    word = date.split()[0].rstrip(".,") if date else ""
    if not (re.fullmatch(r"(?:19|20)\d\d", word) or (word and any(mo.startswith(word) for mo in _MONTHS))):
        return None
    if m.group(2) is None and m.end(1) < len(title):
        return None
    volume = _DIGITS.search(after or "")
    if after is not None and not volume:
        return None  # a complete citation names the volume after the date
    cited = _location(volume.group(0), pages) if volume and pages else None
    return title[: m.start()], cited


@dataclass(frozen=True)
class Title:
    """What a title says: ``key`` (folded, without notes and citations), ``cited`` (volume, first page) of the
    publications it refers to, ``notices`` (notice words; :data:`CITES` for a correction recognised by its
    citation), ``translated`` (a title in square brackets, or marked with its language)."""

    key: str
    cited: frozenset[tuple[str, int]]
    notices: frozenset[str]
    translated: bool


def parse_title(title: str | None) -> Title:
    """The :class:`Title` of a record's title (see the module docstring)."""
    if not title:
        return Title("", frozenset(), frozenset(), False)
    cited = {loc for v, p in _ERRATUM_NOTE.findall(title) if (loc := _location(v, p))}
    translated = bool(_LANGUAGE.search(title))
    t = strip_annotations(_CORRECTED.sub("", title))
    notices: set[str] = set()
    while True:  # citations, last first
        if m := _WOS_CITATION.search(t):
            t, loc = t[: m.start()], _location(m.group(1), m.group(2))
            notices.add(CITES)
        elif embase := _embase_citation(t):
            t, loc = embase
            notices.add(CITES)
        elif m := _MEDLINE_REFERENCE.search(t):  # a letter naming the article it discusses: not a correction
            t, loc = t[: m.start()], _location(m.group(1), m.group(2))
        else:
            break
        if loc:
            cited.add(loc)
        t = strip_annotations(t)
    if t.startswith("[") and t.endswith("]"):
        t, translated = t[1:-1], True
    notices |= notice_words(fold(t))
    return Title(fold(_NOTICE_PREFIX.sub("", t)), frozenset(cited), frozenset(notices), translated)


def title_key(title: str | None) -> str:
    """Folded title without database notes and citations (:func:`parse_title`); a title wholly in square
    brackets (a translated title) loses them."""
    return parse_title(title).key


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


def notices_differ(a: frozenset[str], b: frozenset[str]) -> bool:
    """One record is a notice about another publication and the other is not, or they are notices of different
    kinds (an erratum, a reply). A correction recognised only by its citation (:data:`CITES`) is of any kind."""
    if a == b:
        return False
    if not a or not b:
        return True
    kinds_a, kinds_b = a - {CITES}, b - {CITES}
    return bool(kinds_a and kinds_b and kinds_a != kinds_b)


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

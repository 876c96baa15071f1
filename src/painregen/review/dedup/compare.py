"""Field similarities of a candidate pair and the decision: duplicate (merged automatically), uncertain (queued
for a reviewer) or distinct.

The decision is a set of explicit rules in the manner of ASySD and bib-dedupe (strong agreement on title and
authors plus agreement on the year and at least one locator — volume, first page or journal — with nothing
contradicting), tuned for no false merges: any contradiction between two identifiers that cannot differ within
one publication (DOI, PMID, volume, first page, a year more than one apart, the numbers of a title — unless
they differ by one digit where volume, year and the whole page range name one article —, a notice word such as
*erratum* or *reply* in one title only, one title citing the other record's volume and page, a
word of the title replaced by a different word when no page confirms the pair) blocks the automatic merge; such
pairs go to the review queue when their titles agree.

An online-first record (no volume, no pages) whose author list is the other's name by name, with a fairly similar
title, is queued: its title may have changed at print, but one team's companion papers look alike too.

A notice (erratum, correction, reply, comment) is a publication of its own: it has its own pages and is never
merged with the publication it is about, even when the link is certain; the reviewer sees it in the queue.
Versions of one Cochrane review (updates in other years, ``.pubN`` DOIs) are one work.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from difflib import SequenceMatcher

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from painregen.review.dedup.normalise import Keys
from painregen.review.dedup.titles import notices_differ

AUTO, QUEUED, DISTINCT = "auto", "queued", "distinct"


@dataclass(frozen=True)
class Similarity:
    """Similarities of two records (``None`` where a field is missing from either)."""

    title: float | None
    title_contained: bool
    authors: float | None
    first_author: bool | None
    year_gap: int | None
    journal: float | None
    volume: bool | None
    page: bool | None
    issue: bool | None
    doi: bool | None
    pmid: bool | None
    title_numbers_differ: bool
    notices_differ: bool
    cites_other: bool  # one record's title cites the other's volume and first page (an erratum or comment of it)
    venues_differ: bool
    early_view: bool  # one record is the online-first version (no volume, pages from 1 or none)
    translated: bool  # either title is a translation (worded freely: its similarity says little)
    words_replaced: bool  # similar titles (0.8+), but a word of one stands where the other has another word
    cochrane: bool  # both in the Cochrane Database of Systematic Reviews (versions of a review: other years)
    same_range: bool = False  # the same printed range of two pages or more (first and last page)
    number_typo: bool = False  # the titles' numbers differ in one number, by one digit (p6INK4a / p16INK4a)
    author_list: bool = False  # the shorter author list (4+ names) is the other's, name by name in order

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _same(a: str, b: str) -> bool | None:
    return None if not a or not b else a == b


def _one_digit_apart(x: int, y: int) -> bool:
    sx, sy = str(x), str(y)
    return len(sx) == len(sy) and sum(c != d for c, d in zip(sx, sy, strict=True)) == 1


def same_page(a: tuple[str, int | None, int | None], b: tuple[str, int | None, int | None]) -> bool | None:
    """True for the same first page number, False for page ranges that do not overlap, None when either is
    missing, when one is an article number and the other printed pages (``e12724`` / ``1-6``), or when the ranges
    overlap without the same first page (``359`` / ``356-359``: one database cut the range). A range that ends
    before it starts has a typo: it is the same as a range with the same last page and a first page one digit
    apart (``2297-2108`` / ``2097-2108``), and undecided against anything else."""
    (ka, fa, la), (kb, fb, lb) = a, b
    if fa is None or fb is None or la is None or lb is None:
        return None
    if fa == fb:
        return True  # c37 and 37 too (Karger's prefixed pages)
    if ka != kb:
        return None
    if la < fa or lb < fb:
        return True if la == lb and _one_digit_apart(fa, fb) else None
    return None if fa <= lb and fb <= la else False


def same_range(a: tuple[str, int | None, int | None], b: tuple[str, int | None, int | None]) -> bool:
    """Both page fields give the same range of two pages or more (first and last page equal). Within one volume of a
    journal such a range is the place of one article: meeting abstracts sharing a page, and notices (an erratum, a
    reply) on a page of their own, are single pages."""
    (_, fa, la), (_, fb, lb) = a, b
    return fa is not None and la is not None and fa == fb and la == lb and la > fa


def _abbreviates(short: str, full: str) -> bool:
    """``short`` is ``full`` or an abbreviation of it: same first letter, letters in order (``natl`` of
    ``national``, ``j`` of ``journal``)."""
    if short == full:
        return True
    if not short or not full or short[0] != full[0] or len(short) > len(full):
        return False
    it = iter(full)
    return all(ch in it for ch in short)


def journal_similarity(a: tuple[str, ...], b: tuple[str, ...]) -> float | None:
    """Share of words matched in order, one word abbreviating the other (ISO 4 abbreviations of the full
    name), over the longer name: ``nat rev nephrol`` / ``nature reviews nephrology`` = 1, ``cancer`` /
    ``cancer cytopathology`` = 0.5. The plain string similarity is used when it is higher."""
    if not a or not b:
        return None
    short, full = (a, b) if len(a) <= len(b) else (b, a)
    matched, j = 0, 0
    for w in short:
        k = j
        while k < len(full) and not (_abbreviates(w, full[k]) or _abbreviates(full[k], w)):
            k += 1
        if k < len(full):
            matched += 1
            j = k + 1
    by_words = matched / len(full)
    return max(by_words, fuzz.ratio(" ".join(a), " ".join(b)) / 100)


def same_author(a: Keys, i: int, b: Keys, j: int) -> bool:
    """Author ``i`` of ``a`` and ``j`` of ``b`` are one person as databases write names: similar surnames
    (``Zielinski``/``Zielinsky``), a shared name word when the parts were split differently (``Parry, Dilworth
    H`` / ``Dilworth, H P``; ``Van Graaf`` / ``van der Graaf``), or surname and given name swapped (``Tong, H``
    / ``Hua, T``)."""
    sa, sb = a.surnames[i], b.surnames[j]
    if fuzz.ratio(sa, sb) >= 85 or a.name_words[i] & b.name_words[j]:
        return True
    short, long_ = sorted((sa, sb), key=len)
    if len(short) >= 2 and len(long_) - len(short) == 1 and _abbreviates(short, long_):
        return True  # a letter lost in conversion: "G?k" / "Gok"
    ia, ib = a.initials[i], b.initials[j]
    return bool(ia and ib and ia[0] == sb[0] and ib[0] == sa[0] and len(ia) == 1 and len(ib) == 1)


def author_similarity(a: Keys, b: Keys) -> tuple[float | None, bool | None]:
    """(share of the first names of the shorter author list, at most 8, found near the same position in the
    other list; the first authors are the same person)."""
    if not a.surnames or not b.surnames:
        return None, None
    short, long_ = (a, b) if len(a.surnames) <= len(b.surnames) else (b, a)
    n = min(len(short.surnames), 8)
    found = sum(
        any(same_author(short, i, long_, j) for j in range(max(0, i - 2), min(len(long_.surnames), i + 3)))
        for i in range(n)
    )
    return found / n, same_author(a, 0, b, 0)


def number_typo(a: frozenset[str], b: frozenset[str]) -> bool:
    """The numbers of two titles differ in one number only, and by one digit added, dropped or changed (``6`` /
    ``16``): what a typing slip does. A number or a part label added to one title (``part 2``) is not."""
    only_a, only_b = a - b, b - a
    if len(only_a) != 1 or len(only_b) != 1:
        return False
    x, y = next(iter(only_a)), next(iter(only_b))
    return not (x.startswith("#") or y.startswith("#")) and Levenshtein.distance(x, y) == 1


def author_list_agrees(a: Keys, b: Keys, least: int = 4) -> bool:
    """The shorter author list, of ``least`` names or more, is the other's name by name in the same order (the longer
    one may go on: databases cut author lists, online-first records often give the first five names)."""
    n = min(len(a.surnames), len(b.surnames))
    return n >= least and all(same_author(a, i, b, i) for i in range(n))


def title_similarity(a: str, b: str) -> float | None:
    """Indel similarity of the folded titles; a title cut short (one a prefix of the other, 40+ characters)
    counts as 0.95 at least."""
    if not a or not b:
        return None
    sim = fuzz.ratio(a, b) / 100
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= 40 and long_.startswith(short):
        sim = max(sim, 0.95)
    return sim


def best_title_similarity(a: Keys, b: Keys) -> float | None:
    """:func:`title_similarity` of the whole titles or, for titles given in two languages, of their parts."""
    sim = title_similarity(a.title, b.title)
    if sim is not None and (a.title_parts or b.title_parts):
        for x in a.title_parts or (a.title,):
            for y in b.title_parts or (b.title,):
                sim = max(sim, title_similarity(x, y) or 0.0)
    return sim


def title_contained(a: str, b: str) -> bool:
    """One title (three words or more) is the other with a heading or subtitle added ("MEDICAL PROGRESS
    Atypical hemolytic-uremic syndrome", "Thrombotic microangiopathy: can ... cure aHUS?")."""
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return bool(short) and len(short.split()) >= 3 and f" {short} " in f" {long_} "


def words_replaced(a: str, b: str) -> bool:
    """Some words of one title stand where the other has different words, not a spelling variant of them
    (``adult`` / ``adolescent``, ``rats`` / ``mice``, ``sensitive`` / ``resistant``; ``haemolytic`` /
    ``hemolytic`` is a variant, Indel similarity 80 or more). Words added or dropped, and a title cut short in
    its last word, do not count."""
    wa, wb = sorted((a.split(), b.split()))  # one alignment whichever title comes first
    for op, i1, i2, j1, j2 in SequenceMatcher(None, wa, wb, autojunk=False).get_opcodes():
        if op != "replace":
            continue
        x, y = " ".join(wa[i1:i2]), " ".join(wb[j1:j2])
        if (i2 == len(wa) or j2 == len(wb)) and (x.startswith(y) or y.startswith(x)):
            continue  # cut short
        if fuzz.ratio(x, y) < 80:
            return True
    return False


_DOI_VERSION = re.compile(r"\.pub\d+$")


def _online_first(k: Keys) -> bool:
    return not k.volume and (k.page[1] is None or k.page[1] == 1)


def unshift(a: Keys, b: Keys) -> Keys:
    """``a`` with its volume, issue and pages moved back into place when they were exported one field late
    (EMBASE conference abstracts: no volume, the volume in the issue field, the issue in the pages field) and
    ``b`` shows it: ``a``'s issue is ``b``'s volume and ``a``'s single page number is ``b``'s issue."""
    _, first, last = a.page
    if (a.volume or not a.issue or a.issue != b.volume or first is None or first != last
            or str(first) != b.issue):
        return a
    return replace(a, volume=a.issue, issue=b.issue, page=("", None, None))


def similarity(a: Keys, b: Keys) -> Similarity:
    a, b = unshift(a, b), unshift(b, a)
    authors, first_author = author_similarity(a, b)
    early_view = bool(a.volume) != bool(b.volume) and _online_first(b if a.volume else a)
    doi = _same(a.doi, b.doi)
    if doi is False and _DOI_VERSION.sub("", a.doi) == _DOI_VERSION.sub("", b.doi):
        doi = True  # versions of one Cochrane review (.pub2, .pub3) are one work
    title = best_title_similarity(a, b)
    return Similarity(
        title=title,
        title_contained=title_contained(a.title, b.title),
        authors=authors,
        first_author=first_author,
        year_gap=None if a.year is None or b.year is None else abs(a.year - b.year),
        journal=max((journal_similarity(x, y) or 0.0 for x in a.journal_names for y in b.journal_names),
                    default=None),
        volume=_same(a.volume, b.volume),
        page=None if early_view else same_page(a.page, b.page),
        issue=_same(a.issue, b.issue),
        doi=doi,
        pmid=_same(a.pmid, b.pmid),
        title_numbers_differ=bool(a.title and b.title and a.title_numbers != b.title_numbers),
        notices_differ=notices_differ(a.notices, b.notices),
        cites_other=bool((b.page[1] is not None and (b.volume, b.page[1]) in a.cited)
                         or (a.page[1] is not None and (a.volume, a.page[1]) in b.cited)),
        venues_differ=bool(a.venue and b.venue and a.venue != b.venue),
        early_view=early_view,
        translated=a.translated or b.translated,
        words_replaced=bool(title and title >= 0.8 and a.title != b.title and words_replaced(a.title, b.title)),
        cochrane="cochrane" in a.journal and "cochrane" in b.journal,
        same_range=not early_view and same_range(a.page, b.page),
        number_typo=bool(a.title and b.title and number_typo(a.title_numbers, b.title_numbers)),
        author_list=author_list_agrees(a, b),
    )


def _same_volume(s: Similarity) -> bool:
    """The same volume (and issue, when both give one) of the same journal: records of one publication whose years
    differ by one (the online or meeting year against the volume's year) rather than two publications."""
    return bool(s.volume and _ge(s.journal, 0.9) and s.issue is not False)


def _number_typo_in_place(s: Similarity) -> bool:
    """The titles differ in one number by one digit (:func:`number_typo`) and the records name one article by its
    place in the journal: the same volume, year and page range (two pages or more), the same journal, first author
    and most authors. Parts of a series, a study's 5- and 10-year results, HPV16 and HPV18 papers have pages of their
    own, so such titles differ by a typo (``p6INK4a`` / ``p16(INK4a)``)."""
    return bool(s.number_typo and s.same_range and s.volume and s.year_gap == 0 and _ge(s.journal, 0.9)
                and s.first_author and _ge(s.authors, 0.9))


def contradictions(s: Similarity) -> list[str]:
    """Reasons why two records cannot be one publication (empty when nothing contradicts)."""
    out = []
    if s.doi is False:
        out.append("different DOI")
    if s.pmid is False:
        out.append("different PMID")
    if s.volume is False:
        out.append("different volume")
    if s.page is False:
        out.append("different first page")
    if s.year_gap is not None and s.year_gap > 1 and not s.cochrane:
        out.append(f"years {s.year_gap} apart")
    if s.year_gap == 1 and not (s.doi or s.pmid or (s.volume and s.page) or s.early_view or _same_volume(s)
                                or s.cochrane):
        out.append("years 1 apart")
    if s.venues_differ:
        out.append("a journal and a conference")
    if s.title_numbers_differ and not _number_typo_in_place(s):
        out.append("different numbers in the titles")
    if s.notices_differ:
        out.append("erratum/comment/reply in one title only")
    if s.words_replaced and not (s.page or s.doi or s.pmid):
        out.append("a word of one title replaced by a different word")
    if s.cites_other:
        out.append("one title cites the other record (an erratum or comment about it)")
    return out


def _ge(value: float | None, threshold: float) -> bool:
    return value is not None and value >= threshold


def decide(s: Similarity, short_record: bool = False) -> tuple[str, float, str]:
    """``(status, score, reason)``: ``auto`` (a duplicate), ``queued`` (uncertain: a reviewer decides) or
    ``distinct``. ``score`` (0-1) orders the review queue: the mean of the available similarities.
    ``short_record``: a record without volume and pages is involved (conference papers, grey literature,
    records exported without their source)."""
    parts = [v for v in (s.title, s.authors, s.journal) if v is not None]
    parts += [float(v) for v in (s.volume, s.page, s.doi, s.pmid) if v is not None]
    if s.year_gap is not None:
        parts.append(1.0 if s.year_gap == 0 else 0.5 if s.year_gap == 1 else 0.0)
    score = round(sum(parts) / len(parts), 4) if parts else 0.0
    against = contradictions(s)
    year_same = s.year_gap == 0
    locator = bool(s.volume or s.page or _ge(s.journal, 0.9)) and (s.journal is None or _ge(s.journal, 0.5))
    rule = ""
    if (s.doi or s.pmid) and (s.title is None or _ge(s.title, 0.85)):
        rule = "same DOI" if s.doi else "same PMID"
    elif _ge(s.title, 0.95) and s.first_author and _ge(s.authors, 0.8) and year_same and locator:
        rule = "title, authors, year and a locator agree"
    elif (_ge(s.title, 0.9) or s.title_contained) and _ge(s.authors, 0.9) and year_same and s.volume and s.page:
        rule = "title, authors, year, volume and first page agree"
    elif _ge(s.title, 0.95) and year_same and s.volume and s.page and (s.journal is None or _ge(s.journal, 0.8)):
        rule = "title, year, journal, volume and first page agree"
    elif _ge(s.title, 0.95) and _ge(s.authors, 0.8) and s.year_gap == 1 and s.volume and s.page:
        rule = "title, authors, volume and first page agree (years 1 apart)"
    elif _ge(s.title, 0.95) and s.first_author and _ge(s.authors, 0.9) and s.year_gap == 1 and _same_volume(s):
        rule = "title, authors, journal and volume agree (years 1 apart)"
    elif (s.translated and s.first_author and _ge(s.authors, 0.9) and year_same and s.volume and s.page
          and (s.journal is None or _ge(s.journal, 0.5))):
        rule = "authors, year, volume and first page agree (a translated title)"
    elif (s.translated and s.authors is None and _ge(s.title, 0.7) and year_same and s.volume and s.same_range
          and _ge(s.journal, 0.9)):
        rule = "year, journal, volume and page range agree (a translated title; no authors on one side)"
    elif (_ge(s.title, 0.95) and s.first_author and _ge(s.authors, 0.9) and year_same and s.volume is None
          and s.page is None and short_record):
        rule = "title, authors and year agree (a record without volume and pages)"
    elif s.cochrane and _ge(s.title, 0.95) and s.first_author and _ge(s.authors, 0.8) and s.page is not False:
        rule = "title and authors of one Cochrane review (its updated versions are one work)"
    elif (_ge(s.title, 0.95) and s.first_author and _ge(s.authors, 0.9) and s.early_view
          and s.year_gap is not None and s.year_gap <= 1 and _ge(s.journal, 0.9)):
        rule = "title, authors and journal agree (online-first and final version)"
    if rule and not against:
        return AUTO, score, rule
    if rule:
        return _queued(score, rule, against)
    if (s.doi or s.pmid) or (_ge(s.title, 0.85) and (_ge(s.authors, 0.5) or s.first_author or year_same)):
        return _queued(score, "similar titles", against)
    if (s.early_view and s.author_list and _ge(s.title, 0.75) and _ge(s.journal, 0.9) and s.year_gap is not None
            and s.year_gap <= 1):
        # the title of an online-first record may change at print, but the same team's companion paper in the
        # same journal looks alike: a reviewer decides
        return _queued(score, "an online-first record with the same author list and a similar title", against)
    return DISTINCT, score, "different"


def _queued(score: float, why: str, against: list[str]) -> tuple[str, float, str]:
    """A pair for the reviewer's queue: why it may be one publication and, if any, what contradicts it."""
    return QUEUED, score, why if not against else f"{why}, but {'; '.join(against)}"

"""Candidate pairs (blocking): only records that share a key are compared, as in ASySD and bib-dedupe.

Keys: DOI; PMID; the first 30 characters of the title; the last 30; the first author's surname with the year;
the year, volume and first page; the volume and first page with the first journal word; and neighbours in
the list sorted by title (a window of 5, which catches a typo anywhere but the start). A key shared by more
than :data:`MAX_BLOCK` records (an empty-ish key) is not used.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from itertools import combinations

from painregen.review.dedup.normalise import Keys

MAX_BLOCK = 50
WINDOW = 5


def block_keys(k: Keys) -> Iterator[tuple[str, ...]]:
    if k.doi:
        yield ("doi", k.doi)
    if k.pmid:
        yield ("pmid", k.pmid)
    if len(k.title) >= 10:
        yield ("title-start", k.title[:30])
        yield ("title-end", k.title[-30:])
    if k.surnames and k.year is not None:
        yield ("author-year", k.surnames[0], str(k.year))
    page = str(k.page[1]) if k.page[1] is not None else ""
    if page and k.volume:
        if k.year is not None:
            yield ("year-volume-page", str(k.year), k.volume, page)
        if k.journal:
            yield ("journal-volume-page", k.journal[0][:1], k.volume, page)


def candidate_pairs(keys: Sequence[Keys]) -> set[tuple[int, int]]:
    """Index pairs ``(i, j)``, ``i < j``, of records worth comparing."""
    blocks: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, k in enumerate(keys):
        for key in set(block_keys(k)):
            blocks[key].append(i)
    pairs: set[tuple[int, int]] = set()
    for members in blocks.values():
        if 1 < len(members) <= MAX_BLOCK:
            pairs.update(combinations(members, 2))
    by_title = sorted((k.title, i) for i, k in enumerate(keys) if k.title)
    for pos, (_, i) in enumerate(by_title):
        for _, j in by_title[pos + 1: pos + 1 + WINDOW]:
            pairs.add((min(i, j), max(i, j)))
    return pairs

"""Duplicate detection for search records.

    >>> from painregen.review.dedup import find_duplicates
    >>> result = find_duplicates(records)           # records: a sequence of review.records.Record
    >>> result.groups                                # lists of indices into ``records``, one per publication
    >>> [p for p in result.pairs if p.status == "queued"]   # uncertain pairs for a reviewer

Steps (the approach of ASySD, Hair et al. 2023, and bib-dedupe, Wagner et al.): normalise the fields
(:mod:`.normalise`), compare only records sharing a blocking key (:mod:`.block`), compute field similarities
and decide by explicit rules (:mod:`.compare`), then join automatic duplicates into groups — refusing any join
that would put two contradicting records (different DOI, volume, first page, ...) in one group, and any join
across a pair a reviewer marked distinct. Uncertain pairs are returned as ``queued`` for a reviewer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from painregen.review.dedup.block import candidate_pairs
from painregen.review.dedup.compare import AUTO, DISTINCT, QUEUED, Similarity, contradictions, decide, similarity
from painregen.review.dedup.normalise import Keys, keys_of
from painregen.review.records import Record


@dataclass(frozen=True)
class Pair:
    """A compared pair of records ``i < j`` (indices into the input), its status (``auto``: merged,
    ``queued``: for a reviewer) with score (0-1), the rule or reasons, and the field similarities."""

    i: int
    j: int
    status: str
    score: float
    reason: str
    similarity: Similarity


@dataclass
class DedupResult:
    """``groups``: every input index exactly once, grouped by publication (first-seen order); ``pairs``: the
    automatic and queued pairs (distinct pairs are left out)."""

    groups: list[list[int]]
    pairs: list[Pair] = field(default_factory=list)

    def group_of(self) -> dict[int, int]:
        """Input index -> position of its group in :attr:`groups`."""
        return {i: g for g, members in enumerate(self.groups) for i in members}

    def queued(self) -> list[Pair]:
        return sorted((p for p in self.pairs if p.status == QUEUED), key=lambda p: -p.score)


class _Groups:
    """Union-find whose joins are refused when they would put contradicting records together."""

    def __init__(self, keys: Sequence[Keys], cannot_link: set[tuple[int, int]]) -> None:
        self.keys = keys
        self.members: dict[int, list[int]] = {i: [i] for i in range(len(keys))}
        self.root = list(range(len(keys)))
        self.cannot_link = cannot_link

    def find(self, i: int) -> int:
        while self.root[i] != i:
            self.root[i] = self.root[self.root[i]]
            i = self.root[i]
        return i

    def conflict(self, a: int, b: int) -> str | None:
        for x in self.members[a]:
            for y in self.members[b]:
                if (min(x, y), max(x, y)) in self.cannot_link:
                    return "a reviewer marked two of these records distinct"
                if against := contradictions(similarity(self.keys[x], self.keys[y])):
                    return "; ".join(against)
        return None

    def join(self, i: int, j: int) -> str | None:
        """Join the groups of ``i`` and ``j``; the reason when refused."""
        a, b = self.find(i), self.find(j)
        if a == b:
            return None
        if why := self.conflict(a, b):
            return why
        a, b = min(a, b), max(a, b)
        self.root[b] = a
        self.members[a].extend(self.members.pop(b))
        return None


def find_duplicates(records: Sequence[Record], *, must_link: Iterable[tuple[int, int]] = (),
                    cannot_link: Iterable[tuple[int, int]] = ()) -> DedupResult:
    """Duplicate groups of ``records`` (see the module docstring).

    ``must_link``/``cannot_link``: index pairs a reviewer decided (merged / distinct); they override the
    rules. An automatic pair whose join is refused because of a contradiction elsewhere in the group is
    returned as ``queued`` with the reason.
    """
    keys = [keys_of(r) for r in records]
    never = {(min(i, j), max(i, j)) for i, j in cannot_link}
    groups = _Groups(keys, never)
    for i, j in must_link:
        a, b = groups.find(i), groups.find(j)
        if a != b:
            groups.root[max(a, b)] = min(a, b)
            groups.members[min(a, b)].extend(groups.members.pop(max(a, b)))
    pairs: list[Pair] = []
    for i, j in sorted(candidate_pairs(keys)):
        if (i, j) in never:
            continue
        sim = similarity(keys[i], keys[j])
        short = any(not (k.volume or k.page[1] is not None) for k in (keys[i], keys[j]))
        status, score, reason = decide(sim, short_record=short)
        if status == DISTINCT:
            continue
        if status == AUTO and (refused := groups.join(i, j)):
            status, reason = QUEUED, f"{reason}, but the group would join records with {refused}"
        pairs.append(Pair(i, j, status, score, reason, sim))
    order: dict[int, list[int]] = {}
    for i in range(len(records)):
        order.setdefault(groups.find(i), []).append(i)
    return DedupResult(groups=list(order.values()), pairs=pairs)


def pairwise_scores(predicted: Sequence[Sequence[str]], gold: Sequence[Sequence[str]]) -> dict[str, float | int]:
    """Pairwise precision, recall and F1 of predicted groups against gold groups (ids of one set), and the
    counts: ``tp`` (duplicate pairs found), ``fp`` (false merges: pairs joined that are different
    publications), ``fn`` (duplicate pairs missed)."""

    def pairs_of(groups: Sequence[Sequence[str]]) -> set[tuple[str, str]]:
        return {(a, b) for g in groups for x, a in enumerate(sorted(g)) for b in sorted(g)[x + 1:]}

    p, g = pairs_of(predicted), pairs_of(gold)
    tp, fp, fn = len(p & g), len(p - g), len(g - p)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


__all__ = ["AUTO", "DISTINCT", "QUEUED", "DedupResult", "Pair", "Similarity", "find_duplicates", "keys_of",
           "pairwise_scores"]

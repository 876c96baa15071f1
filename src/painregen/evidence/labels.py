"""Free-text labels of imported files resolved to vocabulary terms, with a confidence rule.

Sources such as SyRF exports name outcomes, disease models and treatments in the reviewer's own words
("FST Immobility", "Model (cort)", "Ketamine 10"). :func:`suggest` proposes a term for such a label:

=========== ============================================================================== ==========
method      rule                                                                           confident
=========== ============================================================================== ==========
exact       the label equals a term's CURIE, label or synonym after normalisation            yes
            (:meth:`painregen.evidence.vocab.Vocabulary.resolve`)
contains    the label contains, as whole words, a name of exactly one term, and that name      yes
            is the longest name of any term found in the label (at least 3 characters):
            "FST Immobility" contains the synonym "FST" of the forced swim test
fuzzy       the best rapidfuzz ``token_sort_ratio`` match (words compared in sorted order,       no
            so length differences count: WRatio scores any label containing a common word
            high), scoring at least :data:`FUZZY_MIN` and
            :data:`FUZZY_MARGIN` more than the next term
none        nothing close                                                                  no
=========== ============================================================================== ==========

A confident proposal is applied without asking (and shown, so it can be overruled); the others wait in the
mapping table for a person (``painregen map suggest`` / ``map apply``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from rapidfuzz import fuzz, process

from painregen.evidence.vocab import get_vocabulary, normalise

__all__ = ["FUZZY_MARGIN", "FUZZY_MIN", "Candidate", "Suggestion", "label_key", "suggest"]

#: Smallest fuzzy score shown as a suggestion (rapidfuzz WRatio, 0-100).
FUZZY_MIN = 85.0
#: How far the best fuzzy score must lead the second for a suggestion (ties say nothing).
FUZZY_MARGIN = 5.0
#: Shortest term name (characters, spaces excluded) that counts for the "contains" rule.
MIN_CONTAINED = 3
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Candidate:
    curie: str
    label: str
    score: float

    def __str__(self) -> str:
        return f"{self.label} ({self.curie}) {self.score:.0f}"


@dataclass(frozen=True)
class Suggestion:
    """The proposal for one label of one vocabulary (``curie`` None when there is none)."""

    vocabulary: str
    text: str
    key: str
    curie: str | None
    label: str | None
    score: float
    method: str  # exact | contains | fuzzy | none
    confident: bool
    alternatives: tuple[Candidate, ...] = ()


def label_key(text: str) -> str:
    """The identity of a label: case, accents of width, punctuation and spacing folded
    (:func:`painregen.evidence.vocab.normalise`), so "FST Immobility " and "fst immobility" are one label."""
    return normalise(text)


def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(unicodedata.normalize("NFKC", text).casefold()))


@cache
def _names(vocabulary: str) -> tuple[tuple[tuple[str, ...], str], ...]:
    """Every name of every term as a word tuple, with the term's CURIE (names of < 3 characters left out)."""
    out = []
    for term in get_vocabulary(vocabulary):
        for name in term.names()[1:]:  # the CURIE itself is not a name a label would contain
            words = _words(name)
            if words and len("".join(words)) >= MIN_CONTAINED:
                out.append((words, term.curie))
    return tuple(out)


def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    n = len(needle)
    return any(haystack[i:i + n] == needle for i in range(len(haystack) - n + 1))


def _contained(vocabulary: str, text: str) -> list[tuple[str, int]]:
    """(curie, length of the longest name found) for every term with a name contained in ``text``."""
    words = _words(text)
    found: dict[str, int] = {}
    for name, curie in _names(vocabulary):
        if len(name) <= len(words) and _contains(words, name):
            found[curie] = max(found.get(curie, 0), len("".join(name)))
    return sorted(found.items(), key=lambda kv: -kv[1])


@cache
def _choices(vocabulary: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Every name of every term as space-joined folded words, and the CURIE of each."""
    pairs = [(" ".join(_words(name)), t.curie) for t in get_vocabulary(vocabulary) for name in t.names()]
    return tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)


def _ranked(vocabulary: str, text: str, limit: int) -> list[Candidate]:
    """Terms by their best-scoring name (rapidfuzz token_sort_ratio, 0-100), best first."""
    query = " ".join(_words(text))
    if not query:
        return []
    names, curies = _choices(vocabulary)
    best: dict[str, float] = {}
    for _, score, i in process.extract(query, names, scorer=fuzz.token_sort_ratio, limit=None):
        best[curies[i]] = max(best.get(curies[i], 0.0), float(score))
    vocab = get_vocabulary(vocabulary)
    order = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [Candidate(c, vocab.get(c).label, round(sc, 1)) for c, sc in order]


def suggest(vocabulary: str, text: str, *, limit: int = 3) -> Suggestion:
    """The term proposed for ``text`` in ``vocabulary`` by the rules of the module docstring, with up to
    ``limit`` fuzzy alternatives."""
    vocab = get_vocabulary(vocabulary)
    key = label_key(text)
    ranked = _ranked(vocabulary, text, limit + 1)
    if text.strip() in vocab:
        term = vocab.resolve(text)
        return Suggestion(vocabulary, text, key, term.curie, term.label, 100.0, "exact", True,
                          tuple(c for c in ranked if c.curie != term.curie)[:limit])
    contained = _contained(vocabulary, text)
    if contained:
        best = contained[0][1]
        top = [c for c, n in contained if n == best]
        if len(top) == 1:
            term = vocab.get(top[0])
            return Suggestion(vocabulary, text, key, term.curie, term.label, 95.0, "contains", True,
                              tuple(c for c in ranked if c.curie != term.curie)[:limit])
        tied = tuple(Candidate(c, vocab.get(c).label, 95.0) for c in top)
        return Suggestion(vocabulary, text, key, None, None, 0.0, "none", False, tied[:limit])
    lead = ranked[0].score - (ranked[1].score if len(ranked) > 1 else 0.0) if ranked else 0.0
    if ranked and ranked[0].score >= FUZZY_MIN and lead >= FUZZY_MARGIN:
        best_c = ranked[0]
        return Suggestion(vocabulary, text, key, best_c.curie, best_c.label, best_c.score, "fuzzy", False,
                          tuple(ranked[1:limit + 1]))
    return Suggestion(vocabulary, text, key, None, None, 0.0, "none", False, tuple(ranked[:limit]))

"""Curated controlled vocabularies with identifiers (CURIEs) and the synonyms papers use.

Each vocabulary is a small tab-separated file shipped in ``painregen/evidence/vocabularies/<name>.tsv``
(lines starting with ``#`` are comments: source and licence notes). Columns: ``curie``, ``label``,
``synonyms`` ("|"-separated) and vocabulary-specific columns, which a :class:`Term` keeps in ``extra``.

Free text reaches a term through :meth:`Vocabulary.resolve`: the text is normalised (Unicode NFKC, case,
Greek letters spelt out, every run of punctuation, spaces, hyphens and dashes removed) and looked up among
the CURIE, the label, the synonyms and the key columns ``ontology_label``, ``code`` and ``symbol`` of
every term. When that fails, a looser form is tried that also drops plural endings ("MSCs", "cells")
and, in the strain vocabulary, species nouns ("SD rats" -> "SD"); a loose key shared by two terms is
never used. Text that still does not resolve raises :class:`UnknownTermError` listing the nearest
terms (rapidfuzz ``WRatio``, see :func:`_similarity`).

>>> get_vocabulary("strain").resolve("Sprague–Dawley rats").curie
'RS:0000681'
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from types import MappingProxyType

from rapidfuzz import fuzz, process

__all__ = [
    "KEY_COLUMNS",
    "Term",
    "UnknownTermError",
    "Vocabulary",
    "get_vocabulary",
    "loose_key",
    "normalise",
    "search_all",
    "vocabulary_names",
]

#: Columns that hold extra names of a term, matched by :meth:`Vocabulary.resolve` like synonyms.
KEY_COLUMNS: tuple[str, ...] = ("ontology_label", "code", "symbol")

_PACKAGE = "painregen.evidence"
_FOLDER = "vocabularies"
_BASE_COLUMNS = ("curie", "label", "synonyms")
_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "κ": "kappa",
    "λ": "lambda", "μ": "mu", "τ": "tau", "ω": "omega",
}
_SPECIES_NOUNS = frozenset({"rat", "rats", "mouse", "mice"})
#: Vocabularies whose loose keys also drop species nouns ("SD rats" -> "SD"); elsewhere "SD" means other things.
_SPECIES_NOUN_VOCABULARIES = frozenset({"strain"})
_TOKEN = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Term:
    """One controlled value: its identifier, display label, synonyms and vocabulary-specific columns."""

    curie: str
    label: str
    synonyms: tuple[str, ...]
    vocabulary: str
    extra: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), compare=False, hash=False)

    def names(self) -> tuple[str, ...]:
        """Every name under which the term is found: CURIE, label, synonyms and key columns."""
        more = tuple(self.extra[c] for c in KEY_COLUMNS if self.extra.get(c))
        return (self.curie, self.label, *self.synonyms, *more)

    def __str__(self) -> str:
        return f"{self.label} ({self.curie})"


class UnknownTermError(ValueError):
    """Raised when text matches no term; ``nearest`` holds the closest terms, best first."""

    def __init__(self, value: str, vocabulary: str, nearest: list[Term]) -> None:
        self.value = value
        self.vocabulary = vocabulary
        self.nearest = nearest
        hint = "; ".join(f"{t.label} ({t.curie})" for t in nearest) or "none"
        super().__init__(f"unknown {vocabulary} term {value!r}; nearest: {hint}")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(_GREEK.get(ch, ch) for ch in text)


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(_fold(text))


def normalise(text: str) -> str:
    """Exact-match key: NFKC, casefolded, Greek letters spelt out, all non-alphanumerics removed.

    ``"Sprague–Dawley"``, ``"sprague dawley"`` and ``"SPRAGUE-DAWLEY"`` share the key ``"spraguedawley"``.
    """
    return "".join(_tokens(text))


def _singular(raw: str) -> str:
    """Drop a plural ending: an acronym with a lower-case ``s`` ("MSCs") or a long word in ``s``."""
    if len(raw) > 2 and raw.endswith("s") and raw[-2].isupper():
        return raw[:-1]
    low = raw.casefold()
    if len(low) > 3 and low.endswith("s") and not low.endswith(("ss", "us", "is")):
        return raw[:-1]
    return raw


def loose_key(text: str, drop_species_nouns: bool = False) -> str:
    """Fallback key: like :func:`normalise` but without plural endings (and, if asked, species nouns)."""
    raw = _TOKEN.findall(unicodedata.normalize("NFKC", text))
    kept = [_singular(t) for t in raw if not (drop_species_nouns and _fold(t) in _SPECIES_NOUNS)]
    return normalise(" ".join(kept))


def _display(text: str) -> str:
    return " ".join(_tokens(text))


def _similarity(query: str, choice: str, **_: object) -> float:
    """rapidfuzz ``WRatio``, except plain ``ratio`` when either string has at most 2 characters.

    ``WRatio`` scores a one- or two-letter key ("F", "IT") about 90 against any text containing it.
    """
    if min(len(query), len(choice)) <= 2:
        return float(fuzz.ratio(query, choice))
    return float(fuzz.WRatio(query, choice))


class Vocabulary:
    """A named set of :class:`Term` objects with exact (normalised) and fuzzy look-up."""

    def __init__(self, name: str, terms: tuple[Term, ...]) -> None:
        self.name = name
        self.terms = terms
        self._by_curie = {t.curie: t for t in terms}
        self._drop = name in _SPECIES_NOUN_VOCABULARIES
        if len(self._by_curie) != len(terms):
            raise ValueError(f"vocabulary {name!r} has a duplicated CURIE")
        self._exact: dict[str, Term] = {}
        loose: dict[str, set[str]] = {}
        for t in terms:
            for k in t.names():
                key = normalise(k)
                if not key:
                    continue
                other = self._exact.setdefault(key, t)
                if other.curie != t.curie:
                    raise ValueError(f"vocabulary {name!r}: {k!r} names both {other.curie} and {t.curie}")
                loose.setdefault(loose_key(k, self._drop), set()).add(t.curie)
        self._loose = {k: self._by_curie[next(iter(c))] for k, c in loose.items() if k and len(c) == 1}
        self._choices = [(_display(k), t) for t in terms for k in t.names()]

    def resolve(self, text: str) -> Term:
        """The term whose CURIE, label or synonym equals ``text`` after normalisation.

        Raises :class:`UnknownTermError` (with the 5 nearest terms) when nothing matches.
        """
        term = self._lookup(text)
        if term is None:
            raise UnknownTermError(text, self.name, [t for t, _ in self.search(text, limit=5)])
        return term

    def _lookup(self, text: str) -> Term | None:
        return self._exact.get(normalise(text)) or self._loose.get(loose_key(text, self._drop))

    def get(self, curie: str) -> Term:
        """The term with exactly this CURIE; ``KeyError`` if there is none."""
        try:
            return self._by_curie[curie]
        except KeyError:
            raise KeyError(f"{curie!r} is not a CURIE of the {self.name} vocabulary") from None

    def search(self, text: str, limit: int = 10) -> list[tuple[Term, float]]:
        """Terms ranked by fuzzy similarity (0-100, best key of each term); an exact match scores 100."""
        best: dict[str, float] = {}
        query = _display(text)
        if query:
            hits = process.extract(query, [c for c, _ in self._choices], scorer=_similarity, limit=None)
            for _, score, i in hits:
                curie = self._choices[i][1].curie
                best[curie] = max(best.get(curie, 0.0), float(score))
        exact = self._lookup(text)
        if exact is not None:
            best[exact.curie] = 100.0
        ranked = sorted(best.items(), key=lambda kv: (-kv[1], exact is None or kv[0] != exact.curie, kv[0]))
        return [(self._by_curie[c], s) for c, s in ranked[: max(limit, 0)]]

    def __contains__(self, text: object) -> bool:
        if not isinstance(text, str):
            return False
        return self._lookup(text) is not None

    def __iter__(self) -> Iterator[Term]:
        return iter(self.terms)

    def __len__(self) -> int:
        return len(self.terms)

    def __repr__(self) -> str:
        return f"Vocabulary({self.name!r}, {len(self)} terms)"


def _read_rows(name: str) -> list[dict[str, str]]:
    path = resources.files(_PACKAGE).joinpath(_FOLDER, f"{name}.tsv")
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip() and not ln.startswith("#")]
    reader = csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    header = reader.fieldnames or []
    if tuple(header[:3]) != _BASE_COLUMNS:
        raise ValueError(f"{name}.tsv must start with the columns curie, label, synonyms; found {header[:3]}")
    rows = []
    for i, row in enumerate(reader, start=2):
        if None in row or any(v is None for v in row.values()):
            raise ValueError(f"{name}.tsv: data line {i} does not have {len(header)} tab-separated fields")
        rows.append({k: v.strip() for k, v in row.items()})
    return rows


def _term(name: str, row: Mapping[str, str]) -> Term:
    synonyms = tuple(s.strip() for s in row["synonyms"].split("|") if s.strip())
    extra = {k: v for k, v in row.items() if k not in _BASE_COLUMNS}
    return Term(row["curie"], row["label"], synonyms, name, MappingProxyType(extra))


@cache
def _names() -> tuple[str, ...]:
    files = resources.files(_PACKAGE).joinpath(_FOLDER).iterdir()
    return tuple(sorted(f.name.removesuffix(".tsv") for f in files if f.name.endswith(".tsv")))


def vocabulary_names() -> list[str]:
    """Names of the shipped vocabularies (the file stems), sorted."""
    return list(_names())


@cache
def get_vocabulary(name: str) -> Vocabulary:
    """The vocabulary called ``name`` (loaded once); ``ValueError`` names the available ones."""
    if name not in _names():
        raise ValueError(f"unknown vocabulary {name!r}; available: {', '.join(vocabulary_names())}")
    return Vocabulary(name, tuple(_term(name, r) for r in _read_rows(name)))


def search_all(text: str, limit: int = 10) -> list[tuple[Term, float]]:
    """Fuzzy search across every vocabulary; best first, ties by vocabulary then CURIE."""
    hits = [h for n in vocabulary_names() for h in get_vocabulary(n).search(text, limit=limit)]
    hits.sort(key=lambda h: (-h[1], h[0].vocabulary, h[0].curie))
    return hits[: max(limit, 0)]

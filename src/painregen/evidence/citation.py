"""Readable study labels: first author and year ("Pereira 2015", "Li et al. 2014a"), as reviews cite studies.

Authors are read the ways bibliographic fields write them: "Smith J, Lee K" (Vancouver), "Smith, John and
Lee, Kim" (BibTeX), "J. Li, F. F. Chen and C. Zhou" (SyRF / EndNote, initials first). Studies that would share a
label get a, b, c... in study order; a study without authors is labelled by its title (shortened) and year.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from painregen.evidence import models as m

__all__ = ["authors_of", "citation_label", "first_author", "study_labels", "surname", "unique_labels"]

_INITIAL = re.compile(r"(?:[A-Z]\.?-?){1,3}")
TITLE_CHARS = 40


def _is_initial(word: str) -> bool:
    return bool(_INITIAL.fullmatch(word))


def authors_of(field: str | None) -> list[str]:
    """The authors of an author field, each as written."""
    text = (field or "").strip().strip('"').strip()
    if not text:
        return []
    if ";" in text:
        parts = text.split(";")
    elif re.search(r"\s(and|&)\s", text):
        pieces = [p for p in re.split(r"\s+(?:and|&)\s+", text) if p.strip()]
        bibtex = all(p.count(",") == 1 for p in pieces)  # "Smith, John and Lee, Kim", else "J. Li, C. Chen and ..."
        parts = pieces if bibtex else [*pieces[0].split(","), *pieces[1:]]
    else:  # Vancouver: "Smith J, Lee K"
        parts = text.split(",")
    return [p.strip() for p in parts if p.strip()]


def surname(name: str) -> str:
    """The family name of one author: 'Smith J' and 'Smith, John' -> Smith, 'J. Li' -> Li, 'van der Berg J' ->
    van der Berg, 'John Smith' -> Smith."""
    if "," in name:
        return name.split(",")[0].strip()
    words = name.split()
    end = len(words)
    while end > 1 and _is_initial(words[end - 1]):
        end -= 1
    if end < len(words):  # "Smith J", "van der Berg JK"
        return " ".join(words[:end])
    initials = 0
    while initials < len(words) - 1 and _is_initial(words[initials]):
        initials += 1
    return " ".join(words[initials:]) if initials else words[-1]


def first_author(authors: str | None) -> tuple[str | None, int]:
    """(family name of the first author, number of authors) of an author field; (None, 0) when empty."""
    names = authors_of(authors)
    return (surname(names[0]), len(names)) if names else (None, 0)


def citation_label(authors: str | None, year: int | None, title: str) -> str:
    """An author-year label: "Smith 2021", "Smith & Lee 2021", "Smith et al. 2021"; without authors, the
    shortened title and the year."""
    names = authors_of(authors)
    year_text = str(year) if year else "n.d."
    if not names:
        short = title if len(title) <= TITLE_CHARS else title[:TITLE_CHARS - 1].rstrip() + "…"
        return f"{short} ({year_text})"
    if len(names) == 1:
        return f"{surname(names[0])} {year_text}"
    if len(names) == 2:
        return f"{surname(names[0])} & {surname(names[1])} {year_text}"
    return f"{surname(names[0])} et al. {year_text}"


def unique_labels(items: list[tuple[str, str]]) -> dict[str, str]:
    """(key, label) pairs in order -> key -> label with a, b, ... appended to labels that several keys share."""
    counts = Counter(label for _, label in items)
    seen: defaultdict[str, int] = defaultdict(int)
    out = {}
    for key, label in items:
        if counts[label] > 1:
            n = seen[label]
            seen[label] += 1
            label = f"{label}{chr(ord('a') + n)}" if n < 26 else f"{label} ({key})"
        out[key] = label
    return out


def _base(study: m.Study) -> str:
    return citation_label(study.authors, study.year, study.title)


def study_labels(ds: m.Dataset) -> dict[str, str]:
    """``study_id`` -> author-year label, unique within ``ds`` (a, b, ... appended to shared labels)."""
    return unique_labels([(s.study_id, _base(s)) for s in ds.studies])

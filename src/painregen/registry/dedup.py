"""Duplicate-study detection.

Two studies are the same publication when they share a DOI (compared case-insensitively), a PMID, or the
same normalised title in the same year. A normalised title is the title decomposed to Unicode NFKD with
combining marks dropped, case-folded, and with every run of punctuation and whitespace collapsed to one space
("Bone-Marrow MSCs:  a Review" and "bone marrow mscs a review" match; so do "Café" and "Cafe").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from painregen.evidence.models import Study

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise_title(title: str) -> str:
    """Title key used for matching: NFKD, no combining marks, case-folded, punctuation/whitespace collapsed."""
    decomposed = unicodedata.normalize("NFKD", title)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", stripped.casefold()).strip()


def doi_key(doi: str | None) -> str | None:
    """DOIs are case-insensitive (DOI Handbook 2.4): compare them lower-cased."""
    return None if doi is None else doi.strip().lower()


@dataclass(frozen=True)
class StudyKeys:
    """The identifying keys of one study (incoming or already stored)."""

    study_id: str
    doi: str | None
    pmid: str | None
    title: str
    year: int | None
    registry_id: int | None = None  # set for studies already in the registry

    @classmethod
    def of(cls, study: Study, registry_id: int | None = None) -> StudyKeys:
        return cls(study.study_id, doi_key(study.doi), study.pmid, normalise_title(study.title), study.year,
                   registry_id)

    def match_keys(self) -> list[tuple[str, str]]:
        """(kind, value) pairs in the order they are tried."""
        out: list[tuple[str, str]] = []
        if self.doi:
            out.append(("doi", self.doi))
        if self.pmid:
            out.append(("pmid", self.pmid))
        if self.title:
            out.append(("title+year", f"{self.title} ({self.year if self.year is not None else 'no year'})"))
        return out


@dataclass(frozen=True)
class Duplicate:
    """An incoming study (``study_id``, at position ``index`` of its dataset) that matches a study already stored
    (``existing_id`` set) or an earlier study of the same dataset (``existing_id`` None). ``key`` is doi, pmid,
    title+year or sha256 (the whole file was imported before); ``value`` is the matched value."""

    index: int
    study_id: str
    existing_id: int | None
    existing_study_id: str | None
    key: str
    value: str

    def __str__(self) -> str:
        if self.key == "sha256":
            where = "a file imported before" + (
                f" (registry study {self.existing_id}, {self.existing_study_id!r})" if self.existing_id else ""
            )
        elif self.existing_id is not None:
            where = f"registry study {self.existing_id} ({self.existing_study_id!r})"
        else:
            where = f"study {self.existing_study_id!r} earlier in the same dataset"
        return f"study {self.study_id!r} duplicates {where}: same {self.key} {self.value!r}"


class DuplicateStudyError(ValueError):
    """Raised by an import that meets duplicate studies while ``on_duplicate="error"``; nothing was written."""

    def __init__(self, duplicates: list[Duplicate]) -> None:
        self.duplicates = duplicates
        lines = "\n".join(f"  - {d}" for d in duplicates)
        super().__init__(
            f"{len(duplicates)} duplicate stud{'y' if len(duplicates) == 1 else 'ies'} "
            f"(nothing imported; use on_duplicate='skip' to import the rest):\n{lines}"
        )


def find_duplicates(incoming: Sequence[StudyKeys], existing: Iterable[StudyKeys]) -> list[Duplicate]:
    """Match each incoming study against the stored ones, then against the incoming studies before it.

    An incoming study that is itself a duplicate is not used as a reference for later ones (a third copy
    is reported against the stored or first copy, which is the one kept).
    """
    index: dict[tuple[str, str], StudyKeys] = {}
    for ex in existing:
        for k in ex.match_keys():
            index.setdefault(k, ex)
    found: list[Duplicate] = []
    for i, inc in enumerate(incoming):
        match = next(((k, index[k]) for k in inc.match_keys() if k in index), None)
        if match is not None:
            (kind, value), other = match
            found.append(Duplicate(i, inc.study_id, other.registry_id, other.study_id, kind, value))
            continue
        for k in inc.match_keys():
            index.setdefault(k, inc)
    return found

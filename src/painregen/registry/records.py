"""Plain result records returned by the registry (frozen dataclasses) and its errors."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from painregen.registry.dedup import Duplicate


class RegistryError(RuntimeError):
    """A registry could not be opened or used as asked."""


class RegistryNotFoundError(RegistryError, FileNotFoundError):
    """The registry file does not exist and ``create=False`` was asked."""


@dataclass(frozen=True)
class ImportRecord:
    """One row of the ``imports`` table."""

    id: int
    source: str
    sha256: str
    format: str
    imported_at: datetime
    painregen_version: str
    n_studies: int
    n_records: int
    simulated: bool
    truth: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["imported_at"] = self.imported_at.isoformat()
        return d


@dataclass(frozen=True)
class ImportSummary:
    """What :meth:`Registry.import_dataset` did: the new import (None when every study was skipped), the
    registry ids of the stored studies, rows written per table, and the duplicates skipped."""

    import_id: int | None
    study_ids: list[int]
    rows: dict[str, int]
    skipped: list[Duplicate] = field(default_factory=list)

    @property
    def n_studies(self) -> int:
        return len(self.study_ids)

    @property
    def n_records(self) -> int:
        return sum(self.rows.values())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``import_id, n_studies, n_records, study_ids, rows, skipped`` (each duplicate as a dict)."""
        return {
            "import_id": self.import_id, "n_studies": self.n_studies, "n_records": self.n_records,
            "study_ids": list(self.study_ids), "rows": dict(self.rows), "skipped": [asdict(d) for d in self.skipped],
        }


@dataclass(frozen=True)
class StudySummary:
    """One line of :meth:`Registry.studies`."""

    id: int
    study_id: str
    title: str
    year: int | None
    doi: str | None
    n_experiments: int
    n_cohorts: int
    n_observations: int
    simulated: bool
    import_id: int
    authors: str | None = None
    label: str = ""  # author-year label, unique in the registry ("Li et al. 2014a")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Provenance:
    """Where one stored row came from: its table and id, the import, and the row of the source file."""

    table: str
    row_id: int
    source_row: int | None
    import_id: int
    source: str
    sha256: str
    format: str
    imported_at: datetime
    painregen_version: str
    simulated: bool

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["imported_at"] = self.imported_at.isoformat()
        return d

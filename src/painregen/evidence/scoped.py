"""What an analysis runs on: the studies of a scope with their labels mapped, and their provenance.

No database code lives here (the registry fills these in :mod:`painregen.registry.scope`), so that a process that
only analyses, e.g. the demo's report process, which receives the evidence from the process that built the
registry, does not import the registry's ORM.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from painregen.evidence import models as m
from painregen.evidence.citation import study_labels
from painregen.evidence.remap import LabelUse, MappingNote, remap

__all__ = ["AnalysisEvidence", "Scope", "ScopeError", "evidence_from_dataset", "origin_of"]


@dataclass(frozen=True)
class Scope:
    """Which studies an analysis uses: every study (the default), or only those of the given imports, of the given
    studies (registry ids or study keys) and of a project; the conditions combine (AND)."""

    imports: tuple[int, ...] = ()
    studies: tuple[str, ...] = ()
    project: str | None = None

    @property
    def everything(self) -> bool:
        return not (self.imports or self.studies or self.project)

    def describe(self) -> str:
        parts = []
        if self.imports:
            parts.append(f"import{'s' if len(self.imports) > 1 else ''} {', '.join(map(str, self.imports))}")
        if self.studies:
            parts.append(f"studies {', '.join(self.studies)}")
        if self.project:
            parts.append(f"project {self.project!r}")
        return "; ".join(parts) if parts else "the whole registry"

    def to_dict(self) -> dict[str, Any]:
        return {"imports": list(self.imports), "studies": list(self.studies), "project": self.project}


def origin_of(n_simulated: int, n_real: int) -> str:
    """'simulated', 'real', 'mixed' or 'empty' for a set of studies."""
    if n_simulated and n_real:
        return "mixed"
    return "simulated" if n_simulated else "real" if n_real else "empty"


@dataclass
class AnalysisEvidence:
    """The studies an analysis runs on (labels mapped), the mapping notes and pending labels, and provenance."""

    dataset: m.Dataset
    scope: Scope
    notes: list[MappingNote] = field(default_factory=list)
    pending: list[LabelUse] = field(default_factory=list)
    n_simulated: int = 0
    n_real: int = 0
    imports: list[int] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # study_id -> author-year label

    @property
    def origin(self) -> str:
        return origin_of(self.n_simulated, self.n_real)

    def provenance(self) -> dict[str, Any]:
        return {"origin": self.origin, "n_simulated": self.n_simulated, "n_real": self.n_real,
                "imports": self.imports, "scope": self.scope.to_dict(), "scope_text": self.scope.describe()}


class ScopeError(ValueError):
    """A scope names an import, study or project that the registry does not hold."""


def evidence_from_dataset(ds: m.Dataset) -> AnalysisEvidence:
    """A Dataset read from a file prepared as :func:`painregen.registry.scope.analysis_evidence` prepares a
    registry's (labels mapped by confident proposals only: no stored decisions)."""
    mapped = remap(ds)
    sim = sum(1 for s in mapped.dataset.studies if s.simulated)
    return AnalysisEvidence(mapped.dataset, Scope(), mapped.notes, mapped.pending, sim, len(ds.studies) - sim, [],
                            study_labels(mapped.dataset))

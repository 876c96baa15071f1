"""What an analysis reads from the registry: the studies of a scope (all, some imports, some studies, a project),
with labels mapped to terms (the decisions people took, then confident proposals) and where they came from.

Study keys (``study_id``) are unique within a file, not across files; when two imports use the same key the
second and later studies get `` [import N]`` appended, so analyses never merge two studies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from painregen.evidence import models as m
from painregen.evidence.citation import study_labels
from painregen.evidence.remap import LabelUse, MappingNote, remap
from painregen.registry.export import export_dataset
from painregen.registry.schema import ImportRow, ProjectRow, ProjectStudyRow, StudyRow
from painregen.registry.term_mappings import stored_decisions

__all__ = ["AnalysisEvidence", "Scope", "ScopeError", "analysis_evidence", "evidence_from_dataset", "origin_of"]


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


def _study_ids(session: Session, scope: Scope) -> list[int]:
    query = select(StudyRow.id, StudyRow.study_id).order_by(StudyRow.import_id, StudyRow.ordinal, StudyRow.id)
    if scope.imports:
        known = set(session.scalars(select(ImportRow.id).where(ImportRow.id.in_(scope.imports))))
        missing = [i for i in scope.imports if i not in known]
        if missing:
            raise ScopeError(f"no import {', '.join(map(str, missing))} in the registry (see `painregen ls`)")
        query = query.where(StudyRow.import_id.in_(scope.imports))
    if scope.project:
        project = session.scalars(select(ProjectRow).where(ProjectRow.name == scope.project)).one_or_none()
        if project is None:
            raise ScopeError(f"no project {scope.project!r} in the registry")
        query = query.where(StudyRow.id.in_(select(ProjectStudyRow.study_pk)
                                            .where(ProjectStudyRow.project_id == project.id)))
    rows: list[tuple[int, str]] = [(pk, key) for pk, key in session.execute(query).all()]
    if scope.studies:
        wanted = set(scope.studies)
        found = {w for w in wanted if any(w in (str(pk), key) for pk, key in rows)}
        if wanted - found:
            raise ScopeError(f"no study {', '.join(sorted(wanted - found))} in the registry"
                             f"{' scope' if scope.imports or scope.project else ''} (use a registry id or key "
                             "listed by `painregen ls`)")
        rows = [(pk, key) for pk, key in rows if str(pk) in wanted or key in wanted]
    return [pk for pk, _ in rows]


def evidence_from_dataset(ds: m.Dataset) -> AnalysisEvidence:
    """A Dataset read from a file prepared as :func:`analysis_evidence` prepares a registry's (labels mapped by
    confident proposals only: no stored decisions)."""
    mapped = remap(ds)
    sim = sum(1 for s in mapped.dataset.studies if s.simulated)
    return AnalysisEvidence(mapped.dataset, Scope(), mapped.notes, mapped.pending, sim, len(ds.studies) - sim, [],
                            study_labels(mapped.dataset))


def analysis_evidence(session: Session, scope: Scope | None = None) -> AnalysisEvidence:
    """The studies of ``scope`` ready for analysis (see the module docstring)."""
    scope = scope or Scope()
    ids = _study_ids(session, scope)
    ds = export_dataset(session, ids) if ids else m.Dataset()
    rows = {r.id: r for r in session.scalars(select(StudyRow).where(StudyRow.id.in_(ids)))} if ids else {}
    seen: set[str] = set()
    for pk, study in zip(ids, ds.studies, strict=True):
        if study.study_id in seen:
            study.study_id = f"{study.study_id} [import {rows[pk].import_id}]"
        seen.add(study.study_id)
    decisions = {k: d.curie for k, d in stored_decisions(session).items()}
    mapped = remap(ds, decisions, in_place=True)  # ds was exported for this call alone
    sim = sum(1 for s in mapped.dataset.studies if s.simulated)
    imports = sorted({rows[pk].import_id for pk in ids})
    return AnalysisEvidence(mapped.dataset, scope, mapped.notes, mapped.pending, sim, len(ids) - sim, imports,
                            study_labels(mapped.dataset))

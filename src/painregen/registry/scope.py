"""What an analysis reads from the registry: the studies of a scope (all, some imports, some studies, a project),
with labels mapped to terms (the decisions people took, then confident proposals) and where they came from.

Study keys (``study_id``) are unique within a file, not across files; when two imports use the same key the
second and later studies get `` [import N]`` appended, so analyses never merge two studies.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from painregen.evidence import models as m
from painregen.evidence.citation import study_labels
from painregen.evidence.remap import remap
from painregen.evidence.scoped import AnalysisEvidence, Scope, ScopeError, evidence_from_dataset, origin_of
from painregen.registry.export import export_dataset
from painregen.registry.schema import ImportRow, ProjectRow, ProjectStudyRow, StudyRow
from painregen.registry.term_mappings import stored_decisions

__all__ = ["AnalysisEvidence", "Scope", "ScopeError", "analysis_evidence", "evidence_from_dataset", "origin_of"]


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

"""The part of the registry a page analyses: every study, or those of some imports, some studies or a project
(query parameters ``import`` (repeatable), ``studies`` (comma-separated ids or keys) and ``project``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import HTTPException, Query

from painregen.registry import Registry, Scope, ScopeError
from painregen.registry.scope import AnalysisEvidence


def scope_param(imports: list[int] = Query([], alias="import", description="Only the studies of these imports."),
                studies: str = Query("", description="Only these studies (registry ids or keys, comma-separated)."),
                project: str = Query("", description="Only the studies of this project.")) -> Scope:
    """FastAPI dependency: the scope a request asks for."""
    return Scope(tuple(imports), tuple(x.strip() for x in studies.split(",") if x.strip()), project.strip() or None)


def scope_query(scope: Scope) -> str:
    """The query string that asks for ``scope`` ('' for the whole registry)."""
    pairs: list[tuple[str, Any]] = [("import", i) for i in scope.imports]
    if scope.studies:
        pairs.append(("studies", ",".join(scope.studies)))
    if scope.project:
        pairs.append(("project", scope.project))
    return urlencode(pairs)


def evidence_of(reg: Registry, scope: Scope) -> AnalysisEvidence:
    """The scope's evidence; 404 naming what does not exist."""
    try:
        return reg.analysis_evidence(scope)
    except ScopeError as exc:
        raise HTTPException(404, str(exc)) from None


def scope_context(reg: Registry, scope: Scope) -> dict[str, Any]:
    """What a page needs to show and change its scope: the choices and the current one."""
    imports = [{"id": i.id, "source": i.source, "simulated": i.simulated, "n_studies": i.n_studies}
               for i in reg.imports()]
    return {"scope": scope.to_dict(), "scope_text": scope.describe(), "scope_query": scope_query(scope),
            "imports": imports, "projects": reg.projects()}

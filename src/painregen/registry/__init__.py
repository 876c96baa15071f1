"""The registry: a SQL store of evidence records with provenance and duplicate detection.

SQLite file by default (``open_registry("painregen.db")``), PostgreSQL by URL
(``open_registry("postgresql+psycopg://user@host/db")``). The schema is created and upgraded by the Alembic
revisions shipped in ``migrations/``. See docs/registry.md.
"""

from painregen.registry.core import Registry, open_registry, registry_url
from painregen.registry.dedup import Duplicate, DuplicateStudyError, normalise_title
from painregen.registry.records import (
    ImportRecord,
    ImportSummary,
    Provenance,
    RegistryError,
    RegistryNotFoundError,
    StudySummary,
)
from painregen.registry.scope import AnalysisEvidence, Scope, ScopeError
from painregen.registry.term_mappings import Decision

__all__ = [
    "AnalysisEvidence",
    "Decision",
    "Duplicate",
    "DuplicateStudyError",
    "ImportRecord",
    "ImportSummary",
    "Provenance",
    "Registry",
    "RegistryError",
    "RegistryNotFoundError",
    "Scope",
    "ScopeError",
    "StudySummary",
    "normalise_title",
    "open_registry",
    "registry_url",
]

"""Helpers for review tests: a registry with search records and publications written straight through the ORM
(independent of the intake and dedup code under test elsewhere)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from painregen.registry import Registry, open_registry
from painregen.review.schema import LiteratureRecordRow, PublicationRow, SearchImportRow

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _sha(source: str, titles: list[str]) -> str:
    return hashlib.sha256("\n".join([source, *titles]).encode()).hexdigest()


def add_records(reg: Registry, source: str, titles: list[str], *, keys: list[str] | None = None,
                duplicate_of: dict[int, int] | None = None, abstracts: list[str] | None = None) -> list[int]:
    """One search import of ``source`` with one record per title; record i joins the publication of record
    ``duplicate_of[i]`` (a publication id) when given, else gets a new publication. Returns the publication ids."""
    duplicate_of = duplicate_of or {}
    with reg.session() as s, s.begin():
        imp = SearchImportRow(source_name=source, file_name=f"{source}.ris", sha256=_sha(source, titles),
                              format="ris", imported_at=T0, painregen_version="test", n_records=len(titles))
        s.add(imp)
        s.flush()
        pubs = []
        for i, title in enumerate(titles):
            if i in duplicate_of:
                pub_id = duplicate_of[i]
            else:
                pub = PublicationRow(created_at=T0)
                s.add(pub)
                s.flush()
                pub_id = pub.id
            s.add(LiteratureRecordRow(search_import_id=imp.id, record_number=i + 1, publication_id=pub_id,
                                      title=title, abstract=abstracts[i] if abstracts else f"Abstract of {title}",
                                      source_key=keys[i] if keys else f"{source}-{i + 1}", raw={}))
            pubs.append(pub_id)
        s.flush()
    return pubs


def registry_with_publications(tmp_path: Path, n: int = 6) -> tuple[Registry, list[int]]:
    reg = open_registry(tmp_path / "review.db")
    pubs = add_records(reg, "PubMed", [f"Study {i}" for i in range(n)])
    return reg, pubs

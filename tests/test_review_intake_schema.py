"""Review schema (revision 0003): a fresh registry has the review tables exactly as the ORM declares them, the
revision downgrades to 0002 leaving the evidence tables, and upgrades again; rows round-trip."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, select

from painregen.registry import open_registry
from painregen.registry.migrate import current_revision, downgrade, head_revision, upgrade
from painregen.registry.schema import Base
from painregen.review.schema import (
    REVIEW_TABLES,
    DuplicatePairRow,
    LiteratureRecordRow,
    PublicationRow,
    ReviewStageRow,
    ScreeningDecisionRow,
    SearchImportRow,
)


def _diffs(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata))


def test_fresh_registry_has_the_review_tables_as_the_orm_declares(tmp_path: Path) -> None:
    with open_registry(tmp_path / "r.db") as reg:
        assert current_revision(reg.engine) == head_revision()
        assert set(REVIEW_TABLES) <= set(inspect(reg.engine).get_table_names())
        assert _diffs(reg.engine) == []


def test_downgrade_to_0002_drops_only_the_review_tables_and_upgrade_restores_them(tmp_path: Path) -> None:
    with open_registry(tmp_path / "r.db") as reg:
        downgrade(reg.engine, "0002")
        names = set(inspect(reg.engine).get_table_names())
        assert not names & set(REVIEW_TABLES)
        assert {"studies", "imports", "term_mappings", "jobs"} <= names
        upgrade(reg.engine)
        assert _diffs(reg.engine) == []


def test_rows_round_trip_with_reviewer_identity(tmp_path: Path) -> None:
    now = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    with open_registry(tmp_path / "r.db") as reg, reg.session() as s:
        imp = SearchImportRow(source_name="PubMed", file_name="pubmed.nbib", sha256="a" * 64, format="nbib",
                              search_date=date(2026, 1, 31), imported_at=now, imported_by="ana",
                              painregen_version="0.1.0", n_records=2)
        pubs = [PublicationRow(created_at=now), PublicationRow(created_at=now)]
        s.add_all([imp, *pubs])
        s.flush()
        recs = [
            LiteratureRecordRow(search_import_id=imp.id, record_number=i + 1, publication_id=pubs[0].id,
                                title="Stem cells for pain", authors="Smith, J.; Lee, K.", year=2020,
                                raw={"TI": ["Stem cells for pain"]})
            for i in range(2)
        ]
        s.add_all(recs)
        s.flush()
        s.add(DuplicatePairRow(record_a_id=recs[0].id, record_b_id=recs[1].id, score=0.99, method="similarity",
                               status="merged", decided_by="ana", decided_at=now))
        stage = ReviewStageRow(key="title_abstract", label="Title and abstract", ordinal=1, reviewers_required=2,
                               created_at=now)
        s.add(stage)
        s.flush()
        s.add(ScreeningDecisionRow(publication_id=pubs[0].id, stage_id=stage.id, reviewer="ben", role="screener",
                                   decision="include", source="cli", decided_at=now))
        s.commit()
        pub = s.scalars(select(PublicationRow).where(PublicationRow.id == pubs[0].id)).one()
        assert [r.record_number for r in pub.records] == [1, 2]
        assert pub.records[0].search_import.search_date == date(2026, 1, 31)
        assert pub.records[1].raw == {"TI": ["Stem cells for pain"]}
        assert s.scalars(select(ScreeningDecisionRow.reviewer)).all() == ["ben"]

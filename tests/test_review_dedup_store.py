"""Search imports and duplicate decisions in the registry, through review.store and `painregen search`:
all-or-nothing imports, automatic merges that keep every source, the review queue, reviewers' merge/distinct
decisions, and the stateless `search dedup`."""

from __future__ import annotations

import csv
import json
import typing
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from painregen.cli.main import app
from painregen.io.problems import InvalidDataError
from painregen.registry import Registry, open_registry
from painregen.review import store
from painregen.review.dedup import pairwise_scores
from painregen.review.intake import read_search_file
from painregen.review.schema import DuplicatePairRow, LiteratureRecordRow, PublicationRow, SearchImportRow

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "literature"
SPECIAL = DATA / "dedup" / "bibdedupe_special_cases"
pytestmark = pytest.mark.skipif(not DATA.exists(), reason="shared literature data not present")

RIS = """TY  - JOUR
ID  - {id}
TI  - {title}
AU  - Smith, John
AU  - Lee, Kim
PY  - 2020
T2  - Pain
VL  - 161
SP  - {sp}
EP  - {ep}
ER  -
"""
TITLE = "Mesenchymal stem cells relieve neuropathic pain after chronic constriction injury in rats"


def ris(tmp_path: Path, name: str, *records: tuple[str, str, str, str]) -> Path:
    path = tmp_path / name
    path.write_text("".join(RIS.format(id=i, title=t, sp=sp, ep=ep) for i, t, sp, ep in records))
    return path


@pytest.fixture
def reg(tmp_path: Path) -> typing.Iterator[Registry]:
    with open_registry(tmp_path / "review.db") as registry:
        yield registry


def active(reg: Registry) -> int:
    with reg.session() as s:
        return int(s.scalar(select(func.count(PublicationRow.id)).where(PublicationRow.merged_into_id.is_(None))) or 0)


def test_import_merges_duplicates_across_sources_and_keeps_every_source(reg: Registry, tmp_path: Path) -> None:
    pubmed = ris(tmp_path, "pubmed.ris", ("p1", TITLE, "100", "110"), ("p2", "Exosomes for disc repair", "5", "9"))
    embase = ris(tmp_path, "embase.ris", ("e1", TITLE.upper() + ".", "100", "10"))
    with reg.session() as s, s.begin():
        first = store.import_search(s, [read_search_file(pubmed)], source_name="PubMed",
                                    search_date=date(2024, 1, 31), imported_by="ana")
    assert first.n_records == 2 and first.dedup is not None and first.dedup.auto_pairs == 0
    with reg.session() as s, s.begin():
        second = store.import_search(s, [read_search_file(embase)], source_name="Embase")
    assert second.dedup is not None and second.dedup.publications_merged == 1
    assert active(reg) == 2
    with reg.session() as s:
        rows = list(s.scalars(select(LiteratureRecordRow).order_by(LiteratureRecordRow.id)))
        assert rows[0].publication_id == rows[2].publication_id != rows[1].publication_id
        sources = {r.search_import.source_name for r in store.publication_records(s, rows[0].publication_id)}
        assert sources == {"PubMed", "Embase"}
        imp = s.scalars(select(SearchImportRow).order_by(SearchImportRow.id)).first()
        assert imp is not None and (imp.search_date, imp.imported_by, imp.format) == (date(2024, 1, 31), "ana",
                                                                                        "ris")
        assert rows[0].raw["TI"] == [TITLE] and rows[2].source_key == "e1"
        merged = s.scalars(select(PublicationRow).where(PublicationRow.merged_into_id.is_not(None))).one()
        assert merged.merged_into_id == rows[0].publication_id


def test_an_import_is_all_or_nothing(reg: Registry, tmp_path: Path) -> None:
    good = ris(tmp_path, "good.ris", ("a", TITLE, "1", "2"))
    with reg.session() as s, s.begin():
        store.import_search(s, [read_search_file(good)], source_name="PubMed")
    again = ris(tmp_path, "new.ris", ("b", "Another title about pain", "3", "4"))
    with pytest.raises(InvalidDataError, match="imported before"), reg.session() as s, s.begin():
        store.import_search(s, [read_search_file(again), read_search_file(good)], source_name="PubMed")
    with reg.session() as s:
        assert s.scalar(select(func.count(LiteratureRecordRow.id))) == 1
        assert s.scalar(select(func.count(SearchImportRow.id))) == 1


def test_reviewer_decisions(reg: Registry, tmp_path: Path) -> None:
    # two records that agree except the first page (queued), and one that the rules merge with the first
    f = ris(tmp_path, "s.ris", ("a", TITLE, "100", "110"), ("b", TITLE, "300", "310"), ("c", TITLE + ".", "100", "110"))
    with reg.session() as s, s.begin():
        result = store.import_search(s, [read_search_file(f)], source_name="PubMed")
    assert result.dedup is not None and result.dedup.auto_pairs == 1
    with reg.session() as s:
        queue = store.duplicate_queue(s)
        assert {(q.record_a.id, q.record_b.id) for q in queue} == {(1, 2), (2, 3)}
        assert "different first page" in queue[0].reason
    with reg.session() as s, s.begin():
        kept = store.merge_records(s, 1, 2, reviewer="ana")
    assert active(reg) == 1
    with reg.session() as s:
        assert store.duplicate_queue(s) == []
        pair = s.scalars(select(DuplicatePairRow).where(DuplicatePairRow.record_a_id == 1,
                                                        DuplicatePairRow.record_b_id == 2)).one()
        assert (pair.status, pair.decided_by) == ("merged", "ana")
        assert {r.id for r in store.publication_records(s, kept.id)} == {1, 2, 3}
    with pytest.raises(store.ReviewStoreError, match="merged by ana"), reg.session() as s, s.begin():
        store.mark_distinct(s, 1, 2, reviewer="ben")
    # ana changes her mind: the automatic pair a-c stays together, b gets its own publication again
    with reg.session() as s, s.begin():
        store.mark_distinct(s, 1, 2, reviewer="ana")
    assert active(reg) == 2
    with reg.session() as s:
        recs = {r.id: r.publication_id for r in s.scalars(select(LiteratureRecordRow))}
        assert recs[1] == recs[3] != recs[2]
    # a later import does not merge the pair a reviewer marked distinct
    with reg.session() as s, s.begin():
        store.detect_duplicates(s)
    assert active(reg) == 2


def test_distinct_splits_an_automatic_merge(reg: Registry, tmp_path: Path) -> None:
    f = ris(tmp_path, "s.ris", ("a", TITLE, "100", "110"), ("c", TITLE + ".", "100", "110"))
    with reg.session() as s, s.begin():
        store.import_search(s, [read_search_file(f)], source_name="PubMed")
    assert active(reg) == 1
    with reg.session() as s, s.begin():
        store.mark_distinct(s, 2, 1, reviewer="ben")
    assert active(reg) == 2
    with reg.session() as s, s.begin():
        store.detect_duplicates(s)
    assert active(reg) == 2


# ------------------------------------------------------------------------------------------------ CLI

runner = CliRunner()


def test_cli_import_duplicates_merge(tmp_path: Path) -> None:
    db = str(tmp_path / "r.db")
    f = ris(tmp_path, "s.ris", ("a", TITLE, "100", "110"), ("b", TITLE, "300", "310"))
    res = runner.invoke(app, ["search", "import", str(f), "--source", "PubMed", "--db", db, "--search-date",
                              "2024-02-01", "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["records"] == 2 and summary["dedup"]["queued_pairs"] == 1
    res = runner.invoke(app, ["search", "duplicates", "--db", db, "--json"])
    (pair,) = json.loads(res.stdout)
    assert (pair["record_a"], pair["record_b"]) == (1, 2)
    res = runner.invoke(app, ["search", "merge", "1", "2", "--db", db, "--reviewer", "ana"])
    assert res.exit_code == 0 and "one publication" in res.stdout
    assert json.loads(runner.invoke(app, ["search", "duplicates", "--db", db, "--json"]).stdout) == []


def test_cli_errors(tmp_path: Path) -> None:
    db = str(tmp_path / "r.db")
    good = ris(tmp_path, "good.ris", ("a", TITLE, "1", "2"))
    bad = tmp_path / "bad.ris"
    bad.write_text("TY  - JOUR\nTI  - cut short\n")
    res = runner.invoke(app, ["search", "import", str(good), str(bad), "--source", "PubMed", "--db", db])
    assert res.exit_code == 1
    assert f"{bad}:record 1: the file ends inside the record started at line 1" in res.stderr
    assert "nothing was written" in res.stderr and "Traceback" not in res.output
    assert not (tmp_path / "r.db").exists()  # every file is read before the registry is opened
    res = runner.invoke(app, ["search", "import", str(good), "--source", "PubMed", "--db", db, "--search-date", "31/1"])
    assert res.exit_code == 2
    assert runner.invoke(app, ["search", "import", str(good), "--source", "PubMed", "--db", db]).exit_code == 0
    res = runner.invoke(app, ["search", "merge", "1", "7", "--db", db, "--reviewer", "ana"])
    assert res.exit_code == 1 and "no literature record 7" in res.stderr


def test_cli_stateless_dedup_matches_the_gold_groups(tmp_path: Path) -> None:
    out, queue = tmp_path / "groups.csv", tmp_path / "queue.csv"
    res = runner.invoke(app, ["search", "dedup", str(SPECIAL / "records.ris"), "-o", str(out), "--queue", str(queue)])
    assert res.exit_code == 0, res.output
    with open(out, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    with open(SPECIAL / "groups.csv", encoding="utf-8") as fh:
        gold = list(csv.DictReader(fh))
    assert [r["record_id"] for r in rows] == [g["record_id"] for g in gold]

    def groups(rs: list[dict[str, str]]) -> list[list[str]]:
        by: dict[str, list[str]] = {}
        for r in rs:
            by.setdefault(r["group_id"], []).append(r["record_id"])
        return list(by.values())

    assert pairwise_scores(groups(rows), groups(gold))["recall"] == 1.0
    assert pairwise_scores(groups(rows), groups(gold))["fp"] == 0
    with open(queue, encoding="utf-8") as fh:
        assert next(csv.reader(fh)) == ["record_id_a", "record_id_b", "score", "reason"]


def test_cli_stateless_dedup_refuses_repeated_ids(tmp_path: Path) -> None:
    f = ris(tmp_path, "s.ris", ("same", TITLE, "1", "2"), ("same", "Other", "3", "4"))
    res = runner.invoke(app, ["search", "dedup", str(f), "-o", str(tmp_path / "g.csv")])
    assert res.exit_code == 1 and "record id 'same' is also the id of record 1" in res.stderr

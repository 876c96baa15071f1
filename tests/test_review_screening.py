"""Screening rules (blinding, conflicts, third reviewer, stages, reasons), agreement from recorded decisions,
SyRF screening import, and PRISMA counts recomputed by independent SQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from painregen.io.problems import InvalidDataError
from painregen.io.tables import parse_csv_text
from painregen.review import screening as sc
from painregen.review import syrf_screening
from painregen.review.agreement import pair_agreement
from painregen.review.prisma import prisma_counts
from painregen.review.prisma_plot import write_prisma
from painregen.review.screening_agreement import stage_agreement
from review_fixtures import add_records, registry_with_publications


def test_blinding_conflict_and_third_reviewer(tmp_path: Path) -> None:
    reg, pubs = registry_with_publications(tmp_path, 3)
    p = pubs[0]
    with reg.session() as s, s.begin():
        sc.decide(s, p, "ta", "ann", "include")
        # bob has not decided: he sees nothing of ann's decision, ann sees only hers
        assert sc.visible_decisions(s, p, "ta", "bob") == []
        assert [r.reviewer for r in sc.visible_decisions(s, p, "ta", "ann")] == ["ann"]
        assert p in sc.queue(s, "ta", "bob") and p not in sc.queue(s, "ta", "ann")
        sc.decide(s, p, "ta", "bob", "exclude", reason="not_animal")
        assert {r.reviewer for r in sc.visible_decisions(s, p, "ta", "bob")} == {"ann", "bob"}
        assert [o.publication_id for o in sc.conflicts(s, "ta")] == [p]
        with pytest.raises(sc.ScreeningError, match="already has its 2 screeners"):
            sc.decide(s, p, "ta", "cat", "include")
        with pytest.raises(sc.ScreeningError, match="third reviewer"):
            sc.decide(s, p, "ta", "ann", "include", role=sc.ARBITER)
        sc.decide(s, p, "ta", "cat", "include", role=sc.ARBITER)
        out = sc.outcomes(s, "ta")[p]
        assert (out.status, out.final) == ("resolved", "include")
        assert sc.conflicts(s, "ta") == []
        # a later decision of the same reviewer supersedes the earlier one
        sc.decide(s, pubs[1], "ta", "ann", "include")
        sc.decide(s, pubs[1], "ta", "bob", "include")
        sc.decide(s, pubs[1], "ta", "bob", "exclude", reason="no_cell_therapy")
        assert sc.outcomes(s, "ta")[pubs[1]].status == "conflict"
        with pytest.raises(sc.ScreeningError, match="still waits"):
            sc.decide(s, pubs[2], "ta", "cat", "include", role=sc.ARBITER)
        sc.decide(s, pubs[2], "ta", "ann", "include")
        sc.decide(s, pubs[2], "ta", "bob", "include")
        with pytest.raises(sc.ScreeningError, match="no conflict"):
            sc.decide(s, pubs[2], "ta", "cat", "include", role=sc.ARBITER)


def test_full_text_rules(tmp_path: Path) -> None:
    reg, pubs = registry_with_publications(tmp_path, 2)
    with reg.session() as s, s.begin():
        for who in ("ann", "bob"):
            sc.decide(s, pubs[0], "ta", who, "include")
            sc.decide(s, pubs[1], "ta", who, "exclude")
        with pytest.raises(sc.ScreeningError, match="not at the full-text stage"):
            sc.decide(s, pubs[1], "ft", "ann", "include")
        with pytest.raises(sc.ScreeningError, match="needs --reason"):
            sc.decide(s, pubs[0], "ft", "ann", "exclude")
        with pytest.raises(sc.ScreeningError, match="unknown reason"):
            sc.decide(s, pubs[0], "ft", "ann", "exclude", reason="bogus")
        with pytest.raises(sc.ScreeningError, match="unknown stage"):
            sc.decide(s, pubs[0], "abstract", "ann", "include")
        with pytest.raises(sc.ScreeningError, match="reviewer's name"):
            sc.decide(s, pubs[0], "ta", " ", "include")
        sc.set_criterion(s, "ft", "exclusion", "wrong_dose_unit", "Dose not reported per animal or kg")
        sc.decide(s, pubs[0], "ft", "ann", "exclude", reason="wrong_dose_unit")
        assert list(sc.outcomes(s, "ft")) == [pubs[0]]


def test_prioritised_queue_learns_only_from_own_and_settled_decisions(tmp_path: Path) -> None:
    reg = __import__("painregen.registry", fromlist=["open_registry"]).open_registry(tmp_path / "q.db")
    titles = (["mesenchymal stem cells relieve neuropathic pain in rats"] * 4
              + ["viral metagenomics of pig faeces"] * 4)
    pubs = add_records(reg, "Embase", [f"{t} {i}" for i, t in enumerate(titles)],
                       abstracts=[t for t in titles])
    with reg.session() as s, s.begin():
        sc.decide(s, pubs[0], "ta", "ann", "include")
        sc.decide(s, pubs[4], "ta", "ann", "exclude")
        order = sc.queue(s, "ta", "ann", prioritise=True)
        assert order[:3] == pubs[1:4]  # the stem-cell records first
        # bob has no labels of his own and nothing is settled: plain order (ann's decisions are not used)
        assert sc.queue(s, "ta", "bob", prioritise=True) == pubs


def test_stage_agreement_matches_pair_formulas(tmp_path: Path) -> None:
    reg, pubs = registry_with_publications(tmp_path, 8)
    ann = ["include", "include", "exclude", "exclude", "exclude", "include", "exclude", "exclude"]
    bob = ["include", "exclude", "exclude", "exclude", "include", "include", "exclude", "exclude"]
    with reg.session() as s, s.begin():
        for p, a, b in zip(pubs, ann, bob, strict=True):
            sc.decide(s, p, "ta", "ann", a)
            sc.decide(s, p, "ta", "bob", b)
        sc.decide(s, pubs[1], "ta", "cat", "include", role=sc.ARBITER)  # arbiters do not count
        res = stage_agreement(s, "ta")
    expected = pair_agreement(ann, bob, ["include", "exclude"])
    assert res["n_records"] == 8
    (pair,) = res["pairs"]
    assert pair["reviewers"] == ["ann", "bob"]
    assert pair["cohen_kappa"]["estimate"] == pytest.approx(expected.cohen_kappa.estimate)
    assert pair["gwet_ac1"]["estimate"] == pytest.approx(expected.gwet_ac1.estimate)
    assert pair["percent"] == pytest.approx(75.0)
    assert res["overall"]["pa"] == pytest.approx(0.75)


def test_syrf_screening_import(tmp_path: Path, shared_data: Path) -> None:
    path = shared_data / "syrf" / "screening_data_unblinded_long-format_example.csv"
    decisions = syrf_screening.read(path)
    assert len(decisions) == 7
    studies = sorted({d.study_id for d in decisions})
    reg, _ = registry_with_publications(tmp_path, 0)
    with reg.session() as s, pytest.raises(InvalidDataError) as err, s.begin():
        syrf_screening.import_decisions(s, decisions, path.name)
    assert "no literature record with StudyId" in str(err.value)
    assert str(err.value.problems[0]).startswith(f"{path.name}:2:StudyId:")
    pubs = add_records(reg, "SyRF", [f"SyRF study {k}" for k in studies], keys=studies)
    with reg.session() as s, s.begin():
        summary = syrf_screening.import_decisions(s, decisions, path.name)
        outs = sc.outcomes(s, "ta")
        ag = stage_agreement(s, "ta")
    assert summary == {"decisions": 7, "studies": 3, "resolved_by_syrf_status": 1}
    by_key = dict(zip(studies, pubs, strict=True))
    # b20d...: McScreener included, Investigator and McResearcher excluded: three screeners, a conflict
    first = outs[by_key["b20d269b-5f87-410b-9e79-68b163cdb65c"]]
    assert set(first.screeners) == {"Mohammed McScreener", "Ivan Investigator", "Rachel McResearcher"}
    assert (first.status, first.final, first.arbiter.reviewer if first.arbiter else None) == (
        "resolved", "exclude", "SyRF")  # SyRF's ScreeningStatus settles the conflict
    assert outs[by_key["4a4a4200-6bc5-48cd-855c-0880c87b087e"]].final == "include"
    assert outs[by_key["0d11699b-acc7-46ef-9ad2-744580b8b7e4"]].final == "exclude"
    pairs = {tuple(p["reviewers"]): p for p in ag["pairs"]}
    assert pairs[("Ivan Investigator", "Mohammed McScreener")]["n"] == 2
    assert pairs[("Ivan Investigator", "Mohammed McScreener")]["pa"] == 0.5
    assert pairs[("Ivan Investigator", "Rachel McResearcher")]["pa"] == 1.0


def test_syrf_problems_are_reported_by_row() -> None:
    text_ = ("StudyId,DateTimeCreated,InvestigatorName,ScreeningDecision\n"
             "s1,02/02/2021 12:28:27,Ann,Maybe\ns2,yesterday,Bob,Included\n")
    with pytest.raises(InvalidDataError) as err:
        syrf_screening.parse(parse_csv_text(text_, "x.csv"))
    assert [str(p).split(":")[:3] for p in err.value.problems] == [["x.csv", "2", "ScreeningDecision"],
                                                                   ["x.csv", "3", "DateTimeCreated"]]


SQL = {
    "records_identified": "SELECT COUNT(*) FROM literature_records",
    "records_screened": "SELECT COUNT(*) FROM publications WHERE merged_into_id IS NULL",
}


def _final_sql(stage: str) -> str:
    """Per publication: the final decision at a stage, by SQL alone (latest decision per screener; unanimous
    screeners when there are two, else the latest arbiter decision)."""
    return f"""
    WITH st AS (SELECT id FROM review_stages WHERE key = '{stage}'),
    latest AS (
      SELECT d.* FROM screening_decisions d JOIN st ON d.stage_id = st.id
      WHERE NOT EXISTS (SELECT 1 FROM screening_decisions e WHERE e.publication_id = d.publication_id
        AND e.stage_id = d.stage_id AND e.reviewer = d.reviewer AND e.role = d.role
        AND (e.decided_at > d.decided_at OR (e.decided_at = d.decided_at AND e.id > d.id)))),
    scr AS (SELECT publication_id, COUNT(*) n, MIN(decision) lo, MAX(decision) hi FROM latest
            WHERE role = 'screener' GROUP BY publication_id),
    arb AS (SELECT publication_id, decision, reason FROM latest l WHERE role = 'arbiter' AND NOT EXISTS (
            SELECT 1 FROM latest m WHERE m.role = 'arbiter' AND m.publication_id = l.publication_id AND m.id > l.id))
    SELECT scr.publication_id,
      CASE WHEN scr.n < 2 THEN NULL WHEN scr.lo = scr.hi AND scr.lo <> 'maybe' THEN scr.lo
           ELSE arb.decision END AS final
    FROM scr LEFT JOIN arb ON arb.publication_id = scr.publication_id
    """


def test_prisma_counts_recomputed_by_sql(tmp_path: Path) -> None:
    reg, pubs = registry_with_publications(tmp_path, 10)
    add_records(reg, "Embase", ["Study 0 dup", "Study 1 dup", "New 1", "New 2"], duplicate_of={0: pubs[0], 1: pubs[1]})
    with reg.session() as s, s.begin():
        all_pubs = [p.id for p in sc.active_publications(s)]
        for i, p in enumerate(all_pubs):
            a = "include" if i % 3 != 2 else "exclude"
            b = a if i != 4 else "exclude"
            sc.decide(s, p, "ta", "ann", a, reason=None if a == "include" else "not_animal")
            if i != 11:  # one publication still waits for its second screener
                sc.decide(s, p, "ta", "bob", b, reason=None if b == "include" else "wrong_condition")
        sc.decide(s, all_pubs[4], "ta", "cat", "exclude", role=sc.ARBITER, reason="not_primary")
        ft = list(sc.outcomes(s, "ft"))
        reasons = ["no_control", "no_full_text", None, "no_data", None, None, "no_control"]
        for p, r in zip(ft, reasons, strict=False):
            for who in ("ann", "bob"):
                sc.decide(s, p, "ft", who, "exclude" if r else "include", reason=r)
        c = prisma_counts(s)
    with reg.engine.connect() as conn:
        q = lambda sql: conn.execute(text(sql)).all()  # noqa: E731
        assert c.records_identified == q(SQL["records_identified"])[0][0] == 14
        assert c.records_screened == q(SQL["records_screened"])[0][0] == 12
        assert c.duplicates_removed == 14 - 12
        assert c.sources == dict(q("SELECT i.source_name, COUNT(*) FROM literature_records r JOIN search_imports i "
                                   "ON r.search_import_id = i.id GROUP BY i.source_name"))
        ta = dict(q(_final_sql("title_abstract")))
        ft_sql = dict(q(_final_sql("full_text")))
        assert c.records_excluded == sum(v == "exclude" for v in ta.values())
        assert c.records_awaiting == sum(v is None for v in ta.values())
        assert c.reports_sought == sum(v == "include" for v in ta.values())
        not_retrieved = q("SELECT COUNT(DISTINCT publication_id) FROM screening_decisions d JOIN review_stages s "
                          "ON d.stage_id = s.id WHERE s.key = 'full_text' AND d.reason = 'no_full_text'")[0][0]
        assert c.reports_not_retrieved == not_retrieved == 1
        assert c.reports_assessed == c.reports_sought - not_retrieved
        assert c.reports_excluded == sum(v == "exclude" for v in ft_sql.values()) - not_retrieved
        assert c.studies_included == sum(v == "include" for v in ft_sql.values())
        reason_rows = q("SELECT d.reason, COUNT(DISTINCT d.publication_id) FROM screening_decisions d "
                        "JOIN review_stages s ON d.stage_id = s.id WHERE s.key = 'full_text' AND d.reviewer = 'ann' "
                        "AND d.decision = 'exclude' AND d.reason <> 'no_full_text' GROUP BY d.reason")
        assert c.reports_excluded_reasons == dict(reason_rows)
    assert c.linked_studies == 0  # nothing linked to an evidence study yet
    assert c.records_excluded_reasons["not_primary"] == 1  # the arbiter's reason
    out = write_prisma(c, tmp_path / "prisma.svg")
    svg = out.read_text(encoding="utf-8")
    assert f"Records identified from databases (n = {c.records_identified}" in svg
    assert f"Studies included in review (n = {c.studies_included})" in svg
    for ext in ("png", "pdf"):
        assert write_prisma(c, tmp_path / f"prisma.{ext}").stat().st_size > 1000
    with pytest.raises(ValueError, match="extension"):
        write_prisma(c, tmp_path / "prisma.gif")


def test_stages_are_read_once_per_session_and_again_after_a_rollback(tmp_path: Path) -> None:
    """ensure_stages keeps the two stages in the session once they exist (a queue of decisions does not query
    them per decision); stages created in a transaction that is rolled back are made again, never served stale."""
    from sqlalchemy import event, func, inspect, select

    from painregen.review.schema import ReviewStageRow

    reg, pubs = registry_with_publications(tmp_path, 2)
    with reg.session() as s:  # type: ignore[attr-defined]
        s.begin()
        made = sc.ensure_stages(s)
        assert set(made) == {sc.TITLE_ABSTRACT, sc.FULL_TEXT}
        s.rollback()
        assert not any(inspect(r).persistent for r in made.values())
        with s.begin():
            first = sc.ensure_stages(s)  # the rolled-back rows are not served: the stages are made again
            assert all(inspect(r).persistent for r in first.values())
            assert s.scalar(select(func.count(ReviewStageRow.id))) == 2
        selects: list[str] = []

        def count(conn: object, cursor: object, statement: str, *args: object) -> None:
            if statement.lstrip().upper().startswith("SELECT") and "FROM review_stages" in statement \
                    and "WHERE" not in statement:
                selects.append(statement)

        event.listen(s.get_bind(), "before_cursor_execute", count)
        try:
            with s.begin():
                for p in pubs:
                    sc.decide(s, p, "ta", "ann", "include")
                again = sc.ensure_stages(s)
        finally:
            event.remove(s.get_bind(), "before_cursor_execute", count)
        assert {k: r.id for k, r in again.items()} == {k: r.id for k, r in first.items()}
        assert not selects  # served from the session, not queried per decision

"""Extraction in duplicate: cell-by-cell comparison (tolerance for numbers, exact terms), reconciliation,
the link to the evidence registry, single-extractor switch and agreement per field."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from painregen.evidence import models as m
from painregen.review import reconcile as rc
from painregen.review import screening as sc
from painregen.review.extraction import compare, flatten, reconciled_study, unflatten
from painregen.simulate import simulate
from review_fixtures import registry_with_publications


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 50))
def test_flatten_round_trip(seed: int) -> None:
    study = simulate(1, seed=seed).studies[0]
    data = unflatten(flatten(study))
    data["study_id"], data["simulated"] = study.study_id, study.simulated
    again = m.Study.model_validate(data)
    assert again.model_dump(exclude={"source_row"}) == study.model_dump(exclude={"source_row"})


def _versions() -> tuple[m.Study, m.Study]:
    a = simulate(1, seed=3).studies[0]
    b = a.model_copy(deep=True)
    obs = b.experiments[0].observations
    obs[0].average = obs[0].average * (1 + 1e-9)  # within the tolerance: not a discrepancy
    obs[1].n = obs[1].n + 1  # a number that differs
    b.rob["assessor_blinding"] = "no" if a.rob.get("assessor_blinding") != "no" else "yes"  # an appraisal answer
    b.experiments[0].cohorts[0].description = "other text"  # a term/text
    return a, b


def test_compare_lists_each_discrepancy() -> None:
    a, b = _versions()
    comp = compare({"ann": a, "bob": b})
    paths = {d.path: d for d in comp.discrepancies}
    e = a.experiments[0]
    obs1 = e.observations[1]
    key = f"experiments[{e.experiment_id}].observations[{obs1.cohort_id}|{obs1.outcome_id}|{obs1.time_days:g}].n"
    text_cell = f"experiments[{e.experiment_id}].cohorts[{e.cohorts[0].cohort_id}].description"
    assert set(paths) == {key, "rob.assessor_blinding", text_cell}
    assert paths[key].values == {"ann": obs1.n, "bob": obs1.n + 1}
    assert paths["rob.assessor_blinding"].kind == "syrcle"
    assert paths[key].kind == "data"
    fields = {r["field"]: r for r in comp.agreement()}
    assert fields["rob.assessor_blinding"]["percent"] == 0.0
    n_obs = sum(len(e.observations) for e in a.experiments)
    assert fields["experiments.observations.n"] == {"field": "experiments.observations.n", "kind": "data",
                                                    "cells": n_obs, "agree": n_obs - 1,
                                                    "percent": pytest.approx(100 * (n_obs - 1) / n_obs)}
    # a stricter tolerance turns the tiny difference into a discrepancy
    assert len(compare({"ann": a, "bob": b}, rel_tol=1e-12, abs_tol=0).discrepancies) == 4
    with pytest.raises(ValueError, match="not reconciled"):
        reconciled_study(a, comp, {})
    agreed = {d.path: d.values["bob"] for d in comp.discrepancies}
    merged = reconciled_study(a, comp, agreed)
    assert merged.rob["assessor_blinding"] == b.rob["assessor_blinding"]
    assert merged.experiments[0].observations[1].n == obs1.n + 1
    assert merged.experiments[0].observations[0].average == a.experiments[0].observations[0].average


def _included(tmp_path: Path, n: int = 2) -> tuple[object, list[int]]:
    reg, pubs = registry_with_publications(tmp_path, n)
    with reg.session() as s, s.begin():
        for p in pubs:
            for stage in ("ta", "ft"):
                for who in ("ann", "bob"):
                    sc.decide(s, p, stage, who, "include")
    return reg, pubs


def test_reconcile_and_link(tmp_path: Path) -> None:
    reg, pubs = _included(tmp_path)
    a, b = _versions()
    with reg.session() as s, s.begin():  # type: ignore[attr-defined]
        rc.add_extraction(s, pubs[0], "ann", a, source="ann.csv")
        with pytest.raises(sc.ScreeningError, match="stay hidden"):
            rc.comparison(s, pubs[0], viewer="bob")
        assert rc.comparison(s, pubs[0], viewer="ann") is None
        rc.add_extraction(s, pubs[0], "bob", b, source="bob.csv")
        comp = rc.comparison(s, pubs[0], viewer="bob")
        assert comp is not None and len(comp.discrepancies) == 3
        with pytest.raises(sc.ScreeningError, match="not reconciled"):
            rc.finalise(s, pubs[0], "cat")
        for d in comp.discrepancies:
            rc.agree(s, pubs[0], d.path, d.values["ann"], "cat")
        with pytest.raises(sc.ScreeningError, match="not a discrepancy"):
            rc.agree(s, pubs[0], "title", "x", "cat")
        pub = rc.finalise(s, pubs[0], "cat")
        assert pub.extraction_status == "reconciled" and pub.study_pk is not None
        rows = rc.field_agreement(s)
        assert any(r["field"] == "rob.assessor_blinding" and r["agree"] == 0 for r in rows)
        # the other publication: one extractor only
        other = simulate(1, seed=11).studies[0]
        rc.add_extraction(s, pubs[1], "ann", other)
        with pytest.raises(sc.ScreeningError, match="allow-single"):
            rc.finalise(s, pubs[1], "ann")
        assert rc.finalise(s, pubs[1], "ann", allow_single=True).extraction_status == "single"
        assert [x["publication"] for x in rc.single_extractor_studies(s)] == [pubs[1]]
    stored = reg.export_dataset()  # type: ignore[attr-defined]
    assert [x.study_id for x in stored.studies] == [a.study_id, other.study_id]
    assert stored.studies[0].rob == a.rob  # the agreed value (ann's) entered the registry


def test_extraction_needs_an_included_publication(tmp_path: Path) -> None:
    reg, pubs = registry_with_publications(tmp_path, 1)
    with reg.session() as s, s.begin(), pytest.raises(sc.ScreeningError, match="not included"):
        rc.add_extraction(s, pubs[0], "ann", simulate(1, seed=1).studies[0])


def test_agree_cells_records_all_or_none(tmp_path: Path) -> None:
    """Several cells agreed against one comparison; a path that is not a discrepancy records none of them."""
    reg, pubs = _included(tmp_path, 1)
    a, b = _versions()
    with reg.session() as s, s.begin():  # type: ignore[attr-defined]
        rc.add_extraction(s, pubs[0], "ann", a)
        rc.add_extraction(s, pubs[0], "bob", b)
        comp = rc.comparison(s, pubs[0])
        assert comp is not None
        wanted = {d.path: d.values["bob"] for d in comp.discrepancies}
        with pytest.raises(sc.ScreeningError, match="not a discrepancy"):
            rc.agree_cells(s, pubs[0], {**wanted, "title": "x"}, "cat")
        assert rc.agreed_values(s, pubs[0]) == {}
        rows = rc.agree_cells(s, pubs[0], wanted, "cat", note="checked")
        assert [r.field for r in rows] == list(wanted) and {r.note for r in rows} == {"checked"}
        assert rc.agreed_values(s, pubs[0]) == wanted
        assert {r.field: r.reviewer_values for r in rows} == {d.path: d.values for d in comp.discrepancies}
        pub = rc.finalise(s, pubs[0], "cat")
    stored = reg.export_dataset()  # type: ignore[attr-defined]
    assert pub.extraction_status == "reconciled"
    assert stored.studies[0].rob == b.rob  # bob's values were agreed
    # the audit log: one insert row per agreed cell (written in one statement per flush), in order, by the local user
    log = [a for a in reversed(reg.audit_log(1000)) if a["target"].startswith("reconciliations:")]  # type: ignore
    assert [a["after"]["field"] for a in log] == list(wanted)
    assert {a["action"] for a in log} == {"insert"} and all(a["actor"].endswith("(command line)") for a in log)
    ids = [int(a["target"].split(":")[1]) for a in log]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


def test_finalise_links_the_study_the_registry_holds(tmp_path: Path) -> None:
    """link_existing: a reconciled extraction equal cell by cell to a study already in the registry is linked to
    it; the registry's version is read from it, or taken from ``stored`` (a batch export) when given, and a
    differing one is refused naming the cells."""
    reg, pubs = _included(tmp_path, 3)
    a, b = _versions()
    reg.import_dataset(m.Dataset(studies=[a], simulated=True), source="a.csv", sha256="a" * 64,  # type: ignore
                       fmt="template")
    with reg.session() as s, s.begin():  # type: ignore[attr-defined]
        stored = rc.stored_studies(s)
        pk = next(iter(stored))
        assert stored[pk].study_id == a.study_id
        for pub in pubs[:2]:
            rc.add_extraction(s, pub, "ann", a)
            rc.add_extraction(s, pub, "bob", b)
            comp = rc.comparison(s, pub)
            assert comp is not None
            rc.agree_cells(s, pub, {d.path: d.values["ann"] for d in comp.discrepancies}, "cat")
        assert rc.finalise(s, pubs[0], "cat", link_existing=True).study_pk == pk  # read from the registry
        assert rc.finalise(s, pubs[1], "cat", link_existing=True, stored=stored).study_pk == pk
        other = a.model_copy(deep=True)
        other.experiments[0].observations[0].n += 5
        rc.add_extraction(s, pubs[2], "ann", a)
        rc.add_extraction(s, pubs[2], "bob", a)
        with pytest.raises(sc.ScreeningError, match=r"differs from the reconciled extraction in 1 cells"):
            rc.finalise(s, pubs[2], "cat", link_existing=True, stored={pk: other})

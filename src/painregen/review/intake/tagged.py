"""Tagged-line formats: RIS, Web of Science (``FN``/``VR`` header, ``PT`` ... ``ER``) and PubMed/MEDLINE
(``PMID-`` ... blank line, the ``.nbib`` format).

Records are framed here, line by line, so that a malformed file is reported per record (a record without its
end tag, a tag outside any record) instead of silently run together; the lines of each RIS or Web of Science
record are then parsed by ``rispy`` (its RIS and WoK parsers), keeping every tag. MEDLINE has no maintained
Python parser (``nbib`` was last released in 2021), so its few rules (a tag of up to four letters padded to
four columns, ``- ``, continuation lines indented by six spaces) are read here. Tag meanings: the RIS
specification (RefMan), the Web of Science field tags (Clarivate) and the MEDLINE/PubMed data element
descriptions (NLM).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from painregen.review.records import (
    Record,
    RecordProblem,
    clean,
    first,
    join_pages,
    parse_doi,
    parse_year,
    pmid_from_url,
)

Raw = dict[str, list[str]]

_RIS_TAG = re.compile(r"^([A-Z][A-Z0-9])  -(?: |$)")
_WOS_TAG = re.compile(r"^([A-Z][A-Z0-9])(?: |$)")
_MEDLINE_TAG = re.compile(r"^([A-Z][A-Z0-9]{1,3}) *- ?(.*)$")


@dataclass(frozen=True)
class Grammar:
    """How records are framed in one tagged format."""

    name: str
    tag: re.Pattern[str]
    start: str
    end: str | None  # None: a record ends at a blank line (MEDLINE)
    start_line: str  # how a record's first line begins
    header: frozenset[str] = frozenset()  # tags allowed outside records


RIS = Grammar("RIS", _RIS_TAG, "TY", "ER", "TY  - ")
WOS = Grammar("Web of Science", _WOS_TAG, "PT", "ER", "PT ", frozenset({"FN", "VR", "EF"}))
MEDLINE = Grammar("MEDLINE", re.compile(r"^([A-Z][A-Z0-9]{1,3}) *- "), "PMID", None, "PMID- ")


@dataclass
class Chunk:
    number: int
    line: int
    lines: list[str]


def frame(text: str, grammar: Grammar, file: str, problems: list[RecordProblem]) -> list[Chunk]:
    """Split ``text`` into records; structural problems are appended to ``problems``.

    Lines outside records that are not tags are ignored (blank lines, Ovid's ``1.`` numbering, export headers).
    """
    chunks: list[Chunk] = []
    current: Chunk | None = None
    for lineno, line in enumerate(text.split("\n"), start=1):
        m = grammar.tag.match(line)
        tag = m.group(1) if m else None
        if current is None:
            if tag == grammar.start:
                current = Chunk(len(chunks) + 1, lineno, [line])
            elif tag is not None and tag not in grammar.header and not (grammar.end is None and not line.strip()):
                problems.append(RecordProblem(
                    file, len(chunks) + 1, None,
                    f"line {lineno}: tag {tag!r} outside a record",
                    f"start every record with a '{grammar.start_line}' line",
                ))
            continue
        if grammar.end is None:
            if not line.strip():
                chunks.append(current)
                current = None
            elif tag == grammar.start:
                chunks.append(current)
                current = Chunk(len(chunks) + 1, lineno, [line])
            else:
                current.lines.append(line)
            continue
        if tag == grammar.start:
            problems.append(RecordProblem(
                file, current.number, None,
                f"line {lineno}: a new record starts before the {grammar.end!r} line of the record started at "
                f"line {current.line}",
                f"end every record with an '{grammar.end}' line",
            ))
            chunks.append(current)
            current = Chunk(len(chunks) + 1, lineno, [line])
            continue
        current.lines.append(line)
        if tag == grammar.end:
            chunks.append(current)
            current = None
    if current is not None:
        if grammar.end is None:
            chunks.append(current)
        else:
            problems.append(RecordProblem(
                file, current.number, None,
                f"the file ends inside the record started at line {current.line}",
                f"end the record with an '{grammar.end}' line (was the file cut short?)",
            ))
    return chunks


def _rispy_fields(lines: list[str], wok: bool) -> Raw:
    """Every tag of one record, in file order, parsed by rispy (values always lists)."""
    import rispy
    from rispy.config import TAG_KEY_MAPPING, WOK_TAG_KEY_MAPPING

    tags = WOK_TAG_KEY_MAPPING if wok else TAG_KEY_MAPPING
    identity = {t: t for t in tags}
    identity["UK"] = "UK"
    parser = rispy.WokParser if wok else rispy.RisParser
    entries = rispy.loads(
        "\n".join(lines), implementation=parser, mapping=identity, list_tags=list(identity),
        delimiter_tags_mapping={}, enforce_list_tags=True,
    )
    entry: dict[str, Any] = entries[0] if entries else {}
    raw: Raw = {}
    for tag, values in entry.items():
        if tag == "UK":
            for t, vs in values.items():
                raw.setdefault(t, []).extend(vs)
        else:  # rispy keeps the start tag as a plain string
            raw[tag] = [values] if isinstance(values, str) else list(values)
    raw.pop("ER", None)
    return raw


def _medline_fields(lines: list[str]) -> Raw:
    raw: Raw = {}
    last: str | None = None
    for line in lines:
        m = _MEDLINE_TAG.match(line)
        if m and not line[:1].isspace():
            last = m.group(1)
            raw.setdefault(last, []).append(m.group(2).strip())
        elif last is not None:
            raw[last][-1] = f"{raw[last][-1]} {line.strip()}".strip()
    return raw


def _all(raw: Raw, *tags: str) -> list[str]:
    return [c for t in tags for v in raw.get(t, []) if (c := clean(v))]


def _ris_record(number: int, raw: Raw) -> Record:
    authors = list(dict.fromkeys(_all(raw, "AU", "A1")))
    databases = " ".join(_all(raw, "DB", "DP")).lower()
    accession = first(raw.get("AN"))
    from_pubmed = "pubmed" in databases or "medline" in databases
    pmid = accession if accession and accession.isdigit() and from_pubmed else None
    return Record(
        record_number=number,
        entry_type=first(raw.get("TY")),
        title=first(raw.get("TI"), raw.get("T1"), raw.get("CT"), raw.get("BT")),
        authors=authors,
        year=parse_year(raw.get("PY"), raw.get("Y1"), raw.get("DA")),
        journal=first(raw.get("JF"), raw.get("JO"), raw.get("T2"), raw.get("JA"), raw.get("J2")),
        volume=first(raw.get("VL")),
        issue=first(raw.get("IS")),
        pages=join_pages(first(raw.get("SP")), first(raw.get("EP"))),
        doi=parse_doi(raw.get("DO"), raw.get("M3"), raw.get("UR"), raw.get("L3")),
        pmid=pmid or pmid_from_url(raw.get("UR"), raw.get("L2")),
        abstract=first(raw.get("AB"), raw.get("N2")),
        keywords=_all(raw, "KW"),
        isbn=first(raw.get("SN")),
        url=first(raw.get("UR")),
        source_key=first(raw.get("ID")),
        raw=raw,
    )


def _wos_record(number: int, raw: Raw) -> Record:
    return Record(
        record_number=number,
        entry_type=first(raw.get("DT"), raw.get("PT")),
        title=first(raw.get("TI")),
        authors=_all(raw, "AU") or _all(raw, "AF"),
        year=parse_year(raw.get("PY"), raw.get("PD"), raw.get("EY")),
        journal=first(raw.get("SO"), raw.get("JI"), raw.get("J9")),
        volume=first(raw.get("VL")),
        issue=first(raw.get("IS")),
        pages=join_pages(first(raw.get("BP")), first(raw.get("EP"))) or first(raw.get("AR")),
        doi=parse_doi(raw.get("DI")),
        pmid=first(raw.get("PM")),
        abstract=first(raw.get("AB")),
        keywords=_all(raw, "DE", "ID"),
        isbn=first(raw.get("SN"), raw.get("EI"), raw.get("BN")),
        source_key=first(raw.get("UT")),
        raw=raw,
    )


def _medline_record(number: int, raw: Raw) -> Record:
    ids = _all(raw, "LID", "AID")
    return Record(
        record_number=number,
        entry_type=first(raw.get("PT")),
        title=first(raw.get("TI"), raw.get("BTI")),
        authors=_all(raw, "AU") or _all(raw, "FAU"),
        year=parse_year(raw.get("DP"), raw.get("DEP")),
        journal=first(raw.get("JT"), raw.get("TA")),
        volume=first(raw.get("VI")),
        issue=first(raw.get("IP")),
        pages=first(raw.get("PG")),
        doi=parse_doi([i for i in ids if i.endswith("[doi]")]),
        pmid=first(raw.get("PMID")),
        abstract=first(raw.get("AB")),
        keywords=_all(raw, "OT") or _all(raw, "MH"),
        isbn=first(raw.get("IS"), raw.get("ISBN")),
        source_key=first(raw.get("PMID")),
        raw=raw,
    )


def _read(text: str, file: str, grammar: Grammar, fields: Callable[[list[str]], Raw],
          make: Callable[[int, Raw], Record]) -> tuple[list[Record], list[RecordProblem]]:
    problems: list[RecordProblem] = []
    chunks = frame(text, grammar, file, problems)
    records = [make(c.number, fields(c.lines)) for c in chunks]
    if not chunks and not problems:
        problems.append(RecordProblem(file, None, None, f"no {grammar.name} records found",
                                      f"check the format (records start with '{grammar.start_line}')"))
    return records, problems


def read_ris(text: str, file: str) -> tuple[list[Record], list[RecordProblem]]:
    """RIS (Zotero, EndNote, Mendeley, Scopus, Web of Science, Ovid with its numbered ``1.`` lines, ...)."""
    return _read(text, file, RIS, lambda lines: _rispy_fields(lines, wok=False), _ris_record)


def read_wos(text: str, file: str) -> tuple[list[Record], list[RecordProblem]]:
    """Web of Science tagged export (``.ciw`` / plain text)."""
    return _read(text, file, WOS, lambda lines: _rispy_fields(lines, wok=True), _wos_record)


def read_medline(text: str, file: str) -> tuple[list[Record], list[RecordProblem]]:
    """PubMed/MEDLINE format (``.nbib``, PubMed's "PubMed" text export)."""
    return _read(text, file, MEDLINE, _medline_fields, _medline_record)

"""BibTeX (Zotero, Scopus, JabRef, ...), parsed by bibtexparser 2 with LaTeX decoded to Unicode. Field names:
the BibTeX conventions (``journal``/``booktitle``, ``number`` for the issue, ``pmid``/``eprint`` for PubMed)."""

from __future__ import annotations

import re
from typing import Any

from painregen.review.records import (
    Record,
    RecordProblem,
    clean,
    first,
    parse_doi,
    parse_year,
    pmid_from_url,
    split_list,
)

_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_BRACES = re.compile(r"[{}]")
#: escapes Zotero writes in abstracts by the hundred, replaced before pylatexenc is asked about the rest
_SIMPLE = {"\\%": "%", "\\&": "&", "\\_": "_", "\\$": "$", "\\#": "#", "\\textless": "<", "\\textgreater": ">"}


def _value(v: Any, latex: Any) -> str | None:
    """A field value as text: LaTeX commands decoded (pylatexenc, only where there is a backslash: it is
    slow), protective braces removed."""
    if v is None:
        return None
    text = str(v)
    if "\\" in text:
        for macro, char in _SIMPLE.items():
            text = text.replace(macro, char)
        if "\\" in text:
            text = latex.latex_to_text(text)
    return clean(_BRACES.sub("", text))


def split_bibtex_authors(value: str | None) -> list[str]:
    """Names of a BibTeX ``author`` field (separated by ``and``)."""
    return [c for part in _AND.split(value or "") if (c := clean(part))]


def _record(number: int, entry: Any, latex: Any) -> Record:
    raw: dict[str, str | None] = {}
    for f in entry.fields:  # a key repeated in the entry (Scopus repeats funding_details) keeps every value
        value = _value(f.value, latex)
        key = f.key.lower()
        raw[key] = value if raw.get(key) is None else f"{raw[key]}; {value}"
    g = raw.get
    return Record(
        record_number=number,
        entry_type=entry.entry_type.lower(),
        title=g("title"),
        authors=split_bibtex_authors(g("author")),
        year=parse_year(g("year"), g("date")),
        journal=first(g("journal"), g("journaltitle"), g("booktitle"), g("series")),
        volume=g("volume"),
        issue=first(g("number"), g("issue")),
        pages=first(g("pages"), g("art_number"), g("eid")),
        doi=parse_doi(g("doi"), g("url")),
        pmid=first(g("pmid")) or pmid_from_url(g("url")),
        abstract=g("abstract"),
        keywords=split_list(first(g("keywords"), g("author_keywords")), ";,"),
        isbn=first(g("issn"), g("isbn")),
        url=g("url"),
        source_key=entry.key,
        raw={"ENTRYTYPE": [entry.entry_type], "ID": [entry.key]} | {k: [v] for k, v in raw.items() if v is not None},
    )


def read_bibtex(text: str, file: str) -> tuple[list[Record], list[RecordProblem]]:
    """Every ``@type{key, ...}`` entry in file order; an entry bibtexparser cannot parse is a problem naming
    its line. Entries sharing a key are kept (search exports repeat keys such as ``Li2020``)."""
    import bibtexparser
    from bibtexparser import model
    from pylatexenc.latex2text import LatexNodes2Text

    latex = LatexNodes2Text()
    library = bibtexparser.parse_string(text)
    records: list[Record] = []
    problems: list[RecordProblem] = []
    number = 0
    for block in library.blocks:
        if isinstance(block, model.ParsingFailedBlock) and isinstance(block.ignore_error_block, model.Entry):
            number += 1  # a repeated key or a repeated field: the entry itself was read
            records.append(_record(number, block.ignore_error_block, latex))
        elif isinstance(block, model.ParsingFailedBlock):
            number += 1
            line = (block.start_line or 0) + 1
            reason = " ".join(str(getattr(block.error, "abort_reason", None) or block.error or "").split())
            reason = reason or "the entry cannot be parsed"
            problems.append(RecordProblem(file, number, None, f"line {line}: {reason}",
                                          "check the braces, quotes and commas of this entry"))
        elif isinstance(block, model.Entry):
            number += 1
            records.append(_record(number, block, latex))
    if number == 0:
        problems.append(RecordProblem(file, None, None, "no BibTeX entries found", "entries start with '@type{key,'"))
    return records, problems

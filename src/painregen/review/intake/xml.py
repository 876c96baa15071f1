"""XML exports, parsed with lxml: EndNote XML (``<xml><records><record>``, as EndNote, Zotero and Mendeley write
it) and PubMed XML (``<PubmedArticleSet>``, the E-utilities efetch output). Element meanings: EndNote's XML
(RSXML) export and NLM's PubMed DTD. External entities and DTDs are never loaded."""

from __future__ import annotations

from typing import Any

from painregen.review.records import Record, RecordProblem, clean, first, parse_doi, parse_year, pmid_from_url

Raw = dict[str, list[str]]


def _parser() -> Any:
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


def parse_xml(data: bytes, file: str) -> tuple[Any, list[RecordProblem]]:
    """The root element, or a problem naming the line of the first syntax error."""
    from lxml import etree

    try:
        return etree.fromstring(data, _parser()), []
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else "?"
        return None, [RecordProblem(file, None, None, f"line {line}: not well-formed XML ({exc.msg})",
                                    "export the file again; an XML export must not be edited by hand")]


def _text(el: Any) -> str | None:
    return clean("".join(el.itertext())) if el is not None else None


def _flatten(el: Any, prefix: str = "", raw: Raw | None = None) -> Raw:
    """Leaf texts of ``el`` by their path (EndNote wraps text in ``<style>``, which counts as text)."""
    raw = {} if raw is None else raw
    for child in el:
        if not isinstance(child.tag, str):  # comments, processing instructions
            continue
        path = f"{prefix}{child.tag}"
        if all(isinstance(g.tag, str) and g.tag == "style" for g in child) or len(child) == 0:
            if (t := _text(child)) is not None:
                raw.setdefault(path, []).append(t)
            for name, value in child.attrib.items():
                raw.setdefault(f"{path}@{name}", []).append(value)
        else:
            _flatten(child, f"{path}/", raw)
    return raw


def _endnote_record(number: int, rec: Any) -> Record:
    raw = _flatten(rec)

    def get(*paths: str) -> list[str]:
        return [v for p in paths for v in raw.get(p, [])]

    return Record(
        record_number=number,
        entry_type=first(get("ref-type@name")),
        title=first(get("titles/title")),
        authors=get("contributors/authors/author"),
        year=parse_year(get("dates/year"), get("dates/pub-dates/date")),
        journal=first(get("periodical/full-title"), get("titles/secondary-title"), get("periodical/abbr-1"),
                      get("alt-periodical/full-title")),
        volume=first(get("volume")),
        issue=first(get("number"), get("issue")),
        pages=first(get("pages")),
        doi=parse_doi(get("electronic-resource-num"), get("urls/related-urls/url")),
        pmid=first([a for a in get("accession-num") if a.isdigit()]) or pmid_from_url(get("urls/related-urls/url")),
        abstract=first(get("abstract")),
        keywords=get("keywords/keyword"),
        isbn=first(get("isbn")),
        url=first(get("urls/related-urls/url")),
        source_key=first(get("rec-number")),
        raw=raw,
    )


def read_endnote_xml(data: bytes, file: str) -> tuple[list[Record], list[RecordProblem]]:
    """EndNote XML: one ``<record>`` per reference."""
    root, problems = parse_xml(data, file)
    if root is None:
        return [], problems
    recs = root.findall("./records/record")
    if not recs:
        problems.append(RecordProblem(file, None, None, "no <records>/<record> elements in this EndNote XML",
                                      "export the library as EndNote XML"))
    return [_endnote_record(i, r) for i, r in enumerate(recs, start=1)], problems


def _pubmed_authors(art: Any) -> list[str]:
    out: list[str] = []
    for a in art.findall("./AuthorList/Author"):
        if (name := _text(a.find("CollectiveName"))) is not None:
            out.append(name)
            continue
        last = _text(a.find("LastName"))
        given = _text(a.find("Initials")) or _text(a.find("ForeName"))
        if last:
            out.append(f"{last}, {given}" if given else last)
    return out


def _pubmed_abstract(art: Any) -> str | None:
    parts = []
    for t in art.findall("./Abstract/AbstractText"):
        text = _text(t)
        if text:
            label = t.get("Label")
            parts.append(f"{label}: {text}" if label else text)
    return " ".join(parts) or None


def _pubmed_record(number: int, el: Any) -> Record:
    cit = el.find("MedlineCitation")
    if cit is None:  # PubmedBookArticle
        cit = el.find("BookDocument")
    art = cit.find("Article") if cit is not None else None
    art = art if art is not None else (cit if cit is not None else el)
    journal = art.find("Journal")
    issue = journal.find("JournalIssue") if journal is not None else None
    pubdate = issue.find("PubDate") if issue is not None else None
    doi_nodes = [e for e in el.iter("ArticleId", "ELocationID") if (e.get("IdType") or e.get("EIdType")) == "doi"]
    keywords = [k for e in el.iter("Keyword") if (k := _text(e))]
    if not keywords:
        keywords = [k for e in el.iter("DescriptorName") if (k := _text(e))]
    return Record(
        record_number=number,
        entry_type=first([_text(p) for p in art.findall("./PublicationTypeList/PublicationType")]),
        title=_text(art.find("ArticleTitle")) or _text(art.find("BookTitle")),
        authors=_pubmed_authors(art),
        year=parse_year(_text(pubdate), _text(art.find("./ArticleDate"))),
        journal=_text(journal.find("Title")) if journal is not None else None,
        volume=_text(issue.find("Volume")) if issue is not None else None,
        issue=_text(issue.find("Issue")) if issue is not None else None,
        pages=_text(art.find("./Pagination/MedlinePgn")),
        doi=parse_doi([_text(e) for e in doi_nodes]),
        pmid=_text(cit.find("PMID")) if cit is not None else None,
        abstract=_pubmed_abstract(art),
        keywords=keywords,
        isbn=_text(journal.find("ISSN")) if journal is not None else None,
        source_key=_text(cit.find("PMID")) if cit is not None else None,
        raw=_flatten(el),
    )


def read_pubmed_xml(data: bytes, file: str) -> tuple[list[Record], list[RecordProblem]]:
    """PubMed XML (``PubmedArticleSet`` of ``PubmedArticle``/``PubmedBookArticle``)."""
    root, problems = parse_xml(data, file)
    if root is None:
        return [], problems
    arts = [e for e in root if isinstance(e.tag, str) and e.tag in ("PubmedArticle", "PubmedBookArticle")]
    if not arts:
        problems.append(RecordProblem(file, None, None, "no <PubmedArticle> elements in this PubMed XML",
                                      "save PubMed results as XML (efetch rettype=xml)"))
    return [_pubmed_record(i, a) for i, a in enumerate(arts, start=1)], problems

"""Rebuild the plain texts of tests/data/rob_corpus/ from articles in fetched public repositories.

The corpus texts are committed (tests/data/rob_corpus/texts/); this script records how they were made. For each
row of ``documents.csv`` it reads the article from a local git mirror (``git show COMMIT:PATH``):

- JATS XML (``.xml``/``.nxml``: PLOS, eLife, PMC): keeps the title, abstract, body paragraphs, section titles,
  figure captions and the back-matter statements (acknowledgements, competing interests, funding, ethics), drops
  references, tables and reviewers' sub-articles;
- plain text (``.txt``: the CRAFT corpus, UCDenver-ccp/CRAFT ``articles/txt/<PMID>.txt``, already PMC full text
  with headings and back matter): copied as it is (line ends normalised).

It writes one UTF-8 text per article. ``--add REPO@COMMIT:PATH ... --doc-id ID --split S --kind K`` appends new
rows to ``documents.csv`` (DOI, licence and title read from the article; for CRAFT from its ``.copyright``
file) before writing the texts.

    .venv/bin/python tools/rob_corpus_build.py --mirror-root /work/.mirror --out tests/data/rob_corpus

No network: the mirrors must already be on disk.
"""

from __future__ import annotations

import argparse
import csv
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

XLINK = "{http://www.w3.org/1999/xlink}href"


@dataclass(frozen=True)
class Source:
    repo: str
    commit: str
    path: str


def _text(el: etree._Element) -> str:
    parts = []
    for node in el.iter():
        if node.tag in ("xref",) and node.text and re.fullmatch(r"[\d,–\-\s]+", node.text or ""):
            # numeric citation markers become "[n]" as on the page
            pass
    raw = "".join(el.itertext())
    parts.append(raw)
    return re.sub(r"\s+", " ", " ".join(parts)).strip()


def _strip(root: etree._Element) -> None:
    for tag in ("ref-list", "table-wrap", "table", "sub-article", "response", "inline-formula", "disp-formula",
                "supplementary-material", "media"):
        for el in root.iter(tag):
            parent = el.getparent()
            if parent is not None:
                tail = el.tail
                parent.remove(el)
                if tail:
                    prev = parent[-1] if len(parent) else None
                    if prev is not None:
                        prev.tail = (prev.tail or "") + tail
                    else:
                        parent.text = (parent.text or "") + tail


def article_text(xml: bytes) -> tuple[str, dict[str, str]]:
    """(plain text, metadata) of one JATS article."""
    root = etree.fromstring(xml, parser=etree.XMLParser(recover=True, resolve_entities=False, no_network=True))
    meta = {
        "doi": root.xpath("string(//article-meta/article-id[@pub-id-type='doi'])").strip(),
        "pmcid": root.xpath("string(//article-meta/article-id[@pub-id-type='pmc'])").strip(),
        "title": re.sub(r"\s+", " ", root.xpath("string(//article-meta//article-title)")).strip(),
        "licence": "",
    }
    lic = root.find(".//license")
    if lic is not None:
        meta["licence"] = (lic.get(XLINK) or re.sub(r"\s+", " ", "".join(lic.itertext())).strip())[:200]
    _strip(root)
    out: list[str] = [meta["title"], ""]
    for ab in root.iterfind(".//article-meta/abstract"):
        if ab.get("abstract-type") in ("toc", "executive-summary"):
            continue
        for node in ab.iter("title", "p"):
            out.append(_text(node))
        out.append("")
    body = root.find(".//body")
    if body is not None:
        for node in body.iter("title", "p", "caption"):
            if node.tag == "title" and node.getparent() is not None and node.getparent().tag == "caption":
                continue
            if node.tag == "p" and any(a.tag == "caption" for a in node.iterancestors()):
                continue
            t = _text(node)
            if t:
                out.append(t)
                if node.tag == "title":
                    out.append("")
        out.append("")
    for fn in root.iterfind(".//author-notes/fn"):
        if fn.get("fn-type") in ("conflict", "COI-statement", "financial-disclosure", "con", "other"):
            t = _text(fn)
            if t:
                out.append(t)
    back = root.find(".//back")
    if back is not None:
        for node in back.iter("title", "p"):
            t = _text(node)
            if t:
                out.append(t)
    text = "\n".join(out)
    text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    return text, meta


def git_show(mirror: Path, src: Source) -> bytes:
    return subprocess.run(["git", "--git-dir", str(mirror), "show", f"{src.commit}:{src.path}"], check=True,
                          capture_output=True).stdout


def plain_text(raw: bytes, copyright_note: bytes | None = None) -> tuple[str, dict[str, str]]:
    """(text, metadata) of a plain-text article (CRAFT): DOI left empty, PMID/PMCID and licence from the
    ``.copyright`` note when given."""
    text = raw.decode("utf-8").replace("\r\n", "\n").strip() + "\n"
    meta = {"doi": "", "pmcid": "", "title": text.split("\n", 1)[0].strip(), "licence": ""}
    if copyright_note is not None:
        note = re.sub(r"\s+", " ", copyright_note.decode("utf-8"))
        pmid = re.search(r"PubMed ID:\s*(\d+)", note)
        pmc = re.search(r"/pmc/articles/(PMC\d+)", note)
        meta["doi"] = f"PMID:{pmid.group(1)}" if pmid else ""
        meta["pmcid"] = pmc.group(1) if pmc else ""
        lic = re.search(r"(This is an? [Oo]pen[- ][Aa]ccess article[^.]*)", note)
        meta["licence"] = (lic.group(1) if lic else "")[:200]
    return text, meta


FIELDS = ["doc_id", "split", "kind", "source", "path", "doi", "licence", "title"]


def read_article(mirror_root: Path, source: str, path: str) -> tuple[str, dict[str, str]]:
    repo, _, commit = source.partition("@")
    mirror = mirror_root / repo.replace("/", "+") / "repo"
    raw = git_show(mirror, Source(repo, commit, path))
    if path.endswith(".txt"):
        note = git_show(mirror, Source(repo, commit, path[:-4] + ".copyright"))
        return plain_text(raw, note)
    return article_text(raw)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mirror-root", type=Path, required=True, help="folder holding owner+name/repo git mirrors")
    p.add_argument("--out", type=Path, required=True, help="corpus folder (documents.csv is read from it)")
    p.add_argument("--add", nargs="*", default=[], help="new articles as ID=REPO@COMMIT:PATH (appended as rows)")
    p.add_argument("--split", default="dev", help="split of the added rows")
    p.add_argument("--kind", default="in_vivo", help="kind of the added rows (in_vivo or other)")
    args = p.parse_args(argv)
    with (args.out / "documents.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    known = {r["doc_id"] for r in rows}
    for spec in args.add:
        doc_id, _, where = spec.partition("=")
        source, _, path = where.partition(":")
        if doc_id in known:
            raise SystemExit(f"{doc_id} is already in documents.csv")
        _text, meta = read_article(args.mirror_root, source, path)
        rows.append({"doc_id": doc_id, "split": args.split, "kind": args.kind, "source": source, "path": path,
                     "doi": meta["doi"], "licence": meta["licence"][:120], "title": meta["title"]})
        known.add(doc_id)
    for row in rows:
        text, _meta = read_article(args.mirror_root, row["source"], row["path"])
        (args.out / "texts" / f"{row['doc_id']}.txt").write_text(text, encoding="utf-8")
    if args.add:
        with (args.out / "documents.csv").open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=FIELDS, lineterminator="\n")
            w.writeheader()
            w.writerows(rows)
    print(f"wrote {len(rows)} texts")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

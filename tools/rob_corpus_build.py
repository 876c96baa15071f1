"""Rebuild the plain texts of tests/data/rob_corpus/ from JATS XML articles in fetched public repositories.

The corpus texts are committed (tests/data/rob_corpus/texts/); this script records how they were made. It
reads each article's JATS XML from a local git mirror (``git show COMMIT:PATH``), keeps the title, abstract,
body paragraphs, section titles, figure captions and the back-matter statements (acknowledgements, competing
interests, funding, ethics), drops references, tables and reviewers' sub-articles, and writes one UTF-8 text per
article plus ``documents.csv`` (id, source repo@commit, path, DOI, licence, title).

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


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mirror-root", type=Path, required=True, help="folder holding owner+name/repo git mirrors")
    p.add_argument("--out", type=Path, required=True, help="corpus folder (documents.csv is read from it)")
    args = p.parse_args(argv)
    with (args.out / "documents.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        repo, _, commit = row["source"].partition("@")
        mirror = args.mirror_root / repo.replace("/", "+") / "repo"
        text, _meta = article_text(git_show(mirror, Source(repo, commit, row["path"])))
        (args.out / "texts" / f"{row['doc_id']}.txt").write_text(text, encoding="utf-8")
    print(f"wrote {len(rows)} texts")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Rebuild the plain texts of tests/data/rob_corpus/ from the articles in fetched public repositories.

The texts are never committed (tests/data/rob_corpus/texts/ is in .gitignore): only the list of articles
(``documents.csv``: repository@commit, path, DOI, licence, title) and the labels as offsets and SHA-256 sums
(``labels.csv``) are. For each row of ``documents.csv`` this reads the article from the local snapshot that the
session's ``fetch`` tool brings (``/work/.mirror/<owner>+<name>/repo``, a bare git directory) with ``git show
COMMIT:PATH``:

- JATS XML (``.xml``/``.nxml``: PLOS, eLife, PMC): keeps the title, abstract, body paragraphs, section titles,
  figure captions and the back-matter statements (acknowledgements, competing interests, funding, ethics), drops
  references, tables and reviewers' sub-articles;
- plain text (``.txt``: the CRAFT corpus, UCDenver-ccp/CRAFT ``articles/txt/<PMID>.txt``, already PMC full text
  with headings and back matter): copied as it is (line ends normalised).

It writes one UTF-8 text per article to ``texts/<doc_id>.txt`` and then checks every labelled span of
``labels.csv`` against them (``tools/rob_labels.py verify``). Nothing is written unless every article could be
read. ``--add ID=REPO@COMMIT:PATH ... --split S --kind K`` appends new rows to ``documents.csv`` (DOI, licence
and title read from the article; for CRAFT from its ``.copyright`` file) before writing the texts.

    .venv/bin/python tools/rob_corpus_build.py [--mirror-root /work/.mirror] [--corpus tests/data/rob_corpus]

No network: the snapshots must already be on disk (fetch github:OWNER/NAME for each repository of
``documents.csv``).
"""

from __future__ import annotations

import argparse
import csv
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from rob_labels import check  # tools/ is on sys.path when this runs as a script

XLINK = "{http://www.w3.org/1999/xlink}href"
ROOT = Path(__file__).resolve().parents[1]
FIELDS = ["doc_id", "split", "kind", "source", "path", "doi", "licence", "title"]
#: licence of an article -> the short name documents.csv records (README: Sources and licences)
LICENCES = [
    (r"creativecommons\.org/licenses/by/(\d\.\d)", "CC-BY-{}"),
    (r"creativecommons\.org/licenses/by-nc/(\d\.\d)", "CC-BY-NC-{}"),
    (r"creativecommons\.org/publicdomain/zero/(\d\.\d)", "CC0-{}"),
    (r"creativecommons\.org/publicdomain/mark/(\d\.\d)", "PDM-{}"),
    (r"Creative Commons Public Domain declaration", "CC-PD"),
    (r"Creative Commons Attribution License", "CC-BY"),
    (r"free of all copyright", "public-domain"),
]


@dataclass(frozen=True)
class Source:
    repo: str
    commit: str
    path: str


def _text(el: etree._Element) -> str:
    return re.sub(r"\s+", " ", "".join(el.itertext())).strip()


def licence_id(statement: str) -> str:
    """Short licence name (``CC-BY-4.0``, ``CC0-1.0``, ``public-domain``, ...) of an article's licence URL or
    statement; ``""`` when none of :data:`LICENCES` matches (then the article must be checked by hand)."""
    flat = re.sub(r"\s+", " ", statement)
    for pattern, name in LICENCES:
        m = re.search(pattern, flat)
        if m:
            return name.format(*m.groups())
    return ""


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
        meta["licence"] = licence_id(lic.get(XLINK) or "".join(lic.itertext()))
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


class BuildError(Exception):
    """An article that cannot be read from its snapshot (message says what to fetch)."""


def mirror_of(mirror_root: Path, repo: str) -> Path:
    return mirror_root / repo.replace("/", "+") / "repo"


def has_snapshot(mirror: Path) -> bool:
    return (mirror / "objects").is_dir()


def git_show(mirror: Path, src: Source) -> bytes:
    if not has_snapshot(mirror):
        raise BuildError(f"no snapshot of {src.repo} at {mirror} (fetch github:{src.repo} with the fetch tool)")
    run = subprocess.run(["git", "--git-dir", str(mirror), "show", f"{src.commit}:{src.path}"], capture_output=True)
    if run.returncode != 0:
        raise BuildError(f"{src.commit[:12]}:{src.path} is not in the snapshot of {src.repo} "
                         f"({run.stderr.decode(errors='replace').strip()[:120]}; fetch github:{src.repo} again)")
    return run.stdout


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
        meta["licence"] = licence_id(note)
    return text, meta


def read_article(mirror_root: Path, source: str, path: str) -> tuple[str, dict[str, str]]:
    repo, _, commit = source.partition("@")
    mirror = mirror_of(mirror_root, repo)
    raw = git_show(mirror, Source(repo, commit, path))
    if path.endswith(".txt"):
        note = git_show(mirror, Source(repo, commit, path[:-4] + ".copyright"))
        return plain_text(raw, note)
    return article_text(raw)


def _add_rows(p: argparse.ArgumentParser, args: argparse.Namespace, rows: list[dict[str, str]]) -> list[str]:
    """Append the ``--add`` articles to ``rows`` (metadata read from the articles); problems found."""
    problems = []
    known = {r["doc_id"] for r in rows}
    for spec in args.add:
        doc_id, _, where = spec.partition("=")
        source, _, path = where.partition(":")
        if not (doc_id and path and "@" in source):
            p.error(f"--add {spec}: expected ID=OWNER/NAME@COMMIT:PATH")
        if doc_id in known:
            p.error(f"--add {spec}: {doc_id} is already in documents.csv")
        try:
            _text, meta = read_article(args.mirror_root, source, path)
        except BuildError as err:
            problems.append(f"--add {doc_id}: {err}")
            continue
        if not meta["licence"]:
            problems.append(f"--add {doc_id}: no known open licence in the article (check it by hand; LICENCES)")
        rows.append({"doc_id": doc_id, "split": args.split, "kind": args.kind, "source": source, "path": path,
                     "doi": meta["doi"], "licence": meta["licence"], "title": meta["title"]})
        known.add(doc_id)
    return problems


def read_all(rows: list[dict[str, str]], mirror_root: Path, where: Path) -> tuple[dict[str, str], list[str]]:
    """The text of every row, and the problems (a missing snapshot once per repository)."""
    repos = Counter(r["source"].partition("@")[0] for r in rows)
    absent = {repo for repo in repos if not has_snapshot(mirror_of(mirror_root, repo))}
    problems = [f"{where}: no snapshot of {repo} at {mirror_of(mirror_root, repo)} ({repos[repo]} articles; fetch "
                f"github:{repo} with the fetch tool)" for repo in sorted(absent)]
    texts: dict[str, str] = {}
    for n, row in enumerate(rows, 2):  # row 1 is the header
        if row["source"].partition("@")[0] in absent:
            continue
        try:
            texts[row["doc_id"]], _meta = read_article(mirror_root, row["source"], row["path"])
        except BuildError as err:
            problems.append(f"{where}:{n}:source: {err}")
    return texts, problems


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mirror-root", type=Path, default=Path("/work/.mirror"),
                   help="folder holding the fetched snapshots as <owner>+<name>/repo (default /work/.mirror)")
    p.add_argument("--corpus", "--out", type=Path, default=ROOT / "tests" / "data" / "rob_corpus",
                   help="corpus folder: documents.csv and labels.csv are read from it, texts/ is written")
    p.add_argument("--add", nargs="*", default=[], help="new articles as ID=OWNER/NAME@COMMIT:PATH (appended)")
    p.add_argument("--split", default="dev", help="split of the added rows")
    p.add_argument("--kind", default="in_vivo", help="kind of the added rows (in_vivo or other)")
    args = p.parse_args(argv)
    with (args.corpus / "documents.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    problems = _add_rows(p, args, rows)
    texts, more = read_all(rows, args.mirror_root, args.corpus / "documents.csv")
    if problems + more:
        print("\n".join(problems + more), file=sys.stderr)
        print(f"nothing written ({len(problems + more)} problems)", file=sys.stderr)
        return 1
    (args.corpus / "texts").mkdir(exist_ok=True)
    for doc_id, text in texts.items():
        (args.corpus / "texts" / f"{doc_id}.txt").write_text(text, encoding="utf-8")
    if args.add:
        with (args.corpus / "documents.csv").open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=FIELDS, lineterminator="\n")
            w.writeheader()
            w.writerows(rows)
    print(f"wrote {len(texts)} texts to {args.corpus / 'texts'}")
    n, bad = check(args.corpus)
    for msg in bad:
        print(msg, file=sys.stderr)
    print(f"{n} labelled spans checked against the rebuilt texts: {n - len(bad)} match (SHA-256), {len(bad)} do not")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Check and extend the labels of the rob corpus (tests/data/rob_corpus/labels.csv) against the rebuilt texts.

``labels.csv`` holds no text: each row is ``doc_id, split, item, label, start, end, sha256, round``, where
``start``/``end`` are character offsets of a whole sentence (:func:`painregen.appraise.textnorm.split_sentences`)
in ``texts/<doc_id>.txt`` (rebuilt locally by ``tools/rob_corpus_build.py``, never committed) and ``sha256`` is
the SHA-256 of the UTF-8 bytes of ``text[start:end]``.

    .venv/bin/python tools/rob_labels.py verify [--corpus tests/data/rob_corpus]
    .venv/bin/python tools/rob_labels.py add LINES.txt --split heldout_b --round pass3 [--corpus ...]

``verify`` checks every row: the text exists, the span is a sentence of the splitter and its SHA-256 matches
(exit 1 and ``labels.csv:ROW:COLUMN: message`` lines otherwise). ``add`` appends labels written one a line as
``doc_id|item|label|ANCHOR``: ANCHOR ``#N`` is the sentence number that ``tools/rob_candidates.py`` prints, any
other ANCHOR is a few words quoted from the sentence (every sentence holding them is labelled). Files of quoted
anchors hold words of the articles: keep them out of git (e.g. under build/), only labels.csv is committed.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import re
import sys
from pathlib import Path

from painregen.appraise.textnorm import split_sentences

FIELDS = ["doc_id", "split", "item", "label", "start", "end", "sha256", "round"]
SPLITS = ("dev", "heldout", "heldout_b", "heldout_c")
LABELS = ("yes", "no", "look", "skip")
ITEMS = ("sequence_generation", "allocation_concealment", "random_housing", "caregiver_blinding",
         "random_outcome_assessment", "assessor_blinding", "sample_size_calculation", "welfare_compliance",
         "conflict_of_interest", "exclusions")
DEFAULT_CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "rob_corpus"
REBUILD = "rebuild the texts: .venv/bin/python tools/rob_corpus_build.py, see tests/data/rob_corpus/README.md"


def sha256(sentence: str) -> str:
    return hashlib.sha256(sentence.encode("utf-8")).hexdigest()


def read_rows(corpus: Path) -> list[dict[str, str]]:
    path = corpus / "labels.csv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def write_rows(corpus: Path, rows: list[dict[str, str]]) -> None:
    rows.sort(key=lambda r: (r["split"], r["doc_id"], int(r["start"]), r["item"]))
    with (corpus / "labels.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=FIELDS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


class Texts:
    """The rebuilt texts and their sentence spans, read once each."""

    def __init__(self, corpus: Path) -> None:
        self.folder = corpus / "texts"
        self._text: dict[str, str | None] = {}
        self._spans: dict[str, list[tuple[int, int]]] = {}

    def text(self, doc_id: str) -> str | None:
        if doc_id not in self._text:
            path = self.folder / f"{doc_id}.txt"
            self._text[doc_id] = path.read_text(encoding="utf-8") if path.exists() else None
        return self._text[doc_id]

    def spans(self, doc_id: str) -> list[tuple[int, int]]:
        if doc_id not in self._spans:
            self._spans[doc_id] = split_sentences(self.text(doc_id) or "")
        return self._spans[doc_id]


def check(corpus: Path) -> tuple[int, list[str]]:
    """(rows checked, problems as ``labels.csv:ROW:COLUMN: message (fix)``) for every label of the corpus."""
    with (corpus / "documents.csv").open(encoding="utf-8") as fh:
        split_of = {r["doc_id"]: r["split"] for r in csv.DictReader(fh)}
    rows = read_rows(corpus)
    texts = Texts(corpus)
    problems: list[str] = []
    for n, r in enumerate(rows, 2):  # row 1 is the header
        where = f"labels.csv:{n}"
        if split_of.get(r["doc_id"]) != r["split"]:
            problems.append(f"{where}:split: {r['doc_id']} is not a {r['split']} document of documents.csv")
            continue
        if r["item"] not in ITEMS or r["label"] not in LABELS:
            problems.append(f"{where}:item: unknown item or label {r['item']}/{r['label']}")
        text = texts.text(r["doc_id"])
        if text is None:
            problems.append(f"{where}:doc_id: texts/{r['doc_id']}.txt is missing ({REBUILD})")
            continue
        a, b = int(r["start"]), int(r["end"])
        if sha256(text[a:b]) != r["sha256"]:
            problems.append(f"{where}:sha256: the rebuilt text differs in {a}-{b} (rebuild from the commit in "
                            "documents.csv; a changed build or source needs relabelling)")
        elif (a, b) not in set(texts.spans(r["doc_id"])):
            problems.append(f"{where}:start: {a}-{b} is no longer a whole sentence of the splitter (relabel with "
                            "the add command, or restore the splitter)")
    return len(rows), problems


def anchor_spans(text: str, spans: list[tuple[int, int]], anchor: str) -> list[tuple[int, int]]:
    """The sentences an anchor names: ``#N`` (sentence number) or every sentence holding the quoted words."""
    if re.fullmatch(r"#\d+", anchor):
        k = int(anchor[1:])
        return [spans[k]] if k < len(spans) else []
    out = []
    for m in re.finditer(re.escape(anchor), text):
        out += [(a, b) for a, b in spans if a <= m.start() < b][:1]
    return out


def add(corpus: Path, lines: Path, split: str, round_name: str) -> int:
    with (corpus / "documents.csv").open(encoding="utf-8") as fh:
        split_of = {r["doc_id"]: r["split"] for r in csv.DictReader(fh)}
    rows = read_rows(corpus)
    seen = {(r["doc_id"], r["item"], r["label"], r["start"], r["end"]) for r in rows}
    texts = Texts(corpus)
    new: list[dict[str, str]] = []
    bad = 0
    for n, line in enumerate(lines.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("|", 3)
        if len(parts) != 4:
            print(f"{lines}:{n}:1: expected doc_id|item|label|anchor", file=sys.stderr)
            bad += 1
            continue
        doc_id, item, label, anchor = parts
        text = texts.text(doc_id)
        problem = (f"{doc_id} is not a {split} document" if split_of.get(doc_id) != split else
                   f"unknown item {item!r}" if item not in ITEMS else
                   f"unknown label {label!r} (one of {', '.join(LABELS)})" if label not in LABELS else
                   f"texts/{doc_id}.txt is missing ({REBUILD})" if text is None else "")
        found = anchor_spans(text, texts.spans(doc_id), anchor) if text is not None and not problem else []
        if not problem and not found:
            problem = f"anchor {anchor[:40]!r} names no sentence of {doc_id}"
        if problem:
            print(f"{lines}:{n}:1: {problem}", file=sys.stderr)
            bad += 1
            continue
        assert text is not None
        for a, b in found:
            key = (doc_id, item, label, str(a), str(b))
            if key not in seen:
                seen.add(key)
                new.append({"doc_id": doc_id, "split": split, "item": item, "label": label, "start": str(a),
                            "end": str(b), "sha256": sha256(text[a:b]), "round": round_name})
    if bad:
        print(f"nothing written: {bad} line(s) to fix", file=sys.stderr)
        return 1
    write_rows(corpus, rows + new)
    print(f"{len(new)} labels added ({len(rows) + len(new)} in labels.csv)")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    v = sub.add_parser("verify", help="check every label span against the rebuilt texts")
    a = sub.add_parser("add", help="append labels from doc_id|item|label|anchor lines")
    a.add_argument("lines", type=Path)
    a.add_argument("--split", required=True, choices=SPLITS)
    a.add_argument("--round", required=True, help="labelling round, e.g. pass3 (README: Labels)")
    for sp in (v, a):
        sp.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = p.parse_args(argv)
    if args.command == "add":
        return add(args.corpus, args.lines, args.split, args.round)
    n, problems = check(args.corpus)
    for msg in problems:
        print(msg, file=sys.stderr)
    print(f"{n} labels checked: {n - len(problems)} spans match the rebuilt texts, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())

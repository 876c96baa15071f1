"""Turn the hand-written label lines of the rob corpus (``doc_id|item|label|quoted words``) into sentence spans.

Each line quotes a few words of a sentence of ``texts/<doc_id>.txt``; the span written to ``labels.csv`` is the
whole sentence holding the quote (sentence boundaries from :func:`painregen.appraise.textnorm.split_sentences`,
computed once here: later changes to the splitter do not move the gold spans).

    .venv/bin/python tools/rob_labels.py LINES.txt --corpus tests/data/rob_corpus --split dev
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from painregen.appraise.textnorm import split_sentences

FIELDS = ["doc_id", "split", "item", "label", "start", "end", "sentence"]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("lines", type=Path)
    p.add_argument("--corpus", type=Path, required=True)
    p.add_argument("--split", required=True, choices=["dev", "heldout"])
    args = p.parse_args(argv)
    out_path = args.corpus / "labels.csv"
    rows = list(csv.DictReader(out_path.open(encoding="utf-8"))) if out_path.exists() else []
    rows = [r for r in rows if r["split"] != args.split]
    bad = 0
    for n, line in enumerate(args.lines.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        doc_id, item, label, quote = line.split("|", 3)
        text = (args.corpus / "texts" / f"{doc_id}.txt").read_text(encoding="utf-8")
        at = text.find(quote)
        if at < 0 or text.find(quote, at + 1) >= 0 and label != "yes":
            pass
        if at < 0:
            print(f"{args.lines}:{n}: quote not found in {doc_id}", file=sys.stderr)
            bad += 1
            continue
        for a, b in split_sentences(text):
            if a <= at < b:
                rows.append({"doc_id": doc_id, "split": args.split, "item": item, "label": label, "start": a,
                             "end": b, "sentence": " ".join(text[a:b].split())})
                break
    rows.sort(key=lambda r: (r["split"], r["doc_id"], int(r["start"]), r["item"]))
    with out_path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=FIELDS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    print(f"{len(rows)} labels ({bad} quotes not found)")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Turn the hand-written label lines of the rob corpus (``doc_id|item|label|quoted words``) into sentence spans.

Each line quotes a few words of a sentence of ``texts/<doc_id>.txt``; the spans written to ``labels.csv`` are the
whole sentences holding each occurrence of the quote (sentence boundaries from
:func:`painregen.appraise.textnorm.split_sentences`, computed once here: later changes to the splitter do not move
the gold spans).

    .venv/bin/python tools/rob_labels.py LINES.txt --corpus tests/data/rob_corpus --split dev
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

from painregen.appraise.textnorm import split_sentences

FIELDS = ["doc_id", "split", "item", "label", "start", "end", "sentence"]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("lines", type=Path)
    p.add_argument("--corpus", type=Path, required=True)
    p.add_argument("--split", required=True, choices=["dev", "heldout", "heldout_b"])
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
        found = [m.start() for m in re.finditer(re.escape(quote), text)]
        if not found:
            print(f"{args.lines}:{n}: quote not found in {doc_id}", file=sys.stderr)
            bad += 1
            continue
        spans = split_sentences(text)
        for at in found:  # every occurrence: a sentence repeated in the text carries the same label
            for a, b in spans:
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

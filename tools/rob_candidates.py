"""List the sentences of rob-corpus texts that a labeller must read: every sentence holding a broad cue word of
any appraisal item (random, blind, aware, conceal, coded, sample size, power, approved, committee, guideline,
ethic, competing, conflict, exclude, ...), with its heading, numbered per document.

The cue list is deliberately much wider than any detector's patterns and is fixed (it is not derived from the
detectors or their errors), so that gold labels do not follow what painregen already finds. Sentences without a
cue word are not shown and stay unlabelled (gold: not "yes"); see tests/data/rob_corpus/README.md. The number
before each sentence is the ``#N`` anchor of ``tools/rob_labels.py add``. Reads the rebuilt texts (not in git,
``tools/rob_corpus_build.py``); its output holds the articles' words, so keep it out of git (e.g. under build/).

    .venv/bin/python tools/rob_candidates.py --split heldout_b > build/candidates.txt
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

from painregen.appraise.textnorm import split_sentences

CUES = re.compile(
    r"random|blind|mask|unaware|\baware\b|knowledge\s+of|conceal|\bcod(?:ed|es?|ing)\b|envelope|allocat|\bassign"
    r"|sample\s+sizes?|\bpower\b|\bn\s*=\s*\d+\s+(?:per|/)|a\s+priori|predetermin|approv|committee|\bboard\b"
    r"|guideline|regulation|\blaws?\b|\bact\b|welfare|ethic|IACUC|licen[cs]|permit|directive|\bprotocol\b|ARRIVE"
    r"|humane|suffering|competing|conflict|disclos|financial|\bshares?\b|employee|consult|patent|royalt|honorari"
    r"|\bfund(?:er|ers|ing)\b|sponsor|exclu|inclusion|\boutlier|\bcriteri|\border\b|\bcages?\b|\bracks?\b"
    r"|investigator|experimenter|observer|examiner|assessor|\brater|scorer|double|single[- ]blind|independent",
    re.IGNORECASE)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[1] / "tests" / "data" / "rob_corpus")
    p.add_argument("--split", required=True)
    p.add_argument("--doc", action="append", help="only these documents")
    p.add_argument("--unlabelled", action="store_true", help="hide sentences that already carry a label (audit)")
    args = p.parse_args(argv)
    labelled: set[tuple[str, int]] = set()
    if args.unlabelled and (args.corpus / "labels.csv").exists():
        with (args.corpus / "labels.csv").open(encoding="utf-8") as fh:
            labelled = {(r["doc_id"], int(r["start"])) for r in csv.DictReader(fh)}
    with (args.corpus / "documents.csv").open(encoding="utf-8") as fh:
        docs = [r for r in csv.DictReader(fh) if r["split"] == args.split and (not args.doc or r["doc_id"] in args.doc)]
    missing = [d["doc_id"] for d in docs if not (args.corpus / "texts" / f"{d['doc_id']}.txt").exists()]
    if missing:
        print(f"{args.corpus / 'texts'}: {len(missing)} texts absent (rebuild: .venv/bin/python "
              "tools/rob_corpus_build.py)", file=sys.stderr)
        return 1
    for d in docs:
        text = (args.corpus / "texts" / f"{d['doc_id']}.txt").read_text(encoding="utf-8")
        print(f"### {d['doc_id']} ({d['kind']}): {d['title']}")
        heading = ""
        for n, (a, b) in enumerate(split_sentences(text)):
            s = " ".join(text[a:b].split())
            if len(s) <= 60 and not s.endswith((".", ";", ",")):
                heading = s
                continue
            if CUES.search(s) and (d["doc_id"], a) not in labelled:
                print(f"{n}\t[{heading[:30]}]\t{s}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

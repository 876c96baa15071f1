"""Appraisal pre-filling on the held-out papers of the rob corpus, next to CAMARADES RegexRoB on the same text in
the same run: per item sensitivity, specificity and F1 at sentence and paper level, look-alike and negation
errors. Writes the section between the prefill markers of benchmarks/RESULTS.md.

    .venv/bin/python benchmarks/bench_prefill.py [--split heldout] [--no-write]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from painregen.appraise.evaluate import (  # noqa: E402
    DETECTOR_ITEMS,
    REGEXROB_ITEMS,
    evaluate,
    load_corpus,
    load_regexrob,
    painregen_predictor,
    regexrob_predictor,
)

CORPUS = ROOT / "tests" / "data" / "rob_corpus"
REGEXROB = ROOT.parent / "shared" / "data" / "rob" / "camarades_RegexRoB_Preclinical_RoB_regex.csv"
BEGIN, END = "<!-- prefill:begin -->", "<!-- prefill:end -->"


def _f(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}"


def report(split: str) -> str:
    docs = load_corpus(CORPUS, split)
    items = list(DETECTOR_ITEMS.values())
    five = list(REGEXROB_ITEMS.values())
    ours = evaluate(docs, painregen_predictor(True), items)
    rules = evaluate(docs, painregen_predictor(False), items)
    rr = evaluate(docs, regexrob_predictor(load_regexrob(REGEXROB)), five)
    n_sent = ours.micro(items[:1]).tp + ours.micro(items[:1]).fp + ours.micro(items[:1]).fn + \
        ours.micro(items[:1]).tn
    lines = [f"## Appraisal pre-filling on real papers ({split} part of tests/data/rob_corpus)", "",
             f"{len(docs)} papers, {n_sent} sentences; painregen (rules + learned model), its rules alone, and the "
             "CAMARADES RegexRoB expressions applied to the same sentences in the same run. Sens = sensitivity, "
             "spec = specificity, F1 of the 'yes' answers.", "",
             "| item | level | painregen sens / spec / F1 | rules only F1 | RegexRoB sens / spec / F1 | gold yes |",
             "|---|---|---|---|---|---|"]
    for level in ("sentence", "paper"):
        for it in items:
            a = (ours.sentence if level == "sentence" else ours.paper)[it]
            r = (rules.sentence if level == "sentence" else rules.paper)[it]
            b = (rr.sentence if level == "sentence" else rr.paper).get(it)
            rtxt = f"{_f(b.sensitivity)} / {_f(b.specificity)} / {_f(b.f1)}" if b else "not covered"
            lines.append(f"| {it} | {level} | {_f(a.sensitivity)} / {_f(a.specificity)} / {_f(a.f1)} | {_f(r.f1)} "
                         f"| {rtxt} | {a.tp + a.fn} |")
        a, r, b = ours.micro(five, level), rules.micro(five, level), rr.micro(five, level)
        lines.append(f"| micro, the five RegexRoB items | {level} | {_f(a.sensitivity)} / {_f(a.specificity)} / "
                     f"{_f(a.f1)} | {_f(r.f1)} | {_f(b.sensitivity)} / {_f(b.specificity)} / {_f(b.f1)} | "
                     f"{a.tp + a.fn} |")
    lines += ["", f"Look-alike and negated sentences: painregen answered 'yes' to {ours.lookalike_wrong_yes} of "
              f"{ours.lookalike_n} (RegexRoB on its five items: {rr.lookalike_wrong_yes} of {rr.lookalike_n}). "
              f"Explicit negations answered 'no': {ours.negation_no} of {ours.negation_n}.", "",
              "painregen's errors on this part:", ""]
    lines += [f"- {d} · {it} · {kind}: {s[:160]}" for d, it, kind, s in ours.errors]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--split", default="heldout", choices=["dev", "heldout"])
    p.add_argument("--no-write", action="store_true")
    args = p.parse_args(argv)
    text = report(args.split)
    print(text)
    if not args.no_write and args.split == "heldout":
        path = ROOT / "benchmarks" / "RESULTS.md"
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        block = f"{BEGIN}\n{text}{END}\n"
        new = re.sub(re.escape(BEGIN) + r".*?" + re.escape(END) + r"\n?", lambda _m: block, old, flags=re.S) \
            if BEGIN in old else old.rstrip("\n") + "\n\n" + block
        path.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

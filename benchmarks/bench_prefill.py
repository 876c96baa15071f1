"""Appraisal pre-filling on the held-out papers of the rob corpus, next to CAMARADES RegexRoB on the same text in
the same run: per item sensitivity, specificity and F1 at sentence and paper level for each held-out part
(``heldout``, ``heldout_b``, ``heldout_c``) and pooled, look-alike and negation errors, the hand-written synthetic
negations and look-alikes (reported apart from the real text), and the time each tool takes. Writes the section
between the prefill markers of benchmarks/RESULTS.md; painregen's errors are listed there by paper, item and
character span of the rebuilt text, never with the article's words (``--show-text`` prints the sentences on the
terminal only).

Needs the corpus texts, which are not in git: rebuild them first (tests/data/rob_corpus/README.md):

    .venv/bin/python tools/rob_corpus_build.py
    .venv/bin/python benchmarks/bench_prefill.py [--split dev] [--no-write] [--show-text]
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from painregen.appraise.evaluate import (  # noqa: E402
    DETECTOR_ITEMS,
    REGEXROB_ITEMS,
    Document,
    Result,
    combine,
    evaluate,
    load_corpus,
    load_regexrob,
    load_synthetic,
    painregen_predictor,
    regexrob_predictor,
    score_synthetic,
)
from painregen.appraise.textnorm import split_sentences  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "rob_corpus"
REGEXROB = ROOT.parent / "shared" / "data" / "rob" / "camarades_RegexRoB_Preclinical_RoB_regex.csv"
BEGIN, END = "<!-- prefill:begin -->", "<!-- prefill:end -->"
ITEMS = list(DETECTOR_ITEMS.values())
FIVE = list(REGEXROB_ITEMS.values())


def _f(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}"


def _timed(fn, *args):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t


def table(name: str, ours: Result, rules: Result, rr: Result, n_docs: int, n_sent: int) -> list[str]:
    lines = [f"### {name}: {n_docs} papers, {n_sent} sentences", "",
             "| item | level | painregen sens / spec / F1 | rules only F1 | RegexRoB sens / spec / F1 | gold yes |",
             "|---|---|---|---|---|---|"]
    for level in ("sentence", "paper"):
        for it in ITEMS:
            a = (ours.sentence if level == "sentence" else ours.paper)[it]
            r = (rules.sentence if level == "sentence" else rules.paper)[it]
            b = (rr.sentence if level == "sentence" else rr.paper).get(it)
            rtxt = f"{_f(b.sensitivity)} / {_f(b.specificity)} / {_f(b.f1)}" if b else "not covered"
            lines.append(f"| {it} | {level} | {_f(a.sensitivity)} / {_f(a.specificity)} / {_f(a.f1)} | {_f(r.f1)} "
                         f"| {rtxt} | {a.tp + a.fn} |")
        a, r, b = ours.micro(FIVE, level), rules.micro(FIVE, level), rr.micro(FIVE, level)
        lines.append(f"| **micro, the five RegexRoB items** | {level} | {_f(a.sensitivity)} / {_f(a.specificity)} / "
                     f"**{_f(a.f1)}** | {_f(r.f1)} | {_f(b.sensitivity)} / {_f(b.specificity)} / **{_f(b.f1)}** | "
                     f"{a.tp + a.fn} |")
    lines += ["", f"Look-alike and negated sentences (gold 'look' or 'no'): painregen answered 'yes' to "
              f"{ours.lookalike_wrong_yes} of {ours.lookalike_n}; RegexRoB (its five items) to "
              f"{rr.lookalike_wrong_yes} of {rr.lookalike_n}. Explicit negations in the text answered 'no' by "
              f"painregen: {ours.negation_no} of {ours.negation_n}.", ""]
    return lines


def missing_texts() -> list[str]:
    with (CORPUS / "documents.csv").open(encoding="utf-8") as fh:
        return [r["doc_id"] for r in csv.DictReader(fh) if not (CORPUS / "texts" / f"{r['doc_id']}.txt").exists()]


def error_lines(split: str, docs: list[Document], result: Result) -> list[tuple[str, str]]:
    """(line, sentence) per error; the line names paper, item, kind and the sentence's character span in the
    rebuilt text, the sentence is for the terminal only."""
    spans: dict[tuple[str, str], tuple[int, int]] = {}
    for d in docs:
        for a, b in split_sentences(d.text):
            spans.setdefault((d.doc_id, " ".join(d.text[a:b].split())[:300]), (a, b))
    return [(f"- {split} · {d} · {it} · {kind} · characters {spans[d, s][0]}–{spans[d, s][1]}", s)
            for d, it, kind, s in result.errors]


def report(splits: list[str]) -> tuple[str, list[tuple[str, str]]]:
    """The RESULTS.md section (no words of the articles) and painregen's errors with their sentences."""
    patterns = load_regexrob(REGEXROB)
    parts: list[tuple[str, Result, Result, Result, int, int]] = []
    errors: list[tuple[str, str]] = []
    t_ours = t_rr = 0.0
    n_chars = 0
    for split in splits:
        docs = load_corpus(CORPUS, split)
        n_chars += sum(len(d.text) for d in docs)
        ours, dt = _timed(evaluate, docs, painregen_predictor(True), ITEMS)
        t_ours += dt
        rules = evaluate(docs, painregen_predictor(False), ITEMS)
        rr, dt = _timed(evaluate, docs, regexrob_predictor(patterns), FIVE)
        t_rr += dt
        errors += error_lines(split, docs, ours)
        c = ours.sentence[ITEMS[0]]
        parts.append((split, ours, rules, rr, len(docs), c.tp + c.fp + c.fn + c.tn))
    lines = [f"## Appraisal pre-filling on real papers ({' + '.join(splits)} of tests/data/rob_corpus)", "",
             "painregen (rules + learned model), its rules alone, and the CAMARADES RegexRoB expressions applied to "
             "the same sentences in the same run. Sens = sensitivity, spec = specificity, F1 of the 'yes' answers; "
             "sentence level (every sentence of the paper) and paper level (any sentence). Neither part was used to "
             "write rules or train the model (tests/data/rob_corpus/README.md). The issue-16 target is micro F1 >= "
             "0.97 at sentence level for the five RegexRoB items.", ""]
    for split, ours, rules, rr, n_docs, n_sent in parts:
        lines += table(split, ours, rules, rr, n_docs, n_sent)
    if len(parts) > 1:
        pooled = [combine(x[k] for x in parts) for k in (1, 2, 3)]  # type: ignore[misc]
        lines += table("pooled", pooled[0], pooled[1], pooled[2], sum(x[4] for x in parts), sum(x[5] for x in parts))
    syn = load_synthetic(CORPUS / "synthetic_heldout.csv")
    s_ours = score_synthetic(syn, painregen_predictor(True))
    s_rr = score_synthetic(syn, regexrob_predictor(patterns), FIVE)
    lines += ["### Hand-written negations and look-alikes (synthetic, not real text)", "",
              f"{s_ours.n} sentences written before this pass changed any rule (tests/data/rob_corpus/"
              f"synthetic_heldout.csv), each read alone: painregen proposed 'no' for {s_ours.negation_no} of "
              f"{s_ours.negation_n} explicit negations and 'yes' for {s_ours.wrong_yes} of {s_ours.n} sentences that "
              f"must not be a yes. RegexRoB, on the {s_rr.n} sentences of its five items: 'yes' for {s_rr.wrong_yes}; "
              f"it never proposes 'no' ({s_rr.negation_n} negations). The same person wrote these sentences and the "
              "rules, so they measure coverage of known phrasings, not generalisation.", ""]
    lines += [f"Time on the {n_chars / 1e6:.1f} M characters of these papers: painregen {t_ours:.1f} s, RegexRoB "
              f"{t_rr:.1f} s (same run, one process).", "",
              "painregen's errors on these parts (character spans of the rebuilt texts; "
              "`benchmarks/bench_prefill.py --show-text` prints the sentences), then on the synthetic sentences:", ""]
    lines += [line for line, _ in errors]
    lines += [f"- synthetic · {it} · answered {got}: {s}" for s, it, got in s_ours.misses]
    return "\n".join(lines) + "\n", errors


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--split", action="append", choices=["dev", "heldout", "heldout_b", "heldout_c"],
                   help="parts to measure (default: heldout, heldout_b and heldout_c)")
    p.add_argument("--no-write", action="store_true")
    p.add_argument("--show-text", action="store_true",
                   help="print each error's sentence (terminal only; RESULTS.md is written without them)")
    args = p.parse_args(argv)
    missing = missing_texts()
    if missing:
        print(f"{CORPUS / 'texts'}: {len(missing)} of the corpus texts are absent (they are not in git). Fetch the "
              "repositories named in documents.csv with the fetch tool, then run .venv/bin/python "
              "tools/rob_corpus_build.py (tests/data/rob_corpus/README.md, 'Rebuilding the texts').", file=sys.stderr)
        return 1
    splits = args.split or ["heldout", "heldout_b", "heldout_c"]
    text, errors = report(splits)
    print(text)
    if args.show_text:
        print("The sentences of these errors (not written to RESULTS.md):\n")
        print("\n".join(f"{line}: {sentence[:300]}" for line, sentence in errors))
    if not args.no_write and "dev" not in splits:
        path = ROOT / "benchmarks" / "RESULTS.md"
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        block = f"{BEGIN}\n{text}{END}\n"
        new = re.sub(re.escape(BEGIN) + r".*?" + re.escape(END) + r"\n?", lambda _m: block, old, flags=re.S) \
            if BEGIN in old else old.rstrip("\n") + "\n\n" + block
        path.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

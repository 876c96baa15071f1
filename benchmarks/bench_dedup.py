"""Duplicate detection on every labelled set of ../shared/data/literature/dedup, next to bib-dedupe (the anchor of
issue 15) run on the same records in the same run: pairwise precision, recall, F1, false-merge pairs, missed
pairs and time; and the 25 labelled pairs of bib-dedupe's test cases. Writes the section between the dedup
markers of benchmarks/RESULTS.md.

    .venv/bin/python benchmarks/bench_dedup.py [--no-write]      (make bench runs it; bib-dedupe: the bench extra)
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import sys
import time
import warnings
from collections import defaultdict
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.sections import write_section  # noqa: E402
from painregen.review.dedup import find_duplicates, pairwise_scores  # noqa: E402
from painregen.review.intake import read_records  # noqa: E402
from painregen.review.intake.table import record_from_dict  # noqa: E402

DEDUP = ROOT.parent / "shared" / "data" / "literature" / "dedup"
SETS = ["rathbone2015_cytology", "rathbone2015_haematology", "rathbone2015_respiratory", "bibdedupe_special_cases"]

Groups = list[list[str]]

#: what the missed gold pairs of haematology are, read by hand from their fields (docs/review.md, "What counts as one
#: publication"); the benchmark lists every missed pair it measures and marks a pair not read yet as such
MISSED_KINDS = {
    "erratum": "an article and its erratum, or two errata of it (Le Quintrec, Philipp/Nürnberger, Hillmen, "
               "Goicoechea de Jorge)",
    "reply": "a letter and the authors' reply, bridged by an EMBASE record of both (\"(multiple letters)\", Yildiz)",
    "trials": "registry entries of different trials of one sponsor (adult / adolescent, plasma-therapy sensitive / "
              "resistant)",
    "abstract": "a meeting abstract and the later paper, or one abstract at two meetings (Koehl, Biran, Kelly)",
    "pages": "one meeting abstract under two page numbers of one supplement (Davin: 22 / 52)",
    "online": "one letter online first under another title, no volume or pages (Lapeyraque)",
}
_BY_KIND = {
    "erratum": "52-807 52-808 117-807 117-808 807-808 57-63 57-64 57-65 58-63 58-64 58-65 161-162 175-1173 "
               "190-1173 191-1173",
    "reply": "8-39 8-40 9-39 9-40",
    "trials": "234-235 234-236 234-237 235-236 235-237 236-237 245-246",
    "abstract": "128-129 220-221 134-135",
    "pages": "1188-1189",
    "online": "818-819",
}
HAEMATOLOGY_MISSED = {tuple(f"id_{int(n):07d}" for n in pair.split("-")): kind
                      for kind, pairs in _BY_KIND.items() for pair in pairs.split()}


def gold(name: str) -> Groups:
    groups: dict[str, list[str]] = defaultdict(list)
    with open(DEDUP / name / "groups.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            groups[row["group_id"]].append(row["record_id"])
    return list(groups.values())


def painregen_groups(path: Path) -> tuple[Groups, int]:
    records = read_records(path)
    result = find_duplicates(records)
    return [[str(records[i].source_key) for i in g] for g in result.groups], len(result.queued())


def _pairs(groups: Groups) -> set[tuple[str, str]]:
    return {(a, b) for g in groups for x, a in enumerate(sorted(g)) for b in sorted(g)[x + 1:]}


def missed_by_kind(name: str, ours: Groups, truth: Groups, theirs: Groups | None) -> list[str]:
    """Lines counting the gold pairs of ``name`` painregen misses by kind (:data:`MISSED_KINDS`), how many of them
    are in its review queue and how many bib-dedupe merges."""
    records = read_records(DEDUP / name / "records.csv")
    index = {str(r.source_key): i for i, r in enumerate(records)}
    queued = {(p.i, p.j) for p in find_duplicates(records).queued()}
    missed = sorted(_pairs(truth) - _pairs(ours))
    merged_bd = _pairs(theirs) if theirs is not None else set()
    kinds: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for pair in missed:
        kinds[HAEMATOLOGY_MISSED.get(pair, "unread")].append(pair)
    lines = ["| kind | missed pairs | in painregen's queue | merged by bib-dedupe |", "|---|---|---|---|"]
    for kind, pairs in sorted(kinds.items(), key=lambda kv: -len(kv[1])):
        in_queue = sum(tuple(sorted((index[a], index[b]))) in queued for a, b in pairs)
        by_bd = sum(p in merged_bd for p in pairs) if theirs is not None else "-"
        what = MISSED_KINDS.get(kind, "not read yet: " + ", ".join(f"{a}~{b}" for a, b in pairs))
        lines.append(f"| {what} | {len(pairs)} | {in_queue} | {by_bd} |")
    return lines


def bibdedupe_version() -> str | None:
    try:
        from importlib.metadata import version

        return version("bib-dedupe")
    except Exception:
        return None


def bibdedupe_groups(rows: list[dict[str, str]]) -> tuple[Groups, int]:
    """bib-dedupe's documented pipeline (prep, block, match, cluster) on BibTeX-style rows; ``maybe`` pairs are
    its review queue and are not merged."""
    import pandas as pd
    from bib_dedupe.bib_dedupe import block, cluster, match, prep

    df = pd.DataFrame(rows).fillna("").rename(columns={"record_id": "ID", "entry_type": "ENTRYTYPE"})
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        matched = match(block(prep(df, verbosity_level=0, cpu=1), verbosity_level=0, cpu=1), verbosity_level=0,
                        cpu=1)
        dups = matched[matched["duplicate_label"] == "duplicate"]
        clusters = cluster(dups, verbosity_level=0) if len(dups) else []
    in_cluster = {i for c in clusters for i in c}
    groups = [list(map(str, c)) for c in clusters] + [[str(r["ID"])] for r in df.to_dict("records")
                                                      if r["ID"] not in in_cluster]
    return groups, int((matched["duplicate_label"] == "maybe").sum())


def timed(fn: Callable[[], tuple[Groups, int]]) -> tuple[Groups, int, float]:
    t0 = time.perf_counter()
    groups, queued = fn()
    return groups, queued, time.perf_counter() - t0


def _row(tool: str, s: dict[str, float | int], queued: int, seconds: float) -> str:
    return (f"| {tool} | {s['precision']:.4f} | {s['recall']:.4f} | {s['f1']:.4f} | {s['fp']} | {s['fn']} | "
            f"{s['tp']} | {queued} | {seconds:.2f} s |")


def pair_cases(bd: bool) -> tuple[int, int, int, list[str]]:
    cases = json.loads((DEDUP / "bibdedupe_pair_cases.json").read_text(encoding="utf-8"))["cases"]
    ours = anchor = 0
    wrong: list[str] = []
    for c in cases:
        a, b = record_from_dict(c["record_a"]), record_from_dict(c["record_b"], number=2)
        if (len(find_duplicates([a, b]).groups) == 1) is c["expected_duplicate"]:
            ours += 1
        else:
            wrong.append(c["id"])
        if bd:
            ra = {k: str(v) for k, v in c["record_a"].items()} | {"ID": "a"}
            rb = {k: str(v) for k, v in c["record_b"].items()} | {"ID": "b"}
            groups, _ = bibdedupe_groups([ra, rb])
            anchor += (len(groups) == 1) is c["expected_duplicate"]
    return len(cases), ours, anchor, wrong


def report() -> str:
    warnings.simplefilter("ignore")
    bd = bibdedupe_version()
    lines = ["## Duplicate detection on the labelled sets (issue 15), next to bib-dedupe", "",
             "painregen `review.dedup.find_duplicates` and bib-dedupe "
             f"{bd or '(not installed: pip install -e .[bench])'}"
             " (prep, block, match, cluster; its `maybe` pairs are not merged) on the same `records.csv` of each set "
             "in `../shared/data/literature/dedup/`, in the same run. Pairwise scores against the gold groups: a "
             "group of n records holds n(n-1)/2 duplicate pairs; **false merges** = pairs put in one group that "
             "the gold labels as different publications; **queued** = pairs left for a reviewer (painregen's review "
             "queue, bib-dedupe's `maybe`). Times: one run each, single process.", "",
             "| set | tool | precision | recall | F1 | false merges | missed pairs | found pairs | queued | time |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    targets = []
    missed_lines: list[str] = []
    for name in SETS:
        with open(DEDUP / name / "records.csv", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        truth = gold(name)
        ours, q_ours, t_ours = timed(partial(painregen_groups, DEDUP / name / "records.csv"))
        s_ours = pairwise_scores(ours, truth)
        lines.append(f"| {name} " + _row("painregen", s_ours, q_ours, t_ours))
        theirs = None
        if bd:
            theirs, q_bd, t_bd = timed(partial(bibdedupe_groups, rows))
            s_bd = pairwise_scores(theirs, truth)
            lines.append(f"| {name} " + _row("bib-dedupe", s_bd, q_bd, t_bd))
            targets.append((name, s_ours, s_bd))
        if name == "rathbone2015_haematology":
            missed_lines = missed_by_kind(name, ours, truth, theirs)
        print(f"{name}: painregen P={s_ours['precision']:.4f} R={s_ours['recall']:.4f} fp={s_ours['fp']}",
              file=sys.stderr)
    n, ours_ok, anchor_ok, wrong = pair_cases(bool(bd))
    lines += ["", f"Labelled pairs (`bibdedupe_pair_cases.json`, {n} pairs: 10 duplicates, 15 not): painregen "
              f"decides {ours_ok} of {n} as labelled" + (f", bib-dedupe {anchor_ok} of {n} (the cases come from "
                                                         "bib-dedupe's repository @ b7b5cf3, newer than its PyPI "
                                                         "release)" if bd else "")
              + (f" (painregen wrong on: {', '.join(wrong)})" if wrong else "") + ".", "",
              "### Targets (issue 15: no false merges, recall at least bib-dedupe's on each set)", "",
              "| set | false merges = 0 | recall >= bib-dedupe's | result |", "|---|---|---|---|"]
    for name, a, b in targets:
        ok_fp, ok_r = a["fp"] == 0, a["recall"] >= b["recall"]
        lines.append(f"| {name} | {a['fp']} | {a['recall']:.4f} vs {b['recall']:.4f} | "
                     f"{'PASS' if ok_fp and ok_r else 'FAIL'} |")
    lines += ["", "Tuning: the rules were developed on rathbone2015_cytology, bibdedupe_special_cases and the 25 "
              "pairs; rathbone2015_haematology and rathbone2015_respiratory were held out for a first run "
              "(precision 1.000 / recall 0.706 and 0.998 / 0.959, one false merge), and the rules were then revised "
              "three times after reading the missed pairs of every set (second revision: titles without citations "
              "and notes, page typos, years one apart within a volume, translated titles, shifted fields, Cochrane "
              "versions, replaced title words; third: a one-digit slip in a title number where volume, year and the "
              "whole page range name one article, a translated title without authors on the whole page range, an "
              "online-first record with the same author list queued), each change checked on all four sets and the "
              "25 pairs and rejected if it added a false merge anywhere; so the numbers above are no longer "
              "held-out numbers for those two sets.", "",
              "Haematology stays under bib-dedupe's recall by a decision of principle: its missed gold pairs, read "
              "one by one (a pair the table calls *not read yet* is new):", "", *missed_lines, "",
              "The gold is inconsistent on every one of these kinds: it keeps apart from their articles the Veyradier "
              "erratum and the one-page Esparza-Gordillo record under the article's title in a later issue (Hum Mol "
              "Genet 14(8):1107, by its form an erratum, like the Le Quintrec ones it joins), the Thrombomodulin and "
              "the Buddles replies from their letters, the Alexion paediatric and adult trials (1377/1378), the Melgar "
              "two-page paper and its one-page Pediatric Nephrology abstract of the same volume (it joins Koehl's and "
              "Biran's), and the Hofer and Fremeaux-Bacchi abstracts at two meetings (it joins Kelly's). No rule can "
              "follow both halves, and merging notices, trials or abstracts with papers would lose a publication. The "
              "one real duplicate missed, the Lapeyraque letter online first under another title (five names in order, "
              "no volume or pages), is queued rather than merged: the respiratory set holds a companion paper pair of "
              "one team (11 names in order, titles 0.94 similar, consecutive pages) that the same evidence would join "
              "if one of them were online first. Even merging it and the Davin abstract would leave painregen one pair "
              "under bib-dedupe (134 of 163 against 135). bib-dedupe's extra pairs: the Yildiz letter and reply, joined"
              " through the EMBASE record of both (its no-title rule: authors, journal, volume, issue, pages and year "
              "agree) and the Lapeyraque letter (authors and journal identical, titles 0.78); its two false merges join"
              " a record without a title to the article whose authors, volume and pages it shares (Zuber 2011; the gold"
              " calls them different, by every field they are one article)."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--no-write", action="store_true", help="print the section only")
    args = p.parse_args(argv)
    text = report()
    print(text)
    if not args.no_write:
        write_section(ROOT / "benchmarks" / "RESULTS.md", "dedup", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

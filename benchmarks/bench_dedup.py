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
    for name in SETS:
        with open(DEDUP / name / "records.csv", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        truth = gold(name)
        ours, q_ours, t_ours = timed(partial(painregen_groups, DEDUP / name / "records.csv"))
        s_ours = pairwise_scores(ours, truth)
        lines.append(f"| {name} " + _row("painregen", s_ours, q_ours, t_ours))
        if bd:
            theirs, q_bd, t_bd = timed(partial(bibdedupe_groups, rows))
            s_bd = pairwise_scores(theirs, truth)
            lines.append(f"| {name} " + _row("bib-dedupe", s_bd, q_bd, t_bd))
            targets.append((name, s_ours, s_bd))
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
              "twice after reading the missed pairs of every set (titles without citations and notes, page typos, "
              "years one apart within a volume, translated titles, shifted fields, Cochrane versions, replaced title "
              "words), each change checked on all four sets and the 25 pairs and rejected if it added a false merge "
              "anywhere; so the numbers above are no longer held-out numbers for those two sets.", "",
              "Haematology stays under bib-dedupe's recall (3 gold pairs short) by a decision of principle: all "
              "but one of its 31 missed gold pairs join distinct publications: an article with its errata or two "
              "errata of it (15 pairs), a letter with the authors' reply (4), registry entries of trials in "
              "different populations of one sponsor (7: adults / adolescents, plasma-therapy sensitive / "
              "resistant), a meeting abstract with the later paper or with another abstract (4). For notices the "
              "gold is inconsistent (it keeps the Veyradier erratum and the Thrombomodulin reply apart from their "
              "articles), so no rule merges errata or replies without a false merge against the gold itself; "
              "trials of other populations and abstracts against papers are other publications, and merging them "
              "would lose a study. 27 of the 31 pairs are in painregen's review queue. The one missed real "
              "duplicate is a letter recorded under two titles (0.80 similar, no volume or pages on one side). "
              "bib-dedupe's two false merges join a record without a title to the article whose authors, volume "
              "and pages it shares."]
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

"""Reporting quality: ARRIVE 2.0 compliance (Essential 10 and Recommended Set) and the CAMARADES
study-quality checklist."""

from __future__ import annotations

from collections import Counter
from statistics import median
from typing import Any

from painregen.appraise.arrive import STATUSES
from painregen.report.output import ReportOutput
from painregen.report.pipeline import Analysis
from painregen.report.sections.base import Section


def arrive_items(a: Analysis) -> list[dict[str, Any]]:
    """Per ARRIVE item: its set and how many studies have each status."""
    counts: dict[str, Counter[str]] = {}
    meta: dict[str, dict[str, Any]] = {}
    for r in a.appraisals:
        for it in r.arrive.items:
            counts.setdefault(it.item, Counter())[it.status] += 1
            meta[it.item] = {"item": it.item, "number": it.number, "name": it.name, "set": it.set}
    return [meta[i] | {s: counts[i][s] for s in STATUSES} for i in meta]


def camarades_items(a: Analysis) -> list[dict[str, Any]]:
    """Per CAMARADES item: studies meeting it, not meeting it, and without an answer."""
    rows: dict[str, dict[str, Any]] = {}
    for r in a.appraisals:
        for it in r.camarades.items:
            row = rows.setdefault(it.item, {"item": it.item, "number": it.number, "name": it.name, "yes": 0, "no": 0,
                                            "unanswered": 0})
            row["yes" if it.answer == "yes" else "no" if it.answer == "no" else "unanswered"] += 1
    return sorted(rows.values(), key=lambda x: x["number"])


def build(a: Analysis, out: ReportOutput) -> Section | None:
    recs = a.appraisals
    if not recs:
        return None
    assessed = [r for r in recs if r.arrive.overall.subitems_applicable > 0]
    ess = [r.arrive.essential.fraction for r in assessed if r.arrive.essential.fraction is not None]
    rec = [r.arrive.recommended.fraction for r in assessed if r.arrive.recommended.fraction is not None]
    scores = Counter(r.camarades.score for r in recs)
    rows = [{"study": r.study, "arrive_essential": r.arrive.essential.fraction,
             "arrive_recommended": r.arrive.recommended.fraction,
             "arrive_items_reported": r.arrive.overall.items.get("reported", 0), "camarades_score": r.camarades.score,
             "camarades_max": r.camarades.max_score} for r in recs]
    tables = {"arrive": out.csv("reporting.csv", rows), "arrive_items": out.csv("arrive_items.csv", arrive_items(a))}
    ctx = {"n": len(recs), "n_assessed": len(assessed), "essential_median": median(ess) if ess else None,
           "recommended_median": median(rec) if rec else None, "item_rows": arrive_items(a) if assessed else [],
           "statuses": STATUSES, "camarades": camarades_items(a),
           "scores": sorted(scores.items()), "max_score": recs[0].camarades.max_score,
           "score_median": median(r.camarades.score for r in recs)}
    methods = [
        "ARRIVE 2.0 (Percie du Sert et al. 2020): an item is reported when every applicable sub-item is, partially "
        "when some are; compliance of a set = reported / applicable answered sub-items. Studies without ARRIVE "
        "answers are 'not assessed', never counted as not reporting.",
        "CAMARADES checklist (Macleod et al. 2004, general preclinical form): one point per item met, from explicit "
        "answers or the mappings of painregen.appraise.camarades (SYRCLE, ARRIVE, study fields); no text detection.",
    ]
    return Section("arrive", "Reporting quality: ARRIVE 2.0 and CAMARADES", ctx, tables=tables, methods=methods)

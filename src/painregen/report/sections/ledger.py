"""The comparison ledger: every treated-vs-control comparison painregen considered, included or excluded, with
the precise reason (painregen.effects.comparisons)."""

from __future__ import annotations

from collections import Counter

from painregen.effects.comparisons import EXCLUDED, REASONS
from painregen.report.output import ReportOutput
from painregen.report.pipeline import Analysis
from painregen.report.sections.base import Section


def build(a: Analysis, out: ReportOutput) -> Section | None:
    entries = a.effects.ledger
    if not entries:
        return None
    rows = [e.to_dict() | {"study_label": a.label(e.study)} for e in entries]
    csv = out.csv("ledger.csv", rows, top=False)
    counts = Counter((e.status, e.reason) for e in entries)
    fates = [{"status": status, "reason": r, "n": n, "meaning": REASONS.get(r, r)}
             for (status, r), n in sorted(counts.items(), key=lambda kv: (kv[0][0] != "included", -kv[1]))]
    excluded = [r for r in rows if r["status"] == EXCLUDED]
    ctx = {"n": len(entries), "n_included": len(entries) - len(excluded), "n_excluded": len(excluded),
           "fates": fates, "excluded": excluded[: out.top_n], "more": max(0, len(excluded) - out.top_n)}
    methods = ["Comparison ledger: every treated cohort x outcome x timepoint is listed with its fate. The control is "
               "the cohort named in control_cohort, else the experiment's only control; when an experiment has no "
               "control cohort (SyRF exports often give each group an experiment of its own) the only control of the "
               "study's other experiments with the same outcome label, time and disease model is used, and the "
               "ledger says so."]
    return Section("ledger", "Comparison ledger", ctx, tables={"ledger": csv}, methods=methods,
                   studies=sorted({e.study for e in entries}))

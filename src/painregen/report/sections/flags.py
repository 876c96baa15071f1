"""Translational flags per study: model gaps, cell risk tier, route safety, dose design, sex, follow-up, species."""

from __future__ import annotations

from collections import Counter

import pandas as pd

from painregen.report.output import ReportOutput
from painregen.report.pipeline import Analysis
from painregen.report.sections.base import Section


def build(a: Analysis, out: ReportOutput) -> Section | None:
    recs = a.appraisals
    if not recs:
        return None
    rows = [{"study": r.study, "code": f.code, "severity": f.severity, "experiment": f.experiment,
             "message": f.message} for r in recs for f in r.flags]
    frame = pd.DataFrame(rows, columns=["study", "code", "severity", "experiment", "message"])
    codes = Counter((f["code"], f["severity"]) for f in rows)
    studies = {c: len({f["study"] for f in rows if f["code"] == c}) for c, _ in codes}
    summary = [{"code": c, "severity": s, "flags": n, "studies": studies[c]}
               for (c, s), n in sorted(codes.items(), key=lambda x: (-studies[x[0][0]], x[0]))]
    csv = out.csv("flags.csv", frame)
    warn = frame[frame["severity"] == "warning"]
    ctx = {"summary": summary, "n": len(recs), "rows": out.top(warn), "n_warnings": len(warn)}
    methods = [
        "Translational flags (painregen.appraise.flags, follow-up threshold 28 days): model gaps from the model "
        "catalogue, the product's risk tier, routes without an adverse-event report, single or two doses, no "
        "sample-size justification, a single sex, a single timepoint or short follow-up, no large-animal model."]
    return Section("flags", "Translational flags", ctx, tables={"flags": csv}, methods=methods)

"""Mechanistic evidence map (review section 5.2.1): claims per pathway and pillar by grade, from correlative to
causal and compartment-resolved, with a robustness status."""

from __future__ import annotations

from painregen.appraise.mechanism import GRADES, evidence_map
from painregen.report.output import ReportOutput
from painregen.report.pipeline import Analysis
from painregen.report.sections.base import Section


def build(a: Analysis, out: ReportOutput) -> Section:
    emap = evidence_map(a.dataset).reset_index()
    csv = out.csv("mechanisms.csv", emap, top=True)
    ctx = {"rows": out.top(emap), "grades": GRADES, "n_claims": int(emap["n_claims"].sum()) if len(emap) else 0,
           "status": emap["status"].value_counts().to_dict() if len(emap) else {}}
    methods = [
        "Mechanistic claims graded by the evidence shown (painregen.appraise.mechanism): correlative < "
        "activity-confirmed < causal (loss of function) < causal and time- or compartment-resolved; a pathway is "
        "robust with causal evidence from >= 2 studies, supported with one, speculative otherwise."]
    return Section("mechanism", "Mechanistic evidence map", ctx, tables={"map": csv}, methods=methods)

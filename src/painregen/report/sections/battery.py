"""Behavioural battery coverage (review sections 3.3.1 and 5.4): which pain domains each study measured, how
many meet the required battery, and whether evoked-only studies report larger evoked effects."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from painregen.meta import subgroup
from painregen.report.output import ReportOutput
from painregen.report.pipeline import Analysis
from painregen.report.sections.base import Section

DOMAINS = ("evoked", "spontaneous", "affective", "motor", "structural")


def evoked_only_subgroup(a: Analysis, evoked_only: dict[str, bool]) -> list[dict[str, Any]] | None:
    """Evoked-domain comparisons split by whether their study measured pain by evoked tests only."""
    d = a.domain("evoked")
    if d is None or d.rows is None:
        return None
    groups = np.array(["evoked only" if evoked_only.get(s, False) else "wider battery" for s in d.studies])
    if len(set(groups)) < 2:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sg = subgroup(d.yi, d.vi, groups, method=a.method)
    return [r | {"n_studies": len({s for s, g in zip(d.studies, groups, strict=True) if g == r["level"]}),
                 "Q_between_p": sg.Q_between_p} for r in sg.subgroups()]


def build(a: Analysis, out: ReportOutput) -> Section | None:
    recs = a.appraisals
    if not recs:
        return None
    rows = [{"study": r.study, **{d: r.battery.counts.get(d, 0) for d in DOMAINS},
             "required_met": r.battery.required_met, "complete": r.battery.complete,
             "evoked_only": r.battery.evoked_only, "missing": "; ".join(r.battery.missing)} for r in recs]
    n = len(recs)
    summary = {"has": {d: sum(r.battery.has(d) for r in recs) for d in DOMAINS},
               "required_met": sum(r.battery.required_met for r in recs),
               "complete": sum(r.battery.complete for r in recs),
               "evoked_only": sum(r.battery.evoked_only for r in recs)}
    sub = evoked_only_subgroup(a, {r.study: r.battery.evoked_only for r in recs})
    csv = out.csv("battery.csv", rows, top=True)
    ctx = {"n": n, "summary": summary, "domains": DOMAINS, "rows": rows[: out.top_n], "subgroup": sub,
           "measure": a.measure}
    methods = [
        "Behavioural battery: outcome measures counted per domain (from the outcome, else its assay); required = at "
        "least one evoked and one spontaneous measure, complete = evoked, spontaneous and affective; evoked-only "
        "studies are flagged. Evoked-domain effects are compared between evoked-only studies and the others by a "
        f"subgroup analysis ({a.method}, Wald-type test)."]
    return Section("battery", "Behavioural battery coverage", ctx, tables={"battery": csv}, methods=methods)

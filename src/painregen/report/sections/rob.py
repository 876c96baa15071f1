"""Risk of bias (SYRCLE): traffic-light plot and summary bars, the share of studies per judgement, and the
effect of study quality on the estimates (quality-stratified analysis and sensitivity)."""

from __future__ import annotations

import warnings
from typing import Any

import pandas as pd

from painregen.appraise.catalogue import get_instrument
from painregen.appraise.plots import summary_bars, summary_table, traffic_light
from painregen.appraise.summary import csv_columns
from painregen.appraise.synthesis import QualityStratified, effects_frame, quality_stratified
from painregen.report.output import ReportOutput, mpl_text
from painregen.report.pipeline import Analysis
from painregen.report.sections.base import Section

MAX_TRAFFIC_ROWS = 60
STRATIFY = ("sequence_generation", "allocation_concealment", "assessor_blinding")


def stratified(a: Analysis) -> list[QualityStratified]:
    """The quality-stratified analyses of :data:`STRATIFY` (computed once per analysis)."""
    if "rob_stratified" in a.cache:
        return list(a.cache["rob_stratified"])
    out = []
    try:  # one frame for every item (quality_stratified would rebuild it per item)
        frame = effects_frame(a.dataset, a.measure, collapse_method="last", table=a.effects)
    except ValueError:
        frame = None  # no comparisons: every item raises below, as before
    for item in STRATIFY:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out.append(quality_stratified(a.dataset, item, measure=a.measure, method=a.method, frame=frame))
        except ValueError:
            continue  # every comparison in one stratum
    a.cache["rob_stratified"] = out
    return out


def strat_row(q: QualityStratified) -> dict[str, Any]:
    coef = q.regression.coefficients()[1]
    it = get_instrument("syrcle").item(q.item)
    return {"item": q.item, "name": f"{it.name} ({it.bias})", "k_low": q.low.k,
            "k_high_unclear": q.high_unclear.k, "studies_low": q.n_studies["low"],
            "studies_high_unclear": q.n_studies["high/unclear"], "estimate_low": float(q.low.b[0]),
            "estimate_high_unclear": float(q.high_unclear.b[0]), "ratio": q.ratio,
            "regression_ratio": q.regression_ratio, "regression_p": coef["p"]}


def build(a: Analysis, out: ReportOutput) -> Section | None:
    records = a.appraisals
    if not records:
        return None
    assessments = {mpl_text(a.label(r.study)): r.syrcle for r in records}
    shown = dict(list(assessments.items())[:MAX_TRAFFIC_ROWS])
    figures = {"traffic": out.figure(traffic_light(shown), "rob_traffic_light", (
        "SYRCLE risk of bias per study and item (D1-D10)" + (
            f"; the first {MAX_TRAFFIC_ROWS} of {len(assessments)} studies (all in appraisal.csv)."
            if len(shown) < len(assessments) else "."))),
        "summary": out.figure(summary_bars(assessments), "rob_summary",
                              "Share of studies at each SYRCLE judgement per item (unweighted).")}
    share = summary_table(assessments)
    items = {it.id: it for it in get_instrument("syrcle").items}
    share_rows = [{"item": i, "name": items[i].name, "bias": items[i].bias, **{j: float(share.loc[i, j])
                   for j in share.columns}} for i in share.index]
    strat = stratified(a)
    sens = strat[0].sensitivity.to_dict() if strat else None
    appraisal = pd.DataFrame([r.row() for r in records], columns=csv_columns())
    tables = {"appraisal": out.csv("appraisal.csv", appraisal),
              "stratified": out.csv("rob_stratified.csv", [strat_row(q) for q in strat])}
    ctx = {"shares": share_rows, "judgements": list(share.columns), "strat": [strat_row(q) for q in strat],
           "sens": sens, "measure": a.measure, "n_studies": len(records)}
    methods = [
        "Risk of bias: SYRCLE's tool (Hooijmans et al. 2014); an item answered yes is low risk, no high risk, "
        "unclear unclear; signalling questions are combined by their paths; an unanswered item is 'not assessed'. "
        "No summary score is computed.",
        f"Quality and effect size: for {', '.join(STRATIFY)}, comparisons (latest timepoint) are split by the "
        f"study's judgement (low vs high/unclear), fitted separately ({a.method}) and by a meta-regression on the "
        "indicator; the ratio is b(high/unclear)/b(low) (exp of the difference for ROM; Sena et al. 2010). "
        "Sensitivity: the pooled effect without studies judged high risk on any item.",
    ]
    return Section("rob", "Risk of bias", ctx, figures=figures, tables=tables, methods=methods)

"""Pooled effects per outcome domain: the three-level model (comparisons nested in studies) with its forest
plot, the univariate random-effects model beside it, and the evidence grade of each domain."""

from __future__ import annotations

import warnings
from typing import Any, Literal

import pandas as pd

from painregen.appraise.grade import evidence_grade
from painregen.appraise.synthesis import effects_frame
from painregen.meta.plots import forest
from painregen.meta.plots_mv import forest_mv
from painregen.report.output import FigureRef, ReportOutput, mpl_text
from painregen.report.pipeline import Analysis, DomainSynthesis
from painregen.report.sections.base import Section

MAX_COMPARISON_ROWS = 60  # above this a forest plot shows one row per study
MAX_STUDY_ROWS = 60


def pooled_row(d: DomainSynthesis) -> dict[str, Any]:
    row: dict[str, Any] = {"domain": d.domain, "k": d.k, "n_studies": d.n_studies, "note": d.note}
    head = d.headline()
    if head is not None:
        row |= {k: head[k] for k in ("model", "kind", "estimate", "se", "ci_low", "ci_high", "p", "pi_low",
                                     "pi_high")}
    if d.multilevel is not None:
        ml = d.multilevel
        row |= {"sigma2_study": float(ml.sigma2[0]), "sigma2_within": float(ml.sigma2[1]), "Q": ml.QE,
                "Q_df": ml.QE_df, "Q_p": ml.QE_p}
    if d.result is not None:
        r = d.result
        row |= {"rma_estimate": float(r.b[0]), "rma_ci_low": float(r.ci_low[0]), "rma_ci_high": float(r.ci_high[0]),
                "rma_tau2": r.tau2, "rma_I2": r.I2}
    return row


def _forest(d: DomainSynthesis, a: Analysis, out: ReportOutput) -> FigureRef | None:
    xlabel = f"{a.measure} ({d.domain} outcomes; > 0 favours treatment)"
    labels = [mpl_text(x) for x in d.labels]
    if d.multilevel is not None:
        by: Literal["comparison", "study"] = "comparison" if d.k <= MAX_COMPARISON_ROWS else "study"
        fig = forest_mv(d.multilevel, studies=[mpl_text(a.label(s)) for s in d.studies], labels=labels, by=by,
                        max_rows=MAX_STUDY_ROWS, xlabel=xlabel)
        what = ("one row per comparison (study · treated cohort · outcome), grouped by study" if by == "comparison"
                else f"one row per study (its {d.k} comparisons pooled within studies, see Methods)")
        caption = (f"Forest plot, {d.domain} outcomes: {what}; box area ~ weight in the three-level model; diamond: "
                   "pooled estimate and 95% CI; dashed line: 95% prediction interval.")
        if (d.n_studies if by == "study" else d.k) > MAX_STUDY_ROWS:
            caption += f" Only the {MAX_STUDY_ROWS} heaviest rows are drawn; all are in comparisons.csv."
    elif d.result is not None:
        fig = forest(d.result, labels=labels, xlabel=xlabel)
        caption = f"Forest plot, {d.domain} outcomes (one study: random-effects model over its comparisons)."
    else:
        return None
    return out.figure(fig, f"forest_{d.domain}", caption)


def _grade(a: Analysis, domain: str, frame: pd.DataFrame | None) -> dict[str, Any] | None:
    if frame is None:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            g = evidence_grade(a.dataset, {"domain": domain}, measure=a.measure, method=a.method, frame=frame)
    except ValueError:
        return None
    return {"level": g.level, "reasons": [f"{x.domain}: {x.reason}" + (f" (−{x.points})" if x.points else "")
                                          for x in g.domains]}


def build(a: Analysis, out: ReportOutput) -> Section | None:
    if not a.domains:
        return None
    rows, figures = [], {}
    try:  # one frame for every domain's grade (evidence_grade would rebuild it per domain)
        frame: pd.DataFrame | None = effects_frame(a.dataset, a.measure, collapse_method="last", table=a.effects)
    except ValueError:
        frame = None
    for d in a.domains:
        rows.append(pooled_row(d) | {"grade": _grade(a, d.domain, frame)})
        ref = _forest(d, a, out)
        if ref is not None:
            figures[d.domain] = ref
    table = pd.DataFrame([{k: v for k, v in r.items() if k != "grade"} | {
        "grade": r["grade"]["level"] if r["grade"] else None} for r in rows])
    comp_cols = [c for c in a.frame.columns if c != "label"]
    tables = {"pooled": out.csv("pooled.csv", table), "comparisons": out.csv("comparisons.csv", a.frame[comp_cols]),
              "effects": out.csv("effects.csv", pd.DataFrame(a.effects.rows, columns=a.effects.columns))}
    ml = a.mv_method
    methods = [
        f"Pooled effect per outcome domain: three-level random-effects model (comparisons nested in studies; "
        f"metafor's rma.mv with random = ~ 1 | study/comparison), variance components by {ml} (Fisher scoring; "
        "Harville 1977), Wald-type z tests and 95% CIs, 95% prediction interval with the total variance "
        "sigma2_study + sigma2_within (Konstantopoulos 2011).",
        f"Alongside: univariate random-effects model (tau² by {a.method}; Viechtbauer 2005), I² and H² as metafor "
        "defines them, Q-profile CI for tau², which treats comparisons from one study as independent.",
        "Forest plots: box area proportional to the generalised-least-squares weight in the three-level model; when "
        f"a domain has more than {MAX_COMPARISON_ROWS} comparisons each study is drawn once, as the GLS mean of its "
        "comparisons with the within-study variance component added to their sampling variances.",
        "Evidence grade per domain: GRADE adapted to animal studies (Guyatt et al. 2008; Hooijmans et al. 2018) as "
        "painregen.appraise.grade implements it: start high, one point off each for risk of bias, inconsistency "
        "(two when I² > 75%), imprecision, indirectness (behavioural battery) and publication bias (Egger p < 0.10, "
        "k >= 10), on the univariate model.",
    ]
    ctx = {"rows": rows, "measure": a.measure, "ml_method": ml, "method": a.method}
    return Section("domains", "Pooled effects by outcome domain", ctx, figures=figures, tables=tables, methods=methods)

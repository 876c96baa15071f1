"""Small-study effects and publication bias per domain: funnel plot with trim-and-fill, Egger-type regression
(standard error, and 1/sqrt(n) as recommended for SMDs in animal studies), rank correlation, fail-safe N."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from painregen.meta import BiasReport, bias_report, regtest
from painregen.meta.plots import funnel
from painregen.report.output import ReportOutput
from painregen.report.pipeline import Analysis, DomainSynthesis
from painregen.report.sections.base import Section

MIN_K = 10


def bias_row(d: DomainSynthesis, rep: BiasReport, sqrtn_p: float | None) -> dict[str, Any]:
    tf = rep.trimfill
    return {"domain": d.domain, "k": rep.fit.k, "estimate": float(rep.fit.b[0]), "egger_z": rep.egger.stat,
            "egger_p": rep.egger.p, "egger_limit": rep.egger.limit_estimate, "egger_sqrtn_p": sqrtn_p,
            "rank_tau": rep.rank.tau, "rank_p": rep.rank.p, "trimfill_k0": tf.k0, "trimfill_side": tf.side,
            "trimfill_estimate": float(tf.fit.b[0]), "trimfill_ci_low": float(tf.fit.ci_low[0]),
            "trimfill_ci_high": float(tf.fit.ci_high[0]), "failsafe_n": rep.failsafe_n}


def build(a: Analysis, out: ReportOutput) -> Section | None:
    domains = [d for d in a.domains if d.k >= MIN_K and d.rows is not None]
    if not domains:
        return None
    rows, figures = [], {}
    for d in domains:
        assert d.rows is not None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rep = bias_report(d.yi, d.vi, method=a.method)
            sqrtn_p = None
            if a.measure in ("SMD", "SMDH"):
                ni = (d.rows["n1i"].astype(float) + d.rows["n2i"].astype(float)).to_numpy()
                sqrtn_p = float(regtest(rep.fit, predictor="sqrtninv", ni=ni).p) if np.all(ni > 0) else None
        rows.append(bias_row(d, rep, sqrtn_p))
        fig = funnel(rep.fit, fill=rep.trimfill, xlabel=f"{a.measure} ({d.domain} outcomes)")
        fig.axes[0].legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize="small", frameon=False)  # off data
        figures[d.domain] = out.figure(fig, f"funnel_{d.domain}", (
            f"Contour-enhanced funnel plot, {d.domain} outcomes (k = {d.k}): shading marks p-value regions around "
            f"0; open circles are the {rep.trimfill.k0} comparison(s) trim-and-fill adds."))
    csv = out.csv("bias.csv", rows)
    methods = [
        f"Small-study effects (domains with k >= {MIN_K}, univariate random-effects model, {a.method}): Egger-type "
        "regression test with the standard error as predictor (metafor regtest defaults; Egger et al. 1997; Sterne "
        "& Egger 2005) and, for standardised mean differences, with 1/sqrt(n) as predictor (Zwetsloot et al. 2017); "
        "Begg and Mazumdar's rank correlation (1994); trim-and-fill with the L0 estimator, side from the sign of the "
        "Egger slope (Duval & Tweedie 2000); Rosenthal's fail-safe N (1979, one-tailed alpha 0.05); contour-enhanced "
        "funnel plots (Peters et al. 2008). These tests take the comparisons as independent.",
    ]
    return Section("bias", "Small-study effects and publication bias", {"rows": rows, "measure": a.measure},
                   figures=figures, tables={"bias": csv}, methods=methods)

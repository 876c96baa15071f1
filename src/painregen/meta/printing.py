"""Readable text summaries of fitted models, laid out as metafor's ``print.rma`` / ``print.anova.rma`` lay them out
(model line, heterogeneity block with Q-profile intervals, heterogeneity test, coefficient table, omnibus test), for
the command line. Plain text, 80 columns; the numbers are those of ``to_dict()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from painregen.meta.anova import Comparison, Hypotheses
    from painregen.meta.bias_report import BiasReport
    from painregen.meta.permutation import PermutestResult
    from painregen.meta.results import RmaResult
    from painregen.meta.results_mv import RmaMvResult
    from painregen.meta.robust import RobustResult
    from painregen.meta.subgroup import SubgroupResult


def fmt(x: Any, digits: int = 4) -> str:
    """A number with ``digits`` decimals (None/NaN -> NA)."""
    if x is None:
        return "NA"
    xf = float(x)
    return "NA" if not np.isfinite(xf) else f"{xf:.{digits}f}"


def fmt_p(p: Any) -> str:
    """A p-value as metafor prints it (``<.0001`` below 1e-4)."""
    if p is None or not np.isfinite(float(p)):
        return "NA"
    return "<.0001" if float(p) < 1e-4 else f"{float(p):.4f}"


def stars(p: float) -> str:
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else "." if p < 0.1 else ""


def table(rows: Sequence[Sequence[str]], header: Sequence[str], *, first_left: bool = True) -> list[str]:
    """Columns right-aligned (the first left-aligned), two spaces apart."""
    widths = [max(len(h), *(len(r[j]) for r in rows)) if rows else len(h) for j, h in enumerate(header)]

    def line(cells: Sequence[str]) -> str:
        out = [c.ljust(w) if j == 0 and first_left else c.rjust(w) for j, (c, w) in enumerate(zip(cells, widths,
                                                                                                 strict=True))]
        return "  ".join(out).rstrip()

    return [line(header), *(line(r) for r in rows)]


def coef_table(fit: Any, terms: Sequence[str] | None = None) -> list[str]:
    """estimate / se / z|t / p / CI rows, one per coefficient, with significance stars."""
    stat = "tval" if fit.ddf is not None else "zval"
    names = list(terms if terms is not None else fit.terms)
    rows = [[names[j], fmt(fit.b[j]), fmt(fit.se[j]), fmt(fit.stat[j]), fmt_p(fit.pval[j]), fmt(fit.ci_low[j]),
             fmt(fit.ci_high[j]), stars(float(fit.pval[j]))] for j in range(fit.p)]
    return table(rows, ["", "estimate", "se", stat, "pval", "ci.lb", "ci.ub", ""])


def _omnibus(fit: Any) -> str:
    btt = ", ".join(str(j + 1) for j in fit.btt)
    if fit.ddf is None:
        return (f"Test of Moderators (coefficients {btt}):\nQM(df = {fit.QM_df}) = {fmt(fit.QM)}, "
                f"p-val = {fmt_p(fit.QM_p)}")
    return (f"Test of Moderators (coefficients {btt}):\nF(df1 = {fit.QM_df}, df2 = {fit.ddf}) = {fmt(fit.QM)}, "
            f"p-val = {fmt_p(fit.QM_p)}")


def format_rma(res: RmaResult) -> str:
    """``print.rma.uni``: model line, tau2/tau/I2/H2 (with Q-profile CIs), Q test, coefficients, QM."""
    kind = ("Fixed-Effects" if not res.random else "Random-Effects") if res.int_only else (
        "Fixed-Effects with Moderators" if not res.random else "Mixed-Effects")
    est = "" if not res.random else f"; tau^2 estimator: {res.method}"
    out = [f"{kind} Model (k = {res.k}{est})", ""]
    resid = "residual" if not res.int_only else "total"
    ci = res.confint_tau2() if res.random and res.QE_df > 0 else None
    rows: list[list[str]] = []
    if res.random:
        rows += [["tau^2", fmt(res.tau2), *_ci(ci.tau2_ci if ci else None)],
                 ["tau", fmt(res.tau), *_ci(ci.tau_ci if ci else None)]]
    rows += [["I^2", f"{fmt(res.I2, 2)}%", *_ci(ci.I2_ci if ci else None, 2, "%")],
             ["H^2", fmt(res.H2, 2), *_ci(ci.H2_ci if ci else None, 2)]]
    if res.R2 is not None:
        rows.append(["R^2", f"{fmt(res.R2, 2)}%", "", ""])
    head = f"Heterogeneity ({resid}{'; Q-profile ' + fmt(res.level, 0) + '% CI' if ci else ''}):"
    out += [head, *("  " + line for line in table(rows, ["", "estimate", "ci.lb", "ci.ub"])), ""]
    out += _tests_and_coefficients(res)
    if res.int_only and res.random:
        pred = res.predict()
        out.append(f"Prediction interval: {fmt(pred.pi_low[0])} to {fmt(pred.pi_high[0])}")
    if res.k_omitted:
        out.append(f"{res.k_omitted} row(s) with missing values omitted.")
    return "\n".join(out).rstrip() + "\n"


def _tests_and_coefficients(res: Any) -> list[str]:
    """The heterogeneity test, the test of moderators and the coefficient table (rma and rma.mv alike)."""
    q = "Q" if res.int_only else "QE"
    out = [f"Test for {'Heterogeneity' if res.int_only else 'Residual Heterogeneity'}:",
           f"{q}(df = {res.QE_df}) = {fmt(res.QE)}, p-val = {fmt_p(res.QE_p)}", ""]
    if not res.int_only:
        out += [_omnibus(res), ""]
    return [*out, "Model Results:", "", *coef_table(res), ""]


def _ci(bounds: tuple[float, float] | None, digits: int = 4, pct: str = "") -> list[str]:
    return ["", ""] if bounds is None else [f"{fmt(bounds[0], digits)}{pct}", f"{fmt(bounds[1], digits)}{pct}"]


def format_rma_mv(res: RmaMvResult, level_names: Sequence[str] = ()) -> str:
    """``print.rma.mv``: variance components per level, Q test, coefficients, QM."""
    out = [f"Multivariate Meta-Analysis Model (k = {res.k}; method: {res.method})", "", "Variance Components:", ""]
    names = list(level_names) or [f"level {j + 1}" for j in range(len(res.sigma2))]
    rows = [[f"sigma^2.{j + 1}", fmt(s), fmt(np.sqrt(s)), str(n), names[j] if j < len(names) else ""]
            for j, (s, n) in enumerate(zip(res.sigma2, res.s_nlevels, strict=True))]
    out += [*table(rows, ["", "estim", "sqrt", "nlvls", "factor"]), ""]
    out += _tests_and_coefficients(res)
    if res.int_only:
        pr = res.predict()
        out.append(f"Prediction interval: {fmt(pr['pi_low'][0])} to {fmt(pr['pi_high'][0])}")
    return "\n".join(out).rstrip() + "\n"


def format_subgroup(res: SubgroupResult) -> str:
    """The overall model, one row per subgroup and the test of subgroup differences."""
    rows = [[s["level"], str(s["k"]), fmt(s["estimate"]), fmt(s["se"]), fmt(s["ci_low"]), fmt(s["ci_high"]),
             fmt(s["tau2"]), fmt(s["I2"], 1)] for s in res.subgroups()]
    out = [format_rma(res.overall).rstrip(), "", "Subgroups (separate fits):", "",
           *table(rows, ["", "k", "estimate", "se", "ci.lb", "ci.ub", "tau^2", "I^2(%)"]), "",
           "Test for Subgroup Differences (Wald-type, fixed-effect model of the subgroup estimates):",
           f"Q_between(df = {res.Q_between_df}) = {fmt(res.Q_between)}, p-val = {fmt_p(res.Q_between_p)}"]
    return "\n".join(out) + "\n"


def format_bias(rep: BiasReport) -> str:
    """Egger's regression test, rank correlation, trim-and-fill and fail-safe N."""
    eg, rk, tf = rep.egger, rep.rank, rep.trimfill
    stat = "t" if eg.ddf is not None else "z"
    what = {"sei": "standard error", "vi": "sampling variance", "ni": "sample size", "ninv": "1/n",
            "sqrtninv": "1/sqrt(n)"}[eg.predictor]
    fit = tf.fit
    out = [f"Publication bias and small-study effects (k = {rep.fit.k}; model: {rep.fit.method})", "",
           f"Egger's regression test for funnel plot asymmetry (predictor: {what}):",
           f"  test for funnel plot asymmetry: {stat} = {fmt(eg.stat)}, p = {fmt_p(eg.p)}"]
    if eg.limit_estimate is not None and eg.limit_ci is not None:
        out.append(f"  limit estimate (as the predictor -> 0): {fmt(eg.limit_estimate)} "
                   f"(95% CI {fmt(eg.limit_ci[0])} to {fmt(eg.limit_ci[1])})")
    out += ["", "Rank correlation test for funnel plot asymmetry (Begg & Mazumdar):",
            f"  Kendall's tau = {fmt(rk.tau)}, p = {fmt_p(rk.p)}{'' if rk.exact else ' (normal approximation)'}", "",
            "Trim-and-fill (Duval & Tweedie, L0):",
            f"  estimated number of missing studies on the {tf.side} side: {tf.k0}",
            f"  adjusted estimate: {fmt(fit.b[0])} (95% CI {fmt(fit.ci_low[0])} to {fmt(fit.ci_high[0])}), "
            f"unadjusted {fmt(rep.fit.b[0])}", "",
            f"Fail-safe N (Rosenthal): {rep.failsafe_n}"]
    return "\n".join(out) + "\n"


def format_comparison(cmp: Comparison) -> str:
    """``print.anova.rma`` for a likelihood-ratio test (as two tables, to fit 80 columns)."""
    fits = [[name, str(fs.parms), fmt(fs.AIC), fmt(fs.BIC), fmt(fs.AICc), fmt(fs.ll)]
            for name, fs in (("Full", cmp.full), ("Reduced", cmp.reduced))]
    tests = [["Full", "", "", fmt(cmp.QE_full), fmt(cmp.tau2_full) if cmp.tau2_full is not None else "", ""],
             ["Reduced", fmt(cmp.LRT), fmt_p(cmp.pval), fmt(cmp.QE_reduced),
              fmt(cmp.tau2_reduced) if cmp.tau2_reduced is not None else "",
              "" if cmp.R2 is None else f"{fmt(cmp.R2, 2)}%"]]
    return "\n".join([f"Model comparison (likelihood-ratio test, {cmp.method}):", "",
                      *table(fits, ["", "df", "AIC", "BIC", "AICc", "logLik"]), "",
                      *table(tests, ["", "LRT", "pval", "QE", "tau^2", "R^2"])]) + "\n"


def format_hypotheses(h: Hypotheses) -> str:
    """``anova(fit, X = ...)``: each hypothesis and the omnibus test."""
    stat = "tval" if h.QM_ddf is not None else "zval"
    rows = [[f"{j + 1}: {lab}", fmt(e), fmt(s), fmt(z), fmt_p(p), fmt(lo), fmt(hi)]
            for j, (lab, e, s, z, p, lo, hi) in enumerate(zip(h.labels, h.estimate, h.se, h.stat, h.pval,
                                                               h.ci_low, h.ci_high, strict=True))]
    omni = (f"QM(df = {h.QM_df}) = {fmt(h.QM)}, p-val = {fmt_p(h.QM_p)}" if h.QM_ddf is None else
            f"F(df1 = {h.QM_df}, df2 = {h.QM_ddf}) = {fmt(h.QM)}, p-val = {fmt_p(h.QM_p)}")
    return "\n".join(["Linear hypotheses:", "", *table(rows, ["", "estimate", "se", stat, "pval", "ci.lb", "ci.ub"]),
                      "", "Omnibus test of hypotheses:", omni]) + "\n"


def format_robust(rob: RobustResult) -> str:
    """Cluster-robust tests (clubSandwich / metafor ``robust``)."""
    rows = [[rob.terms[j], fmt(rob.b[j]), fmt(rob.se[j]), fmt(rob.stat[j]), fmt(rob.df[j], 2), fmt_p(rob.pval[j]),
             fmt(rob.ci_low[j]), fmt(rob.ci_high[j])] for j in range(len(rob.terms))]
    kind = "CR2, Satterthwaite df, HTZ test" if rob.kind == "CR2" else rob.kind
    return "\n".join([f"Cluster-robust inference ({kind}; {rob.n_clusters} clusters):", "",
                      *table(rows, ["", "estimate", "se", "tval", "df", "pval", "ci.lb", "ci.ub"]), "",
                      f"F(df1 = {rob.QM_df}, df2 = {fmt(rob.QM_ddf, 2)}) = {fmt(rob.QM)}, p-val = {fmt_p(rob.QM_p)}"]
                     ) + "\n"


def format_permutations(perm: PermutestResult) -> str:
    """Permutation p-values next to the model's own."""
    kind = "exact" if perm.exact else f"{perm.iterations} random permutations"
    rows = [[perm.res.terms[j], fmt(perm.res.b[j]), fmt(perm.res.stat[j]), fmt_p(perm.res.pval[j]),
             fmt_p(perm.pval[j])] for j in range(perm.res.p)]
    stat = "tval" if perm.res.ddf is not None else "zval"
    out = [f"Permutation test ({kind}):", "", *table(rows, ["", "estimate", stat, "pval", "perm. pval"])]
    if not perm.res.int_only:
        out += ["", f"Omnibus test: permutation p-val = {fmt_p(perm.QM_p)}"]
    return "\n".join(out) + "\n"

"""Readable summaries, laid out as metafor prints them, of multilevel models with general random terms
(``print.rma.mv``: sigma2 per grouping, tau2 / rho per inner level) and of Mantel-Haenszel / Peto fits
(``print.rma.mh``, ``print.rma.peto``). Plain text; the numbers are those of ``to_dict()``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from painregen.meta.printing import coef_table, fmt, fmt_p, table

if TYPE_CHECKING:
    from painregen.meta.mh import MhResult
    from painregen.meta.results_mv import RmaMvResult


def format_random_terms(res: RmaMvResult) -> str:
    """Variance components (sigma2 per grouping; tau2/rho and gamma2/phi per '~ inner | outer' term), the
    heterogeneity test, the test of moderators and the coefficient table."""
    out = [f"Multivariate Meta-Analysis Model (k = {res.k}; method: {res.method})", "",
           "Random effects: " + "; ".join(res.random), ""]
    if res.sigma2.size:
        rows = [[f"sigma^2.{j + 1}", fmt(s), fmt(np.sqrt(s)), str(n), name]
                for j, (s, n, name) in enumerate(zip(res.sigma2, res.s_nlevels, res.s_names, strict=True))]
        out += [*table(rows, ["", "estim", "sqrt", "nlvls", "factor"]), ""]
    for n, (struct, levels, n_outer) in enumerate(zip(res.struct, res.g_levels, res.g_nlevels, strict=True)):
        var, cor = ((res.tau2, res.rho) if n == 0 else (res.gamma2, res.phi))
        vname, cname = ("tau^2", "rho") if n == 0 else ("gamma^2", "phi")
        out.append(f"{'Inner' if struct != 'GEN' else 'Random-slope'} structure {n + 1}: {struct} "
                   f"({len(levels)} {'levels' if struct != 'GEN' else 'terms'}, {n_outer} outer groups)")
        names = list(levels) if var.size > 1 else [""]
        rows = [[f"{vname}.{j + 1}" if var.size > 1 else vname, fmt(v), fmt(np.sqrt(max(v, 0.0))), names[j]]
                for j, v in enumerate(var)]
        out += table(rows, ["", "estim", "sqrt", "level"])
        if cor.size:
            out += ["", *table([[f"{cname}.{j + 1}" if cor.size > 1 else cname, fmt(c)] for j, c in enumerate(cor)],
                               ["", "estim"])]
        out.append("")
    q = "Q" if res.int_only else "QE"
    out += [f"Test for {'Heterogeneity' if res.int_only else 'Residual Heterogeneity'}:",
            f"{q}(df = {res.QE_df}) = {fmt(res.QE)}, p-val = {fmt_p(res.QE_p)}", ""]
    if not res.int_only:
        btt = ", ".join(str(j + 1) for j in res.btt)
        test = (f"QM(df = {res.QM_df})" if res.ddf is None else f"F(df1 = {res.QM_df}, df2 = {fmt(res.QM_ddf, 0)})")
        out += [f"Test of Moderators (coefficients {btt}):", f"{test} = {fmt(res.QM)}, p-val = {fmt_p(res.QM_p)}",
                ""]
    out += ["Model Results:", "", *coef_table(res)]
    if res.ddfs is not None:
        out.append("t tests with df (" + res.dfs + "): " + ", ".join(f"{t} {fmt(d, 0)}"
                                                                    for t, d in zip(res.terms, res.ddfs, strict=True)))
    if res.k_omitted:
        out.append(f"{res.k_omitted} row(s) with missing values omitted.")
    return "\n".join(out).rstrip() + "\n"


def format_mh(res: MhResult) -> str:
    """Model line, heterogeneity test (with I2/H2), the pooled estimate (and, for OR/RR, its exponent) and, for the
    Mantel-Haenszel odds ratio, the Cochran-Mantel-Haenszel and Tarone tests."""
    name = "Mantel-Haenszel" if res.method == "MH" else "Peto's"
    measure = {"OR": "Log Odds Ratio", "RR": "Log Risk Ratio", "RD": "Risk Difference"}[res.measure]
    out = [f"Equal-Effects Model ({name} method; k = {res.k})", "",
           f"I^2 (total heterogeneity / total variability):  {fmt(res.I2, 2)}%",
           f"H^2 (total variability / sampling variability): {fmt(res.H2, 2)}", "",
           "Test for Heterogeneity:", f"Q(df = {res.QE_df}) = {fmt(res.QE)}, p-val = {fmt_p(res.QE_p)}", "",
           f"Model Results ({measure} Scale):", ""]
    out += table([[fmt(res.b), fmt(res.se), fmt(res.zval), fmt_p(res.pval), fmt(res.ci_low), fmt(res.ci_high)]],
                 ["estimate", "se", "zval", "pval", "ci.lb", "ci.ub"], first_left=False)
    if res.log_scale:
        out += ["", f"Model Results ({res.measure} Scale):", "",
                *table([[fmt(np.exp(res.b)), fmt(np.exp(res.ci_low)), fmt(np.exp(res.ci_high))]],
                       ["estimate", "ci.lb", "ci.ub"], first_left=False)]
    if res.cmh is not None:
        out += ["", f"Cochran-Mantel-Haenszel Test:    CMH = {fmt(res.cmh)}, df = 1, p-val = {fmt_p(res.cmh_p)}",
                f"Tarone's Test for Heterogeneity: X^2 = {fmt(res.tarone)}, df = {res.tarone_df}, "
                f"p-val = {fmt_p(res.tarone_p)}"]
    if res.k_yi < res.k:
        out += ["", f"{res.k - res.k_yi} table(s) without events (or only events) in both groups have no per-study "
                "effect (drop00) and add nothing to the pooled estimate."]
    if res.k_omitted:
        out.append(f"{res.k_omitted} row(s) with missing counts omitted.")
    return "\n".join(out).rstrip() + "\n"

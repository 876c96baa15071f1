"""The dose-response benchmark cases (issue 4): MCP-Mod on one study, operating characteristics by
simulation, and the one- and two-stage dose-response meta-analyses. As in :mod:`benchmarks.cases`, each
case draws its data once (fixed seed), times painregen and the R peers on those numbers in the same run,
and compares times only after the estimates agree.

Agreement tolerances (max relative difference, 1e-3 absolute floor near 0):
- DoseFinding MCPMod: MCT t statistics 1e-8 (closed forms, equal up to rounding); the selected model
  (the same one) and its coefficients 1e-4 -- R's ``optimize``/``nlminb`` stop at their default
  tolerances (docs/dose.md, tests/golden/dosefinding.R).
- Simulated power: Monte Carlo estimates, so they agree only within sampling error: painregen's power
  from n studies vs DoseFinding's analytic ``powMCT`` (tight mvtnorm settings) within 4 sqrt(p (1 - p) / n);
  the R loop's power vs painregen's within 4 sqrt(p (1 - p) (1 / n1 + 1 / n2)).
- metafor rma.mv (one- and two-stage dose-response meta-analysis): 1e-3, its default optimiser (nlminb)
  stops early (as in :mod:`benchmarks.cases`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from benchmarks import data_dose as dd
from benchmarks import peers_r
from benchmarks.cases import TOL_METAFOR_MV, Context, _agree, _skipped
from benchmarks.results import Row, is_close
from benchmarks.timing import Timing, max_rel_diff, measure
from painregen.dose import (
    DoseData,
    FitResult,
    MCPModResult,
    MCTResult,
    fit_mod,
    from_raw,
    from_summary,
    mcp_mod,
    mct_test,
    mods,
    simulate_mcp_mod,
    td,
)
from painregen.dose.meta_dr import dose_response_meta
from painregen.dose.selection import select_model
from painregen.dose.two_stage import dose_response_two_stage
from painregen.meta.mvmeta import mvmeta

TOL_T = 1e-8
TOL_DOSEFINDING = 1e-4
DELTA = 0.5  # clinically relevant effect defining the MED (target dose) in the MCP-Mod case
SETUP_DF = "suppressPackageStartupMessages(library(DoseFinding))"
TIGHT_MVT = "mvtnorm.control(maxpts = 1e6, abseps = 1e-5)"


def _have_dosefinding(ctx: Context) -> str | None:
    """None when DoseFinding can run, else why not."""
    if not ctx.r.available:
        return ctx.r.note.replace("metafor skipped", "DoseFinding skipped")
    if ctx.r.dosefinding_version is None:
        return "R package DoseFinding not installed: DoseFinding skipped"
    return None


def _r_note(run: peers_r.RRun) -> str:
    """R's CPU time per run, in ms when every run took under a second."""
    if run.cpu and max(run.cpu) < 1:
        return "R CPU time (user + system) " + ", ".join(f"{c * 1000:.0f}" for c in run.cpu) + " ms"
    return "R CPU time (user + system) " + ", ".join(f"{c:.1f}" for c in run.cpu) + " s"


def warm_up(ctx: Context) -> None:
    """Call every painregen function timed below once on small data (imports, caches of QMC points)."""
    s = dd.animal_study(n=4, seed=9)
    raw = from_raw(s.dose, s.resp)
    mcp_mod(raw, dd.SPEC, delta=DELTA, n_boot=50, n_perm=50)
    mcp_mod(from_summary(raw.doses, raw.means, raw.se), dd.SPEC, delta=DELTA, n_boot=50)
    _mcp_steps(lambda: from_summary(raw.doses, raw.means, raw.se))
    simulate_mcp_mod(dd.STUDY_DOSES, 8, 1.0, dd.SPEC, truth="emax:3", max_effect=1.2, delta=0.6, n_sim=200)
    c = dd.dose_meta(12, seed=99)
    dose_response_meta(c.dose, c.yi, c.vi, c.study, c.V, emax=False)
    two = dose_response_two_stage(c.dose, c.yi, c.vi, c.study, c.V)
    mvmeta(np.array([f.b for f in two.first_stage]), np.array([f.S for f in two.first_stage]))


def _full_mcp(make: Callable[[], DoseData], n_boot: int = 1000, n_perm: int = 2000) -> MCPModResult:
    """painregen's ``mcp_mod`` as users call it, input conversion included (R's MCPMod takes the data too);
    ``n_boot = n_perm = 0`` leaves out the bootstrap intervals and the umbrella test."""
    return mcp_mod(make(), dd.SPEC, delta=DELTA, n_boot=n_boot, n_perm=n_perm)


def _mcp_steps(make: Callable[[], DoseData]) -> tuple[MCTResult, FitResult, float]:
    """The steps DoseFinding's MCPMod takes: contrast test, fits of the significant families, AIC
    selection, target dose (painregen's ``mcp_mod`` adds the saturation window to these)."""
    data = make()
    mct = mct_test(data, dd.SPEC)
    fams = dict.fromkeys(f for f, sig in zip(mct.families, mct.significant, strict=True) if sig)
    fits = [fit_mod(data, f) for f in fams]
    chosen = select_model(fits, mct, "aic").selected
    best = next(f for f in fits if f.model == chosen)
    return mct, best, td(best, DELTA).dose


def _mcp_agree(t: np.ndarray, model: str | None, coefs: np.ndarray, run: peers_r.RRun) -> tuple[str, bool]:
    sel = [k[4:] for k in run.values if k.startswith("sel_")]
    same = bool(sel) and sel[0] == model
    dt = max_rel_diff(run.values["t"], t)
    dc = max_rel_diff(run.values["coef"], coefs) if same else float("inf")
    ok = same and dt <= TOL_T and dc <= TOL_DOSEFINDING
    text = (f"t {dt:.1e} (tol {TOL_T:.0e}); {model} selected by both: coefficients {dc:.1e} "
            f"(tol {TOL_DOSEFINDING:.0e})" if same else f"selected model differs: painregen {model}, R {sel}")
    return text + (" ok" if ok else " DIFFERS"), ok


def case_mcp_mod(ctx: Context) -> list[Row]:
    """MCP-Mod on one animal study (vehicle + 4 doses, 10 animals per group, 5 candidate shapes), on the
    group means with their SEs (DoseFinding ``type = "general"``) and on the per-animal rows."""
    rows: list[Row] = []
    s = dd.animal_study()
    raw0 = from_raw(s.dose, s.resp)
    why = _have_dosefinding(ctx)
    window_note = ("painregen's mcp_mod also computes the saturation window, its intervals from 1,000 bootstrap "
                   "replicates of the whole selection (every replicate retested, all 5 candidate families refitted "
                   "and reselected){umb}; its MCT probabilities use 32,768 quasi-Monte Carlo directions (SE ~2e-5) "
                   "where DoseFinding's default mvtnorm settings allow an error of 1e-3")
    variants: list[tuple[str, str, Callable[[], DoseData], str, str, str]] = [
        ("MCP-Mod, one study: group means and SEs (5 doses, 5 candidate models)", "summary",
         lambda: from_summary(raw0.doses, raw0.means, raw0.se), "summary data, S = diag(se^2)",
         'MCPMod(d$dose, d$mean, models = m, S = diag(d$se^2), type = "general", Delta = {delta})', ""),
        ("MCP-Mod, one study: raw data (50 animals, 5 doses, 5 candidate models)", "raw",
         lambda: from_raw(s.dose, s.resp), "raw data", "MCPMod(d$dose, d$resp, models = m, Delta = {delta})",
         " and a 2,000-permutation umbrella test"),
    ]
    for case, kind, make, what, r_call, umb in variants:
        ctx.step(f"painregen mcp_mod, {what}")
        full_t, res = measure(partial(_full_mcp, make), ctx.repeats, ctx.budget)
        steps_t, (mct, best, _) = measure(partial(_mcp_steps, make), ctx.repeats, ctx.budget)
        point_t, point = measure(partial(_full_mcp, make, 0, 0), ctx.repeats, ctx.budget)
        assert res.selected_model is not None
        chosen = res.fit(res.selected_model)
        full_label = "mcp_mod(delta) (test, fits, MED, window)"
        steps_label = "mct_test + fit_mod + select + td (MCPMod's steps)"
        if why is not None:
            rows.append(_skipped(case, full_label, full_t, "DoseFinding MCPMod", why))
            continue
        ctx.step(f"DoseFinding MCPMod, {what}")
        if kind == "summary":
            csv = dd.write_table(ctx.workdir / "mcp_summary.csv", {"dose": raw0.doses, "mean": raw0.means,
                                                                   "se": raw0.se})
        else:
            csv = dd.write_table(ctx.workdir / "mcp_raw.csv", {"dose": s.dose, "resp": s.resp})
        setup = SETUP_DF + "\nm <- " + dd.R_MODS.format(doses="sort(unique(d$dose))")
        extract = "\n".join(['out("t", fit$MCTtest$tStat)', 'out(paste0("sel_", fit$selMod), 1)',
                             'out("coef", coef(fit$mods[[fit$selMod]]))'])
        run = peers_r.run_r(r_call.format(delta=DELTA), csv, setup=setup, extract=extract, repeats=ctx.repeats,
                            budget=ctx.r_budget)
        if run.timing is None:
            rows.append(_skipped(case, full_label, full_t, "DoseFinding MCPMod", run.error or "failed"))
            continue
        text, ok = _mcp_agree(res.mct.t_stats, res.selected_model, chosen.coefs, run)
        rows.append(Row(case, full_label, full_t, "DoseFinding MCPMod", run.timing, text, ok,
                        note=window_note.format(umb=umb) + "; " + _r_note(run)))
        text2, ok2 = _mcp_agree(mct.t_stats, best.model, best.coefs, run)
        rows.append(Row(case, steps_label, steps_t, "DoseFinding MCPMod", run.timing, text2, ok2,
                        note="the same steps as MCPMod, without the saturation window"))
        assert point.selected_model is not None
        text3, ok3 = _mcp_agree(point.mct.t_stats, point.selected_model,
                                point.fit(point.selected_model).coefs, run)
        rows.append(Row(case, "mcp_mod(delta, n_boot = 0, n_perm = 0)", point_t, "DoseFinding MCPMod",
                        run.timing, text3, ok3,
                        note="the whole mcp_mod call without the bootstrap intervals and the umbrella test: test, "
                        "fits, selection, MED, and the point saturation window with its decline and top-dose checks"))
    return rows


def case_simulation(ctx: Context, n_sim: int = 10_000) -> list[Row]:
    """Operating characteristics of an animal design (vehicle + 4 doses, n = 8 per group) from 10,000
    simulated studies; target < 10 s ("vectorised so 10,000 simulated studies take seconds")."""
    case = "Operating characteristics, 10,000 simulated studies (5 doses, n = 8 per group)"
    n, sd, max_eff, truth = 8, 1.0, 1.2, "emax:3"
    label = "simulate_mcp_mod(n_sim = 10,000)"
    ctx.step("painregen simulate_mcp_mod, 10,000 studies")
    pr_t, res = measure(lambda: simulate_mcp_mod(dd.STUDY_DOSES, n, sd, dd.SPEC, truth=truth, max_effect=max_eff,
                                                 delta=0.6, n_sim=n_sim, seed=1), ctx.repeats, ctx.budget)
    p_pr = res.power_any
    sel = ", ".join(f"{k} {v:.2f}" for k, v in res.selected.items())
    info = (f"P(dose-response) = {p_pr:.4f}, P(plateau) = {res.power_plateau:.4f}; selected: {sel}; "
            "each significant study is also fitted, selected and given a MED and saturation dose")
    why = _have_dosefinding(ctx)
    if why is not None:
        return [Row(case, label, pr_t, "(absolute target)", None, "-", None, "< 10 s", pr_t.median < 10.0,
                    note=info, close=is_close(pr_t.median, 10.0)),
                _skipped(case, label, pr_t, "DoseFinding powMCT / MCTtest loop", why)]
    n_r = ctx.r_sim_studies
    ctx.step(f"DoseFinding MCTtest loop over {n_r} simulated studies (extrapolated to {n_sim:,}) and powMCT")
    mu = mods(truth, dd.STUDY_DOSES, max_eff=max_eff).get_resp()[:, 0]
    sim, dose, resp = dd.many_studies(mu, n, sd, n_r, seed=31)
    csv = dd.write_table(ctx.workdir / "mct_loop.csv", {"sim": sim, "dose": dose, "resp": resp}, ints=("sim",))
    setup = "\n".join([SETUP_DF, "dose <- d$dose[d$sim == 1]", "ys <- split(d$resp, d$sim)",
                       "m <- " + dd.R_MODS.format(doses="sort(unique(dose))")])
    call = ('suppressWarnings(vapply(ys, function(y) min(attr(MCTtest(dose, y, models = m)$tStat, "pVal")) < 0.025, '
            "logical(1)))")
    extract = "\n".join([
        'out("power_r", mean(fit))',
        f"tm <- Mods(emax = 3, doses = sort(unique(dose)), placEff = 0, maxEff = {max_eff})",
        f"out(\"powMCT\", powMCT(optContr(m, w = rep({n}, 5)), altModels = tm, n = {n}, sigma = {sd}, "
        f"control = {TIGHT_MVT}))",
    ])
    run = peers_r.run_r(call, csv, setup=setup, extract=extract, repeats=1, budget=ctx.r_budget)
    if run.timing is None:
        return [Row(case, label, pr_t, "(absolute target)", None, "-", None, "< 10 s", pr_t.median < 10.0,
                    note=info, close=is_close(pr_t.median, 10.0)),
                _skipped(case, label, pr_t, "DoseFinding powMCT / MCTtest loop", run.error or "failed")]
    p_an = float(run.values["powMCT"][0])
    lim = 4 * np.sqrt(p_an * (1 - p_an) / n_sim)
    an_ok = abs(p_pr - p_an) <= lim
    an_text = (f"power {p_pr:.4f} vs powMCT (analytic) {p_an:.4f}: |d| {abs(p_pr - p_an):.4f} "
               f"(4 SE {lim:.4f}) {'ok' if an_ok else 'DIFFERS'}")
    rows = [Row(case, label, pr_t, "(absolute target)", None, an_text, an_ok, "< 10 s",
                pr_t.median < 10.0 and an_ok, note=info, close=is_close(pr_t.median, 10.0))]
    p_r = float(run.values["power_r"][0])
    p_mid = (p_r + p_pr) / 2
    lim_r = 4 * np.sqrt(p_mid * (1 - p_mid) * (1 / n_r + 1 / n_sim))
    r_ok = abs(p_r - p_pr) <= lim_r
    r_text = (f"power {p_r:.3f} ({n_r} studies) vs {p_pr:.3f}: |d| {abs(p_r - p_pr):.3f} (4 SE {lim_r:.3f}) "
              f"{'ok' if r_ok else 'DIFFERS'}")
    scale = n_sim / n_r
    t = Timing(run.timing.median * scale, tuple(x * scale for x in run.timing.runs))
    rows.append(Row(
        case, label, pr_t, "DoseFinding MCTtest in an R loop (test only)", t, r_text, r_ok, extrapolated=True,
        note=(f"R timed for {n_r} studies (one row per animal, simulated in Python from the same truth, read from "
              f"CSV), times {scale:.0f}; MCTtest with default settings, significant when the smallest adjusted "
              "p < 0.025. The loop only tests, while painregen also fits, selects and estimates the MED and "
              "saturation dose of every significant study; " + _r_note(run))))
    return rows


def _one_stage_r(ctx: Context, csv: Any, sparse: bool, repeats: int) -> peers_r.RRun:
    setup = "\n".join([
        'X <- as.matrix(d[, c("X1", "X2", "X3")])',
        "V <- bldiag(lapply(split(seq_len(nrow(d)), d$study), function(r) {",
        "  m <- matrix(d$vc[r[1]], length(r), length(r)); diag(m) <- d$vi[r]; m }))",
        "d$id <- seq_len(nrow(d))",
    ])
    call = "rma.mv(yi, V, mods = ~ X - 1, random = ~ 1 | study/id, data = d" + (", sparse = TRUE)" if sparse else ")")
    return peers_r.run_r(call, csv, setup=setup, extract=peers_r.EXTRACT_MV, repeats=repeats, budget=ctx.r_budget)


def case_meta_one_stage(ctx: Context, n_studies: int = 200) -> list[Row]:
    """One-stage restricted-cubic-spline dose-response meta-analysis, 200 studies x 4 doses (800 contrasts
    with shared-vehicle covariance blocks), against metafor rma.mv on the same spline basis."""
    case = f"Dose-response meta-analysis, one-stage spline, {n_studies} studies x 4 doses"
    c = dd.dose_meta(n_studies)
    label = "dose_response_meta(emax = False)"
    ctx.step(f"painregen dose_response_meta, {n_studies} studies x 4 doses")
    pr_t, res = measure(lambda: dose_response_meta(c.dose, c.yi, c.vi, c.study, c.V, emax=False),
                        ctx.repeats, ctx.budget)
    if not np.array_equal(res.knots, c.knots):
        raise AssertionError("painregen's knots differ from the basis written for R")
    pr = list(res.b) + list(res.sigma2)
    if not ctx.r.available:
        return [_skipped(case, label, pr_t, "metafor rma.mv", ctx.r.note)]
    csv = dd.write_table(ctx.workdir / "dose_meta.csv", {"yi": c.yi, "vi": c.vi, "vc": c.vc, "study": c.study,
                                                          "X1": c.X[:, 0], "X2": c.X[:, 1], "X3": c.X[:, 2]},
                         ints=("study",))
    rows: list[Row] = []
    note_basis = ("R gets the spline basis painregen computes (rcs_basis, Hmisc's norm = 2 scaling) and the "
                  "block-diagonal V; painregen's time includes knots, basis, Wald test of non-linearity and the "
                  "pooled curve; ")
    peers = ((True, "metafor rma.mv (sparse = TRUE)", ctx.repeats), (False, "metafor rma.mv (default, dense)", 1))
    for sparse, peer, reps in peers:
        ctx.step(f"{peer}, {n_studies} studies x 4 doses" + ("" if sparse else " (slow: dense 800 x 800 matrices)"))
        run = _one_stage_r(ctx, csv, sparse, reps)
        if run.timing is None:
            rows.append(_skipped(case, label, pr_t, peer, run.error or "failed"))
            continue
        text, ok = _agree(pr, list(run.values["b"]) + list(run.values["sigma2"]), TOL_METAFOR_MV)
        extra = "sparse = TRUE is metafor's fastest setting for this model; " if sparse else "timed once; "
        rows.append(Row(case, label, pr_t, peer, run.timing, text, ok, note=note_basis + extra + _r_note(run)))
    return rows


def case_meta_two_stage(ctx: Context, n_studies: int = 200) -> list[Row]:
    """Two-stage dose-response meta-analysis on the data of the one-stage case: stage 1 in Python, stage 2
    (multivariate random effects, unstructured Psi) against metafor rma.mv on the same b_i and S_i."""
    case = f"Dose-response meta-analysis, two-stage spline, {n_studies} studies x 4 doses"
    c = dd.dose_meta(n_studies)
    label = "dose_response_two_stage()"
    ctx.step(f"painregen dose_response_two_stage, {n_studies} studies x 4 doses")
    pr_t, res = measure(lambda: dose_response_two_stage(c.dose, c.yi, c.vi, c.study, c.V), ctx.repeats, ctx.budget)
    B = np.array([f.b for f in res.first_stage])
    S = np.array([f.S for f in res.first_stage])
    ctx.step(f"painregen mvmeta (stage 2 only), {B.shape[0]} studies x {B.shape[1]} coefficients")
    mv_t, mv = measure(lambda: mvmeta(B, S), ctx.repeats, ctx.budget)
    pr = list(res.b) + list(res.Psi.ravel())
    pr_mv = list(mv.b) + list(mv.Psi.ravel())
    peer = "metafor rma.mv (UN, sparse = TRUE)"
    if not ctx.r.available:
        return [_skipped(case, label, pr_t, "metafor rma.mv", ctx.r.note)]
    p = B.shape[1]
    cols = {f"b{j + 1}": B[:, j] for j in range(p)}
    cols |= {f"s{i + 1}{j + 1}": S[:, i, j] for i in range(p) for j in range(p)}
    csv = dd.write_table(ctx.workdir / "dose_two_stage.csv", cols)
    setup = "\n".join([
        f"p <- {p}; k <- nrow(d)",
        'b <- as.vector(t(as.matrix(d[, paste0("b", seq_len(p))])))',
        'sn <- paste0("s", rep(seq_len(p), each = p), rep(seq_len(p), p))',
        "V <- bldiag(lapply(seq_len(k), function(i) matrix(as.numeric(d[i, sn]), p, p, byrow = TRUE)))",
        "coef <- factor(rep(seq_len(p), k)); study <- rep(seq_len(k), each = p)",
    ])
    call = 'rma.mv(b, V, mods = ~ coef - 1, random = ~ coef | study, struct = "UN", sparse = TRUE)'
    ctx.step(f"{peer}, stage 2 on {B.shape[0]} studies")
    run = peers_r.run_r(call, csv, setup=setup, extract='out("b", coef(fit))\nout("Psi", fit$G)', repeats=ctx.repeats,
                        budget=ctx.r_budget / 2)
    if run.timing is None:
        return [_skipped(case, label, pr_t, peer, run.error or "failed")]
    r_vals = list(run.values["b"]) + list(run.values["Psi"])
    note = ("R fits stage 2 only, on the b_i and S_i of painregen's stage 1 (read from CSV); painregen's time "
            "includes stage 1 (per-study GLS), the Wald test and the pooled curve; agreement on b and Psi; ")
    if not res.converged or not mv.converged:
        note += "painregen's stage-2 optimiser did not report convergence; "
    rows = []
    text, ok = _agree(pr, r_vals, TOL_METAFOR_MV)
    rows.append(Row(case, label, pr_t, peer, run.timing, text, ok, note=note + _r_note(run)))
    text2, ok2 = _agree(pr_mv, r_vals, TOL_METAFOR_MV)
    rows.append(Row(case, "mvmeta(b_i, S_i) (stage 2 only)", mv_t, peer, run.timing, text2, ok2,
                    note=f"estimated Psi has rank {mv.Psi_rank} of {p}"
                    + (" (an interior optimum)" if mv.Psi_rank == p else " (on the boundary)")))
    rows.append(_skipped(case, label, pr_t, "metafor rma.mv (UN, default, dense)",
                         "skipped: the default dense fit took 105 s (102 s CPU) per run in a trial while this "
                         "benchmark was written; the sparse fit above is metafor's fastest setting"))
    return rows

"""The benchmark cases of issue 3 ("Speed"). Each case draws its data once (fixed seed), times
painregen and every available peer on those arrays in the same run, and checks that the peers'
estimates agree with painregen's before their times are compared.

Agreement tolerances (max relative difference, 1e-3 absolute floor near 0):
- metafor rma (REML): 1e-4 -- metafor stops Fisher scoring when tau2 changes by < 1e-5 (its default
  ``threshold``), so its tau2 is only that accurate; the benchmark times metafor as users run it.
- metafor rma.mv: 1e-3 -- its default optimiser (nlminb) stops earlier still (docs/meta.md: even with
  tight settings the golden tests need 1e-5).
- PyMARE REML: 1e-4 -- tau2 comes from a bounded scalar search with its default tolerance.
- statsmodels DL and WLS: 1e-8 -- closed forms, equal up to rounding.
- permutation p-values: Monte Carlo estimates from different random permutations, so they agree only
  within sampling error: |p1 - p2| <= 4 sqrt(2 p (1 - p) / n) + 2 / n.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchmarks import data as bdata
from benchmarks import peers_py, peers_r
from benchmarks.results import MemRow, Row, is_close
from benchmarks.timing import Timing, max_rel_diff, measure, peak_memory
from painregen.meta import permutest, rma, rma_mv

TOL_METAFOR = 1e-4
TOL_METAFOR_MV = 1e-3
TOL_PYMARE = 1e-4
TOL_CLOSED = 1e-8


@dataclass
class Context:
    """Settings and shared state of one run."""

    workdir: Path
    r: peers_r.RStatus
    repeats: int = 3
    budget: float = 20.0
    r_budget: float = 60.0
    r_perm_iterations: int = 5
    r_sim_studies: int = 200
    step: Callable[[str], None] = field(default=lambda label: None)
    have_pymare: bool = True
    have_statsmodels: bool = True


def warm_up(ctx: Context) -> None:
    """Call every Python contestant once on tiny data, so imports and first-call set-up are not timed."""
    d = bdata.meta_regression(60, seed=99)
    t = bdata.three_level(10, 60, seed=99)
    assert d.mods is not None
    res = rma(d.yi, d.vi, mods=d.mods, method="REML")
    res.to_dict()
    rma(d.yi, d.vi, method="DL").to_dict()
    permutest(res, iterations=20, seed=1)
    rma_mv(t.yi, t.vi, clusters=[t.study, t.experiment])
    if ctx.have_pymare:
        peers_py.pymare_reml(d.yi, d.vi, d.X)
        peers_py.pymare_reml_full(d.yi, d.vi)
        peers_py.pymare_permutation(d.yi, d.vi, d.mods, 20, seed=1)
    if ctx.have_statsmodels:
        peers_py.statsmodels_dl(d.yi, d.vi)
        peers_py.statsmodels_wls(d.yi, d.vi, d.X)


def _r_note(run: peers_r.RRun) -> str:
    cpu = ", ".join(f"{c:.1f}" for c in run.cpu)
    return f"R CPU time (user + system) {cpu} s"


def _agree(pr: list[float], peer: list[float], tol: float) -> tuple[str, bool]:
    diff = max_rel_diff(peer, pr)
    ok = diff <= tol
    return f"{diff:.1e} (tol {tol:.0e}) {'ok' if ok else 'DIFFERS'}", ok


def _vec(tau2: float | None, b: np.ndarray) -> list[float]:
    return ([] if tau2 is None else [float(tau2)]) + [float(x) for x in np.ravel(b)]


def _skipped(case: str, label: str, pr: Timing, peer: str, why: str, target: str = "") -> Row:
    return Row(case, label, pr, peer, None, "-", None, target=target, passed=None, note=why)


def case_meta_regression(ctx: Context) -> list[Row]:
    """REML meta-regression with 3 moderators at k = 2,000; target: >= 50x faster than metafor's rma."""
    case = "REML meta-regression, 3 moderators, k = 2,000"
    d = bdata.meta_regression(2000, seed=1)
    ctx.step("painregen rma REML, 3 moderators, k = 2,000")
    pr_t, res = measure(lambda: rma(d.yi, d.vi, mods=d.mods, method="REML"), ctx.repeats, ctx.budget)
    pr = _vec(res.tau2, res.b)
    label = "rma(REML, mods)"
    target = ">= 50x faster than metafor"
    rows: list[Row] = []
    ctx.step("metafor rma REML, 3 moderators, k = 2,000 (slow: dense k x k matrices)")
    if ctx.r.available:
        csv = bdata.write_csv(d, ctx.workdir / "meta_regression_2k.csv")
        run = peers_r.run_r(peers_r.rma_call(3), csv, repeats=ctx.repeats, budget=ctx.r_budget)
        if run.timing is None:
            rows.append(_skipped(case, label, pr_t, "metafor rma", run.error or "failed", target))
        else:
            text, ok = _agree(pr, _vec(run.values["tau2"][0], run.values["b"]), TOL_METAFOR)
            ratio = run.timing.median / pr_t.median
            rows.append(Row(case, label, pr_t, "metafor rma", run.timing, text, ok, target, ok and ratio >= 50,
                            note=_r_note(run), close=is_close(ratio, 50)))
    else:
        rows.append(_skipped(case, label, pr_t, "metafor rma", ctx.r.note, target))
    ctx.step("PyMARE REML, 3 moderators, k = 2,000")
    if ctx.have_pymare:
        t, est = measure(lambda: peers_py.pymare_reml(d.yi, d.vi, d.X), ctx.repeats, ctx.budget)
        text, ok = _agree(pr, _vec(est.tau2, est.b), TOL_PYMARE)
        rows.append(Row(case, label, pr_t, "PyMARE REML estimator", t, text, ok))
    ctx.step("statsmodels WLS vs painregen FE, k = 2,000")
    if ctx.have_statsmodels:
        fe_t, fe = measure(lambda: rma(d.yi, d.vi, mods=d.mods, method="FE"), ctx.repeats, ctx.budget)
        t, est = measure(lambda: peers_py.statsmodels_wls(d.yi, d.vi, d.X), ctx.repeats, ctx.budget)
        text, ok = _agree(list(fe.b), list(est.b), TOL_CLOSED)
        rows.append(
            Row(case, "rma(FE, mods)", fe_t, "statsmodels WLS (FE reference)", t, text, ok,
                note="WLS returns coefficients only; painregen's FE fit adds QE, QM, I2, H2, R2")
        )
    return rows


def case_intercept_million(ctx: Context) -> list[Row]:
    """Intercept-only REML at k = 10^6 with the full output set; target: no slower than PyMARE."""
    case = "Intercept-only REML, k = 1,000,000"
    d = bdata.meta_regression(1_000_000, beta=(0.2,), seed=2)
    ctx.step("painregen rma REML + to_dict (full output), k = 10^6")
    full_t, full = measure(lambda: rma(d.yi, d.vi, method="REML").to_dict(), ctx.repeats, ctx.budget)
    pr = [full["tau2"], full["estimate"]]
    full_label = "rma(REML).to_dict() (full set)"
    ctx.step("painregen rma REML (fit only), k = 10^6")
    fit_t, _ = measure(lambda: rma(d.yi, d.vi, method="REML"), ctx.repeats, ctx.budget)
    rows: list[Row] = []
    if ctx.have_pymare:
        ctx.step("PyMARE REML estimator, k = 10^6")
        t, est = measure(lambda: peers_py.pymare_reml(d.yi, d.vi, d.X), ctx.repeats, ctx.budget)
        text, ok = _agree(pr, _vec(est.tau2, est.b), TOL_PYMARE)
        ratio = t.median / full_t.median
        rows.append(
            Row(case, full_label, full_t, "PyMARE REML estimator (tau2, b, cov only)", t, text, ok,
                "no slower than PyMARE", ok and ratio >= 1.0, close=is_close(ratio, 1.0))
        )
        rows.append(Row(case, "rma(REML) (fit only)", fit_t, "PyMARE REML estimator (tau2, b, cov only)", t, text, ok))
        ctx.step("PyMARE meta_regression + stats + Q-profile CI, k = 10^6")
        t2, est2 = measure(lambda: peers_py.pymare_reml_full(d.yi, d.vi), ctx.repeats, ctx.budget)
        text2, ok2 = _agree(pr, _vec(est2.tau2, est2.b), TOL_PYMARE)
        rows.append(
            Row(case, full_label, full_t, "PyMARE meta_regression + fe/re (QP)/heterogeneity stats", t2, text2, ok2,
                note="PyMARE's nearest equivalent of the full set (no prediction interval)")
        )
    else:
        rows.append(_skipped(case, full_label, full_t, "PyMARE", "PyMARE not installed", "no slower than PyMARE"))
    if ctx.have_statsmodels:
        ctx.step("painregen rma DL + to_dict vs statsmodels combine_effects DL, k = 10^6")
        dl_t, dl = measure(lambda: rma(d.yi, d.vi, method="DL").to_dict(), ctx.repeats, ctx.budget)
        t, est = measure(lambda: peers_py.statsmodels_dl(d.yi, d.vi), ctx.repeats, ctx.budget)
        text, ok = _agree([dl["tau2"], dl["estimate"]], _vec(est.tau2, est.b), TOL_CLOSED)
        rows.append(
            Row(case, "rma(DL).to_dict() (full set)", dl_t, "statsmodels combine_effects (DL)", t, text, ok,
                note="statsmodels has no Q-profile CI for tau2; painregen's DL output includes it")
        )
    rows.append(
        _skipped(case, full_label, full_t, "metafor rma",
                 "skipped: metafor's rma.uni builds dense k x k matrices (8 TB each at k = 10^6)")
    )
    return rows


def case_permutation(ctx: Context, iterations: int = 1000) -> list[Row]:
    """1,000-iteration permutation test of a 3-moderator REML model at k = 1,000; target: < 3 s."""
    case = "Permutation test, 1,000 iterations, k = 1,000"
    d = bdata.meta_regression(1000, beta=(0.2, 0.03, -0.02, 0.0), seed=4)
    assert d.mods is not None
    mods = d.mods
    res = rma(d.yi, d.vi, mods=mods, method="REML")
    pr = _vec(res.tau2, res.b)
    label = "permutest(rma(REML, 3 mods))"
    ctx.step("painregen permutest, 1,000 iterations, k = 1,000")
    pr_t, pt = measure(lambda: permutest(res, iterations=iterations, seed=1), ctx.repeats, ctx.budget)
    rows = [
        Row(case, label, pr_t, "(absolute target)", None, "-", None, "< 3 s", pr_t.median < 3.0,
            note=f"p = {', '.join(f'{p:.3f}' for p in pt.pval)}", close=is_close(pr_t.median, 3.0))
    ]
    if ctx.have_pymare:
        ctx.step("PyMARE permutation_test, 1,000 iterations, k = 1,000")
        runs: list[float] = []
        p_py = np.zeros(0)
        fit_text, fit_ok = "-", False
        for _ in range(max(1, ctx.repeats)):
            est, p_py, seconds = peers_py.pymare_permutation(d.yi, d.vi, mods, iterations, seed=1)
            runs.append(seconds)
            fit_text, fit_ok = _agree(pr, _vec(est.tau2, est.b), TOL_PYMARE)
            if sum(runs) > ctx.budget:
                break
        t = Timing(float(np.median(runs)), tuple(runs))
        p_mean = (p_py + pt.pval) / 2
        mc = 4 * np.sqrt(2 * p_mean * (1 - p_mean) / iterations) + 2 / iterations
        p_ok = bool(np.all(np.abs(p_py - pt.pval) <= mc))
        text = f"fit {fit_text}; p-values {'within' if p_ok else 'OUTSIDE'} Monte Carlo error"
        rows.append(
            Row(case, label, pr_t, "PyMARE permutation_test (z)", t, text, fit_ok and p_ok,
                note=f"PyMARE p = {', '.join(f'{p:.3f}' for p in p_py)}")
        )
    n_r = ctx.r_perm_iterations
    ctx.step(f"metafor permutest, {n_r} iterations (extrapolated to {iterations}), k = 1,000")
    if ctx.r.available:
        csv = bdata.write_csv(d, ctx.workdir / "permutation_1k.csv")
        run = peers_r.run_r(
            f"permutest(fit0, iter = {n_r}, progbar = FALSE)", csv, setup=f"fit0 <- {peers_r.rma_call(3)}",
            extract='out("tau2", fit0$tau2)\nout("b", coef(fit0))', repeats=1, budget=ctx.r_budget,
        )
        if run.timing is None:
            rows.append(_skipped(case, label, pr_t, "metafor permutest", run.error or "failed"))
        else:
            scale = iterations / n_r
            t = Timing(run.timing.median * scale, tuple(x * scale for x in run.timing.runs))
            text, ok = _agree(pr, _vec(run.values["tau2"][0], run.values["b"]), TOL_METAFOR)
            rows.append(
                Row(case, label, pr_t, "metafor permutest", t, f"fit {text}", ok, extrapolated=True,
                    note=f"metafor timed for {n_r} iterations, times {scale:.0f} (1,000 would take too long); "
                    + _r_note(run))
            )
    else:
        rows.append(_skipped(case, label, pr_t, "metafor permutest", ctx.r.note))
    return rows


def case_three_level(ctx: Context) -> list[Row]:
    """Three-level REML with 100,000 effects in 10,000 publications (target < 10 s), and a small
    case (2,000 effects in 200 publications) that metafor's rma.mv can also fit."""
    rows: list[Row] = []
    case = "Three-level REML, 100,000 effects in 10,000 publications"
    d = bdata.three_level(10_000, 100_000, seed=3)
    ctx.step("painregen rma_mv REML, 100,000 effects / 10,000 publications")
    pr_t, res = measure(lambda: rma_mv(d.yi, d.vi, clusters=[d.study, d.experiment]), ctx.repeats, ctx.budget)
    sig = ", ".join(f"{s:.4f}" for s in res.sigma2)
    rows.append(
        Row(case, "rma_mv(REML, study/experiment)", pr_t, "(absolute target)", None, "-", None, "< 10 s",
            pr_t.median < 10.0, note=f"sigma2 = {sig} (simulated 0.09, 0.04)", close=is_close(pr_t.median, 10.0))
    )
    rows.append(
        _skipped(case, "rma_mv(REML, study/experiment)", pr_t, "metafor rma.mv",
                 "skipped at this size: dense rma.mv needs k x k matrices (80 GB); sparse = TRUE took 233 s of CPU "
                 "already at k = 10,000 in a trial run while this benchmark was written; see the small case below")
    )
    rows.append(
        _skipped(case, "rma_mv(REML, study/experiment)", pr_t, "PyMARE / statsmodels",
                 "no peer: neither fits nested random effects with known sampling variances")
    )
    small = "Three-level REML, 2,000 effects in 200 publications"
    ds = bdata.three_level(200, 2000, seed=5)
    ctx.step("painregen rma_mv REML, 2,000 effects / 200 publications")
    s_t, s_res = measure(lambda: rma_mv(ds.yi, ds.vi, clusters=[ds.study, ds.experiment]), ctx.repeats, ctx.budget)
    ctx.step("metafor rma.mv (sparse = TRUE), 2,000 effects / 200 publications")
    label = "rma_mv(REML, study/experiment)"
    if ctx.r.available:
        csv = bdata.write_csv(ds, ctx.workdir / "three_level_2k.csv")
        run = peers_r.run_r(peers_r.RMA_MV_CALL, csv, extract=peers_r.EXTRACT_MV, repeats=ctx.repeats,
                            budget=ctx.r_budget)
        if run.timing is None:
            rows.append(_skipped(small, label, s_t, "metafor rma.mv (sparse)", run.error or "failed"))
        else:
            pr = list(s_res.sigma2) + list(s_res.b)
            text, ok = _agree(pr, list(run.values["sigma2"]) + list(run.values["b"]), TOL_METAFOR_MV)
            rows.append(Row(small, label, s_t, "metafor rma.mv (sparse = TRUE)", run.timing, text, ok,
                            note="sparse = TRUE is metafor's fastest setting for this model; " + _r_note(run)))
    else:
        rows.append(_skipped(small, label, s_t, "metafor rma.mv", ctx.r.note))
    return rows


def case_memory(ctx: Context, mv_max: int = 100_000, pymare: bool = True) -> list[MemRow]:
    """Peak traced memory at k = 10^4, 10^5, 10^6; linear in k means about 10x per decade."""
    out: list[MemRow] = []

    def series(name: str, ks: list[int], call: Callable[[int], Callable[[], object]], judged: bool) -> None:
        prev: int | None = None
        for k in ks:
            ctx.step(f"peak memory: {name}, k = {k:,}")
            peak = peak_memory(call(k))
            ratio = None if prev is None else peak / prev
            passed = None if ratio is None or not judged else ratio < 15.0
            out.append(MemRow(name, k, peak, ratio, passed))
            prev = peak

    def reml3(k: int) -> Callable[[], object]:
        d = bdata.meta_regression(k, seed=6)
        return lambda: rma(d.yi, d.vi, mods=d.mods, method="REML").to_dict()

    def mv(k: int) -> Callable[[], object]:
        d = bdata.three_level(k // 10, k, seed=7)
        return lambda: rma_mv(d.yi, d.vi, clusters=[d.study, d.experiment])

    def py(k: int) -> Callable[[], object]:
        d = bdata.meta_regression(k, seed=6)
        return lambda: peers_py.pymare_reml(d.yi, d.vi, d.X)

    decades = [10**4, 10**5, 10**6]
    series("painregen rma(REML, 3 mods).to_dict()", decades, reml3, True)
    series("painregen rma_mv(REML, 10 effects/publication)", [k for k in decades if k <= mv_max], mv, True)
    if pymare and ctx.have_pymare:
        series("PyMARE REML estimator, 3 mods (reference)", decades, py, False)
    return out

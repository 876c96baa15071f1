"""Benchmark painregen's meta-analysis engine against metafor (when R is present), PyMARE and
statsmodels (issue 3, "Speed"), and its dose-response core against R's DoseFinding and metafor
(issue 4) in one run, print a table and write benchmarks/RESULTS.md.

Run with ``make bench`` or ``.venv/bin/python benchmarks/run.py [--no-r] [--repeats N] [--out PATH]
[--cases NAME ...]``.
Timing lives here, never in a test's pass/fail; the tests check the space contract instead
(tests/test_meta_scaling.py).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import re
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make the benchmarks package importable
    sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402

from benchmarks import cases, cases_dose, machine, peers_py, peers_r, report  # noqa: E402
from benchmarks.results import MemRow, Row  # noqa: E402
from benchmarks.sections import write_section  # noqa: E402

CASES = ("meta_regression", "intercept", "permutation", "three_level", "memory",
         "dose_mcp_mod", "dose_simulation", "dose_meta_one_stage", "dose_meta_two_stage", "screening",
         "dose_coverage")
DOSE_CASES = {
    "dose_mcp_mod": cases_dose.case_mcp_mod,
    "dose_simulation": cases_dose.case_simulation,
    "dose_meta_one_stage": cases_dose.case_meta_one_stage,
    "dose_meta_two_stage": cases_dose.case_meta_two_stage,
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "RESULTS.md", help="results file to write")
    p.add_argument("--no-write", action="store_true", help="print the tables only")
    p.add_argument("--no-r", action="store_true", help="skip metafor even when R is present")
    p.add_argument("--repeats", type=int, default=3, help="runs per measurement (the median is reported)")
    p.add_argument("--cases", nargs="+", choices=CASES, default=list(CASES), help="cases to run")
    p.add_argument("--full", action="store_true", help="also measure rma_mv's peak memory at k = 10^6 (slow)")
    p.add_argument("--r-perm-iterations", type=int, default=5,
                   help="iterations of metafor's permutest to time (extrapolated to 1,000)")
    p.add_argument("--r-sim-studies", type=int, default=200,
                   help="simulated studies DoseFinding's MCTtest loop is timed on (extrapolated to 10,000)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    console = Console() if sys.stdout.isatty() else Console(width=150)
    warnings.simplefilter("ignore")
    r = peers_r.r_status()
    if args.no_r:
        r = dataclasses.replace(r, available=False, note="R disabled with --no-r: metafor skipped")
    info = machine.describe(r)
    started = dt.datetime.now(dt.UTC)
    load_start = machine.load_average()
    t0 = time.perf_counter()
    console.rule("painregen benchmarks (meta-analysis, dose-response)")
    console.print(", ".join(f"{k}: {v}" for k, v in info.items()))
    if not r.available:
        console.print(f"[yellow]{r.note}[/]")
    rows: list[Row] = []
    mem: list[MemRow] = []
    with tempfile.TemporaryDirectory(prefix="painregen-bench-") as tmp, console.status("starting") as status:

        def step(label: str) -> None:
            console.log(f"[{time.perf_counter() - t0:6.1f} s] {label}")
            status.update(label)

        ctx = cases.Context(
            workdir=Path(tmp), r=r, repeats=args.repeats, step=step, r_perm_iterations=args.r_perm_iterations,
            r_sim_studies=args.r_sim_studies,
            have_pymare=peers_py.version("PyMARE") is not None,
            have_statsmodels=peers_py.version("statsmodels") is not None,
        )
        step("warm-up (imports and first calls, not timed)")
        cases.warm_up(ctx)
        if any(c in DOSE_CASES for c in args.cases):
            cases_dose.warm_up(ctx)
        if "meta_regression" in args.cases:
            rows += cases.case_meta_regression(ctx)
        if "intercept" in args.cases:
            rows += cases.case_intercept_million(ctx)
        if "permutation" in args.cases:
            rows += cases.case_permutation(ctx)
        if "three_level" in args.cases:
            rows += cases.case_three_level(ctx)
        if "memory" in args.cases:
            mem += cases.case_memory(ctx, mv_max=10**6 if args.full else 10**5)
        for name, case in DOSE_CASES.items():
            if name in args.cases:
                rows += case(ctx)
        sections: list[tuple[str, str]] = []  # (name, markdown) of sections after the tables (issue 15)
        if "screening" in args.cases:
            from benchmarks import screening as screening_bench

            sections.append(("screening", screening_bench.markdown(screening_bench.case_screening(step))))
        if "dose_coverage" in args.cases:
            from benchmarks import coverage_dose

            sections.append(("dose_coverage", coverage_dose.markdown(coverage_dose.case_window_coverage(step))))
    total = time.perf_counter() - t0
    for table in report.rich_tables(rows, mem):
        console.print(table)
    judged = [x.passed for x in rows if x.passed is not None] + [m.passed for m in mem if m.passed is not None]
    for _, section in sections:
        console.print(section, markup=False, highlight=False)
    console.print(f"targets met: {sum(judged)} of {len(judged)}; whole run {total:.0f} s")
    if not args.no_write:
        meta = {
            "date (UTC)": started.strftime("%Y-%m-%d %H:%M"),
            "whole run": f"{total:.0f} s",
            "load average (1, 5, 15 min) at start / end": f"{load_start} / {machine.load_average()}",
        }
        notes = [
            "metafor's `rma.uni` and dense `rma.mv` work with k x k matrices, so their time grows roughly as"
            " k^3 with the reference BLAS that Debian's R uses here (`R BLAS` above); an optimised BLAS"
            " would make metafor faster, though not change that growth.",
            "PyMARE's REML estimator row is its bare fit (tau2, coefficients and their covariance); painregen's"
            " `to_dict()` adds the Q-profile CI of tau2 (two root searches), the prediction interval, Q, I2"
            " and H2.",
            "rma_mv's peak memory is measured up to k = 10^5 by default (k = 10^6 takes about a minute;"
            " `benchmarks/run.py --full` adds it).",
            f"{r.note}" if not r.available else "metafor ran with its default settings (as users run it), except"
            " `sparse = TRUE` where a row says so; DoseFinding ran with its defaults (mvtnorm.control())"
            " except powMCT, which used maxpts = 1e6, abseps = 1e-5 as the analytic reference.",
            "Dose-response rows time painregen's public functions as users call them, so they include work the"
            " R call does not do (painregen's mcp_mod adds the saturation window with bootstrap intervals);"
            " the notes on the rows say what, and a second row times the like-for-like steps where they differ.",
        ]
        previous = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        args.out.write_text(report.markdown(rows, mem, info, meta, notes))
        # sections owned by separate scripts (bench_dedup.py, ...) stay; this run's sections replace theirs
        kept = re.findall(r"<!-- (\w+):begin -->\n(.*?)<!-- \1:end -->", previous, flags=re.S)
        for name, text in [*kept, *sections]:
            write_section(args.out, name, text)
        console.print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

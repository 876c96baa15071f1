"""What a user waits for, as whole processes (issue 14): start-up (`painregen --version`, `--help`), `painregen
meta` on a 30-row file next to `Rscript -e 'library(metafor); ...'` doing the same, `painregen demo`, and
`painregen report` on simulated registries of 40, 200 and 1,000 studies with the peak memory of the process.

    .venv/bin/python benchmarks/wholejob.py [--sizes 40 200 1000] [--repeats 5] [--write]

Every figure is the median wall time of ``--repeats`` runs (1 for the reports) measured in this run; peak
memory is the child's maximum resident set size (getrusage). ``--write`` puts the table in
benchmarks/RESULTS.md (section ``wholejob``), with the machine's load average at the start and the end.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.sections import write_section  # noqa: E402

PAINREGEN = str(Path(sys.executable).with_name("painregen"))
R_META = ("suppressMessages(library(metafor)); d <- read.csv('{path}'); "
          "r <- rma(yi, vi, data = d, method = 'REML', test = 'knha'); "
          "cat(jsonlite::toJSON(list(estimate = r$b[1], se = r$se, tau2 = r$tau2, I2 = r$I2)))")


def timed(cmd: list[str], cwd: Path | None = None) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB of the child) of one run; raises when the command fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(peak, before) / 1024


def median_of(cmd: list[str], repeats: int, cwd: Path | None = None) -> float:
    return statistics.median(timed(cmd, cwd)[0] for _ in range(repeats))


def peak_of(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """Wall time and peak memory of one run in a fresh interpreter (so the peak is this run's own)."""
    probe = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
             "subprocess.run(sys.argv[1:], check=True, capture_output=True); "
             "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)")
    out = subprocess.run([sys.executable, "-c", probe, *cmd], cwd=cwd, capture_output=True, text=True, check=True)
    wall, peak = out.stdout.split()
    return float(wall), float(peak)


def meta_file(path: Path, k: int = 30) -> None:
    import numpy as np

    rng = np.random.default_rng(30)
    vi = rng.uniform(0.05, 0.5, k)
    yi = rng.normal(0.8, np.sqrt(vi + 0.2))
    path.write_text("yi,vi\n" + "".join(f"{a:.6f},{b:.6f}\n" for a, b in zip(yi, vi, strict=True)))


def registry(path: Path, n: int, work: Path) -> None:
    data = work / f"sim{n}.csv"
    subprocess.run([PAINREGEN, "simulate", "--studies", str(n), "--seed", "14", "-o", str(data)], check=True,
                   capture_output=True)
    subprocess.run([PAINREGEN, "import", str(data), "--db", str(path)], check=True, capture_output=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[40, 200, 1000])
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--write", action="store_true")
    args = p.parse_args()
    load_start = os.getloadavg()[0]
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="painregen-wholejob-") as tmp:
        work = Path(tmp)
        python = median_of([sys.executable, "-c", "import numpy"], args.repeats)
        rows.append(("python -c 'import numpy' (the floor)", f"{python:.3f} s", ""))
        for label, cmd in (("painregen --version", [PAINREGEN, "--version"]),
                           ("painregen --help", [PAINREGEN, "--help"])):
            rows.append((label, f"{median_of(cmd, args.repeats):.3f} s", ""))
        meta = work / "k30.csv"
        meta_file(meta)
        ours = median_of([PAINREGEN, "meta", str(meta), "--method", "REML", "--test", "knha", "--json"],
                         args.repeats)
        if shutil.which("Rscript"):
            theirs = median_of(["Rscript", "-e", R_META.format(path=meta)], args.repeats)
            rows.append(("painregen meta, k = 30 (REML, knha)", f"{ours:.3f} s",
                         f"Rscript + metafor {theirs:.3f} s: {theirs / ours:.1f}x faster"))
        else:
            rows.append(("painregen meta, k = 30 (REML, knha)", f"{ours:.3f} s", "R not installed"))
        wall, peak = peak_of([PAINREGEN, "demo", "--out", str(work / "demo")], work)
        rows.append(("painregen demo (40 SIMULATED studies, whole pipeline)", f"{wall:.1f} s", f"peak {peak:.0f} MB"))
        for n in args.sizes:
            db = work / f"r{n}.db"
            registry(db, n, work)
            wall, peak = peak_of([PAINREGEN, "report", "--db", str(db), "-o", str(work / f"rep{n}" / "r.html")],
                                 work)
            rows.append((f"painregen report, {n} studies", f"{wall:.1f} s", f"peak {peak:.0f} MB"))
            print(rows[-1], flush=True)
    load_end = os.getloadavg()[0]
    for r in rows:
        print(f"{r[0]:55} {r[1]:>10}  {r[2]}")
    if args.write:
        text = (f"## What a user waits for (benchmarks/wholejob.py; whole processes, medians of {args.repeats} runs; "
                f"load average {load_start:.1f} at the start, {load_end:.1f} at the end, {os.cpu_count()} cores)\n\n"
                "| command | time | peer / memory |\n|---|---|---|\n"
                + "".join(f"| {a} | {b} | {c} |\n" for a, b, c in rows))
        write_section(ROOT / "benchmarks" / "RESULTS.md", "wholejob", text)


if __name__ == "__main__":
    main()

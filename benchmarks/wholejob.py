"""What a user waits for, as whole processes (issue 14): start-up (`painregen --version`, `--help`), `painregen meta`
on a 30-row file next to `Rscript -e 'library(metafor); ...'` doing the same, `painregen demo`, and `painregen
report` on simulated registries of 40, 200 and 1,000 studies with the peak memory of the process.

    .venv/bin/python benchmarks/wholejob.py [--sizes 40 200 1000] [--repeats 5] [--before DIR] [--write]

Every figure is the median wall time of ``--repeats`` runs (1 for the reports) measured in this run; peak memory is
the child's maximum resident set size (getrusage). ``--before DIR`` runs every command a second time, in the same
run, with the painregen of another checkout (its ``src/`` first on the path, this virtual environment; e.g. ``git
archive 116d1aa | tar -x -C DIR``, the last landed version), its registries built by that version. ``--write`` puts
the table in benchmarks/RESULTS.md (section ``wholejob``), with the machine's load average at the start and the end.
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
             "r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
             "r.returncode and sys.exit((r.stderr.strip().splitlines() or ['failed'])[-1]); "
             "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)")
    out = subprocess.run([sys.executable, "-c", probe, *cmd], cwd=cwd, capture_output=True, text=True)
    if out.returncode != 0:  # a version that fails (the last landed one did on some registries) is a row, not a stop
        raise RuntimeError(out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "failed")
    wall, peak = out.stdout.split()
    return float(wall), float(peak)


def meta_file(path: Path, k: int = 30) -> None:
    import numpy as np

    rng = np.random.default_rng(30)
    vi = rng.uniform(0.05, 0.5, k)
    yi = rng.normal(0.8, np.sqrt(vi + 0.2))
    path.write_text("yi,vi\n" + "".join(f"{a:.6f},{b:.6f}\n" for a, b in zip(yi, vi, strict=True)))


def painregen_of(src: Path | None) -> list[str]:
    """The command that runs painregen: this checkout's, or that of the checkout ``src``."""
    if src is None:
        return [PAINREGEN]
    code = (f"import sys; sys.path.insert(0, {str(src / 'src')!r}); sys.argv[0] = 'painregen'; "
            "from painregen.cli.main import main; main()")
    return [sys.executable, "-c", code]


def registry(path: Path, n: int, work: Path, cli: list[str]) -> None:
    data = work / f"sim{n}.csv"
    subprocess.run([*cli, "simulate", "--studies", str(n), "--seed", "14", "-o", str(data)], check=True,
                   capture_output=True)
    subprocess.run([*cli, "import", str(data), "--db", str(path), "--skip-duplicates"], check=True,
                   capture_output=True)


def measure(cli: list[str], work: Path, sizes: list[int], repeats: int, meta: Path) -> list[tuple[str, float, str]]:
    """(row label, seconds, peer or memory) for one version of painregen."""
    rows: list[tuple[str, float, str]] = []
    for label, args in (("painregen --version", ["--version"]), ("painregen --help", ["--help"])):
        rows.append((label, median_of([*cli, *args], repeats), ""))
    rows.append(("painregen meta, k = 30 (REML, knha)",
                 median_of([*cli, "meta", str(meta), "--method", "REML", "--test", "knha", "--json"], repeats), ""))
    wall, peak = peak_of([*cli, "demo", "--out", str(work / "demo")], work)
    rows.append(("painregen demo (40 SIMULATED studies, whole pipeline)", wall, f"peak {peak:.0f} MB"))
    for n in sizes:
        db = work / f"r{n}.db"
        registry(db, n, work, cli)
        t0 = time.perf_counter()
        try:
            wall, peak = peak_of([*cli, "report", "--db", str(db), "-o", str(work / f"rep{n}" / "r.html")], work)
            rows.append((f"painregen report, {n} studies", wall, f"peak {peak:.0f} MB"))
        except RuntimeError as exc:
            rows.append((f"painregen report, {n} studies", time.perf_counter() - t0, f"FAILED: {exc}"[:160]))
        print(rows[-1], flush=True)
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[40, 200, 1000])
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--before", type=Path, help="also measure the painregen of this checkout (same run)")
    p.add_argument("--write", action="store_true")
    args = p.parse_args()
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="painregen-wholejob-") as tmp:
        work = Path(tmp)
        floor = median_of([sys.executable, "-c", "import numpy"], args.repeats)
        meta = work / "k30.csv"
        meta_file(meta)
        peer = (median_of(["Rscript", "-e", R_META.format(path=meta)], args.repeats)
                if shutil.which("Rscript") else None)
        (work / "after").mkdir()
        after = measure(painregen_of(None), work / "after", args.sizes, args.repeats, meta)
        before = None
        if args.before is not None:
            (work / "before").mkdir()
            before = measure(painregen_of(args.before), work / "before", args.sizes, args.repeats, meta)
    load_end = os.getloadavg()[0]

    def fmt(x: float) -> str:
        return f"{x:.3f} s" if x < 2 else f"{x:.1f} s"

    header = "| command | now | " + ("before | before / now | " if before else "") + "peer / memory |\n"
    header += "|---|---|" + ("---|---|" if before else "") + "---|\n"
    lines = [f"| python -c 'import numpy' (the floor) | {fmt(floor)} | " + ("| | " if before else "") + " |\n"]
    for i, (label, now, note) in enumerate(after):
        if label.startswith("painregen meta") and peer is not None:
            note = f"Rscript + metafor {fmt(peer)}: painregen {peer / now:.1f}x faster"
        cells = [label, fmt(now)]
        if before:
            b = before[i]
            failed = b[2].startswith("FAILED")
            cells += [fmt(b[1]) + (f" ({b[2]})" if b[2] else ""), "-" if failed else f"{b[1] / now:.1f}x"]
        lines.append("| " + " | ".join([*cells, note]) + " |\n")
    table = header + "".join(lines)
    print(table)
    if args.write:
        text = (f"## What a user waits for (benchmarks/wholejob.py; whole processes, medians of {args.repeats} runs "
                f"for start-up and meta, one run each for demo and reports; load average {load_start:.1f} at the "
                f"start, {load_end:.1f} at the end, {os.cpu_count()} cores"
                + (f"; before = {args.before.name}, the same commands in the same run" if before else "") + ")\n\n"
                + table)
        write_section(ROOT / "benchmarks" / "RESULTS.md", "wholejob", text)


if __name__ == "__main__":
    main()

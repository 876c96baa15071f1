"""Validation and upload of large files (issue 13, point 4): a ~20 MB template CSV and the same rows as an XLSX
workbook (~60,000 observation rows), valid and with a problem on every row, through `painregen validate` and
the web upload (FastAPI test client, validation only and a full import). Each case runs in a fresh Python
process; the figures are its wall-clock time (start-up and imports included) and its peak resident memory
(``ru_maxrss`` of the child). Writes the section between the upload markers of benchmarks/RESULTS.md.

    .venv/bin/python benchmarks/bench_upload.py [--rows 60000] [--no-write]     (make bench runs it)
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 20.0
TARGET_MB = 1024.0
TIMEOUT = 300.0
COHORTS = (("Sham", "sham", None), ("Vehicle", "control", None), ("MSC low", "treated", "5 × 10^5 cells"),
           ("MSC mid", "treated", "1 × 10^6 cells"), ("MSC high", "treated", "2e6 cells"))
OUTCOMES = (("PWT", "von Frey"), ("PWL", "Hargreaves"))
TIMES = (7, 14, 21, 28)
ROB = ("sequence_generation", "baseline_characteristics", "allocation_concealment", "random_housing",
       "caregiver_blinding", "random_outcome_assessment", "assessor_blinding", "incomplete_outcome_data",
       "selective_reporting", "other_bias")
HEADER = ["study_id", "title", "authors", "year", "journal", "doi", "species", "strain", "sex", "model",
          "experiment_id", "cohort_id", "role", "n_randomised", "product", "tissue_source", "dose", "route",
          "timing_days", "outcome_id", "assay", "time_days", "average", "error", "error_type", "n",
          *(f"rob_{item}" for item in ROB)]
ROWS_PER_STUDY = len(COHORTS) * len(OUTCOMES) * len(TIMES)


def template_rows(n_rows: int, seed: int = 13, bad: bool = False) -> Iterator[list[object]]:
    """Rows of the painregen template: studies of one CCI experiment in rats, five cohorts, two outcomes, four
    times. ``bad`` puts text in the ``n`` column of every row (one problem per row)."""
    rng = random.Random(seed)
    for k in range(-(-n_rows // ROWS_PER_STUDY)):
        sid = f"S{k + 1:05d}"
        study = [sid, f"Mesenchymal stromal cells for neuropathic pain after nerve injury in rats, report {k + 1}",
                 "Author A, Author B, Author C", 2000 + k % 25, "Journal of Preclinical Pain",
                 f"10.1000/bench.{k + 1}", "rat", "Sprague-Dawley", "male", "CCI", "E1"]
        answers = [rng.choice(("yes", "no", "unclear")) for _ in ROB]
        for cohort, role, dose in COHORTS:
            product = None if role == "sham" else ("vehicle" if role == "control" else "MSC")
            for outcome, assay in OUTCOMES:
                for t in TIMES:
                    n = rng.randint(6, 12)
                    yield [*study, cohort, role, 12, product, "bone marrow" if role == "treated" else None, dose,
                           None if role == "sham" else "intravenous", None if role == "sham" else 7, outcome,
                           assay, t, round(rng.uniform(2, 15), 3), round(rng.uniform(0.2, 2), 3), "SEM",
                           "eleven" if bad else n, *answers]
    return


def write_template_csv(path: Path, n_rows: int, bad: bool = False) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for i, row in enumerate(template_rows(n_rows, bad=bad)):
            if i == n_rows:
                break
            w.writerow(["" if v is None else v for v in row])


def write_template_xlsx(path: Path, n_rows: int, bad: bool = False) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("observations")
    ws.append(HEADER)
    for i, row in enumerate(template_rows(n_rows, bad=bad)):
        if i == n_rows:
            break
        ws.append(row)
    wb.save(path)


CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
case, path = sys.argv[1], sys.argv[2]
from pathlib import Path
if case == "validate":
    from painregen.evidence.files import read_dataset
    from painregen.io.problems import InvalidDataError
    try:
        ds, _ = read_dataset(Path(path))
        outcome = f"valid: {sum(len(e.observations) for s in ds.studies for e in s.experiments)} observations"
    except InvalidDataError as exc:
        outcome = f"invalid: {getattr(exc, 'total', len(exc.problems))} problems ({len(exc.problems)} kept)"
else:
    from fastapi.testclient import TestClient
    from painregen.web.app import create_app
    app = create_app(sys.argv[3], max_upload_bytes=25 * 1024 * 1024)
    with TestClient(app) as client, open(path, "rb") as fh:
        data = {"dry_run": "true"} if case == "upload-check" else {}
        r = client.post("/api/upload", files={"file": (Path(path).name, fh)}, data=data)
    body = r.json()
    outcome = f"HTTP {r.status_code}: {body['message']}"
print(json.dumps({"seconds": time.perf_counter() - t0, "outcome": outcome,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_case(case: str, path: Path, db: Path) -> dict[str, object]:
    """Run one case in a fresh interpreter; time and memory as the child measured them."""
    cmd = [sys.executable, "-c", CHILD, case, str(path), str(db)]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"seconds": TIMEOUT, "peak_mb": float("nan"), "outcome": f"stopped after {TIMEOUT:g} s"}
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return {"seconds": time.perf_counter() - t0, "peak_mb": float("nan"), "outcome": f"crashed: {tail}"}
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=60_000, help="observation rows per file")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args()
    started = time.perf_counter()
    load_start = " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "?"
    lines = []
    with tempfile.TemporaryDirectory(prefix="painregen-bench-upload-") as tmp:
        d = Path(tmp)
        files = {}
        for bad in (False, True):
            tag = "invalid" if bad else "valid"
            files[("csv", tag)] = d / f"{tag}.csv"
            write_template_csv(files[("csv", tag)], args.rows, bad)
            files[("xlsx", tag)] = d / f"{tag}.xlsx"
            write_template_xlsx(files[("xlsx", tag)], args.rows, bad)
        cases = [("validate", kind, tag) for kind in ("csv", "xlsx") for tag in ("valid", "invalid")]
        cases += [("upload-check", kind, tag) for kind in ("csv", "xlsx") for tag in ("valid", "invalid")]
        cases += [("upload-import", kind, "valid") for kind in ("csv", "xlsx")]
        for case, kind, tag in cases:
            path = files[(kind, tag)]
            db = d / f"{case}-{kind}-{tag}.db"
            r = run_case(case, path, db)
            seconds, peak = float(r["seconds"]), float(r["peak_mb"])  # type: ignore[arg-type]
            ok = seconds < TARGET_SECONDS and peak < TARGET_MB
            verdict = ("PASS" if ok else "FAIL") if case != "upload-import" else ("under" if ok else "over") + \
                " (reference)"
            size = os.path.getsize(path) / 1e6
            lines.append(f"| {case} | {kind.upper()} {size:.1f} MB, {args.rows:,} rows, {tag} | {seconds:.1f} s | "
                         f"{peak:,.0f} MB | {r['outcome']} | {verdict} |")
            print(lines[-1], flush=True)
    load_end = " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "?"
    text = (
        "## Large files: validation and upload (issue 13)\n\n"
        "Written by `benchmarks/bench_upload.py`. Template files of "
        f"{args.rows:,} observation rows (~{ROWS_PER_STUDY} rows per study, 35 columns) generated with a fixed "
        "seed; `invalid` has text in the `n` column of every row (one problem per row). Each case ran in a fresh "
        "Python process: time is wall clock including start-up and imports, memory the process's peak resident "
        f"set. Target: under {TARGET_SECONDS:g} s and {TARGET_MB:,.0f} MB. `upload-check` posts the file to "
        "`/api/upload` with `dry_run` (validation only), `upload-import` validates and imports it into a new "
        "SQLite registry. The issue's target is for validation (`validate`, `upload-check`); `upload-import` adds "
        "storing the 88,500 records and is shown for reference. Before this work (at commit 2637afc) "
        "`validate` of the same CSV and XLSX files had not finished after 150 s (quadratic problem "
        "collection and record assembly, openpyxl reading); stopped there.\n\n"
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {time.perf_counter() - started:.0f} s in all, load average "
        f"{load_start} at start / {load_end} at end, on the machine described at the top of this file.\n\n"
        "| case | file | time | peak memory | outcome | target |\n| --- | --- | --- | --- | --- | --- |\n"
        + "\n".join(lines) + "\n"
    )
    if not args.no_write:
        from benchmarks.sections import write_section

        write_section(ROOT / "benchmarks" / "RESULTS.md", "upload", text)
    print(text)


if __name__ == "__main__":
    main()

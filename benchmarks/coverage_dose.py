"""Coverage of the dose saturation window's intervals (issue 12 item 10), the section "Saturation window: coverage"
of benchmarks/RESULTS.md and benchmarks/dose_coverage.json (which tests/test_dose_coverage.py compares its small
seeded run with).

Each scenario of :data:`painregen.dose.coverage.SCENARIOS` simulates ``N_SIM`` animal studies and analyses each as
``painregen dose`` does (:func:`painregen.dose.coverage.window_coverage`), with the default 1,000 bootstrap
replicates of the whole selection; the "before" column refits only the selected family in each replicate (the
intervals painregen reported before this change, which also held the variance of raw-data replicates fixed).
Run with ``make bench`` or alone with ``.venv/bin/python benchmarks/coverage_dose.py`` (writes the JSON and only this
section of RESULTS.md); the recorded run took 2,375 s on 2 busy cores.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make the benchmarks package importable
    sys.path.insert(0, str(ROOT))

from painregen.dose.coverage import SCENARIOS  # noqa: E402

N_SIM = 300
N_BOOT = 1000
SEED = 20261207
TARGET = 0.93
JSON = Path(__file__).resolve().parent / "dose_coverage.json"


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}"


def case_window_coverage(step: Callable[[str], None], n_sim: int = N_SIM, n_boot: int = N_BOOT) -> dict[str, Any]:
    """Run every scenario (after and before the selection bootstrap); write and return the JSON record."""
    rows = []
    t0 = time.perf_counter()
    for i, sc in enumerate(SCENARIOS):
        step(f"window coverage: {sc.name} ({n_sim} studies x {n_boot} replicates)")
        after = sc.run(n_sim, n_boot, SEED + i)
        before = sc.run(n_sim, n_boot, SEED + i, reselect=False)
        rows.append({"scenario": sc.name, "truth": sc.truth, "select": sc.select, "max_effect": sc.max_effect,
                     "n": sc.n, "seed": SEED + i, "after": after.to_dict(), "before": before.to_dict()})
    record = {"n_sim": n_sim, "n_boot": n_boot, "target": TARGET, "seconds": round(time.perf_counter() - t0, 1),
              "scenarios": rows}
    JSON.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    return record


def markdown(record: dict[str, Any]) -> str:
    """The RESULTS.md section: coverage (%) of the MED and saturation-dose intervals and the decline rate."""
    lines = [
        "## Saturation window: coverage of the intervals (issue 12 item 10)", "",
        f"{record['n_sim']} simulated studies per scenario (vehicle + doses 1, 3, 10, 30; SD 1; candidate set of "
        "`painregen dose` at a top dose of 30), intervals at nominal 95% from "
        f"{record['n_boot']} bootstrap replicates; coverage among studies whose contrast test is significant. "
        "After: the bootstrap repeats the whole selection (test, fits of every candidate, reselection); before: "
        "only the selected family is refitted. A saturation dose 'not estimable within the tested range' "
        "(linear curve) counts as an interval reaching beyond the top dose. Decline: share of detected studies "
        f"whose verdict declares a decline (false unless the truth is an inverted U). Target: >= "
        f"{100 * record['target']:.0f}% for MED and saturation dose. Whole section {record['seconds']:.0f} s.", "",
        "| scenario | selection | detected | MED after | MED before | saturation after | saturation before | "
        "decline | plateau | target |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in record["scenarios"]:
        a, b = r["after"], r["before"]
        ok = all(v is None or v >= record["target"] for v in (a["med_coverage"], a["saturation_coverage"]))
        lines.append(
            f"| {r['scenario']} | {r['select']} | {a['n_detected']}/{a['n_sim']} | {_pct(a['med_coverage'])} | "
            f"{_pct(b['med_coverage'])} | {_pct(a['saturation_coverage'])} | {_pct(b['saturation_coverage'])} | "
            f"{_pct(a['decline_rate'])}{'' if a['false_decline'] else ' (true)'} | {_pct(a['plateau_rate'])} | "
            f"{'PASS' if ok else 'FAIL'} |")
    return "\n".join([*lines, ""])


if __name__ == "__main__":
    from benchmarks.sections import write_section

    started = time.perf_counter()
    rec = case_window_coverage(lambda label: print(f"[{time.perf_counter() - started:7.1f} s] {label}", flush=True))
    write_section(ROOT / "benchmarks" / "RESULTS.md", "dose_coverage", markdown(rec))
    print(markdown(rec))

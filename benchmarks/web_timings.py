"""Workbench timings (issue 14.3): `painregen serve` on the demonstration registry, one client on loopback.

Builds the demonstration registry (`painregen demo`), starts the server, and times the analysis page (first view,
then the same page again: cached by the registry's content version) and the report job (`POST /api/jobs/report`
until it is done, then the same request again: an unchanged registry reuses the finished job).

    .venv/bin/python benchmarks/web_timings.py [--write]

``--write`` puts the table in benchmarks/RESULTS.md (section ``web_timings``).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.load import serving  # noqa: E402
from benchmarks.sections import write_section  # noqa: E402

PAINREGEN = str(Path(sys.executable).with_name("painregen"))


def report_job(base_url: str) -> tuple[float, str]:
    """Seconds from the request to the finished job, and its status. A script sends no cookies (the workbench's
    CSRF rule: a request with the page cookie must carry its token), so this client is a fresh one."""
    client = httpx.Client(base_url=base_url, timeout=300)
    t0 = time.perf_counter()
    job = client.post("/api/jobs/report", json={"measure": "SMD", "method": "REML"})
    job.raise_for_status()
    while not (state := client.get(f"/api/jobs/{job.json()['id']}").json())["finished"]:
        time.sleep(0.02)
    return time.perf_counter() - t0, str(state["status"])


def measure() -> list[tuple[str, float, float]]:
    """(request, seconds, target seconds) rows."""
    with tempfile.TemporaryDirectory(prefix="painregen-web-") as tmp:
        subprocess.run([PAINREGEN, "demo", "--out", tmp], check=True, capture_output=True)
        with serving([PAINREGEN], str(Path(tmp) / "painregen.db"), stderr=subprocess.DEVNULL) as (base_url, _):
            client = httpx.Client(base_url=base_url, timeout=300)
            rows = []
            for label in ("`GET /analysis?run=true`, first view (numbers; the browser fetches the figures after)",
                          "the same page again (cached by content version)"):
                t0 = time.perf_counter()
                client.get("/analysis?run=true").raise_for_status()
                rows.append((label, time.perf_counter() - t0, 1.0))
            seconds, status = report_job(base_url)
            if status != "done":
                raise RuntimeError(f"the report job ended {status}")
            rows.append(("`POST /api/jobs/report` until `done` (background worker process)", seconds, 10.0))
            seconds, _ = report_job(base_url)
            rows.append(("the same report again (unchanged registry: the finished job is reused)", seconds, 1.0))
            return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--write", action="store_true")
    args = p.parse_args()
    rows = measure()
    table = "| request | time | target |\n|---|---|---|\n" + "".join(
        f"| {label} | {t:.3f} s | {'PASS' if t <= target else 'FAIL'} (<= {target:g} s) |\n"
        for label, t, target in rows)
    print(table)
    if args.write:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        text = ("## Workbench timings (issue 14.3; `painregen serve` on the demonstration registry, 40 SIMULATED "
                f"studies; benchmarks/web_timings.py)\n\nRun {stamp}, one client, loopback. Targets: analysis page "
                "<= 1 s, report job <= 10 s, a second view of an unchanged registry instant.\n\n" + table)
        write_section(ROOT / "benchmarks" / "RESULTS.md", "web_timings", text)


if __name__ == "__main__":
    main()

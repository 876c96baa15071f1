"""Render the benchmark rows: a rich table for the terminal and benchmarks/RESULTS.md."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table

from benchmarks.results import MemRow, Row
from benchmarks.timing import Timing


def fmt_time(t: Timing | None, approx: bool = False) -> str:
    if t is None:
        return "-"
    s = t.median
    text = f"{s * 1000:.1f} ms" if s < 1 else (f"{s:.2f} s" if s < 100 else f"{s:,.0f} s")
    return ("≈ " if approx else "") + text + f" (n={t.n})"


def fmt_ratio(r: Row) -> str:
    ratio = r.ratio
    if ratio is None:
        return "-"
    return ("≈ " if r.extrapolated else "") + (f"{ratio:,.0f}x" if ratio >= 100 else f"{ratio:.2f}x")


def fmt_verdict(passed: bool | None, close: bool = False) -> str:
    if passed is None:
        return ""
    return ("PASS" if passed else "MISS") + (" (close)" if close else "")


def measured(r: Row) -> str:
    """What a target row measured: the ratio to the peer, or painregen's own time."""
    return fmt_ratio(r) if r.peer_time is not None else fmt_time(r.pr_time)


def fmt_bytes(n: int) -> str:
    return f"{n / 1024**2:,.1f} MiB"


def rich_tables(rows: Sequence[Row], mem: Sequence[MemRow]) -> list[Table]:
    t = Table(title="painregen vs peers (ratio = peer time / painregen time; > 1: painregen is faster)")
    for col in ("painregen", "time", "peer", "peer time", "ratio", "agrees", "target", ""):
        t.add_column(col, overflow="fold")
    case = None
    for r in rows:
        if r.case != case:
            case = r.case
            t.add_section()
            t.add_row(f"[bold]{case}[/]")
        verdict = fmt_verdict(r.passed, r.close)
        style = "green" if r.passed else ("red" if r.passed is False else "")
        agrees = "-" if r.agree_ok is None else ("yes" if r.agree_ok else "[red]NO[/]")
        peer_time = fmt_time(r.peer_time, r.extrapolated) if r.peer_time else f"[dim]{r.note[:48]}[/]"
        t.add_row(
            r.painregen, fmt_time(r.pr_time), r.peer, peer_time, fmt_ratio(r), agrees, r.target,
            f"[{style}]{verdict}[/]" if style else verdict,
        )
    m = Table(title="Peak memory (tracemalloc), ratio per decade of k (linear: ~10x, k x k: 100x)")
    for col in ("function", "k", "peak", "ratio to k/10", ""):
        m.add_column(col)
    for row in mem:
        ratio = "-" if row.decade_ratio is None else f"{row.decade_ratio:.1f}x"
        m.add_row(row.function, f"{row.k:,}", fmt_bytes(row.peak_bytes), ratio, fmt_verdict(row.passed))
    return [t, m]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown(
    rows: Sequence[Row], mem: Sequence[MemRow], machine: dict[str, str], meta: dict[str, str], notes: Sequence[str]
) -> str:
    """The text of benchmarks/RESULTS.md."""
    out = [
        "# painregen benchmarks: meta-analysis and dose-response",
        "",
        "Written by `make bench` (`benchmarks/run.py`); do not edit by hand. Every peer ran in the same",
        "run on the same data (generated once per case with a fixed seed; R read it from a CSV written",
        "with 17 significant digits). Times are wall-clock medians over `n` runs; R was timed inside R",
        "with `system.time` around the model call only (not R start-up). **Ratio** = peer time /",
        "painregen time, so above 1 painregen is faster. A peer's time is compared only after its",
        "estimates (tau2 or variance components, coefficients; for MCP-Mod the contrast t statistics and",
        "the selected model's coefficients; for simulations the power, within Monte Carlo error) agreed",
        "with painregen's within the stated tolerance (see `benchmarks/cases.py` and",
        "`benchmarks/cases_dose.py`). A time marked ≈ was measured on part of the work and scaled up (the",
        "row's note says how).",
        "",
        "Absolute times vary with the machine and with its load at the time of the run (the load average",
        "is recorded below); the ratios measured within one run are the numbers to compare.",
        "",
        "## Machine",
        "",
        "| | |",
        "| --- | --- |",
    ]
    out += [f"| {k} | {_cell(v)} |" for k, v in {**meta, **machine}.items()]
    out += ["", "## Targets (issue 3: meta-analysis; issue 4: dose-response)", "",
            "| case | target | measured | result |", "| --- | --- | --- | --- |"]
    for r in rows:
        if r.passed is not None:
            out.append(f"| {_cell(r.case)} | {_cell(r.target)} | {measured(r)} | {fmt_verdict(r.passed, r.close)} |")
    judged = [m for m in mem if m.passed is not None and m.decade_ratio is not None]
    if judged:
        worst = max(judged, key=lambda m: m.decade_ratio or 0.0)
        ok = all(m.passed for m in judged)
        out.append(
            f"| Peak memory, k = 10^4 to 10^6 | linear in k (< 15x per decade) "
            f"| at most {worst.decade_ratio:.1f}x per decade | {fmt_verdict(ok)} |"
        )
    if any(r.close for r in rows):
        out += ["", "(close): within 25% of the threshold, where run-to-run variation under load can flip the"
                " verdict; run `make bench` again before drawing conclusions."]
    out += [
        "",
        "## Speed",
        "",
        "| case | painregen | time | peer | peer time | ratio | agreement | target | result |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        peer_time = fmt_time(r.peer_time, r.extrapolated) if r.peer_time else "-"
        out.append(
            "| " + " | ".join(
                _cell(x) for x in (r.case, f"`{r.painregen}`", fmt_time(r.pr_time), r.peer, peer_time,
                                   fmt_ratio(r), r.agreement, r.target, fmt_verdict(r.passed, r.close))
            ) + " |"
        )
    noted = [r for r in rows if r.note]
    if noted:
        out += ["", "Notes on rows:", ""]
        out += [f"- {r.case} / {r.peer}: {r.note}" for r in noted]
    out += [
        "",
        "## Peak memory",
        "",
        "Peak bytes traced by `tracemalloc` while the call runs (numpy reports its buffers to it; the",
        "input arrays, allocated before the call, are not counted). Linear growth gives about 10x per",
        "decade of k; a k x k matrix would give 100x. Target: below 15x per decade.",
        "",
        "| function | k | peak | ratio to k/10 | result |",
        "| --- | --- | --- | --- | --- |",
    ]
    for m in mem:
        ratio = "-" if m.decade_ratio is None else f"{m.decade_ratio:.1f}x"
        out.append(f"| {_cell(m.function)} | {m.k:,} | {fmt_bytes(m.peak_bytes)} | {ratio} | {fmt_verdict(m.passed)} |")
    if notes:
        out += ["", "## Notes", ""] + [f"- {n}" for n in notes]
    return "\n".join(out) + "\n"

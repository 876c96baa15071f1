"""Screening prioritisation benchmark (issue 15): painregen's active learning next to ASReview LAB's default model
on the labelled Kwok 2020 title/abstract set (../shared/data/literature/screening), both replayed from the same
prior records in the same run. Reports WSS@95 (work saved over sampling at 95% recall), WSS@100, RRF@10 and the
records screened to reach 95% recall, per prior set and averaged.

ASReview runs in its own virtual environment (build/asreview-venv, created on first use with pip): it pins
pandas<3 and rispy 0.9, and installing it into painregen's environment would downgrade both.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "literature" / "screening" / "kwok2020_virus_metagenomics.csv"
ASREVIEW_VERSION = "3.0.8"
VENV = ROOT / "build" / "asreview-venv"
PRIOR_SEEDS = (1, 2, 3)


@dataclass
class Run:
    seed: int
    prior: list[int]
    wss95: float
    wss100: float
    rrf10: float
    n95: int
    seconds: float


@dataclass
class ScreeningResult:
    n_records: int = 0
    n_relevant: int = 0
    painregen: list[Run] = field(default_factory=list)
    asreview: list[Run] = field(default_factory=list)
    painregen_model: str = ""
    asreview_model: str = ""
    note: str = ""


def _python_of(venv: Path) -> Path:
    return venv / "bin" / "python"


def ensure_asreview(step: Callable[[str], None]) -> tuple[Path | None, str]:
    """The Python of ASReview's environment (created when missing), or None and the reason."""
    py = _python_of(VENV)
    probe = [str(py), "-c", "import asreview, sys; sys.stdout.write(asreview.__version__)"]
    if py.exists():
        done = subprocess.run(probe, capture_output=True, text=True, check=False)
        if done.returncode == 0 and done.stdout.strip() == ASREVIEW_VERSION:
            return py, ""
    step(f"creating ASReview's environment ({VENV.relative_to(ROOT)}, asreview=={ASREVIEW_VERSION})")
    try:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True, capture_output=True)
        subprocess.run([str(py), "-m", "pip", "install", "--quiet", f"asreview=={ASREVIEW_VERSION}"], check=True,
                       capture_output=True, text=True)
    except (subprocess.CalledProcessError, OSError) as exc:
        err = getattr(exc, "stderr", "") or str(exc)
        return None, f"ASReview could not be installed: {str(err).strip().splitlines()[-1:]}"
    return py, ""


def _run_of(seed: int, prior: list[int], relevant: list[bool], n: int, n_rel: int, seconds: float) -> Run:
    from painregen.review.prioritise import screened_at, wss

    rrf = sum(relevant[: -(-n // 10)]) / n_rel
    return Run(seed, prior, wss(relevant, n, n_rel, 0.95), wss(relevant, n, n_rel, 1.0), rrf,
               screened_at(relevant, n_rel, 0.95), seconds)


def case_screening(step: Callable[[str], None], *, with_asreview: bool = True) -> ScreeningResult:
    import pandas as pd

    from painregen.review.prioritise import ModelSpec, prior_records, record_text, simulate_screening

    res = ScreeningResult()
    if not DATA.exists():
        res.note = f"{DATA} not found: screening benchmark skipped"
        return res
    df = pd.read_csv(DATA)
    truth = (df["label_included"] == 1).tolist()
    texts = [record_text(t, a) for t, a in zip(df["title"], df["abstract"], strict=True)]
    res.n_records, res.n_relevant = len(df), sum(truth)
    res.painregen_model = ModelSpec().describe()
    py, why = ensure_asreview(step) if with_asreview else (None, "ASReview skipped (--no-asreview)")
    res.note = why
    for seed in PRIOR_SEEDS:
        prior = prior_records(truth, seed)
        step(f"screening: painregen simulation, prior set {seed} (records {prior})")
        t0 = time.perf_counter()
        sim = simulate_screening(texts, truth, prior=prior)
        res.painregen.append(_run_of(seed, prior, sim.relevant, res.n_records, res.n_relevant,
                                     time.perf_counter() - t0))
        if py is None:
            continue
        step(f"screening: ASReview simulation, prior set {seed}")
        with tempfile.TemporaryDirectory(prefix="asreview-") as tmp:  # asreview writes a cache in its cwd
            done = subprocess.run([str(py), str(ROOT / "benchmarks" / "asreview_sim.py"), str(DATA),
                                   *map(str, prior)], capture_output=True, text=True, check=False, cwd=tmp)
        if done.returncode != 0:
            res.note = f"ASReview failed: {done.stderr.strip().splitlines()[-1:]}"
            py = None
            continue
        out = json.loads(done.stdout)
        if out["order"][: len(prior)] != prior:
            raise RuntimeError(f"ASReview did not start from the prior records {prior}: {out['order'][:4]}")
        res.asreview_model = f"{out['label']} ({out['model']}, asreview {out['asreview']}): {out['config']}"
        relevant = [bool(truth[i]) for i in out["order"]]
        if relevant != [bool(x) for x in out["labels"]]:
            raise RuntimeError("ASReview's labels disagree with the data set's: row indices misread")
        res.asreview.append(_run_of(seed, prior, relevant, res.n_records, res.n_relevant, out["seconds"]))
    return res


def _mean(runs: list[Run], attr: str) -> float:
    return sum(getattr(r, attr) for r in runs) / len(runs)


def markdown(res: ScreeningResult) -> str:
    """The RESULTS.md section."""
    lines = ["## Screening prioritisation (issue 15): WSS@95 against ASReview", ""]
    if not res.painregen:
        return "\n".join([*lines, res.note, ""])
    lines += [
        f"Kwok 2020 title/abstract set (`literature/screening/kwok2020_virus_metagenomics.csv`): {res.n_records:,}"
        f" records, {res.n_relevant} relevant. Each tool replays the screening from the same prior knowledge (one"
        " relevant and one irrelevant record drawn with the seed), refits after every decision, screens the"
        " top-ranked record next and stops at the last relevant record. WSS@r = (N - n_r)/N - (1 - r), n_r the"
        " records screened (priors included) when the share r of the relevant records was found (Cohen et al."
        " 2006); RRF@10: share of the relevant records found after screening 10% of the records. Both orders are"
        " scored by the same function (`painregen.review.prioritise.wss`).",
        "",
        f"- painregen: {res.painregen_model}",
        f"- ASReview: {res.asreview_model or 'not run'}",
        "",
        "| tool | prior set (seed: records) | WSS@95 | WSS@100 | RRF@10 | screened to 95% recall | time (s) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, runs in (("painregen", res.painregen), ("ASReview", res.asreview)):
        for r in runs:
            lines.append(f"| {name} | {r.seed}: {r.prior[0]}, {r.prior[1]} | {r.wss95:.3f} | {r.wss100:.3f} | "
                         f"{r.rrf10:.3f} | {r.n95} | {r.seconds:.1f} |")
        if runs:
            lines.append(f"| **{name}, mean** | {len(runs)} sets | **{_mean(runs, 'wss95'):.3f}** | "
                         f"{_mean(runs, 'wss100'):.3f} | {_mean(runs, 'rrf10'):.3f} | {_mean(runs, 'n95'):.0f} | "
                         f"{_mean(runs, 'seconds'):.1f} |")
    if res.note:
        lines += ["", res.note]
    lines += ["", "Times are each simulation's wall clock (ASReview's measured inside its own process, without"
              " interpreter start-up); they include feature extraction and every refit.", ""]
    return "\n".join(lines)


if __name__ == "__main__":  # standalone: python benchmarks/screening.py [--no-asreview] (updates RESULTS.md)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from benchmarks.sections import write_section

    text = markdown(case_screening(lambda s: print(s, file=sys.stderr), with_asreview="--no-asreview" not in sys.argv))
    write_section(ROOT / "benchmarks" / "RESULTS.md", "screening", text)
    print(text)

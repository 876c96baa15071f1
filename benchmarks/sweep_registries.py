"""Issue 11's sweep: the report on simulated registries of every seed 1..200, sizes 5..300, with and without
appraisal answers and small domains mixed in, on each measure; records every section that fell back to its
"could not be computed" note. Not a test (it takes long); tests/test_any_registry.py draws a few of these shapes
in every CI run.

    .venv/bin/python benchmarks/sweep_registries.py [--seeds 1 200] [--workers 2] [--write]

Each registry is built in memory from ``simulate(n, seed)`` (n cycles through 5, 12, 25, 40, 80, 150, 300 with the
seed), goes through the registry's analysis path (labels mapped, study labels) and every report section (SVG
figures only); ``--write`` puts the summary in benchmarks/RESULTS.md (section ``sweep``).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.sections import write_section  # noqa: E402

SIZES = (5, 12, 25, 40, 80, 150, 300)
MEASURES = ("SMD", "MD", "ROM", "NMD")


def one(seed: int) -> dict[str, object]:
    import matplotlib

    matplotlib.use("Agg")
    from painregen.registry.scope import evidence_from_dataset
    from painregen.report.output import ReportOutput
    from painregen.report.pipeline import run_analysis
    from painregen.report.sections import build_sections
    from painregen.simulate import simulate

    n = SIZES[seed % len(SIZES)]
    measure = MEASURES[seed % len(MEASURES)]
    ds = simulate(n, seed=seed)
    if seed % 3 == 0:  # appraisal answers on every study
        ds = ds.model_copy(update={"studies": [s.model_copy(update={
            "arrive": {"randomisation": "reported", "blinding": "not_reported", "sample_size": "reported"},
            "rob": dict(s.rob) | {"assessor_blinding": ["yes", "no", "unclear"][i % 3]}})
            for i, s in enumerate(ds.studies)]})
    t0 = time.perf_counter()
    try:
        analysis = run_analysis(evidence_from_dataset(ds), measure=measure)
        with tempfile.TemporaryDirectory() as tmp:
            sections = build_sections(analysis, ReportOutput(Path(tmp)), workers=1)
        failures = [f"{f.section}: {f.message}" for f in analysis.cache["failures"]]
    except Exception as exc:  # a crash outside the sections' own fallbacks is what the sweep is looking for
        sections, failures = [], [f"CRASH {type(exc).__name__}: {exc}"]
    return {"seed": seed, "n": n, "measure": measure, "answers": seed % 3 == 0, "sections": len(sections),
            "failures": failures, "seconds": round(time.perf_counter() - t0, 1)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, nargs=2, default=(1, 200))
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--write", action="store_true")
    args = p.parse_args()
    seeds = list(range(args.seeds[0], args.seeds[1] + 1))
    rows = []
    with ProcessPoolExecutor(args.workers) as pool:
        for row in pool.map(one, seeds):
            rows.append(row)
            print(json.dumps(row), flush=True)
    failed = [r for r in rows if r["failures"]]
    sizes = sorted({int(str(r["n"])) for r in rows})
    text = (f"## Reports on simulated registries (benchmarks/sweep_registries.py)\n\n"
            f"Seeds {seeds[0]}..{seeds[-1]} ({len(rows)} registries), sizes {', '.join(map(str, sizes))} studies, "
            f"measures {', '.join(MEASURES)}, appraisal answers on every third: **{len(failed)} with a section that "
            f"could not be computed**.\n\n"
            + "".join(f"- seed {r['seed']}, {r['n']} studies, {r['measure']}: {'; '.join(r['failures'])}\n"  # type: ignore[arg-type]
                      for r in failed))
    print(text)
    if args.write:
        write_section(ROOT / "benchmarks" / "RESULTS.md", "sweep", text)


if __name__ == "__main__":
    main()

"""Coverage of the saturation window's intervals (issue 12 item 10): a small seeded run of the benchmark's
simulation (benchmarks/coverage_dose.py, figures in benchmarks/dose_coverage.json) agrees with the benchmark's
coverage within binomial error, and the benchmark's figures meet the target. No timing is asserted."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from painregen.dose.coverage import SCENARIOS

BENCH = json.loads((Path(__file__).resolve().parents[1] / "benchmarks" / "dose_coverage.json").read_text())
BY_NAME = {r["scenario"]: r for r in BENCH["scenarios"]}
SMALL = ("Emax, plateau (ED50 3)", "steep sigmoid Emax, aveAIC")


def test_the_benchmark_covers_every_scenario_and_meets_the_target() -> None:
    assert set(BY_NAME) == {sc.name for sc in SCENARIOS}
    assert BENCH["n_boot"] == 1000 and BENCH["n_sim"] >= 300
    for r in BENCH["scenarios"]:
        a = r["after"]
        for key in ("med_coverage", "saturation_coverage"):
            if a[key] is not None:
                assert a[key] >= BENCH["target"], (r["scenario"], key, a[key])
        if a["false_decline"]:
            assert a["decline_rate"] <= 0.025, r["scenario"]  # false "decline" verdicts are rare


def _within(small: float, n_small: int, bench: float, n_bench: int) -> bool:
    """Two binomial proportions agree within three standard errors of their difference (the variance from the
    benchmark's proportion, at least that of one event in the small run)."""
    var = max(bench * (1 - bench), 1.0 / n_small) * (1.0 / n_small + 1.0 / n_bench)
    return abs(small - bench) <= 3 * math.sqrt(var)


@pytest.mark.parametrize("name", SMALL)
def test_a_small_seeded_run_agrees_with_the_benchmark(name: str) -> None:
    sc = next(s for s in SCENARIOS if s.name == name)
    small = sc.run(n_sim=48, n_boot=250, seed=4242)
    bench = BY_NAME[name]["after"]
    assert small.n_detected >= 40
    for key in ("med_coverage", "saturation_coverage", "decline_rate"):
        b, v = bench[key], getattr(small, key)
        assert _within(v, small.n_detected, b, bench["n_detected"]), (key, v, b)

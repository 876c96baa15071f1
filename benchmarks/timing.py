"""Wall-clock medians, peak memory (tracemalloc) and agreement measures for the benchmark cases."""

from __future__ import annotations

import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Timing:
    """Median wall-clock seconds over ``n`` runs (all runs kept in ``runs``)."""

    median: float
    runs: tuple[float, ...]

    @property
    def n(self) -> int:
        return len(self.runs)


def measure(fn: Callable[[], Any], repeats: int = 3, budget: float = 20.0) -> tuple[Timing, Any]:
    """Run ``fn`` up to ``repeats`` times (fewer once the runs so far exceed ``budget`` seconds).

    Returns the median wall-clock time (``time.perf_counter``) and the last result.
    """
    runs: list[float] = []
    result: Any = None
    for _ in range(max(1, repeats)):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - start)
        if sum(runs) > budget:
            break
    return Timing(statistics.median(runs), tuple(runs)), result


def peak_memory(fn: Callable[[], Any]) -> int:
    """Peak bytes allocated while ``fn`` runs, as traced by tracemalloc (numpy reports its buffers to it).

    Input arrays created before the call are not counted: this is the working memory of the call.
    """
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        fn()
        return int(tracemalloc.get_traced_memory()[1])
    finally:
        tracemalloc.stop()


def max_rel_diff(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray, floor: float = 1e-3) -> float:
    """max |a - b| / max(|b|, floor): relative difference, with an absolute floor for values near 0."""
    x = np.asarray(a, dtype=float).ravel()
    y = np.asarray(b, dtype=float).ravel()
    if x.shape != y.shape:
        raise ValueError(f"cannot compare shapes {x.shape} and {y.shape}")
    return float(np.max(np.abs(x - y) / np.maximum(np.abs(y), floor)))

"""Result rows of the benchmark run (one row = painregen vs one peer, or painregen vs an absolute target)."""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks.timing import Timing


@dataclass(frozen=True)
class Row:
    """One comparison. ``ratio`` = peer seconds / painregen seconds (> 1: painregen is faster).

    ``peer_time`` is None when the peer was skipped (``note`` says why) or when the row checks an
    absolute target. ``passed`` is None when the row has no target; ``close`` marks a result within
    25% of its threshold, where run-to-run variation under load can flip the verdict.
    """

    case: str
    painregen: str
    pr_time: Timing
    peer: str
    peer_time: Timing | None
    agreement: str
    agree_ok: bool | None
    target: str = ""
    passed: bool | None = None
    note: str = ""
    extrapolated: bool = False
    close: bool = False

    @property
    def ratio(self) -> float | None:
        if self.peer_time is None or self.pr_time.median <= 0:
            return None
        return self.peer_time.median / self.pr_time.median


@dataclass(frozen=True)
class MemRow:
    """Peak traced memory of one call at one k; ``decade_ratio`` vs the previous k (10x smaller)."""

    function: str
    k: int
    peak_bytes: int
    decade_ratio: float | None
    passed: bool | None


def is_close(value: float, threshold: float) -> bool:
    """True when value is within a factor 1.25 of threshold (either side)."""
    return 0.8 <= value / threshold <= 1.25

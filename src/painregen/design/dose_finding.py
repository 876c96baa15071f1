"""Sample size of a dose-finding study: the MCP-Mod multiple contrast test of :mod:`painregen.dose`.

Power comes from ``painregen.dose.pow_mct.power_mct`` (DoseFinding's ``powMCT``: optimal contrasts for the
candidate shapes, multivariate t; Pinheiro, Bornkamp & Bretz 2006, J Biopharm Stat 16:639). Here the smallest
whole ``n`` per dose group (equal allocation) is found whose power, summarised over the candidate shapes by
``min`` (default: every shape) or ``mean``, reaches the target; power increases with ``n``, so a doubling search
followed by bisection on whole numbers finds it exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["DoseEngineUnavailable", "DoseFindingPlan", "dose_finding_sample_size", "smallest_n"]


class DoseEngineUnavailable(RuntimeError):
    """painregen.dose does not (yet) provide ``power_mct``."""


@dataclass(frozen=True)
class DoseFindingPlan:
    """Smallest ``n`` per dose group, with the power per candidate shape at ``n`` and at ``n - 1``."""

    n_per_group: int
    power: dict[str, float]
    power_below: dict[str, float] | None
    summary: str
    target: float
    critical_value: float

    def to_dict(self) -> dict[str, Any]:
        return {"n_per_group": self.n_per_group, "power": self.power, "power_below": self.power_below,
                "summary": self.summary, "target": self.target, "critical_value": self.critical_value}


def smallest_n(value: Callable[[int], float], target: float, n_min: int = 2, n_max: int = 100_000) -> int:
    """Smallest whole ``n >= n_min`` with ``value(n) >= target`` for a ``value`` increasing in ``n``."""
    if value(n_min) >= target:
        return n_min
    lo, hi = n_min, 2 * n_min
    while value(hi) < target:
        lo, hi = hi, hi * 2
        if hi > n_max:
            raise ValueError(f"the target {target:g} is not reached with {n_max} per group")
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if value(mid) >= target else (mid, hi)
    return hi


def _power_mct() -> Callable[..., Any]:
    try:
        from painregen.dose.pow_mct import power_mct
    except ImportError as exc:  # pragma: no cover - depends on the dose engine's progress
        raise DoseEngineUnavailable("dose-finding sample size needs painregen.dose.pow_mct.power_mct") from exc
    return power_mct


def dose_finding_sample_size(
    doses: Sequence[float],
    models: str,
    *,
    max_effect: float,
    sd: float,
    power: float = 0.8,
    alpha: float = 0.025,
    summary: str = "min",
    alternative: str = "one.sided",
) -> DoseFindingPlan:
    """Smallest equal ``n`` per dose group so that the MCT power (``summary`` over ``models``) reaches ``power``.

    ``models`` is the dose engine's SPEC (e.g. ``"linear,emax:25,sigEmax:30/3"``); ``max_effect`` and ``sd`` are in
    the outcome's units. Doses include 0 (vehicle).
    """
    if summary not in ("min", "mean"):
        raise ValueError(f"summary must be 'min' or 'mean'; got {summary!r}")
    if not 0 < power < 1:
        raise ValueError(f"power must be strictly between 0 and 1; got {power!r}")
    fn = _power_mct()
    cache: dict[int, Any] = {}

    def at(n: int) -> Any:
        if n not in cache:
            cache[n] = fn(list(doses), models, max_effect=max_effect, sd=sd, n=n, alpha=alpha, alternative=alternative)
        return cache[n]

    def value(n: int) -> float:
        p = list(at(n).as_dict().values())
        return min(p) if summary == "min" else sum(p) / len(p)

    n = smallest_n(value, power)
    below = at(n - 1).as_dict() if n > 2 else None
    return DoseFindingPlan(n, at(n).as_dict(), below, summary, power, float(at(n).critical_value))

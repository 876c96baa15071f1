"""Sample size for a target MCT power by bisection (DoseFinding's ``sampSize``/``sampSizeMCT``).

The size ``N`` (smallest arm for ``n_type="arm"``, all animals for ``"total"``) is allocated as
``round(N r / min r)`` or ``round(N r / sum r)`` for allocation ratios ``r`` (rounding half to
even, as R's ``round``).  The upper limit doubles until the target is met and the lower limit
halves until it is missed (both as observed from DoseFinding 1.0.3); then
``N = round((lower + upper) / 2)`` replaces the limit on its side until the limits are adjacent or
the summary power is within ``tol`` of the target (Pinheiro & Bornkamp 2017, in O'Quigley, Iasonos
& Bornkamp (eds), *Handbook of Methods for Designing, Monitoring, and Analyzing Dose-Finding
Trials*, CRC).  The answer is the upper limit's allocation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .errors import DoseInputError
from .models import Array
from .mods import Mods
from .opt_contr import OptContr
from .pow_mct import pow_mct
from .results import ResultMixin, num

SUMMARIES: dict[str, Callable[[Array], float]] = {
    "mean": lambda p: float(np.mean(p)), "min": lambda p: float(np.min(p)), "max": lambda p: float(np.max(p)),
}


@dataclass(frozen=True, eq=False, repr=False)
class SampleSizeResult(ResultMixin):
    """Animals per group reaching the target power, with the power achieved and the search path."""

    n_per_group: Array
    power: float
    target: float
    path: tuple[tuple[int, float], ...]

    def _title(self) -> str:
        return f"SampleSizeResult: total {int(self.n_per_group.sum())}, power {self.power:.4f} (target {self.target:g})"

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame({"group": np.arange(1, self.n_per_group.size + 1), "n": self.n_per_group})

    def to_dict(self) -> dict[str, Any]:
        return {"n_per_group": [int(v) for v in self.n_per_group], "n_total": int(self.n_per_group.sum()),
                "power": num(self.power), "target": self.target,
                "path": [{"N": n, "value": num(v)} for n, v in self.path]}


def samp_size(
    upper_n: int, target_fn: Callable[[Array], float], target: float, al_ratio: ArrayLike, *,
    lower_n: int | None = None, tol: float = 0.001, n_type: Literal["arm", "total"] = "arm",
) -> SampleSizeResult:
    """Generic bisection on ``N`` for a target function of the allocation (monotone increasing)."""
    ratio = np.asarray(al_ratio, dtype=float)
    if np.any(ratio <= 0) or upper_n < 1:
        raise DoseInputError("allocation ratios must be positive and upper_n >= 1")
    scale = ratio / (ratio.min() if n_type == "arm" else ratio.sum())

    def alloc(big_n: int) -> Array:
        return np.round(big_n * scale)

    path: list[tuple[int, float]] = []

    def value(big_n: int) -> float:
        v = target_fn(alloc(big_n))
        path.append((big_n, v))
        return v

    upper = int(upper_n)
    lower = int(upper_n // 2) if lower_n is None else int(lower_n)
    v_up = value(upper)
    while v_up < target:
        upper *= 2
        v_up = value(upper)
    v_lo = value(lower)
    while v_lo > target and lower > 1:
        lower = lower // 2
        v_lo = value(lower)
    while upper - lower > 1 and abs(v_up - target) >= tol:
        mid = round((lower + upper) / 2)
        v = value(mid)
        if abs(v - target) < tol:
            upper, v_up = mid, v
            break
        if v > target:
            upper, v_up = mid, v
        else:
            lower = mid
    return SampleSizeResult(alloc(upper), v_up, target, tuple(path))


def samp_size_mct(
    upper_n: int, contrasts: OptContr | ArrayLike, alt_models: Mods, *, sigma: float, power: float,
    al_ratio: ArrayLike | None = None, lower_n: int | None = None, sum_fct: str = "mean",
    tol: float = 0.001, n_type: Literal["arm", "total"] = "arm", **pow_kwargs: Any,
) -> SampleSizeResult:
    """Sample size so that the ``sum_fct`` of the MCT powers under ``alt_models`` reaches ``power``."""
    if sum_fct not in SUMMARIES:
        raise DoseInputError(f"sum_fct must be one of {', '.join(SUMMARIES)}")
    ratio = np.ones(len(alt_models.doses)) if al_ratio is None else np.asarray(al_ratio, dtype=float)

    def fn(n: Array) -> float:
        res = pow_mct(contrasts, alt_models, n=n, sigma=sigma, **pow_kwargs)
        return SUMMARIES[sum_fct](res.power)

    return samp_size(upper_n, fn, power, ratio, lower_n=lower_n, tol=tol, n_type=n_type)

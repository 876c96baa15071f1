"""Allowances that turn an analysable sample size into the number of animals to order.

* Non-normal data: plan the Wilcoxon-Mann-Whitney (or signed-rank) test instead of the t test and divide ``n`` by
  its asymptotic relative efficiency (ARE) against the t test (Pitman efficiency; Hodges & Lehmann 1956, Ann
  Math Stat 27:324; Lehmann 1975, *Nonparametrics*, sec. 2.4 and 5.4). The ARE is ``3/pi = 0.955`` for normal
  data, ``1`` for uniform, ``pi^2/9 = 1.097`` for logistic, ``1.5`` for Laplace (double exponential), and
  never below ``108/125 = 0.864`` for any continuous distribution (Hodges & Lehmann 1956): dividing by 0.864 is
  the distribution-free worst-case allowance.
* Attrition: animals lost before the outcome is measured (death, humane end points, failed surgery):
  ``n / (1 - attrition)``, rounded up.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["ARE", "SampleSizeAllowance", "allow", "are_inflation", "attrition_inflation"]

#: ARE of the Wilcoxon-Mann-Whitney test relative to the t test, by the parent distribution of the data.
ARE: dict[str, float] = {
    "none": 1.0,
    "normal": 3.0 / math.pi,
    "uniform": 1.0,
    "logistic": math.pi**2 / 9.0,
    "laplace": 1.5,
    "worst": 108.0 / 125.0,
}


def are_inflation(n: float, distribution: str = "worst") -> float:
    """``n / ARE`` for the named distribution (see :data:`ARE`; ``none`` leaves ``n`` unchanged). Lehmann (1975)."""
    try:
        return n / ARE[distribution]
    except KeyError:
        raise ValueError(f"unknown distribution {distribution!r}; one of {', '.join(ARE)}") from None


def attrition_inflation(n: float, attrition: float) -> int:
    """``ceil(n / (1 - attrition))``: animals to randomise so that ``n`` are expected to be analysed."""
    if not 0.0 <= attrition < 1.0:
        raise ValueError(f"attrition must be in [0, 1); got {attrition!r}")
    return math.ceil(n / (1.0 - attrition) - 1e-9)


@dataclass(frozen=True)
class SampleSizeAllowance:
    """From the computed (real) ``n`` to whole animals: ``n_analysed`` after the non-normal allowance,
    ``n_randomised`` after attrition."""

    n_exact: float
    nonnormal: str
    are: float
    attrition: float
    n_analysed: int
    n_randomised: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def allow(n_exact: float, nonnormal: str = "none", attrition: float = 0.0) -> SampleSizeAllowance:
    """Non-normal allowance ``ceil(n / ARE)`` (at least 2), then attrition ``ceil(n_analysed / (1 - a))``."""
    n_analysed = max(2, math.ceil(are_inflation(n_exact, nonnormal) - 1e-9))
    return SampleSizeAllowance(n_exact, nonnormal, ARE[nonnormal], attrition, n_analysed,
                               attrition_inflation(n_analysed, attrition))

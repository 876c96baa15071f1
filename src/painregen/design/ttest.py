"""Power and sample size of t tests, as R's ``pwr::pwr.t.test`` and ``pwr::pwr.t2n.test`` compute them.

Cohen (1988), *Statistical Power Analysis for the Behavioral Sciences*, 2nd ed., ch. 2: with Cohen's ``d`` and
the non-central t distribution ``T' ~ t(df, ncp)``

* two-sample (``n`` per group): ``df = 2 (n - 1)``, ``ncp = d sqrt(n / 2)``;
* one-sample and paired (``n`` pairs, ``d`` = mean difference / SD of differences): ``df = n - 1``,
  ``ncp = d sqrt(n)``;
* two samples of different sizes (``pwr.t2n.test``): ``df = n1 + n2 - 2``, ``ncp = d / sqrt(1/n1 + 1/n2)``.

Power: ``greater``: ``P(T' > t_{1-a})``; ``less``: ``P(T' < t_a)``; ``two.sided``:
``P(T' > t_{1-a/2}) + P(T' < -t_{1-a/2})`` (the lower-tail term included, as pwr does). A missing ``n``
or ``d`` is found by root finding (Brent) to ``xtol = 1e-12``; ``n`` is returned fractional, as pwr does.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
from scipy import stats
from scipy.optimize import brentq

__all__ = [
    "ALTERNATIVES", "TTEST_TYPES", "TTestPower", "nct_cdf", "power_from_ncp", "pwr_t2n_test", "pwr_t_test", "solve",
]

Alternative = Literal["two.sided", "greater", "less"]
TestType = Literal["two.sample", "one.sample", "paired"]
ALTERNATIVES: tuple[str, ...] = ("two.sided", "greater", "less")
TTEST_TYPES: tuple[str, ...] = ("two.sample", "one.sample", "paired")
_XTOL = 1e-12
_N_MAX = 1e7


class PerGroupN:
    """Mixin of design results with a fractional ``n`` per group: the whole number of animals and ``to_dict``."""

    n: float

    @property
    def n_per_group(self) -> int:
        """``n`` rounded up: the number of animals to put in each group."""
        return int(np.ceil(self.n - 1e-9))

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)  # type: ignore[call-overload]
        out["n_per_group"] = self.n_per_group
        return {k: v for k, v in out.items() if not (k == "n2" and v is None)}


@dataclass(frozen=True)
class TTestPower(PerGroupN):
    """A solved t-test power problem. ``n`` is per group (``n1``/``n2`` for unequal groups), fractional."""

    n: float
    d: float
    sig_level: float
    power: float
    type: str
    alternative: str
    df: float
    ncp: float
    n2: float | None = None


def _check_alt(alternative: str) -> None:
    if alternative not in ALTERNATIVES:
        raise ValueError(f"alternative must be one of {', '.join(ALTERNATIVES)}; got {alternative!r}")


def _check_prob(name: str, x: float | None) -> None:
    if x is not None and not 0.0 < x < 1.0:
        raise ValueError(f"{name} must be strictly between 0 and 1; got {x!r}")


def nct_cdf(x: Any, df: Any, ncp: Any) -> Any:
    """Lower tail of the non-central t as ``sf(-x; df, -ncp)``: scipy's ``nct.cdf`` returns NaN far in the lower
    tail for large positive ``ncp`` (where the probability is below 1e-20); the reflected upper tail does not."""
    return stats.nct.sf(-np.asarray(x, dtype=float), df, -np.asarray(ncp, dtype=float))


def power_from_ncp(ncp: float, df: float, sig_level: float, alternative: str) -> float:
    """Power of a t test whose statistic is non-central t(df, ncp), at level ``sig_level`` (Cohen 1988)."""
    _check_alt(alternative)
    if alternative == "greater":
        return float(stats.nct.sf(stats.t.isf(sig_level, df), df, ncp))
    if alternative == "less":
        return float(nct_cdf(stats.t.ppf(sig_level, df), df, ncp))
    q = stats.t.isf(sig_level / 2.0, df)
    return float(stats.nct.sf(q, df, ncp) + nct_cdf(-q, df, ncp))


def _df_ncp(n: float, d: float, type: str) -> tuple[float, float]:
    if type == "two.sample":
        return 2.0 * (n - 1.0), d * np.sqrt(n / 2.0)
    if type in ("one.sample", "paired"):
        return n - 1.0, d * np.sqrt(n)
    raise ValueError(f"type must be one of {', '.join(TTEST_TYPES)}; got {type!r}")


def _t2n_df_ncp(n1: float, n2: float, d: float) -> tuple[float, float]:
    return n1 + n2 - 2.0, d / np.sqrt(1.0 / n1 + 1.0 / n2)


def solve(f: Any, lo: float, hi: float, what: str) -> float:
    """Root of the monotone ``f`` in ``[lo, hi]`` (Brent, ``xtol = 1e-12``); a clear error if none is bracketed."""
    flo, fhi = f(lo), f(hi)
    if flo == 0.0:
        return lo
    if np.sign(flo) == np.sign(fhi):
        raise ValueError(f"no {what} in [{lo:g}, {hi:g}] reaches the target; check the inputs")
    return float(brentq(f, lo, hi, xtol=_XTOL, rtol=4 * np.finfo(float).eps, maxiter=500))


def _solve_n(power_at: Any, target: float, lo: float = 2.0) -> float:
    """Smallest real ``n`` with ``power_at(n) = target``; below ``lo`` when ``lo`` already gives more power."""
    if power_at(lo) >= target:
        lo = 1.0 + 1e-6
        if power_at(lo) >= target:  # an enormous effect: any n > 1 will do
            return lo
    return solve(lambda n: power_at(n) - target, lo, _N_MAX, "sample size")


def _solve_d(power_at: Any, target: float, alternative: str) -> float:
    if alternative == "less":
        return solve(lambda d: power_at(d) - target, -10.0, -1e-10, "effect size")
    return solve(lambda d: power_at(d) - target, 1e-10, 10.0, "effect size")


def pwr_t_test(
    n: float | None = None,
    d: float | None = None,
    sig_level: float = 0.05,
    power: float | None = None,
    type: TestType | str = "two.sample",
    alternative: Alternative | str = "two.sided",
) -> TTestPower:
    """Solve for whichever of ``n``, ``d`` or ``power`` is ``None`` (R ``pwr::pwr.t.test``; Cohen 1988).

    >>> round(pwr_t_test(d=0.8, power=0.8).n, 4)
    25.5246
    """
    _check_alt(alternative)
    _check_prob("sig_level", sig_level)
    _check_prob("power", power)
    if [n, d, power].count(None) != 1:
        raise ValueError("give exactly two of n, d and power; the third is computed")
    if n is not None and n <= 1:
        raise ValueError(f"n must be greater than 1; got {n!r}")

    def pw(n_: float, d_: float) -> float:
        df, ncp = _df_ncp(n_, d_, type)
        return power_from_ncp(ncp, df, sig_level, alternative)

    if power is None:
        assert n is not None and d is not None
        power = pw(n, d)
    elif n is None:
        assert d is not None
        if d == 0:
            raise ValueError("d must not be 0 when solving for n")
        n = _solve_n(lambda x: pw(x, d), power)
    else:
        d = _solve_d(lambda x: pw(n, x), power, alternative)
    df, ncp = _df_ncp(n, d, type)
    return TTestPower(float(n), float(d), sig_level, float(power), str(type), str(alternative), float(df), float(ncp))


def pwr_t2n_test(
    n1: float | None = None,
    n2: float | None = None,
    d: float | None = None,
    sig_level: float = 0.05,
    power: float | None = None,
    alternative: Alternative | str = "two.sided",
) -> TTestPower:
    """Two groups of different sizes (R ``pwr::pwr.t2n.test``; Cohen 1988): solve the one argument left ``None``.

    The result's ``n`` is ``n1`` and ``n2`` is ``n2``.
    """
    _check_alt(alternative)
    _check_prob("sig_level", sig_level)
    _check_prob("power", power)
    if [n1, n2, d, power].count(None) != 1:
        raise ValueError("give exactly three of n1, n2, d and power; the fourth is computed")
    for name, v in (("n1", n1), ("n2", n2)):
        if v is not None and v < 2:
            raise ValueError(f"{name} must be at least 2; got {v!r}")

    def pw(a: float, b: float, d_: float) -> float:
        df, ncp = _t2n_df_ncp(a, b, d_)
        return power_from_ncp(ncp, df, sig_level, alternative)

    if power is None:
        assert n1 is not None and n2 is not None and d is not None
        power = pw(n1, n2, d)
    elif d is None:
        assert n1 is not None and n2 is not None
        d = _solve_d(lambda x: pw(n1, n2, x), power, alternative)
    elif n2 is None:
        assert n1 is not None
        n2 = _solve_n(lambda x: pw(n1, x, d), power, lo=2.0)
    else:
        n1 = _solve_n(lambda x: pw(x, n2, d), power, lo=2.0)
    assert n1 is not None and n2 is not None and d is not None
    df, ncp = _t2n_df_ncp(n1, n2, d)
    return TTestPower(float(n1), float(d), sig_level, float(power), "two.sample", str(alternative), float(df),
                      float(ncp), n2=float(n2))

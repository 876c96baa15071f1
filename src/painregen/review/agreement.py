"""Agreement between reviewers: percentage agreement, Cohen's kappa and Gwet's AC1 for a pair of reviewers,
and Fleiss' kappa and Gwet's AC1 for any number of reviewers per record (a screening stage where reviewers
rotate).

Formulas:

- Cohen's kappa (Cohen 1960, Educ Psychol Meas 20:37-46): ``(pa - pe) / (1 - pe)``, ``pe = sum_k p_k. p_.k``;
  its large-sample standard error from Fleiss, Cohen & Everitt (1969, Psychol Bull 72:323-327), as R's
  ``psych::cohen.kappa`` computes it.
- Gwet's AC1 (Gwet 2008, Br J Math Stat Psychol 61:29-48): ``pe = 1/(Q-1) sum_k pi_k (1 - pi_k)`` with
  ``pi_k`` the mean of the two raters' marginal shares; standard error from the linearisation of Gwet 2008
  (two raters: divisor n, his equation for the two-rater case; several raters: divisor n(n-1), his
  multiple-rater equation, as ``irrCAC::gwet.ac1.raw``).
- Fleiss' kappa (Fleiss 1971, Psychol Bull 76:378-382) for a varying number of raters per subject with the
  standard error of Gwet 2008 (as ``irrCAC::fleiss.kappa.raw``).

``Q`` is the number of possible categories (e.g. 2 for include/exclude even when every decision was
"include"): pass ``categories`` whenever it differs from the categories observed. Normal-theory 95% confidence
intervals, ``estimate ± 1.96 SE``. Statistics that are undefined (``pe = 1``: a single category used by everyone)
are NaN, with ``pa`` still given.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Coefficient:
    """A chance-corrected agreement coefficient with its standard error and 95% CI."""

    estimate: float
    se: float
    ci_low: float
    ci_high: float

    @classmethod
    def of(cls, estimate: float, se: float) -> Coefficient:
        return cls(estimate, se, estimate - Z95 * se, estimate + Z95 * se)


@dataclass(frozen=True)
class PairAgreement:
    """Agreement of two reviewers on the ``n`` records both decided."""

    n: int
    categories: tuple[str, ...]
    table: tuple[tuple[int, ...], ...]  # table[i][j]: rater A said categories[i], rater B categories[j]
    pa: float  # proportion of records with the same decision
    cohen_kappa: Coefficient
    gwet_ac1: Coefficient

    @property
    def percent(self) -> float:
        return 100.0 * self.pa

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["percent"] = self.percent
        d["table"] = [list(r) for r in self.table]
        return _no_nan(d)


@dataclass(frozen=True)
class MultiAgreement:
    """Agreement on ``n`` records each decided by two or more reviewers (not always the same ones)."""

    n: int
    n_ratings: int
    categories: tuple[str, ...]
    pa: float  # mean over records of the share of agreeing rater pairs
    fleiss_kappa: Coefficient
    gwet_ac1: Coefficient

    @property
    def percent(self) -> float:
        return 100.0 * self.pa

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["percent"] = self.percent
        return _no_nan(d)


def _no_nan(obj: Any) -> Any:
    """A to_dict() result with undefined statistics (NaN) as None, so it is valid JSON."""
    if isinstance(obj, dict):
        return {k: _no_nan(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_no_nan(v) for v in obj]
    return None if isinstance(obj, float) and math.isnan(obj) else obj


def _categories(observed: Iterable[str], categories: Sequence[str] | None) -> tuple[str, ...]:
    seen = sorted(set(observed))
    if categories is None:
        return tuple(seen)
    cats = tuple(categories)
    if len(set(cats)) != len(cats):
        raise ValueError(f"categories repeat a value: {cats}")
    unknown = [c for c in seen if c not in cats]
    if unknown:
        raise ValueError(f"ratings {unknown} are not among the categories {list(cats)}")
    return cats


def contingency(a: Sequence[str], b: Sequence[str], categories: Sequence[str] | None = None
                ) -> tuple[tuple[str, ...], np.ndarray]:
    """The categories and the Q x Q table of counts of two raters' paired ratings."""
    if len(a) != len(b):
        raise ValueError(f"the two raters rated different numbers of records ({len(a)} and {len(b)})")
    cats = _categories([*a, *b], categories)
    index = {c: i for i, c in enumerate(cats)}
    table = np.zeros((len(cats), len(cats)), dtype=np.int64)
    for x, y in zip(a, b, strict=True):
        table[index[x], index[y]] += 1
    return cats, table


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 else math.nan


def cohen_kappa(table: np.ndarray) -> Coefficient:
    """Cohen's kappa of a Q x Q table with the Fleiss-Cohen-Everitt (1969) large-sample standard error."""
    n = float(table.sum())
    p = table / n
    row, col = p.sum(axis=1), p.sum(axis=0)
    pa, pe = float(np.trace(p)), float(row @ col)
    kappa = _ratio(pa - pe, 1 - pe)
    if math.isnan(kappa):
        return Coefficient.of(math.nan, math.nan)
    # Fleiss, Cohen & Everitt 1969, eq. (13): sum_i p_ii [(1-pe) - (p_i. + p_.i)(1-pa)]^2
    #   + (1-pa)^2 sum_{i!=j} p_ij (p_.i + p_j.)^2 - (pa pe - 2 pe + pa)^2, over n (1-pe)^4
    diag = np.diag(p)
    first = float(np.sum(diag * ((1 - pe) - (row + col) * (1 - pa)) ** 2))
    off = p.copy()
    np.fill_diagonal(off, 0.0)
    second = (1 - pa) ** 2 * float(np.sum(off * (col[:, None] + row[None, :]) ** 2))
    third = (pa * pe - 2 * pe + pa) ** 2
    var = (first + second - third) / (n * (1 - pe) ** 4)
    return Coefficient.of(kappa, math.sqrt(max(var, 0.0)))


def gwet_ac1_table(table: np.ndarray) -> Coefficient:
    """Gwet's AC1 of a Q x Q table (two raters) with Gwet's (2008) two-rater variance (divisor n)."""
    q = table.shape[0]
    n = float(table.sum())
    p = table / n
    pi = (p.sum(axis=1) + p.sum(axis=0)) / 2
    pa = float(np.trace(p))
    if q < 2:
        return Coefficient.of(math.nan, math.nan)
    pe = float(np.sum(pi * (1 - pi))) / (q - 1)
    ac1 = _ratio(pa - pe, 1 - pe)
    if math.isnan(ac1):
        return Coefficient.of(math.nan, math.nan)
    # subject-level linearisation: a record rated (k, l) contributes a = [k == l] and
    # pe_i = ((1 - pi_k) + (1 - pi_l)) / (2 (Q - 1)); var = 1/n * mean((g_i - ac1)^2)
    a = np.eye(q)
    pe_i = ((1 - pi)[:, None] + (1 - pi)[None, :]) / (2 * (q - 1))
    g = (a - pe) / (1 - pe) - 2 * (1 - ac1) * (pe_i - pe) / (1 - pe)
    var = float(np.sum(p * (g - ac1) ** 2)) / n
    return Coefficient.of(ac1, math.sqrt(max(var, 0.0)))


def pair_agreement(a: Sequence[str], b: Sequence[str], categories: Sequence[str] | None = None) -> PairAgreement:
    """Agreement of rater A's ``a`` and rater B's ``b`` (the same records, in the same order)."""
    if not a:
        raise ValueError("no record was rated by both raters")
    cats, table = contingency(a, b, categories)
    pa = float(np.trace(table)) / float(table.sum())
    return PairAgreement(len(a), cats, tuple(tuple(int(x) for x in r) for r in table), pa,
                         cohen_kappa(table), gwet_ac1_table(table))


def rating_counts(ratings: Sequence[Sequence[str]], categories: Sequence[str] | None = None
                  ) -> tuple[tuple[str, ...], np.ndarray]:
    """The categories and the n x Q matrix of how many raters put each record in each category."""
    cats = _categories((r for rs in ratings for r in rs), categories)
    index = {c: i for i, c in enumerate(cats)}
    counts = np.zeros((len(ratings), len(cats)), dtype=np.int64)
    for i, rs in enumerate(ratings):
        for r in rs:
            counts[i, index[r]] += 1
    return cats, counts


def _multi(counts: np.ndarray, method: str) -> tuple[float, Coefficient]:
    """Gwet's (2008) multiple-rater estimate and variance for AC1 (``method="ac1"``) or Fleiss' kappa."""
    n, q = counts.shape
    r = counts.sum(axis=1).astype(float)
    pa_i = np.sum(counts * (counts - 1), axis=1) / (r * (r - 1))
    pa = float(pa_i.mean())
    share = counts / r[:, None]
    pi = share.mean(axis=0)
    if method == "ac1":
        if q < 2:
            return pa, Coefficient.of(math.nan, math.nan)
        pe = float(np.sum(pi * (1 - pi))) / (q - 1)
        pe_i = share @ (1 - pi) / (q - 1)
    else:
        pe = float(np.sum(pi**2))
        pe_i = share @ pi
    est = _ratio(pa - pe, 1 - pe)
    if math.isnan(est) or n < 2:
        return pa, Coefficient.of(est, math.nan)
    g = (pa_i - pe) / (1 - pe) - 2 * (1 - est) * (pe_i - pe) / (1 - pe)
    var = float(np.sum((g - est) ** 2)) / (n * (n - 1))
    return pa, Coefficient.of(est, math.sqrt(max(var, 0.0)))


def multi_agreement(ratings: Sequence[Sequence[str]], categories: Sequence[str] | None = None) -> MultiAgreement:
    """Agreement over records each rated by two or more raters (``ratings[i]``: the ratings of record i).

    Records with fewer than two ratings are left out (they carry no information on agreement)."""
    kept = [list(rs) for rs in ratings if len(rs) >= 2]
    if not kept:
        raise ValueError("no record was rated by two or more raters")
    cats, counts = rating_counts(kept, categories)
    pa, ac1 = _multi(counts, "ac1")
    _, fleiss = _multi(counts, "fleiss")
    return MultiAgreement(len(kept), int(counts.sum()), cats, pa, fleiss, ac1)

"""2x2 tables for the Mantel-Haenszel and Peto methods: cell counts, metafor's ``add``/``to``/``drop00`` options and
the per-study effects the methods report beside their pooled estimate.

Cells: ``ai`` events / ``bi`` non-events in group 1 (treated), ``ci`` / ``di`` in group 2 (control); ``n1i`` and
``n2i`` may replace ``bi`` and ``di``. As in metafor's ``rma.mh`` and ``rma.peto``, ``add``, ``to`` and ``drop00``
take one value or two: the first applies to the per-study effects ``yi``/``vi`` (defaults ``1/2``, ``"only0"``,
``True``: 1/2 added to the cells of tables with a zero cell, and tables with no events, or only events, in both
groups get no ``yi``), the second to the counts the pooling uses (defaults: none added, no table dropped; a
double-zero table contributes nothing to the Mantel-Haenszel or Peto sums anyway).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from painregen.effects.binary import continuity_correct

FloatArray = np.ndarray


@dataclass(frozen=True)
class Adjust:
    """One set of zero-cell options: value added, to which tables, whether double-zero tables are dropped."""

    add: float
    to: str
    drop00: bool


def options(add: float | Sequence[float], to: str | Sequence[str], drop00: bool | Sequence[bool]
            ) -> tuple[Adjust, Adjust]:
    """(for the per-study effects, for the pooling) from metafor-style one- or two-valued arguments."""

    def pair(x: Any, second: Any) -> tuple[Any, Any]:
        if isinstance(x, str | bool | int | float | np.floating | np.integer):
            return x, second
        vals = list(x)
        if len(vals) == 1:
            return vals[0], second
        if len(vals) != 2:
            raise ValueError(f"give one or two values, got {vals!r}")
        return vals[0], vals[1]

    a1, a2 = pair(add, 0.0)
    t1, t2 = pair(to, "none")
    d1, d2 = pair(drop00, False)
    return Adjust(float(a1), str(t1), bool(d1)), Adjust(float(a2), str(t2), bool(d2))


@dataclass(frozen=True, eq=False)
class Tables:
    """Cell counts of k tables (after dropping rows with a missing count)."""

    ai: FloatArray
    bi: FloatArray
    ci: FloatArray
    di: FloatArray
    kept: np.ndarray  # mask of the input rows used
    double_zero: np.ndarray  # no events, or only events, in both groups

    @property
    def n1(self) -> FloatArray:
        return self.ai + self.bi

    @property
    def n2(self) -> FloatArray:
        return self.ci + self.di

    def adjusted(self, adj: Adjust) -> Tables:
        """The tables with ``adj`` applied: ``add`` put into the cells ``to`` names; double-zero tables removed when
        ``drop00``."""
        a, b, c, d, _ = continuity_correct(self.ai, self.bi, self.ci, self.di, add=adj.add, to=adj.to)
        keep = ~self.double_zero if adj.drop00 else np.ones(self.ai.size, dtype=bool)
        kept = self.kept.copy()
        kept[np.flatnonzero(self.kept)[~keep]] = False
        return Tables(a[keep], b[keep], c[keep], d[keep], kept, self.double_zero[keep])


def make_tables(ai: Any, bi: Any = None, ci: Any = None, di: Any = None, n1i: Any = None, n2i: Any = None
                ) -> Tables:
    """Validate counts (``ai, bi, ci, di`` or ``ai, ci, n1i, n2i``): finite, non-negative, events <= group size.
    Rows with a missing count are dropped (metafor's ``na.omit``). ValueError naming the 0-based rows at fault."""
    if ai is None or ci is None:
        raise ValueError("give ai and ci, with bi and di or with n1i and n2i")
    a = np.asarray(ai, dtype=float).ravel()
    c = np.asarray(ci, dtype=float).ravel()
    b = _non_events(bi, n1i, a, "bi or n1i")
    d = _non_events(di, n2i, c, "di or n2i")
    if not (a.size == b.size == c.size == d.size):
        raise ValueError("ai, bi (n1i), ci and di (n2i) must have the same length")
    cells = np.column_stack([a, b, c, d])
    missing = np.isnan(cells).any(axis=1)
    bad = ~missing & (np.isinf(cells).any(axis=1) | (cells < 0).any(axis=1))
    if bad.any():
        rows = np.flatnonzero(bad)[:5].tolist()
        raise ValueError(f"counts must be finite and non-negative, with events <= group size; not at (0-based) "
                         f"rows {rows}")
    keep = ~missing
    if not keep.any():
        raise ValueError("no tables left to analyse (all counts missing)")
    a, b, c, d = a[keep], b[keep], c[keep], d[keep]
    if np.any((a + b == 0) & (c + d == 0)):
        rows = np.flatnonzero(keep)[(a + b == 0) & (c + d == 0)][:5].tolist()
        raise ValueError(f"tables without animals in either group at (0-based) rows {rows}")
    dz = ((a == 0) & (c == 0)) | ((b == 0) & (d == 0))
    return Tables(a, b, c, d, keep, dz)


def _non_events(cells: Any, totals: Any, events: FloatArray, what: str) -> FloatArray:
    """The non-event cell: given, or the group total minus the events."""
    if cells is not None:
        return np.asarray(cells, dtype=float).ravel()
    if totals is not None:
        return np.asarray(totals, dtype=float).ravel() - events
    raise ValueError(f"give {what}")


@dataclass(frozen=True, eq=False)
class Heterogeneity:
    """Cochran's Q of the per-study effects around the pooled estimate, and I2 (percent) and H2 from it."""

    Q: float
    df: int
    I2: float
    H2: float


def heterogeneity(yi: FloatArray, vi: FloatArray, b: float) -> Heterogeneity:
    """``Q = sum (y_i - b)^2 / v_i`` over the studies with an effect, ``df = k_yi - 1``, ``I2 = 100 max(0, (Q -
    df) / Q)``, ``H2 = Q / df`` (Higgins & Thompson 2002, *Stat Med* 21:1539; metafor's rma.mh)."""
    ok = np.isfinite(yi) & np.isfinite(vi)
    q = float(np.sum((yi[ok] - b) ** 2 / vi[ok]))
    df = int(ok.sum()) - 1
    i2 = 100 * max(0.0, (q - df) / q) if q > 0 else 0.0
    h2 = q / df if df > 0 else float("nan")
    return Heterogeneity(Q=q, df=df, I2=i2, H2=h2)

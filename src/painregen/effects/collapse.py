"""Collapse repeated measures of one comparison (the same cohorts over time) into one effect.

Preclinical pain studies usually test the same animals at several timepoints (days after
injury). Entering every timepoint into a meta-analysis would count those animals several times;
these helpers reduce the series to one ``(yi, vi)``. Inputs must already be oriented (positive =
treated better, see :func:`painregen.effects.orient`).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from painregen.effects.base import EffectInputError, FloatArray

if TYPE_CHECKING:
    import pandas as pd

Method = Literal["last", "peak", "auc"]
METHODS: tuple[Method, ...] = ("last", "peak", "auc")


@dataclass(frozen=True)
class CollapsedEffect:
    """One comparison's effect after collapsing its timepoints.

    ``time`` is the timepoint chosen (``last``/``peak``) or ``None`` (``auc``);
    ``n_timepoints`` counts the timepoints used (those with defined ``yi`` and ``vi``);
    ``reason`` says why ``yi``/``vi`` are NaN, if they are.
    """

    yi: float
    vi: float
    method: Method
    time: float | None
    n_timepoints: int
    reason: str | None = None


def trapezoid_weights(time: FloatArray) -> FloatArray:
    """Weights ``w`` with ``sum(w * y)`` equal to the trapezoid-rule area under ``y(time)``.

    For sorted times ``t_0 < ... < t_K``: ``w_0 = (t_1 - t_0)/2``, ``w_j = (t_{j+1} - t_{j-1})/2``,
    ``w_K = (t_K - t_{K-1})/2``; a single timepoint gets weight 0.
    """
    t = np.asarray(time, dtype=float)
    w = np.zeros_like(t)
    if t.size < 2:
        return w
    gaps = np.diff(t)
    w[:-1] += gaps / 2
    w[1:] += gaps / 2
    return w


def collapse(time: npt.ArrayLike, yi: npt.ArrayLike, vi: npt.ArrayLike, method: Method = "last", *,
             normalise: bool = False) -> CollapsedEffect:
    """Reduce one comparison's per-timepoint effects to one effect.

    - ``"last"``: the effect at the latest timepoint.
    - ``"peak"``: the effect at the timepoint of maximum benefit (largest oriented ``yi``; the
      earliest on ties). Picking the best of several noisy values biases it upwards; report it
      as such.
    - ``"auc"``: the area under the curve of the per-time effects by the trapezoid rule,
      ``AUC = sum_j w_j yi_j`` (weights from :func:`trapezoid_weights`), with
      ``Var(AUC) = sum_j w_j^2 vi_j``. That variance ASSUMES THE TIMEPOINTS ARE INDEPENDENT; the
      same animals measured repeatedly are usually positively correlated, so it understates the
      true variance. With ``normalise=True`` the AUC is divided by the time span
      ``t_K - t_0`` (the time-averaged effect, on the scale of ``yi``) and its variance by the
      span squared. Needs at least two timepoints.

    Timepoints whose ``yi`` or ``vi`` is NaN (undefined effects) are left out. Source: the
    trapezoid summary of serial measurements of Matthews JNS, Altman DG, Campbell MJ, Royston P
    (1990) Analysis of serial measurements in medical research. BMJ 300:230-235.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)} (got {method!r})")
    t, y, v = _validated(time, yi, vi)
    ok = ~(np.isnan(y) | np.isnan(v))
    t, y, v = t[ok], y[ok], v[ok]
    order = np.argsort(t, kind="stable")
    t, y, v = t[order], y[order], v[order]
    n = int(t.size)
    if n == 0:
        return CollapsedEffect(np.nan, np.nan, method, None, 0, "no timepoint with a defined effect")
    if method == "last":
        return CollapsedEffect(float(y[-1]), float(v[-1]), method, float(t[-1]), n)
    if method == "peak":
        j = int(np.argmax(y))
        return CollapsedEffect(float(y[j]), float(v[j]), method, float(t[j]), n)
    if n < 2:
        return CollapsedEffect(np.nan, np.nan, method, None, n, "area under the curve needs two timepoints")
    w = trapezoid_weights(t)
    auc, var = float(np.sum(w * y)), float(np.sum(w**2 * v))
    if normalise:
        span = float(t[-1] - t[0])
        auc, var = auc / span, var / span**2
    return CollapsedEffect(auc, var, method, None, n)


def collapse_by(groups: Sequence[Hashable], time: npt.ArrayLike, yi: npt.ArrayLike, vi: npt.ArrayLike,
                method: Method = "last", *, normalise: bool = False) -> dict[Hashable, CollapsedEffect]:
    """Apply :func:`collapse` within each group (one comparison each), in first-seen order."""
    t, y, v = _validated(time, yi, vi, allow_duplicates=True)
    if len(groups) != t.size:
        raise EffectInputError([(None, "groups", f"has {len(groups)} values; time has {t.size}")])
    index: dict[Hashable, list[int]] = {}
    for i, g in enumerate(groups):
        index.setdefault(g, []).append(i)
    return {g: collapse(t[rows], y[rows], v[rows], method, normalise=normalise)
            for g, rows in index.items()}


def latest_rows(df: pd.DataFrame, keys: Sequence[str]) -> list[Any]:
    """The index of each comparison's row (rows of ``df`` sharing ``keys``) at its latest timepoint, as
    :func:`collapse` with method "last" picks it, in first-seen order. Rows are expected with defined ``yi`` and
    ``vi`` (``time``, ``yi``, ``vi`` columns). One grouped ``idxmax`` when every time is finite, every ``vi``
    non-negative and no comparison repeats a timepoint; otherwise :func:`collapse` per comparison, which raises
    :class:`EffectInputError` naming the offending row."""
    import pandas as pd

    time = pd.to_numeric(df["time"], errors="coerce")
    valid = bool(np.isfinite(time.to_numpy(float)).all() and (df["vi"].to_numpy(float) >= 0).all()
                 and not df.duplicated([*keys, "time"]).any())
    if valid:
        return list(time.groupby([df[k] for k in keys], sort=False).idxmax())
    keep = []
    for _, g in df.groupby(list(keys), sort=False):
        c = collapse(g["time"].to_numpy(float), g["yi"].to_numpy(float), g["vi"].to_numpy(float), "last")
        keep.append(g.index[g["time"].to_numpy(float) == c.time][0])
    return keep


def _validated(time: npt.ArrayLike, yi: npt.ArrayLike, vi: npt.ArrayLike,
               allow_duplicates: bool = False) -> tuple[FloatArray, FloatArray, FloatArray]:
    t, y, v = (np.atleast_1d(np.asarray(a, dtype=float)) for a in (time, yi, vi))
    problems: list[tuple[int | None, str, str]] = []
    for name, a in (("yi", y), ("vi", v)):
        if a.shape != t.shape:
            problems.append((None, name, f"has {a.size} values; time has {t.size}"))
    if problems:
        raise EffectInputError(problems)
    problems.extend((int(r), "time", "time must be a finite number") for r in np.flatnonzero(~np.isfinite(t)))
    with np.errstate(invalid="ignore"):
        problems.extend((int(r), "vi", "vi must not be negative") for r in np.flatnonzero(v < 0))
    if not allow_duplicates:
        _, first, counts = np.unique(t, return_index=True, return_counts=True)
        problems.extend((int(r), "time", "timepoint appears more than once")
                        for r, c in zip(first, counts, strict=True) if c > 1)
    if problems:
        raise EffectInputError(problems)
    return t, y, v

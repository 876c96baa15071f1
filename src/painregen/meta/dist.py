"""Normal, Student t, chi-squared and F distribution functions from :mod:`scipy.special`, with the call shapes of
``scipy.stats`` (``norm.sf(x)``, ``t.ppf(q, df)``, ``chi2.sf(x, df)``, ``f.sf(x, dfn, dfd)``, ...).

Importing :mod:`scipy.stats` costs about half a second, most of a command's start-up; these are the very special
functions scipy.stats evaluates (scipy 1.17, ``scipy/stats/_continuous_distns.py``), so results are identical:

- normal: ``cdf(x) = ndtr(x)``, ``sf(x) = ndtr(-x)``, ``ppf(q) = ndtri(q)``, ``isf(q) = -ndtri(q)``;
- Student t with ``df``: ``cdf(x) = stdtr(df, x)``, ``sf(x) = stdtr(df, -x)``, ``ppf(q) = stdtrit(df, q)``,
  ``isf(q) = -stdtrit(df, q)``;
- chi-squared with ``df``: ``cdf(x) = chdtr(df, x)``, ``sf(x) = chdtrc(df, x)``, ``ppf(q) = 2 gammaincinv(df/2,
  q)``, ``isf(q) = chdtri(df, q)``;
- F with ``(dfn, dfd)``: ``cdf(x) = fdtr(dfn, dfd, x)``, ``sf(x) = fdtrc(dfn, dfd, x)``, ``ppf(q) = fdtri(dfn, dfd,
  q)``, ``isf(q) = ppf(1 - q)``.

Edge cases follow ``scipy.stats.rv_continuous``: NaN for degrees of freedom <= 0 (or NaN) and for probabilities
outside [0, 1]; at or beyond an end of the support ``cdf``/``sf`` are 0 or 1; ``ppf(0)``/``ppf(1)`` (and
``isf(1)``/``isf(0)``) are the ends of the support. Scalars in give NumPy scalars out, arrays give arrays.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import special

_INF = float("inf")


def _args_ok(dfs: tuple[Any, ...]) -> Any:
    ok: Any = True
    for d in dfs:
        ok = ok & (np.asarray(d, dtype=float) > 0)
    return ok


def _out(x: Any) -> Any:
    return x[()] if isinstance(x, np.ndarray) and x.ndim == 0 else x


class _Dist:
    """One continuous distribution: its support and the special functions scipy.stats calls (``dfs`` first)."""

    def __init__(self, lower: float, cdf: Callable[..., Any], sf: Callable[..., Any], ppf: Callable[..., Any],
                 isf: Callable[..., Any]) -> None:
        self.lower = lower
        self._cdf, self._sf, self._ppf, self._isf = cdf, sf, ppf, isf

    def _tail(self, fn: Callable[..., Any], x: Any, dfs: tuple[Any, ...], below: float) -> Any:
        xa = np.asarray(x, dtype=float)
        ok = _args_ok(dfs)
        inside = (xa > self.lower) & (xa < _INF)
        with np.errstate(all="ignore"):
            val = np.asarray(fn(*dfs, xa), dtype=float)
        out = np.where(inside, val, np.where(xa <= self.lower, below, 1.0 - below))
        out = np.where(ok & ~np.isnan(xa), out, np.nan)
        return _out(np.asarray(out, dtype=float))

    def _quantile(self, fn: Callable[..., Any], q: Any, dfs: tuple[Any, ...], at0: float, at1: float) -> Any:
        qa = np.asarray(q, dtype=float)
        ok = _args_ok(dfs)
        with np.errstate(all="ignore"):
            val = np.asarray(fn(*dfs, qa), dtype=float)
        out = np.where((qa > 0) & (qa < 1), val, np.where(qa == 0, at0, np.where(qa == 1, at1, np.nan)))
        out = np.where(ok, out, np.nan)
        return _out(np.asarray(out, dtype=float))

    def cdf(self, x: Any, *dfs: Any) -> Any:
        return self._tail(self._cdf, x, dfs, below=0.0)

    def sf(self, x: Any, *dfs: Any) -> Any:
        return self._tail(self._sf, x, dfs, below=1.0)

    def ppf(self, q: Any, *dfs: Any) -> Any:
        return self._quantile(self._ppf, q, dfs, self.lower, _INF)

    def isf(self, q: Any, *dfs: Any) -> Any:
        return self._quantile(self._isf, q, dfs, _INF, self.lower)


def _fdtr_isf(dfn: Any, dfd: Any, q: Any) -> Any:
    return special.fdtri(dfn, dfd, 1.0 - q)


norm = _Dist(-_INF, lambda x: special.ndtr(x), lambda x: special.ndtr(-x), lambda q: special.ndtri(q),
             lambda q: -special.ndtri(q))
t = _Dist(-_INF, special.stdtr, lambda df, x: special.stdtr(df, -x), special.stdtrit,
          lambda df, q: -special.stdtrit(df, q))
chi2 = _Dist(0.0, special.chdtr, special.chdtrc, lambda df, q: 2 * special.gammaincinv(df / 2, q), special.chdtri)
f = _Dist(0.0, special.fdtr, special.fdtrc, special.fdtri, _fdtr_isf)

__all__ = ["chi2", "f", "norm", "t"]

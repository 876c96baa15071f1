"""Random-effects terms of a multilevel/multivariate model, written as metafor's ``rma.mv(random = ...)`` formulas.

- ``~ 1 | a`` adds a random intercept per level of ``a`` (variance ``sigma2``); ``~ 1 | a/b`` adds one for ``a``
  and one for ``b`` within ``a``; several such formulas give crossed effects (``~ 1 | lab`` and ``~ 1 | strain``).
- ``~ inner | outer`` adds correlated random effects for the levels of ``inner`` within each level of ``outer``
  with a structure from :mod:`painregen.meta.mv_struct` (``tau2``/``rho``; a second such term: ``gamma2``/``phi``).
  Under ``struct="GEN"`` ``inner`` lists numeric variables (``~ x | study``: random intercept and slope; ``~ x - 1 |
  study`` or ``~ 0 + x | study``: slope only).

Levels follow R's ``factor()`` (:mod:`painregen.meta.collate`). :func:`contain_dfs` gives metafor's
``dfs = "contain"`` degrees of freedom (rma.mv documentation): for coefficient ``j`` the grouping variables of
the random terms (``a``, ``a/b``; for ``~ inner | outer`` the ``outer`` and the ``inner x outer`` combinations)
within whose levels column ``x_j`` of ``X`` is constant; with ``l`` the fewest levels among them, ``df_j = l - p``,
else ``k - p``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from painregen.meta.collate import factor_levels, r_label
from painregen.meta.mv_struct import Structure, make_structure

FloatArray = np.ndarray
_FORMULA = re.compile(r"^\s*~\s*(?P<lhs>.+?)\s*\|\s*(?P<rhs>.+?)\s*$")


@dataclass(frozen=True, eq=False)
class InterceptTerm:
    """``~ 1 | label``: rows with the same code share one random effect (variance ``sigma2``)."""

    label: str
    codes: np.ndarray  # (k,) int codes of the (nested) level
    n_levels: int


@dataclass(frozen=True, eq=False)
class StructTerm:
    """``~ inner | outer`` with a variance structure."""

    formula: str
    inner: str
    outer: str
    structure: Structure
    outer_codes: np.ndarray  # (k,) int
    Z: FloatArray  # (k, q): one-hot inner level, or the GEN design (intercept and variables)
    inner_levels: tuple[str, ...]
    combo_codes: np.ndarray  # (k,) int codes of inner x outer
    n_outer: int


@dataclass(frozen=True, eq=False)
class RandomSpec:
    """Parsed ``random`` formulas: a formula that is not ``~ 1 | ...`` names its variables in ``needs``."""

    formulas: tuple[str, ...]
    needs: tuple[str, ...]


def _is_missing(x: Any) -> bool:
    return x is None or (isinstance(x, float | np.floating) and np.isnan(x)) or (isinstance(x, str) and x == "")


def _codes(values: Sequence[Any]) -> tuple[np.ndarray, int]:
    lab = np.array([str(v) for v in values], dtype=object)
    _, inv = np.unique(lab.astype(str), return_inverse=True)
    inv = inv.ravel().astype(np.int64)
    return inv, int(inv.max()) + 1 if inv.size else 0


def _split(formula: str) -> tuple[str, str]:
    m = _FORMULA.match(formula)
    if m is None:
        raise ValueError(f"random term {formula!r} is not of the form '~ 1 | group', '~ 1 | outer/inner' or "
                         "'~ inner | outer'")
    return m.group("lhs"), m.group("rhs")


def variables(formulas: Sequence[str]) -> list[str]:
    """The data columns the formulas name (in order of first mention)."""
    out: list[str] = []
    for f in formulas:
        lhs, rhs = _split(f)
        names = [s.strip() for s in rhs.split("/")]
        if lhs.strip() != "1":
            names += [t for t in _gen_vars(lhs)[0]]
        for n in names:
            if n not in out:
                out.append(n)
    return out


def _gen_vars(lhs: str) -> tuple[list[str], bool]:
    """Variables and intercept flag of a GEN left-hand side (``x``, ``x + z``, ``x - 1``, ``0 + x``)."""
    text = lhs.replace(" ", "")
    intercept = True
    if text.endswith("-1"):
        text, intercept = text[:-2], False
    if text.startswith("0+"):
        text, intercept = text[2:], False
    if text.startswith("1+"):
        text = text[2:]
    names = [t for t in text.split("+") if t]
    return names, intercept


def build_terms(formulas: Sequence[str], data: Mapping[str, Sequence[Any]], structs: Sequence[str],
                keep: np.ndarray) -> tuple[list[InterceptTerm], list[StructTerm]]:
    """Terms for the rows ``keep`` (a boolean mask) of ``data``; ``structs`` gives the structure of each
    ``~ inner | outer`` formula in order (metafor's ``struct``, one value recycled)."""
    intercepts: list[InterceptTerm] = []
    structured: list[StructTerm] = []
    n_struct = 0
    for f in formulas:
        lhs, rhs = _split(f)
        col = {name: [data[name][int(i)] for i in np.flatnonzero(keep)] for name in variables([f])}
        if lhs.strip() == "1":
            parts = [s.strip() for s in rhs.split("/")]
            key = [""] * int(keep.sum())
            for depth, name in enumerate(parts):
                key = [f"{a}\x1f{r_label(b)}" for a, b in zip(key, col[name], strict=True)]
                codes, n = _codes(key)
                intercepts.append(InterceptTerm(label="/".join(parts[: depth + 1]), codes=codes, n_levels=n))
            continue
        if "/" in rhs:
            raise ValueError(f"random term {f!r}: the outer grouping of '~ inner | outer' must be one variable")
        if n_struct >= 2:
            raise ValueError("at most two '~ inner | outer' terms (metafor's tau2/rho and gamma2/phi)")
        struct = structs[min(n_struct, len(structs) - 1)].upper()
        n_struct += 1
        outer = rhs.strip()
        outer_codes, n_outer = _codes([r_label(v) for v in col[outer]])
        if struct == "GEN":
            names, icpt = _gen_vars(lhs)
            cols = [np.asarray(col[n], dtype=float) for n in names]
            Z = np.column_stack(([np.ones(outer_codes.size)] if icpt else []) + cols)
            inner_levels = tuple((["intrcpt"] if icpt else []) + names)
            combo_key = [r_label(o) + "\x1f" + "\x1f".join(r_label(c[i]) for c in cols)
                         for i, o in enumerate(outer_codes)]
            inner = lhs.strip()
        else:
            inner = lhs.strip()
            if inner not in col:
                raise ValueError(f"random term {f!r}: '{inner}' must be one variable (the inner factor)")
            levels = factor_levels(col[inner])
            labels = [r_label(v) for v in col[inner]]
            pos = {lev: j for j, lev in enumerate(levels)}
            Z = np.zeros((len(labels), len(levels)))
            Z[np.arange(len(labels)), [pos[lab] for lab in labels]] = 1.0
            inner_levels = tuple(levels)
            combo_key = [f"{o}\x1f{lab}" for o, lab in zip(outer_codes, labels, strict=True)]
        combo, _ = _codes(combo_key)
        structured.append(StructTerm(formula=f, inner=inner, outer=outer, structure=make_structure(struct, Z.shape[1]),
                                     outer_codes=outer_codes, Z=Z, inner_levels=inner_levels, combo_codes=combo,
                                     n_outer=n_outer))
    return intercepts, structured


def missing_mask(formulas: Sequence[str], data: Mapping[str, Sequence[Any]], k: int) -> np.ndarray:
    """Rows with a missing value in a variable of the random terms (ValueError for unknown variables)."""
    bad = np.zeros(k, dtype=bool)
    for name in variables(formulas):
        if name not in data:
            raise ValueError(f"random term variable {name!r} is not a column of data "
                             f"({', '.join(map(str, data.keys()))})")
        vals = list(data[name])
        if len(vals) != k:
            raise ValueError(f"random term variable {name!r} has {len(vals)} values for {k} effects")
        bad |= np.array([_is_missing(v) for v in vals])
    return bad


def contain_dfs(X: FloatArray, intercepts: Sequence[InterceptTerm], structured: Sequence[StructTerm]) -> list[int]:
    """metafor's ``dfs = "contain"`` (module docstring)."""
    k, p = X.shape
    groupings = [(t.codes, t.n_levels) for t in intercepts]
    for s in structured:
        groupings += [(s.outer_codes, s.n_outer), (s.combo_codes, int(s.combo_codes.max()) + 1)]
    out = []
    for j in range(p):
        x = X[:, j]
        best: int | None = None
        for codes, n in groupings:
            lo = np.full(n, np.inf)
            hi = np.full(n, -np.inf)
            np.minimum.at(lo, codes, x)
            np.maximum.at(hi, codes, x)
            if np.all(hi - lo <= 1e-12 * max(1.0, float(np.max(np.abs(x))))) and (best is None or n < best):
                best = n
        out.append((best if best is not None else k) - p)
    return out

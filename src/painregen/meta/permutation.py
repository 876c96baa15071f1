"""Permutation tests for (mixed-effects) meta-regression (metafor ``permutest.rma.uni``).

Follows Higgins & Thompson (2004), Stat Med 23:1663-1682 and Viechtbauer et al. (2015), Psychol
Methods 20:360-374. With moderators the rows of the model matrix are permuted against (y, v); in an
intercept-only model the signs of y are flipped. Every permuted data set is refitted (tau2
re-estimated with the same method) and the p-value of a statistic is the share of permutations,
the observed one included, whose statistic is at least as extreme (two-sided for coefficients).
The test is exact (all distinct permutations enumerated) when there are no more of them than
``iterations``; otherwise ``iterations`` random permutations (``seed``) are drawn, the first one
being the observed data. All refits run vectorised in batches.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from painregen.meta.batch import fit_batch
from painregen.meta.render import html_table, num
from painregen.meta.results import RmaResult, clean_json

#: permutations refitted together
BATCH = 256
#: tolerance when comparing permuted with observed statistics (ties count as extreme)
TOL = 1e-8


@dataclass(frozen=True, eq=False)
class PermutestResult:
    """Permutation p-values for each coefficient and for the omnibus test."""

    res: RmaResult
    pval: np.ndarray
    QM_p: float
    iterations: int
    exact: bool
    stat_perm: np.ndarray  # (iterations, p)
    QM_perm: np.ndarray  # (iterations,)

    def summary(self) -> pd.DataFrame:
        frame = self.res.summary().copy()
        frame["pval"] = self.pval
        return frame

    def to_dict(self) -> dict[str, Any]:
        return clean_json(
            {"iterations": self.iterations, "exact": self.exact, "QM": self.res.QM, "QM_p": self.QM_p,
             "coefficients": [{"term": t, "stat": float(s), "p": float(p)}
                              for t, s, p in zip(self.res.terms, self.res.stat, self.pval, strict=True)]}
        )

    def __repr__(self) -> str:
        kind = "exact" if self.exact else "random"
        return (f"PermutestResult(k={self.res.k}, method={self.res.method}, {kind}, iterations={self.iterations}, "
                f"QM p = {num(self.QM_p)})\n{self.summary().to_string(float_format=num)}")

    def _repr_html_(self) -> str:
        return html_table(self.summary(), f"Permutation test ({self.iterations} iterations)")


def n_distinct_permutations(X: np.ndarray) -> int:
    """Number of distinct orderings of the rows of X: k! / prod(m_j!) over groups of equal rows."""
    _, counts = np.unique(X, axis=0, return_counts=True)
    total = math.factorial(X.shape[0])
    for c in counts:
        total //= math.factorial(int(c))
    return total


def multiset_permutations(codes: np.ndarray) -> Iterator[np.ndarray]:
    """All distinct permutations of an integer array in lexicographic order (Knuth's Algorithm L)."""
    a = np.sort(codes).tolist()
    n = len(a)
    while True:
        yield np.array(a)
        j = n - 2
        while j >= 0 and a[j] >= a[j + 1]:
            j -= 1
        if j < 0:
            return
        m = n - 1
        while a[m] <= a[j]:
            m -= 1
        a[j], a[m] = a[m], a[j]
        a[j + 1:] = a[j + 1:][::-1]


def _row_orders(X: np.ndarray, exact: bool, iterations: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Yield batches of row-index arrays (B, k): which X row each study gets."""
    k = X.shape[0]
    if exact:
        uniq, codes = np.unique(X, axis=0, return_inverse=True)
        codes = codes.ravel()
        # representative row index for each code
        rep = np.array([int(np.flatnonzero(codes == c)[0]) for c in range(uniq.shape[0])])
        batch: list[np.ndarray] = []
        for perm in multiset_permutations(codes):
            batch.append(rep[perm])
            if len(batch) == BATCH:
                yield np.array(batch)
                batch = []
        if batch:
            yield np.array(batch)
        return
    done = 0
    first = True
    while done < iterations:
        size = min(BATCH, iterations - done)
        rows = np.array([rng.permutation(k) for _ in range(size)])
        if first:
            rows[0] = np.arange(k)
            first = False
        done += size
        yield rows


def _sign_flips(k: int, exact: bool, iterations: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Yield batches of sign vectors (B, k)."""
    if exact:
        total = 2**k
        for start in range(0, total, BATCH):
            idx = np.arange(start, min(total, start + BATCH))
            bits = (idx[:, None] >> np.arange(k)[None, :]) & 1
            yield np.where(bits == 1, -1.0, 1.0)
        return
    done = 0
    first = True
    while done < iterations:
        size = min(BATCH, iterations - done)
        signs = rng.choice(np.array([-1.0, 1.0]), size=(size, k))
        if first:
            signs[0] = 1.0
            first = False
        done += size
        yield signs


def _stats(res: RmaResult, y: np.ndarray, v: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    fit = fit_batch(y, v, X, method=res.method, test=res.test, control=res.control, heterogeneity=False)
    se = np.sqrt(np.diagonal(fit.vb, axis1=-2, axis2=-1))
    z = fit.b / se
    btt = list(res.btt)
    bb = fit.b[:, btt]
    vbb = fit.vb[:, btt][:, :, btt]
    qm = np.einsum("bi,bi->b", bb, np.linalg.solve(vbb, bb[..., None])[..., 0])
    if res.test == "knha":
        qm = qm / len(btt)
    return z, qm


def permutest(
    res: RmaResult, iterations: int = 1000, seed: int | None = None, exact: bool | None = None
) -> PermutestResult:
    """Permutation test of the coefficients and the omnibus QM of a fitted :class:`RmaResult`.

    ``exact=None`` chooses exact enumeration when the number of distinct permutations (sign flips
    for an intercept-only model) does not exceed ``iterations``.
    """
    rng = np.random.default_rng(seed)
    k = res.k
    n_perm = (2**k if k < 63 else None) if res.int_only else n_distinct_permutations(res.X)
    use_exact = (n_perm is not None and n_perm <= iterations) if exact is None else bool(exact)
    if use_exact and n_perm is not None and n_perm > 5_000_000:
        raise ValueError(f"exact permutation test would need {n_perm} refits; use exact=False")
    zs: list[np.ndarray] = []
    qms: list[np.ndarray] = []
    if res.int_only:
        for signs in _sign_flips(k, use_exact, iterations, rng):
            y = signs * res.yi[None, :]
            v = np.broadcast_to(res.vi, y.shape)
            z, qm = _stats(res, y, v, res.X)
            zs.append(z)
            qms.append(qm)
    else:
        for rows in _row_orders(res.X, use_exact, iterations, rng):
            Xb = res.X[rows]
            y = np.broadcast_to(res.yi, rows.shape)
            v = np.broadcast_to(res.vi, rows.shape)
            z, qm = _stats(res, y, v, Xb)
            zs.append(z)
            qms.append(qm)
    z_perm = np.concatenate(zs)
    qm_perm = np.concatenate(qms)
    tol = TOL * np.maximum(1.0, np.abs(res.stat))
    pval = np.mean(np.abs(z_perm) >= np.abs(res.stat)[None, :] - tol[None, :], axis=0)
    qm_p = float(np.mean(qm_perm >= res.QM - TOL * max(1.0, abs(res.QM))))
    return PermutestResult(
        res=res, pval=pval, QM_p=qm_p, iterations=int(z_perm.shape[0]), exact=use_exact,
        stat_perm=z_perm, QM_perm=qm_perm,
    )

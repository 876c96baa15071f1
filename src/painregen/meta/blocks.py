"""Block-diagonal marginal covariance of nested random intercepts, without any k x k matrix.

For nested clusters (outer -> inner) the marginal covariance of y is
M = V + sum_j sigma2_j Z_j Z_j', block-diagonal over the outermost cluster, where V is the known sampling
covariance: diag(v), plus known covariances between effects of the same outer cluster (e.g. effects sharing a
control group) when given. The blocks are grouped by size so that each group is handled by batched
(vectorised) linear algebra: memory O(sum_i n_i^2), time O(sum_i n_i^3) per evaluation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

FloatArray = np.ndarray


@dataclass(frozen=True, eq=False)
class BlockGroup:
    """All outer clusters with the same number n of rows."""

    rows: np.ndarray  # (nb, n) row indices
    G: tuple[np.ndarray, ...]  # per level: (nb, n, n) 0/1 "same cluster at this level"
    C: np.ndarray | None = None  # (nb, n, n) known sampling covariances off the diagonal (None: all zero)


def level_codes(clusters: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Integer codes of the nested levels: level j groups rows equal on clusters[0..j]."""
    codes: list[np.ndarray] = []
    k = len(clusters[0])
    prefix = np.zeros(k, dtype=np.int64)
    for labels in clusters:
        lab = np.asarray(labels).astype(str)
        if lab.shape != (k,):
            raise ValueError("all cluster label arrays must have the same length as yi")
        keys = np.char.add(np.char.add(prefix.astype(str), "\x1f"), lab)
        _, prefix = np.unique(keys, return_inverse=True)
        prefix = prefix.ravel().astype(np.int64)
        codes.append(prefix)
    return codes


def make_blocks(codes: list[np.ndarray],
                vcov: Sequence[tuple[np.ndarray, np.ndarray]] | None = None) -> list[BlockGroup]:
    """Group the rows by outermost cluster and the clusters by size; ``G_j`` is "same cluster at level j".

    ``vcov``: known sampling covariance blocks ``(rows, matrix)`` (checked by the caller: disjoint rows, each
    block inside one outer cluster); their off-diagonal entries are placed in the groups' ``C``.
    """
    return blocks_from(codes[0], [same_level(c) for c in codes], vcov)


def same_level(codes: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """Builder of the 0/1 matrices "same code" for batches of rows ``(nb, n)``."""

    def build(rows: np.ndarray) -> np.ndarray:
        c = codes[rows]
        return (c[:, :, None] == c[:, None, :]).astype(float)

    return build


def blocks_from(block: np.ndarray, builders: Sequence[Callable[[np.ndarray], np.ndarray]],
                vcov: Sequence[tuple[np.ndarray, np.ndarray]] | None = None) -> list[BlockGroup]:
    """Blocks of rows with equal ``block`` code (rows of different blocks must be independent), grouped by size;
    ``builders[m](rows)`` gives the ``(nb, n, n)`` matrices ``G_m`` of each batch of blocks."""
    order = np.argsort(block, kind="stable")
    sorted_block = block[order]
    starts = np.flatnonzero(np.r_[True, sorted_block[1:] != sorted_block[:-1]])
    ends = np.r_[starts[1:], sorted_block.size]
    sizes = ends - starts
    groups: list[BlockGroup] = []
    for n in np.unique(sizes):
        sel = np.flatnonzero(sizes == n)
        rows = np.stack([order[starts[i]:ends[i]] for i in sel])
        groups.append(BlockGroup(rows=rows, G=tuple(b(rows) for b in builders)))
    if vcov:
        groups = _with_covariances(groups, vcov, block.size)
    return groups


def _with_covariances(groups: list[BlockGroup], vcov: Sequence[tuple[np.ndarray, np.ndarray]],
                      k: int) -> list[BlockGroup]:
    where = np.full((k, 3), -1, dtype=np.int64)  # row -> (group, batch index, position)
    for g, grp in enumerate(groups):
        nb, n = grp.rows.shape
        where[grp.rows.ravel()] = np.column_stack([np.full(nb * n, g), np.repeat(np.arange(nb), n),
                                                   np.tile(np.arange(n), nb)])
    cs: list[np.ndarray | None] = [None] * len(groups)
    for rows, mat in vcov:
        if len(rows) < 2:
            continue
        g, b = (int(x) for x in where[rows[0], :2])
        pos = where[rows, 2]
        off = np.array(mat, dtype=float)
        np.fill_diagonal(off, 0.0)
        c = cs[g]
        if c is None:
            nb, n = groups[g].rows.shape
            c = cs[g] = np.zeros((nb, n, n))
        c[b][np.ix_(pos, pos)] += off
    return [grp if c is None else BlockGroup(rows=grp.rows, G=grp.G, C=c) for grp, c in zip(groups, cs, strict=True)]


@dataclass(frozen=True, eq=False)
class BlockEval:
    """Per group: M^-1 blocks (nb, n, n); total log|M|."""

    minv: list[np.ndarray]
    logdet: float


def evaluate(groups: list[BlockGroup], v: FloatArray, sigma2: FloatArray) -> BlockEval:
    """Invert the blocks of M for the given variance components (batched; the Cholesky factor gives log|M| and
    the check that M is positive definite, ``numpy.linalg.LinAlgError`` otherwise)."""
    minv: list[np.ndarray] = []
    logdet = 0.0
    for grp in groups:
        n = grp.rows.shape[1]
        M = np.zeros((grp.rows.shape[0], n, n))
        idx = np.arange(n)
        M[:, idx, idx] = v[grp.rows]
        if grp.C is not None:
            M += grp.C
        for s, G in zip(sigma2, grp.G, strict=True):
            M += s * G
        if n == 1:  # singletons: scalars
            if np.any(M <= 0):
                raise np.linalg.LinAlgError("marginal covariance not positive definite")
            logdet += float(np.sum(np.log(M)))
            minv.append(1.0 / M)
            continue
        L = np.linalg.cholesky(M)  # also the check that M is positive definite
        logdet += 2.0 * float(np.sum(np.log(np.diagonal(L, axis1=1, axis2=2))))
        mi = np.linalg.inv(M)
        minv.append((mi + np.swapaxes(mi, 1, 2)) / 2)
    return BlockEval(minv=minv, logdet=logdet)


def apply_minv(groups: list[BlockGroup], ev: BlockEval, a: FloatArray) -> FloatArray:
    """M^-1 a for a (k,) or (k, p)."""
    out = np.zeros_like(a, dtype=float)
    for grp, mi in zip(groups, ev.minv, strict=True):
        block = a[grp.rows]  # (nb, n) or (nb, n, p)
        if block.ndim == 2:
            out[grp.rows] = (mi @ block[..., None])[..., 0]
        else:
            out[grp.rows] = mi @ block
    return out


def check_vcov(V: Sequence[tuple[Any, Any]] | None, vi: FloatArray,
                outer: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Validate the V blocks against all input rows; ValueError naming the block at fault."""
    if not V:
        return []
    k = vi.size
    labels = outer.astype(str)
    seen = np.zeros(k, dtype=bool)
    out: list[tuple[np.ndarray, np.ndarray]] = []
    for b, item in enumerate(V):
        rows_in, mat_in = item
        rows = np.asarray(rows_in)
        mat = np.asarray(mat_in, dtype=float)
        if rows.ndim != 1 or rows.size == 0 or not np.issubdtype(rows.dtype, np.integer):
            raise ValueError(f"V block {b}: rows must be a non-empty 1-D array of integer row indices")
        rows = rows.astype(np.int64)
        n = rows.size
        if np.any(rows < 0) or np.any(rows >= k) or np.unique(rows).size != n:
            raise ValueError(f"V block {b}: row indices must be distinct and in 0..{k - 1}")
        if mat.shape != (n, n) or not np.all(np.isfinite(mat)):
            raise ValueError(f"V block {b}: matrix must be finite with shape ({n}, {n}), got {mat.shape}")
        if not np.allclose(mat, mat.T, rtol=1e-10, atol=1e-14):
            raise ValueError(f"V block {b}: matrix is not symmetric")
        if seen[rows].any():
            raise ValueError(f"V block {b}: rows {sorted(int(r) for r in rows[seen[rows]])} are in another block")
        seen[rows] = True
        if np.unique(labels[rows]).size != 1:
            raise ValueError(f"V block {b}: rows lie in several outermost clusters "
                             f"({', '.join(sorted(set(labels[rows])))}); a block must lie inside one")
        d, vr = np.diag(mat), vi[rows]
        ok = np.isfinite(vr)
        if not np.allclose(d[ok], vr[ok], rtol=1e-8, atol=0.0):
            raise ValueError(f"V block {b}: its diagonal differs from vi at rows {rows[ok].tolist()} "
                             "(compute vi and V with the same n)")
        try:
            np.linalg.cholesky(mat)
        except np.linalg.LinAlgError:
            raise ValueError(f"V block {b}: matrix is not positive definite") from None
        out.append((rows, mat))
    return out


def kept_vcov(blocks: list[tuple[np.ndarray, np.ndarray]],
                 keep: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """The blocks restricted to the rows kept for fitting, re-indexed; blocks left with one row are dropped."""
    new_index = np.cumsum(keep) - 1
    out = []
    for rows, mat in blocks:
        sel = keep[rows]
        if sel.sum() >= 2:
            out.append((new_index[rows[sel]], mat[np.ix_(sel, sel)]))
    return out

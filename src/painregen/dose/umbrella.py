"""Mack-Wolfe umbrella test with the peak estimated from the data, permutation p-value.

For groups 1..k ordered by dose, ``U_ij`` counts pairs (x from group i, y from group j) with x < y
(ties 1/2).  For peak p, Mack & Wolfe (1981, JASA 76:175) define ``A_p = sum_{i<j<=p} U_ij +
sum_{p<=i<j} U_ji`` with null mean ``(N1^2 + N2^2 - sum n_i^2 - n_p^2)/4`` and variance
``[2(N1^3 + N2^3) + 3(N1^2 + N2^2) - sum n_i^2 (2 n_i + 3) - n_p^2 (2 n_p + 3) + 12 n_p N1 N2
- 12 n_p^2 N] / 72`` (``N1 = n_1 + ... + n_p``, ``N2 = n_p + ... + n_k``).  With the peak unknown it is
estimated as the group whose standardised ``U_q = sum_{i != q} U_iq`` is largest (mean
``n_q (N - n_q) / 2``, variance ``n_q (N - n_q)(N + 1) / 12``), and the standardised ``A_{p_hat}`` is
the statistic.  Because the peak is estimated, the null distribution is obtained by permuting the
responses across groups (re-estimating the peak each time); the p-value is ``(1 + #{A* >= a}) /
(1 + B)``.  Larger responses are taken as better; pass ``-y`` otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .errors import DoseInputError
from .models import Array
from .results import num

IntArray = NDArray[np.intp]


@dataclass(frozen=True)
class UmbrellaResult:
    """Standardised Mack-Wolfe statistic at the estimated peak, that peak, and the permutation p-value."""

    statistic: float
    peak_dose: float
    p_value: float
    n_perm: int

    def to_dict(self) -> dict[str, Any]:
        return {"statistic": num(self.statistic), "peak_dose": num(self.peak_dose),
                "p_value": num(self.p_value), "n_perm": self.n_perm}


def _u_matrices(labels: IntArray, start: IntArray, end: IntArray, k: int) -> Array:
    """``U[b, i, j]`` from group labels of the sorted responses (B, N).

    ``start``/``end`` give, for each sorted position, the first and last position of its tie block.
    The number of group-i values below position c, plus half those tied with it, is read from
    cumulative label counts, so no N x N comparison is needed.
    """
    onehot = np.eye(k)[labels]  # (B, N, k)
    cum = np.concatenate([np.zeros((*onehot.shape[:1], 1, k)), np.cumsum(onehot, axis=1)], axis=1)
    below = cum[:, start, :]
    mid = below + 0.5 * (cum[:, end + 1, :] - below)
    return np.asarray(np.swapaxes(mid, 1, 2) @ onehot)


def _statistics(u: Array, n: Array) -> tuple[Array, Array]:
    """Standardised A at the estimated peak, and the peak index, for each U matrix (B, k, k)."""
    k = n.size
    big_n = n.sum()
    uq = u.sum(axis=1) - np.diagonal(u, axis1=1, axis2=2)
    zq = (uq - n * (big_n - n) / 2) / np.sqrt(n * (big_n - n) * (big_n + 1) / 12)
    peak = np.argmax(zq, axis=1)
    upper = np.triu(np.ones((k, k)), 1)
    a = np.empty((u.shape[0], k))
    for p in range(k):
        rising = np.zeros((k, k))
        rising[: p + 1, : p + 1] = upper[: p + 1, : p + 1]
        falling = np.zeros((k, k))
        falling[p:, p:] = upper[p:, p:]
        a[:, p] = np.einsum("bij,ij->b", u, rising) + np.einsum("bji,ij->b", u, falling)
    n1 = np.cumsum(n)
    n2 = np.cumsum(n[::-1])[::-1]
    mean = (n1**2 + n2**2 - np.sum(n**2) - n**2) / 4
    var = (2 * (n1**3 + n2**3) + 3 * (n1**2 + n2**2) - np.sum(n**2 * (2 * n + 3)) - n**2 * (2 * n + 3)
           + 12 * n * n1 * n2 - 12 * n**2 * big_n) / 72
    z = (a - mean) / np.sqrt(var)
    return z[np.arange(u.shape[0]), peak], peak


def umbrella_test(dose: ArrayLike, resp: ArrayLike, *, n_perm: int = 2000, seed: int = 1981,
                  chunk: int = 200) -> UmbrellaResult:
    """Mack-Wolfe umbrella test (peak unknown) on raw per-animal data."""
    d = np.asarray(dose, dtype=float)
    y = np.asarray(resp, dtype=float)
    levels, groups = np.unique(d, return_inverse=True)
    k = levels.size
    if k < 3:
        raise DoseInputError("the umbrella test needs at least 3 dose groups")
    n = np.bincount(groups).astype(float)
    order = np.argsort(y, kind="stable")
    ys = y[order]
    first = np.searchsorted(ys, ys, side="left")
    last = np.searchsorted(ys, ys, side="right") - 1
    z_obs, peak = _statistics(_u_matrices(groups[order][None], first, last, k), n)
    rng = np.random.default_rng(seed)
    exceed = 0
    done = 0
    while done < n_perm:
        b = min(chunk, n_perm - done)
        perms = np.argsort(rng.random((b, y.size)), axis=1)
        z, _ = _statistics(_u_matrices(groups[perms], first, last, k), n)
        exceed += int(np.sum(z >= z_obs[0] - 1e-12))
        done += b
    return UmbrellaResult(float(z_obs[0]), float(levels[peak[0]]), (1 + exceed) / (1 + n_perm), n_perm)

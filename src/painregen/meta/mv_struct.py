"""Variance structures of an ``~ inner | outer`` random term (metafor ``rma.mv``'s ``struct``).

Rows that share the ``outer`` level have covariance ``z_i' Sigma z_j``: ``z_i`` the one-hot code of the row's
``inner`` level (or, for ``GEN``, the row's values of the inner variables with an intercept), ``Sigma`` a ``q x q``
matrix of the structure (definitions as in metafor's documentation; Berkey et al. 1998, *Stat Med* 17:2537 for
``UN``; Ishak et al. 2007, *Clin Trials* 4:238 and Trikalinos & Olkin 2012, *Stat Med* 31:3150 for AR)::

    ID:   Sigma = tau2 I
    DIAG: Sigma = diag(tau2_1..tau2_q)
    CS:   Sigma_jj = tau2,   Sigma_jl = rho tau2
    HCS:  Sigma_jj = tau2_j, Sigma_jl = rho tau_j tau_l
    AR:   Sigma_jl = tau2 rho^|j - l|            (j, l the ranks of the inner levels; equally spaced times)
    HAR:  Sigma_jl = tau_j tau_l rho^|j - l|
    UN, GEN: Sigma unstructured positive semi-definite (tau2_j = Sigma_jj, rho_jl = Sigma_jl / (tau_j tau_l))

``Sigma`` is linear in a vector of *elements* ``e`` (``Sigma = sum_m e_m B_m`` with fixed ``B_m``), and the
elements are polynomial functions of the parameters the optimiser sees, chosen so that every constraint is a box
that keeps ``Sigma`` positive semi-definite: variances ``tau2 >= 0`` (ID, DIAG, CS, AR), standard deviations
``tau_j >= 0`` (HCS, HAR), correlations ``-1 <= rho <= 1`` (CS and HCS with ``q > 2`` levels: ``rho >= -1/(q - 1)``,
the smallest common correlation of a positive semi-definite matrix), and for UN/GEN the lower-triangular Cholesky
factor ``L`` (``Sigma = L L'``, diagonal ``>= 0``), which reaches the boundary of the cone exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

FloatArray = np.ndarray
STRUCTS = ("CS", "HCS", "UN", "GEN", "ID", "DIAG", "AR", "HAR")


@dataclass(frozen=True, eq=False)
class Structure:
    """One ``~ inner | outer`` term's structure: ``q`` inner levels (or GEN columns), the basis ``B`` (``(m, q, q)``)
    of its elements, and the map from parameters to elements."""

    struct: str
    q: int
    basis: FloatArray
    lower: FloatArray
    upper: FloatArray
    kinds: tuple[str, ...]  # per parameter: "var" (a variance), "sd", "cor", "chol_diag", "chol_off"
    to_elements: Callable[[FloatArray], FloatArray]

    @property
    def n_params(self) -> int:
        return len(self.kinds)

    def sigma(self, theta: FloatArray) -> FloatArray:
        """``Sigma`` at the parameters ``theta``."""
        return np.asarray(np.einsum("m,mab->ab", self.to_elements(theta), self.basis))

    def jacobian(self, theta: FloatArray, h: float = 1e-6) -> FloatArray:
        """``d e / d theta`` (``m x n``) by central differences (the maps are polynomials: the error is of order
        ``h^2`` times the third derivative, zero for all but AR/HAR with four or more levels)."""
        cols = []
        for i in range(theta.size):
            step = h * max(1.0, abs(float(theta[i])))
            up, dn = theta.copy(), theta.copy()
            up[i] += step
            dn[i] -= step
            cols.append((self.to_elements(up) - self.to_elements(dn)) / (2 * step))
        return np.column_stack(cols) if cols else np.zeros((self.basis.shape[0], 0))

    def start(self, tau2: float, rho: float) -> FloatArray:
        """Parameters of ``Sigma`` with every variance ``tau2`` and every correlation ``rho``."""
        sd = np.sqrt(max(tau2, 0.0))
        if self.struct in ("UN", "GEN"):
            S = tau2 * ((1 - rho) * np.eye(self.q) + rho * np.ones((self.q, self.q)))
            L = np.linalg.cholesky(S + 1e-12 * np.eye(self.q))
            return np.asarray(L[np.tril_indices(self.q)])
        return np.array([{"var": tau2, "sd": sd, "cor": rho}[k] for k in self.kinds])

    def report(self, theta: FloatArray) -> tuple[FloatArray, FloatArray]:
        """metafor's ``tau2`` (one or q values) and ``rho`` (one, or q(q-1)/2 column-wise for UN/GEN)."""
        S = self.sigma(theta)
        d = np.diag(S).copy()
        tau2 = d[:1] if self.struct in ("ID", "CS", "AR") else d
        if self.struct in ("ID", "DIAG"):
            rho = np.zeros(0)
        elif self.struct in ("UN", "GEN"):
            sd = np.sqrt(np.maximum(d, 0.0))
            rows, cols = np.triu_indices(self.q, 1)
            order = np.lexsort((cols, rows))  # column-wise: rho_21, rho_31, ..., rho_32, ...
            with np.errstate(divide="ignore", invalid="ignore"):
                rho = np.array([S[c, r] / (sd[c] * sd[r]) if sd[c] * sd[r] > 0 else 0.0
                                for r, c in zip(rows[order], cols[order], strict=True)])
        else:
            rho = np.asarray(theta[-1:], dtype=float)
        return np.asarray(tau2), np.asarray(rho)


def _sym(q: int, a: int, c: int) -> FloatArray:
    """The basis matrix of element ``Sigma_ac`` (= ``Sigma_ca``)."""
    B = np.zeros((q, q))
    B[a, c] = B[c, a] = 1.0
    return B


def make_structure(struct: str, q: int) -> Structure:
    """The :class:`Structure` of ``struct`` for ``q`` inner levels (``q`` GEN columns)."""
    s = struct.upper()
    if s not in STRUCTS:
        raise ValueError(f"unknown struct {struct!r}; choose one of {', '.join(STRUCTS)}")
    if q < 1:
        raise ValueError("an ~ inner | outer term needs at least one inner level")
    inf = np.inf
    tril = np.tril_indices(q)
    full_basis = np.stack([_sym(q, int(a), int(c)) for a, c in zip(*tril, strict=True)])
    lag = np.abs(np.subtract.outer(np.arange(q), np.arange(q)))

    def full_of(S: FloatArray) -> FloatArray:
        return np.asarray(S[tril])

    if s == "ID":
        return Structure(s, q, np.eye(q)[None], np.zeros(1), np.full(1, inf), ("var",), lambda t: t[:1].copy())
    if s == "DIAG":
        basis = np.stack([np.diag(np.eye(q)[j]) for j in range(q)])
        return Structure(s, q, basis, np.zeros(q), np.full(q, inf), ("var",) * q, lambda t: t.copy())
    rho_min = -1.0 / (q - 1) if q > 2 else -1.0  # the smallest common correlation of a PSD matrix
    if s == "CS":
        basis = np.stack([np.eye(q), np.ones((q, q)) - np.eye(q)])
        return Structure(s, q, basis, np.array([0.0, rho_min]), np.array([inf, 1.0]), ("var", "cor"),
                         lambda t: np.array([t[0], t[0] * t[1]]))
    if s == "AR":
        basis = np.stack([(lag == d).astype(float) for d in range(q)])
        return Structure(s, q, basis, np.array([0.0, -1.0]), np.array([inf, 1.0]), ("var", "cor"),
                         lambda t: t[0] * t[1] ** np.arange(q))
    if s in ("HCS", "HAR"):
        corr: Callable[[float], FloatArray]
        if s == "HCS":
            def corr(r: float) -> FloatArray:
                return np.where(lag == 0, 1.0, r)
        else:
            def corr(r: float) -> FloatArray:
                return np.asarray(r ** lag)

        def het(t: FloatArray) -> FloatArray:
            sd = t[:q]
            return full_of(np.outer(sd, sd) * corr(float(t[q])))

        return Structure(s, q, full_basis, np.r_[np.zeros(q), rho_min if s == "HCS" else -1.0],
                         np.r_[np.full(q, inf), 1.0], ("sd",) * q + ("cor",), het)
    # UN and GEN: Cholesky factor
    on_diag = np.array([a == c for a, c in zip(*tril, strict=True)])

    def chol(t: FloatArray) -> FloatArray:
        L = np.zeros((q, q))
        L[tril] = t
        return full_of(L @ L.T)

    return Structure(s, q, full_basis, np.where(on_diag, 0.0, -inf), np.full(on_diag.size, inf),
                     tuple("chol_diag" if d else "chol_off" for d in on_diag), chol)

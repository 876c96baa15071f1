"""Cluster-robust (sandwich) inference for fitted models (metafor ``robust``; clubSandwich CR2).

Working model: the fitted marginal covariance Phi (diag(v + tau2) for ``rma``; the block matrix
of ``rma_mv``) with weights W = Phi^-1 and M = (X'WX)^-1; residuals e = y - Xb.

- ``clubsandwich=False`` (metafor's default): V = c M (sum_j X_j'W_j e_j e_j'W_j X_j) M with
  c = m / (m - p) (``adjust``), t tests with m - p df, F test with (q, m - p) df.
- ``clubsandwich=True``: the CR2 bias-reduced estimator with A_j = D_j' B_j^{-1/2} D_j,
  D_j'D_j = Phi_j, B_j = D_j (Phi_j - X_j M X_j') D_j' (Bell & McCaffrey 2002; Pustejovsky &
  Tipton 2018, J Bus Econ Stat 36:672-683), Satterthwaite df per coefficient and the
  Hotelling's T2 approximation (HTZ) of Tipton & Pustejovsky (2015, J Educ Behav Stat 40:604-634)
  for the omnibus test. The df come from the covariance of the CR2 matrix under the working model,
  computed with cluster-level sums (no k x k or m x m matrix): with u_j = A_j W_j X_j M c and
  q_j = X_j'u_j, g_i'Phi g_j = [i = j] u_j'Phi_j u_j - q_i'M q_j.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from painregen.meta.render import html_table, num
from painregen.meta.results import RmaResult, clean_json
from painregen.meta.results_mv import RmaMvResult
from painregen.meta.wls import wls


@dataclass(frozen=True, eq=False)
class RobustResult:
    """Coefficient tests with a cluster-robust covariance."""

    terms: tuple[str, ...]
    b: np.ndarray
    vb: np.ndarray
    se: np.ndarray
    stat: np.ndarray
    df: np.ndarray
    pval: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    QM: float
    QM_df: int
    QM_ddf: float
    QM_p: float
    n_clusters: int
    k: int
    method: str
    kind: str  # "CR2" or "CR1"

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame(
            {"estimate": self.b, "se": self.se, "tval": self.stat, "df": self.df, "pval": self.pval,
             "ci.lb": self.ci_low, "ci.ub": self.ci_high},
            index=pd.Index(list(self.terms), name="term"),
        )

    def to_dict(self) -> dict[str, Any]:
        coefs = [
            {"term": t, "estimate": float(b), "se": float(s), "stat": float(z), "df": float(d), "p": float(p),
             "ci_low": float(lo), "ci_high": float(hi)}
            for t, b, s, z, d, p, lo, hi in zip(self.terms, self.b, self.se, self.stat, self.df, self.pval,
                                               self.ci_low, self.ci_high, strict=True)
        ]
        return clean_json({"k": self.k, "method": self.method, "robust": self.kind, "clusters": self.n_clusters,
                           "coefficients": coefs, "QM": self.QM, "QM_df": self.QM_df, "QM_ddf": self.QM_ddf,
                           "QM_p": self.QM_p})

    def __repr__(self) -> str:
        return (f"RobustResult(k={self.k}, method={self.method}, {self.kind}, clusters={self.n_clusters})\n"
                f"F({self.QM_df}, {num(self.QM_ddf)}) = {num(self.QM)}, p = {num(self.QM_p)}\n"
                + self.summary().to_string(float_format=num))

    def _repr_html_(self) -> str:
        return html_table(self.summary(), f"Cluster-robust ({self.kind}) tests, {self.n_clusters} clusters")


def _phi_blocks(res: RmaResult | RmaMvResult, members: list[np.ndarray]) -> list[np.ndarray]:
    """The working covariance restricted to each cluster's rows."""
    if isinstance(res, RmaResult):
        return [np.diag(res.vi[rows] + res.tau2) for rows in members]
    return [res.marginal_cov(rows) for rows in members]  # includes known sampling covariances (V blocks)


def _bread(res: RmaResult | RmaMvResult) -> np.ndarray:
    if isinstance(res, RmaResult):
        return wls(res.yi, 1.0 / (res.vi + res.tau2), res.X).vb
    return res.vb


def _inv_sqrt(B: np.ndarray) -> np.ndarray:
    vals, vecs = np.linalg.eigh((B + B.T) / 2.0)
    tol = max(vals.max(), 0.0) * 1e-12
    inv = np.where(vals > tol, 1.0 / np.sqrt(np.where(vals > tol, vals, 1.0)), 0.0)
    return (vecs * inv) @ vecs.T


def _htz_eta(U: list[np.ndarray], phis: list[np.ndarray], X_blocks: list[np.ndarray], M: np.ndarray) -> float:
    """Degrees of freedom eta of the HTZ test (Satterthwaite df when q = 1)."""
    Q = np.stack([Xj.T @ Uj for Xj, Uj in zip(X_blocks, U, strict=True)])  # (m, p, q)
    a = np.stack([Uj.T @ phi @ Uj for Uj, phi in zip(U, phis, strict=True)])  # (m, q, q)
    R = np.einsum("jps,pr,jrt->jst", Q, M, Q)  # (m, q, q): q_js' M q_jt
    omega = np.sum(a - R, axis=0)
    vals, vecs = np.linalg.eigh((omega + omega.T) / 2.0)
    T = (vecs / np.sqrt(vals)) @ vecs.T  # omega^{-1/2}
    a = np.einsum("sx,jst,ty->jxy", T, a, T)
    R = np.einsum("sx,jst,ty->jxy", T, R, T)
    Q = Q @ T
    outer = np.einsum("jps,jrt->stpr", Q, Q)  # sum_j q_js q_jt'
    qn = a.shape[1]

    def inner(s1: int, t1: int, s2: int, t2: int) -> float:
        alpha, gamma = a[:, s1, t1], a[:, s2, t2]
        cross = float(np.trace(M @ outer[t1, t2] @ M @ outer[s2, s1]))
        return float(alpha @ gamma - alpha @ R[:, s2, t2] - gamma @ R[:, s1, t1]) + cross

    total = sum(inner(s, s, t, t) + inner(s, t, t, s) for s in range(qn) for t in range(qn))
    return qn * (qn + 1) / total


def robust(
    res: RmaResult | RmaMvResult, cluster: Any, *, adjust: bool = True, clubsandwich: bool = False
) -> RobustResult:
    """Cluster-robust tests of the coefficients of a fitted ``rma`` or ``rma_mv`` model.

    ``cluster``: labels (one per row used in the fit). For ``rma_mv`` every outer model cluster
    must lie within one robust cluster.
    """
    labels = np.asarray(cluster).astype(str)
    if labels.shape != (res.k,):
        raise ValueError(f"cluster has {labels.size} labels but the model has k = {res.k}")
    _, codes = np.unique(labels, return_inverse=True)
    codes = codes.ravel()
    m = int(codes.max()) + 1
    p = res.p
    if m <= p:
        raise ValueError(f"robust inference needs more clusters ({m}) than coefficients ({p})")
    if isinstance(res, RmaMvResult):
        outer = res.codes[0]
        per_outer = pd.Series(codes).groupby(outer).nunique()
        if (per_outer > 1).any():
            raise ValueError("each outer cluster of the model must lie within a single robust cluster")
    members = [np.flatnonzero(codes == j) for j in range(m)]
    phis = _phi_blocks(res, members)
    M = _bread(res)
    X, b = res.X, res.b
    e = res.yi - X @ b
    X_blocks = [X[rows] for rows in members]
    W_blocks = [np.linalg.inv(phi) for phi in phis]
    btt = list(res.btt)
    if not clubsandwich:
        meat = sum(Xj.T @ Wj @ np.outer(e[rows], e[rows]) @ Wj @ Xj
                   for Xj, Wj, rows in zip(X_blocks, W_blocks, members, strict=True))
        vb = M @ meat @ M * (m / (m - p) if adjust else 1.0)
        df = np.full(p, float(m - p))
        qm_ddf = float(m - p)
        bb = b[btt]
        qm = float(bb @ np.linalg.solve(vb[np.ix_(btt, btt)], bb)) / len(btt)
        kind = "CR1" if adjust else "CR0"
    else:
        A_blocks = []
        for Xj, phi in zip(X_blocks, phis, strict=True):
            D = np.linalg.cholesky(phi).T  # upper triangular, D'D = phi
            B = D @ (phi - Xj @ M @ Xj.T) @ D.T
            A_blocks.append(D.T @ _inv_sqrt(B) @ D)
        meat = np.zeros((p, p))
        for Xj, Wj, Aj, rows in zip(X_blocks, W_blocks, A_blocks, members, strict=True):
            s = Xj.T @ Wj @ Aj @ e[rows]
            meat += np.outer(s, s)
        vb = M @ meat @ M
        # U_j(C) = A_j W_j X_j M C'
        AWXM = [Aj @ Wj @ Xj @ M for Aj, Wj, Xj in zip(A_blocks, W_blocks, X_blocks, strict=True)]
        df = np.array([_htz_eta([G[:, [j]] for G in AWXM], phis, X_blocks, M) for j in range(p)])
        eta = _htz_eta([G[:, btt] for G in AWXM], phis, X_blocks, M)
        q = len(btt)
        bb = b[btt]
        qstat = float(bb @ np.linalg.solve(vb[np.ix_(btt, btt)], bb))
        qm = (eta - q + 1) / (eta * q) * qstat
        qm_ddf = eta - q + 1
        kind = "CR2"
    se = np.sqrt(np.diag(vb))
    stat = b / se
    pval = 2.0 * stats.t.sf(np.abs(stat), df)
    crit = stats.t.ppf(1.0 - res.alpha / 2.0, df)
    return RobustResult(
        terms=res.terms, b=b, vb=vb, se=se, stat=stat, df=df, pval=pval, ci_low=b - crit * se,
        ci_high=b + crit * se, QM=qm, QM_df=len(btt), QM_ddf=qm_ddf,
        QM_p=float(stats.f.sf(qm, len(btt), qm_ddf)), n_clusters=m, k=res.k, method=res.method, kind=kind,
    )

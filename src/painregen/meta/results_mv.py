"""Result object of :func:`painregen.meta.rma_mv` (metafor's ``rma.mv`` object, typed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from painregen.meta.coef_fit import CoefFit
from painregen.meta.control import Control
from painregen.meta.inference import critical_value
from painregen.meta.render import html_table, num
from painregen.meta.results import clean_json

FloatArray = np.ndarray


@dataclass(frozen=True, eq=False)
class RmaMvResult(CoefFit):
    """A fitted multilevel model; ``sigma2`` lists the variance components outer to inner."""

    sigma2: FloatArray
    s_nlevels: tuple[int, ...]
    QE: float
    QE_df: int
    QE_p: float
    btt: tuple[int, ...]
    QM: float
    QM_df: int
    QM_p: float
    logLik: float
    iterations: int
    codes: tuple[np.ndarray, ...]
    k_omitted: int = 0
    control: Control = field(default_factory=Control)
    vcov_blocks: tuple[tuple[np.ndarray, np.ndarray], ...] = ()  # known sampling covariances (rows, matrix)
    # general random terms (metafor's rma.mv(random = list(...), struct = ...)); empty for nested intercepts only
    s_names: tuple[str, ...] = ()  # the grouping of each sigma2 ("study", "study/es")
    random: tuple[str, ...] = ()  # the random formulas
    struct: tuple[str, ...] = ()  # structure of each '~ inner | outer' term
    tau2: FloatArray = field(default_factory=lambda: np.zeros(0))
    rho: FloatArray = field(default_factory=lambda: np.zeros(0))
    gamma2: FloatArray = field(default_factory=lambda: np.zeros(0))
    phi: FloatArray = field(default_factory=lambda: np.zeros(0))
    g_levels: tuple[tuple[str, ...], ...] = ()  # inner levels (GEN: columns) of each '~ inner | outer' term
    g_nlevels: tuple[int, ...] = ()  # number of outer levels of each '~ inner | outer' term
    struct_cov: tuple[tuple[np.ndarray, FloatArray, FloatArray], ...] = ()  # (outer codes, Z, Sigma) per term
    dfs: str = "residual"
    ddfs: tuple[float, ...] | None = None  # per-coefficient df of t tests (dfs = "contain" or given)
    QM_ddf: float | None = None
    optimizer: str = ""

    def sampling_cov(self, rows: np.ndarray) -> FloatArray:
        """The known sampling covariance V restricted to ``rows`` (indices of the fitted rows): ``diag(vi)``
        plus the covariances of ``vcov_blocks`` between those rows."""
        rows = np.asarray(rows, dtype=np.int64)
        out = np.diag(self.vi[rows].astype(float))
        if not self.vcov_blocks:
            return out
        pos = {int(r): i for i, r in enumerate(rows)}
        for brows, mat in self.vcov_blocks:
            here = [(i, pos[int(r)]) for i, r in enumerate(brows) if int(r) in pos]
            if len(here) < 2:
                continue
            src, dst = (np.array(x) for x in zip(*here, strict=True))
            out[np.ix_(dst, dst)] = mat[np.ix_(src, src)]
        return out

    def marginal_cov(self, rows: np.ndarray) -> FloatArray:
        """The fitted marginal covariance V + sum_j sigma2_j Z_j Z_j' restricted to ``rows``."""
        rows = np.asarray(rows, dtype=np.int64)
        out = self.sampling_cov(rows)
        for s, codes in zip(self.sigma2, self.codes, strict=True):
            c = codes[rows]
            out = out + s * (c[:, None] == c[None, :])
        for outer, Z, Sigma in self.struct_cov:
            c = outer[rows]
            out = out + (c[:, None] == c[None, :]) * (Z[rows] @ Sigma @ Z[rows].T)
        return out

    def _pi_variance(self) -> float:
        """Variance added for prediction intervals: sum(sigma2) plus tau2 (gamma2) when the structure has a single
        value; NaN when it has one per inner level (metafor then asks for ``tau2.levels``)."""
        total = float(np.sum(self.sigma2))
        for comp in (self.tau2, self.gamma2):
            if comp.size > 1 or any(s == "GEN" for s in self.struct):
                return float("nan")
            total += float(np.sum(comp))
        return total

    def predict(self, newmods: Any = None) -> dict[str, FloatArray]:
        """Predicted values with CI and prediction interval (total variance sum(sigma2))."""
        if newmods is None:
            x = np.ones((1, 1)) if self.int_only else self.X
        else:
            arr = np.asarray(newmods, dtype=float)
            n_mods = self.p - (1 if self.intercept else 0)
            arr = arr.reshape(-1, n_mods) if n_mods > 0 else arr.reshape(-1, 0)
            x = np.column_stack([np.ones(arr.shape[0]), arr]) if self.intercept else arr
        pred = x @ self.b
        se = np.sqrt(np.einsum("ij,jk,ik->i", x, self.vb, x))
        crit = critical_value(self.alpha, self.ddf)
        spi = np.sqrt(se**2 + self._pi_variance())
        return {"pred": pred, "se": se, "ci_low": pred - crit * se, "ci_high": pred + crit * se,
                "pi_low": pred - crit * spi, "pi_high": pred + crit * spi}

    def to_dict(self) -> dict[str, Any]:
        """The ``painregen meta --random`` keys: always-keys, ``sigma2`` (outer..inner), prediction
        interval (intercept-only models) and, with moderators, the coefficient table and QM."""
        out: dict[str, Any] = {
            "k": self.k, "method": self.method, "test": self.test,
            "estimate": float(self.b[0]), "se": float(self.se[0]), "stat": float(self.stat[0]),
            "p": float(self.pval[0]), "ci_low": float(self.ci_low[0]), "ci_high": float(self.ci_high[0]),
            "Q": self.QE, "Q_df": self.QE_df, "Q_p": self.QE_p,
            "sigma2": [float(s) for s in self.sigma2],
            "n_levels": list(self.s_nlevels),
        }
        if self.random:
            out.update({"random": list(self.random), "sigma2_groups": list(self.s_names), "logLik": self.logLik})
            for j, (key, val) in enumerate((("tau2", self.tau2), ("rho", self.rho), ("gamma2", self.gamma2),
                                            ("phi", self.phi))):
                if j // 2 < len(self.struct):
                    out[key] = [float(x) for x in val]
            if self.struct:
                out["struct"] = list(self.struct)
                out["g_levels"] = [list(levels) for levels in self.g_levels]
                out["g_nlevels"] = list(self.g_nlevels)
        if self.ddf is not None or self.ddfs is not None:
            out["dfs"] = self.dfs
            dfs = list(self.ddfs) if self.ddfs is not None else [self.ddf] * self.p
            out["ddf"] = [int(d) if d is not None and float(d).is_integer() else d for d in dfs]
        if self.k_omitted:
            out["k_omitted"] = self.k_omitted
        if self.int_only:
            pr = self.predict()
            out["pi_low"], out["pi_high"] = float(pr["pi_low"][0]), float(pr["pi_high"][0])
        else:
            out.update({"coefficients": self.coefficients(), "QM": self.QM, "QM_df": self.QM_df,
                        "QM_ddf": self.QM_ddf if self.ddfs is not None else self.ddf, "QM_p": self.QM_p})
        return clean_json(out)

    def __repr__(self) -> str:
        comps = ", ".join(f"sigma2.{j + 1} = {num(s)} (n = {n})"
                          for j, (s, n) in enumerate(zip(self.sigma2, self.s_nlevels, strict=True)))
        known = f", V blocks={len(self.vcov_blocks)}" if self.vcov_blocks else ""
        for name, val in (("tau2", self.tau2), ("rho", self.rho), ("gamma2", self.gamma2), ("phi", self.phi)):
            if val.size:
                comps += f", {name} = " + "/".join(num(x) for x in val)
        return (f"RmaMvResult(multilevel model, k={self.k}, method={self.method}, test={self.test}{known})\n{comps}\n"
                f"Q({self.QE_df}) = {num(self.QE)}, p = {num(self.QE_p)}\n"
                + self.summary().to_string(float_format=num))

    def _repr_html_(self) -> str:
        caption = (f"Multilevel model, k = {self.k}, method = {self.method}; sigma2 = "
                   + ", ".join(num(s) for s in self.sigma2))
        return html_table(self.summary(), caption)

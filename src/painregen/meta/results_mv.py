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
        return out

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
        spi = np.sqrt(se**2 + float(np.sum(self.sigma2)))
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
        if self.k_omitted:
            out["k_omitted"] = self.k_omitted
        if self.int_only:
            pr = self.predict()
            out["pi_low"], out["pi_high"] = float(pr["pi_low"][0]), float(pr["pi_high"][0])
        else:
            out.update({"coefficients": self.coefficients(), "QM": self.QM, "QM_df": self.QM_df,
                        "QM_ddf": self.ddf, "QM_p": self.QM_p})
        return clean_json(out)

    def __repr__(self) -> str:
        comps = ", ".join(f"sigma2.{j + 1} = {num(s)} (n = {n})"
                          for j, (s, n) in enumerate(zip(self.sigma2, self.s_nlevels, strict=True)))
        known = f", V blocks={len(self.vcov_blocks)}" if self.vcov_blocks else ""
        return (f"RmaMvResult(multilevel model, k={self.k}, method={self.method}, test={self.test}{known})\n{comps}\n"
                f"Q({self.QE_df}) = {num(self.QE)}, p = {num(self.QE_p)}\n"
                + self.summary().to_string(float_format=num))

    def _repr_html_(self) -> str:
        caption = (f"Multilevel model, k = {self.k}, method = {self.method}; sigma2 = "
                   + ", ".join(num(s) for s in self.sigma2))
        return html_table(self.summary(), caption)

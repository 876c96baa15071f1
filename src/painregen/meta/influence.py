"""Leave-one-out analysis and case-deletion influence diagnostics (metafor ``leave1out``,
``influence.rma.uni``), after Viechtbauer & Cheung (2010), Res Synth Methods 1:112-125.

With b, vb the full fit and b(-i), vb(-i), tau2(-i) the fit without study i (tau2 re-estimated):

- rstudent_i = (y_i - x_i'b(-i)) / sqrt(s2(-i) (v_i + tau2(-i)) + x_i' vb(-i) x_i), with s2(-i) the
  Knapp-Hartung factor of the deletion fit (1 under z tests): the mean-shift outlier test
- dffits_i   = (x_i'b - x_i'b(-i)) / sqrt(s2(-i) h_i (tau2(-i) + v_i))
- cook.d_i   = (b - b(-i))' vb^-1 (b - b(-i))
- cov.r_i    = det(vb(-i)) / det(vb)
- dfbetas_ij = (b_j - b(-i)_j) / sqrt(vb[tau2(-i)]_jj), where vb[tau2(-i)] is the covariance of b
  from all k studies with tau2 set to tau2(-i), times s2(-i) (as metafor computes it)
- hat_i = leverage of the weighted regression, weight_i = 100 w_i / sum w.

The k deletion fits are vectorised (chunked) through :mod:`painregen.meta.batch`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from painregen.meta.batch import BatchFit, fit_batch
from painregen.meta.inference import critical_value, two_sided_p
from painregen.meta.render import html_table
from painregen.meta.results import RmaResult, clean_json
from painregen.meta.wls import wls

#: deletion fits done together (memory ~ CHUNK * k * p floats)
CHUNK = 256


def deletion_fits(res: RmaResult) -> BatchFit:
    """The k fits without one study each (same method, test and control), vectorised in chunks."""
    k = res.k
    parts: list[BatchFit] = []
    for start in range(0, k, CHUNK):
        rows = np.arange(start, min(k, start + CHUNK))
        idx = np.array([np.delete(np.arange(k), i) for i in rows])
        parts.append(fit_batch(res.yi[idx], res.vi[idx], res.X[idx], method=res.method, test=res.test,
                               control=res.control))
    return BatchFit(
        tau2=np.concatenate([b.tau2 for b in parts]),
        b=np.concatenate([b.b for b in parts]),
        vb=np.concatenate([b.vb for b in parts]),
        QE=np.concatenate([b.QE for b in parts]),
        I2=np.concatenate([b.I2 for b in parts]),
        H2=np.concatenate([b.H2 for b in parts]),
        ddf=parts[0].ddf,
        s2w=np.concatenate([b.s2w for b in parts]),
    )


def _vb_all_rows(res: RmaResult, tau2: np.ndarray, s2w: np.ndarray) -> np.ndarray:
    """diag of the covariance of b from all k rows at each tau2 value (k, p), times s2w."""
    out = np.empty((tau2.size, res.p))
    for start in range(0, tau2.size, CHUNK):
        t = tau2[start:start + CHUNK]
        y = np.broadcast_to(res.yi, (t.size, res.k))
        fit = wls(y, 1.0 / (res.vi[None, :] + t[:, None]), res.X)
        out[start:start + CHUNK] = np.diagonal(fit.vb, axis1=1, axis2=2) * s2w[start:start + CHUNK, None]
    return out


@dataclass(frozen=True, eq=False)
class LeaveOneOut:
    """One row per omitted study."""

    table: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        return self.table

    def to_dict(self) -> dict[str, Any]:
        return clean_json({col: self.table[col].tolist() for col in self.table.columns})

    def __repr__(self) -> str:
        return f"LeaveOneOut(k={len(self.table)})\n{self.table.to_string()}"

    def _repr_html_(self) -> str:
        return html_table(self.table, f"Leave-one-out (k = {len(self.table)})")


def leave1out(res: RmaResult) -> LeaveOneOut:
    """Refit the model k times, each time without one study (intercept-only models)."""
    if not res.int_only:
        raise ValueError("leave1out needs a model without moderators")
    if res.k < 3:
        raise ValueError("leave1out needs k >= 3")
    fits = deletion_fits(res)
    est = fits.b[:, 0]
    se = np.sqrt(fits.vb[:, 0, 0])
    ddf = None if fits.ddf is None else fits.ddf
    stat = est / se
    crit = critical_value(res.alpha, ddf)
    df = res.k - 2
    table = pd.DataFrame(
        {
            "estimate": est, "se": se, "zval": stat, "pval": two_sided_p(stat, ddf),
            "ci.lb": est - crit * se, "ci.ub": est + crit * se,
            "Q": fits.QE, "Qp": stats.chi2.sf(fits.QE, df), "tau2": fits.tau2, "I2": fits.I2, "H2": fits.H2,
        }
    )
    return LeaveOneOut(table=table)


@dataclass(frozen=True, eq=False)
class Influence:
    """Influence diagnostics (one row per study) and DFBETAS (one column per coefficient)."""

    table: pd.DataFrame
    dfbetas: pd.DataFrame

    p: int = 1

    def influential(self) -> np.ndarray:
        """metafor's flag (``is.infl``): |dffits| > 3 sqrt(p / (k - p)), P(chi2_p <= cook.d) > 0.5, hat > 3p / k,
        or some |dfbetas| > 1 (Viechtbauer & Cheung 2010)."""
        k, p = len(self.table), self.p
        return np.asarray(
            (np.abs(self.table["dffits"]) > 3.0 * np.sqrt(p / (k - p)))
            | (stats.chi2.cdf(self.table["cook.d"], p) > 0.5)
            | (self.table["hat"] > 3.0 * p / k)
            | (np.abs(self.dfbetas) > 1.0).any(axis=1),
            dtype=bool,
        )

    def summary(self) -> pd.DataFrame:
        return self.table.join(self.dfbetas.add_prefix("dfbs.")).assign(inf=self.influential())

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {str(col): self.table[col].tolist() for col in self.table.columns}
        out["dfbetas"] = {str(col): self.dfbetas[col].tolist() for col in self.dfbetas.columns}
        out["inf"] = [bool(x) for x in self.influential()]
        return clean_json(out)

    def __repr__(self) -> str:
        return f"Influence(k={len(self.table)})\n{self.summary().to_string()}"

    def _repr_html_(self) -> str:
        return html_table(self.summary(), f"Influence diagnostics (k = {len(self.table)})")


def influence(res: RmaResult) -> Influence:
    """Case-deletion diagnostics of Viechtbauer & Cheung (2010) for any rma model."""
    if res.k - 1 < res.p:
        raise ValueError("influence diagnostics need k > p")
    fits = deletion_fits(res)
    X, b, vb = res.X, res.b, res.vb
    pred_del = np.einsum("ip,ip->i", X, fits.b)
    var_pred_del = np.einsum("ip,ipq,iq->i", X, fits.vb, X)
    rstudent = (res.yi - pred_del) / np.sqrt(fits.s2w * (res.vi + fits.tau2) + var_pred_del)
    dffits = (X @ b - pred_del) / np.sqrt(fits.s2w * res.hat * (fits.tau2 + res.vi))
    diff = b[None, :] - fits.b
    vb_inv = np.linalg.inv(vb)
    cook = np.einsum("ip,pq,iq->i", diff, vb_inv, diff)
    cov_r = np.linalg.det(fits.vb) / np.linalg.det(vb)
    weight = 100.0 * res.weights / np.sum(res.weights)
    table = pd.DataFrame(
        {"rstudent": rstudent, "dffits": dffits, "cook.d": cook, "cov.r": cov_r, "tau2.del": fits.tau2,
         "QE.del": fits.QE, "hat": res.hat, "weight": weight}
    )
    dfbetas = pd.DataFrame(diff / np.sqrt(_vb_all_rows(res, fits.tau2, fits.s2w)), columns=list(res.terms))
    return Influence(table=table, dfbetas=dfbetas, p=res.p)

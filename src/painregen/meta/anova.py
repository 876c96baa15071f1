"""Fit statistics, model comparison and tests of linear hypotheses for :func:`painregen.meta.rma` fits
(metafor's ``fitstats``, ``anova.rma`` and ``anova(fit, btt=)`` / ``anova(fit, X=)``).

- **Log-likelihoods** (Viechtbauer 2005, J Educ Behav Stat 30:261-293; Harville 1977, JASA 72:320-338), with
  w_i = 1/(v_i + tau2), b the weighted least-squares fit and RSS = sum w_i (y_i - x_i'b)^2::

      ML:   -1/2 [k log(2 pi) + sum log(v_i + tau2) + RSS]
      REML: -1/2 [(k - p) log(2 pi) + sum log(v_i + tau2) + log|X'WX| + RSS] + 1/2 log|X'X|

  Deviance: ML -2 (ll - ll_saturated), ll_saturated = -1/2 sum log(2 pi v_i); REML -2 ll. Parameters m = p + 1
  for random-effects fits (tau2 estimated), p for FE. AIC = -2 ll + 2 m; BIC = -2 ll + m log(n); AICc = -2 ll +
  2 m max(n, m + 2) / (max(n, m + 2) - m - 1), with n = k (ML) or k - p (REML), as metafor defines them. The REML
  statistics belong to REML fits, the ML ones to every other method (metafor's ``logLik(REML=)`` default).
- **Likelihood-ratio test** of two nested fits to the same studies: LRT = 2 (ll_full - ll_reduced) on m_full -
  m_reduced df (chi-square); under REML only fits with the same fixed effects can be compared (the restricted
  likelihoods of different X are not comparable). The output adds Q_E, tau2 of both and the pseudo-R2 of the full
  model relative to the reduced one, 100 max(0, (tau2_r - tau2_f) / tau2_r) (Raudenbush 2009).
- **Wald tests**: QM for a subset of coefficients (``btt``), and for linear combinations L b of the coefficients
  with covariance L vb L' (Knapp-Hartung: t and F = QM / m on (m, k - p) df).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from painregen.meta.inference import critical_value, two_sided_p
from painregen.meta.results import RmaResult, clean_json
from painregen.meta.wls import wls


@dataclass(frozen=True)
class FitStats:
    """logLik, deviance, AIC, BIC and AICc of a fit (ML or REML statistics), and its number of parameters."""

    ll: float
    dev: float
    AIC: float
    BIC: float
    AICc: float
    parms: int
    reml: bool

    def to_dict(self) -> dict[str, Any]:
        return clean_json({"logLik": self.ll, "deviance": self.dev, "AIC": self.AIC, "BIC": self.BIC,
                           "AICc": self.AICc, "df": self.parms, "REML": self.reml})


def fitstats(res: RmaResult, *, reml: bool | None = None) -> FitStats:
    """Fit statistics of an :class:`RmaResult` (REML statistics for a REML fit unless ``reml=False``)."""
    use_reml = res.method == "REML" if reml is None else reml
    k, p = res.X.shape
    w = 1.0 / (res.vi + res.tau2)
    fit = wls(res.yi, w, res.X)
    rss = float(fit.ypy)
    logdet_w = float(np.sum(np.log(res.vi + res.tau2)))
    parms = p + (1 if res.random else 0)
    if use_reml:
        _, ld_xwx = np.linalg.slogdet(res.X.T @ (w[:, None] * res.X))
        _, ld_xx = np.linalg.slogdet(res.X.T @ res.X)
        ll = -0.5 * ((k - p) * math.log(2 * math.pi) + logdet_w + ld_xwx + rss) + 0.5 * ld_xx
        dev = -2.0 * ll
        n = k - p
    else:
        ll = -0.5 * (k * math.log(2 * math.pi) + logdet_w + rss)
        ll_sat = -0.5 * float(np.sum(np.log(2 * math.pi * res.vi)))
        dev = -2.0 * (ll - ll_sat)
        n = k
    big = max(n, parms + 2)
    return FitStats(ll=ll, dev=dev, AIC=-2 * ll + 2 * parms, BIC=-2 * ll + parms * math.log(n),
                    AICc=-2 * ll + 2 * parms * big / (big - parms - 1), parms=parms, reml=use_reml)


@dataclass(frozen=True)
class Comparison:
    """Likelihood-ratio comparison of a full and a reduced model (metafor ``anova(full, reduced)``)."""

    full: FitStats
    reduced: FitStats
    LRT: float
    df: int
    pval: float
    QE_full: float
    QE_reduced: float
    tau2_full: float | None
    tau2_reduced: float | None
    R2: float | None
    method: str

    def summary(self) -> pd.DataFrame:
        rows = []
        for name, fs, qe, t2 in (("Full", self.full, self.QE_full, self.tau2_full),
                                 ("Reduced", self.reduced, self.QE_reduced, self.tau2_reduced)):
            rows.append({"": name, "df": fs.parms, "AIC": fs.AIC, "BIC": fs.BIC, "AICc": fs.AICc, "logLik": fs.ll,
                         "LRT": None if name == "Full" else self.LRT, "pval": None if name == "Full" else self.pval,
                         "QE": qe, "tau^2": t2, "R^2": None if name == "Full" else self.R2})
        return pd.DataFrame(rows).set_index("")

    def to_dict(self) -> dict[str, Any]:
        return clean_json({"method": self.method, "full": self.full.to_dict(), "reduced": self.reduced.to_dict(),
                           "LRT": self.LRT, "df": self.df, "p": self.pval, "QE_full": self.QE_full,
                           "QE_reduced": self.QE_reduced, "tau2_full": self.tau2_full,
                           "tau2_reduced": self.tau2_reduced, "R2": self.R2})


def compare(full: RmaResult, reduced: RmaResult) -> Comparison:
    """Likelihood-ratio test of two nested fits to the same studies (the full model has more parameters).

    Both must use ML or both REML (the LRT needs maximum-likelihood fits) and, under REML, the same fixed effects.
    """
    for fit in (full, reduced):
        if fit.method not in ("ML", "REML", "FE"):
            raise ValueError(f"likelihood-ratio tests need ML or REML fits, not {fit.method}; refit with "
                             "--method ML (or REML when the fixed effects are the same)")
    if full.method != reduced.method and "FE" not in (full.method, reduced.method):
        raise ValueError(f"the two models use different methods ({full.method}, {reduced.method}); fit both with "
                         "the same one")
    if full.k != reduced.k or not np.array_equal(full.yi, reduced.yi) or not np.array_equal(full.vi, reduced.vi):
        raise ValueError(f"the models are fitted to different studies (k = {full.k} and {reduced.k}; e.g. a "
                         "moderator with missing values drops rows from one model): compare fits to the same rows")
    reml = "REML" in (full.method, reduced.method)
    fs_full, fs_red = fitstats(full, reml=reml), fitstats(reduced, reml=reml)
    if fs_full.parms == fs_red.parms:
        raise ValueError("the models have the same number of parameters: a likelihood-ratio test is not meaningful")
    if fs_full.parms < fs_red.parms:
        full, reduced, fs_full, fs_red = reduced, full, fs_red, fs_full
    if reml and not _same_column_space(full.X, reduced.X):
        raise ValueError("REML fits with different fixed effects cannot be compared by a likelihood-ratio test; "
                         "refit both models with --method ML")
    lrt = abs(2.0 * (fs_full.ll - fs_red.ll))
    df = fs_full.parms - fs_red.parms
    r2: float | None = None
    t2f = full.tau2 if full.random else None
    t2r = reduced.tau2 if reduced.random else None
    if t2f is not None and t2r is not None:
        r2 = 100.0 * max(0.0, (t2r - t2f) / t2r) if t2r > 0 else 0.0
    return Comparison(full=fs_full, reduced=fs_red, LRT=lrt, df=df, pval=float(stats.chi2.sf(lrt, df)),
                      QE_full=full.QE, QE_reduced=reduced.QE, tau2_full=t2f, tau2_reduced=t2r, R2=r2,
                      method=full.method)


def _same_column_space(A: np.ndarray, B: np.ndarray) -> bool:
    if A.shape[1] != B.shape[1]:
        return False
    both = np.linalg.matrix_rank(np.column_stack([A, B]))
    return bool(both == np.linalg.matrix_rank(A) == np.linalg.matrix_rank(B))


# ------------------------------------------------------------------------------------------ Wald tests


@dataclass(frozen=True)
class Hypotheses:
    """Tests of linear combinations L b = 0, one per row of L, and their omnibus test."""

    labels: tuple[str, ...]
    estimate: np.ndarray
    se: np.ndarray
    stat: np.ndarray
    pval: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    QM: float
    QM_df: int
    QM_ddf: int | None
    QM_p: float

    def summary(self) -> pd.DataFrame:
        stat = "tval" if self.QM_ddf is not None else "zval"
        return pd.DataFrame({"estimate": self.estimate, "se": self.se, stat: self.stat, "pval": self.pval,
                             "ci.lb": self.ci_low, "ci.ub": self.ci_high},
                            index=pd.Index(list(self.labels), name="hypothesis"))

    def to_dict(self) -> dict[str, Any]:
        rows = [{"hypothesis": lab, "estimate": float(e), "se": float(s), "stat": float(z), "p": float(p),
                 "ci_low": float(lo), "ci_high": float(hi)}
                for lab, e, s, z, p, lo, hi in zip(self.labels, self.estimate, self.se, self.stat, self.pval,
                                                   self.ci_low, self.ci_high, strict=True)]
        return clean_json({"hypotheses": rows, "QM": self.QM, "QM_df": self.QM_df, "QM_ddf": self.QM_ddf,
                           "QM_p": self.QM_p})


def linear_hypotheses(res: Any, L: Any, labels: Sequence[str] | None = None) -> Hypotheses:
    """Test L b = 0 (metafor ``anova(fit, X = L)``): each row's estimate, SE, z (t under Knapp-Hartung or
    ``test="t"``), p and CI, and the omnibus QM = (Lb)'(L vb L')^-1 (Lb) on m = nrow(L) df (F = QM/m)."""
    Lm = np.atleast_2d(np.asarray(L, dtype=float))
    if Lm.shape[1] != res.p:
        raise ValueError(f"each hypothesis needs {res.p} weights (one per coefficient: {', '.join(res.terms)}); "
                         f"got {Lm.shape[1]}")
    if np.linalg.matrix_rank(Lm) < Lm.shape[0]:
        raise ValueError("the hypotheses are linearly dependent (a row of weights is a combination of the others)")
    est = Lm @ res.b
    cov = Lm @ res.vb @ Lm.T
    se = np.sqrt(np.diag(cov))
    ddf = res.ddf
    stat = est / se
    crit = critical_value(res.alpha, ddf)
    m = Lm.shape[0]
    qm = float(est @ np.linalg.solve(cov, est))
    if ddf is None:
        qm_p = float(stats.chi2.sf(qm, m))
    else:
        qm /= m
        qm_p = float(stats.f.sf(qm, m, ddf))
    names = tuple(labels) if labels is not None else tuple(_describe(row, res.terms) for row in Lm)
    return Hypotheses(labels=names, estimate=est, se=se, stat=stat, pval=two_sided_p(stat, ddf),
                      ci_low=est - crit * se, ci_high=est + crit * se, QM=qm, QM_df=m, QM_ddf=ddf, QM_p=qm_p)


def _describe(row: np.ndarray, terms: Sequence[str]) -> str:
    """``routeIT - routeIV = 0`` style description of a row of weights, as metafor prints hypotheses."""
    parts: list[str] = []
    for w, t in zip(row, terms, strict=True):
        if w == 0:
            continue
        coef = "" if abs(w) == 1 else f"{abs(w):g}*"
        sign = "-" if w < 0 else "+"
        parts.append(f"{sign} {coef}{t}" if parts else f"{'-' if w < 0 else ''}{coef}{t}")
    return " ".join(parts) + " = 0"




def parse_hypothesis(text: str, terms: Sequence[str]) -> np.ndarray:
    """Weights of one hypothesis: numbers separated by commas (one per coefficient) or a combination of
    coefficient names (``routeIT - routeIV``, ``dose + 2*dose:routeIT``)."""
    parts = [t.strip() for t in text.split(",")]
    try:
        weights = np.array([float(t) for t in parts])
    except ValueError:
        weights = None
    if weights is not None:
        if weights.size != len(terms):
            raise ValueError(f"hypothesis {text!r} has {weights.size} weights but the model has {len(terms)} "
                             f"coefficients ({', '.join(terms)})")
        return weights
    out = np.zeros(len(terms))
    pos = 0
    body = text.strip()
    by_length = sorted(terms, key=len, reverse=True)
    while pos < len(body):
        m = re.match(r"\s*([+-])?\s*(?:(\d+(?:\.\d*)?|\.\d+)\s*\*\s*)?", body[pos:])
        assert m is not None
        pos += m.end()
        name = next((t for t in by_length if body.startswith(t, pos)), None)
        if name is None:
            raise ValueError(f"hypothesis {text!r}: no coefficient named {body[pos:].split()[0]!r} "
                             f"(coefficients: {', '.join(terms)})")
        out[list(terms).index(name)] += (-1.0 if m.group(1) == "-" else 1.0) * float(m.group(2) or 1.0)
        pos += len(name)
        while pos < len(body) and body[pos] == " ":
            pos += 1
    if not out.any():
        raise ValueError(f"hypothesis {text!r} gives every coefficient weight 0")
    return out


def parse_btt(spec: str, terms: Sequence[str]) -> list[int]:
    """0-based coefficients for metafor's ``btt``: 1-based positions (``2,3`` or ``2:4``) or a pattern that
    coefficient names are searched for (regular expression, as metafor's ``grep``)."""
    text = spec.strip()
    if re.fullmatch(r"[\d\s,:]+", text):
        idx: list[int] = []
        for part in filter(None, (p.strip() for p in text.split(","))):
            lo, _, hi = part.partition(":")
            a, b = int(lo), int(hi or lo)
            idx.extend(range(min(a, b), max(a, b) + 1))
        bad = [i for i in idx if not 1 <= i <= len(terms)]
        if bad:
            raise ValueError(f"--btt {spec}: positions run from 1 to {len(terms)} ({', '.join(terms)})")
        return sorted(set(i - 1 for i in idx))
    try:
        pattern = re.compile(text)
    except re.error as exc:
        raise ValueError(f"--btt {spec!r} is neither positions nor a valid pattern: {exc}") from None
    found = [j for j, t in enumerate(terms) if pattern.search(t)]
    if not found:
        raise ValueError(f"--btt {spec!r} matches no coefficient ({', '.join(terms)})")
    return found

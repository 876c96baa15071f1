"""Multivariate random-effects meta-analysis: ``y_i ~ N(beta, S_i + Psi)`` with ``Psi`` unstructured.

Each of ``k`` studies gives a ``p``-vector ``y_i`` with known within-study covariance ``S_i`` (``p x p``); the
between-study covariance ``Psi`` is an unstructured positive semi-definite matrix (Jackson, Riley & White 2011,
*Stat Med* 30:2481; Gasparrini, Armstrong & Kenward 2012, *Stat Med* 31:3821 -- the model of R's ``mvmeta``).
With ``W_i = (S_i + Psi)^-1`` and ``A = sum W_i``, ``beta`` is estimated by generalised least squares,
``b = A^-1 sum W_i y_i`` with ``vb = A^-1``, and ``Psi`` by maximising (Harville 1977, *JASA* 72:320)::

    ML:   -1/2 [k p log(2 pi) + sum log|S_i + Psi| + sum r_i' W_i r_i]
    REML: -1/2 [(k p - p) log(2 pi) + sum log|S_i + Psi| + log|A| + sum r_i' W_i r_i] + p/2 log k

(``r_i = y_i - b``). The REML constant ``p/2 log k`` is metafor's ``1/2 log|X'X|`` for the stacked model
``rma.mv(yi, V, mods = ~ factor(outcome) - 1, random = ~ factor(outcome) | study, struct = "UN")``, so
``logLik`` equals metafor's; R's ``mvmeta`` omits that term. ``method="fixed"`` sets ``Psi = 0`` (``logLik`` is
then the ML log-likelihood). Heterogeneity: ``Q = sum (y_i - b_F)' S_i^-1 (y_i - b_F)`` around the fixed-effect
``b_F`` on ``p (k - 1)`` df (``mvmeta``'s ``qtest``) and ``I2 = 100 max(0, (Q - df) / Q)`` (percent, as every
painregen ``I2``; Higgins & Thompson 2002, *Stat Med* 21:1539).

Fitting (:mod:`.mvmeta_fit`): quasi-Newton (L-BFGS-B, analytic gradient) over the Cholesky factor of ``Psi`` with a
log diagonal, from univariate DerSimonian-Laird variances; then Newton steps (observed information) over a factor
``Psi = L L'`` of the numerical rank of that optimum polish it, so an optimum on the boundary (``Psi`` singular,
``|rho| = 1``) is reached exactly and checked by the Karush-Kuhn-Tucker condition. ``Psi_rank`` reports the rank.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import stats

from painregen.meta.inference import critical_value, level_to_alpha
from painregen.meta.mvmeta_fit import evaluate, fit_psi

FloatArray = npt.NDArray[np.float64]
MVMETA_METHODS = ("REML", "ML", "fixed")


def _j(x: Any) -> Any:
    """JSON-ready number or nested list (None for NaN/inf)."""
    a = np.asarray(x, dtype=float)
    if a.ndim == 0:
        return float(a) if np.isfinite(a) else None
    return [_j(v) for v in a]


@dataclass(frozen=True, eq=False)
class MvMetaResult:
    """A fitted multivariate meta-analysis (see the module docstring); ``I2`` is in percent."""

    b: FloatArray
    vb: FloatArray
    se: FloatArray
    zval: FloatArray
    pval: FloatArray
    ci_lb: FloatArray
    ci_ub: FloatArray
    Psi: FloatArray
    logLik: float
    method: str
    k: int
    p: int
    Q: float
    Q_df: int
    Q_p: float
    I2: float
    converged: bool
    level: float = 95.0
    Psi_rank: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": "multivariate random-effects meta-analysis (Jackson et al. 2011)", "method": self.method,
            "k": self.k, "p": self.p, "level": self.level,
            "coefficients": [{"estimate": _j(b), "se": _j(s), "z": _j(z), "p": _j(pv), "ci_low": _j(lo),
                              "ci_high": _j(hi)}
                             for b, s, z, pv, lo, hi in zip(self.b, self.se, self.zval, self.pval, self.ci_lb,
                                                            self.ci_ub, strict=True)],
            "vb": _j(self.vb), "Psi": _j(self.Psi), "logLik": _j(self.logLik), "Q": _j(self.Q), "Q_df": self.Q_df,
            "Q_p": _j(self.Q_p), "I2": _j(self.I2), "converged": self.converged,
        }

    def __repr__(self) -> str:
        return f"MvMetaResult(method={self.method!r}, k={self.k}, p={self.p}, b={np.round(self.b, 4).tolist()})"


def _vech_to_full(S: FloatArray, p: int) -> FloatArray:
    """``mvmeta``'s per-row form: the lower triangle of ``S_i`` column by column (p = 2: V11, V12, V22)."""
    full = np.empty((S.shape[0], p, p))
    rows, cols = np.tril_indices(p)
    order = np.lexsort((rows, cols))  # column-major order of the lower triangle
    for n, (a, c) in enumerate(zip(rows[order], cols[order], strict=True)):
        full[:, a, c] = S[:, n]
        full[:, c, a] = S[:, n]
    return full


def check_mv_inputs(y: npt.ArrayLike, S: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """``y`` as ``(k, p)`` (a 1-d ``y`` is ``p = 1``) and ``S`` as ``(k, p, p)``; ``S`` may also be given as
    ``(k, p (p + 1) / 2)`` rows of ``vech`` (``mvmeta``'s convention). ValueError on shapes, non-finite values,
    asymmetric or non-positive-definite ``S_i``, or fewer than 2 studies."""
    Y = np.asarray(y, dtype=float)
    if Y.ndim == 1:
        Y = Y[:, None]
    if Y.ndim != 2 or Y.shape[0] == 0 or Y.shape[1] == 0:
        raise ValueError(f"y must be a (k, p) array, got shape {np.shape(y)}")
    k, p = Y.shape
    Sa = np.asarray(S, dtype=float)
    if Sa.ndim == 1 and p == 1:
        Sa = Sa[:, None]
    if Sa.ndim == 2 and Sa.shape == (k, p * (p + 1) // 2):
        Sa = _vech_to_full(Sa, p)
    if Sa.shape != (k, p, p):
        raise ValueError(f"S must have shape ({k}, {p}, {p}) or ({k}, {p * (p + 1) // 2}) for y of shape "
                         f"({k}, {p}), got {Sa.shape}")
    if k < 2:
        raise ValueError(f"need at least 2 studies, got k = {k}")
    if not (np.all(np.isfinite(Y)) and np.all(np.isfinite(Sa))):
        raise ValueError("y and S must be finite (mvmeta with missing outcomes is not supported)")
    if not np.allclose(Sa, np.swapaxes(Sa, 1, 2), rtol=1e-10, atol=0.0):
        raise ValueError("every S_i must be symmetric")
    bad = [i for i in range(k) if np.any(np.linalg.eigvalsh(Sa[i]) <= 0)]
    if bad:
        raise ValueError(f"every S_i must be positive definite; not at (0-based) studies {bad[:5]}")
    return Y, Sa


def mvmeta(y: npt.ArrayLike, S: npt.ArrayLike, *, method: str = "REML", level: float = 95) -> MvMetaResult:
    """Multivariate random-effects meta-analysis of ``k`` studies' ``p``-vectors ``y`` (``(k, p)``) with known
    within-study covariances ``S`` (``(k, p, p)`` or ``mvmeta``'s ``(k, p (p + 1) / 2)`` vech rows).

    ``method``: "REML" (default), "ML" or "fixed" (``Psi = 0``). Wald z tests and ``level`` % intervals for
    ``b``. Formulas in the module docstring (Jackson, Riley & White 2011; Gasparrini et al. 2012); ``logLik``
    and ``Psi`` agree with metafor's ``rma.mv(..., struct = "UN")`` on the stacked data.
    """
    if method not in MVMETA_METHODS:
        raise ValueError(f"method must be one of {MVMETA_METHODS}, got {method!r}")
    alpha = level_to_alpha(level)
    Y, Sa = check_mv_inputs(y, S)
    k, p = Y.shape
    fixed = evaluate(Y, Sa, np.zeros((p, p)), reml=False)
    Q = float(np.einsum("ia,iab,ib->", fixed.r, fixed.W, fixed.r))
    Q_df = p * (k - 1)
    if method == "fixed":
        fit, converged, rank = fixed, True, 0
    else:
        fit, converged, rank = fit_psi(Y, Sa, reml=method == "REML")
    se = np.sqrt(np.diag(fit.vb))
    z = fit.b / se
    crit = critical_value(alpha, None)
    return MvMetaResult(
        b=fit.b, vb=fit.vb, se=se, zval=z, pval=2 * stats.norm.sf(np.abs(z)), ci_lb=fit.b - crit * se,
        ci_ub=fit.b + crit * se, Psi=fit.Psi, logLik=fit.ll, method=method, k=k, p=p, Q=Q, Q_df=Q_df,
        Q_p=float(stats.chi2.sf(Q, Q_df)), I2=100 * max(0.0, (Q - Q_df) / Q) if Q > 0 else 0.0,
        converged=converged, level=100 * (1 - alpha), Psi_rank=rank)

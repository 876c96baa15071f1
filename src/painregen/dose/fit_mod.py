"""Fit one dose-response model by (generalised) least squares (DoseFinding's ``fitMod``).

Raw data ("normal" type): ordinary least squares on the animals, ``RSS``, ``vcov = sigma^2 (J'J)^{-1}``
with ``sigma^2 = RSS / (N - p)`` and ``J`` the gradient matrix (Seber & Wild 2003, *Nonlinear
Regression*, ch. 5); ``AIC = -2 logLik + 2 (p + 1)`` with ``logLik = -N/2 (log(2 pi) + 1 + log(RSS/N))``.
Summary data ("general" type): the GLS criterion ``gRSS = (ybar - f)' S^{-1} (ybar - f)``,
``vcov = (J' S^{-1} J)^{-1}`` and ``gAIC = gRSS + 2 p`` (Pinheiro, Bornkamp, Glimm & Bretz 2014,
Stat Med 33:1646).  Nonlinear parameters are searched inside DoseFinding's default bounds
(``defBnds``) unless ``bounds`` is given; see :mod:`painregen.dose.vp` for the optimiser.

Identification (:func:`covariance`): a parameter whose column of the information matrix is zero, or which is
(numerically) a linear combination of the others -- variance inflation factor ``[R^-1]_jj > 1e10`` of the
information scaled to unit diagonal ``R`` (Belsley, Kuh & Welsch 1980, *Regression Diagnostics*, ch. 3) -- is
*not identified*: its SE is NaN (``null`` in JSON) with a note, never 0.  A flat response makes every
nonlinear parameter of a logistic curve unidentified, for example.  The other parameters' covariance is then
the inverse of their own block, i.e. conditional on the unidentified ones.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .data import DoseData
from .errors import DoseInputError
from .model_defs import default_bounds, default_fixed, get_model
from .models import Array
from .results import FitResult
from .vp import fit_batch

BOUND_TOL = 1e-4  # relative distance (on the log scale) that counts as "at the bound"
VIF_MAX = 1e10  # a parameter this collinear with the others is not identified


def covariance(info: Array, names: tuple[str, ...]) -> tuple[Array, tuple[str, ...]]:
    """``info^-1`` with NaN rows and columns for the parameters that are not identified (module docstring), and
    their names."""
    p = info.shape[0]
    d = np.diag(info)
    ok = np.isfinite(d) & (d > 0) & np.all(np.isfinite(info), axis=1)
    for _ in range(p):  # drop the worst-identified parameter until the rest are identified
        idx = np.flatnonzero(ok)
        if idx.size == 0:
            break
        sd = np.sqrt(d[idx])
        r = info[np.ix_(idx, idx)] / np.outer(sd, sd)
        w, v = np.linalg.eigh(r)
        vif = np.sum(v**2 / np.maximum(w, 1e-300), axis=1)
        worst = int(np.argmax(vif))
        if vif[worst] <= VIF_MAX:
            break
        ok[idx[worst]] = False
    vcov = np.full((p, p), np.nan)
    idx = np.flatnonzero(ok)
    if idx.size:
        sub = np.linalg.inv(info[np.ix_(idx, idx)])
        vcov[np.ix_(idx, idx)] = (sub + sub.T) / 2
        bad = idx[np.diag(sub) < 0]  # numerically negative variances
        vcov[bad, :] = np.nan
        vcov[:, bad] = np.nan
        ok[bad] = False
    return vcov, tuple(n for n, flag in zip(names, ok, strict=True) if not flag)


def fit_mod(
    data: DoseData,
    model: str,
    *,
    bounds: ArrayLike | None = None,
    scal: float | None = None,
    off: float | None = None,
    start: ArrayLike | None = None,
) -> FitResult:
    """Fit ``model`` (a DoseFinding family name) to ``data`` and return a :class:`FitResult`."""
    mdef = get_model(model)
    p = len(mdef.coef_names)
    if p > data.k:
        raise DoseInputError(
            f"model {mdef.name} has {p} parameters but the data have only {data.k} dose levels"
        )
    fixed = default_fixed(data.max_dose, scal, off)
    bnds = None
    if not mdef.is_linear:
        bnds = default_bounds(mdef.name, data.max_dose) if bounds is None else np.atleast_2d(
            np.asarray(bounds, dtype=float))
        if bnds.shape != (len(mdef.nonlin_names), 2) or np.any(bnds[:, 0] <= 0) or np.any(
                bnds[:, 1] <= bnds[:, 0]):
            raise DoseInputError(f"bounds for {mdef.name} must be {len(mdef.nonlin_names)} rows of 0 < lo < hi")
    w = data.weight_matrix()
    st = None if start is None else np.asarray(start, dtype=float)
    coefs_b, crit_b = fit_batch(mdef, data.doses, data.means, w, bnds, fixed, st)
    coefs, crit = coefs_b[0], float(crit_b[0])
    jac = mdef.grad(data.doses, coefs, fixed)
    info = jac.T @ w @ jac
    inv, not_identified = covariance(info, mdef.coef_names)
    if data.type == "normal":
        n = data.n_total
        rss = crit + data.ss_within
        df = n - p
        vcov = rss / df * inv
        loglik = -0.5 * n * (np.log(2 * np.pi) + 1.0 + np.log(rss / n))
        aic, label = -2.0 * loglik + 2.0 * (p + 1), "AIC"
    else:
        rss, df = crit, data.df
        vcov = inv
        aic, label = rss + 2.0 * p, "gAIC"
    at_bound: tuple[str, ...] = ()
    if bnds is not None:
        nl = np.log(coefs[mdef.n_linear:])
        lo, hi = np.log(bnds[:, 0]), np.log(bnds[:, 1])
        near = (np.abs(nl - lo) <= BOUND_TOL * (hi - lo)) | (np.abs(nl - hi) <= BOUND_TOL * (hi - lo))
        at_bound = tuple(n for n, flag in zip(mdef.nonlin_names, near, strict=True) if flag)
    empty: Array = np.zeros((0, 2))
    notes: tuple[str, ...] = ()
    if not_identified:
        notes = (f"{mdef.name}: {', '.join(not_identified)} not identified (singular information: a flat response "
                 "or too few informative doses); their SEs are null, the others' are conditional on them",)
    return FitResult(
        model=mdef.name, type=data.type, coef_names=mdef.coef_names, coefs=coefs, rss=float(rss),
        aic=float(aic), criterion=label, df=float(df), vcov=np.asarray(vcov), at_bound=at_bound,
        fixed=fixed, doses=data.doses, bounds=empty if bnds is None else bnds, not_identified=not_identified,
        notes=notes,
    )

"""Two-stage dose-response meta-analysis with a restricted cubic spline.

Stage 1 (Greenland & Longnecker 1992, *Am J Epidemiol* 135:1301; Orsini, Bellocco & Greenland 2006, *Stata J*
6:40): in every study, generalised least squares of its treated-versus-vehicle contrasts on the spline basis
relative to dose 0 (:mod:`.splines`; no intercept), with the study's known covariance ``C_i`` (``vi`` on the
diagonal, the ``V`` blocks off it)::

    b_i = (X_i' C_i^-1 X_i)^-1 X_i' C_i^-1 y_i,     S_i = (X_i' C_i^-1 X_i)^-1

Stage 2: the ``b_i`` are pooled by multivariate random-effects meta-analysis with unstructured between-study
covariance ``Psi`` (:func:`painregen.meta.mvmeta`; Jackson, Riley & White 2011; Gasparrini, Armstrong & Kenward
2012). A study whose ``X_i`` has rank below the number of coefficients (fewer distinct treated doses than
coefficients, or all doses below the first knots) has no ``b_i`` and is excluded -- the known limitation of the
two-stage approach that the one-stage model of :mod:`.meta_dr` removes (Crippa, Discacciati, Bottai,
Spiegelman & Orsini 2019, *Stat Methods Med Res* 28:1579).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from painregen.dose.errors import DoseFitError, DoseInputError
from painregen.dose.meta_dr import (
    FIT_ERRORS,
    Block,
    Scale,
    SplineFit,
    _f,
    choose_scale,
    pooled_curve,
    spline_design,
    spline_shape,
    wald_nonlinearity,
)
from painregen.meta.mvmeta import MVMETA_METHODS, MvMetaResult, mvmeta

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class FirstStage:
    """One study's stage-1 spline coefficients ``b`` and their covariance ``S`` from ``n_contrasts`` contrasts."""

    study: str
    b: FloatArray
    S: FloatArray
    n_contrasts: int

    def to_dict(self) -> dict[str, Any]:
        return {"study": self.study, "n_contrasts": self.n_contrasts, "b": [_f(x) for x in self.b],
                "S": [[_f(x) for x in row] for row in self.S]}


@dataclass(frozen=True, eq=False)
class TwoStageDoseResponse(SplineFit):
    """Two-stage spline dose-response meta-analysis (see the module docstring); ``I2`` in percent."""

    Psi: FloatArray
    method: str
    excluded: dict[str, str]
    first_stage: tuple[FirstStage, ...]
    Q: float
    Q_df: int
    Q_p: float
    I2: float
    converged: bool
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return self.spline_dict("two-stage restricted cubic spline (Orsini et al. 2006)") | {
            "method": self.method, "excluded": dict(self.excluded), "Psi": [[_f(v) for v in row] for row in self.Psi],
            "Q": _f(self.Q), "Q_df": self.Q_df, "Q_p": _f(self.Q_p), "I2": _f(self.I2), "converged": self.converged,
            "first_stage": [f.to_dict() for f in self.first_stage], "notes": list(self.notes),
        }

    def __repr__(self) -> str:
        return (f"TwoStageDoseResponse(method={self.method!r}, n_studies={self.n_studies}, k={self.k}, "
                f"excluded={len(self.excluded)}, b={np.round(self.b, 4).tolist()})")


def _study_covariances(v: FloatArray, s: np.ndarray, V: Sequence[Block] | None) -> FloatArray:
    """Full sampling covariance (``vi`` on the diagonal, ``V`` blocks off it); a block may not span studies."""
    M = np.diag(v)
    for rows, mat in V or ():
        r = np.asarray(rows, dtype=np.int64).ravel()
        m = np.asarray(mat, dtype=float)
        if m.shape != (r.size, r.size):
            raise DoseInputError(f"a V block has {r.size} rows but a {m.shape} matrix")
        if r.size and (r.min() < 0 or r.max() >= v.size):
            raise DoseInputError(f"V block rows must lie in 0..{v.size - 1}")
        if np.unique(s[r]).size > 1:
            raise DoseInputError(f"a V block spans studies {sorted(set(s[r].tolist()))}; blocks lie inside one study")
        M[np.ix_(r, r)] = m
    return M


def first_stage(X: FloatArray, y: FloatArray, C: FloatArray, s: np.ndarray) -> tuple[list[FirstStage], dict[str, str]]:
    """Per-study GLS on the spline basis (stage 1, module docstring); studies with ``rank(X_i) < p`` are returned
    in the second value with the reason."""
    p = X.shape[1]
    fits: list[FirstStage] = []
    excluded: dict[str, str] = {}
    for st in dict.fromkeys(s.tolist()):  # studies in order of appearance
        idx = np.flatnonzero(s == st)
        Xi = X[idx]
        rank = int(np.linalg.matrix_rank(Xi))
        if rank < p:
            excluded[st] = (f"{idx.size} contrast(s) give a stage-1 design of rank {rank} < {p} spline coefficients "
                            "(too few distinct doses, or doses all below the inner knots)")
            continue
        CX = np.linalg.solve(C[np.ix_(idx, idx)], Xi)
        Si = np.linalg.inv(Xi.T @ CX)
        Si = (Si + Si.T) / 2
        fits.append(FirstStage(study=st, b=Si @ (CX.T @ y[idx]), S=Si, n_contrasts=int(idx.size)))
    return fits, excluded


def dose_response_two_stage(dose: npt.ArrayLike, yi: npt.ArrayLike, vi: npt.ArrayLike, study: npt.ArrayLike,
                            V: Sequence[Block] | None = None, *, knots: npt.ArrayLike | None = None,
                            scale: Scale = "auto", offset: float | None = None, method: str = "REML",
                            grid: npt.ArrayLike | None = None, level: float = 95,
                            plateau_fraction: float = 0.05, n_draws: int = 2000,
                            seed: int = 2012) -> TwoStageDoseResponse:
    """Two-stage dose-response meta-analysis (Orsini et al. 2006; module docstring).

    Inputs as :func:`painregen.dose.meta_dr.dose_response_meta`: one row per treated-versus-vehicle contrast
    (``dose`` of the treated arm, vehicle = 0), ``V`` blocks ``(rows, matrix)`` of the known sampling covariance
    inside a study. ``knots`` (on the spline scale) default to the 5/35/65/95th percentiles of all contrasts'
    doses, excluded studies included (fewer when they tie); ``scale`` is ``"auto"`` (default: the rule of
    :func:`painregen.dose.meta_dr.choose_scale`), ``"linear"`` or ``"log10"`` for ``log10(dose + offset)``
    (``offset`` default 0.01 x the largest dose). ``method``: "REML", "ML" or "fixed" for stage 2
    (:func:`painregen.meta.mvmeta`); if the random-effects stage 2 fails it falls back to ML, then fixed, with a
    note. The pooled curve is on ``grid`` (default 101 doses from 0 to the largest) with pointwise Wald limits;
    shape, plateau and peak as the one-stage model (:mod:`painregen.dose.shape`). DoseFitError (a ValueError)
    when fewer than 2 studies keep a full-rank stage-1 design.
    """
    if method not in MVMETA_METHODS:
        raise DoseInputError(f"method must be one of {MVMETA_METHODS}, got {method!r}")
    if knots is not None and scale == "auto":
        scale = "linear"  # knots given on the dose scale
    used, choice = choose_scale(dose, yi, vi, study, V, scale=scale, offset=offset)
    sd = spline_design(dose, yi, vi, study, knots=knots, scale=used, offset=offset)
    y, v, s, off, kn, X = sd.yi, sd.vi, sd.study, sd.offset, sd.knots, sd.X
    p = X.shape[1]
    fits, excluded = first_stage(X, y, _study_covariances(v, s, V), s)
    if len(fits) < 2:
        raise DoseFitError(f"two-stage dose-response needs at least 2 studies with a full-rank stage-1 design "
                           f"({p} coefficients); {len(fits)} of {len(excluded) + len(fits)} qualify (a study needs "
                           f"{p} distinct treated doses, not all below the inner knots)")
    notes: list[str] = [sd.knot_note] if sd.knot_note else []
    mv: MvMetaResult | None = None
    used_method = method
    for m in dict.fromkeys((method, "ML", "fixed")):
        try:
            mv = mvmeta(np.array([f.b for f in fits]), np.array([f.S for f in fits]), method=m, level=level)
        except FIT_ERRORS as exc:
            notes.append(f"stage 2 ({m}) failed: {str(exc) or type(exc).__name__}")
            continue
        if m != method:
            notes.append(f"stage 2 by {m} instead of {method}")
        used_method = m
        break
    if mv is None:
        raise DoseFitError("the two-stage model's stage 2 failed with every method: " + "; ".join(notes))
    if excluded:
        notes.append(f"{len(excluded)} studies excluded at stage 1 (rank-deficient spline design); the one-stage "
                     "model (dose_response_meta) uses them")
    if used_method != "fixed" and mv.Psi_rank < p:
        notes.append(f"between-study covariance Psi on the boundary (rank {mv.Psi_rank} < {p})")
    if not mv.converged:
        notes.append("stage-2 optimiser did not report convergence")
    stat, df, pval = wald_nonlinearity(mv.b, mv.vb)
    g = sd.grid(grid)
    curve = pooled_curve(mv.b, mv.vb, kn, g, scale=used, offset=off, level=level)
    shape = spline_shape(g, kn, mv.b, mv.vb, used, off, plateau_fraction, level, n_draws, seed)
    return TwoStageDoseResponse(
        scale=used, offset=off if used == "log10" else 0.0, knots=kn,
        terms=sd.terms, b=mv.b, vb=mv.vb, se=mv.se, Psi=mv.Psi, method=used_method,
        logLik=mv.logLik, k=int(sum(f.n_contrasts for f in fits)), n_studies=len(fits), excluded=excluded,
        first_stage=tuple(fits), Q=mv.Q, Q_df=mv.Q_df, Q_p=mv.Q_p, I2=mv.I2, nonlinear_stat=stat,
        nonlinear_df=df, nonlinear_p=pval, curve=curve, plateau_dose=shape.plateau_dose,
        plateau_fraction=plateau_fraction, shape=shape, scale_choice=choice, converged=mv.converged,
        notes=tuple(notes))

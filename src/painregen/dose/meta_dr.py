"""Across-study dose-response meta-analysis: one-stage restricted-cubic-spline model and a profiled Emax model.

Input is one row per treated-versus-vehicle contrast (``yi``, ``vi``, its dose, its study) and the known sampling
covariances of contrasts sharing a vehicle group (``V`` blocks). For mean differences the covariance of two
contrasts against the same control is the variance of the control mean (Gleser & Olkin 2009, ch. 19; the
continuous-outcome analogue of Greenland & Longnecker 1992, *Am J Epidemiol* 135:1301), which is what
:func:`painregen.effects.covariance.shared_control_vcov` gives.

The one-stage model (Crippa, Discacciati, Bottai, Spiegelman & Orsini 2019, *Stat Methods Med Res* 28:1579) is a
linear mixed model on the contrasts: ``yi = s(d_i)'b + u_study + u_contrast + e_i`` with ``s`` the restricted cubic
spline basis minus its value at dose 0 (:mod:`.splines`) and no intercept (the contrast at dose 0 is 0),
``e ~ N(0, V)``, random intercepts per study and per contrast, fitted by REML with
:func:`painregen.meta.rma_mv`.

Dose scale (``scale="auto"``, the default): the spline is put on ``log10(dose + offset)`` when the positive doses
span more than a decade (a linear-scale spline with percentile knots then has most knots among the high doses and
misfits a steep rise at low doses), otherwise on the scale whose maximum-likelihood fit has the smaller AIC (same
number of parameters on both).  The curve's shape -- plateau, or an inverted U reported as a peak with a decline
flag -- and intervals for the plateau and peak doses come from :mod:`.shape`.  A random-effects fit that does not
converge falls back to the maximum-likelihood fit, then to fixed-effect GLS, each time with a note: a pooled curve
is always returned for a spline that is identified.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import stats

from painregen.dose.emax_meta import EmaxMeta, emax_profile
from painregen.dose.errors import DoseFitError, DoseInputError
from painregen.dose.shape import CurveShape, curve_shape
from painregen.dose.spline_inputs import (
    FIT_ERRORS,
    Block,
    FloatArray,
    Scale,
    SplineDesign,
    _check_inputs,
    _clusters,
    _f,
    _transform,
    spline_design,
)
from painregen.dose.splines import rcs_basis
from painregen.meta import rma_mv

__all__ = ["FIT_ERRORS", "Block", "DoseCurve", "DoseResponseMeta", "EmaxMeta", "FloatArray", "Scale", "SplineDesign",
           "SplineFit", "StratifiedDoseResponse", "choose_scale", "dose_response_meta", "emax_profile", "plateau",
           "pooled_curve", "spline_design", "spline_shape", "stratified", "subset_blocks", "wald_nonlinearity"]


@dataclass(frozen=True)
class DoseCurve:
    """Pooled contrast against vehicle on a dose grid with pointwise (1 - alpha) Wald limits."""

    dose: FloatArray
    fit: FloatArray
    se: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray

    def to_dict(self) -> dict[str, Any]:
        return {k: [_f(v) for v in getattr(self, k)] for k in ("dose", "fit", "se", "ci_low", "ci_high")}


@dataclass(frozen=True, eq=False)
class SplineFit:
    """What every spline dose-response model reports: knots and scale, coefficients, the Wald test of
    non-linearity, the pooled curve and the plateau dose (:class:`DoseResponseMeta`, the two-stage model)."""

    scale: str
    offset: float
    knots: FloatArray
    terms: tuple[str, ...]
    b: FloatArray
    vb: FloatArray
    se: FloatArray
    logLik: float
    k: int
    n_studies: int
    nonlinear_stat: float
    nonlinear_df: int
    nonlinear_p: float
    curve: DoseCurve
    plateau_dose: float
    plateau_fraction: float
    shape: CurveShape
    scale_choice: dict[str, Any]

    def spline_dict(self, model: str) -> dict[str, Any]:
        """The JSON of the shared fields, ``model`` naming the model."""
        return {
            "model": model, "scale": self.scale, "offset": _f(self.offset), "knots": [_f(t) for t in self.knots],
            "k": self.k, "n_studies": self.n_studies,
            "coefficients": [{"term": t, "estimate": _f(b), "se": _f(s)}
                             for t, b, s in zip(self.terms, self.b, self.se, strict=True)],
            "vb": [[_f(v) for v in row] for row in self.vb], "logLik": _f(self.logLik),
            "nonlinearity": {"stat": _f(self.nonlinear_stat), "df": self.nonlinear_df, "p": _f(self.nonlinear_p)},
            "curve": self.curve.to_dict(), "plateau_dose": _f(self.plateau_dose),
            "plateau_fraction": self.plateau_fraction, "plateau_ci": [_f(v) for v in self.shape.plateau_ci],
            "peak_dose": _f(self.shape.peak_dose), "decline": self.shape.decline, "shape": self.shape.to_dict(),
            "scale_choice": dict(self.scale_choice),
        }


@dataclass(frozen=True, eq=False)
class DoseResponseMeta(SplineFit):
    """One-stage spline dose-response meta-analysis (see the module docstring); ``sigma2``: study and contrast
    variance components."""

    sigma2: FloatArray
    emax: EmaxMeta | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return self.spline_dict("one-stage restricted cubic spline (Crippa et al. 2019)") | {
            "sigma2": [_f(s) for s in self.sigma2], "emax": None if self.emax is None else self.emax.to_dict(),
            "notes": list(self.notes)}


@dataclass(frozen=True)
class StratifiedDoseResponse:
    """A model per level of a column (:func:`stratified`): ``results`` holds :class:`DoseResponseMeta` (or the
    results of the ``fit`` given, e.g. the two-stage model); ``skipped`` gives the levels not fitted and why."""

    by: str
    results: dict[str, Any]
    skipped: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        return {"by": self.by, "results": {k: r.to_dict() for k, r in self.results.items()},
                "skipped": dict(self.skipped)}


def choose_scale(dose: npt.ArrayLike, yi: npt.ArrayLike, vi: npt.ArrayLike, study: npt.ArrayLike,
                 V: Sequence[Block] | None = None, *, scale: str = "auto", offset: float | None = None,
                 random: bool = True) -> tuple[str, dict[str, Any]]:
    """The spline's dose scale and why (module docstring): a given ``scale`` is kept; ``"auto"`` takes log10 when
    the positive doses span more than a decade, else the scale whose ML fit (one-stage model) has the smaller
    AIC. Returns the scale and ``{"rule", "span", "aic"}``."""
    if scale in ("linear", "log10"):
        return scale, {"requested": scale, "rule": "given", "span": None, "aic": None}
    if scale != "auto":
        raise DoseInputError(f"scale must be 'auto', 'linear' or 'log10' (got {scale!r})")
    d = np.asarray(dose, dtype=float).ravel()
    pos = d[np.isfinite(d) & (d > 0)]
    span = float(pos.max() / pos.min()) if pos.size else float("nan")
    if np.isfinite(span) and span > 10:
        return "log10", {"requested": "auto", "rule": f"doses span {span:.3g}-fold (> 1 decade)", "span": span,
                         "aic": None}
    aic: dict[str, float | None] = {}
    for sc in ("linear", "log10"):
        try:
            sd = spline_design(dose, yi, vi, study, scale=sc, offset=offset)
            if np.linalg.matrix_rank(sd.X) < sd.X.shape[1]:
                raise DoseFitError("spline not identified")
            b, _vb, sig, ll, fell_back = _fit(sd, V, "ML", 95, random)
            aic[sc] = None if fell_back else -2.0 * ll + 2.0 * (b.size + sig.size)
        except FIT_ERRORS:
            aic[sc] = None
    finite = {k: v for k, v in aic.items() if v is not None and np.isfinite(v)}
    chosen = min(finite, key=lambda k: finite[k]) if finite else "linear"
    return chosen, {"requested": "auto", "rule": "smaller AIC of the ML fits" if finite else
                    "linear (neither ML fit converged)", "span": span, "aic": aic}


def _fit(sd: SplineDesign, V: Sequence[Block] | None, method: str, level: float,
         random: bool) -> tuple[FloatArray, FloatArray, FloatArray, float, list[str]]:
    """``b, vb, sigma2, logLik`` of the one-stage model on ``sd`` and notes: REML (or ``method``) by
    :func:`painregen.meta.rma_mv`; if that fails, ML; if that fails too, fixed-effect GLS (logLik of the GLS fit)."""
    notes: list[str] = []
    if random:
        for m in dict.fromkeys((method, "ML")):
            try:
                res = rma_mv(sd.yi, sd.vi, clusters=_clusters(sd.study), mods=sd.X, intercept=False, method=m, V=V,
                             level=level)
                if not (np.all(np.isfinite(res.b)) and np.all(np.isfinite(res.vb))):
                    raise FloatingPointError("non-finite estimates")
                if m != method:
                    notes.append(f"the {method} random-effects fit did not converge; ML estimates shown")
                return res.b, res.vb, np.asarray(res.sigma2, dtype=float), float(res.logLik), notes
            except FIT_ERRORS as exc:
                why = str(exc) or type(exc).__name__
        notes.append(f"the random-effects fit did not converge ({why}); fixed-effect GLS shown (no between-study "
                     "variance: intervals are too narrow if studies differ)")
    b, vb = _gls(sd.X, sd.yi, sd.vi, V)
    return b, vb, np.zeros(0), _gls_loglik(sd, V, b), notes


def _gls_loglik(sd: SplineDesign, V: Sequence[Block] | None, b: FloatArray) -> float:
    """Log-likelihood of the fixed-effect GLS fit (normal, known covariance)."""
    M = np.diag(sd.vi)
    for rows, mat in V or ():
        r = np.asarray(rows, dtype=np.int64)
        M[np.ix_(r, r)] = np.asarray(mat, dtype=float)
    resid = sd.yi - sd.X @ b
    logdet = float(np.linalg.slogdet(M)[1])
    return float(-0.5 * (resid @ np.linalg.solve(M, resid) + logdet + resid.size * np.log(2 * np.pi)))


def wald_nonlinearity(b: npt.ArrayLike, vb: npt.ArrayLike) -> tuple[float, int, float]:
    """Wald test that the non-linear spline coefficients (all but the first) are zero: ``b2' vb22^-1 b2`` on
    ``len(b) - 1`` df, chi-square p-value (Orsini et al. 2012; Crippa et al. 2019)."""
    bb = np.asarray(b, dtype=float)[1:]
    vv = np.asarray(vb, dtype=float)[1:, 1:]
    stat = float(bb @ np.linalg.solve(vv, bb))
    df = int(bb.size)
    return stat, df, float(stats.chi2.sf(stat, df))


def pooled_curve(b: npt.ArrayLike, vb: npt.ArrayLike, knots: npt.ArrayLike, grid: npt.ArrayLike, *,
                 scale: str = "linear", offset: float = 0.0, level: float = 95) -> DoseCurve:
    """Spline curve ``s(d)'b`` relative to dose 0 on ``grid`` with pointwise Wald limits by the delta method
    (``var = s(d)' vb s(d)``; Orsini et al. 2012)."""
    g = np.asarray(grid, dtype=float).ravel()
    x, x0 = _transform(g, scale, offset)
    G = rcs_basis(x, np.asarray(knots, dtype=float), zero=x0)
    bb, vv = np.asarray(b, dtype=float), np.asarray(vb, dtype=float)
    fit = G @ bb
    gse = np.sqrt(np.einsum("ij,jk,ik->i", G, vv, G))
    z = stats.norm.ppf(1 - (1 - level / 100) / 2)
    return DoseCurve(dose=g, fit=fit, se=gse, ci_low=fit - z * gse, ci_high=fit + z * gse)


def plateau(grid: npt.ArrayLike, fit: npt.ArrayLike, fraction: float = 0.05) -> float:
    """Smallest grid dose after which the pooled curve never rises by more than ``fraction`` of its maximum.

    With grid ``g_0 < ... < g_m``, curve ``f`` and ``M = max_j f(g_j)``: the plateau dose is
    ``min{g_i : max_{j >= i} f(g_j) - f(g_i) <= fraction * M}``. NaN if ``M <= 0`` (no benefit to saturate).
    A painregen definition (no published source): a grid-based reading of "where the curve saturates"."""
    g = np.asarray(grid, dtype=float)
    f = np.asarray(fit, dtype=float)
    top = float(np.max(f))
    if not top > 0:
        return float("nan")
    later_max = np.maximum.accumulate(f[::-1])[::-1]
    ok = later_max - f <= fraction * top
    return float(g[int(np.argmax(ok))])


def _gls(X: FloatArray, y: FloatArray, v: FloatArray, V: Sequence[Block] | None) -> tuple[FloatArray, FloatArray]:
    """Fixed-effect generalised least squares with the known V (Greenland & Longnecker 1992's GLS step)."""
    M = np.diag(v)
    for rows, mat in V or ():
        r = np.asarray(rows, dtype=np.int64)
        M[np.ix_(r, r)] = np.asarray(mat, dtype=float)
    MX = np.linalg.solve(M, X)
    vb = np.linalg.inv(X.T @ MX)
    return vb @ (MX.T @ y), vb


def dose_response_meta(dose: npt.ArrayLike, yi: npt.ArrayLike, vi: npt.ArrayLike, study: npt.ArrayLike,
                       V: Sequence[Block] | None = None, *, knots: npt.ArrayLike | None = None,
                       scale: Scale = "auto", offset: float | None = None, random: bool = True,
                       method: str = "REML", grid: npt.ArrayLike | None = None, level: float = 95,
                       plateau_fraction: float = 0.05, emax: bool = True, n_draws: int = 2000,
                       seed: int = 2012) -> DoseResponseMeta:
    """One-stage dose-response meta-analysis with a restricted cubic spline (Crippa et al. 2019).

    ``dose``: the treated arm's dose of each contrast (vehicle = 0); ``V``: blocks ``(rows, matrix)`` of the known
    sampling covariance (diagonal = ``vi``), each inside one study. ``scale``: ``"auto"`` (default; module
    docstring, :func:`choose_scale`), ``"linear"``, or ``"log10"`` for ``log10(dose + offset)`` (``offset``
    default 0.01 x the largest dose, as DoseFinding's linlog ``off``); ``knots`` (on that scale; with ``"auto"``
    given knots mean the linear scale) default to the 5/35/65/95th percentiles of the contrasts' doses (Orsini et
    al. 2012), fewer when those tie. ``random=False`` drops the random effects (fixed-effect GLS on V). The curve
    is on ``grid`` (default 101 doses from 0 to the largest) with pointwise Wald limits by the delta method
    (``var = g' vb g``);
    :func:`painregen.dose.shape.curve_shape` gives the shape, ``plateau_dose`` (NaN for an inverted U, reported as
    a peak) and intervals from ``n_draws`` seeded draws of the coefficients; ``emax=True`` adds
    :func:`emax_profile`. ValueError when the spline is not identified (too few distinct doses).
    """
    if knots is not None and scale == "auto":
        scale = "linear"  # knots given on the dose scale
    used, choice = choose_scale(dose, yi, vi, study, V, scale=scale, offset=offset, random=random)
    sd = spline_design(dose, yi, vi, study, knots=knots, scale=used, offset=offset)
    d, y, v, s, off, kn, X = sd.dose, sd.yi, sd.vi, sd.study, sd.offset, sd.knots, sd.X
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise DoseFitError(f"the spline is not identified: {np.unique(d).size} distinct doses cannot fit "
                         f"{X.shape[1]} coefficients with knots {np.round(kn, 6).tolist()}")
    notes = [sd.knot_note] if sd.knot_note else []
    b, vb, sigma2, ll, fit_notes = _fit(sd, V, method, level, random)
    notes += fit_notes
    if not random:
        ll = float("nan")
    se = np.sqrt(np.diag(vb))
    stat, df, p = wald_nonlinearity(b, vb)
    g = sd.grid(grid)
    curve = pooled_curve(b, vb, kn, g, scale=used, offset=off, level=level)
    shape = spline_shape(g, kn, b, vb, used, off, plateau_fraction, level, n_draws, seed)
    em = None
    if emax:
        try:
            em = emax_profile(d, y, v, s, V, method=method)
        except (*FIT_ERRORS, DoseFitError) as exc:  # the alternative must not sink the fit
            notes.append(f"emax profile failed: {exc}")
    return DoseResponseMeta(
        scale=used, offset=off if used == "log10" else 0.0, knots=kn, terms=sd.terms, b=b, vb=vb, se=se,
        sigma2=sigma2, logLik=ll, k=int(y.size), n_studies=int(np.unique(s).size), nonlinear_stat=stat,
        nonlinear_df=df, nonlinear_p=p, curve=curve, plateau_dose=shape.plateau_dose,
        plateau_fraction=plateau_fraction, shape=shape, scale_choice=choice, emax=em, notes=tuple(notes))


def spline_shape(grid: FloatArray, knots: FloatArray, b: FloatArray, vb: FloatArray, scale: str, offset: float,
                 fraction: float, level: float, n_draws: int, seed: int) -> CurveShape:
    """:func:`painregen.dose.shape.curve_shape` of the spline curve on ``grid``."""
    x, x0 = _transform(np.asarray(grid, dtype=float), scale, offset)
    return curve_shape(grid, rcs_basis(x, knots, zero=x0), b, vb, fraction=fraction, level=level, n_draws=n_draws,
                       seed=seed)


def subset_blocks(blocks: Sequence[Block] | None, keep: npt.ArrayLike) -> list[tuple[FloatArray, FloatArray]]:
    """V blocks restricted to the rows ``keep`` (indices into the original rows), renumbered 0.. in that order;
    blocks left with fewer than two rows are dropped (their variance is ``vi``)."""
    kp = np.asarray(keep, dtype=np.int64)
    pos = {int(r): i for i, r in enumerate(kp)}
    out: list[tuple[FloatArray, FloatArray]] = []
    for rows, mat in blocks or ():
        r = np.asarray(rows, dtype=np.int64)
        here = np.array([i for i, x in enumerate(r) if int(x) in pos], dtype=np.int64)
        if here.size < 2:
            continue
        m = np.asarray(mat, dtype=float)[np.ix_(here, here)]
        out.append((np.array([pos[int(x)] for x in r[here]], dtype=np.int64), m))
    return out


def stratified(dose: npt.ArrayLike, yi: npt.ArrayLike, vi: npt.ArrayLike, study: npt.ArrayLike,
               V: Sequence[Block] | None, by: npt.ArrayLike, *, name: str = "by", min_studies: int = 2,
               min_contrasts: int = 6, fit: Callable[..., Any] | None = None,
               **kwargs: Any) -> StratifiedDoseResponse:
    """:func:`dose_response_meta` separately per level of ``by`` (e.g. product or route). A level with fewer than
    ``min_studies`` studies or ``min_contrasts`` contrasts (default 6: twice the three coefficients of a
    four-knot spline, so that the variance components keep some residual information), or whose fit fails (too
    few distinct doses for the knots), is listed in ``skipped`` with the reason. ``fit`` replaces the model
    (default :func:`dose_response_meta`; e.g. :func:`painregen.dose.two_stage.dose_response_two_stage`)."""
    model = dose_response_meta if fit is None else fit
    d, y, v, s = _check_inputs(dose, yi, vi, study)
    labels = np.asarray(by, dtype=object).ravel().astype(str)
    if labels.size != d.size:
        raise DoseInputError("by must have one label per contrast")
    results: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    for level in sorted(set(labels.tolist())):
        idx = np.flatnonzero(labels == level)
        n_st = np.unique(s[idx]).size
        if n_st < min_studies:
            skipped[level] = f"{n_st} study (< {min_studies})"
            continue
        if idx.size < min_contrasts:
            skipped[level] = f"{idx.size} contrasts (< {min_contrasts})"
            continue
        try:
            results[level] = model(d[idx], y[idx], v[idx], s[idx], subset_blocks(V, idx), **kwargs)
        except (*FIT_ERRORS, DoseFitError) as exc:
            skipped[level] = str(exc) or type(exc).__name__
    return StratifiedDoseResponse(by=name, results=results, skipped=skipped)

"""Emax meta-regression across studies with ED50 profiled (the alternative to the spline of :mod:`.meta_dr`).

``yi = eMax d / (ed50 + d)`` on treated-versus-vehicle contrasts (no e0: the contrast at dose 0 is 0), the
variance components and eMax fitted by :func:`painregen.meta.rma_mv` at each ED50 of a log grid; DoseFinding's Emax
model (Bornkamp, Pinheiro & Bretz), profiled as a non-linear parameter of a mixed model is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import optimize, stats

from painregen.dose.errors import DoseFitError
from painregen.dose.spline_inputs import FIT_ERRORS, Block, FloatArray, _check_inputs, _clusters, _f
from painregen.meta import rma_mv
from painregen.meta.mv_profile import NestedRefit


@dataclass(frozen=True)
class EmaxMeta:
    """Emax meta-regression ``yi = eMax d / (ed50 + d)`` (no e0: contrasts against vehicle), ed50 profiled.

    ``se_eMax`` is conditional on the profiled ``ed50``; ``ed50_ci`` is the profile-likelihood interval read off
    the grid (log-likelihood within ``chi2_1(0.95) / 2`` of its maximum; an end is NaN when it reaches the grid
    edge). ``at_bound`` says the maximum lies at the edge of the grid (ed50 not identified by the data)."""

    ed50: float
    eMax: float
    se_eMax: float
    ed50_ci: tuple[float, float]
    logLik: float
    sigma2: FloatArray
    method: str
    at_bound: bool
    profile_ed50: FloatArray
    profile_logLik: FloatArray

    def to_dict(self) -> dict[str, Any]:
        return {"model": "emax", "approach": "profile likelihood over ed50", "ed50": _f(self.ed50),
                "eMax": _f(self.eMax), "se_eMax": _f(self.se_eMax), "ed50_ci": [_f(c) for c in self.ed50_ci],
                "logLik": _f(self.logLik), "sigma2": [_f(s) for s in self.sigma2], "method": self.method,
                "at_bound": self.at_bound}


def emax_profile(dose: npt.ArrayLike, yi: npt.ArrayLike, vi: npt.ArrayLike, study: npt.ArrayLike,
                 V: Sequence[Block] | None = None, *, method: str = "REML", n_grid: int = 41,
                 ed50_range: tuple[float, float] | None = None) -> EmaxMeta:
    """Emax meta-regression ``yi = eMax d / (ed50 + d)`` by profiling ``ed50``.

    A profile approach: for each ``ed50`` on a log-spaced grid (default from 1/100 of the smallest positive dose
    to 10 x the largest), eMax and the variance components are fitted by :func:`painregen.meta.rma_mv`
    (``mods = d / (ed50 + d)``, no intercept, random = study/contrast, ``V`` blocks; the model is built once by
    :class:`painregen.meta.mv_profile.NestedRefit`, and the grid's fits are made together by its
    ``profile``); the grid maximum of the (restricted) log-likelihood is then refined by Brent's method on log ed50
    between its neighbours, each fit starting from the previous one's optimum. The Emax model is DoseFinding's
    (Bornkamp, Pinheiro & Bretz; ``emax`` with ``e0 = 0`` since contrasts are against vehicle). Under REML the
    likelihoods of different designs are compared, as in
    profiling a non-linear parameter of a mixed model; ``method="ML"`` avoids that caveat.
    """
    d, y, v, s = _check_inputs(dose, yi, vi, study)
    pos = d[d > 0]
    if pos.size == 0:
        raise ValueError("no positive doses")
    lo, hi = ed50_range if ed50_range is not None else (float(pos.min()) / 100, float(pos.max()) * 10)
    cl = _clusters(s)

    def fit(log_ed50: float) -> Any:
        x = d / (10.0 ** log_ed50 + d)
        return rma_mv(y, v, clusters=cl, mods=x[:, None], intercept=False, method=method, V=V)

    try:  # rma_mv's model built once; the grid's fits together (same logLik as rma_mv)
        refit: NestedRefit | None = NestedRefit(y, v, cl, method=method, V=V)
    except FIT_ERRORS:
        refit = None
    last: list[np.ndarray] = []  # variance components of the fits so far (the last one starts the next fit)

    def loglik(log_ed50: float) -> float:
        try:
            if refit is None:
                return float(fit(log_ed50).logLik)
            f = refit.fit(d / (10.0 ** log_ed50 + d), last[-1] if last else None)
        except FIT_ERRORS:
            return -np.inf
        last.append(f.theta)
        return float(f.ev.ll)

    grid = np.linspace(np.log10(lo), np.log10(hi), n_grid)
    if refit is None:
        lls = np.array([loglik(g) for g in grid])
    else:
        try:
            lls, thetas = refit.profile([d / (10.0 ** g + d) for g in grid])
        except FIT_ERRORS:  # e.g. no more effects than coefficients: no point of the profile fits
            lls, thetas = np.full(n_grid, -np.inf), [None] * n_grid
        top = thetas[int(np.argmax(lls))]
        if top is not None:  # the refinement's first fit starts from the grid's best
            last.append(top)
    if not np.any(np.isfinite(lls)):
        raise DoseFitError("the Emax meta-regression did not converge at any ED50 of the profile grid")
    i = int(np.argmax(lls))
    at_bound = i in (0, n_grid - 1)
    best = float(grid[i])
    if not at_bound:
        opt = optimize.minimize_scalar(lambda t: -loglik(t), bounds=(grid[i - 1], grid[i + 1]),
                                       method="bounded", options={"xatol": 1e-8})
        if -float(opt.fun) > lls[i]:
            best = float(opt.x)
    res = fit(best)
    cut = res.logLik - stats.chi2.ppf(0.95, 1) / 2
    inside = np.flatnonzero(lls >= cut)
    ci_lo = float("nan") if inside.size == 0 or inside[0] == 0 else float(10.0 ** grid[inside[0]])
    ci_hi = float("nan") if inside.size == 0 or inside[-1] == n_grid - 1 else float(10.0 ** grid[inside[-1]])
    return EmaxMeta(ed50=float(10.0 ** best), eMax=float(res.b[0]), se_eMax=float(res.se[0]),
                    ed50_ci=(ci_lo, ci_hi), logLik=float(res.logLik), sigma2=np.asarray(res.sigma2, dtype=float),
                    method=method, at_bound=at_bound, profile_ed50=10.0 ** grid, profile_logLik=lls)

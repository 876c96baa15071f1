"""MCP-Mod's test, fits and model selection repeated on many data sets at once.

Used for the bootstrap of the whole selection (:mod:`.bootstrap`: every replicate is tested, every candidate family
is refitted, the model is selected again and the target doses recomputed, so the intervals carry the uncertainty of
the choice of model; Buckland, Burnham & Augustin 1997, Biometrics 53:603; Efron 2014, JASA 109:991) and for the
simulation of the window's coverage (:mod:`.coverage`).  For each data set (rows of ``means``):

1. the contrast statistics ``t = C'ybar / sqrt(s2 diag(C'S1C))`` against the critical value of the real study
   (``S1`` the covariance of the means per unit variance, ``s2`` the row's variance scale: the pooled variance for
   raw data, 1 for summary data);
2. the families of the significant contrasts are the candidates (all families when none is significant), as
   DoseFinding's MCPMod fits the significant ones;
3. each family is fitted (:func:`painregen.dose.vp.fit_batch`) and the model selected by AIC (raw data:
   ``N log(RSS/N) + 2(p + 1)`` with ``RSS`` including the within-group sum of squares; summary data: gAIC
   ``gRSS + 2p``), by the largest significant t (maxT), by AIC weights (aveAIC: the curve is the weighted sum of
   the models; in a bootstrap replicate, given ``rng``, one model is drawn with its AIC weight instead, so that
   the replicates form the model-averaged mixture of Buckland, Burnham & Augustin 1997 -- the averaged curve's
   own saturation dose varies too little between replicates to cover the truth, 47 % at nominal 95 % in the
   coverage simulation of docs/dose.md), or fixed to one family;
4. MED = TD(delta) and saturation dose = ED_p of the selected (or averaged) curve within the tested range.
   A TD not reached is +inf; the saturation dose of a linear or linlog curve is +inf ("beyond the tested
   range": the fraction of the in-range maximum is fixed by the range, not estimated).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .data import DoseData
from .errors import DoseInputError
from .model_defs import Fixed, default_bounds, get_model
from .models import Array
from .mods import Direction
from .target_dose import Curves, curve_ed, curve_td
from .vp import fit_batch

NOT_ESTIMABLE_SATURATION = frozenset({"linear", "linlog"})


@dataclass(frozen=True, eq=False)
class Design:
    """What the data sets of a batch share (module docstring)."""

    doses: Array
    weights: Array
    cov_unit: Array
    type: str
    n_total: float
    df: float
    families: tuple[str, ...]
    fixed: Fixed
    cont_mat: Array
    fam_of: Array
    crit: float
    two_sided: bool
    significant_only: bool = True

    @classmethod
    def of(cls, data: DoseData, families: tuple[str, ...], contrast_families: tuple[str, ...], cont_mat: Array,
           crit: float, fixed: Fixed, two_sided: bool = False, significant_only: bool = True) -> Design:
        """The design of ``data`` (its doses and weights; covariance per unit variance) with candidate
        ``families`` (those with more parameters than dose levels are dropped), the contrasts' families and
        matrix, and the critical value; ``significant_only=False`` makes every family a candidate in every
        replicate (MCP-Mod run with ``fit="all"``)."""
        fams = tuple(f for f in families if len(get_model(f).coef_names) <= data.k)
        cov_unit = data.cov / (data.sigma**2) if data.type == "normal" else data.cov
        fam_of = np.array([fams.index(f) if f in fams else -1 for f in contrast_families], dtype=int)
        return cls(data.doses, data.weight_matrix(), cov_unit, data.type, data.n_total, data.df, fams, fixed,
                   cont_mat, fam_of, float(crit), two_sided, significant_only)

    @classmethod
    def raw(cls, doses: Array, n: Array, families: tuple[str, ...], contrast_families: tuple[str, ...],
            cont_mat: Array, crit: float, fixed: Fixed) -> Design:
        """The design of raw data with ``n`` animals per dose group (as :meth:`of`, without a data set)."""
        fams = tuple(f for f in families if len(get_model(f).coef_names) <= doses.size)
        fam_of = np.array([fams.index(f) if f in fams else -1 for f in contrast_families], dtype=int)
        return cls(doses, np.diag(n), np.diag(1.0 / n), "normal", float(n.sum()), float(n.sum() - doses.size),
                   fams, fixed, cont_mat, fam_of, float(crit), False)

    @property
    def se_unit(self) -> Array:
        c = self.cont_mat
        return np.asarray(np.sqrt(np.einsum("km,kl,lm->m", c, self.cov_unit, c)))


@dataclass(frozen=True, eq=False)
class Reselection:
    """Per data set: any contrast significant, the model weights (one-hot unless aveAIC), MED and saturation."""

    significant: NDArray[np.bool_]
    weights: Array
    med: Array
    saturation: Array
    families: tuple[str, ...]
    curves: Curves

    @property
    def chosen(self) -> Array:
        """Index of the selected family (the largest weight)."""
        return np.asarray(np.argmax(self.weights, axis=1))

    def frequencies(self) -> dict[str, float]:
        """Share of data sets selecting each family (aveAIC: mean weight)."""
        return {f: float(np.mean(self.weights[:, j])) for j, f in enumerate(self.families)}


def _scores(design: Design, t: Array, sig: NDArray[np.bool_], crits: dict[str, Array], ss_within: Array,
            method: str) -> Array:
    """Selection score per data set and family (smaller is better; inf = not a candidate)."""
    n, fam_n = t.shape[0], len(design.families)
    eligible = np.zeros((n, fam_n), dtype=bool)
    for j in range(fam_n):
        eligible[:, j] = np.any(sig[:, design.fam_of == j], axis=1)
    eligible[~eligible.any(axis=1) | (not design.significant_only)] = True
    eligible &= np.array([f in crits for f in design.families])[None, :]
    score = np.full((n, fam_n), np.inf)
    for j, fam in enumerate(design.families):
        if fam not in crits:
            continue
        p = len(get_model(fam).coef_names)
        if method == "maxT":
            tt = np.where(design.fam_of == j, t, -np.inf)
            val = -np.max(tt, axis=1)
        elif design.type == "normal":
            rss = crits[fam] + ss_within
            val = design.n_total * np.log(rss / design.n_total) + 2.0 * (p + 1)
        else:
            val = crits[fam] + 2.0 * p
        score[:, j] = np.where(eligible[:, j], val, np.inf)
    return score


def analyse(design: Design, means: Array, scale2: Array, ss_within: Array, *, method: str, delta: float | None,
            p: float, direction: Direction, ftol: float = 1e-12,
            rng: np.random.Generator | None = None) -> Reselection:
    """Test, fit, select and estimate MED and saturation dose for each row of ``means`` (N, k); ``scale2`` (N,)
    is each row's variance scale and ``ss_within`` (N,) its within-group sum of squares (module docstring;
    ``rng``: draw one model per row under aveAIC)."""
    means = np.atleast_2d(means)
    n = means.shape[0]
    t = (means @ design.cont_mat) / (np.sqrt(scale2)[:, None] * design.se_unit)
    stat = np.abs(t) if design.two_sided else t
    sig = stat > design.crit
    fixed_family = method if method in design.families else None
    if method not in ("aic", "maxT", "aveAIC") and fixed_family is None:
        raise DoseInputError(f"cannot reselect by {method!r}: not a method or a fittable family")
    fams = (fixed_family,) if fixed_family else design.families
    coefs: dict[str, Array] = {}
    crits: dict[str, Array] = {}
    for fam in fams:
        mdef = get_model(fam)
        bnds = None if mdef.is_linear else default_bounds(fam, float(design.doses[-1]))
        coefs[fam], crits[fam] = fit_batch(mdef, design.doses, means, design.weights, bnds, design.fixed, ftol=ftol)
    fam_n = len(design.families)
    if fixed_family:
        weights = np.zeros((n, fam_n))
        weights[:, design.families.index(fixed_family)] = 1.0
    else:
        score = _scores(design, t, sig, crits, ss_within, method)
        if method == "aveAIC":
            w = np.exp(-0.5 * (score - score.min(axis=1, keepdims=True)))
            weights = w / w.sum(axis=1, keepdims=True)
        else:
            weights = np.eye(fam_n)[np.argmin(score, axis=1)]
    one_hot = weights
    if method == "aveAIC" and rng is not None:
        u = np.asarray(rng.random(n))
        drawn = np.minimum(np.sum(np.cumsum(weights, axis=1) < u[:, None], axis=1), fam_n - 1)
        one_hot = np.eye(fam_n)[drawn]
    med = np.full(n, np.nan)
    sat = np.full(n, np.nan)
    max_dose = float(design.doses[-1])
    parts = tuple((get_model(f), coefs.get(f, np.zeros((n, len(get_model(f).coef_names))))) for f in design.families)
    curves_all = Curves(parts, weights, design.fixed)
    if method == "aveAIC" and rng is None:
        groups = [(np.arange(n), curves_all, False)]
    else:
        groups = [(rows, Curves.single(parts[j][0], parts[j][1][rows], design.fixed),
                   design.families[j] in NOT_ESTIMABLE_SATURATION)
                  for j in range(fam_n) if (rows := np.flatnonzero(one_hot[:, j] == 1.0)).size]
    for rows, curves, not_estimable in groups:
        if delta is not None:
            m = curve_td(curves, max_dose, delta, direction)
            med[rows] = np.where(np.isnan(m), np.inf, m)
        sat[rows] = np.inf if not_estimable else curve_ed(curves, max_dose, p, direction)
    return Reselection(np.any(sig, axis=1), weights, med, sat, design.families, curves_all)

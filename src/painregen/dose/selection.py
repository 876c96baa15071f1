"""Model selection among the fitted candidate families (DoseFinding's ``MCPMod`` ``selModel``).

* ``aic``: the smallest AIC (gAIC for summary data) among the fitted models;
* ``maxT``: the family of the contrast with the largest t statistic among the significant ones;
* ``aveAIC``: every fitted model weighted by ``exp(-AIC/2)`` (Buckland, Burnham & Augustin 1997,
  Biometrics 53:603).  painregen's MED and window come from the model-averaged curve
  ``sum_m w_m f_m(d)`` (:class:`ModelAverage`; Schorning, Bornkamp, Bretz & Dette 2016, Stat Med 35:4021, average
  the curves), so a model whose TD lies beyond the top dose no longer makes the MED undefined;
  :func:`weighted_dose` gives DoseFinding's own aveAIC estimate (the weighted mean of the models' TDs, NaN if one
  is NaN) for comparison;
* a family name: that model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import DoseInputError
from .model_defs import get_model
from .models import Array
from .results import FitResult, MCTResult
from .target_dose import Curves

METHODS = ("aic", "maxT", "aveAIC")


@dataclass(frozen=True)
class Selection:
    """The chosen model, the selection method and the weight of every fitted model."""

    method: str
    selected: str | None
    weights: dict[str, float]


def normalise_method(select: str, families: Sequence[str]) -> str:
    """Accept ``aic``/``AIC``, ``maxT``, ``aveAIC`` or a family name (case-insensitive)."""
    for m in (*METHODS, *families):
        if select.lower() == m.lower():
            return m
    raise DoseInputError(f"--select must be one of aic, maxT, aveAIC or a fitted model; got {select!r}")


def select_model(fits: Sequence[FitResult], mct: MCTResult, method: str) -> Selection:
    """Choose among ``fits`` by ``method``; ``selected`` is None when nothing was fitted."""
    if not fits:
        return Selection(method, None, {})
    names = [f.model for f in fits]
    method = normalise_method(method, names)
    aic = np.array([f.aic for f in fits])
    if method == "aveAIC":
        w = np.exp(-0.5 * (aic - aic.min()))
        w = w / w.sum()
        weights = {n: float(v) for n, v in zip(names, w, strict=True)}
        return Selection(method, names[int(np.argmax(w))], weights)
    if method == "aic":
        chosen = names[int(np.argmin(aic))]
    elif method == "maxT":
        fam = mct.families
        order = np.argsort(-mct.t_stats)
        ranked = [fam[i] for i in order if mct.significant[i] and fam[i] in names]
        ranked = ranked or [fam[i] for i in order if fam[i] in names]
        chosen = ranked[0]
    else:
        chosen = method
    return Selection(method, chosen, {n: float(n == chosen) for n in names})


@dataclass(frozen=True, eq=False)
class ModelAverage:
    """The model-averaged curve of aveAIC selection: ``sum_m w_m f_m(d)`` over ``fits``."""

    fits: tuple[FitResult, ...]
    weights: tuple[float, ...]

    @property
    def model(self) -> str:
        return "model average (" + ", ".join(f"{f.model} {w:.2f}" for f, w in zip(self.fits, self.weights,
                                                                                   strict=True) if w >= 0.005) + ")"

    @property
    def doses(self) -> Array:
        return self.fits[0].doses

    def predict(self, dose: Any) -> Array:
        return np.asarray(sum(w * f.predict(dose) for f, w in zip(self.fits, self.weights, strict=True)))


def curve_of(fit: FitResult | ModelAverage) -> Curves:
    """A fitted model, or a model average, as a batch of one curve (:class:`painregen.dose.target_dose.Curves`)."""
    if isinstance(fit, ModelAverage):
        parts = tuple((get_model(f.model), f.coefs[None]) for f in fit.fits)
        return Curves(parts, np.array([fit.weights]), fit.fits[0].fixed)
    return Curves.single(get_model(fit.model), fit.coefs, fit.fixed)


def weighted_dose(estimates: dict[str, float], weights: dict[str, float]) -> float:
    """Weighted dose estimate over models with positive weight (NaN if any of them is NaN)."""
    used = {k: w for k, w in weights.items() if w > 0}
    vals = np.array([estimates[k] for k in used])
    return float(np.sum(vals * np.array(list(used.values()))))

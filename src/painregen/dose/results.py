"""Frozen result objects of the dose-response core, each with ``to_dict()``, ``summary()`` and a repr.

``to_dict()`` produces the JSON keys fixed by the CLI contract (DESIGN.md, ``painregen dose``):
``mct {critical_value, df, contrasts: [{model, t, p_adj}]}``, ``fits: [{model, coefficients, rss, aic,
at_bound}]``, ``selected_model``, ``med`` and ``window``.  Infinite degrees of freedom (the
multivariate normal case) are written as ``null``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .models import Array

if TYPE_CHECKING:
    from .data import DoseData
    from .selection import Selection
    from .target_dose import TargetDose
    from .window import WindowResult


def num(x: Any) -> float | None:
    """A JSON-safe float: None for NaN, infinity or None."""
    if x is None:
        return None
    v = float(x)
    return v if math.isfinite(v) else None


class ResultMixin:
    """Shared rendering: ``summary()`` is a DataFrame, HTML and text reprs are built from it."""

    def to_dict(self) -> dict[str, Any]:  # pragma: no cover - overridden
        raise NotImplementedError

    def summary(self) -> pd.DataFrame:  # pragma: no cover - overridden
        raise NotImplementedError

    def _title(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{self._title()}>\n{self.summary().to_string(index=False)}"

    def _repr_html_(self) -> str:
        return f"<p><b>{self._title()}</b></p>" + self.summary().to_html(index=False)


@dataclass(frozen=True, eq=False, repr=False)
class MCTResult(ResultMixin):
    """Multiple contrast test: t statistics, adjusted p-values and the critical value."""

    names: tuple[str, ...]
    families: tuple[str, ...]
    doses: Array
    cont_mat: Array
    cor_mat: Array
    t_stats: Array
    p_adj: Array
    critical_value: float
    df: float
    alpha: float
    alternative: str

    @property
    def significant(self) -> Array:
        stat = np.abs(self.t_stats) if self.alternative == "two.sided" else self.t_stats
        return np.asarray(stat > self.critical_value)

    @property
    def any_significant(self) -> bool:
        return bool(np.any(self.significant))

    def _title(self) -> str:
        df = "inf" if not math.isfinite(self.df) else f"{self.df:g}"
        return (f"MCTResult: {len(self.names)} contrasts, {self.alternative}, alpha={self.alpha:g}, "
                f"df={df}, critical value={self.critical_value:.4f}")

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame({"model": list(self.names), "t": self.t_stats, "p_adj": self.p_adj,
                             "significant": self.significant})

    def to_dict(self) -> dict[str, Any]:
        return {
            "critical_value": num(self.critical_value),
            "df": num(self.df),
            "alpha": self.alpha,
            "alternative": self.alternative,
            "contrasts": [
                {"model": m, "family": f, "t": num(t), "p_adj": num(p), "significant": bool(s)}
                for m, f, t, p, s in zip(self.names, self.families, self.t_stats, self.p_adj, self.significant,
                                         strict=True)
            ],
        }


@dataclass(frozen=True, eq=False, repr=False)
class FitResult(ResultMixin):
    """A fitted dose-response model (DoseFinding's ``DRMod``).

    ``rss`` is the residual sum of squares (raw data) or the GLS criterion ``gRSS`` (summary data);
    ``aic`` is then AIC or DoseFinding's gAIC, as ``criterion`` says.  ``vcov`` is the asymptotic
    covariance of ``coefs`` (NaN rows and columns for parameters that are not identified, listed in
    ``not_identified``); ``at_bound`` lists nonlinear parameters that stopped at a bound.
    """

    model: str
    type: str
    coef_names: tuple[str, ...]
    coefs: Array
    rss: float
    aic: float
    criterion: str
    df: float
    vcov: Array
    at_bound: tuple[str, ...]
    fixed: dict[str, float]
    doses: Array
    bounds: Array
    not_identified: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def coefficients(self) -> dict[str, float]:
        return dict(zip(self.coef_names, (float(c) for c in self.coefs), strict=True))

    @property
    def se(self) -> Array:
        """Standard errors; NaN (never 0) for a parameter that is not identified."""
        v = np.diag(self.vcov)
        return np.asarray(np.where(v >= 0, np.sqrt(np.abs(v)), np.nan))

    def _def(self) -> Any:
        from .model_defs import get_model

        return get_model(self.model)

    def predict(self, dose: Any) -> Array:
        """Fitted mean response at ``dose``."""
        return np.asarray(self._def().mean(np.asarray(dose, float), self.coefs, self.fixed))

    def effect(self, dose: Any) -> Array:
        """Fitted effect over placebo, ``f(d) - f(0)``."""
        return self.predict(dose) - self.predict(0.0)

    def gradient(self, dose: Any) -> Array:
        """Gradient of the mean in the coefficients, shape dose.shape + (p,)."""
        return np.asarray(self._def().grad(np.asarray(dose, float), self.coefs, self.fixed))

    def predict_se(self, dose: Any, effect: bool = False) -> Array:
        """Delta-method standard error of the fitted mean (or of the effect over placebo)."""
        g = self.gradient(dose)
        if effect:
            g = g - self.gradient(0.0)
        v = np.einsum("...i,ij,...j->...", g, self.vcov, g)
        return np.asarray(np.where(v >= 0, np.sqrt(np.abs(v)), np.nan))

    def _title(self) -> str:
        return f"FitResult: {self.model} ({self.type}), {self.criterion}={self.aic:.4f}"

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame({"coefficient": list(self.coef_names), "estimate": self.coefs, "se": self.se,
                             "at_bound": [c in self.at_bound for c in self.coef_names],
                             "identified": [c not in self.not_identified for c in self.coef_names]})

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "coefficients": {k: num(v) for k, v in self.coefficients.items()},
            "se": {k: num(v) for k, v in zip(self.coef_names, self.se, strict=True)},
            "rss": num(self.rss),
            "aic": num(self.aic),
            "criterion": self.criterion,
            "df": num(self.df),
            "at_bound": bool(self.at_bound),
            "at_bound_parameters": list(self.at_bound),
            "not_identified": list(self.not_identified),
            "notes": list(self.notes),
        }


@dataclass(frozen=True, eq=False, repr=False)
class MCPModResult(ResultMixin):
    """MCP-Mod on one study: the contrast test, the fitted models, the selection, MED and window.

    The same class is returned on every path: with no significant contrast ``selected_model`` and
    ``med`` are None and ``window.identified`` is False; with fewer than 4 dose levels (control
    included) no model is fitted and only the test is reported.
    """

    data: DoseData
    mct: MCTResult
    fits: tuple[FitResult, ...]
    selection: Selection
    med: TargetDose | None
    window: WindowResult
    identified: bool
    direction: str
    notes: tuple[str, ...] = ()
    med_dosefinding: float | None = None

    @property
    def selected_model(self) -> str | None:
        return self.selection.selected

    def fit(self, model: str) -> FitResult:
        """The fit of family ``model``."""
        for f in self.fits:
            if f.model == model:
                return f
        raise KeyError(model)

    def _title(self) -> str:
        return (f"MCPModResult: k={self.data.k} doses, {self.data.type} data, "
                f"{int(self.mct.significant.sum())}/{len(self.mct.names)} contrasts significant, "
                f"selected={self.selected_model}\n{self.window.verdict}")

    def summary(self) -> pd.DataFrame:
        """One row per contrast: t, adjusted p, significance, and the AIC of its family's fit."""
        rows = self.mct.summary()
        aic = {f.model: f.aic for f in self.fits}
        rows["family"] = list(self.mct.families)
        rows["aic"] = [aic.get(f, np.nan) for f in self.mct.families]
        return rows

    def to_dict(self) -> dict[str, Any]:
        d = self.data
        return {
            "type": d.type,
            "doses": [float(v) for v in d.doses],
            "means": [float(v) for v in d.means],
            "se": [float(v) for v in d.se],
            "n": [num(v) for v in d.n],
            "direction": self.direction,
            "mct": self.mct.to_dict(),
            "fits": [f.to_dict() for f in self.fits],
            "selected_model": self.selected_model,
            "selection": {"method": self.selection.method, "weights": dict(self.selection.weights)},
            "med": None if self.med is None else num(self.med.dose),
            "med_se": None if self.med is None else num(self.med.se),
            "med_dosefinding": num(self.med_dosefinding),
            "delta": None if self.med is None else self.med.level,
            "identified": self.identified,
            "window": self.window.to_dict(),
            "notes": list(self.notes),
        }

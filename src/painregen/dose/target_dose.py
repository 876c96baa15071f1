"""Target doses of a dose-response curve: TD (effect Delta over placebo) and ED_p (DoseFinding ``TD``/``ED``).

    TD    = min { x in (0, D] : s (f(x) - f(0)) >= Delta }
    ED_p  = min { x in [0, D] : s (f(x) - f(0)) >= p max_{[0, D]} s (f(d) - f(0)) }

with ``s = +1`` when larger responses are better and ``-1`` otherwise, and D the largest tested dose
(Bretz, Pinheiro & Branson 2005, Biometrics 61:738; DoseFinding TD/ED manual: the ED is relative to the
maximum effect *within the dose range*).  A TD that the curve does not reach inside the tested range is
NaN (DoseFinding extrapolates the linear model beyond the range; painregen does not).  Roots are found on
a dose grid and refined by bisection, vectorised over a batch of coefficient vectors.  Standard errors use
the delta method with implicit differentiation of ``g(x, theta) = level(theta)``; for the ED the level
moves with the maximum effect (envelope theorem).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import DoseInputError
from .model_defs import Fixed, ModelDef, get_model
from .models import Array
from .mods import Direction, Mods
from .results import FitResult, num

GRID = 1001
_GOLD = (np.sqrt(5.0) - 1.0) / 2.0


def _sign(direction: Direction) -> float:
    if direction not in ("increasing", "decreasing"):
        raise DoseInputError(f"direction must be 'increasing' or 'decreasing', not {direction!r}")
    return 1.0 if direction == "increasing" else -1.0


def _effect(mdef: ModelDef, coefs: Array, fixed: Fixed, x: Array, sign: float, base: Array | None = None) -> Array:
    """``sign (f(x) - f(0))`` for each row; ``base`` = f(0) (B, 1) if already known."""
    f0 = mdef.mean_batch(np.zeros((coefs.shape[0], 1)), coefs, fixed) if base is None else base
    return sign * (mdef.mean_batch(x, coefs, fixed) - f0)


def max_effect(mdef: ModelDef, coefs: Array, fixed: Fixed, max_dose: float, sign: float) -> tuple[Array, Array]:
    """Largest beneficial effect over placebo within [0, D] and where it occurs; both (B,)."""
    grid = np.linspace(0.0, max_dose, GRID)
    base = mdef.mean_batch(np.zeros((coefs.shape[0], 1)), coefs, fixed)
    eff = _effect(mdef, coefs, fixed, grid, sign, base)
    j = np.argmax(eff, axis=1)
    lo = grid[np.maximum(j - 1, 0)]
    hi = grid[np.minimum(j + 1, GRID - 1)]
    for _ in range(50):  # golden-section refinement of the bracket around the grid maximum
        a = hi - _GOLD * (hi - lo)
        b = lo + _GOLD * (hi - lo)
        fa = _effect(mdef, coefs, fixed, a[:, None], sign, base)[:, 0]
        fb = _effect(mdef, coefs, fixed, b[:, None], sign, base)[:, 0]
        left = fa >= fb
        hi = np.where(left, b, hi)
        lo = np.where(left, lo, a)
    x = 0.5 * (lo + hi)
    fx = _effect(mdef, coefs, fixed, x[:, None], sign, base)[:, 0]
    best = fx >= eff[np.arange(j.size), j]
    return np.where(best, fx, eff[np.arange(j.size), j]), np.where(best, x, grid[j])


def first_crossing(
    mdef: ModelDef, coefs: Array, fixed: Fixed, max_dose: float, level: Array, sign: float
) -> Array:
    """Smallest dose in [0, D] where the beneficial effect reaches ``level`` (B,); NaN if never."""
    b = coefs.shape[0]
    grid = np.linspace(0.0, max_dose, GRID)
    base = mdef.mean_batch(np.zeros((b, 1)), coefs, fixed)
    eff = _effect(mdef, coefs, fixed, grid, sign, base)
    reached = eff >= level[:, None]
    found = reached.any(axis=1)
    j = np.argmax(reached, axis=1)
    lo = grid[np.maximum(j - 1, 0)]
    hi = grid[j]
    for _ in range(45):
        mid = 0.5 * (lo + hi)
        up = _effect(mdef, coefs, fixed, mid[:, None], sign, base)[:, 0] >= level
        hi = np.where(up, mid, hi)
        lo = np.where(up, lo, mid)
    return np.where(found, np.where(j == 0, 0.0, hi), np.nan)


def td_batch(mdef: ModelDef, coefs: Array, fixed: Fixed, max_dose: float, delta: float,
             direction: Direction = "increasing") -> Array:
    """TD for each row of ``coefs`` (B, p)."""
    if not delta > 0:
        raise DoseInputError(f"Delta={delta} must be positive")
    level = np.full(coefs.shape[0], float(delta))
    return first_crossing(mdef, coefs, fixed, max_dose, level, _sign(direction))


def ed_batch(mdef: ModelDef, coefs: Array, fixed: Fixed, max_dose: float, p: float,
             direction: Direction = "increasing") -> Array:
    """ED_p for each row of ``coefs`` (B, p); NaN where the curve has no beneficial effect."""
    if not 0 < p <= 1:
        raise DoseInputError(f"p={p} must lie in (0, 1]")
    sign = _sign(direction)
    m, _ = max_effect(mdef, coefs, fixed, max_dose, sign)
    x = first_crossing(mdef, coefs, fixed, max_dose, p * m, sign)
    return np.where(m > 0, x, np.nan)


@dataclass(frozen=True)
class TargetDose:
    """A target dose estimate with its delta-method standard error (NaN when not reached)."""

    kind: str
    level: float
    dose: float
    se: float

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "level": self.level, "dose": num(self.dose), "se": num(self.se)}


def _implicit_se(fit: FitResult, x: float, sign: float, dlevel: Array) -> float:
    if not np.isfinite(x) or x <= 0 or x >= fit.doses[-1] or not np.all(np.isfinite(fit.vcov)):
        return float("nan")
    h = 1e-6 * fit.doses[-1]
    slope = sign * float(fit.predict(x + h) - fit.predict(x - h)) / (2 * h)
    if slope <= 0:
        return float("nan")
    dg = sign * (fit.gradient(x) - fit.gradient(0.0)) - dlevel
    gx = -dg / slope
    return float(np.sqrt(max(gx @ fit.vcov @ gx, 0.0)))


def td(fit: FitResult, delta: float, direction: Direction = "increasing") -> TargetDose:
    """Target dose giving an effect ``delta`` over placebo, with delta-method SE."""
    mdef = get_model(fit.model)
    x = float(td_batch(mdef, fit.coefs[None], fit.fixed, float(fit.doses[-1]), delta, direction)[0])
    se = _implicit_se(fit, x, _sign(direction), np.zeros(fit.coefs.size))
    return TargetDose("TD", float(delta), x, se)


def ed(fit: FitResult, p: float, direction: Direction = "increasing") -> TargetDose:
    """Dose giving ``p`` of the maximum effect within the dose range, with delta-method SE."""
    mdef = get_model(fit.model)
    sign = _sign(direction)
    x = float(ed_batch(mdef, fit.coefs[None], fit.fixed, float(fit.doses[-1]), p, direction)[0])
    _, xm = max_effect(mdef, fit.coefs[None], fit.fixed, float(fit.doses[-1]), sign)
    dlevel = p * sign * (fit.gradient(float(xm[0])) - fit.gradient(0.0))
    return TargetDose("ED", float(p), x, _implicit_se(fit, x, sign, dlevel))


def mods_td(models: Mods, delta: float, direction: Direction | None = None) -> dict[str, float]:
    """TD of every candidate of a resolved ``Mods`` (DoseFinding ``TD(Mods, Delta)``)."""
    dirn = direction or models.direction
    out = {}
    for c in models.candidates:
        mdef = get_model(c.family)
        coefs = np.array(models.coefs[c.name])[None]
        out[c.name] = float(td_batch(mdef, coefs, models.fixed, models.doses[-1], delta, dirn)[0])
    return out


def mods_ed(models: Mods, p: float) -> dict[str, float]:
    """ED_p of every candidate of a resolved ``Mods`` (DoseFinding ``ED(Mods, p)``)."""
    out = {}
    for c in models.candidates:
        mdef = get_model(c.family)
        coefs = np.array(models.coefs[c.name])[None]
        out[c.name] = float(ed_batch(mdef, coefs, models.fixed, models.doses[-1], p, models.direction)[0])
    return out

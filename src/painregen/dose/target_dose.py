"""Target doses of a dose-response curve: TD (effect Delta over placebo) and ED_p (DoseFinding ``TD``/``ED``).

    TD    = min { x in (0, D] : s (f(x) - f(0)) >= Delta }
    ED_p  = min { x in [0, D] : s (f(x) - f(0)) >= p max_{[0, D]} s (f(d) - f(0)) }

with ``s = +1`` when larger responses are better and ``-1`` otherwise, and D the largest tested dose
(Bretz, Pinheiro & Branson 2005, Biometrics 61:738; DoseFinding TD/ED manual: the ED is relative to the
maximum effect *within the dose range*).  A TD that the curve does not reach inside the tested range is
NaN (DoseFinding extrapolates the linear model beyond the range; painregen does not).  Roots are found on
a dose grid and refined by bisection, vectorised over a batch of curves (:class:`Curves`: one fitted model
each, or a weighted sum of models -- the model-averaged curve of aveAIC selection).  Standard errors use
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

GRID = 1001  # dose grid that brackets roots and maxima for up to BIG_BATCH curves
GRID_BIG = 201  # for larger batches (bootstrap, simulation): the bisection still solves to ~1e-13
BIG_BATCH = 64
CHUNK = 4096  # curves evaluated together (memory: CHUNK x grid)


def _sign(direction: Direction) -> float:
    if direction not in ("increasing", "decreasing"):
        raise DoseInputError(f"direction must be 'increasing' or 'decreasing', not {direction!r}")
    return 1.0 if direction == "increasing" else -1.0


@dataclass(frozen=True, eq=False)
class Curves:
    """A batch of B dose-response curves, each a weighted sum of fitted models (one model with weight 1 for a
    single fit; the model-averaged curve of aveAIC selection otherwise): ``parts`` pairs a family with its
    coefficients (B, p), ``weights`` (B, len(parts))."""

    parts: tuple[tuple[ModelDef, Array], ...]
    weights: Array
    fixed: Fixed

    @classmethod
    def single(cls, mdef: ModelDef, coefs: Array, fixed: Fixed) -> Curves:
        c = np.atleast_2d(np.asarray(coefs, dtype=float))
        return cls(((mdef, c),), np.ones((c.shape[0], 1)), fixed)

    @property
    def size(self) -> int:
        return int(self.weights.shape[0])

    def rows(self, idx: Any) -> Curves:
        return Curves(tuple((m, c[idx]) for m, c in self.parts), self.weights[idx], self.fixed)

    def mean(self, x: Array) -> Array:
        """Mean responses (B, G) at doses ``x`` ((G,) shared or (B, G))."""
        out = np.zeros((self.size, np.shape(x)[-1]))
        for j, (m, c) in enumerate(self.parts):
            w = self.weights[:, j]
            if np.any(w != 0):
                out += w[:, None] * m.mean_batch(x, c, self.fixed)
        return out

    def effect(self, x: Array, sign: float, base: Array | None = None) -> Array:
        """``sign (f(x) - f(0))`` (B, G); ``base`` = f(0) (B, 1) if already known."""
        f0 = self.mean(np.zeros((self.size, 1))) if base is None else base
        return sign * (self.mean(x) - f0)


def _chunked(fn: Any) -> Any:
    """Apply a per-batch function in chunks of CHUNK curves (memory)."""
    def run(curves: Curves, *args: Any) -> Any:
        if curves.size <= CHUNK:
            return fn(curves, *args)
        parts = [fn(curves.rows(slice(i, i + CHUNK)), *[a[i:i + CHUNK] if isinstance(a, np.ndarray) else a
                                                          for a in args]) for i in range(0, curves.size, CHUNK)]
        if isinstance(parts[0], tuple):
            return tuple(np.concatenate(z) for z in zip(*parts, strict=True))
        return np.concatenate(parts)
    return run


def _grid(max_dose: float, size: int) -> Array:
    return np.linspace(0.0, max_dose, GRID if size <= BIG_BATCH else GRID_BIG)


REFINE = 32  # points per refinement round of a bracket (curve_max, curve_crossing)


def _inside(lo: Array, hi: Array) -> Array:
    """``REFINE + 1`` evenly spaced points from ``lo`` to ``hi`` for each curve, shape (B, REFINE + 1)."""
    return np.asarray(lo[:, None] + (hi - lo)[:, None] * np.linspace(0.0, 1.0, REFINE + 1))


@_chunked
def curve_max(curves: Curves, max_dose: float, sign: float) -> tuple[Array, Array]:
    """Largest beneficial effect over placebo within [0, D] of each curve and where it occurs; both (B,).

    The grid maximum's bracket is refined five times by a 33-point grid (each round narrows it 16-fold, to
    ~1e-8 of the range; the value then errs by the square of that)."""
    grid = _grid(max_dose, curves.size)
    rows = np.arange(curves.size)
    base = curves.mean(np.zeros((curves.size, 1)))
    eff = curves.effect(grid, sign, base)
    j = np.argmax(eff, axis=1)
    best_f, best_x = eff[rows, j], grid[j]
    lo, hi = grid[np.maximum(j - 1, 0)], grid[np.minimum(j + 1, grid.size - 1)]
    for _ in range(5):
        pts = _inside(lo, hi)
        f = curves.effect(pts, sign, base)
        j = np.argmax(f, axis=1)
        better = f[rows, j] >= best_f
        best_f, best_x = np.where(better, f[rows, j], best_f), np.where(better, pts[rows, j], best_x)
        lo, hi = pts[rows, np.maximum(j - 1, 0)], pts[rows, np.minimum(j + 1, REFINE)]
    return best_f, best_x


@_chunked
def curve_crossing(curves: Curves, max_dose: float, level: Array, sign: float) -> Array:
    """Smallest dose in [0, D] where each curve's beneficial effect reaches ``level`` (B,); NaN if never.

    The first grid interval where the level is reached is refined nine times by 32 sub-intervals (to ~1e-13 of
    the range)."""
    grid = _grid(max_dose, curves.size)
    rows = np.arange(curves.size)
    base = curves.mean(np.zeros((curves.size, 1)))
    eff = curves.effect(grid, sign, base)
    reached = eff >= level[:, None]
    found = reached.any(axis=1)
    j = np.argmax(reached, axis=1)
    lo, hi = grid[np.maximum(j - 1, 0)], grid[j]
    for _ in range(9):
        pts = _inside(lo, hi)
        up = curves.effect(pts, sign, base) >= level[:, None]
        up[:, -1] = True  # ``hi`` reaches the level by construction
        k = np.argmax(up, axis=1)
        lo, hi = pts[rows, np.maximum(k - 1, 0)], pts[rows, k]
    return np.where(found, np.where(j == 0, 0.0, hi), np.nan)


def curve_td(curves: Curves, max_dose: float, delta: float, direction: Direction = "increasing") -> Array:
    """TD (effect ``delta`` over placebo) of each curve; NaN where not reached within [0, D]."""
    if not delta > 0:
        raise DoseInputError(f"Delta={delta} must be positive")
    return np.asarray(curve_crossing(curves, max_dose, np.full(curves.size, float(delta)), _sign(direction)))


def curve_ed(curves: Curves, max_dose: float, p: float, direction: Direction = "increasing") -> Array:
    """ED_p (``p`` of the maximum effect within [0, D]) of each curve; NaN where there is no beneficial effect."""
    if not 0 < p <= 1:
        raise DoseInputError(f"p={p} must lie in (0, 1]")
    sign = _sign(direction)
    m, _ = curve_max(curves, max_dose, sign)
    x = curve_crossing(curves, max_dose, p * m, sign)
    return np.where(m > 0, x, np.nan)


def max_effect(mdef: ModelDef, coefs: Array, fixed: Fixed, max_dose: float, sign: float) -> tuple[Array, Array]:
    """:func:`curve_max` of one family's batch of coefficients (B, p)."""
    m, x = curve_max(Curves.single(mdef, coefs, fixed), max_dose, sign)
    return m, x


def td_batch(mdef: ModelDef, coefs: Array, fixed: Fixed, max_dose: float, delta: float,
             direction: Direction = "increasing") -> Array:
    """TD for each row of ``coefs`` (B, p)."""
    return curve_td(Curves.single(mdef, coefs, fixed), max_dose, delta, direction)


def ed_batch(mdef: ModelDef, coefs: Array, fixed: Fixed, max_dose: float, p: float,
             direction: Direction = "increasing") -> Array:
    """ED_p for each row of ``coefs`` (B, p); NaN where the curve has no beneficial effect."""
    return curve_ed(Curves.single(mdef, coefs, fixed), max_dose, p, direction)


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
    if not 0 < p <= 1:
        raise DoseInputError(f"p={p} must lie in (0, 1]")
    curves = Curves.single(get_model(fit.model), fit.coefs, fit.fixed)
    sign, top = _sign(direction), float(fit.doses[-1])
    m, xm = curve_max(curves, top, sign)
    x = float(np.where(m > 0, curve_crossing(curves, top, p * m, sign), np.nan)[0])
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

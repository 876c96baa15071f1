"""Dose-response input: raw per-animal data or one summary (mean and SE) per dose group.

Both reduce to group means ``ybar`` at the distinct doses and their covariance ``S``:
raw ("normal" type, DoseFinding) uses the one-way ANOVA, ``S = sigma^2 diag(1/n)`` with the pooled
``sigma^2 = SS_within / (N - k)`` and ``df = N - k``; summary data ("general" type, Pinheiro et al.
2014, Stat Med 33:1646) uses ``S = diag(se^2)`` (or a given covariance) and ``df = inf``.
For models that depend on dose only, per-animal least squares equals least squares on the group
means with weights ``n`` plus the constant ``SS_within`` (the ANOVA decomposition), which the
fitting code uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from .errors import DoseInputError
from .models import Array

DataType = Literal["normal", "general"]


@dataclass(frozen=True, eq=False)
class DoseData:
    """Group-level view of a dose-response study.

    ``doses`` (k,), ``means`` (k,), ``cov`` (k, k) covariance of the means, ``n`` (k,) animals per group
    (NaN when unknown), ``df`` residual degrees of freedom (inf for summary data), ``ss_within`` the
    within-group sum of squares (raw data), ``raw_dose``/``raw_resp`` the per-animal values (raw data).
    """

    type: DataType
    doses: Array
    means: Array
    cov: Array
    n: Array
    df: float
    ss_within: float = 0.0
    raw_dose: Array | None = field(default=None, repr=False)
    raw_resp: Array | None = field(default=None, repr=False)

    @property
    def k(self) -> int:
        return int(self.doses.size)

    @property
    def max_dose(self) -> float:
        return float(self.doses[-1])

    @property
    def se(self) -> Array:
        return np.asarray(np.sqrt(np.diag(self.cov)))

    @property
    def n_total(self) -> float:
        return float(np.sum(self.n))

    @property
    def sigma(self) -> float:
        """Pooled residual SD (raw data); NaN for summary data."""
        return float(np.sqrt(self.ss_within / self.df)) if self.type == "normal" else float("nan")

    def weight_matrix(self) -> Array:
        """The least-squares weights: ``diag(n)`` for raw data, ``S^{-1}`` for summary data."""
        if self.type == "normal":
            return np.diag(self.n)
        return np.asarray(np.linalg.inv(self.cov))


def _check_doses(d: Array, what: str) -> None:
    if not np.all(np.isfinite(d)):
        bad = int(np.flatnonzero(~np.isfinite(d))[0])
        raise DoseInputError(f"{what} {bad + 1}: dose is missing or not a number")
    if np.any(d < 0):
        bad = int(np.flatnonzero(d < 0)[0])
        raise DoseInputError(f"{what} {bad + 1}: dose {d[bad]:g} is negative; doses must be >= 0")


def from_raw(dose: ArrayLike, resp: ArrayLike) -> DoseData:
    """One row per animal: group means, pooled variance and df = N - k (DoseFinding ``type="normal"``)."""
    d = np.asarray(dose, dtype=float).ravel()
    y = np.asarray(resp, dtype=float).ravel()
    if d.size != y.size:
        raise DoseInputError(f"dose has {d.size} values but response has {y.size}")
    _check_doses(d, "row")
    if not np.all(np.isfinite(y)):
        bad = int(np.flatnonzero(~np.isfinite(y))[0])
        raise DoseInputError(f"row {bad + 1}: response is missing or not a number")
    levels, inv, counts = np.unique(d, return_inverse=True, return_counts=True)
    if levels.size < 2:
        raise DoseInputError(f"only one dose level ({levels[0]:g}); a dose-response analysis needs >= 2")
    if np.any(counts < 2):
        small = levels[counts < 2][0]
        raise DoseInputError(f"dose group {small:g} has 1 animal; each dose group needs n >= 2")
    means = np.bincount(inv, weights=y) / counts
    ss = float(np.sum((y - means[inv]) ** 2))
    df = float(d.size - levels.size)
    sigma2 = ss / df
    return DoseData("normal", levels, means, sigma2 * np.diag(1.0 / counts), counts.astype(float), df, ss, d, y)


def from_summary(
    dose: ArrayLike,
    mean: ArrayLike,
    se: ArrayLike | None = None,
    *,
    sd: ArrayLike | None = None,
    n: ArrayLike | None = None,
    cov: ArrayLike | None = None,
    df: float = np.inf,
) -> DoseData:
    """One row per dose: mean with its SE (or SD and n, or a full covariance) -> DoseFinding "general" type."""
    d = np.asarray(dose, dtype=float).ravel()
    mu = np.asarray(mean, dtype=float).ravel()
    _check_doses(d, "dose row")
    if mu.size != d.size or not np.all(np.isfinite(mu)):
        raise DoseInputError("every dose row needs a numeric mean")
    if np.unique(d).size != d.size:
        raise DoseInputError("summary data need exactly one row per dose; a dose appears twice")
    if d.size < 2:
        raise DoseInputError("only one dose level; a dose-response analysis needs >= 2")
    nn = np.full(d.size, np.nan) if n is None else np.asarray(n, dtype=float).ravel()
    if n is not None and (nn.size != d.size or np.any(~np.isfinite(nn)) or np.any(nn < 2)):
        bad = int(np.flatnonzero(~(nn >= 2))[0]) if nn.size == d.size else 0
        raise DoseInputError(f"dose row {bad + 1}: n must be a number >= 2")
    if cov is not None:
        s = np.asarray(cov, dtype=float)
        if s.shape != (d.size, d.size) or not np.allclose(s, s.T) or np.any(np.linalg.eigvalsh(s) <= 0):
            raise DoseInputError("cov must be a symmetric positive-definite k x k matrix")
    else:
        if se is None:
            if sd is None or n is None:
                raise DoseInputError("summary data need an SE per dose (or SD and n)")
            sev = np.asarray(sd, dtype=float).ravel() / np.sqrt(nn)
        else:
            sev = np.asarray(se, dtype=float).ravel()
        if sev.size != d.size:
            raise DoseInputError("need one SE per dose row")
        if np.any(~np.isfinite(sev)) or np.any(sev <= 0):
            bad = int(np.flatnonzero(~(sev > 0))[0])
            raise DoseInputError(f"dose row {bad + 1}: SE is missing or not positive")
        s = np.diag(sev**2)
    order = np.argsort(d)
    s = s[np.ix_(order, order)]
    return DoseData("general", d[order], mu[order], s, nn[order], float(df))

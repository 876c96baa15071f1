"""Optimal contrasts for candidate shapes (DoseFinding's ``optContr``, unconstrained type).

For a candidate mean vector ``mu`` and the covariance ``S`` of the group means, the contrast maximising
the non-centrality ``c'mu / sqrt(c'Sc)`` subject to ``c'1 = 0`` is (Bretz, Pinheiro & Branson 2005,
Biometrics 61:738; Pinheiro, Bornkamp, Glimm & Bretz 2014, Stat Med 33:1646)

    c  proportional to  S^{-1} (mu - (mu' S^{-1} 1) / (1' S^{-1} 1) 1),

scaled here to unit Euclidean length.  Only ``S`` up to a factor matters; weights ``w`` mean
``S = diag(1/w)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .errors import DoseInputError
from .models import Array
from .mods import Mods


@dataclass(frozen=True, eq=False)
class OptContr:
    """Contrast matrix ``cont_mat`` (k doses x M models, unit columns) and the means ``mu_mat`` used."""

    names: tuple[str, ...]
    families: tuple[str, ...]
    doses: Array
    cont_mat: Array
    mu_mat: Array

    def corr(self, cov: ArrayLike) -> Array:
        """Correlation of the contrast statistics when the group means have covariance ``cov``."""
        c = self.cont_mat
        v = c.T @ np.asarray(cov, dtype=float) @ c
        sd = np.sqrt(np.diag(v))
        return np.asarray(v / np.outer(sd, sd))


def optimal_contrast(mu: ArrayLike, cov: ArrayLike) -> Array:
    """Unit-length optimal contrast for mean vector ``mu`` (k,) given ``cov`` (k, k)."""
    mu_a = np.asarray(mu, dtype=float)
    s = np.asarray(cov, dtype=float)
    ones = np.ones_like(mu_a)
    s_inv_1 = np.linalg.solve(s, ones)
    centred = mu_a - (mu_a @ s_inv_1) / (ones @ s_inv_1) * ones
    c = np.linalg.solve(s, centred)
    norm = float(np.linalg.norm(c))
    if norm < 1e-12 * max(1.0, float(np.max(np.abs(mu_a)))):
        raise DoseInputError("a candidate shape is flat at these doses, so it has no contrast")
    return c / norm


def opt_contr(
    models: Mods,
    *,
    doses: ArrayLike | None = None,
    cov: ArrayLike | None = None,
    w: ArrayLike | None = None,
) -> OptContr:
    """Optimal contrasts for every candidate in ``models`` (give exactly one of ``cov`` and ``w``)."""
    d = np.asarray(models.doses if doses is None else doses, dtype=float)
    if (cov is None) == (w is None):
        raise DoseInputError("give exactly one of cov and w")
    if cov is None:
        wv = np.broadcast_to(np.asarray(w, dtype=float), d.shape)
        s = np.diag(1.0 / wv)
    else:
        s = np.asarray(cov, dtype=float)
    if s.shape != (d.size, d.size):
        raise DoseInputError(f"cov must be {d.size} x {d.size} to match the doses")
    mu = models.get_resp(d)
    cm = np.column_stack([optimal_contrast(mu[:, j], s) for j in range(mu.shape[1])])
    return OptContr(tuple(models.names), tuple(c.family for c in models.candidates), d, cm, mu)

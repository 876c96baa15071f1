"""Seeded synthetic data for the dose-response benchmark cases, and a CSV writer for R.

* one animal study: vehicle and four doses, one row per animal (MCP-Mod on raw data and on the group
  means with their standard errors);
* many animal studies drawn from one true curve (the R loop of the operating-characteristics case);
* a dose-response meta-analysis: per study a vehicle group and four treated doses, one contrast per
  treated dose, contrasts of one study sharing the vehicle group (covariance = variance of the vehicle
  mean, as ``painregen.effects.covariance.shared_control_vcov`` gives for mean differences).

Values are written with 17 significant digits, which round-trips IEEE doubles exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from painregen.dose.splines import ORSINI_PERCENTILES, rcs_basis, rcs_knots

FloatArray = np.ndarray

STUDY_DOSES = np.array([0.0, 1.0, 3.0, 10.0, 30.0])  # vehicle + 4 doses (e.g. 10^5 cells)
# candidate shapes: painregen SPEC and the same set as a DoseFinding Mods call
SPEC = "linear,emax:2,sigEmax:5/3,exponential:20,quadratic:-0.02"
R_MODS = "Mods(linear = NULL, emax = 2, sigEmax = c(5, 3), exponential = 20, quadratic = -0.02, doses = {doses})"


def write_table(path: Path, columns: Mapping[str, np.ndarray], ints: tuple[str, ...] = ()) -> Path:
    """Write equal-length columns as CSV (floats with 17 significant digits, ``ints`` as integers)."""
    names = list(columns)
    fmts = ["%d" if n in ints else "%.17g" for n in names]
    data = np.column_stack([np.asarray(columns[n], dtype=float) for n in names])
    np.savetxt(path, data, delimiter=",", header=",".join(names), comments="", fmt=fmts)
    return path


@dataclass(frozen=True)
class AnimalStudy:
    """One row per animal: dose and response."""

    dose: FloatArray
    resp: FloatArray


def animal_study(n: int = 10, seed: int = 4, sd: float = 1.0) -> AnimalStudy:
    """Emax truth ``0.2 + 1.5 d / (3 + d)`` at :data:`STUDY_DOSES`, ``n`` animals per group, N(0, sd^2) noise.

    Seed 4 gives data whose AIC-selected model (Emax) has its ed50 inside DoseFinding's bounds, so both
    programs report a well-defined optimum to compare (a fit stopping at a bound is compared too, but
    says less about the optimiser).
    """
    rng = np.random.default_rng(seed)
    mu = 0.2 + 1.5 * STUDY_DOSES / (3.0 + STUDY_DOSES)
    group = np.repeat(np.arange(STUDY_DOSES.size), n)
    return AnimalStudy(STUDY_DOSES[group], mu[group] + rng.normal(0.0, sd, group.size))


def many_studies(mu: FloatArray, n: int, sd: float, n_studies: int, seed: int) -> tuple[FloatArray, ...]:
    """``n_studies`` animal studies at :data:`STUDY_DOSES` with group means ``mu``: long arrays (sim, dose, resp)."""
    rng = np.random.default_rng(seed)
    group = np.repeat(np.arange(STUDY_DOSES.size), n)
    resp = mu[group][None, :] + rng.normal(0.0, sd, (n_studies, group.size))
    sim = np.repeat(np.arange(1, n_studies + 1), group.size)
    return sim, np.tile(STUDY_DOSES[group], n_studies), resp.ravel()


@dataclass(frozen=True)
class ContrastData:
    """Treated-versus-vehicle contrasts of a dose-response meta-analysis.

    ``vc`` is the variance of the study's vehicle mean (the covariance shared by its contrasts), ``V``
    the painregen covariance blocks ``(rows, matrix)``, ``X`` the spline basis at the default knots.
    """

    dose: FloatArray
    yi: FloatArray
    vi: FloatArray
    study: np.ndarray
    vc: FloatArray
    V: list[tuple[np.ndarray, FloatArray]]
    knots: FloatArray
    X: FloatArray


def dose_meta(n_studies: int = 200, seed: int = 21, sd: float = 0.7) -> ContrastData:
    """Contrasts of ``n_studies`` studies, each with doses ``(1, 3, 10, 30) x c``, ``c`` log-uniform in
    [0.5, 2] (so every study spans the knots and has a full-rank stage-1 design), and 6-10 animals per group.

    The true curve of study i is the spline ``s(d)' b_i`` (four knots at the 5/35/65/95th percentiles) with
    ``b_i ~ N(beta, Psi)``: ``beta`` makes the mean curve pass through an Emax curve ``d / (5 + d)`` at doses
    3, 10, 30; ``Psi`` gives the study curves at those doses SD 0.25 and correlation 0.5 (full rank). Study
    and contrast random intercepts (SD 0.15 and 0.1) and the shared-vehicle sampling errors are added.
    """
    rng = np.random.default_rng(seed)
    scale = 10 ** rng.uniform(-0.3, 0.3, n_studies)
    dose = (np.array([1.0, 3.0, 10.0, 30.0])[None, :] * scale[:, None]).ravel()
    study = np.repeat(np.arange(n_studies), 4)
    knots = rcs_knots(dose, ORSINI_PERCENTILES)
    X = rcs_basis(dose, knots)
    g = np.array([3.0, 10.0, 30.0])
    Gi = np.linalg.inv(rcs_basis(g, knots))
    beta = Gi @ (g / (5.0 + g))
    psi = Gi @ (0.25**2 * (0.5 * np.eye(3) + 0.5)) @ Gi.T
    b_i = beta + rng.multivariate_normal(np.zeros(3), psi, n_studies)
    truth = np.einsum("ikp,ip->ik", X.reshape(n_studies, 4, 3), b_i)
    n_c = rng.integers(6, 11, n_studies)
    n_t = rng.integers(6, 11, (n_studies, 4))
    vc, vt = sd**2 / n_c, sd**2 / n_t
    e_c = rng.normal(0.0, np.sqrt(vc))
    e_t = rng.normal(0.0, np.sqrt(vt))
    shift = rng.normal(0.0, 0.15, n_studies)[:, None] + rng.normal(0.0, 0.1, (n_studies, 4))
    yi = (truth + shift + e_t - e_c[:, None]).ravel()
    vi = (vt + vc[:, None]).ravel()
    V = [(np.arange(4) + 4 * s, vc[s] * np.ones((4, 4)) + np.diag(vt[s])) for s in range(n_studies)]
    return ContrastData(dose, yi, vi, study, np.repeat(vc, 4), V, knots, X)

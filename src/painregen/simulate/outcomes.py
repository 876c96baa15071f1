"""True effects of a virtual experiment and the animals drawn from them.

Group means are never drawn directly: each animal's values are drawn (repeated over the schedule, correlated
within the animal), then summarised, so that a group's mean, SD and SEM are those of the animals behind it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from painregen.simulate import curves
from painregen.simulate.truth import AssaySpec, DoseResponse, SimConfig

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class GroupDraw:
    """Animals of one cohort for one outcome: ``values[animal, time]`` and their summaries per time."""

    values: FloatArray
    average: FloatArray
    error: FloatArray
    error_type: str


def draw_heterogeneity(rng: np.random.Generator, domains: list[str], sd: float) -> dict[str, float]:
    """One ``N(0, sd^2)`` deviation of the peak NMD per domain, drawn in the order given."""
    return {d: float(rng.normal(0.0, sd)) for d in domains}


def peak_nmd(config: SimConfig, efficacy: float, u_study: dict[str, float], u_experiment: dict[str, float],
             bias: float, timing: float) -> dict[str, float]:
    """Peak NMD per domain of one experiment:
    ``bias * timing * (theta[domain] * efficacy + u_study + u_experiment)`` (model in :mod:`.truth`)."""
    return {
        d: bias * timing * (theta * efficacy + u_study[d] + u_experiment[d])
        for d, theta in config.domain_effects.items()
    }


def true_nmd(peak: float, dose_response: DoseResponse, d_eff: float, times: FloatArray, treated_day: float,
             onset_days: float) -> FloatArray:
    """True NMD of a treated cohort at each time: ``peak * f(d_eff) * g(t)`` (shape ``times.shape``)."""
    return peak * float(dose_response.profile(d_eff)) * curves.time_course(times, treated_day, onset_days)


def injured_level(assay: AssaySpec, greater_is_better: bool) -> float:
    """Mean of vehicle-treated injured animals: the sham level moved by the gap in the worse direction."""
    return assay.normal - assay.gap if greater_is_better else assay.normal + assay.gap


def level_means(assay: AssaySpec, greater_is_better: bool, nmd: FloatArray, lab_shift: float) -> FloatArray:
    """Natural-scale group means for NMD values: ``injured + lab_shift + nmd * (normal - injured)``.

    NMD 0 is the vehicle control, 1 the sham level. ``lab_shift`` moves every group of a lab alike.
    """
    injured = injured_level(assay, greater_is_better)
    return injured + lab_shift + np.asarray(nmd, dtype=float) * (assay.normal - injured)


def draw_animals(rng: np.random.Generator, means: FloatArray, sd: float, n: int, rho: float) -> FloatArray:
    """Values of ``n`` animals at each of ``T`` times, shape ``(n, T)``.

    ``value[a, t] = means[t] + sd * (sqrt(rho) * b[a] + sqrt(1 - rho) * e[a, t])`` with standard normal
    animal effects ``b`` and noise ``e``: marginal SD ``sd`` at every time, correlation ``rho`` across times.
    """
    m = np.atleast_1d(np.asarray(means, dtype=float))
    b = rng.standard_normal((n, 1))
    e = rng.standard_normal((n, m.size))
    return m[None, :] + sd * (np.sqrt(rho) * b + np.sqrt(1.0 - rho) * e)


def summarise(values: FloatArray, error_type: str) -> tuple[FloatArray, FloatArray]:
    """Mean and SD (``ddof=1``) or SEM (``SD / sqrt(n)``) over animals, per time (axis 0 = animals)."""
    v = np.asarray(values, dtype=float)
    mean = v.mean(axis=0)
    sd = v.std(axis=0, ddof=1)
    if error_type == "SD":
        return mean, sd
    if error_type == "SEM":
        return mean, sd / np.sqrt(v.shape[0])
    raise ValueError(f"error_type must be SD or SEM, not {error_type!r}")


def draw_group(rng: np.random.Generator, means: FloatArray, sd: float, n: int, rho: float,
               error_type: str) -> GroupDraw:
    """Draw a cohort's animals (:func:`draw_animals`) and summarise them (:func:`summarise`)."""
    values = draw_animals(rng, means, sd, n, rho)
    average, error = summarise(values, error_type)
    return GroupDraw(values, average, error, error_type)

"""Seeded synthetic data for the benchmark cases, and a CSV writer so that R reads the very same numbers.

Every case draws its data once from ``numpy.random.default_rng(seed)``; the peers all fit those arrays.
Values are written with 17 significant digits, which round-trips IEEE doubles exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

FloatArray = np.ndarray


@dataclass(frozen=True)
class MetaData:
    """yi/vi with optional moderators (k x m, no intercept column) and nested cluster labels."""

    yi: FloatArray
    vi: FloatArray
    mods: FloatArray | None = None
    study: np.ndarray | None = None
    experiment: np.ndarray | None = None

    @property
    def k(self) -> int:
        return int(self.yi.size)

    @property
    def X(self) -> FloatArray:
        """Design matrix with the intercept column (what PyMARE and statsmodels take)."""
        ones = np.ones((self.k, 1))
        return ones if self.mods is None else np.column_stack([ones, self.mods])


def meta_regression(
    k: int, beta: tuple[float, ...] = (0.2, 0.1, -0.05, 0.02), tau2: float = 0.05, seed: int = 1
) -> MetaData:
    """Mixed-effects data: y = X beta + u + e, u ~ N(0, tau2), e ~ N(0, vi), vi ~ U(0.01, 0.2).

    ``len(beta) - 1`` standard-normal moderators; ``beta = (b0,)`` gives an intercept-only model.
    """
    rng = np.random.default_rng(seed)
    m = len(beta) - 1
    mods = rng.normal(size=(k, m)) if m else None
    vi = rng.uniform(0.01, 0.2, k)
    mean = np.full(k, beta[0]) if mods is None else beta[0] + mods @ np.asarray(beta[1:])
    yi = mean + rng.normal(0.0, np.sqrt(vi + tau2))
    return MetaData(yi=yi, vi=vi, mods=mods)


def three_level(n_studies: int, k: int, seed: int = 3) -> MetaData:
    """Effects nested in experiments (up to 4) nested in publications: sigma2 = (0.09, 0.04),
    vi ~ U(0.02, 0.2), overall mean 0.3. Publications are sorted, as a registry export would be."""
    rng = np.random.default_rng(seed)
    study = np.sort(rng.integers(0, n_studies, k))
    experiment = rng.integers(0, 4, k)
    vi = rng.uniform(0.02, 0.2, k)
    yi = 0.3 + rng.normal(0, 0.3, n_studies)[study] + rng.normal(0, 0.2, (n_studies, 4))[study, experiment]
    yi = yi + rng.normal(0, np.sqrt(vi))
    return MetaData(yi=yi, vi=vi, study=study, experiment=experiment)


def write_csv(data: MetaData, path: Path) -> Path:
    """Write columns yi, vi, x1..xm, study, experiment (those present) with exact round-trip precision."""
    cols: list[FloatArray] = [data.yi, data.vi]
    names = ["yi", "vi"]
    if data.mods is not None:
        for j in range(data.mods.shape[1]):
            cols.append(data.mods[:, j])
            names.append(f"x{j + 1}")
    fmts = ["%.17g"] * len(cols)
    for name, labels in (("study", data.study), ("experiment", data.experiment)):
        if labels is not None:
            cols.append(labels.astype(float))
            names.append(name)
            fmts.append("%d")
    np.savetxt(path, np.column_stack(cols), delimiter=",", header=",".join(names), comments="", fmt=fmts)
    return path

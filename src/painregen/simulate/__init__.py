"""Simulator of preclinical evidence with known truth: virtual studies of cell and vesicle therapies in rodent
pain and injury models, drawn animal by animal, appraised, selectively published.

>>> from painregen.simulate import simulate
>>> ds = simulate(3, seed=1)   # doctest: +SKIP
>>> ds.simulated, sorted(ds.truth)[:3]   # doctest: +SKIP
"""

from painregen.simulate.defaults import DEFAULT_CONFIG
from painregen.simulate.generate import DEFAULT_N_STUDIES, DEFAULT_SEED, default_dataset, simulate
from painregen.simulate.truth import SimConfig

__all__ = ["DEFAULT_CONFIG", "DEFAULT_N_STUDIES", "DEFAULT_SEED", "SimConfig", "default_dataset", "simulate"]

"""Benchmarks of painregen against its peers (metafor, PyMARE, statsmodels); run by ``make bench``."""

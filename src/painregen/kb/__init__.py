"""Curated knowledge from the review, as data files plus a loader.

>>> from painregen import kb
>>> kb.names()[:3]
['models', 'example_studies', 'dose_windows']
>>> [r.domain for r in kb.battery_requirements()]
['evoked', 'spontaneous', 'affective']
"""

from painregen.kb.accessors import (
    BatteryRequirement,
    DoseWindow,
    MechanisticCriterion,
    RiskTier,
    battery_requirements,
    dose_windows,
    mechanistic_criteria,
    risk_tiers,
    route_monitoring,
)
from painregen.kb.loader import DESCRIPTIONS, REVIEW, REVIEW_CITATION, REVIEW_SHORT, load, names

__all__ = [
    "DESCRIPTIONS",
    "REVIEW",
    "REVIEW_CITATION",
    "REVIEW_SHORT",
    "BatteryRequirement",
    "DoseWindow",
    "MechanisticCriterion",
    "RiskTier",
    "battery_requirements",
    "dose_windows",
    "load",
    "mechanistic_criteria",
    "names",
    "risk_tiers",
    "route_monitoring",
]

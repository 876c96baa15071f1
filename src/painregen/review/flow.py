"""The PRISMA 2020 flow counts as a plain record (Page et al. 2021, BMJ 372:n71), apart from the queries that fill
them (:func:`painregen.review.prisma.prisma_counts`): a process that only draws or shows them, e.g. the demo's
report process receiving the review summary, does not import the registry's ORM."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class PrismaCounts:
    sources: dict[str, int] = field(default_factory=dict)  # database -> records identified
    records_identified: int = 0
    duplicates_removed: int = 0
    records_screened: int = 0
    records_excluded: int = 0
    records_excluded_reasons: dict[str, int] = field(default_factory=dict)
    records_awaiting: int = 0
    reports_sought: int = 0
    reports_not_retrieved: int = 0
    reports_assessed: int = 0
    reports_excluded: int = 0
    reports_excluded_reasons: dict[str, int] = field(default_factory=dict)
    reports_awaiting: int = 0
    studies_included: int = 0
    linked_studies: int = 0
    reason_labels: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

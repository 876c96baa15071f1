"""Behavioural battery coverage (review sections 3.3.1 and 5.4).

The review asks every stem-cell analgesia study for a battery: at least one evoked hypersensitivity measure, one
spontaneous pain measure and, where feasible, one affective measure (painregen's knowledge base,
``kb.battery_requirements()``, marks the first two required and the third recommended). Evoked tests alone can
show less hypersensitivity without less ongoing pain, so a study whose pain outcomes are all evoked is flagged:
its analgesic effect risks being overestimated.

>>> from painregen.evidence.models import Experiment, OutcomeMeasure
>>> e = Experiment(experiment_id="E1", outcomes=[OutcomeMeasure(outcome_id="PWT", domain="evoked",
...     greater_is_better=True)])
>>> coverage(e).evoked_only
True
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from painregen import kb
from painregen.evidence import models as m
from painregen.evidence.vocab import get_vocabulary

__all__ = ["PAIN_DOMAINS", "BatteryCoverage", "coverage", "outcome_domain"]

PAIN_DOMAINS = ("evoked", "spontaneous", "affective")
OVERESTIMATION = "only evoked pain measures: risk of overestimating analgesia (no spontaneous or affective measure)"


def outcome_domain(outcome: m.OutcomeMeasure) -> str | None:
    """The outcome's domain, or its assay's domain in the assay vocabulary when the outcome has none."""
    if outcome.domain is not None:
        return outcome.domain.value
    if outcome.assay is not None:
        try:
            return get_vocabulary("assay").get(outcome.assay).extra.get("domain") or None
        except KeyError:
            return None
    return None


@dataclass(frozen=True)
class BatteryCoverage:
    """Outcome measures per domain, which battery requirements are met and whether the study is evoked-only."""

    scope: str
    counts: Mapping[str, int]
    required: tuple[str, ...]
    recommended: tuple[str, ...]
    unmapped: tuple[str, ...] = ()
    minimum: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))

    def has(self, domain: str) -> bool:
        """The domain has at least its minimum number of measures (1 unless the knowledge base says more)."""
        return self.counts.get(domain, 0) >= max(1, self.minimum.get(domain, 1))

    @property
    def missing(self) -> tuple[str, ...]:
        """Battery domains (required, then recommended) with no measure."""
        return tuple(d for d in (*self.required, *self.recommended) if not self.has(d))

    @property
    def required_met(self) -> bool:
        """The required domains of the knowledge base (evoked and spontaneous) each have a measure."""
        return all(self.has(d) for d in self.required)

    @property
    def complete(self) -> bool:
        """At least one evoked, one spontaneous and one affective measure."""
        return all(self.has(d) for d in PAIN_DOMAINS)

    @property
    def evoked_only(self) -> bool:
        """Pain is measured by evoked tests alone (no spontaneous or affective measure)."""
        return self.has("evoked") and not self.has("spontaneous") and not self.has("affective")

    @property
    def flag(self) -> str | None:
        return OVERESTIMATION if self.evoked_only else None

    def to_dict(self) -> dict[str, Any]:
        return {"scope": self.scope, "counts": dict(self.counts), "evoked": self.has("evoked"),
                "spontaneous": self.has("spontaneous"), "affective": self.has("affective"),
                "required_met": self.required_met, "complete": self.complete, "evoked_only": self.evoked_only,
                "missing": list(self.missing), "flag": self.flag, "unmapped": list(self.unmapped)}


def _outcomes(obj: m.Experiment | m.Study) -> list[m.OutcomeMeasure]:
    if isinstance(obj, m.Experiment):
        return list(obj.outcomes)
    return [o for e in obj.experiments for o in e.outcomes]


def coverage(obj: m.Experiment | m.Study) -> BatteryCoverage:
    """Battery coverage of one experiment, or of a whole study (its experiments' outcomes pooled)."""
    reqs = kb.battery_requirements()
    counts: Counter[str] = Counter()
    unmapped = []
    for o in _outcomes(obj):
        d = outcome_domain(o)
        if d is None:
            unmapped.append(o.outcome_id)
        else:
            counts[d] += 1
    scope = f"experiment {obj.experiment_id}" if isinstance(obj, m.Experiment) else f"study {obj.study_id}"
    return BatteryCoverage(
        scope=scope, counts=MappingProxyType({d: counts[d] for d in sorted(counts)}),
        required=tuple(r.domain for r in reqs if r.required),
        recommended=tuple(r.domain for r in reqs if not r.required), unmapped=tuple(unmapped),
        minimum=MappingProxyType({r.domain: r.min_count for r in reqs}),
    )

"""Critical appraisal: risk of bias (SYRCLE), reporting (ARRIVE 2.0), study quality (CAMARADES), text-assisted
pre-filling, the review's own criteria (behavioural battery, mechanistic evidence grade, translational flags), and
appraisal in the synthesis (quality-stratified meta-analysis, sensitivity, evidence grade). See docs/appraise.md.

Public API (module by module)::

    syrcle.judge(answers) -> SyrcleAssessment            arrive.compliance(answers) -> ArriveCompliance
    camarades.score(study) -> CamaradesScore             detect.prefill(text) -> list[Proposal]
    battery.coverage(experiment | study) -> BatteryCoverage
    mechanism.grade(claim) -> Grade                      mechanism.evidence_map(dataset) -> DataFrame
    flags.translational_flags(study) -> list[Flag]
    synthesis.quality_stratified(ds, item, measure="SMD") -> QualityStratified
    grade.evidence_grade(ds, question) -> EvidenceGrade
    plots.traffic_light(assessments) / plots.summary_bars(assessments, weights) -> matplotlib Figure
    catalogue.get_instrument(id) / register_instrument(instrument) / load_instrument(yaml)

``synthesis``, ``grade``, ``plots`` and ``store`` load on first use (they pull in meta-analysis, matplotlib and
SQL).
"""

from __future__ import annotations

import importlib
from types import ModuleType

from painregen.appraise import answers, arrive, battery, camarades, catalogue, detect, flags, mechanism, summary, syrcle
from painregen.appraise.catalogue import get_instrument, instrument_ids, load_instrument, register_instrument

__all__ = [
    "answers",
    "arrive",
    "battery",
    "camarades",
    "catalogue",
    "detect",
    "flags",
    "get_instrument",
    "grade",
    "instrument_ids",
    "load_instrument",
    "mechanism",
    "plots",
    "register_instrument",
    "store",
    "summary",
    "synthesis",
    "syrcle",
]

_LAZY = ("synthesis", "grade", "plots", "store")


def __getattr__(name: str) -> ModuleType:
    if name in _LAZY:
        return importlib.import_module(f"painregen.appraise.{name}")
    raise AttributeError(f"module 'painregen.appraise' has no attribute {name!r}")

"""Load the curated knowledge base (YAML files shipped in :mod:`painregen.kb`).

Each file restates, in painregen's own words, a part of the review the project implements (Zhu et al.,
"Preclinical models of stem cell-mediated analgesia and tissue repair"): Table 1 (``models``), Table 2
(``example_studies``), Table 3 (``dose_windows``), Table 4 (``evaluation_framework``), the core behavioural
battery (``battery``), the cell-source risk tiers (``risk_tiers``), route-specific safety monitoring
(``route_safety``), the mechanistic validation checklist (``mechanistic_checklist``) and the four mechanistic
pillars (``pillars``). Controlled values inside are CURIEs of :mod:`painregen.evidence.vocab` vocabularies.
"""

from __future__ import annotations

import copy
from functools import cache
from importlib import resources
from typing import Any

from painregen.io.yamlfile import load_yaml

__all__ = ["DESCRIPTIONS", "REVIEW", "REVIEW_CITATION", "REVIEW_SHORT", "load", "names"]

#: The review this knowledge base restates (title and authors as the source text gives them).
REVIEW: dict[str, str] = {
    "title": "Preclinical models of stem cell-mediated analgesia and tissue repair: mechanisms, challenges, and "
             "future directions",
    "authors": "Minshun Zhu, Hao Zhang, Long Liang, Sanbing Wu, Jiaping Chen",
}
#: How pages cite it in full, and in running text.
REVIEW_CITATION = f"{REVIEW['authors']}. {REVIEW['title']}."
REVIEW_SHORT = "Zhu et al., “Preclinical models of stem cell-mediated analgesia and tissue repair”"

#: One line per knowledge-base entry: what it holds and where in the review it comes from.
DESCRIPTIONS: dict[str, str] = {
    "models": "Disease groups, example models, pain modality, endpoints, strengths and gaps (Table 1)",
    "example_studies": "Four example studies as records without outcome numbers (Table 2)",
    "dose_windows": "Dose-window / saturation evidence with the doses compared (Table 3, section 4.3)",
    "evaluation_framework": "Evaluation domains, gaps, proposed elements and goals (Table 4)",
    "battery": "Core behavioural battery: evoked, spontaneous, affective; assay caveats (3.3.1, 5.4)",
    "risk_tiers": "Cell-source risk ordering: pluripotent > neural stem > adult somatic > acellular (4.1)",
    "route_safety": "Route classes and route-specific safety monitoring items (4.2, 4.3)",
    "mechanistic_checklist": "Causal pathway criteria: activity, loss of function, time, compartment (5.2.1)",
    "pillars": "The four mechanistic pillars with their pathways and markers (2.1, 2.3)",
}


def names() -> list[str]:
    """Names accepted by :func:`load`, in the order of the review."""
    return list(DESCRIPTIONS)


@cache
def _read(name: str) -> list[dict[str, Any]] | dict[str, Any]:
    text = resources.files(__package__ or "painregen.kb").joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    data = load_yaml(text)
    if not isinstance(data, list | dict):
        raise ValueError(f"knowledge base file {name}.yaml must hold a list or a mapping")
    return data


def load(name: str) -> list[dict[str, Any]] | dict[str, Any]:
    """A fresh copy of the knowledge-base entry ``name`` (see :func:`names`); ``ValueError`` if unknown."""
    if name not in DESCRIPTIONS:
        raise ValueError(f"unknown knowledge base entry {name!r}; available: {', '.join(names())}")
    return copy.deepcopy(_read(name))

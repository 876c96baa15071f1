"""What the review (through :mod:`painregen.kb` and the vocabularies) recommends for a planned study.

Each function takes CURIEs from a :class:`~painregen.design.spec.DesignSpec` and returns plain data for the
protocol: the model's endpoints and gaps (Table 1), the core behavioural battery (sections 3.3.1 and 5.4),
route-specific safety monitoring (section 4.3), the product's risk tier (section 4.1), dose-window evidence
(Table 3) and the evaluation framework's proposals (Table 4).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from painregen import kb
from painregen.evidence.vocab import get_vocabulary

__all__ = [
    "MARKER_PANELS", "assay_caveats", "assay_domains", "battery", "dose_evidence", "framework", "label",
    "model_profile", "product_risk", "route_safety",
]

#: A starting molecular/histological/imaging panel per model category (painregen's suggestion, from the markers
#: the review names in sections 3.3 and 2.3; to be replaced by a consensus core panel when one exists).
MARKER_PANELS: dict[str, tuple[str, ...]] = {
    "peripheral neuropathy": ("TNF-alpha, IL-1beta, IL-6 and IL-10 in nerve, DRG or spinal cord",
                              "glial activation (Iba1, GFAP) in the dorsal horn", "CGRP, TRPA1, P2X4/P2X7 in DRG",
                              "axon counts, myelin thickness and g-ratio of the nerve"),
    "spinal cord injury": ("TNF-alpha, IL-1beta, IL-6 at the lesion", "lesion volume and spared white matter",
                           "glial scar (GFAP, CSPG) and remyelination markers", "MRI of the lesion where available"),
    "intervertebral disc degeneration": ("disc height index on radiographs", "MRI T2 signal and Pfirrmann grade",
                                         "histological degeneration score", "aggrecan, collagen II, SOX9 in the NP",
                                         "TNF-alpha, IL-1beta and pyroptosis markers (NLRP3, caspase-1, GSDMD)"),
    "osteoarthritis": ("OARSI cartilage score and synovitis score", "collagen II, SOX9, MMP13 in cartilage",
                       "micro-CT of subchondral bone", "MRI T2 mapping of cartilage where available"),
}


def _kb_list(name: str) -> list[dict[str, Any]]:
    data = kb.load(name)
    if isinstance(data, dict):
        data = data.get("classes", [])
    return [d for d in data if isinstance(d, dict)]


def label(vocabulary: str, curie: str | None) -> str:
    """``label (CURIE)`` of a controlled value, or ``not stated``."""
    if curie is None:
        return "not stated"
    return f"{get_vocabulary(vocabulary).get(curie).label} ({curie})"


def assay_domains(assays: Iterable[str]) -> dict[str, list[str]]:
    """Assay CURIEs grouped by outcome domain (evoked, spontaneous, affective, motor, structural, ...)."""
    vocab = get_vocabulary("assay")
    out: dict[str, list[str]] = {}
    for a in assays:
        out.setdefault(vocab.get(a).extra.get("domain", "other"), []).append(a)
    return out


def battery(assays: Iterable[str]) -> list[dict[str, Any]]:
    """The core battery's requirements, each with the planned assays of that domain and example assays."""
    by_domain = assay_domains(assays)
    rows = []
    for r in kb.battery_requirements():
        have = by_domain.get(r.domain, [])
        rows.append({"domain": r.domain, "level": r.level, "min_count": r.min_count, "met": len(have) >= r.min_count,
                     "planned": [label("assay", a) for a in have],
                     "examples": [get_vocabulary("assay").get(a).label for a in r.example_assays]})
    return rows


def assay_caveats(assays: Iterable[str]) -> list[str]:
    """The battery's caveat for each planned assay that has one (kb battery: sections 3.3.1 and 5.4)."""
    data = kb.load("battery")
    wanted, vocab = list(dict.fromkeys(assays)), get_vocabulary("assay")
    out = []
    for c in data.get("caveats", []) if isinstance(data, dict) else []:
        hit = [a for a in wanted if a in c["assays"]]
        if hit:
            out.append(f"{', '.join(vocab.get(a).label for a in hit)}: {c['caveat']}")
    return out


def model_profile(model: str) -> dict[str, Any]:
    """Table 1 facts for the model (via its disease group), with the vocabulary's own notes and a marker panel."""
    term = get_vocabulary("model").get(model)
    ex = term.extra
    group = next((g for g in _kb_list("models") if model in g.get("models", [])), None)
    typical = list(group.get("typical_assays", [])) if group else []
    assay_vocab = get_vocabulary("assay")
    non_behavioural = [a for a in typical if assay_vocab.get(a).extra.get("domain") in ("structural", "imaging",
                                                                                       "molecular")]
    return {
        "label": label("model", model), "category": ex.get("category", ""), "induction": ex.get("induction", ""),
        "pain_modality": ex.get("pain_modality", ""),
        "regeneration_endpoints": [e.strip() for e in ex.get("regeneration_endpoints", "").split(";") if e.strip()],
        "strengths": list(group["strengths"]) if group else [ex.get("strengths", "")],
        "gaps": list(group["translational_gaps"]) if group else [ex.get("translational_gaps", "")],
        "endpoint_assays": [label("assay", a) for a in non_behavioural],
        "marker_panel": list(MARKER_PANELS.get(ex.get("category", ""), ())),
        "typical_species": [s for s in ex.get("typical_species", "").split("|") if s],
        "source": ex.get("source", ""),
    }


def route_safety(route: str) -> dict[str, Any]:
    """Route class, the review's concern and the monitoring items for it (kb.route_monitoring)."""
    term = get_vocabulary("route").get(route)
    cls = term.extra.get("class", "")
    entry: dict[str, Any] = next((c for c in _kb_list("route_safety") if c["class"] == cls), {})
    return {"route": label("route", route), "class": cls, "concern": entry.get("concern", ""),
            "items": [lbl for _, lbl in kb.route_monitoring(cls)] if cls else [],
            "adverse_events": [get_vocabulary("adverse_event").get(a).label for a in entry.get("adverse_events", [])],
            "outlook": entry.get("outlook", "")}


def product_risk(product: str) -> dict[str, Any]:
    """The product's cell-source risk tier (section 4.1) and the risks to watch for."""
    term = get_vocabulary("product").get(product)
    tier = next((t for t in kb.risk_tiers() if product in t.products), None)
    return {"product": label("product", product), "kind": term.extra.get("kind", ""),
            "tier": tier.label if tier else "not classified", "rank": tier.rank if tier else None,
            "risks": list(tier.risks) if tier else []}


def dose_evidence(product: str, model: str) -> list[dict[str, Any]]:
    """Dose-window records (Table 3) for the same product family or the same model."""
    family = {product, get_vocabulary("product").get(product).extra.get("parent", "")} - {""}
    out = []
    for w in kb.dose_windows():
        if w.product in family or w.model == model:
            out.append({"setting": w.setting, "product": label("product", w.product) if w.product else "",
                        "model": label("model", w.model) if w.model else "", "doses": list(w.doses),
                        "unit": f"{w.dose_unit} {w.dose_basis.replace('_', ' ')}", "pattern": w.pattern,
                        "med": w.med, "saturation": w.saturation})
    return out


def framework(domains: Iterable[str]) -> list[dict[str, Any]]:
    """Table 4 rows (evaluation framework) covering any of the outcome ``domains``, plus data reporting."""
    wanted = set(domains)
    return [{"domain": r["domain"], "proposed": list(r["proposed_elements"]), "goal": r["goal"]}
            for r in _kb_list("evaluation_framework")
            if wanted & set(r["outcome_domains"]) or not r["outcome_domains"]]

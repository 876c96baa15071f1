"""Small typed views of knowledge-base entries, for code that checks studies against the review's framework."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from painregen.kb.loader import load

__all__ = [
    "BatteryRequirement",
    "DoseWindow",
    "MechanisticCriterion",
    "RiskTier",
    "battery_requirements",
    "dose_windows",
    "mechanistic_criteria",
    "risk_tiers",
    "route_monitoring",
]


@dataclass(frozen=True)
class BatteryRequirement:
    """At least ``min_count`` outcomes of ``domain``; ``level`` is ``required`` or ``recommended``."""

    domain: str
    min_count: int
    level: str
    example_assays: tuple[str, ...]

    @property
    def required(self) -> bool:
        return self.level == "required"


@dataclass(frozen=True)
class MechanisticCriterion:
    """One item of the section 5.2.1 checklist, satisfied by evidence of kind ``evidence_kind``."""

    id: str
    order: int
    evidence_kind: str
    label: str
    question: str


@dataclass(frozen=True)
class RiskTier:
    """A cell-source risk tier (rank 1 = highest tumorigenic risk) and the product CURIEs in it."""

    key: str
    rank: int
    label: str
    products: tuple[str, ...]
    risks: tuple[str, ...]


@dataclass(frozen=True)
class DoseWindow:
    """Dose-window evidence: the doses compared, the pattern seen, and MED / saturation where stated."""

    id: str
    setting: str
    product: str | None
    model: str | None
    doses: tuple[float, ...]
    dose_unit: str
    dose_basis: str
    pattern: str
    med: float | None
    saturation: float | None
    product_text: str | None = None
    model_text: str | None = None
    implication: str | None = None


def _as_dict(name: str) -> dict[str, Any]:
    data = load(name)
    if not isinstance(data, dict):
        raise TypeError(f"knowledge base entry {name!r} is not a mapping")
    return data


def _as_list(name: str) -> list[dict[str, Any]]:
    data = load(name)
    if not isinstance(data, list):
        raise TypeError(f"knowledge base entry {name!r} is not a list")
    return data


def _opt_float(x: Any) -> float | None:
    return None if x is None else float(x)


def battery_requirements() -> list[BatteryRequirement]:
    """The core behavioural battery: >= 1 evoked and >= 1 spontaneous (required), >= 1 affective (recommended)."""
    return [
        BatteryRequirement(r["domain"], int(r["min_count"]), r["level"], tuple(r["example_assays"]))
        for r in _as_dict("battery")["requirements"]
    ]


def mechanistic_criteria() -> list[MechanisticCriterion]:
    """The four criteria of the mechanistic validation checklist, in the review's order."""
    rows = sorted(_as_dict("mechanistic_checklist")["criteria"], key=lambda c: c["order"])
    return [MechanisticCriterion(c["id"], int(c["order"]), c["evidence_kind"], c["label"], c["question"]) for c in rows]


def risk_tiers() -> list[RiskTier]:
    """Cell-source risk tiers, highest risk first."""
    rows = sorted(_as_list("risk_tiers"), key=lambda t: t["rank"])
    return [RiskTier(t["key"], int(t["rank"]), t["label"], tuple(t["products"]), tuple(t["risks"])) for t in rows]


def dose_windows() -> list[DoseWindow]:
    """Dose-window evidence of Table 3 (and the ATG example of section 4.3)."""
    return [
        DoseWindow(
            d["id"], d["setting"], d["product"], d["model"], tuple(float(x) for x in d["doses"]), d["dose_unit"],
            d["dose_basis"], d["pattern"], _opt_float(d["med"]), _opt_float(d["saturation"]),
            d.get("product_text"), d.get("model_text"), d.get("implication"),
        )
        for d in _as_list("dose_windows")
    ]


def route_monitoring(route_class: str) -> list[tuple[str, str]]:
    """``(code, label)`` safety-monitoring items of a route class (systemic, neuraxial, joint/disc, local)."""
    for c in _as_dict("route_safety")["classes"]:
        if c["class"] == route_class:
            return [(i["code"], i["label"]) for i in c["items"]]
    raise ValueError(f"unknown route class {route_class!r}")

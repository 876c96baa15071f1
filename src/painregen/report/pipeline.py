"""Run the analyses that the report shows, on a Dataset: evidence summary, effects, pooled effects per domain."""

from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from painregen.effects.table import EffectTable, dataset_effects
from painregen.evidence import models as m
from painregen.evidence.vocab import get_vocabulary
from painregen.meta import rma
from painregen.meta.results import RmaResult

DOMAINS = ("evoked", "spontaneous", "affective", "motor", "structural", "molecular", "imaging", "safety")


@dataclass
class DomainSynthesis:
    domain: str
    k: int
    n_studies: int
    result: RmaResult | None
    yi: np.ndarray
    vi: np.ndarray
    labels: list[str]
    note: str = ""


@dataclass
class Analysis:
    dataset: m.Dataset
    measure: str
    method: str
    summary: dict[str, Any]
    effects: EffectTable
    domains: list[DomainSynthesis] = field(default_factory=list)


def label_of(vocabulary: str, curie: str | None) -> str:
    if curie is None:
        return "not reported"
    try:
        return get_vocabulary(vocabulary).get(curie).label
    except (KeyError, ValueError):
        return curie


def evidence_summary(ds: m.Dataset) -> dict[str, Any]:
    exps = [e for s in ds.studies for e in s.experiments]
    cohorts = [c for e in exps for c in e.cohorts]
    inters = [c.intervention for c in cohorts if c.intervention is not None]

    def count(vocab: str, values: list[str | None]) -> list[tuple[str, int]]:
        return [(label_of(vocab, v), n) for v, n in Counter(values).most_common()]

    return {
        "studies": len(ds.studies), "experiments": len(exps), "cohorts": len(cohorts),
        "observations": sum(len(e.observations) for e in exps), "animals": ds.n_animals(),
        "species": count("species", [e.species for e in exps]), "models": count("model", [e.model for e in exps]),
        "products": count("product", [i.product for i in inters]),
        "routes": count("route", [i.route for i in inters if i.route]),
        "simulated": ds.simulated,
    }


def run_analysis(ds: m.Dataset, *, measure: str = "SMD", method: str = "REML") -> Analysis:
    """Effects per comparison, then one random-effects model per outcome domain (latest timepoint per comparison)."""
    effects = dataset_effects(ds, measure)
    analysis = Analysis(ds, measure, method, evidence_summary(ds), effects)
    last: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r in effects.rows:
        if r["yi"] is None:
            continue
        key = (r["study"], r["experiment"], r["cohort"], r["outcome"])
        if key not in last or float(r["time"]) > float(last[key]["time"]):  # type: ignore[arg-type]
            last[key] = r
    for domain in DOMAINS:
        rows = [r for r in last.values() if r.get("domain") == domain]
        if not rows:
            continue
        yi = np.array([float(r["yi"]) for r in rows])
        vi = np.array([float(r["vi"]) for r in rows])
        labels = [f"{r['study']} · {r['cohort']} · {r['outcome']}" for r in rows]
        n_studies = len({r["study"] for r in rows})
        result, note = None, ""
        if len(rows) >= 2:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = rma(yi, vi, method=method)
        else:
            note = "one comparison only: not pooled"
        analysis.domains.append(DomainSynthesis(domain, len(rows), n_studies, result, yi, vi, labels, note))
    return analysis

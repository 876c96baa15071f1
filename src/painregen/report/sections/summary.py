"""Evidence base: how many studies, experiments, cohorts and animals, and which species, strains, models,
cell products, tissue sources and routes they used (one row per study in studies.csv)."""

from __future__ import annotations

from typing import Any

from painregen.evidence import models as m
from painregen.report.output import ReportOutput
from painregen.report.pipeline import Analysis, label_of
from painregen.report.sections.base import Section

TABLES = (("species", "Species"), ("strains", "Strains"), ("models", "Injury / disease models"),
          ("products", "Cell products"), ("tissues", "Tissue sources"), ("routes", "Routes"))
MAX_LEVELS = 15


def _joined(vocab: str, values: list[str | None]) -> str:
    return "; ".join(dict.fromkeys(label_of(vocab, v) for v in values))


def study_rows(ds: m.Dataset) -> list[dict[str, Any]]:
    out = []
    for s in ds.studies:
        treated = [c.intervention for e in s.experiments for c in e.cohorts
                   if c.intervention is not None and c.role is m.Role.treated]
        out.append({
            "study": s.study_id, "year": s.year, "title": s.title, "journal": s.journal, "doi": s.doi,
            "experiments": len(s.experiments), "cohorts": sum(len(e.cohorts) for e in s.experiments),
            "animals": sum((c.n_randomised or c.n_analysed or 0) for e in s.experiments for c in e.cohorts),
            "species": _joined("species", [e.species for e in s.experiments]),
            "models": _joined("model", [e.model for e in s.experiments]),
            "products": _joined("product", [i.product for i in treated]),
            "routes": _joined("route", [i.route for i in treated]),
            "simulated": s.simulated,
        })
    return out


def build(a: Analysis, out: ReportOutput) -> Section:
    s = a.summary
    rows = study_rows(a.dataset)
    csv = out.csv("studies.csv", rows, top=True)
    tables = [{"key": key, "heading": heading, "rows": s[key][:MAX_LEVELS], "more": max(0, len(s[key]) - MAX_LEVELS)}
              for key, heading in TABLES]
    ctx = {"s": s, "tables": tables, "studies": rows[: out.top_n], "n_comparisons": len(a.frame),
           "n_effects": len(a.effects.rows)}
    return Section("summary", "Evidence base", ctx, tables={"studies": csv}, methods=[
        "Counts: cohorts and animals are counted as randomised (as analysed where randomised is not reported); "
        "products, tissue sources and routes are counted over treated cohorts."])

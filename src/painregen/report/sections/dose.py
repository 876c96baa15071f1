"""Dose-response windows: the dose-finding experiments (one product at >= 3 doses plus a control, i.e. >= 4
distinct doses with vehicle), MCP-Mod and the saturation window on each (painregen.dose), a summary per product,
fitted-curve plots per product, and the rows of Table 3 of Zhu et al.'s review (dose windows) for the product
families the registry holds. The section is left out when there is neither."""

from __future__ import annotations

import warnings
from collections import Counter
from typing import Any

from painregen import kb
from painregen.evidence import models as m
from painregen.evidence.vocab import get_vocabulary
from painregen.report.output import ReportOutput
from painregen.report.pipeline import Analysis, label_of
from painregen.report.sections import dose_models as dm
from painregen.report.sections.base import Section

MIN_TREATED_DOSES = 3  # + the vehicle control = 4 distinct doses
MAX_FITS = 60  # experiments modelled (in order); the rest are listed
MAX_PANELS = 6  # experiments drawn per product


def dose_finding(ds: m.Dataset) -> list[dict[str, Any]]:
    """Experiments in which one product (in one unit and basis) was given at >= 3 distinct doses, with a control."""
    out = []
    for s in ds.studies:
        for e in s.experiments:
            if not any(c.role is m.Role.control for c in e.cohorts):
                continue
            groups: dict[tuple[str, str, str], dict[float, str]] = {}
            for c in e.cohorts:
                i = c.intervention
                if c.role is m.Role.treated and i is not None and i.dose is not None:
                    groups.setdefault((i.product, i.dose.unit, i.dose.basis.value), {})[i.dose.amount] = c.cohort_id
            for (product, unit, basis), doses in groups.items():
                if len(doses) >= MIN_TREATED_DOSES:
                    out.append({"study": s.study_id, "experiment": e.experiment_id, "model": label_of("model", e.model),
                                "product": label_of("product", product), "route": label_of("route", _route(e)),
                                "unit": unit, "basis": basis, "doses": sorted(doses), "n_doses": len(doses) + 1,
                                "cohorts": [doses[d] for d in sorted(doses)]})
    return out


def _route(e: m.Experiment) -> str | None:
    return next((c.intervention.route for c in e.cohorts if c.intervention is not None and c.intervention.route), None)


def product_family(curie: str) -> str:
    """The broadest product a product belongs to (the product vocabulary's ``parent`` chain): MSCs of any
    tissue -> mesenchymal stem cell, exosomes -> extracellular vesicle."""
    vocab = get_vocabulary("product")
    seen = {curie}
    while True:
        try:
            parent = vocab.get(curie).extra.get("parent")
        except KeyError:
            return curie
        if not parent or parent in seen:
            return curie
        seen.add(parent)
        curie = parent


def kb_windows(products: set[str] | None = None) -> list[dict[str, Any]]:
    """Rows of Table 3 of Zhu et al.'s review (painregen.kb.dose_windows) whose product is of a family in
    ``products`` (all rows when None)."""
    families = None if products is None else {product_family(p) for p in products}
    return [{"product": w.product_text, "model": w.model_text, "setting": w.setting, "doses": list(w.doses),
             "unit": w.dose_unit, "pattern": w.pattern, "med": w.med, "saturation": w.saturation,
             "implication": w.implication} for w in kb.dose_windows()
            if families is None or (w.product is not None and product_family(w.product) in families)]


def treated_products(ds: m.Dataset) -> set[str]:
    return {c.intervention.product for s in ds.studies for e in s.experiments for c in e.cohorts
            if c.role is m.Role.treated and c.intervention is not None}


def product_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per product (unit, basis): experiments, how many show a dose-response, plateau or decline, the models
    selected and the range of saturation doses and MEDs, as given and per kg body weight."""
    out = []
    for key in dict.fromkeys((r["product"], r["unit"], r["basis"]) for r in rows):
        g = [r for r in rows if (r["product"], r["unit"], r["basis"]) == key]
        sat = [r["saturation"] for r in g if r["saturation"] is not None]
        med = [r["med"] for r in g if r["med"] is not None]
        sat_kg = [r["saturation_kg"] for r in g if r.get("saturation_kg") is not None]
        med_kg = [r["med_kg"] for r in g if r.get("med_kg") is not None]
        out.append({"product": key[0], "unit": key[1], "basis": key[2], "n": len(g),
                    "detected": sum(r["detected"] for r in g), "plateau": sum(r["plateau"] for r in g),
                    "decline": sum(r["decline"] for r in g),
                    "models": ", ".join(f"{k} {v}" for k, v in Counter(r["model"] or "none" for r in g).most_common()),
                    "saturation_min": min(sat, default=None), "saturation_max": max(sat, default=None),
                    "med_min": min(med, default=None), "med_max": max(med, default=None),
                    "kg_unit": next((r["kg_unit"] for r in g if r.get("kg_unit")), None),
                    "saturation_kg_min": min(sat_kg, default=None), "saturation_kg_max": max(sat_kg, default=None),
                    "med_kg_min": min(med_kg, default=None), "med_kg_max": max(med_kg, default=None),
                    "kg_imputed": sum(bool(r.get("kg_imputed")) for r in g)})
    return out


def model_all(a: Analysis, series: list[dict[str, Any]], out: ReportOutput) -> dict[str, Any]:
    """MCP-Mod on every dose-finding experiment (up to MAX_FITS); rows, skipped experiments and figures."""
    eng = dm.engine()
    assert eng is not None
    rows, groups, skipped, fitted = [], [], [], []
    for row in series[:MAX_FITS]:
        s = dm.series_of(a.dataset, row)
        if isinstance(s, str):
            skipped.append({"study": row["study"], "experiment": row["experiment"], "reason": s})
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = dm.fit(s, eng)
        except eng[2] as exc:
            skipped.append({"study": s.study, "experiment": s.experiment, "reason": str(exc)})
            continue
        rows.append(dm.result_row(s, res))
        fitted.append((s, res))
        groups += [{"study": s.study, "experiment": s.experiment, "outcome": s.outcome, "time_days": s.time_days,
                    "dose": d, "mean": mu, "sd": sd, "n": n} for d, mu, sd, n in zip(s.doses, s.means, s.sds, s.ns,
                                                                                   strict=True)]
    figures = {}
    for i, p in enumerate(dict.fromkeys(s.product for s, _ in fitted)):
        items = [x for x in fitted if x[0].product == p]
        caption = (f"{p}: group means (95% CI) against dose, vehicle at 0; line: the model MCP-Mod selected; green "
                   "band: window from the MED to the saturation dose (dashed).")
        if len(items) > MAX_PANELS:
            caption += f" The first {MAX_PANELS} of {len(items)} experiments are drawn."
        figures[f"curves{i}"] = out.figure(dm.curves(p, items[:MAX_PANELS], a.label), f"dose_curves_{i + 1}", caption)
    tables = {"windows": out.csv("dose_windows.csv", rows), "groups": out.csv("dose_groups.csv", groups)}
    return {"rows": rows, "skipped": skipped, "figures": figures, "tables": tables,
            "products": product_rows(rows), "truncated": max(0, len(series) - MAX_FITS)}


def build(a: Analysis, out: ReportOutput) -> Section | None:
    series = dose_finding(a.dataset)
    if not series and not kb_windows(treated_products(a.dataset)):
        return None
    tables = {"studies": out.csv("dose_finding.csv", [s | {"doses": ";".join(f"{d:g}" for d in s["doses"]),
                                                          "cohorts": ";".join(s["cohorts"])} for s in series],
                                 columns=["study", "experiment", "model", "product", "route", "unit", "basis", "doses",
                                          "n_doses", "cohorts"], top=True)}
    modelled = model_all(a, series, out) if series and dm.engine() is not None else None
    figures = modelled["figures"] if modelled else {}
    if modelled:
        tables |= modelled["tables"]
    a.cache["dose"] = modelled
    products = treated_products(a.dataset)
    families = sorted({label_of("product", product_family(p)) for p in products})
    ctx = {"series": series[: out.top_n], "n_series": len(series), "products": sorted({s["product"] for s in series}),
           "kb": kb_windows(products), "kb_families": families, "review": kb.REVIEW_SHORT,
           "review_citation": kb.REVIEW_CITATION, "engine": dm.engine() is not None, "m": modelled,
           "p": dm.P_SATURATION}
    methods = [f"Dose-finding experiments: one product given at >= {MIN_TREATED_DOSES} doses in one unit and basis "
               "with a vehicle control in the same experiment."]
    if modelled:
        methods.append(
            "Dose-response per experiment: MCP-Mod (Bretz et al. 2005; Pinheiro et al. 2014; painregen.dose, as "
            "DoseFinding's MCPMod) on the group means of the primary outcome (first evoked outcome, else the first "
            "observed) at the latest time at which every group was measured, with S = diag(SE²) (summary data); "
            "candidate shapes with DoseFinding guesstimates scaled to the largest dose D (linear; Emax ED50 = 0.2 D; "
            "sigmoid Emax ED50 = 0.5 D, h = 3; quadratic peaking at 0.6 D); "
            "one-sided multiple contrast test at alpha 0.025; model selected by AIC among the significant shapes; "
            "MED = the dose whose fitted effect over vehicle equals one pooled within-group SD; saturation dose = "
            f"ED{round(100 * dm.P_SATURATION)} of the maximum effect within the tested range, with parametric-"
            "bootstrap 95% intervals; plateau and decline as painregen.dose.window defines them. Each experiment is "
            "fitted on its doses as given; MED and saturation doses are also expressed per kg body weight "
            "(painregen.evidence.doses.normalise_dose with the reported body weight, else the species' typical "
            "weight) so that ranges across species can be compared.")
    return Section("dose", "Dose-response windows", ctx, figures=figures, tables=tables, methods=methods)

"""Estimate vs truth, for simulated evidence: the simulator's true parameters beside what the pipeline
recovered (pooled NMD per domain, inflation by unblinded assessment, selective publication, dose-response)."""

from __future__ import annotations

import warnings
from collections import Counter
from typing import Any

import numpy as np

from painregen.evidence.vocab import get_vocabulary
from painregen.meta import trimfill
from painregen.report.output import ReportOutput
from painregen.report.pipeline import Analysis, run_analysis
from painregen.report.sections.base import Section
from painregen.report.sections.rob import stratified


def true_nmd(truth: dict[str, Any], study: str, experiment: str, cohort: str, domain: str) -> float | None:
    """The simulator's NMD (fraction) of one treated cohort and domain at the last time, or None."""
    try:
        value = truth["studies"][study]["experiments"][experiment]["cohorts"][cohort]["nmd_last"][domain]
    except (KeyError, TypeError):
        return None
    return None if value is None else float(value)


def domain_rows(a: Analysis, truth: dict[str, Any]) -> list[dict[str, Any]]:
    """Per domain: the three-level pooled NMD (percent) and the mean true NMD of the same comparisons."""
    # the same evidence as the report's own analysis (labels mapped with people's decisions, no second remap)
    source = a.evidence if a.evidence is not None else a.dataset
    nmd = a if a.measure == "NMD" else run_analysis(source, measure="NMD", method=a.method)
    theta = truth.get("domain_effects", {})
    rows = []
    for d in nmd.domains:
        if d.multilevel is None or d.rows is None:
            continue
        true = [true_nmd(truth, str(s), str(e), str(c), d.domain)
                for s, e, c in zip(d.rows["study"], d.rows["experiment"], d.rows["cohort"], strict=True)]
        known = [t for t in true if t is not None]
        ml = d.multilevel
        rows.append({"domain": d.domain, "k": d.k, "theta": 100 * theta[d.domain] if d.domain in theta else None,
                     "true_mean": 100 * float(np.mean(known)) if known else None, "k_true": len(known),
                     "estimate": float(ml.b[0]), "ci_low": float(ml.ci_low[0]), "ci_high": float(ml.ci_high[0]),
                     "covered": bool(known) and float(ml.ci_low[0]) <= 100 * float(np.mean(known))
                     <= float(ml.ci_high[0])})
    return rows


def selected_models(a: Analysis, product: str) -> str | None:
    """The shapes MCP-Mod selected in the dose-finding experiments of a simulator product (None: not modelled)."""
    modelled = a.cache.get("dose")
    if not modelled:
        return None
    try:
        label = get_vocabulary("product").resolve(product).label
    except ValueError:
        label = product
    chosen = Counter(r["model"] or "none" for r in modelled["rows"] if r["product"] == label)
    n = sum(chosen.values())
    if not n:
        return "no dose-finding experiment"
    return ", ".join(f"{k} {v}" for k, v in chosen.most_common()) + f" (of {n})"


def build(a: Analysis, out: ReportOutput) -> Section | None:
    truth = a.dataset.truth
    if not a.dataset.simulated or not truth:
        return None
    strat = {q.item: q for q in stratified(a)}
    blind = strat.get("assessor_blinding")
    mult = truth.get("bias_multipliers", {})
    evoked = a.domain("evoked")
    k0 = None
    if evoked is not None and evoked.result is not None and evoked.k >= 3:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            k0 = trimfill(evoked.result).k0
    sel = truth.get("selection", {})
    dose = [{"product": p, "shape": v.get("shape"), "ed50": v.get("ed50"), "peak_dose": v.get("peak_dose"),
             "unit": v.get("unit"), "efficacy": v.get("efficacy"), "selected": selected_models(a, p)}
            for p, v in truth.get("dose_response", {}).items()]
    ctx = {"domains": domain_rows(a, truth), "measure": a.measure,
           "blinding": None if blind is None else {"true": mult.get("assessor_blinding"), "ratio": blind.ratio,
                                                   "regression_ratio": blind.regression_ratio},
           "multipliers": mult, "n_suppressed": sel.get("n_suppressed"), "n_candidates": truth.get("n_candidates"),
           "p_publish": sel.get("p_publish"), "k0": k0, "dose": dose, "tau": truth.get("tau")}
    methods = [
        "Estimate vs truth (simulated evidence only): per domain, the NMD three-level model (REML unless ML is "
        "chosen) against the mean true NMD at the last timepoint of the same treated cohorts, which already includes "
        "each study's dose, timing and risk-of-bias multipliers; theta is the simulator's peak-dose, bias-free "
        "effect. The blinding ratio is the quality-stratified ratio of the Risk of bias section."]
    return Section("truth", "Estimate vs truth (simulated evidence)", ctx, methods=methods)

"""Pooled dose-response across studies, doses per kg body weight: restricted-cubic-spline models per cell product
and per product and route (evoked outcomes), one-stage and two-stage.

painregen.dose (Orsini et al. 2012 knots; Crippa et al. 2019 one-stage model; Orsini, Bellocco & Greenland 2006
two-stage model): each treated-vs-vehicle SMD contrast with the shared-control covariance; Wald test of
non-linearity, the pooled curve with its 95% band, the plateau dose and an Emax fit on the same contrasts. For
simulated evidence the simulator's true ED50 (or peak dose) per kg is given beside each stratum.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from painregen.dose.dataset_dr import Basis, DoseResponseInputs, dose_axis_label, dose_response_inputs, labels
from painregen.dose.meta_dr import DoseResponseMeta, StratifiedDoseResponse, stratified
from painregen.dose.plots import draw_pooled_curves
from painregen.dose.two_stage import dose_response_two_stage
from painregen.effects.table import dataset_effects
from painregen.evidence.vocab import get_vocabulary
from painregen.io.figures import new_figure
from painregen.report.output import ReportOutput, inch_layout, mpl_text
from painregen.report.pipeline import Analysis, label_of
from painregen.report.sections.base import Section

DOMAIN, MEASURE = "evoked", "SMD"
BASIS: Basis = "per_kg"
UNITS = ("cells", "ug", "particles")


def _label(key: str) -> str:
    """``"CURIE"`` or ``"product CURIE · route CURIE"`` as display labels."""
    parts = key.split(" · ")
    if len(parts) == 2:
        return f"{label_of('product', parts[0])} · {label_of('route', parts[1])}"
    return label_of("product", key)


def _vocab_label(vocabulary: str, curie: str | None) -> str | None:
    if curie is None:
        return None
    try:
        return get_vocabulary(vocabulary).get(curie).label
    except (KeyError, ValueError):
        return None


def true_dose_per_kg(truth: dict[str, Any], rows: list[dict[str, Any]]) -> tuple[str, float] | None:
    """The simulator's true ED50 (Emax products) or peak dose (umbrella products) per kg body weight for a stratum:
    the median over its contrasts of ``dose_eff x species_scale / route_potency / weight_kg`` (the simulator's
    ``d_eff = dose x route_potency / species_scale``); None when the truth does not cover the stratum."""
    curves = truth.get("dose_response") or {}
    potency, scale = truth.get("route_potency") or {}, truth.get("species_scale") or {}
    by_curie = {c: k for k in curves if (c := _curie("product", k)) is not None}
    values, kind = [], None
    for r in rows:
        product = by_curie.get(str(r.get("product")))
        species = _vocab_label("species", r.get("species"))
        weight = r.get("body_weight_kg")
        if product is None or species not in scale or not weight:
            return None
        c = curves[product]
        kind, eff = ("ED50", c.get("ed50")) if c.get("shape") == "emax" else ("peak dose", c.get("peak_dose"))
        if eff is None:
            return None
        route = _vocab_label("route", r.get("route"))
        values.append(float(eff) * float(scale[species]) / float(potency.get(route, 1.0)) / float(weight))
    return (kind, float(np.median(values))) if values and kind else None


def _curie(vocabulary: str, name: str) -> str | None:
    try:
        return get_vocabulary(vocabulary).resolve(name).curie
    except ValueError:
        return None


def _row(key: str, res: DoseResponseMeta, truth: tuple[str, float] | None, unit: str) -> dict[str, Any]:
    e = res.emax
    fit = res.curve.fit
    return {"stratum": _label(key), "unit": dose_axis_label(unit, BASIS), "k": res.k, "studies": res.n_studies,
            "nonlinear_p": res.nonlinear_p, "plateau_dose": res.plateau_dose, "max_effect": float(np.nanmax(fit)),
            "dose_at_max": float(res.curve.dose[int(np.nanargmax(fit))]),
            "ed50": e.ed50 if e else None, "eMax": e.eMax if e else None,
            "ed50_at_bound": bool(e.at_bound) if e else None,
            "true_kind": truth[0] if truth else None, "true_dose": truth[1] if truth else None}


def _panel(ax: Any, strat: StratifiedDoseResponse, title: str, unit: str) -> None:
    draw_pooled_curves(ax, {mpl_text(_label(k)): r.curve for k, r in strat.results.items()},
                       xlabel=mpl_text(dose_axis_label(unit, BASIS)),
                       ylabel=f"pooled {MEASURE} vs vehicle ({DOMAIN})", title=mpl_text(title))


def _figure(by_product: StratifiedDoseResponse, by_route: StratifiedDoseResponse, unit: str) -> Figure:
    fig = new_figure(figsize=(11.0, 4.4))
    inch_layout(fig, 1, 2, left=0.75, right=0.15, bottom=0.65, top=0.4, gap_w=0.9)
    left, right = fig.subplots(1, 2)
    _panel(left, by_product, "by product", unit)
    _panel(right, by_route, "by product and route", unit)
    return fig


def _fit_unit(inp: DoseResponseInputs, product: np.ndarray, route: np.ndarray) -> tuple[
        StratifiedDoseResponse, StratifiedDoseResponse, StratifiedDoseResponse]:
    """One-stage by product, one-stage by product and route, two-stage by product (``product``, ``route``: the
    stratum label of each contrast)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        by_product = stratified(inp.dose, inp.yi, inp.vi, inp.study, inp.V, product, name="product")
        by_route = stratified(inp.dose, inp.yi, inp.vi, inp.study, inp.V, route, name="product+route")
        two = stratified(inp.dose, inp.yi, inp.vi, inp.study, inp.V, product, name="product",
                         fit=dose_response_two_stage)
    return by_product, by_route, two


def _two_stage(key: str, two: StratifiedDoseResponse) -> dict[str, Any]:
    """The two-stage columns of a product row (``two_reason`` when it could not be fitted)."""
    res = two.results.get(key)
    if res is None:
        return {"two_studies": None, "two_excluded": None, "two_nonlinear_p": None, "two_plateau_dose": None,
                "two_I2": None, "two_reason": two.skipped.get(key)}
    return {"two_studies": res.n_studies, "two_excluded": len(res.excluded), "two_nonlinear_p": res.nonlinear_p,
            "two_plateau_dose": res.plateau_dose, "two_I2": res.I2, "two_reason": None}


def _rows(strat: StratifiedDoseResponse, inp: DoseResponseInputs, lab: np.ndarray, truth: dict[str, Any] | None,
          unit: str) -> list[dict[str, Any]]:
    out = []
    for key, res in strat.results.items():
        members = [r for r, x in zip(inp.rows, lab, strict=True) if x == key]
        out.append(_row(key, res, true_dose_per_kg(truth, members) if truth else None, unit))
    return out


def build(a: Analysis, out: ReportOutput) -> Section | None:
    truth = a.dataset.truth if a.dataset.simulated and a.dataset.truth else None
    units: list[dict[str, Any]] = []
    figures, products, routes, skipped = {}, [], [], []
    table = dataset_effects(a.dataset, MEASURE, shared="covariance", collapse="last")  # once for every unit
    for unit in UNITS:
        inp = dose_response_inputs(a.dataset, measure=MEASURE, domain=DOMAIN, unit=unit, basis=BASIS, table=table)
        if inp.yi.size == 0:
            continue
        product, route = labels(inp.rows, "product"), labels(inp.rows, ("product", "route"))
        by_product, by_route, two = _fit_unit(inp, product, route)
        if not by_product.results and not by_route.results:
            continue
        p_rows = [row | _two_stage(key, two) for row, key in
                  zip(_rows(by_product, inp, product, truth, unit), by_product.results, strict=True)]
        r_rows = _rows(by_route, inp, route, truth, unit)
        products += p_rows
        routes += r_rows
        skipped += [{"stratum": _label(k), "unit": dose_axis_label(unit, BASIS), "reason": v}
                    for strat in (by_product, by_route) for k, v in strat.skipped.items()]
        figures[unit] = out.figure(
            _figure(by_product, by_route, unit), f"dose_meta_{DOMAIN}_{unit}",
            f"Pooled dose-response of {DOMAIN} outcomes, doses in {dose_axis_label(unit, BASIS)} (restricted cubic "
            "splines, one-stage model, 95% bands): by product (left) and by product and route (right).")
        units.append({"unit": unit, "label": dose_axis_label(unit, BASIS), "describe": inp.describe(),
                      "products": p_rows, "routes": r_rows})
    if not units:
        return None
    tables = {"products": out.csv("dose_meta.csv", products, top=True),
              "routes": out.csv("dose_meta_routes.csv", routes, top=True)}
    methods = [f"Pooled dose-response: one-stage random-effects model (Crippa et al. 2019) of {MEASURE} contrasts "
               "against vehicle with the shared-control covariance, restricted cubic splines with knots at the 5th, "
               "35th, 65th and 95th dose percentiles (Orsini et al. 2012), random effects for study and contrast "
               "(REML); Wald test of non-linearity; plateau dose = the smallest dose after which the pooled curve "
               "rises by no more than 5% of its maximum; an Emax model profiled over ED50 on the same contrasts. "
               "Doses per kg body weight (reported weight, else the species' typical weight; masses in µg), one "
               "model per dose unit, stratified by product and by product and route (routes differ in how much of "
               "a dose reaches the target). Two-stage model per product for comparison (Orsini et al. 2006): a "
               "spline fitted by GLS within each study with at least as many distinct doses as coefficients, the "
               "study curves pooled by multivariate random-effects meta-analysis (REML, unstructured between-study "
               "covariance; Jackson, Riley & White 2011); studies with fewer doses are excluded from it."]
    ctx = {"units": units, "skipped": skipped, "domain": DOMAIN, "measure": MEASURE, "simulated": truth is not None}
    return Section("dose_meta", "Pooled dose-response across studies", ctx, figures=figures, tables=tables,
                   methods=methods)


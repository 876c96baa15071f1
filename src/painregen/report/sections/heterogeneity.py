"""Sources of heterogeneity the review names (species/strain, model, cell source, preparation, dose, route,
timing): per domain a subgroup analysis and a three-level meta-regression for each, with the CAMARADES
partition of Q and a Bonferroni correction over the stratifications."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from painregen.meta import ConvergenceError, partition_q, rma, rma_mv, subgroup
from painregen.report.output import ReportOutput
from painregen.report.pipeline import Analysis, DomainSynthesis
from painregen.report.sections.base import Section

MIN_K = 10
FITTING_ERRORS = (ConvergenceError, ValueError, np.linalg.LinAlgError)


@dataclass(frozen=True)
class Moderator:
    column: str
    name: str
    numeric: bool = False


MODERATORS = (
    Moderator("species", "Species"), Moderator("strain", "Strain"), Moderator("model", "Injury model"),
    Moderator("product", "Cell source (product)"), Moderator("tissue_source", "Tissue source"),
    Moderator("preparation", "Preparation (cells / vesicles)"), Moderator("donor", "Donor relation"),
    Moderator("dose", "Dose (log10)", numeric=True), Moderator("route", "Route"),
    Moderator("timing", "Timing (preventive / therapeutic)"),
    Moderator("timing_days", "Day of treatment after injury", numeric=True),
)


def moderator_values(rows: pd.DataFrame, mod: Moderator) -> tuple[pd.Series[Any], str]:
    """The moderator per row (NaN/None where not reported or not comparable) and a note on its scale."""
    if mod.column == "dose":
        units = rows.loc[rows["dose"].notna() & (rows["dose"].astype(float) > 0), ["dose_unit", "dose_basis"]]
        if units.empty:
            return pd.Series([np.nan] * len(rows), index=rows.index), ""
        unit, basis = units.value_counts().index[0]
        ok = (rows["dose_unit"] == unit) & (rows["dose_basis"] == basis) & (rows["dose"].astype(float) > 0)
        return pd.Series(np.log10(rows["dose"].astype(float).where(ok))), f"log10 {unit} {basis.replace('_', ' ')}"
    values = rows[mod.column]
    if mod.numeric:
        return pd.to_numeric(values, errors="coerce"), "days"
    return values.where(values.notna() & (values != "not reported")), ""


def analyse(d: DomainSynthesis, mod: Moderator, method: str, mv_method: str) -> dict[str, Any]:
    """One moderator in one domain: subgroup fits (categorical) and a three-level meta-regression."""
    assert d.rows is not None
    x, scale = moderator_values(d.rows, mod)
    ok = x.notna().to_numpy()
    out: dict[str, Any] = {"domain": d.domain, "moderator": mod.name, "column": mod.column, "scale": scale,
                           "k": int(ok.sum()), "levels": [], "n_levels": None, "Q_between": None, "Q_between_p": None,
                           "Q_partition_p": None, "QM": None, "QM_df": None, "QM_p": None, "slope": None,
                           "slope_ci_low": None, "slope_ci_high": None, "R2": None, "note": ""}
    yi, vi, xs = d.yi[ok], d.vi[ok], x[ok]
    studies = np.array(d.studies, dtype=object)[ok]
    distinct = xs.nunique()
    out["n_levels"] = int(distinct)
    if ok.sum() < 3 or distinct < 2:
        out["note"] = "not reported" if ok.sum() == 0 else "one level only"
        return out
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if not mod.numeric:
            try:
                sg = subgroup(yi, vi, xs.astype(str).to_numpy(), method=method)
                out |= {"Q_between": sg.Q_between, "Q_between_df": sg.Q_between_df, "Q_between_p": sg.Q_between_p,
                        "Q_partition_p": partition_q(yi, vi, xs.astype(str).to_numpy()).p, "levels": sg.subgroups()}
            except FITTING_ERRORS as exc:
                out["note"] = f"subgroups not fitted: {exc}"
        mods = pd.DataFrame({mod.column: xs.to_numpy(float) if mod.numeric else xs.astype(str).to_numpy()})
        try:
            mv = rma_mv(yi, vi, clusters=[studies, np.arange(yi.size)], mods=mods, method=mv_method)
            out |= {"QM": mv.QM, "QM_df": mv.QM_df, "QM_p": mv.QM_p}
            if mod.numeric:
                out |= {"slope": float(mv.b[1]), "slope_ci_low": float(mv.ci_low[1]),
                        "slope_ci_high": float(mv.ci_high[1])}
            out["R2"] = rma(yi, vi, mods=mods, method=method).R2
        except FITTING_ERRORS as exc:
            out["note"] = (out["note"] + "; " if out["note"] else "") + f"meta-regression not fitted: {exc}"
    return out


def build(a: Analysis, out: ReportOutput) -> Section | None:
    domains = [d for d in a.domains if d.k >= MIN_K and d.n_studies >= 2 and d.rows is not None]
    if not domains:
        return None
    results: list[dict[str, Any]] = []
    for d in domains:
        res = [analyse(d, mod, a.method, a.mv_method) for mod in MODERATORS]
        tested = [r for r in res if r["Q_partition_p"] is not None]
        for r in tested:
            r["Q_partition_p_bonferroni"] = min(1.0, r["Q_partition_p"] * len(tested))
        results.append({"domain": d.domain, "k": d.k, "n_studies": d.n_studies, "moderators": res})
    every = [r for x in results for r in x["moderators"]]
    flat = [{k: v for k, v in r.items() if k != "levels"} for r in every]
    levels = [{"domain": r["domain"], "moderator": r["moderator"], **lev} for r in every for lev in r["levels"]]
    tables = {"metareg": out.csv("heterogeneity.csv", flat), "subgroups": out.csv("subgroups.csv", levels)}
    methods = [
        f"Heterogeneity (domains with k >= {MIN_K}): for each moderator, separate random-effects fits per level "
        f"(tau² by {a.method}) and the Wald-type test that the level estimates differ (Borenstein et al. 2009); the "
        "CAMARADES partition Q_between = Q_total - sum Q_within on fixed-effect weights, Bonferroni-corrected over "
        "the stratifications tested in the domain (Vesterinen et al. 2014); and a three-level meta-regression "
        f"(rma.mv, {a.mv_method}) with the moderator (categorical: dummy coded against the first level in sorted "
        "order; omnibus Wald QM test), with the pseudo-R² of the univariate mixed-effects model (Raudenbush 2009).",
        "Moderators come from the treated cohort and its experiment; rows where a moderator is not reported are "
        "left out of that moderator's analysis. Dose enters as log10 dose among comparisons in the most common "
        "unit and basis; preparation is the product kind (cells, vesicles, secretome) of the product vocabulary.",
    ]
    ctx = {"domains": results, "detail": results[0], "top_n": out.top_n}
    return Section("heterogeneity", "Heterogeneity: subgroups and meta-regression", ctx, tables=tables,
                   methods=methods)

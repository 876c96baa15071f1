"""Appraisal in the synthesis: meta-analysis stratified and meta-regressed on a risk-of-bias item, and a
sensitivity analysis that leaves out studies at high risk of bias.

The effects are the dataset's comparisons (:func:`painregen.effects.table.dataset_effects`), reduced to one effect
per comparison (study, experiment, treated cohort, outcome) by :func:`painregen.effects.collapse` (default: the
last timepoint), so repeated measures of the same animals enter once. Each study's SYRCLE judgement of the item
(:func:`painregen.appraise.syrcle.judge`) splits the comparisons into ``low`` risk and ``high/unclear``.

- Stratified: a separate :func:`painregen.meta.rma` fit per stratum (Borenstein et al. 2009, ch. 19);
  ``difference = b_high/unclear - b_low``; ``ratio = b_high/unclear / b_low`` for additive measures (SMD, MD, NMD)
  and ``exp(b_high/unclear - b_low)`` for the log ratio of means (ROM).
- Meta-regression: ``yi = b0 + b1 * [high/unclear] + u_i + e_i`` with one tau2 (metafor ``rma(yi, vi, mods)``);
  ``regression_ratio = exp(b1)`` for ROM (the ratio of effect sizes of Sena et al. 2010, PLoS Biol 8:e1000344)
  and ``(b0 + b1) / b0`` otherwise.
- Sensitivity: the pooled effect of all comparisons and of those from studies judged high risk on none of
  ``sensitivity_items`` (default: every SYRCLE item).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from painregen.appraise.syrcle import judge
from painregen.effects import collapse
from painregen.effects.collapse import latest_rows
from painregen.effects.table import EffectTable, dataset_effects
from painregen.evidence import models as m
from painregen.meta import RmaResult, rma

__all__ = ["LOG_MEASURES", "QualityStratified", "Sensitivity", "effects_frame", "pooled", "quality_stratified"]

LOG_MEASURES = frozenset({"ROM"})
KEYS = ["study", "experiment", "cohort", "outcome"]


def effects_frame(ds: m.Dataset, measure: str = "SMD", *, collapse_method: str | None = "last",
                  domains: Sequence[str] | None = None, table: EffectTable | None = None) -> pd.DataFrame:
    """One row per comparison (or per comparison and time with ``collapse_method=None``): the keys, ``domain``,
    ``yi``, ``vi`` and one ``rob_<item>`` column per SYRCLE item holding the study's judgement. Rows whose effect
    is undefined are dropped; ``domains`` keeps only outcomes of those domains. ``table``: ``dataset_effects(ds,
    measure)`` when the caller has it already."""
    table = dataset_effects(ds, measure) if table is None else table
    df = pd.DataFrame(table.rows, columns=table.columns)
    if df.empty:
        raise ValueError("the dataset has no comparisons to analyse")
    df = df[df["yi"].notna() & df["vi"].notna()]
    if domains is not None:
        df = df[df["domain"].isin(list(domains))]
    if collapse_method == "last" and not df.empty:
        df = df.loc[latest_rows(df, KEYS), [*KEYS, "domain", "time", "yi", "vi"]]
    elif collapse_method is not None and not df.empty:
        rows = []
        for key, g in df.groupby(KEYS, sort=False):
            c = collapse(g["time"].to_numpy(float), g["yi"].to_numpy(float), g["vi"].to_numpy(float),
                         collapse_method)  # type: ignore[arg-type]
            rows.append({**dict(zip(KEYS, key, strict=True)), "domain": g["domain"].iloc[0], "time": c.time,
                         "yi": c.yi, "vi": c.vi})
        df = pd.DataFrame(rows)
    else:
        df = df[[*KEYS, "domain", "time", "yi", "vi"]]
    judged = {s.study_id: judge(s.rob).judgements() for s in ds.studies}
    items = next(iter(judged.values())).keys() if judged else []
    for item in items:
        df[f"rob_{item}"] = [judged[s][item] for s in df["study"]]
    return df.reset_index(drop=True)


def pooled(df: pd.DataFrame, method: str) -> RmaResult:
    """Intercept-only :func:`painregen.meta.rma` of ``df.yi``, ``df.vi``."""
    if len(df) == 0:
        raise ValueError("no comparisons in this stratum")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rma(df["yi"].to_numpy(float), df["vi"].to_numpy(float), method=method if len(df) > 1 else "FE")


def _summary(fit: RmaResult) -> dict[str, Any]:
    return {"k": fit.k, "estimate": float(fit.b[0]), "se": float(fit.se[0]), "ci_low": float(fit.ci_low[0]),
            "ci_high": float(fit.ci_high[0]), "tau2": fit.tau2, "I2": fit.I2, "p": float(fit.pval[0])}


@dataclass(frozen=True, eq=False)
class Sensitivity:
    """Pooled effect of all comparisons and of those from studies at high risk on none of ``items``."""

    items: tuple[str, ...]
    all: RmaResult
    excluding_high: RmaResult | None
    excluded_studies: tuple[str, ...]

    @property
    def change(self) -> float | None:
        return None if self.excluding_high is None else float(self.excluding_high.b[0] - self.all.b[0])

    def to_dict(self) -> dict[str, Any]:
        return {"items": list(self.items), "all": _summary(self.all),
                "excluding_high": None if self.excluding_high is None else _summary(self.excluding_high),
                "excluded_studies": list(self.excluded_studies), "change": self.change}


@dataclass(frozen=True, eq=False)
class QualityStratified:
    """Effects by the SYRCLE judgement of ``item``: separate fits, the meta-regression and the sensitivity."""

    item: str
    measure: str
    method: str
    low: RmaResult
    high_unclear: RmaResult
    regression: RmaResult
    sensitivity: Sensitivity
    n_studies: dict[str, int]

    @property
    def difference(self) -> float:
        return float(self.high_unclear.b[0] - self.low.b[0])

    @property
    def ratio(self) -> float:
        if self.measure in LOG_MEASURES:
            return float(np.exp(self.difference))
        return float(self.high_unclear.b[0] / self.low.b[0])

    @property
    def regression_ratio(self) -> float:
        b0, b1 = (float(x) for x in self.regression.b[:2])
        return float(np.exp(b1)) if self.measure in LOG_MEASURES else (b0 + b1) / b0

    def to_dict(self) -> dict[str, Any]:
        coef = self.regression.coefficients()[1]
        return {"item": self.item, "measure": self.measure, "method": self.method, "n_studies": self.n_studies,
                "strata": {"low": _summary(self.low), "high/unclear": _summary(self.high_unclear)},
                "difference": self.difference, "ratio": self.ratio,
                "meta_regression": {**coef, "QM_p": self.regression.QM_p, "ratio": self.regression_ratio},
                "sensitivity": self.sensitivity.to_dict()}

    def __repr__(self) -> str:
        return (f"QualityStratified(item={self.item}, measure={self.measure}, k_low={self.low.k}, "
                f"k_high/unclear={self.high_unclear.k}, ratio={self.ratio:.3f}, "
                f"regression_ratio={self.regression_ratio:.3f})")


def quality_stratified(ds: m.Dataset, item: str = "assessor_blinding", *, measure: str = "SMD",
                       method: str = "REML", collapse_method: str | None = "last",
                       domains: Sequence[str] | None = None,
                       sensitivity_items: Sequence[str] | None = None,
                       frame: pd.DataFrame | None = None) -> QualityStratified:
    """Stratify and meta-regress the dataset's effects on the SYRCLE judgement of ``item`` (module docstring).
    ``frame``: :func:`effects_frame` of ``ds`` (``measure``, ``collapse_method``, ``domains``) when the caller
    stratifies on several items."""
    from painregen.appraise.catalogue import get_instrument

    inst = get_instrument("syrcle")
    key = inst.item(item).id
    df = effects_frame(ds, measure, collapse_method=collapse_method, domains=domains) if frame is None else frame
    is_low = (df[f"rob_{key}"] == "low").to_numpy()
    if is_low.all() or not is_low.any():
        raise ValueError(f"every comparison is in one stratum of {key}; nothing to compare")
    x = (~is_low).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reg = rma(df["yi"].to_numpy(float), df["vi"].to_numpy(float), mods=pd.DataFrame({key: x}), method=method)
    s_items = tuple(inst.item(i).id for i in sensitivity_items) if sensitivity_items else tuple(
        i.id for i in inst.items)
    high = np.zeros(len(df), dtype=bool)
    for i in s_items:
        high |= (df[f"rob_{i}"] == "high").to_numpy()
    sens = Sensitivity(s_items, pooled(df, method), pooled(df[~high], method) if (~high).any() else None,
                       tuple(dict.fromkeys(df.loc[high, "study"])))
    return QualityStratified(
        item=key, measure=measure, method=method, low=pooled(df[is_low], method),
        high_unclear=pooled(df[~is_low], method), regression=reg, sensitivity=sens,
        n_studies={"low": int(df.loc[is_low, "study"].nunique()),
                   "high/unclear": int(df.loc[~is_low, "study"].nunique())},
    )

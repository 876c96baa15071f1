"""An evidence grade per question, combining effect, heterogeneity, risk of bias, battery coverage and
publication bias.

The rule follows the logic of GRADE (Guyatt et al. 2008, BMJ 336:924) as adapted to animal studies by Hooijmans
et al. (2018, PLoS One 13:e0187271): start at ``high`` (4 points) and take points off.

=====================  =======================================================================  ======
domain                 downgrade when                                                           points
=====================  =======================================================================  ======
risk of bias           under half of the studies are judged low risk on every ``key_items``     1
inconsistency          I2 > 50 % (2 points when I2 > 75 %)                                      1 or 2
imprecision            the confidence interval of the pooled effect includes 0 (no effect)      1
indirectness           under half of the studies meet the required battery (evoked + spont.)    1
publication bias       k >= 10 and Egger's test p < 0.10 (not assessed when k < 10)             1
=====================  =======================================================================  ======

4 points = high, 3 = moderate, 2 = low, 1 or fewer = very low. ``question`` selects the comparisons with
column equalities on :func:`painregen.appraise.synthesis.effects_frame` (``{"domain": "evoked"}``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from painregen.appraise.battery import coverage
from painregen.appraise.catalogue import get_instrument
from painregen.appraise.synthesis import effects_frame, pooled
from painregen.evidence import models as m
from painregen.meta import regtest

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["KEY_ITEMS", "LEVELS", "Downgrade", "EvidenceGrade", "evidence_grade"]

KEY_ITEMS = ("sequence_generation", "allocation_concealment", "assessor_blinding")
LEVELS = {4: "high", 3: "moderate", 2: "low", 1: "very low"}


@dataclass(frozen=True)
class Downgrade:
    domain: str
    points: int
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"domain": self.domain, "points": self.points, "reason": self.reason}


@dataclass(frozen=True)
class EvidenceGrade:
    """Grade of the evidence on one question, the inputs it was computed from and each domain's verdict."""

    question: str
    level: str
    points: int
    k: int
    n_studies: int
    estimate: float
    ci_low: float
    ci_high: float
    I2: float
    share_low_risk: float
    share_battery: float
    egger_p: float | None
    domains: tuple[Downgrade, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"question": self.question, "level": self.level, "points": self.points, "k": self.k,
                "n_studies": self.n_studies, "estimate": self.estimate, "ci_low": self.ci_low,
                "ci_high": self.ci_high, "I2": self.I2, "share_low_risk": self.share_low_risk,
                "share_battery": self.share_battery, "egger_p": self.egger_p,
                "domains": [d.to_dict() for d in self.domains]}

    def __repr__(self) -> str:
        return f"EvidenceGrade({self.question!r}: {self.level}, k={self.k}, estimate={self.estimate:.3f})"


def evidence_grade(ds: m.Dataset, question: Mapping[str, Any] | None = None, *, measure: str = "SMD",
                   method: str = "REML", key_items: Sequence[str] = KEY_ITEMS,
                   collapse_method: str | None = "last", frame: pd.DataFrame | None = None) -> EvidenceGrade:
    """Grade the evidence on ``question`` (see the module docstring for the rule). ``frame``: the
    :func:`~painregen.appraise.synthesis.effects_frame` of ``ds`` (``measure``, ``collapse_method``) when the caller
    grades several questions on it."""
    df = effects_frame(ds, measure, collapse_method=collapse_method) if frame is None else frame
    for col, value in (question or {}).items():
        df = df[df[col] == value]
    if df.empty:
        raise ValueError(f"no comparisons answer the question {dict(question or {})}")
    fit = pooled(df, method)
    studies = list(dict.fromkeys(df["study"]))
    by_id = {s.study_id: s for s in ds.studies}
    keys = [get_instrument("syrcle").item(i).id for i in key_items]
    first = df.drop_duplicates("study").set_index("study")
    low = sum(all(first.loc[s, f"rob_{i}"] == "low" for i in keys) for s in studies) / len(studies)
    battery = sum(coverage(by_id[s]).required_met for s in studies) / len(studies)
    est, lo, hi, i2 = float(fit.b[0]), float(fit.ci_low[0]), float(fit.ci_high[0]), float(fit.I2 or 0.0)
    egger = float(regtest(fit).p) if fit.k >= 10 else None
    domains = (
        Downgrade("risk of bias", int(low < 0.5), f"{100 * low:.0f}% of studies at low risk on {', '.join(keys)}"),
        Downgrade("inconsistency", 2 if i2 > 75 else int(i2 > 50), f"I2 = {i2:.1f}%"),
        Downgrade("imprecision", int(lo <= 0 <= hi), f"95% CI {lo:.3g} to {hi:.3g}"),
        Downgrade("indirectness", int(battery < 0.5), f"{100 * battery:.0f}% of studies meet the required battery"),
        Downgrade("publication bias", int(egger is not None and egger < 0.10),
                  "not assessed (k < 10)" if egger is None else f"Egger p = {egger:.3g}"),
    )
    points = 4 - sum(d.points for d in domains)
    label = ", ".join(f"{k}={v}" for k, v in (question or {}).items()) or "all comparisons"
    return EvidenceGrade(label, LEVELS[max(1, points)], points, fit.k, len(studies), est, lo, hi, i2, low, battery,
                         egger, domains)

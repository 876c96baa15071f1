"""Run the analyses the report (and the web workbench) show, once: effects, one row per comparison with its
covariates as labels, and per outcome domain a random-effects model (rma) and a three-level model (rma_mv)."""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from painregen.effects.collapse import latest_rows
from painregen.effects.table import EffectTable, dataset_effects
from painregen.evidence import models as m
from painregen.evidence.scoped import evidence_from_dataset
from painregen.evidence.vocab import get_vocabulary
from painregen.meta import ConvergenceError, rma, rma_mv
from painregen.meta.results import RmaResult
from painregen.meta.results_mv import RmaMvResult

if TYPE_CHECKING:
    from painregen.appraise.summary import StudyAppraisal
    from painregen.evidence.scoped import AnalysisEvidence

DOMAINS = ("evoked", "spontaneous", "affective", "motor", "structural", "molecular", "imaging", "safety")
KEYS = ["study", "experiment", "cohort", "outcome"]  # one comparison (as appraise.synthesis.effects_frame)
LABELLED = {"species": "species", "strain": "strain", "model": "model", "product": "product",
            "tissue_source": "tissue", "route": "route"}
MV_METHODS = ("REML", "ML")


@dataclass
class DomainSynthesis:
    domain: str
    k: int
    n_studies: int
    result: RmaResult | None  # univariate random-effects model (comparisons taken as independent)
    yi: np.ndarray
    vi: np.ndarray
    labels: list[str]
    note: str = ""
    multilevel: RmaMvResult | None = None  # three-level model: comparisons nested in studies
    studies: list[str] = field(default_factory=list)  # study of each row (the outer cluster)
    rows: pd.DataFrame | None = None  # the comparisons pooled, with their covariates
    study_labels: list[str] = field(default_factory=list)  # author-year label of each row's study (for figures)

    def headline(self) -> dict[str, Any] | None:
        """The number the report and the workbench lead with, and the model it comes from: the three-level model
        (comparisons nested in studies) when it was fitted, else the univariate random-effects model (one
        study, or the three-level fit failed; ``note`` says why). None when nothing was pooled."""
        if self.multilevel is not None:
            ml = self.multilevel
            pred = ml.predict()
            return {"model": f"three-level random-effects model ({ml.method}; comparisons nested in studies)",
                    "kind": "three-level", "estimate": float(ml.b[0]), "se": float(ml.se[0]),
                    "ci_low": float(ml.ci_low[0]), "ci_high": float(ml.ci_high[0]), "p": float(ml.pval[0]),
                    "pi_low": float(pred["pi_low"][0]), "pi_high": float(pred["pi_high"][0])}
        if self.result is not None:
            r = self.result
            d = r.to_dict()
            return {"model": f"univariate random-effects model ({r.method}; comparisons taken as independent)",
                    "kind": "univariate", "estimate": float(r.b[0]), "se": float(r.se[0]),
                    "ci_low": float(r.ci_low[0]), "ci_high": float(r.ci_high[0]), "p": float(r.pval[0]),
                    "pi_low": d.get("pi_low"), "pi_high": d.get("pi_high")}
        return None


@dataclass
class Analysis:
    dataset: m.Dataset
    measure: str
    method: str
    summary: dict[str, Any]
    effects: EffectTable
    domains: list[DomainSynthesis] = field(default_factory=list)
    frame: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per comparison (latest timepoint)
    cache: dict[str, Any] = field(default_factory=dict, repr=False)  # results shared between report sections
    evidence: AnalysisEvidence | None = None  # where the studies came from, labels, mapping notes
    # the review process (PRISMA counts, agreement), when there was one; or a function returning it, called when the
    # "Review process" section is built (the demo runs the review workflow in another process meanwhile)
    review: dict[str, Any] | Callable[[], dict[str, Any] | None] | None = None

    def label(self, study: str) -> str:
        """The author-year label of a study (its key when it has none)."""
        return self.evidence.labels.get(study, study) if self.evidence is not None else study

    def origin(self, studies: Iterable[str] | None = None) -> str:
        """'simulated', 'real', 'mixed' or 'empty' for ``studies`` (default: every study analysed)."""
        from painregen.evidence.scoped import origin_of

        simulated = {s.study_id: s.simulated for s in self.dataset.studies}
        chosen = list(simulated) if studies is None else [s for s in dict.fromkeys(studies) if s in simulated]
        n_sim = sum(simulated[s] for s in chosen)
        return origin_of(n_sim, len(chosen) - n_sim)

    @property
    def mv_method(self) -> str:
        """Estimator of the three-level model: the chosen one when rma_mv supports it, else REML."""
        return self.method if self.method in MV_METHODS else "REML"

    @cached_property
    def appraisals(self) -> list[StudyAppraisal]:
        """Every study appraised once (SYRCLE, ARRIVE, CAMARADES, battery, mechanisms, flags)."""
        from painregen.appraise.summary import summarise

        return summarise(self.dataset)

    def domain(self, name: str) -> DomainSynthesis | None:
        return next((d for d in self.domains if d.domain == name), None)


@lru_cache(maxsize=4096)
def _term(vocabulary: str, curie: str) -> tuple[str, str | None]:
    try:
        t = get_vocabulary(vocabulary).get(curie)
    except (KeyError, ValueError):
        return curie, None
    return t.label, t.extra.get("kind")


def label_of(vocabulary: str, curie: str | None) -> str:
    if curie is None:
        return "not reported"
    return _term(vocabulary, curie)[0]


def evidence_summary(ds: m.Dataset) -> dict[str, Any]:
    exps = [e for s in ds.studies for e in s.experiments]
    cohorts = [c for e in exps for c in e.cohorts]
    inters = [c.intervention for c in cohorts if c.intervention is not None and c.role is m.Role.treated]

    def count(vocab: str, values: list[str | None]) -> list[tuple[str, int]]:
        return [(label_of(vocab, v), n) for v, n in Counter(values).most_common()]

    years = [s.year for s in ds.studies if s.year]
    return {
        "studies": len(ds.studies), "experiments": len(exps), "cohorts": len(cohorts),
        "observations": sum(len(e.observations) for e in exps), "animals": ds.n_animals(),
        "years": (min(years), max(years)) if years else None,
        "species": count("species", [e.species for e in exps]), "strains": count("strain", [e.strain for e in exps]),
        "models": count("model", [e.model for e in exps]),
        "products": count("product", [i.product for i in inters]),
        "tissues": count("tissue", [i.tissue_source for i in inters]),
        "routes": count("route", [i.route for i in inters]),
        "simulated": ds.simulated,
    }


def _interventions(ds: m.Dataset) -> dict[tuple[str, str, str], m.Intervention]:
    return {(s.study_id, e.experiment_id, c.cohort_id): c.intervention for s in ds.studies for e in s.experiments
            for c in e.cohorts if c.intervention is not None}


def comparisons_frame(ds: m.Dataset, effects: EffectTable, labels: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per comparison (study, experiment, treated cohort, outcome) at its latest timepoint
    (:func:`painregen.effects.collapse`, method "last"), with covariates as vocabulary labels plus the
    preparation (product kind), donor relation and timing mode of the treated cohort."""
    df = pd.DataFrame(effects.rows, columns=effects.columns)
    if df.empty:
        return df
    df = df[df["yi"].notna() & df["vi"].notna()]
    out = df.loc[latest_rows(df, KEYS)].reset_index(drop=True)
    for col, vocab in LABELLED.items():
        if col in out:
            out[col] = [label_of(vocab, v) if isinstance(v, str) else "not reported" for v in out[col]]
    inters = _interventions(ds)
    found = [inters.get((s, e, c)) for s, e, c in zip(out["study"], out["experiment"], out["cohort"], strict=True)]
    out["preparation"] = [(_term("product", i.product)[1] or "not reported") if i else "not reported" for i in found]
    out["donor"] = [i.donor_relation.value if i and i.donor_relation else "not reported" for i in found]
    out["timing"] = [i.timing_mode.value if i and i.timing_mode else "not reported" for i in found]
    labels = labels or {}
    out["study_label"] = [labels.get(s, s) for s in out["study"]]
    out["label"] = [f"{s} · {c} · {o}" for s, c, o in zip(out["study_label"], out["cohort"], out["outcome"],
                                                           strict=True)]
    return out


def _domain(rows: pd.DataFrame, domain: str, method: str, mv_method: str) -> DomainSynthesis:
    yi, vi = rows["yi"].to_numpy(float), rows["vi"].to_numpy(float)
    studies = rows["study"].astype(str).tolist()
    n_studies = len(set(studies))
    result, multilevel, note = None, None, ""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if len(rows) >= 2:
            try:
                result = rma(yi, vi, method=method)
            except (ConvergenceError, np.linalg.LinAlgError, ValueError) as exc:
                note = f"univariate model ({method}) not fitted: {exc}"
        else:
            note = "one comparison only: not pooled"
        if len(rows) >= 2 and n_studies >= 2:
            try:
                multilevel = rma_mv(yi, vi, clusters=[np.array(studies, dtype=object), np.arange(len(rows))],
                                    method=mv_method)
            except (ConvergenceError, np.linalg.LinAlgError, ValueError) as exc:
                note = "; ".join(x for x in (note, f"three-level model not fitted: {exc}") if x)
        elif len(rows) >= 2:
            note = "one study only: three-level model not fitted"
    return DomainSynthesis(domain, len(rows), n_studies, result, yi, vi, rows["label"].tolist(), note, multilevel,
                           studies, rows.reset_index(drop=True))


def run_analysis(source: m.Dataset | AnalysisEvidence, *, measure: str = "SMD", method: str = "REML") -> Analysis:
    """Effects per comparison, then per outcome domain (latest timepoint per comparison) a random-effects model
    (``method``) and a three-level model (comparisons within studies; REML unless ``method`` is ML).

    ``source``: the evidence a registry prepared (:meth:`painregen.registry.Registry.analysis_evidence`: labels
    mapped with people's decisions, provenance, author-year labels), or a Dataset (its labels are then mapped by
    confident proposals only, see :func:`painregen.evidence.scoped.evidence_from_dataset`)."""
    evidence = evidence_from_dataset(source) if isinstance(source, m.Dataset) else source
    ds = evidence.dataset
    effects = dataset_effects(ds, measure)
    analysis = Analysis(ds, measure, method, evidence_summary(ds), effects, evidence=evidence)
    analysis.frame = frame = comparisons_frame(ds, effects, evidence.labels)
    if frame.empty:
        return analysis
    for domain in DOMAINS:
        rows = frame[frame["domain"] == domain]
        if len(rows):
            analysis.domains.append(_domain(rows, domain, method, analysis.mv_method))
    return analysis

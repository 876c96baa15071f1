"""Comparisons built from registry records: each treated cohort against its control, per outcome and time.

Rules (DESIGN.md, effects): comparisons are formed inside each experiment, outcome and timepoint; the control is
the cohort's ``control_cohort`` or the experiment's only control; for NMD the sham is ``sham_cohort`` or the only
sham. A control shared by k treated cohorts enters each comparison with n/k animals (``shared="split"``, the
default; CAMARADES practice, Vesterinen et al. 2014), or with its full n (``shared="covariance"``), in which case
the dependence between those comparisons is carried by their sampling covariance
(:func:`painregen.effects.covariance.shared_control_vcov`). SDs recovered from SEM, CI or IQR use the group's real
n, and the n/k correction enters the effect size only. The sign is set so that a positive effect means the treated
cohort did better.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from painregen.evidence import models as m
from painregen.evidence.dispersion import DispersionError, MeanSdConversion, to_mean_sd


@dataclass(frozen=True)
class Comparison:
    study: str
    experiment: str
    cohort: str
    control: str
    outcome: str
    time_days: float
    m1i: float
    sd1i: float
    n1i: float
    m2i: float
    sd2i: float
    n2i: float
    greater_is_better: bool
    k_shared: int
    msham: float | None = None
    sdsham: float | None = None
    nsham: float | None = None
    sd_methods: tuple[str, ...] = ()
    covariates: dict[str, object] = field(default_factory=dict)
    control_n: float | None = None  # the control group's real n (n2i is control_n / k_shared under "split")
    sham: str | None = None  # the sham cohort's id (NMD comparisons)


Shared = Literal["split", "covariance"]
SHARED_RULES: tuple[Shared, ...] = ("split", "covariance")


@dataclass(frozen=True)
class ComparisonSet:
    comparisons: list[Comparison]
    skipped: list[str]  # one sentence per treated cohort/outcome/time that could not be compared


def _pick(cohorts: list[m.Cohort], role: m.Role, named: str | None) -> m.Cohort | None:
    if named is not None:
        return next((c for c in cohorts if c.cohort_id == named), None)
    found = [c for c in cohorts if c.role == role]
    return found[0] if len(found) == 1 else None


def covariates(study: m.Study, exp: m.Experiment, cohort: m.Cohort, outcome: m.OutcomeMeasure) -> dict[str, object]:
    """Study-level characteristics that meta-regression and subgroup analysis use."""
    inter = cohort.intervention
    dose = inter.dose if inter else None
    return {
        "year": study.year, "species": exp.species, "strain": exp.strain, "sex": exp.sex.value, "model": exp.model,
        "product": inter.product if inter else None, "tissue_source": inter.tissue_source if inter else None,
        "route": inter.route if inter else None, "timing_days": inter.timing_days if inter else None,
        "dose": dose.amount if dose else None, "dose_unit": dose.unit if dose else None,
        "dose_basis": dose.basis.value if dose else None, "assay": outcome.assay,
        "domain": outcome.domain.value if outcome.domain else None,
        **{f"rob_{k}": v for k, v in study.rob.items() if "." not in k},  # items, not signalling questions
    }


def _mean_sd(ob: m.Observation) -> MeanSdConversion:
    return to_mean_sd(ob.average_type.value, ob.average, ob.error_type.value, error=ob.error, lower=ob.error_low,
                      upper=ob.error_high, n=ob.n)


def build_comparisons(ds: m.Dataset, *, need_sham: bool = False, shared: Shared = "split") -> ComparisonSet:
    """Every treated cohort against its control, per outcome and time (see the module docstring).

    ``shared``: ``"split"`` gives a control shared by k comparisons ``n2i = n/k``; ``"covariance"`` keeps
    ``n2i = n`` (the comparisons are then correlated; see :mod:`painregen.effects.covariance`). ``control_n``
    always holds the control's real n and ``k_shared`` the number of comparisons sharing it.
    """
    if shared not in SHARED_RULES:
        raise ValueError(f"shared must be one of {', '.join(SHARED_RULES)} (got {shared!r})")
    out: list[Comparison] = []
    skipped: list[str] = []
    for s in ds.studies:
        for e in s.experiments:
            obs = {(o.cohort_id, o.outcome_id, o.time_days): o for o in e.observations}
            treated = [c for c in e.cohorts if c.role == m.Role.treated]
            pairs = []
            for c in treated:
                ctrl = _pick(e.cohorts, m.Role.control, c.control_cohort)
                sham = _pick(e.cohorts, m.Role.sham, c.sham_cohort)
                for (cid, oid, t), ob in obs.items():
                    if cid != c.cohort_id:
                        continue
                    where = f"study {s.study_id}, experiment {e.experiment_id}, cohort {c.cohort_id}, outcome {oid}"
                    if ctrl is None or (ctrl.cohort_id, oid, t) not in obs:
                        skipped.append(f"{where}, day {t:g}: no control value at this time")
                        continue
                    if need_sham and (sham is None or (sham.cohort_id, oid, t) not in obs):
                        skipped.append(f"{where}, day {t:g}: no sham value at this time (needed for NMD)")
                        continue
                    pairs.append((c, ctrl, sham, oid, t, ob))
            sharing = Counter((ctrl.cohort_id, oid, t) for _, ctrl, _, oid, t, _ in pairs)
            for c, ctrl, sham, oid, t, ob in pairs:
                k = sharing[(ctrl.cohort_id, oid, t)]
                cob = obs[(ctrl.cohort_id, oid, t)]
                try:
                    tv, cv = _mean_sd(ob), _mean_sd(cob)
                    sv = _mean_sd(obs[(sham.cohort_id, oid, t)]) if need_sham and sham is not None else None
                except DispersionError as exc:
                    skipped.append(f"study {s.study_id}, experiment {e.experiment_id}, cohort {c.cohort_id}, "
                                   f"outcome {oid}, day {t:g}: {exc}")
                    continue
                methods = [f"treated: {tv.method}", f"control: {cv.method}"]
                sham_vals: dict[str, float | None] = {"msham": None, "sdsham": None, "nsham": None}
                if sv is not None and sham is not None:
                    sham_vals = {"msham": sv.mean, "sdsham": sv.sd, "nsham": float(obs[(sham.cohort_id, oid, t)].n)}
                    methods.append(f"sham: {sv.method}")
                outcome = e.outcome(oid)
                out.append(Comparison(
                    study=s.study_id, experiment=e.experiment_id, cohort=c.cohort_id, control=ctrl.cohort_id,
                    outcome=oid, time_days=t, m1i=tv.mean, sd1i=tv.sd, n1i=float(ob.n), m2i=cv.mean, sd2i=cv.sd,
                    n2i=cob.n / k if shared == "split" else float(cob.n), greater_is_better=outcome.greater_is_better,
                    k_shared=k, sd_methods=tuple(methods), covariates=covariates(s, e, c, outcome),
                    control_n=float(cob.n), sham=sham.cohort_id if sv is not None and sham is not None else None,
                    **sham_vals))
    return ComparisonSet(out, skipped)

"""Comparisons built from registry records: each treated cohort against its control, per outcome and time.

Rules (DESIGN.md, effects): comparisons are formed inside each experiment, outcome and timepoint; the control is
the cohort's ``control_cohort`` or the experiment's only control (or, when the experiment has none, the only
matching control of another experiment of the same study, as SyRF exports often split groups into experiments);
for NMD the sham is ``sham_cohort`` or the only
sham. A control shared by k treated cohorts enters each comparison with n/k animals (``shared="split"``, the
default; CAMARADES practice, Vesterinen et al. 2014), or with its full n (``shared="covariance"``), in which case
the dependence between those comparisons is carried by their sampling covariance
(:func:`painregen.effects.covariance.shared_control_vcov`). SDs recovered from SEM, CI or IQR use the group's real
n, and the n/k correction enters the effect size only. The sign is set so that a positive effect means the treated
cohort did better. Every treated cohort x outcome x time considered is listed in the ledger with its fate
(:class:`LedgerEntry`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Literal

from painregen.evidence import models as m
from painregen.evidence.dispersion import DispersionError, MeanSdConversion, to_mean_sd
from painregen.evidence.quantities import format_days


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
    control_experiment: str | None = None  # the control's experiment (another one when paired across experiments)


Shared = Literal["split", "covariance"]
SHARED_RULES: tuple[Shared, ...] = ("split", "covariance")

INCLUDED = "included"
EXCLUDED = "excluded"


@dataclass(frozen=True)
class LedgerEntry:
    """The fate of one treated cohort x outcome x timepoint that could be compared.

    ``reason`` is a short code (:data:`REASONS`), ``detail`` a sentence naming the cohorts involved and, for an
    exclusion, what would make the comparison possible. ``control_experiment`` differs from ``experiment`` when
    the control was paired from another experiment of the same study."""

    study: str
    experiment: str
    cohort: str
    outcome: str
    time_days: float
    status: str  # included | excluded
    reason: str
    detail: str
    control: str | None = None
    control_experiment: str | None = None
    yi: float | None = None
    vi: float | None = None

    def to_dict(self) -> dict[str, str | float | None]:
        return {"study": self.study, "experiment": self.experiment, "cohort": self.cohort, "outcome": self.outcome,
                "time": self.time_days, "status": self.status, "reason": self.reason,
                "control_experiment": self.control_experiment, "control": self.control, "yi": self.yi,
                "vi": self.vi, "detail": self.detail}


#: reason code -> what it means (docs/effects.md lists them too)
REASONS: dict[str, str] = {
    "paired": "compared with the control cohort of its experiment",
    "paired_other_experiment": "compared with the only matching control cohort of another experiment of the study",
    "no_control": "no control cohort in the experiment, and none in the study's other experiments with this outcome, "
                  "time and disease model",
    "ambiguous_control": "several candidate control cohorts; name one in control_cohort",
    "control_not_found": "the control_cohort named does not exist in the experiment",
    "control_missing_time": "the control has no value for this outcome at this time",
    "no_sham": "no sham value at this time (needed for NMD)",
    "dispersion": "the average and error cannot be turned into a mean and SD",
    "undefined": "the effect size is not defined for these values",
}


@dataclass(frozen=True)
class ComparisonSet:
    comparisons: list[Comparison]
    ledger: list[LedgerEntry]  # every comparison considered, included or not, in the order met
    ledger_index: list[int] = field(default_factory=list)  # position in ``ledger`` of each comparison

    @property
    def skipped(self) -> list[str]:
        """One sentence per excluded treated cohort/outcome/time (the ledger's exclusions)."""
        return [e.detail for e in self.ledger if e.status == EXCLUDED]


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


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _model_of(e: m.Experiment, c: m.Cohort) -> str | None:
    """The disease model of a cohort, for matching controls across experiments: the experiment's term, else
    the cohort's own label."""
    return e.model or (_fold(c.model_text) if c.model_text else None)


@dataclass(frozen=True)
class _Control:
    experiment: m.Experiment
    cohort: m.Cohort
    obs: m.Observation


class _Study:
    """Observations of one study indexed for control look-up."""

    def __init__(self, s: m.Study) -> None:
        self.study = s
        self.obs = {e.experiment_id: {(o.cohort_id, o.outcome_id, o.time_days): o for o in e.observations}
                    for e in s.experiments}

    def other_controls(self, e: m.Experiment, c: m.Cohort, oid: str, t: float) -> list[_Control]:
        """Control cohorts of the study's other experiments with a value for the same outcome label at ``t`` and
        the same disease model as ``c``."""
        model = _model_of(e, c)
        found = []
        for other in self.study.experiments:
            if other is e:
                continue
            for ctrl in other.cohorts:
                if ctrl.role is not m.Role.control or _model_of(other, ctrl) != model:
                    continue
                for (cid, o2, t2), ob in self.obs[other.experiment_id].items():
                    if cid == ctrl.cohort_id and t2 == t and _fold(o2) == _fold(oid):
                        found.append(_Control(other, ctrl, ob))
        return found


def _where(s: m.Study, e: m.Experiment, c: m.Cohort, oid: str, t: float) -> str:
    return f"study {s.study_id}, experiment {e.experiment_id}, cohort {c.cohort_id}, outcome {oid}, {format_days(t)}"


def _control_for(st: _Study, e: m.Experiment, c: m.Cohort, oid: str, t: float
                 ) -> tuple[_Control | None, str, str]:
    """The control of one treated cohort x outcome x time, with the ledger reason and its sentence."""
    s = st.study
    obs = st.obs[e.experiment_id]
    where = _where(s, e, c, oid, t)
    if c.control_cohort is not None:
        ctrl = _pick(e.cohorts, m.Role.control, c.control_cohort)
        if ctrl is None:
            return None, "control_not_found", f"{where}: control cohort {c.control_cohort!r} is not in the experiment"
        candidates = [ctrl]
    else:
        candidates = [x for x in e.cohorts if x.role is m.Role.control]
    if len(candidates) > 1:
        names = ", ".join(repr(x.cohort_id) for x in candidates)
        return None, "ambiguous_control", (f"{where}: {len(candidates)} candidate controls ({names}); choose one "
                                           "with `painregen map suggest` / `map apply` (vocabulary control) or "
                                           f"set control_cohort of cohort {c.cohort_id!r} in the template")
    if len(candidates) == 1:
        ctrl = candidates[0]
        ob = obs.get((ctrl.cohort_id, oid, t))
        if ob is None:
            days = sorted({tt for (cid, o2, tt) in obs if cid == ctrl.cohort_id and o2 == oid})
            have = f" (it has values at {', '.join(format_days(d) for d in days)})" if days else ""
            return None, "control_missing_time", f"{where}: control {ctrl.cohort_id!r} has no value at this time{have}"
        return _Control(e, ctrl, ob), "paired", f"{where}: compared with control {ctrl.cohort_id!r}"
    others = st.other_controls(e, c, oid, t)
    if len(others) == 1:
        o = others[0]
        return o, "paired_other_experiment", (
            f"{where}: compared with control {o.cohort.cohort_id!r} of experiment {o.experiment.experiment_id!r} "
            "(the study's only control with this outcome, time and disease model)")
    if others:
        names = ", ".join(f"{o.cohort.cohort_id!r} (experiment {o.experiment.experiment_id!r})" for o in others)
        return None, "ambiguous_control", (f"{where}: no control in the experiment and {len(others)} candidates in "
                                           f"other experiments: {names}; put the treated cohort and its control in "
                                           "one experiment and set control_cohort")
    shams = [x.cohort_id for x in e.cohorts if x.role is m.Role.sham]
    has = f" (it has only sham cohorts: {', '.join(map(repr, shams))}; a sham is not a treatment control)" if shams \
        else ""
    return None, "no_control", (f"{where}: no control cohort in the experiment{has}, nor in the study's other "
                                "experiments with this outcome, time and disease model")


def build_comparisons(ds: m.Dataset, *, need_sham: bool = False, shared: Shared = "split") -> ComparisonSet:
    """Every treated cohort against its control, per outcome and time (see the module docstring), with the ledger
    of every comparison considered.

    The control is the cohort's ``control_cohort``, else the experiment's only control; an experiment without a
    control cohort borrows the control of another experiment of the same study when exactly one control cohort
    there has the same outcome label, time and disease model (SyRF exports often put each group in an experiment
    of its own). ``shared``: ``"split"`` gives a control shared by k comparisons ``n2i = n/k``; ``"covariance"``
    keeps ``n2i = n`` (the comparisons are then correlated; see :mod:`painregen.effects.covariance`).
    ``control_n`` always holds the control's real n and ``k_shared`` the number of comparisons sharing it.
    """
    if shared not in SHARED_RULES:
        raise ValueError(f"shared must be one of {', '.join(SHARED_RULES)} (got {shared!r})")
    out: list[Comparison] = []
    ledger: list[LedgerEntry] = []
    index: list[int] = []
    for s in ds.studies:
        st = _Study(s)
        pairs = []
        for e in s.experiments:
            obs = st.obs[e.experiment_id]
            for c in (c for c in e.cohorts if c.role == m.Role.treated):
                sham = _pick(e.cohorts, m.Role.sham, c.sham_cohort)
                for (cid, oid, t), ob in obs.items():
                    if cid != c.cohort_id:
                        continue
                    ctrl, reason, detail = _control_for(st, e, c, oid, t)
                    entry = LedgerEntry(s.study_id, e.experiment_id, c.cohort_id, oid, t, EXCLUDED, reason, detail)
                    if ctrl is None:
                        ledger.append(entry)
                        continue
                    entry = replace(entry, control=ctrl.cohort.cohort_id,
                                    control_experiment=ctrl.experiment.experiment_id)
                    if need_sham and (sham is None or (sham.cohort_id, oid, t) not in obs):
                        ledger.append(replace(entry, reason="no_sham", detail=f"{_where(s, e, c, oid, t)}: no sham "
                                              "value at this time (needed for NMD)"))
                        continue
                    pairs.append((e, c, ctrl, sham, oid, t, ob, len(ledger)))
                    ledger.append(entry)  # made final below
        sharing = Counter((ctrl.experiment.experiment_id, ctrl.cohort.cohort_id, oid, t)
                          for _, _, ctrl, _, oid, t, _, _ in pairs)
        for e, c, ctrl, sham, oid, t, ob, at in pairs:
            entry = ledger[at]
            k = sharing[(ctrl.experiment.experiment_id, ctrl.cohort.cohort_id, oid, t)]
            cob = ctrl.obs
            obs = st.obs[e.experiment_id]
            try:
                tv, cv = _mean_sd(ob), _mean_sd(cob)
                sv = _mean_sd(obs[(sham.cohort_id, oid, t)]) if need_sham and sham is not None else None
            except DispersionError as exc:
                ledger[at] = replace(entry, reason="dispersion", detail=f"{_where(s, e, c, oid, t)}: {exc}")
                continue
            methods = [f"treated: {tv.method}", f"control: {cv.method}"]
            sham_vals: dict[str, float | None] = {"msham": None, "sdsham": None, "nsham": None}
            if sv is not None and sham is not None:
                sham_vals = {"msham": sv.mean, "sdsham": sv.sd, "nsham": float(obs[(sham.cohort_id, oid, t)].n)}
                methods.append(f"sham: {sv.method}")
            outcome = e.outcome(oid)
            out.append(Comparison(
                study=s.study_id, experiment=e.experiment_id, cohort=c.cohort_id, control=ctrl.cohort.cohort_id,
                outcome=oid, time_days=t, m1i=tv.mean, sd1i=tv.sd, n1i=float(ob.n), m2i=cv.mean, sd2i=cv.sd,
                n2i=cob.n / k if shared == "split" else float(cob.n), greater_is_better=outcome.greater_is_better,
                k_shared=k, sd_methods=tuple(methods), covariates=covariates(s, e, c, outcome),
                control_n=float(cob.n), sham=sham.cohort_id if sv is not None and sham is not None else None,
                control_experiment=ctrl.experiment.experiment_id, **sham_vals))
            ledger[at] = replace(entry, status=INCLUDED)
            index.append(at)
    return ComparisonSet(out, ledger, index)

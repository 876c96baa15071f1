"""Simulating one candidate study: design, true effects, animals, records, publication decision, truth."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from painregen.evidence import models as m
from painregen.simulate import curves
from painregen.simulate.designs import CohortDesign, ExperimentDesign, StudyDesign, draw_design
from painregen.simulate.methods import methods_text, title
from painregen.simulate.outcomes import (
    GroupDraw,
    draw_group,
    draw_heterogeneity,
    level_means,
    peak_nmd,
    true_nmd,
)
from painregen.simulate.publication import Decision, decide
from painregen.simulate.records import (
    AssayInfo,
    adverse_events,
    assay_info,
    cohort,
    curie,
    mechanisms,
    observations,
    outcome,
)
from painregen.simulate.truth import SimConfig

SURNAMES = ("Arden", "Bellamy", "Castell", "Dunmore", "Ellery", "Fairbank", "Garrow", "Hollis", "Ingram",
            "Jessop", "Kestrel", "Lindqvist", "Moravec", "Nakata", "Okafor", "Pereira", "Quinlan", "Rautio")
JOURNAL = "Simulated Journal of Preclinical Pain and Regeneration"


@dataclass(frozen=True)
class StudyResult:
    """One candidate study: its record, its truth entry, whether it was published, and its animals
    (``animals[(experiment_id, cohort_id, outcome_id)]``)."""

    study: m.Study
    truth: dict[str, Any]
    decision: Decision
    animals: dict[tuple[str, str, str], GroupDraw] = field(repr=False)


def study_rng(seed: int, index: int) -> np.random.Generator:
    """Independent stream per candidate study, so study ``i`` does not depend on how many are simulated."""
    return np.random.default_rng([seed, index])


def cohort_nmd(c: CohortDesign, e: ExperimentDesign, peak: float, times: np.ndarray,
               config: SimConfig) -> np.ndarray:
    """True NMD of a cohort over ``times``: 1 for sham, 0 for vehicle, the dose/time curve when treated."""
    if c.role == "sham":
        return np.ones_like(times, dtype=float)
    if c.role == "control":
        return np.zeros_like(times, dtype=float)
    assert c.d_eff is not None
    dr = config.product(e.product).dose_response
    return true_nmd(peak, dr, c.d_eff, times, e.treated_day, config.onset_days)


def _cohort_truth(c: CohortDesign, e: ExperimentDesign, peak: dict[str, float], design: StudyDesign,
                  infos: dict[str, AssayInfo], config: SimConfig) -> dict[str, Any]:
    out: dict[str, Any] = {"role": c.role, "n_randomised": c.n_randomised, "n_analysed": c.n_analysed}
    if c.role != "treated":
        return out
    product = config.product(e.product)
    assert c.d_eff is not None and c.dose is not None
    profile = float(product.dose_response.profile(c.d_eff))
    g_last = float(curves.time_course(design.schedule[-1], e.treated_day, config.onset_days))
    nmd = {d: peak[d] * profile * g_last for d in peak}
    smd = {}
    for label in design.outcomes:
        info, spec = infos[label], config.assay(label)
        smd[info.label] = nmd[info.domain] * spec.gap / spec.sd
    out.update(dose=c.dose, unit=product.unit, d_eff=c.d_eff, dose_profile=profile, time_profile_last=g_last,
               nmd_last=nmd, smd_last=smd)
    return out


def simulate_study(index: int, seed: int, config: SimConfig) -> StudyResult:
    """Draw candidate study ``index`` of the stream ``seed`` (see docs/simulator.md for the model)."""
    rng = study_rng(seed, index)
    design = draw_design(rng, config, index)
    model = next(mm for mm in config.models if mm.label == design.model)
    bias = config.rob.multiplier(design.rob)
    timing = config.preventive_multiplier if design.experiments[0].timing_mode == "preventive" else 1.0
    domains = list(config.domain_effects)
    u_study = draw_heterogeneity(rng, domains, config.tau)
    infos = {a: assay_info(config.assay(a).vocabulary_label(design.species)) for a in design.outcomes}
    lab = {a: float(rng.normal(0.0, config.lab_shift_sd * config.assay(a).gap)) for a in design.outcomes}
    schedule = np.asarray(design.schedule, dtype=float)
    animals: dict[tuple[str, str, str], GroupDraw] = {}
    experiments: list[m.Experiment] = []
    exp_truth: dict[str, Any] = {}
    for e in design.experiments:
        product = config.product(e.product)
        u_exp = draw_heterogeneity(rng, domains, config.tau_experiment)
        peak = peak_nmd(config, product.efficacy, u_study, u_exp, bias, timing)
        obs: list[m.Observation] = []
        for label in design.outcomes:
            spec, info = config.assay(label), infos[label]
            times = schedule[-1:] if spec.terminal else schedule
            for c in e.cohorts:
                means = level_means(spec, info.greater_is_better, cohort_nmd(c, e, peak[info.domain], times, config),
                                    lab[label])
                sd = spec.sd_sham if c.role == "sham" else spec.sd
                g = draw_group(rng, means, sd, c.n_analysed, config.rho_within_animal, design.error_type)
                animals[(e.experiment_id, c.cohort_id, info.label)] = g
                obs += observations(c.cohort_id, info.label, times, g.average, g.error, design.error_type,
                                    c.n_analysed)
        top = e.treated()[-1].cohort_id
        experiments.append(m.Experiment(
            experiment_id=e.experiment_id, species=curie("species", design.species) or "",
            strain=curie("strain", design.strain), sex=m.Sex(design.sex), age_weeks=design.age_weeks,
            weight_g=design.weight_g, supplier=design.supplier, model=curie("model", design.model) or "",
            induction=model.induction, cohorts=[cohort(design, e, c, config) for c in e.cohorts],
            outcomes=[outcome(infos[a], config.assay(a).unit) for a in design.outcomes], observations=obs,
            mechanisms=mechanisms(rng, config, top) if e.experiment_id == "E1" else [],
            adverse_events=adverse_events(rng, config, e)))
        exp_truth[e.experiment_id] = {
            "product": e.product, "route": e.route, "route_potency": config.route_potency.get(e.route, 1.0),
            "species_scale": config.species_scale[design.species], "kind": e.kind, "treated_day": e.treated_day,
            "timing_mode": e.timing_mode, "donor_species": e.donor_species, "donor_relation": e.donor_relation,
            "u_experiment": u_exp, "peak_nmd": peak,
            "cohorts": {c.cohort_id: _cohort_truth(c, e, peak, design, infos, config) for c in e.cohorts},
        }
    authors = ", ".join(f"{SURNAMES[int(i)]} {chr(65 + int(j))}" for i, j in
                        zip(rng.choice(len(SURNAMES), 4, replace=False), rng.integers(0, 26, 4), strict=True))
    industry = bool(rng.random() < 0.2)
    decision = _publication(rng, design, animals, infos[design.outcomes[0]], config)
    study = m.Study(
        study_id=design.study_id, title=title(design, config), authors=authors, year=design.year, journal=JOURNAL,
        funding="Simulated industry funding" if industry else "Simulated public research grant",
        conflicts=("One author is employed by a company developing cell therapies." if industry
                   else "The authors declare no competing interests."),
        methods_text=methods_text(design, config, [i.label for i in infos.values()]),
        rob=dict(design.rob), simulated=True, experiments=experiments)
    truth = {
        "published": decision.published, "model": design.model, "species": design.species,
        "strain": design.strain, "error_type": design.error_type, "schedule": list(design.schedule),
        "outcomes": [i.label for i in infos.values()], "rob": dict(design.rob),
        "bias_multiplier": bias, "timing_multiplier": timing, "u_study": u_study, "lab_shift": lab,
        "industry_funded": industry, "experiments": exp_truth,
        "primary": {"experiment": "E1", "outcome": infos[design.outcomes[0]].label,
                    "cohort": design.experiments[0].treated()[-1].cohort_id, "time": design.schedule[-1],
                    "p_value": decision.p_value, "benefit": decision.benefit, "significant": decision.significant},
    }
    return StudyResult(study, truth, decision, animals)


def _publication(rng: np.random.Generator, design: StudyDesign, animals: dict[tuple[str, str, str], GroupDraw],
                 info: AssayInfo, config: SimConfig) -> Decision:
    e1 = design.experiments[0]

    def last(cohort_id: str) -> tuple[float, float, int]:
        v = animals[("E1", cohort_id, info.label)].values[:, -1]
        return float(v.mean()), float(v.std(ddof=1)), int(v.size)

    return decide(rng, config.publication, last(e1.treated()[-1].cohort_id), last(e1.control().cohort_id),
                  info.greater_is_better)

"""Words of a virtual study: its title and a short methods paragraph.

The paragraph mentions randomisation (the stem "random") only when ``sequence_generation`` is "yes" and
blinding (the stem "blind") only when ``assessor_blinding`` is "yes" (:func:`.designs.draw_rob` keeps the
other items consistent with these two), so text-based appraisal can be checked against the SYRCLE answers.
A "no" answer is described without those words (allocation by order of surgery, an unmasked tester).
"""

from __future__ import annotations

from painregen.simulate.designs import ExperimentDesign, StudyDesign, format_amount
from painregen.simulate.truth import SimConfig

ROUTE_WORDS = {
    "intravenous": "into the tail vein",
    "intrathecal": "intrathecally by lumbar puncture",
    "intra-articular": "into the injured knee joint",
    "intradiscal": "into the punctured discs",
    "intralesional": "into the lesion epicentre",
}
PLURAL = {"rat": "rats", "mouse": "mice"}
SEX_WORDS = {"male": "Male", "female": "Female", "mixed": "Male and female", "unknown": "Adult"}


def title(design: StudyDesign, config: SimConfig) -> str:
    """``[SIMULATED] <route> <product> in <model> in <strain> <species>[: a dose-response study] (<study id>)``.

    The study id at the end makes every title of a dataset distinct, so no two simulated studies are
    duplicates by the registry's title+year rule (:mod:`painregen.registry.dedup`) whatever their years.
    """
    e1 = design.experiments[0]
    product = config.product(e1.product).name
    model = next(m for m in config.models if m.label == design.model).name
    head = f"[SIMULATED] {e1.route.capitalize()} {product} in {model} in {design.strain} {PLURAL[design.species]}"
    if len(design.experiments) > 1:
        head += f": comparison with {config.product(design.experiments[1].product).name}"
    elif e1.kind == "dose_finding":
        head += ": a dose-response study"
    return f"{head} ({design.study_id})"


def _doses(e: ExperimentDesign, unit: str) -> str:
    amounts = [format_amount(c.dose) for c in e.treated() if c.dose is not None]
    return f"{', '.join(amounts)} {unit}"


def methods_text(design: StudyDesign, config: SimConfig, outcome_labels: list[str]) -> str:
    """A methods paragraph consistent with ``design`` and its SYRCLE answers (see the module docstring)."""
    rob = design.rob
    model = next(m for m in config.models if m.label == design.model)
    s: list[str] = [
        f"{SEX_WORDS[design.sex]} {design.strain} {PLURAL[design.species]} ({design.age_weeks:g} weeks, "
        f"{design.weight_g:g} g; {design.supplier}) were used; all procedures were approved by the institutional "
        "animal care and use committee.",
        f"The {model.name} model was induced by {model.induction}.",
    ]
    n_groups = sum(len(e.cohorts) for e in design.experiments)
    if rob["sequence_generation"] == "yes":
        s.append(f"Animals were randomly assigned to {n_groups} groups using a computer-generated sequence.")
    elif rob["sequence_generation"] == "no":
        s.append(f"Animals were allocated to {n_groups} groups in the order in which they underwent surgery.")
    else:
        s.append(f"Animals were divided into {n_groups} groups.")
    if rob["allocation_concealment"] == "yes":
        s.append("Group codes were kept in sealed opaque envelopes opened only at the time of injection.")
    if rob["random_housing"] == "yes":
        s.append("Cage positions on the rack were also assigned in random order.")
    if rob["baseline_characteristics"] == "yes":
        s.append("Body weight and baseline responses did not differ between groups before injury.")
    for e in design.experiments:
        product = config.product(e.product)
        s.append(
            f"{product.name.capitalize()} ({_doses(e, product.unit)} per animal) or vehicle were injected "
            f"{ROUTE_WORDS.get(e.route, 'by the ' + e.route + ' route')} on day {e.treated_day:g} after injury "
            f"({e.timing_mode} treatment)."
        )
    if rob["caregiver_blinding"] == "yes":
        s.append("Syringes were coded by a colleague so that the surgeon and animal care staff were blinded.")
    days = ", ".join(f"{d:g}" for d in design.schedule)
    s.append(f"Outcomes ({', '.join(outcome_labels)}) were assessed on days {days} after injury.")
    if rob["assessor_blinding"] == "yes":
        s.append("All assessments were performed by an investigator blinded to group allocation.")
    elif rob["assessor_blinding"] == "no":
        s.append("Tests were carried out by the investigator who had given the injections and knew each group.")
    if rob["random_outcome_assessment"] == "yes":
        s.append("On each test day animals were tested in a random order.")
    lost = sum(c.n_randomised - c.n_analysed for e in design.experiments for c in e.cohorts)
    if rob["incomplete_outcome_data"] == "yes":
        s.append("All animals completed the study." if lost == 0
                 else f"{lost} animal(s) excluded after surgical complications are reported with their group.")
    elif lost and rob["incomplete_outcome_data"] == "no":
        s.append(f"{lost} animal(s) were excluded from the analysis.")
    s.append(f"Data are presented as mean ± {design.error_type}; groups were compared by two-way "
             "repeated-measures ANOVA with Bonferroni post hoc tests.")
    return " ".join(s)

"""Drawing the design of one virtual study: animals, model, product, route, doses, timing, groups, schedule,
outcome battery and SYRCLE answers. Labels only; the vocabularies turn them into CURIEs in :mod:`.records`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from painregen.simulate.truth import ModelSpec, ProductSpec, SimConfig, Weighted

ANSWERS = ("yes", "no", "unclear")
SUPPLIERS = {"rat": ("Charles River", "Envigo", "Janvier Labs", "Vital River"),
             "mouse": ("The Jackson Laboratory", "Charles River", "Janvier Labs")}


@dataclass(frozen=True)
class CohortDesign:
    cohort_id: str
    role: str  # sham | control | treated
    n_randomised: int
    n_analysed: int
    dose: float | None = None  # amount per animal, in the product's unit
    d_eff: float | None = None  # effective dose: dose * route potency / species scale


@dataclass(frozen=True)
class ExperimentDesign:
    experiment_id: str
    product: str  # ProductSpec.key
    route: str  # route vocabulary label
    donor_species: str  # species vocabulary label
    donor_relation: str
    treated_day: float
    timing_mode: str  # preventive | therapeutic
    kind: str  # single | two_dose | dose_finding
    cohorts: tuple[CohortDesign, ...]

    def treated(self) -> list[CohortDesign]:
        return [c for c in self.cohorts if c.role == "treated"]

    def control(self) -> CohortDesign:
        return next(c for c in self.cohorts if c.role == "control")

    def sham(self) -> CohortDesign | None:
        return next((c for c in self.cohorts if c.role == "sham"), None)


@dataclass(frozen=True)
class StudyDesign:
    index: int
    study_id: str
    model: str  # ModelSpec.label
    species: str  # "rat" | "mouse"
    strain: str
    sex: str
    age_weeks: float
    weight_g: float
    supplier: str
    year: int
    error_type: str  # SEM | SD
    schedule: tuple[float, ...]  # assessment days after injury
    outcomes: tuple[str, ...]  # assay labels, primary first
    rob: dict[str, str]
    experiments: tuple[ExperimentDesign, ...]


def pick(rng: np.random.Generator, weighted: Weighted) -> str:
    """One label drawn with probability proportional to its weight."""
    labels = [w[0] for w in weighted]
    p = np.array([w[1] for w in weighted], dtype=float)
    return labels[int(rng.choice(len(labels), p=p / p.sum()))]


def draw_rob(rng: np.random.Generator, config: SimConfig) -> dict[str, str]:
    """SYRCLE answers, item by item in the order of ``config.rob.answers``.

    Two consistency rules keep the methods text unambiguous: caregiver blinding is only "yes" when assessor
    blinding is, and random housing / random outcome assessment only "yes" when sequence generation is
    (otherwise they become "unclear").
    """
    rob: dict[str, str] = {}
    for item, probs in config.rob.answers.items():
        p = np.array(probs, dtype=float)
        rob[item] = ANSWERS[int(rng.choice(3, p=p / p.sum()))]
    if rob.get("caregiver_blinding") == "yes" and rob.get("assessor_blinding") != "yes":
        rob["caregiver_blinding"] = "unclear"
    for item in ("random_housing", "random_outcome_assessment"):
        if rob.get(item) == "yes" and rob.get("sequence_generation") != "yes":
            rob[item] = "unclear"
    return rob


def effective_to_actual(d_eff: float, route: str, species: str, config: SimConfig) -> float:
    """Per-animal dose that gives effective dose ``d_eff``: ``d_eff * species_scale / route_potency``."""
    return d_eff * config.species_scale[species] / config.route_potency.get(route, 1.0)


def _doses(rng: np.random.Generator, product: ProductSpec, kind: str) -> list[float]:
    grid = product.grid
    if kind == "dose_finding":
        k = min(len(grid), int(rng.integers(3, 5)))
        idx = np.sort(rng.choice(len(grid), size=k, replace=False))
    elif kind == "two_dose":
        idx = np.sort(rng.choice(len(grid), size=2, replace=False))
    else:
        idx = np.array([1 + int(rng.integers(0, len(grid) - 1))])
    return [float(grid[i]) for i in idx]


def format_amount(amount: float) -> str:
    """A dose as papers write it: ``3 × 10^5`` for cells, plain numbers below 10,000."""
    if amount < 1e4:
        return f"{amount:g}"
    exponent = int(np.floor(np.log10(amount)))
    mantissa = amount / 10**exponent
    return f"{mantissa:g} × 10^{exponent}"


def _experiment(rng: np.random.Generator, config: SimConfig, exp_id: str, model: ModelSpec, species: str,
                product_key: str, route: str, treated_day: float, timing_mode: str, kind: str, sham: bool,
                n_base: int) -> ExperimentDesign:
    product = config.product(product_key)
    donor = product.donors[int(rng.choice(len(product.donors), p=_norm([d[2] for d in product.donors])))]
    donor_species = species if donor[0] == "recipient" else donor[0]
    lo, hi = config.n_range

    def n_pair() -> tuple[int, int]:
        n = int(np.clip(n_base + rng.choice([-1, 0, 0, 0, 1]), lo, hi))
        lost = 1 if n > lo and rng.random() < config.p_attrition else 0
        return n, n - lost

    cohorts: list[CohortDesign] = []
    if sham:
        cohorts.append(CohortDesign("sham", "sham", *n_pair()))
    cohorts.append(CohortDesign("vehicle", "control", *n_pair()))
    for d_eff in _doses(rng, product, kind):
        dose = effective_to_actual(d_eff, route, species, config)
        label = f"{product.key} {format_amount(dose)} {product.unit}"
        cohorts.append(CohortDesign(label, "treated", *n_pair(), dose=dose, d_eff=d_eff))
    return ExperimentDesign(exp_id, product.key, route, donor_species, donor[1], treated_day, timing_mode, kind,
                            tuple(cohorts))


def _norm(weights: list[float]) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return w / w.sum()


def draw_design(rng: np.random.Generator, config: SimConfig, index: int) -> StudyDesign:
    """The design of candidate study ``index`` (its id is ``SIM-{index+1:04d}``)."""
    model = config.models[int(rng.choice(len(config.models), p=_norm([m.weight for m in config.models])))]
    species = "mouse" if model.mice and rng.random() < config.share_mouse else "rat"
    strain = config.mouse_strain if species == "mouse" else pick(rng, config.rat_strains)
    preventive = rng.random() < config.share_preventive
    treated_day = float(rng.integers(0, 2)) if preventive else float(rng.choice(model.therapeutic_days))
    schedules = [s for s in config.schedules if s[-1] >= treated_day + 7]
    schedule = schedules[int(rng.integers(0, len(schedules)))]
    outcomes = tuple(a for a, p in model.outcomes if p >= 1.0 or rng.random() < p)
    route = pick(rng, model.routes)
    product_key = pick(rng, model.products)
    kind = pick(rng, tuple(config.design_shares.items()))
    sham = bool(rng.random() < config.share_sham)
    n_base = int(rng.integers(config.n_range[0], config.n_range[1] + 1))
    mode = "preventive" if preventive else "therapeutic"
    experiments = [_experiment(rng, config, "E1", model, species, product_key, route, treated_day, mode, kind,
                               sham, n_base)]
    others = tuple((k, w) for k, w in model.products if k != product_key)
    if rng.random() < config.share_second_experiment and others:
        kind2 = "single" if rng.random() < 0.6 else "two_dose"
        experiments.append(_experiment(rng, config, "E2", model, species, pick(rng, others), route, treated_day,
                                       mode, kind2, False, n_base))
    sex = pick(rng, config.sex)
    age = float(rng.integers(7, 11)) if species == "rat" else float(rng.integers(8, 13))
    weight = float(rng.integers(200, 281)) if species == "rat" else float(rng.integers(20, 27))
    supplier = str(rng.choice(SUPPLIERS[species]))
    error_type = "SEM" if rng.random() < config.share_sem else "SD"
    rob = draw_rob(rng, config)
    year = int(rng.integers(2010, 2026))
    return StudyDesign(index, f"SIM-{index + 1:04d}", model.label, species, strain, sex, age, weight, supplier, year,
                       error_type, schedule, outcomes, rob, tuple(experiments))

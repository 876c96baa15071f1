"""Parameter dataclasses of the simulator: every true value it draws data from.

The effect scale is the normalised mean difference (NMD) of preclinical meta-analysis: the fraction of the
injury deficit (sham minus vehicle control) that a treatment reverses; 0 = no better than vehicle, 1 = back to
sham. A treated cohort's true NMD at time ``t`` after injury is

    nmd = bias * timing * (theta[domain] * efficacy[product] + u_study + u_experiment) * f(d_eff) * g(t)

with ``f`` the product's dose-response shape (peak 1), ``g`` the time course (:mod:`.curves`),
``u_study ~ N(0, tau^2)`` per study and domain, ``u_experiment ~ N(0, tau_experiment^2)`` per experiment and
domain, and ``bias`` the product of the risk-of-bias multipliers of every SYRCLE item not answered "yes".
The numbers themselves live in :mod:`.defaults`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from painregen.simulate import curves

Weighted = tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class AssaySpec:
    """Natural scale of one assay: the sham level, the deficit an established injury causes, the spread."""

    label: str  # resolved through the assay vocabulary
    normal: float  # mean of sham animals
    gap: float  # |sham - vehicle control| once the injury is established (> 0)
    sd: float  # between-animal SD of injured animals (vehicle and treated)
    sd_sham: float  # between-animal SD of sham animals
    unit: str  # used when the vocabulary gives no default unit
    terminal: bool = False  # measured once, at the last timepoint (histology)
    species_labels: tuple[tuple[str, str], ...] = ()  # species -> species-specific vocabulary label

    def vocabulary_label(self, species: str) -> str:
        """The label resolved in the assay vocabulary for a study in ``species``."""
        return dict(self.species_labels).get(species, self.label)


@dataclass(frozen=True)
class DoseResponse:
    """A product's dose-response shape on the effective dose scale, normalised so its peak is 1."""

    shape: str  # "emax" (saturating) or "betaMod" (umbrella: peak then decline)
    ed50: float | None = None
    delta1: float | None = None
    delta2: float | None = None
    scal: float | None = None

    def profile(self, dose: ArrayLike) -> NDArray[np.float64]:
        """Fraction of the product's maximal effect reached at ``dose`` (e0 = 0, eMax = 1)."""
        if self.shape == "emax" and self.ed50 is not None:
            return curves.emax(dose, 0.0, 1.0, self.ed50)
        if self.shape == "betaMod" and None not in (self.delta1, self.delta2, self.scal):
            assert self.delta1 is not None and self.delta2 is not None and self.scal is not None
            return curves.beta_mod(dose, 0.0, 1.0, self.delta1, self.delta2, self.scal)
        raise ValueError(f"incomplete {self.shape} dose-response: {self}")


@dataclass(frozen=True)
class ProductSpec:
    """A cell or vesicle product: its vocabulary terms, efficacy, dose-response and dose grid."""

    key: str  # short name used in titles and truth ("BM-MSC")
    product: str  # product vocabulary label
    tissue: str | None  # tissue vocabulary label (parent cells for vesicles)
    name: str  # words for titles and methods
    efficacy: float  # multiplies the domain effect at the peak of the dose-response
    dose_response: DoseResponse
    grid: tuple[float, ...]  # effective doses studies pick from (rat, local route), ascending
    unit: str  # Dose.unit
    donors: tuple[tuple[str, str, float], ...]  # (donor species or "recipient", donor relation, weight)


@dataclass(frozen=True)
class ModelSpec:
    """An injury model: who is studied in it, how cells reach the lesion, what is measured."""

    label: str  # model vocabulary label
    name: str
    kind: str  # neuropathic | sci | idd | oa
    weight: float  # share of studies using the model
    mice: bool  # whether mouse studies occur
    routes: Weighted  # route vocabulary label -> weight
    products: Weighted  # ProductSpec.key -> weight
    outcomes: Weighted  # assay label -> probability it is measured; the first is the primary outcome (1.0)
    induction: str
    therapeutic_days: tuple[float, ...]  # days of therapeutic treatment; preventive treatment is on day 0 or 1


@dataclass(frozen=True)
class RobSpec:
    """SYRCLE answers: P(yes), P(no), P(unclear) per item, and the effect inflation when not "yes"."""

    answers: dict[str, tuple[float, float, float]]
    multipliers: dict[str, float]  # item -> multiplier on the true effect when the answer is not "yes"

    def multiplier(self, rob: dict[str, str]) -> float:
        """Product of the multipliers of every item whose answer is not "yes"."""
        m = 1.0
        for item, factor in self.multipliers.items():
            if rob.get(item) != "yes":
                m *= factor
        return m


@dataclass(frozen=True)
class PublicationSpec:
    """Selective publication of the primary comparison (top dose vs vehicle, primary outcome, last time)."""

    alpha: float = 0.05
    p_publish: float = 0.5  # probability that a study whose primary comparison is not significant is published
    rule: str = (
        "primary comparison = experiment E1, primary outcome, last timepoint, highest dose vs vehicle control; "
        "Welch t-test, two-sided; 'significant' = p < alpha with the treated cohort doing better; significant "
        "studies are always published, the others with probability p_publish"
    )


@dataclass(frozen=True)
class AdverseSpec:
    """Adverse events by route: kind, risk per animal at the product's top grid dose (linear in dose)."""

    route: str
    kind: str  # adverse_event vocabulary label
    risk_at_top_dose: float
    cells_only: bool = True  # vesicles carry no risk


@dataclass(frozen=True)
class SimConfig:
    """Every parameter of the simulator; :func:`config_to_dict` makes it the ``truth['config']`` entry."""

    domain_effects: dict[str, float]  # theta: true NMD at the peak dose, full time, no bias
    tau: float  # between-study SD of the peak NMD (per domain)
    tau_experiment: float  # between-experiment SD within a study
    onset_days: float
    preventive_multiplier: float  # timing multiplier for preventive treatment (therapeutic = 1)
    lab_shift_sd: float  # SD of a lab's shift of all its groups, as a fraction of the assay gap
    rho_within_animal: float  # correlation of one animal's values across timepoints
    route_potency: dict[str, float]  # effective dose = dose * potency / species scale (default potency 1)
    species_scale: dict[str, float]  # body-size scale of per-animal doses (rat = 1)
    share_mouse: float
    rat_strains: Weighted
    mouse_strain: str
    design_shares: dict[str, float]  # single | two_dose | dose_finding
    share_sham: float
    share_sem: float  # studies reporting SEM (the rest report SD)
    share_second_experiment: float
    share_preventive: float
    n_range: tuple[int, int]
    p_attrition: float  # chance that a cohort of >= 7 loses one animal before testing
    schedules: tuple[tuple[float, ...], ...]  # assessment days after injury
    sex: Weighted
    assays: tuple[AssaySpec, ...]
    products: tuple[ProductSpec, ...]
    models: tuple[ModelSpec, ...]
    rob: RobSpec
    publication: PublicationSpec
    adverse: tuple[AdverseSpec, ...]
    p_mechanism: float  # chance that a study reports mechanism claims
    mechanism_evidence: dict[str, float]  # extra evidence kinds beyond expression -> probability
    pathways: tuple[tuple[str, str], ...]  # (pathway vocabulary label, compartment)
    max_candidates_per_study: int = field(default=200)

    def assay(self, label: str) -> AssaySpec:
        return next(a for a in self.assays if a.label == label)

    def product(self, key: str) -> ProductSpec:
        return next(p for p in self.products if p.key == key)


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def config_to_dict(config: SimConfig) -> dict[str, Any]:
    """The configuration as plain JSON-ready values (tuples become lists)."""
    out: dict[str, Any] = _jsonable(config)
    return out


def jsonable(value: Any) -> Any:
    """Plain JSON-ready copy of dataclasses, tuples and numpy scalars."""
    return _jsonable(value)

"""Dose-response inputs from a dataset: treated-versus-vehicle contrasts with doses normalised to one scale.

Doses in the registry are written as papers give them: an amount in a unit (cells, µg vesicle protein,
particles, mg, ...) per animal or per kg body weight. Before contrasts from different studies share one dose axis
they are put on a common basis with :func:`painregen.evidence.doses.normalise_dose`: masses in µg, and per kg body
weight by default, using the experiment's reported body weight (``weight_g``) or, when none is reported, the
species' typical adult weight from the species vocabulary (``default_weight_kg``; such doses are counted as
imputed). Mice and rats given the same number of cells per animal receive ten times different doses per kg, so
pooling per-animal doses across species would smear the curve.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from painregen.dose.errors import DoseFitError, DoseInputError
from painregen.dose.meta_dr import (
    DoseResponseMeta,
    StratifiedDoseResponse,
    dose_response_meta,
    stratified,
    subset_blocks,
)
from painregen.dose.two_stage import TwoStageDoseResponse, dose_response_two_stage
from painregen.evidence import models as m
from painregen.evidence.doses import DoseError, NormalisedDose, normalise_dose
from painregen.evidence.vocab import UnknownTermError, get_vocabulary

if TYPE_CHECKING:
    from painregen.effects.table import EffectTable

FloatArray = npt.NDArray[np.float64]
Basis = Literal["per_kg", "per_animal"]
BASES: tuple[str, ...] = ("per_kg", "per_animal")
Model = Literal["one-stage", "two-stage"]
MODELS: tuple[str, ...] = ("one-stage", "two-stage")
UNIT_LABELS = {"cells": "cells", "ug": "µg", "particles": "particles", "uL": "µL"}


def dose_axis_label(unit: str, basis: str) -> str:
    """Axis label such as ``"cells per kg"`` or ``"µg per animal"``."""
    return f"{UNIT_LABELS.get(unit, unit)} per {'kg' if basis == 'per_kg' else 'animal'}"


def species_default_kg(species: str | None) -> float | None:
    """The species vocabulary's ``default_weight_kg`` for a CURIE or name (None when unknown or not given)."""
    if not species:
        return None
    try:
        term = get_vocabulary("species").resolve(species)
    except UnknownTermError:
        return None
    raw = term.extra.get("default_weight_kg")
    return float(raw) if raw else None


def weights_of(e: m.Experiment) -> tuple[float | None, float | None]:
    """``(reported body weight kg, species default kg)`` of an experiment's animals."""
    return (e.weight_g / 1000 if e.weight_g else None, species_default_kg(e.species))


def experiment_weights(ds: m.Dataset) -> dict[tuple[str, str], tuple[float | None, float | None]]:
    """``(study_id, experiment_id) ->`` :func:`weights_of`."""
    return {(s.study_id, e.experiment_id): weights_of(e) for s in ds.studies for e in s.experiments}


def normalise_amount(amount: float, unit: str | None, dose_basis: str | None,
                     weights: tuple[float | None, float | None]) -> NormalisedDose:
    """One registry dose (``dose_basis`` ``per_animal``/``per_kg``) on both bases via :func:`normalise_dose`."""
    per = "kg" if dose_basis == "per_kg" else "animal"
    return normalise_dose(amount, unit, per, body_weight_kg=weights[0], species_default_kg=weights[1])


@dataclass(frozen=True)
class DoseResponseInputs:
    """Contrasts of one domain and dose unit taken from a Dataset (see :func:`dose_response_inputs`).

    ``dose`` is on ``basis`` in ``unit``; ``rows`` are the effect-table rows with ``dose_value``,
    ``dose_imputed`` (species default weight used for the conversion) and ``body_weight_kg`` added;
    ``dropped`` counts contrasts left out by reason."""

    dose: FloatArray
    yi: FloatArray
    vi: FloatArray
    study: np.ndarray
    V: list[tuple[FloatArray, FloatArray]]
    rows: list[dict[str, Any]]
    unit: str
    basis: str
    n_imputed: int
    dropped: dict[str, int]

    def describe(self) -> str:
        """One sentence on how the doses were put on one scale."""
        text = (f"{self.yi.size} contrasts from {np.unique(self.study).size} studies, doses in "
                f"{dose_axis_label(self.unit, self.basis)}")
        if self.basis == "per_kg":
            text += (f"; {self.n_imputed} used the species' typical body weight because the study reported none"
                     if self.n_imputed else "; every body weight as reported")
        if self.dropped:
            text += "; left out: " + ", ".join(f"{n} {why}" for why, n in sorted(self.dropped.items()))
        return text + "."


def dose_response_inputs(ds: m.Dataset, *, measure: str = "MD", domain: str = "evoked", unit: str = "cells",
                         basis: Basis = "per_kg", table: EffectTable | None = None) -> DoseResponseInputs:
    """Contrasts treated vs vehicle from ``dataset_effects(ds, measure, shared="covariance", collapse="last")``
    restricted to one outcome ``domain`` with complete ``yi``/``vi``, their doses normalised
    (:func:`normalise_amount`) and kept when in the common ``unit`` (``cells``, ``ug``, ``particles``) and known on
    ``basis``; the table's ``vcov_blocks`` are mapped to the kept rows (:func:`subset_blocks`). ``table``: that
    effect table when the caller has it already (e.g. one table for every unit)."""
    from painregen.effects.table import dataset_effects

    if basis not in BASES:
        raise DoseInputError(f"basis must be one of {', '.join(BASES)} (got {basis!r})")
    if table is None:
        table = dataset_effects(ds, measure, shared="covariance", collapse="last")
    weights = experiment_weights(ds)
    keep: list[int] = []
    rows: list[dict[str, Any]] = []
    dropped: Counter[str] = Counter()
    imputed = 0
    for i, r in enumerate(table.rows):
        if r.get("domain") != domain:
            continue
        vi = r.get("vi")
        if r.get("yi") is None or not isinstance(vi, int | float) or not vi > 0:
            dropped["without an effect size"] += 1
            continue
        amount = r.get("dose")
        if not isinstance(amount, int | float) or not amount > 0:
            dropped["without a dose"] += 1
            continue
        w = weights.get((str(r["study"]), str(r["experiment"])), (None, None))
        try:
            nd = normalise_amount(float(amount), _text(r.get("dose_unit")), _text(r.get("dose_basis")), w)
        except DoseError:
            dropped["with an unreadable dose"] += 1
            continue
        if nd.unit != unit:
            continue
        value = nd.per_kg if basis == "per_kg" else nd.per_animal
        if value is None:
            dropped["without a body weight to convert the dose"] += 1
            continue
        keep.append(i)
        converted_with_default = bool(nd.imputed and r.get("dose_basis") != basis)
        imputed += converted_with_default
        rows.append(dict(r) | {"dose_value": value, "dose_imputed": converted_with_default, "dose_note": nd.note,
                               "body_weight_kg": w[0] if w[0] is not None else w[1]})
    return DoseResponseInputs(
        dose=np.array([float(r["dose_value"]) for r in rows]), yi=np.array([float(r["yi"]) for r in rows]),
        vi=np.array([float(r["vi"]) for r in rows]), study=np.array([str(r["study"]) for r in rows], dtype=object),
        V=subset_blocks(table.vcov_blocks, keep), rows=rows, unit=unit, basis=basis, n_imputed=imputed,
        dropped=dict(dropped))


def _text(x: object) -> str | None:
    return None if x is None else str(x)


def labels(rows: Sequence[dict[str, Any]], by: str | Sequence[str]) -> np.ndarray:
    """Stratum label of each row: the value of column ``by``, or of several columns joined by `` · ``."""
    cols = [by] if isinstance(by, str) else list(by)
    return np.array([" · ".join(str(r.get(c)) for c in cols) for r in rows], dtype=object)


def dataset_dose_response(ds: m.Dataset, *, measure: str = "MD", domain: str = "evoked", unit: str = "cells",
                          basis: Basis = "per_kg", by: str | Sequence[str] | None = None,
                          model: Model = "one-stage",
                          **kwargs: Any) -> DoseResponseMeta | TwoStageDoseResponse | StratifiedDoseResponse:
    """The one-stage (:func:`dose_response_meta`) or two-stage (:func:`dose_response_two_stage`) model, or either
    per level of the row column(s) ``by`` (:func:`stratified`; e.g. ``"product"``, ``"route"`` or
    ``("product", "route")``) on :func:`dose_response_inputs`. ValueError if no contrast qualifies."""
    if model not in MODELS:
        raise DoseInputError(f"model must be one of {', '.join(MODELS)} (got {model!r})")
    fit = dose_response_meta if model == "one-stage" else dose_response_two_stage
    if model == "two-stage":
        kwargs.pop("emax", None)  # the Emax profile belongs to the one-stage model
    inp = dose_response_inputs(ds, measure=measure, domain=domain, unit=unit, basis=basis)
    if inp.yi.size == 0:
        raise DoseFitError(f"no {measure} contrasts in domain {domain!r} with a dose in {dose_axis_label(unit, basis)}")
    if by is None:
        return fit(inp.dose, inp.yi, inp.vi, inp.study, inp.V, **kwargs)
    name = by if isinstance(by, str) else "+".join(by)
    return stratified(inp.dose, inp.yi, inp.vi, inp.study, inp.V, labels(inp.rows, by), name=name, fit=fit,
                      **kwargs)

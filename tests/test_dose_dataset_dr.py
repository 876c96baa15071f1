"""Doses from a dataset put on one basis before pooling (painregen.dose.dataset_dr), from first principles:
per kg = per animal / body weight (reported, else the species' typical weight), mg -> µg, and the reverse."""

from __future__ import annotations

import numpy as np
import pytest

from painregen.dose.dataset_dr import dose_axis_label, dose_response_inputs, labels, species_default_kg
from painregen.evidence import models as m
from painregen.simulate import simulate


def _edit(ds: m.Dataset, study: str, *, weight_g: float | str | None = "keep", species: str | bool | None = True,
          dose: tuple[float, str, str] | None = None) -> m.Dataset:
    """A copy of ``ds`` with one study's first experiment changed (weight, species, every treated dose)."""
    studies = []
    for s in ds.studies:
        if s.study_id != study:
            studies.append(s)
            continue
        e = s.experiments[0]
        upd: dict[str, object] = {}
        if weight_g != "keep":
            upd["weight_g"] = weight_g
        if species is not True:
            upd["species"] = species
        if dose is not None:
            amount, unit, basis = dose
            upd["cohorts"] = [c.model_copy(update={"intervention": c.intervention.model_copy(update={
                "dose": m.Dose(amount=amount, unit=unit, basis=m.DoseBasis(basis))})})
                if c.role is m.Role.treated and c.intervention is not None else c for c in e.cohorts]
        studies.append(s.model_copy(update={"experiments": [e.model_copy(update=upd), *s.experiments[1:]]}))
    return ds.model_copy(update={"studies": studies})


@pytest.fixture(scope="module")
def sim() -> m.Dataset:
    return simulate(8, 7)


def _by_study(inp, study: str) -> list[dict]:  # type: ignore[no-untyped-def]
    return [r for r in inp.rows if r["study"] == study]


def test_per_kg_uses_reported_weight(sim: m.Dataset) -> None:
    inp = dose_response_inputs(sim, measure="SMD", unit="cells")
    weights = {(s.study_id, e.experiment_id): e.weight_g for s in sim.studies for e in s.experiments}
    assert inp.rows and inp.basis == "per_kg" and inp.n_imputed == 0
    for r, d in zip(inp.rows, inp.dose, strict=True):
        assert d == pytest.approx(r["dose"] / (weights[(r["study"], r["experiment"])] / 1000), rel=1e-12)
        assert r["body_weight_kg"] == weights[(r["study"], r["experiment"])] / 1000
    per_animal = dose_response_inputs(sim, measure="SMD", unit="cells", basis="per_animal")
    np.testing.assert_array_equal(per_animal.dose, [r["dose"] for r in per_animal.rows])
    np.testing.assert_array_equal(per_animal.yi, inp.yi)
    assert "cells per kg" in inp.describe()


def test_species_default_weight_is_imputed_and_counted(sim: m.Dataset) -> None:
    ds = _edit(sim, "SIM-0007", weight_g=None)
    inp = dose_response_inputs(ds, measure="SMD", unit="cells")
    rows = _by_study(inp, "SIM-0007")
    assert species_default_kg("NCBITaxon:10116") == 0.25 and species_default_kg("rat") == 0.25
    assert rows and all(r["dose_imputed"] for r in rows)
    assert inp.n_imputed == len(rows)
    for r in rows:
        assert r["dose_value"] == pytest.approx(r["dose"] / 0.25, rel=1e-12)
    assert f"{len(rows)} used the species' typical body weight" in inp.describe()


def test_no_weight_and_no_species_drops_with_reason(sim: m.Dataset) -> None:
    ds = _edit(sim, "SIM-0007", weight_g=None, species=None)
    inp = dose_response_inputs(ds, measure="SMD", unit="cells")
    assert not _by_study(inp, "SIM-0007")
    n = len(_by_study(dose_response_inputs(ds, measure="SMD", unit="cells", basis="per_animal"), "SIM-0007"))
    assert n > 0 and inp.dropped == {"without a body weight to convert the dose": n}
    assert "left out: " in inp.describe()


def test_mass_units_and_per_kg_doses_are_converted(sim: m.Dataset) -> None:
    ds = _edit(sim, "SIM-0001", dose=(0.2, "mg", "per_kg"))  # 0.2 mg/kg = 200 µg/kg, the rat weighs 202 g
    per_kg = _by_study(dose_response_inputs(ds, measure="SMD", unit="ug"), "SIM-0001")
    per_animal = _by_study(dose_response_inputs(ds, measure="SMD", unit="ug", basis="per_animal"), "SIM-0001")
    assert per_kg and all(r["dose_value"] == pytest.approx(200.0, rel=1e-12) for r in per_kg)
    assert all(r["dose_value"] == pytest.approx(200.0 * 0.202, rel=1e-12) for r in per_animal)
    assert not _by_study(dose_response_inputs(ds, measure="SMD", unit="cells"), "SIM-0001")


def test_bad_basis_and_labels(sim: m.Dataset) -> None:
    with pytest.raises(ValueError, match="basis must be one of per_kg, per_animal"):
        dose_response_inputs(sim, basis="per_stone")  # type: ignore[arg-type]
    assert labels([{"product": "a", "route": "b"}], ("product", "route")).tolist() == ["a · b"]
    assert dose_axis_label("ug", "per_kg") == "µg per kg"


def test_two_stage_from_a_dataset_equals_the_array_api() -> None:
    from painregen.dose.dataset_dr import dataset_dose_response
    from painregen.dose.two_stage import TwoStageDoseResponse, dose_response_two_stage

    ds = simulate(30, 20261126)
    inp = dose_response_inputs(ds, measure="SMD", unit="ug")
    res = dataset_dose_response(ds, measure="SMD", unit="ug", model="two-stage", emax=True)  # emax is ignored
    assert isinstance(res, TwoStageDoseResponse)
    direct = dose_response_two_stage(inp.dose, inp.yi, inp.vi, inp.study, inp.V)
    np.testing.assert_array_equal(res.b, direct.b)
    np.testing.assert_array_equal(res.Psi, direct.Psi)
    assert res.excluded == direct.excluded
    with pytest.raises(ValueError, match="model must be one of one-stage, two-stage"):
        dataset_dose_response(ds, model="three-stage")  # type: ignore[arg-type]

"""Dose normalisation (per animal <-> per kg, common units) and dose scales (docs/units.md)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from painregen.evidence.doses import DoseError, NormalisedDose, dose_scale, normalise_dose


def test_per_animal_with_reported_weight() -> None:
    d = normalise_dose(1e6, "cells", "animal", body_weight_kg=0.25, species_default_kg=0.3)
    assert d == NormalisedDose(per_animal=1e6, per_kg=4e6, unit="cells", imputed=False,
                               note="Per-kg dose uses the reported body weight 0.25 kg.")


def test_per_animal_with_species_default_is_imputed() -> None:
    d = normalise_dose(5e5, "MSCs", None, species_default_kg=0.025)
    assert (d.per_animal, d.per_kg, d.unit, d.imputed) == (5e5, 5e5 / 0.025, "cells", True)
    assert d.note == ("No denominator given, read as a dose per animal; per-kg dose uses the species default "
                      "body weight 0.025 kg (imputed: no body weight reported).")


def test_no_weight_leaves_per_kg_unknown() -> None:
    d = normalise_dose(10.0, "µg", "per rat")
    assert (d.per_animal, d.per_kg, d.unit, d.imputed) == (10.0, None, "ug", False)
    assert "per-kg dose is unknown" in d.note


def test_per_kg_to_per_animal() -> None:
    d = normalise_dose(2e6, "cells", "/kg", body_weight_kg=0.3)
    assert (d.per_kg, d.per_animal, d.imputed) == (2e6, 2e6 * 0.3, False)
    assert d.note == "Per-animal dose uses the reported body weight 0.3 kg."
    d = normalise_dose(2e6, "cells", "kg")
    assert (d.per_kg, d.per_animal) == (2e6, None)


@pytest.mark.parametrize(
    ("amount", "unit", "expected", "common"),
    [(0.7, "mg", 700.0, "ug"), (2.5, "mg", 2500.0, "ug"), (5.0, "ng", 0.005, "ug"), (10.0, "mcg", 10.0, "ug"),
     (0.1, "mL", 100.0, "uL"), (10.0, "μl", 10.0, "uL"), (3e9, "particles", 3e9, "particles"),
     (1.0, None, 1.0, None)],
)
def test_common_units_exact(amount: float, unit: str | None, expected: float, common: str | None) -> None:
    d = normalise_dose(amount, unit, "animal")
    assert (d.per_animal, d.unit) == (expected, common)


def test_mass_conversion_is_noted() -> None:
    assert normalise_dose(0.7, "mg", "kg").note.startswith("0.7 mg expressed as 700 ug; ")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"amount": -1.0, "unit": "cells", "per": None}, "non-negative"),
        ({"amount": math.nan, "unit": "cells", "per": None}, "non-negative"),
        ({"amount": 1.0, "unit": "furlongs", "per": None}, "unknown unit"),
        ({"amount": 1.0, "unit": "cells", "per": "per knee"}, "unknown denominator"),
        ({"amount": 1.0, "unit": "cells", "per": "kg", "body_weight_kg": 0.0}, "body_weight_kg must be a positive"),
        ({"amount": 1.0, "unit": "cells", "per": "kg", "species_default_kg": -0.2}, "species_default_kg"),
    ],
)
def test_invalid_doses(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(DoseError, match=message):
        normalise_dose(**kwargs)  # type: ignore[arg-type]


def test_dose_scale_linear_and_log10() -> None:
    x = [1.0, 10.0, 1e6]
    out = dose_scale(x)
    assert out.dtype == np.float64 and out.tolist() == x
    assert dose_scale(x, "log10").tolist() == [0.0, 1.0, 6.0]
    assert dose_scale([0.0, 9.0, 99.0], "log10", offset=1.0).tolist() == [0.0, 1.0, 2.0]


@pytest.mark.parametrize(
    ("values", "scale", "offset", "message"),
    [
        ([0.0, 1.0], "log10", None, "log10 of a zero \\(vehicle\\) dose is undefined"),
        ([0.0, 1.0], "log10", 0.0, "offset must be a positive"),
        ([0.0, 1.0], "log10", -1.0, "offset must be a positive"),
        ([-1.0, 1.0], "log10", 1.0, "must not be negative"),
        ([math.inf], "linear", None, "finite"),
        ([1.0], "linear", 1.0, "only applies to the log10"),
        ([1.0], "ln", None, "unknown dose scale"),
    ],
)
def test_dose_scale_errors(values: list[float], scale: str, offset: float | None, message: str) -> None:
    with pytest.raises(DoseError, match=message):
        dose_scale(values, scale, offset=offset)  # type: ignore[arg-type]

"""Dose normalisation: common units, per animal <-> per kg body weight, and the dose scale.

Rules (also in ``docs/units.md``):

* masses are expressed in ``ug`` and volumes in ``uL`` (exact decimal scaling); counts (``cells``,
  ``particles``) keep their unit;
* a dose with no denominator (``per=None``) is read as a dose per animal, the way papers write
  "1 × 10^6 cells, IV";
* converting between per animal and per kg needs a body weight: the study's reported weight if given,
  else the species default passed in by the caller (then ``imputed`` is True), else the other form
  stays None. ``note`` says which weight was used.
* ``dose_scale(..., "log10")`` refuses a zero (vehicle) dose unless an ``offset`` > 0 is given, in
  which case it returns log10(dose + offset) (the same device as DoseFinding's ``off`` for the
  linear-in-log model, there with the natural log).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from painregen.evidence.quantities import QuantityError, canonical_per, canonical_unit

__all__ = ["DoseError", "NormalisedDose", "dose_scale", "normalise_dose"]

# unit -> (common unit, power of ten to multiply by)
_COMMON_UNIT = {"ug": ("ug", 0), "mg": ("ug", 3), "ng": ("ug", -3), "uL": ("uL", 0), "mL": ("uL", 3),
                "cells": ("cells", 0), "particles": ("particles", 0)}


class DoseError(ValueError):
    """A dose, weight or scale that cannot be used (negative, not finite, unknown unit, log of zero)."""


@dataclass(frozen=True)
class NormalisedDose:
    """A dose in a common unit, per animal and per kg body weight (None where no weight was known)."""

    per_animal: float | None
    per_kg: float | None
    unit: str | None
    imputed: bool
    note: str


def _g(x: float) -> str:
    return f"{x:.6g}"


def _positive_weight(name: str, w: float | None) -> float | None:
    if w is None:
        return None
    w = float(w)
    if not math.isfinite(w) or w <= 0:
        raise DoseError(f"{name} must be a positive number of kilograms (got {w})")
    return w


def normalise_dose(amount: float, unit: str | None, per: str | None, *, body_weight_kg: float | None = None,
                   species_default_kg: float | None = None) -> NormalisedDose:
    """Express a dose per animal and per kg body weight, in a common unit.

    ``unit`` may be any spelling :func:`painregen.evidence.quantities.canonical_unit` reads (or None);
    ``per`` is ``"animal"``, ``"kg"``, a spelling such as ``"/kg"`` or ``"per rat"``, or None (per animal).
    """
    amount = float(amount)
    if not math.isfinite(amount) or amount < 0:
        raise DoseError(f"dose amount must be a non-negative number (got {amount})")
    try:
        canon = canonical_unit(unit) if unit is not None else None
        denom = canonical_per(per) or "animal"
    except QuantityError as exc:
        raise DoseError(str(exc)) from exc
    notes: list[str] = []
    common = None
    if canon is not None:
        common, power = _COMMON_UNIT[canon]
        if power:
            converted = float(Decimal(repr(amount)).scaleb(power))
            notes.append(f"{_g(amount)} {canon} expressed as {_g(converted)} {common}")
            amount = converted
    if per is None:
        notes.append("no denominator given, read as a dose per animal")
    bw = _positive_weight("body_weight_kg", body_weight_kg)
    default = _positive_weight("species_default_kg", species_default_kg)
    weight, imputed = (bw, False) if bw is not None else (default, default is not None)
    target = "per-kg" if denom == "animal" else "per-animal"
    if weight is None:
        notes.append(f"no body weight reported and no species default given, so the {target} dose is unknown")
    elif imputed:
        notes.append(f"{target} dose uses the species default body weight {_g(weight)} kg "
                     "(imputed: no body weight reported)")
    else:
        notes.append(f"{target} dose uses the reported body weight {_g(weight)} kg")
    per_animal: float | None = amount
    per_kg: float | None = amount
    if denom == "animal":
        per_kg = amount / weight if weight is not None else None
    else:
        per_animal = amount * weight if weight is not None else None
    note = "; ".join(notes)
    return NormalisedDose(per_animal=per_animal, per_kg=per_kg, unit=common, imputed=imputed,
                          note=note[0].upper() + note[1:] + ".")


def dose_scale(values: ArrayLike | Sequence[float], scale: Literal["linear", "log10"] = "linear", *,
               offset: float | None = None) -> NDArray[np.float64]:
    """Doses on the analysis scale: unchanged (``"linear"``) or ``log10(dose + offset)`` (``"log10"``).

    log10 of a zero (vehicle) dose is undefined, so ``"log10"`` raises :class:`DoseError` when a dose
    is 0 and no ``offset`` is given; it never returns -inf. ``offset`` (> 0, in dose units) is added
    to every dose, e.g. the lowest non-zero dose or a tenth of it; choose and report it explicitly.
    """
    x = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(x)):
        raise DoseError("doses must be finite numbers")
    if np.any(x < 0):
        raise DoseError(f"doses must not be negative (got {_g(float(x.min()))})")
    if scale == "linear":
        if offset is not None:
            raise DoseError("offset only applies to the log10 scale")
        return x.copy()
    if scale != "log10":
        raise DoseError(f"unknown dose scale {scale!r}; allowed: 'linear', 'log10'")
    if offset is None:
        if np.any(x == 0):
            raise DoseError("log10 of a zero (vehicle) dose is undefined; pass offset > 0 "
                            "(e.g. the lowest non-zero dose) to use log10(dose + offset)")
        return np.log10(x)
    off = float(offset)
    if not math.isfinite(off) or off <= 0:
        raise DoseError(f"offset must be a positive number (got {offset})")
    return np.log10(x + off)

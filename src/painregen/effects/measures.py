"""Registry of effect-size measures.

Every measure, built-in or added by an extension, is one :class:`Measure` entry that declares its
code, display name, citation, formula (text), the input columns it needs, its variants and the
function that computes it. Built-ins register themselves with :func:`register_measure` exactly as
an extension would (see ``continuous.py``, ``smd.py``, ``binary.py``, ``nmd.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from painregen.effects.base import Computed, FloatArray

ComputeFn = Callable[[Mapping[str, FloatArray], str, Mapping[str, Any]], Computed]
"""``compute(data, variant, options) -> Computed``: ``data`` maps input names to float arrays of
one common length (validated; NaN marks a missing value), ``variant`` is the resolved variant
name and ``options`` holds measure-specific keyword options (e.g. ``add``/``to``/``drop00``)."""

Orientation = Literal["sign", "intrinsic"]


@dataclass(frozen=True)
class Variant:
    """One way of computing a measure (e.g. SMD as in metafor or as in CAMARADES)."""

    name: str
    display_name: str
    citation: str
    formula: str
    extra_inputs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Measure:
    """A registered effect-size measure.

    ``inputs`` are the columns every variant needs (``sd1i``/``sd2i`` may be supplied as
    ``se1i``/``se2i``; ``bi``/``di`` as ``n1i``/``n2i``). ``orientation`` says how
    :func:`painregen.effects.orient` makes "positive = treated better": ``"sign"`` flips the sign
    when greater is worse, ``"intrinsic"`` means the measure is already oriented by construction
    (NMD, whose denominator carries the direction of the deficit). ``metafor_name`` is the
    corresponding ``escalc`` measure code, if any (per variant in ``metafor_names``).
    """

    code: str
    display_name: str
    citation: str
    formula: str
    inputs: tuple[str, ...]
    compute: ComputeFn
    variants: tuple[Variant, ...] = field(default=())
    orientation: Orientation = "sign"
    metafor_names: Mapping[str, str] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def default_variant(self) -> str:
        """Name of the variant used when ``variant=None`` (the first declared), or ``""``."""
        return self.variants[0].name if self.variants else ""

    def variant(self, name: str | None) -> Variant | None:
        """Resolve a variant by name (``None`` means the default); raise ``ValueError`` if unknown."""
        if not self.variants:
            if name not in (None, ""):
                raise ValueError(f"measure {self.code} has no variants (got variant={name!r})")
            return None
        if name is None:
            return self.variants[0]
        for v in self.variants:
            if v.name == name:
                return v
        known = ", ".join(v.name for v in self.variants)
        raise ValueError(f"unknown variant {name!r} for measure {self.code}; known: {known}")

    def required_inputs(self, variant: str | None) -> tuple[str, ...]:
        """All input columns needed for ``variant`` (``None`` = default)."""
        v = self.variant(variant)
        return self.inputs + (v.extra_inputs if v is not None else ())


_REGISTRY: dict[str, Measure] = {}


def register_measure(measure: Measure, *, replace: bool = False) -> Measure:
    """Add ``measure`` to the registry under its upper-case code and return it.

    Raises ``ValueError`` if the code is taken and ``replace`` is false.
    """
    key = measure.code.upper()
    if key != measure.code:
        raise ValueError(f"measure codes are upper case (got {measure.code!r})")
    if key in _REGISTRY and not replace:
        raise ValueError(f"measure {key} is already registered")
    _REGISTRY[key] = measure
    return measure


def unregister_measure(code: str) -> None:
    """Remove a measure from the registry (for extensions and tests); unknown codes are ignored."""
    _REGISTRY.pop(code.upper(), None)


def get_measure(code: str) -> Measure:
    """Look up a registered measure by code (case-insensitive); ``ValueError`` if unknown."""
    try:
        return _REGISTRY[code.upper()]
    except KeyError:
        known = ", ".join(_REGISTRY)
        raise ValueError(f"unknown measure {code!r}; registered measures: {known}") from None


def measures() -> list[Measure]:
    """All registered measures in registration order (each has display name, citation, formula)."""
    return list(_REGISTRY.values())

"""``escalc``: effect sizes and sampling variances for rows of group summaries.

The verb mirrors metafor's ``escalc``: a measure code plus per-row vectors (suffix ``i``) in,
``yi`` and ``vi`` out. Formulas live in the registered measures (``measures()``); this module
resolves inputs (SD from SE, 2x2 cells from group sizes), validates them, calls the measure and
turns undefined rows into warnings instead of exceptions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from painregen.effects.base import EffectInputError, FloatArray, RowCondition, RowWarning
from painregen.effects.measures import get_measure

ArrayLike = npt.ArrayLike

_REAL = ("m1i", "m2i", "msham")
_NONNEG = ("sd1i", "sd2i", "se1i", "se2i", "sdsham")
_SIZES = ("n1i", "n2i", "nsham")
_COUNTS = ("ai", "bi", "ci", "di")


@dataclass(frozen=True, eq=False)
class EscalcResult:
    """Effect sizes ``yi`` and sampling variances ``vi`` (one per input row, NaN where undefined).

    ``warnings`` name the rows whose effect is undefined and why; ``flags`` are data-quality
    notes on rows whose effect was computed (e.g. ``|SMD| > 2``: SE entered as SD?).
    """

    yi: FloatArray
    vi: FloatArray
    measure: str
    variant: str | None
    warnings: list[RowWarning] = field(default_factory=list)
    flags: list[RowWarning] = field(default_factory=list)

    @property
    def sei(self) -> FloatArray:
        """Standard errors ``sqrt(vi)``."""
        return np.sqrt(self.vi)

    def __len__(self) -> int:
        return int(self.yi.shape[0])

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python form (NaN becomes ``None``) for JSON."""
        def clean(a: FloatArray) -> list[float | None]:
            return [None if np.isnan(x) else float(x) for x in a]
        return {
            "measure": self.measure, "variant": self.variant,
            "yi": clean(self.yi), "vi": clean(self.vi),
            "warnings": [{"row": w.row, "code": w.code, "reason": w.reason} for w in self.warnings],
            "flags": [{"row": w.row, "code": w.code, "reason": w.reason} for w in self.flags],
        }

    def __repr__(self) -> str:
        variant = f", variant={self.variant}" if self.variant else ""
        return (f"EscalcResult(measure={self.measure}{variant}, k={len(self)}, "
                f"undefined={len(self.warnings)}, flags={len(self.flags)})")


def escalc(measure: str, *, m1i: ArrayLike | None = None, sd1i: ArrayLike | None = None,
           n1i: ArrayLike | None = None, m2i: ArrayLike | None = None, sd2i: ArrayLike | None = None,
           n2i: ArrayLike | None = None, se1i: ArrayLike | None = None, se2i: ArrayLike | None = None,
           msham: ArrayLike | None = None, sdsham: ArrayLike | None = None, nsham: ArrayLike | None = None,
           ai: ArrayLike | None = None, bi: ArrayLike | None = None, ci: ArrayLike | None = None,
           di: ArrayLike | None = None, variant: str | None = None, **options: Any) -> EscalcResult:
    """Compute ``yi``/``vi`` for ``measure`` (a registered code: MD, SMD, SMDH, ROM, NMD, OR, RR, RD).

    Group 1 (``m1i, sd1i, n1i``; ``ai, bi``) is the treated group and group 2 its control, as in
    metafor. ``se1i``/``se2i`` stand in for missing SDs (``SD = SE sqrt(n)``); binary measures
    take ``ai, bi, ci, di`` or ``ai, ci, n1i, n2i``. Scalars broadcast. ``variant`` selects a
    registered variant (``None``: the measure's default). ``options`` are measure-specific
    (binary measures: ``add=0.5, to="only0", drop00=False``, metafor's defaults).

    Malformed input (negative SD/SE/count, n < 1, infinite values, a required column absent,
    lengths that differ) raises :class:`EffectInputError` naming every row and column at fault.
    A missing value (NaN) or a well-formed row whose effect is undefined gives NaN ``yi``/``vi``
    and a :class:`RowWarning`. Formulas and sources: each measure's entry in ``measures()``.
    """
    spec = get_measure(measure)
    chosen = spec.variant(variant)
    variant_name = chosen.name if chosen is not None else None
    unknown = set(options) - set(spec.options)
    if unknown:
        raise TypeError(f"measure {spec.code} takes no option(s) {', '.join(sorted(unknown))}")
    opts = {**spec.options, **options}

    given = {k: v for k, v in dict(m1i=m1i, sd1i=sd1i, n1i=n1i, m2i=m2i, sd2i=sd2i, n2i=n2i,
                                   se1i=se1i, se2i=se2i, msham=msham, sdsham=sdsham, nsham=nsham,
                                   ai=ai, bi=bi, ci=ci, di=di).items() if v is not None}
    data = _as_arrays(given)
    _validate(data)
    _resolve_sds(data)
    _resolve_cells(data)
    required = spec.required_inputs(variant_name)
    absent = [c for c in required if c not in data]
    if absent:
        raise EffectInputError([(None, c, f"required for measure {spec.code}") for c in absent])
    k = next(iter(data.values())).shape[0] if data else 0
    cols = {c: data[c] for c in required}

    missing = np.zeros(k, dtype=bool)
    for c in required:
        missing |= np.isnan(cols[c])
    computed = spec.compute(cols, variant_name or "", opts)
    yi = np.array(computed.yi, dtype=float).reshape(k)
    vi = np.array(computed.vi, dtype=float).reshape(k)

    conditions = [RowCondition(missing, "missing", "missing input value"), *computed.undefined]
    warnings: list[RowWarning] = []
    bad = np.zeros(k, dtype=bool)
    for cond in conditions:
        rows = np.flatnonzero(cond.mask & ~bad)
        warnings.extend(RowWarning(int(r), cond.code, _missing_reason(int(r), cols)
                                   if cond.code == "missing" else cond.reason) for r in rows)
        bad |= cond.mask
    leftover = np.flatnonzero(~bad & ~(np.isfinite(yi) & np.isfinite(vi)))
    warnings.extend(RowWarning(int(r), "undefined", "effect size not computable from these values")
                    for r in leftover)
    bad[leftover] = True
    yi[bad] = np.nan
    vi[bad] = np.nan
    warnings.sort(key=lambda w: w.row)

    flags = [RowWarning(int(r), f.code, f.reason)
             for f in computed.flags for r in np.flatnonzero(f.mask & ~bad)]
    flags.sort(key=lambda w: w.row)
    yi.setflags(write=False)
    vi.setflags(write=False)
    return EscalcResult(yi=yi, vi=vi, measure=spec.code, variant=variant_name,
                        warnings=warnings, flags=flags)


def _missing_reason(row: int, cols: dict[str, FloatArray]) -> str:
    names = [c for c, a in cols.items() if np.isnan(a[row])]
    return "missing value in " + ", ".join(names)


def _as_arrays(given: dict[str, ArrayLike]) -> dict[str, FloatArray]:
    problems: list[tuple[int | None, str, str]] = []
    arrays: dict[str, FloatArray] = {}
    for name, value in given.items():
        try:
            a = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            problems.append((None, name, "values must be numbers"))
            continue
        if a.ndim > 1:
            problems.append((None, name, f"expected a 1-D vector, got shape {a.shape}"))
            continue
        arrays[name] = a
    if problems:
        raise EffectInputError(problems)
    lengths = {a.shape[0] for a in arrays.values() if a.ndim == 1}
    if len(lengths) > 1:
        k = max(lengths)
        raise EffectInputError([(None, n, f"has {a.shape[0]} values; other columns have {k}")
                                for n, a in arrays.items() if a.ndim == 1 and a.shape[0] != k])
    k = lengths.pop() if lengths else 1
    return {n: np.broadcast_to(a, (k,)).astype(float) for n, a in arrays.items()}


def _validate(data: dict[str, FloatArray]) -> None:
    problems: list[tuple[int | None, str, str]] = []

    def check(name: str, bad: npt.NDArray[np.bool_], message: str) -> None:
        problems.extend((int(r), name, message) for r in np.flatnonzero(bad))

    for name, a in data.items():
        check(name, np.isinf(a), f"infinite value {name}")
        with np.errstate(invalid="ignore"):
            if name in _NONNEG:
                check(name, a < 0, f"{name} must not be negative")
            elif name in _SIZES:
                check(name, a < 1, f"{name} must be at least 1")
            elif name in _COUNTS:
                check(name, a < 0, f"count {name} must not be negative")
    if problems:
        problems.sort(key=lambda p: (p[0] if p[0] is not None else -1, p[1]))
        raise EffectInputError(problems)


def _resolve_sds(data: dict[str, FloatArray]) -> None:
    """SD = SE sqrt(n) where the SD is absent (column or value) and an SE is given."""
    for sd, se, n in (("sd1i", "se1i", "n1i"), ("sd2i", "se2i", "n2i")):
        if se not in data or n not in data:
            continue
        from_se = data[se] * np.sqrt(data[n])
        data[sd] = np.where(np.isnan(data[sd]), from_se, data[sd]) if sd in data else from_se


def _resolve_cells(data: dict[str, FloatArray]) -> None:
    """``bi = n1i - ai`` and ``di = n2i - ci`` when those cells are not given."""
    problems: list[tuple[int | None, str, str]] = []
    for cell, event, n in (("bi", "ai", "n1i"), ("di", "ci", "n2i")):
        if cell in data or event not in data or n not in data:
            continue
        rest = data[n] - data[event]
        with np.errstate(invalid="ignore"):
            problems.extend((int(r), event, f"{event} exceeds {n}") for r in np.flatnonzero(rest < 0))
        data[cell] = rest
    if problems:
        raise EffectInputError(problems)

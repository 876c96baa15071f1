"""Quantity parsing: the ways papers write numbers and units (docs/units.md)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from painregen.evidence.quantities import (
    Quantity,
    QuantityError,
    canonical_per,
    canonical_unit,
    parse_quantity,
)

# text -> (value, low, high, unit, per)
CASES: dict[str, tuple[float, float | None, float | None, str | None, str | None]] = {
    "5 × 10^5": (5e5, None, None, None, None),
    "5x10^5": (5e5, None, None, None, None),
    "5 x 10^5": (5e5, None, None, None, None),
    "5*10^5": (5e5, None, None, None, None),
    "5·10⁵": (5e5, None, None, None, None),
    "5 × 10⁻³": (5e-3, None, None, None, None),
    "2 x 10**6": (2e6, None, None, None, None),
    "2.5 × 10^6^/kg": (2.5e6, None, None, None, "kg"),
    "5e5": (5e5, None, None, None, None),
    "5E+05": (5e5, None, None, None, None),
    "1.5e-3": (1.5e-3, None, None, None, None),
    "500,000": (5e5, None, None, None, None),
    "1,234,567.5": (1234567.5, None, None, None, None),
    "500 000": (5e5, None, None, None, None),
    "500\u202f000": (5e5, None, None, None, None),
    "1\u00a0000\u00a0000 cells": (1e6, None, None, "cells", None),
    "5 × 105": (5e5, None, None, None, None),
    "1 × 106": (1e6, None, None, None, None),
    "3 x 1010 particles": (3e10, None, None, "particles", None),
    "105": (105.0, None, None, None, None),
    "5 × 10": (50.0, None, None, None, None),
    "1.5 million": (1.5e6, None, None, None, None),
    "2 Million cells": (2e6, None, None, "cells", None),
    "2 M cells": (2e6, None, None, "cells", None),
    "500k cells": (5e5, None, None, "cells", None),
    "10^6": (1e6, None, None, None, None),
    "1e6 cells": (1e6, None, None, "cells", None),
    "~1 × 10^6 MSCs": (1e6, None, None, "cells", None),
    "3 × 10^6 hUC-MSCs per animal": (3e6, None, None, "cells", "animal"),
    "1–2 × 10^6": (1.5e6, 1e6, 2e6, None, None),
    "1-2x10^6": (1.5e6, 1e6, 2e6, None, None),
    "10^5 to 10^6": (5.5e5, 1e5, 1e6, None, None),
    "1 × 10^5 – 2 × 10^6 cells": (1.05e6, 1e5, 2e6, "cells", None),
    "1–2 × 106 cells/kg": (1.5e6, 1e6, 2e6, "cells", "kg"),
    "1-2 million cells": (1.5e6, 1e6, 2e6, "cells", None),
    "0.5-1 × 10^6 cells/kg body weight": (7.5e5, 5e5, 1e6, "cells", "kg"),
    "1 × 10^6 cells/kg": (1e6, None, None, "cells", "kg"),
    "1 × 10^6 cells kg⁻¹": (1e6, None, None, "cells", "kg"),
    "1 × 10^6 cells per kg": (1e6, None, None, "cells", "kg"),
    "5 × 10^5 cells/rat": (5e5, None, None, "cells", "animal"),
    "5 × 10^5 cells per mouse": (5e5, None, None, "cells", "animal"),
    "5 × 10^5 viable cells/animal": (5e5, None, None, "cells", "animal"),
    "10 µg": (10.0, None, None, "ug", None),
    "10 μg per rat": (10.0, None, None, "ug", "animal"),
    "10 ug/kg": (10.0, None, None, "ug", "kg"),
    "10 mcg": (10.0, None, None, "ug", None),
    "100 µg protein": (100.0, None, None, "ug", None),
    "2 mg/kg": (2.0, None, None, "mg", "kg"),
    "50 ng": (50.0, None, None, "ng", None),
    "1e9 particles/kg": (1e9, None, None, "particles", "kg"),
    "1 × 10^10 EVs": (1e10, None, None, "particles", None),
    "10 µL": (10.0, None, None, "uL", None),
    "10 μl": (10.0, None, None, "uL", None),
    "10 uL": (10.0, None, None, "uL", None),
    "0.5 mL": (0.5, None, None, "mL", None),
    "-3.5": (-3.5, None, None, None, None),
}


@pytest.mark.parametrize("text", list(CASES))
def test_parse_examples(text: str) -> None:
    value, low, high, unit, per = CASES[text]
    q = parse_quantity(text)
    assert q == Quantity(value=value, low=low, high=high, unit=unit, text=text, per=per)
    assert q.is_range == (low is not None)


@pytest.mark.parametrize("x", [500000, 5e5, 0, 1.25])
def test_numbers_pass_through(x: float) -> None:
    q = parse_quantity(x)
    assert (q.value, q.low, q.high, q.unit, q.per, q.text) == (float(x), None, None, None, None, str(x))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1,5", "decimal comma"),
        ("0,5 mg", "decimal comma"),
        ("5 × 100", "one or two digits not starting with 0"),
        ("5 × 10100", "one or two digits not starting with 0"),
        ("abc", "no number found"),
        ("", "empty"),
        ("   ", "empty"),
        ("5 M", "only before 'cells' or 'particles'"),
        ("5 k mg", "only before 'cells' or 'particles'"),
        ("1 × 10-5", "lost superscript"),
        ("2-1", "runs downwards"),
        ("5 × 10^5 cells in PBS", "unexpected text 'in PBS'"),
        ("5 ± 1", "mean ± error"),
        ("5 mg/mL", "unexpected text '/mL'"),
        ("1 × 10^400", "too large"),
    ],
)
def test_errors_say_what_was_expected(text: str, reason: str) -> None:
    with pytest.raises(QuantityError) as info:
        parse_quantity(text)
    msg = str(info.value)
    assert reason in msg
    assert "expected a number such as '5 × 10^5'" in msg
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), True, None])
def test_non_numbers_rejected(bad: object) -> None:
    with pytest.raises(QuantityError):
        parse_quantity(bad)  # type: ignore[arg-type]


def test_canonical_helpers() -> None:
    assert [canonical_unit(u) for u in ("µg", "μg", "ug", "mcg", "MSCs", "cells", "mL", "µl", "exosomes")] == [
        "ug", "ug", "ug", "ug", "cells", "cells", "mL", "uL", "particles"]
    assert [canonical_per(p) for p in ("/kg", "kg", "per rat", "mice", "animal", None, " ")] == [
        "kg", "kg", "animal", "animal", "animal", None, None]
    with pytest.raises(QuantityError, match="unknown unit"):
        canonical_unit("furlongs")
    with pytest.raises(QuantityError, match="unknown denominator"):
        canonical_per("per knee")


# ---- property: formatting a float in each supported style and parsing it back returns it ----

_SUPER = str.maketrans("0123456789-+", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺")


def _split(x: float) -> tuple[str, int]:
    """Exact decimal mantissa string m (1 <= m < 10) and exponent e with m × 10^e == repr(x)."""
    _, digits, exp = Decimal(repr(x)).normalize().as_tuple()
    assert isinstance(exp, int)
    ds = "".join(map(str, digits))
    mant = ds[0] + ("." + ds[1:] if len(ds) > 1 else "")
    return mant, exp + len(ds) - 1


def _styles(x: float) -> list[str]:
    m, e = _split(x)
    d = Decimal(repr(x))
    out = [repr(x), format(x, ".16e"), format(x, ".16E"), format(d, "f")]
    for sign in ("×", " × ", "x", " x ", "X", "*", " * ", "·", " · ", "⋅"):
        out += [f"{m}{sign}10^{e}", f"{m}{sign}10**{e}", f"{m}{sign}10{str(e).translate(_SUPER)}",
                f"{m}{sign}10^{e}^", f"{m}{sign}10^+{e}" if e >= 0 else f"{m}{sign}10^{e}"]
        if 1 <= e <= 99:
            out.append(f"{m}{sign}10{e}")  # lost superscript
    grouped = format(d, ",f")
    out += [grouped] + [grouped.replace(",", sp) for sp in (" ", "\u00a0", "\u2009", "\u202f")]
    out += [f"{format(d.scaleb(-3), 'f')} thousand", f"{format(d.scaleb(-6), 'f')} million",
            f"{format(d.scaleb(-9), 'f')} billion"]
    return out


positive = st.floats(min_value=1e-6, max_value=1e15, allow_nan=False, allow_infinity=False)


@settings(max_examples=150, deadline=None)
@given(positive)
def test_roundtrip_every_style(x: float) -> None:
    for text in _styles(x):
        assert parse_quantity(text).value == pytest.approx(x, rel=1e-12, abs=0), text


@settings(max_examples=100, deadline=None)
@given(positive, positive, st.sampled_from(["cells", "cells/kg", "µg per rat", "particles/kg", "mL", ""]))
def test_roundtrip_ranges_with_units(a: float, b: float, suffix: str) -> None:
    lo, hi = min(a, b), max(a, b)
    (m1, e1), (m2, e2) = _split(lo), _split(hi)
    for sep in ("-", "–", " – ", " to "):
        for text in (f"{lo!r}{sep}{hi!r} {suffix}", f"{m1} × 10^{e1}{sep}{m2} × 10^{e2} {suffix}"):
            q = parse_quantity(text)
            assert q.low == pytest.approx(lo, rel=1e-12, abs=0)
            assert q.high == pytest.approx(hi, rel=1e-12, abs=0)
            assert q.value == pytest.approx((lo + hi) / 2, rel=1e-12, abs=0)
            expected_unit = {"cells": "cells", "cells/kg": "cells", "µg per rat": "ug",
                             "particles/kg": "particles", "mL": "mL", "": None}[suffix]
            assert q.unit == expected_unit

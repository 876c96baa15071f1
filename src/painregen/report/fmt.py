"""Number formats shared by the templates and the tests (a number shown in the report is ``num(x)``)."""

from __future__ import annotations

import math
from typing import Any

from painregen.evidence.quantities import format_days

DASH = "–"


def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and not math.isfinite(x))


def num(x: Any, digits: int = 2) -> str:
    """Fixed-point with ``digits`` decimals; very large or small values in scientific notation; '–' if missing."""
    if _missing(x):
        return DASH
    xf = float(x)
    if xf != 0 and (abs(xf) >= 1e6 or abs(xf) < 10 ** -digits / 2):
        return f"{xf:.{max(digits, 1)}g}" if abs(xf) >= 1e6 else f"{xf:.1e}"
    return f"{xf:.{digits}f}"


def ci(lo: Any, hi: Any, digits: int = 2) -> str:
    """An interval as 'lo to hi'."""
    if _missing(lo) or _missing(hi):
        return DASH
    return f"{num(lo, digits)} to {num(hi, digits)}"


def pval(p: Any) -> str:
    """A p-value: three decimals, '< 0.001' below that."""
    if _missing(p):
        return DASH
    return "< 0.001" if float(p) < 0.001 else f"{float(p):.3f}"


def pct(x: Any, digits: int = 0) -> str:
    """A share (0-1) as a percentage."""
    return DASH if _missing(x) else f"{100 * float(x):.{digits}f}%"


SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def dose(x: Any) -> str:
    """A dose amount compactly, to 3 significant digits: 1e+06 -> '10⁶', 1.213e5 -> '1.21 × 10⁵', 20.87 -> '20.9'."""
    if _missing(x):
        return DASH
    xf = float(x)
    if xf >= 1e4:
        exp = math.floor(math.log10(xf))
        mant = round(xf / 10**exp, 2)
        if mant >= 10:  # rounding carried into the next decade
            mant, exp = mant / 10, exp + 1
        power = "10" + str(exp).translate(SUPERSCRIPT)
        return power if mant == 1 else f"{mant:g} × {power}"
    return f"{xf:.0f}" if xf >= 100 else f"{xf:.3g}"


def days(x: Any) -> str:
    """A time after injury (days) in the unit that reads best (:func:`painregen.evidence.quantities.format_days`)."""
    return DASH if _missing(x) else format_days(float(x))


FILTERS = {"num": num, "ci": ci, "pval": pval, "pct": pct, "dose": dose, "days": days}

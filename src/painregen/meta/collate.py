"""Factor levels as R makes them: the order of ``factor()`` / ``sort()`` and the labels of numbers.

- **Order of text levels.** R sorts character vectors in the collation of the locale (``LC_COLLATE``). On Linux R
  uses ICU for this whenever the locale is not C/POSIX (R Installation and Administration, section "ICU"), and ICU's
  root collation is the Unicode Collation Algorithm (UTS #10) with its default table (DUCET; CLDR root changes only
  a few scripts). So ``adMSC < bmMSC < none < None < UC-MSC``: letters compare case-insensitively first, lower case
  before upper case only to break ties, punctuation and spaces before digits before letters (non-ignorable). This is
  what R 4.2 (ICU 72) does under ``LC_COLLATE=C.UTF-8`` and ``en_US.UTF-8``, the locales the golden files are
  written in; under ``LC_COLLATE=C`` R sorts by code point instead (capitals first). The sort key comes from pyuca
  (a pure-Python UCA implementation with the DUCET table); ties (strings equal at every level) fall back to code
  points. Checked against R's ``sort()`` on 2,500 random ASCII labels (tests/test_meta_factors.py).
- **Numbers.** ``factor()`` of a numeric vector sorts numerically and labels each value with ``as.character``: 15
  significant digits, fixed notation unless scientific notation is shorter (R's ``formatReal`` rule with
  ``scipen = 0``): 0 -> "0", 1 -> "1", 0.5 -> "0.5", 1e5 -> "1e+05", 123456 -> "123456".
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from typing import Any

import numpy as np


@functools.lru_cache(maxsize=1)
def _collator() -> Any:
    import pyuca

    return pyuca.Collator()


def warm_up() -> None:
    """Read the collation table now (about 0.2 s), e.g. before forking processes that will all sort labels."""
    _collator()


def collation_key(text: str) -> tuple[tuple[int, ...], str]:
    """Sort key of ``text`` in R's collation (ICU root / UCA), code points breaking exact ties."""
    return _collator().sort_key(text), text


def r_sort(values: Iterable[str]) -> list[str]:
    """Distinct strings in the order of R's ``sort(unique(x))`` under a UTF-8 locale."""
    return sorted(set(values), key=collation_key)


def r_number(x: float) -> str:
    """``as.character(x)`` for a double, as R 4.x writes it (15 significant digits, shorter of fixed/scientific)."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Inf" if x > 0 else "-Inf"
    if x == 0:
        return "0"
    target = float(f"{x:.14e}")
    sig = next(s for s in range(1, 16) if float(f"{x:.{s - 1}e}") == target)
    mantissa, exp_text = f"{x:.{sig - 1}e}".split("e")
    exponent = int(exp_text)
    sci = f"{mantissa}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"
    fixed = f"{x:.{max(0, sig - 1 - exponent)}f}"
    return fixed if len(fixed) <= len(sci) else sci


def r_label(value: Any) -> str:
    """The label R gives a value in a factor: numbers as :func:`r_number`, booleans as TRUE/FALSE, text as is."""
    if isinstance(value, bool | np.bool_):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return r_number(float(value))
    return str(value)


def factor_levels(values: Iterable[Any]) -> list[str]:
    """Levels of R's ``factor(x)`` (missing values excluded): numbers numerically, booleans FALSE < TRUE,
    text in R's collation; each level labelled as R labels it."""
    present = [v for v in values if not _is_na(v)]
    if not present:
        return []
    if all(isinstance(v, bool | np.bool_) for v in present):
        return [lab for lab in ("FALSE", "TRUE") if any(r_label(v) == lab for v in present)]
    if all(isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool) for v in present):
        return [r_label(v) for v in sorted(set(float(v) for v in present))]
    return r_sort(str(v) for v in present)


def relevel(levels: list[str], ref: str | None) -> list[str]:
    """``relevel(f, ref)``: ``ref`` moved first (ValueError naming the levels when it is not one of them)."""
    if ref is None:
        return levels
    if ref not in levels:
        raise ValueError(f"reference level {ref!r} is not one of the levels: {', '.join(levels)}")
    return [ref, *(lev for lev in levels if lev != ref)]


def _is_na(v: Any) -> bool:
    return v is None or (isinstance(v, float | np.floating) and math.isnan(v))

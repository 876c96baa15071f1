"""Read the numbers and units that papers write for doses and counts.

``parse_quantity`` turns text such as ``"5 × 10^5 cells/kg"``, ``"1–2 × 10^6"``, ``"500,000"`` or
``"5 × 105"`` (a superscript lost in PDF text) into a :class:`Quantity`. The rules, with their
ambiguity guards, are listed in ``docs/units.md``; in short:

* scientific forms ``a × 10^b`` (``×``, ``x``, ``X``, ``*``, ``·`` as the sign; ``^``, ``**`` or
  Unicode superscripts for the power), ``aeb``/``aE+b``, a bare ``10^b``;
* a lost superscript ``a × 10d`` (one or two digits, first digit not 0, written directly after ``10``)
  is read as ``a × 10^d`` -- only in this multiplier form, so a bare ``105`` stays 105;
* thousands separators: ``,`` or a space between groups of exactly three digits; a decimal comma
  (``1,5``) is NOT supported and is an error;
* the words ``thousand``, ``million``, ``billion``; ``k``/``M`` only before ``cells``/``particles``;
* ranges ``a-b``, ``a–b``, ``a to b``: ``value`` is the arithmetic midpoint; a bare left number takes
  the right number's power of ten (``1–2 × 10^6`` is 1e6 to 2e6).

Exact decimal arithmetic (:mod:`decimal`) is used so that a value survives formatting and parsing.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal

__all__ = ["Quantity", "QuantityError", "canonical_per", "canonical_unit", "format_days", "parse_quantity"]

_EXAMPLES = (
    "expected a number such as '5 × 10^5', '5e5', '500,000', '5 × 105', '1.5 million' or "
    "'1–2 × 10^6', optionally followed by a unit (cells, particles, ug/µg/mcg, mg, ng, uL/µL, mL) "
    "and '/kg' or 'per animal' (e.g. '1 × 10^6 cells/kg', '10 µg per rat')"
)


class QuantityError(ValueError):
    """Text that cannot be read as a quantity; the message says what was expected."""


@dataclass(frozen=True)
class Quantity:
    """A parsed quantity. For a range ``low``/``high`` are set and ``value`` is their midpoint."""

    value: float
    low: float | None
    high: float | None
    unit: str | None
    text: str
    per: str | None = None

    @property
    def is_range(self) -> bool:
        return self.low is not None


_SUPER = "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻"
_SUPER_TABLE = str.maketrans(_SUPER, "0123456789+-")
_SPACES = "\u00a0\u2002\u2003\u2005\u2007\u2009\u202f"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2212"

_TERM = re.compile(
    r"""(?P<sign>[+-])?\s*(?:
        10\s*(?:\^|\*\*)\s*(?P<bpow>[+-]?\d+)\^?
      | (?P<mant>(?:\d{1,3}(?:,\d{3})+|\d{1,3}(?:\ \d{3})+|\d+)(?:\.\d+)?|\.\d+)
        (?:[eE](?P<enot>[+-]?\d+))?
        (?P<mult>\s*[×xX*·⋅∙]\s*10(?:\s*(?:\^|\*\*)\s*(?P<pow>[+-]?\d+)\^?|(?P<lost>[1-9]\d?))?(?![\d.,]))?
    )""",
    re.VERBOSE,
)
_SCALE = re.compile(
    r"\s*(?:(?P<word>(?i:thousand|million|billion))s?|(?P<abbr>[kKM]))(?![A-Za-z])"
)
_WORD_EXP = {"thousand": 3, "million": 6, "billion": 9}
_ABBR_EXP = {"k": 3, "K": 3, "M": 6}
_RANGE_SEP = re.compile(r"\s*-\s*|\s+to\s+")

_UNITS: tuple[tuple[str, str], ...] = (
    ("cells", r"(?i:(?:viable\s+)?cells?)|[A-Za-z-]*SCs?"),
    ("particles", r"(?i:particles?|s?EVs?|exosomes?|vesicles?)"),
    ("ug", r"(?:[µμu]g|mcg)(?:\s+(?:of\s+)?protein)?"),
    ("mg", r"mg(?:\s+(?:of\s+)?protein)?"),
    ("ng", r"ng(?:\s+(?:of\s+)?protein)?"),
    ("uL", r"[µμu][lL]"),
    ("mL", r"m[lL]"),
)
_UNIT_RE = re.compile("(?:" + "|".join(f"(?P<{name}>{pat})" for name, pat in _UNITS) + r")(?![A-Za-z])")
_ANIMALS = r"animals?|rats?|mouse|mice|guinea\s+pigs?|rabbits?|dogs?|pigs?|sheep|monkeys?"
_PER_RE = re.compile(
    r"\s*(?:(?:/|\bper\b)\s*(?:(?P<kg>(?i:kg)(?:\s*(?:of\s+)?(?i:body\s*weight|b\.?\s?w\.?))?)"
    rf"|(?P<animal>(?i:{_ANIMALS})))|[\s·.]*(?P<kginv>kg\s*\^?-1))(?![A-Za-z])"
)
_COUNT_UNITS = ("cells", "particles")


def _normalise(text: str) -> str:
    s = text.strip()
    for ch in _SPACES:
        s = s.replace(ch, " ")
    for ch in _DASHES:
        s = s.replace(ch, "-")
    s = re.sub(f"[{_SUPER}]+", lambda m: "^" + m.group().translate(_SUPER_TABLE), s)
    return re.sub(r"\s+", " ", s).lstrip("~≈∼ ")


def _fail(text: str, reason: str) -> QuantityError:
    return QuantityError(f"cannot read {text!r} as a quantity: {reason}; {_EXAMPLES}")


@dataclass(frozen=True)
class _Term:
    coef: Decimal
    exp: int
    scaled: bool
    abbr: bool


def _read_term(s: str, pos: int, text: str) -> tuple[_Term, int]:
    m = _TERM.match(s, pos)
    if m is None or m.end() == pos or (m.group("bpow") is None and m.group("mant") is None):
        rest = s[pos:].strip()
        raise _fail(text, f"no number found at {rest!r}" if rest else "no number found")
    sign = -1 if m.group("sign") == "-" else 1
    if m.group("bpow") is not None:
        coef, exp, scaled = Decimal(sign), int(m.group("bpow")), True
    else:
        coef = Decimal(m.group("mant").replace(",", "").replace(" ", "")) * sign
        parts = [m.group(g) for g in ("enot", "pow", "lost") if m.group(g) is not None]
        exp = sum(int(p) for p in parts)
        multiplier = m.group("mult") is not None
        if multiplier and m.group("pow") is None and m.group("lost") is None:
            exp += 1  # "a × 10" with no power at all is a × 10^1
        scaled = bool(parts) or multiplier
    end = m.end()
    abbr = False
    sm = _SCALE.match(s, end)
    if sm is not None:
        word, ab = sm.group("word"), sm.group("abbr")
        exp += _WORD_EXP[word.lower()] if word else _ABBR_EXP[ab]
        scaled, abbr, end = True, ab is not None, sm.end()
    if end < len(s) and s[end] == "," and s[end + 1 : end + 2].isdigit():
        raise _fail(text, "a comma not followed by groups of three digits looks like a decimal comma, "
                    "which is not supported (write 1.5, not 1,5; '500,000' means five hundred thousand)")
    return _Term(coef, exp, scaled, abbr), end


def _to_float(d: Decimal, text: str) -> float:
    x = float(d)
    if not math.isfinite(x):
        raise _fail(text, "the number is too large to represent")
    return x


def canonical_unit(text: str) -> str:
    """Canonical unit string (``cells, particles, ug, mg, ng, uL, mL``) for a unit as written."""
    m = _UNIT_RE.fullmatch(_normalise(text))
    if m is None or m.lastgroup is None:
        raise QuantityError(f"unknown unit {text!r}; expected one of cells, particles, ug, mg, ng, uL, mL "
                            "(also µg, μg, mcg, µL, MSCs, EVs, exosomes)")
    return m.lastgroup


def canonical_per(text: str | None) -> str | None:
    """``'kg'``, ``'animal'`` or None for a denominator as written (``'/kg'``, ``'per rat'``, ``'mouse'``)."""
    if text is None or not text.strip():
        return None
    s = _normalise(text)
    if s.lower() in ("kg", "animal"):
        return s.lower()
    m = _PER_RE.fullmatch(s) or _PER_RE.fullmatch("/" + s)
    if m is None:
        raise QuantityError(f"unknown denominator {text!r}; expected 'kg' (per kg body weight) or 'animal' "
                            "(per animal, per rat, per mouse)")
    return "animal" if m.group("animal") else "kg"


def parse_quantity(text: str | float | int) -> Quantity:
    """Parse a number (or range) with an optional unit and denominator, as papers write them.

    Raises :class:`QuantityError` (a ``ValueError``) for anything else, with examples of what is read.
    """
    if isinstance(text, bool):
        raise QuantityError(f"cannot read the boolean {text!r} as a quantity; {_EXAMPLES}")
    if isinstance(text, int | float):
        x = float(text)
        if not math.isfinite(x):
            raise QuantityError(f"cannot read {text!r} as a quantity: not a finite number")
        return Quantity(value=x, low=None, high=None, unit=None, text=str(text))
    if not isinstance(text, str):
        raise QuantityError(f"cannot read {type(text).__name__} {text!r} as a quantity; {_EXAMPLES}")
    s = _normalise(text)
    if not s:
        raise _fail(text, "the text is empty")
    first, pos = _read_term(s, 0, text)
    second = None
    sep = _RANGE_SEP.match(s, pos)
    if sep is not None and sep.end() < len(s):
        second, pos = _read_term(s, sep.end(), text)
    unit = per = None
    um = _UNIT_RE.match(s, pos + (s[pos : pos + 1] == " "))
    if um is not None:
        unit, pos = um.lastgroup, um.end()
    pm = _PER_RE.match(s, pos)
    if pm is not None:
        per, pos = ("animal" if pm.group("animal") else "kg"), pm.end()
    rest = s[pos:].strip()
    if rest:
        hint = ""
        if re.match(r"[×xX*·⋅∙]\s*10", rest):
            hint = " ('× 10' must be followed by '^power', a superscript, or one or two digits not starting with 0)"
        elif rest.startswith("±"):
            hint = " (a 'mean ± error' pair is not one quantity)"
        raise _fail(text, f"unexpected text {rest!r} after the number{hint}")
    terms = [first] if second is None else [first, second]
    if any(t.abbr for t in terms) and unit not in _COUNT_UNITS:
        raise _fail(text, "'k' and 'M' are read as thousand/million only before 'cells' or 'particles' "
                    "(M could mean molar); write 'million' or '× 10^6'")
    if second is None:
        value = _to_float(first.coef.scaleb(first.exp), text)
        return Quantity(value=value, low=None, high=None, unit=unit, text=text, per=per)
    left_exp = second.exp if not first.scaled and second.scaled else first.exp
    lo, hi = first.coef.scaleb(left_exp), second.coef.scaleb(second.exp)
    if lo > hi:
        raise _fail(text, f"the range runs downwards ({float(lo):g} to {float(hi):g}); if '10-5' is a lost superscript "
                    "10⁻⁵, write '10^-5'")
    return Quantity(value=_to_float((lo + hi) / 2, text), low=_to_float(lo, text), high=_to_float(hi, text),
                    unit=unit, text=text, per=per)


def format_days(days: float) -> str:
    """A time after injury given in days, in the unit that reads best: '30 s', '20 min', '6 h', '14 d'."""
    d = float(days)
    if d == 0 or abs(d) >= 1:
        return f"{d:g} d"
    if abs(d) >= 1 / 24:
        return f"{d * 24:.3g} h"
    if abs(d) >= 1 / 1440:
        return f"{d * 1440:.3g} min"
    return f"{d * 86400:.3g} s"

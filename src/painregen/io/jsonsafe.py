"""Strict JSON for untrusted files: what Python's :mod:`json` accepts but the registry cannot store.

:func:`load_json` refuses, each with a ``file:line`` or ``file::path`` problem instead of a traceback or a
silently stored oddity: invalid JSON; ``NaN``, ``Infinity`` and numbers too large for a double; integers beyond
the registry's 64-bit range (never converted when they have thousands of digits, which Python refuses to do);
nesting deeper than :data:`MAX_DEPTH` (a painregen dataset is about ten levels deep; thousands of levels
exhaust the parser's recursion); and NUL characters in strings or keys (PostgreSQL cannot store them).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from painregen.io.problems import InvalidDataError, Problem, ProblemCollector

MAX_DEPTH = 64
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)


class _Odd:
    """A value the parser met that has no place in the registry (kept to report it with its path)."""

    def __init__(self, text: str, message: str, fix: str) -> None:
        self.text, self.message, self.fix = text, message, fix


def _constant(name: str) -> _Odd:
    return _Odd(name, f"{name} is not a number the registry can store", "write a finite number, or leave it out")


def _float(text: str) -> float | _Odd:
    x = float(text)
    if math.isfinite(x):
        return x
    return _Odd(text, f"{text[:30]} is too large for a number", "check the value")


def _int(text: str) -> int | _Odd:
    digits = len(text.lstrip("-"))
    if digits <= 19:
        value = int(text)
        if INT_MIN <= value <= INT_MAX:
            return value
    shown = text if len(text) <= 30 else f"an integer of {digits} digits"
    return _Odd(text, f"{shown} is out of range: integers must lie within ±9.2 × 10^18 (64 bits)",
                "check the value; write a measurement as a decimal number (1e20)")


def _too_deep(text: str, file: str) -> InvalidDataError:
    """The line where the nesting first goes deeper than MAX_DEPTH."""
    depth = 0
    for m in _TOKENS.finditer(text):
        token = m.group()
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                line = text.count("\n", 0, m.start()) + 1
                return InvalidDataError([Problem(file, line, None, f"the JSON is nested more than {MAX_DEPTH} levels "
                                                 "deep", "a painregen dataset needs about ten levels: check the file")])
        elif token in "]}":
            depth -= 1
    return InvalidDataError([Problem(file, None, None, "the JSON is nested too deeply", "check the file")])


def load_json(text: str, file: str) -> Any:
    """Parse ``text`` (the content of ``file``) or raise InvalidDataError naming the line or path of each
    problem (see the module docstring)."""
    try:
        doc = json.loads(text, parse_constant=_constant, parse_float=_float, parse_int=_int)
    except json.JSONDecodeError as exc:
        raise InvalidDataError([Problem(file, exc.lineno, None, f"invalid JSON: {exc.msg} (line {exc.lineno}, "
                                        f"column {exc.colno})", "check brackets, commas and quotes")]) from None
    except RecursionError:
        raise _too_deep(text, file) from None
    problems = ProblemCollector(file)
    stack: list[tuple[str, Any, int]] = [("", doc, 0)]
    while stack:
        path, value, depth = stack.pop()
        if depth > MAX_DEPTH:
            problems.add(None, path, f"the JSON is nested more than {MAX_DEPTH} levels deep",
                         "a painregen dataset needs about ten levels: check the file")
            continue
        if isinstance(value, _Odd):
            problems.add(None, path or "(top)", value.message, value.fix)
        elif isinstance(value, str):
            if "\x00" in value:
                problems.add(None, path or "(top)", "the text holds a NUL character (\\u0000), which the registry "
                             "cannot store", "delete it")
        elif isinstance(value, dict):
            for key, item in reversed(list(value.items())):
                shown = key.replace("\x00", "\\u0000")
                where = f"{path}.{shown}" if path else shown
                if "\x00" in key:
                    problems.add(None, where, "a key holds a NUL character (\\u0000)", "delete it")
                stack.append((where, item, depth + 1))
        elif isinstance(value, list):
            for i in range(len(value) - 1, -1, -1):
                stack.append((f"{path}.{i}" if path else str(i), value[i], depth + 1))
    problems.raise_if_any()
    return doc

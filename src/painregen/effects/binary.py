"""Measures for 2x2 tables: log odds ratio (OR), log risk ratio (RR), risk difference (RD).

Cells: ``ai`` events / ``bi`` non-events in group 1 (treated), ``ci`` / ``di`` in group 2
(control). Zero cells are handled as metafor's ``escalc`` does by default: ``add = 1/2`` is added
to every cell of each table with at least one zero cell (``to = "only0"``), and tables with no
events (or only events) in both groups are kept (``drop00 = False``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from painregen.effects.base import BoolArray, Computed, FloatArray, RowCondition
from painregen.effects.measures import Measure, register_measure

CELLS = ("ai", "bi", "ci", "di")
TO_CHOICES = ("only0", "all", "if0all", "none")
DEFAULT_OPTIONS: dict[str, Any] = {"add": 0.5, "to": "only0", "drop00": False}


def continuity_correct(ai: FloatArray, bi: FloatArray, ci: FloatArray, di: FloatArray,
                       add: float = 0.5, to: str = "only0"
                       ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, BoolArray]:
    """Add ``add`` to the cells of tables as metafor's ``add``/``to`` arguments specify.

    ``to="only0"``: tables with a zero cell; ``"all"``: every table; ``"if0all"``: every table if
    any table has a zero cell; ``"none"``: no table. Returns the four corrected cell arrays and the
    mask of tables that were changed. Source: metafor ``escalc`` documentation (arguments
    ``add``, ``to``); the practice goes back to Haldane (1956) and Gart & Zweifel (1967).
    """
    if to not in TO_CHOICES:
        raise ValueError(f"to must be one of {', '.join(TO_CHOICES)} (got {to!r})")
    if not add >= 0:
        raise ValueError(f"add must be a non-negative number (got {add!r})")
    has_zero = (ai == 0) | (bi == 0) | (ci == 0) | (di == 0)
    if to == "only0":
        target = has_zero
    elif to == "all":
        target = np.ones_like(has_zero)
    elif to == "if0all":
        target = np.full_like(has_zero, bool(np.any(has_zero)))
    else:
        target = np.zeros_like(has_zero)
    if add == 0:
        target = np.zeros_like(has_zero)
    inc = np.where(target, add, 0.0)
    return ai + inc, bi + inc, ci + inc, di + inc, target


def log_or(ai: FloatArray, bi: FloatArray, ci: FloatArray, di: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``yi = log(ai di / (bi ci))``; ``vi = 1/ai + 1/bi + 1/ci + 1/di`` (Woolf 1955)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(ai * di / (bi * ci)), 1 / ai + 1 / bi + 1 / ci + 1 / di


def log_rr(ai: FloatArray, bi: FloatArray, ci: FloatArray, di: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``yi = log((ai/n1)/(ci/n2))``; ``vi = 1/ai - 1/n1 + 1/ci - 1/n2``, ``n1 = ai+bi``, ``n2 = ci+di``.

    Source: Katz D et al. (1978) Biometrics 34:469-474; metafor ``escalc(measure="RR")``.
    """
    n1, n2 = ai + bi, ci + di
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log((ai / n1) / (ci / n2)), 1 / ai - 1 / n1 + 1 / ci - 1 / n2


def risk_difference(ai: FloatArray, bi: FloatArray, ci: FloatArray, di: FloatArray
                    ) -> tuple[FloatArray, FloatArray]:
    """``yi = p1 - p2``; ``vi = p1(1-p1)/n1 + p2(1-p2)/n2`` with ``p1 = ai/n1``, ``p2 = ci/n2``.

    Source: Fleiss JL & Berlin JA (2009) in The Handbook of Research Synthesis and Meta-Analysis;
    metafor ``escalc(measure="RD")`` (unbiased-variance option not used, as metafor's default).
    """
    n1, n2 = ai + bi, ci + di
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = ai / n1, ci / n2
        return p1 - p2, p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2


_FORMULAS = {"OR": log_or, "RR": log_rr, "RD": risk_difference}


def _compute(code: str, data: Mapping[str, FloatArray], options: Mapping[str, Any]) -> Computed:
    ai, bi, ci, di = (data[k] for k in CELLS)
    add, to, drop00 = float(options["add"]), str(options["to"]), bool(options["drop00"])
    a, b, c, d, corrected = continuity_correct(ai, bi, ci, di, add=add, to=to)
    yi, vi = _FORMULAS[code](a, b, c, d)
    no_info = ((ai == 0) & (ci == 0)) | ((bi == 0) & (di == 0))
    zero_cell = (ai == 0) | (bi == 0) | (ci == 0) | (di == 0)
    undefined = [
        RowCondition((a + b == 0) | (c + d == 0), "undefined", "a group has no animals"),
    ]
    if code == "OR":
        undefined.append(RowCondition((a == 0) | (b == 0) | (c == 0) | (d == 0), "undefined",
                                      "odds ratio undefined with a zero cell and no correction"))
    if code == "RR":
        undefined.append(RowCondition((a == 0) | (c == 0), "undefined",
                                      "risk ratio undefined with zero events and no correction"))
    if drop00:
        undefined.insert(0, RowCondition(no_info, "undefined",
                                         "no events (or only events) in both groups; dropped (drop00)"))
    flags = (RowCondition(corrected & zero_cell, "zero_cell",
                          f"zero cell: {add:g} added to each cell of the 2x2 table"),)
    return Computed(yi=yi, vi=vi, undefined=tuple(undefined), flags=flags)


def _register(code: str, display: str, citation: str, formula: str) -> None:
    def compute(data: Mapping[str, FloatArray], variant: str, options: Mapping[str, Any]) -> Computed:
        return _compute(code, data, options)

    register_measure(Measure(code=code, display_name=display, citation=citation, formula=formula,
                             inputs=CELLS, compute=compute, metafor_names={"": code},
                             options=DEFAULT_OPTIONS))


_register("OR", "Log odds ratio",
          "Woolf B (1955) On estimating the relation between blood group and disease. "
          "Ann Hum Genet 19:251-253",
          "yi = log(ai di/(bi ci)); vi = 1/ai + 1/bi + 1/ci + 1/di")
_register("RR", "Log risk ratio",
          "Katz D, Baptista J, Azen SP, Pike MC (1978) Obtaining confidence intervals for the risk "
          "ratio in cohort studies. Biometrics 34:469-474",
          "yi = log((ai/n1i)/(ci/n2i)); vi = 1/ai - 1/n1i + 1/ci - 1/n2i")
_register("RD", "Risk difference",
          "Fleiss JL, Berlin JA (2009) Effect sizes for dichotomous data. In: The Handbook of "
          "Research Synthesis and Meta-Analysis, 2nd ed.",
          "yi = ai/n1i - ci/n2i; vi = p1(1-p1)/n1i + p2(1-p2)/n2i")

"""Agreement statistics against oracles: R psych::cohen.kappa (agreement_psych.json), irrCAC (agreement_irrcac.json)
and hand calculations from the definitions (Cohen 1960, Gwet 2008) in exact fractions."""

from __future__ import annotations

import json
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from painregen.review.agreement import (
    cohen_kappa,
    contingency,
    gwet_ac1_table,
    multi_agreement,
    pair_agreement,
)

GOLDEN = Path(__file__).parent / "golden"
CASES = json.loads((GOLDEN / "agreement_cases.json").read_text(encoding="utf-8"))
PSYCH = json.loads((GOLDEN / "agreement_psych.json").read_text(encoding="utf-8"))
IRRCAC = json.loads((GOLDEN / "agreement_irrcac.json").read_text(encoding="utf-8"))
RTOL = 1e-9


def _ratings(case: dict) -> tuple[list[str], list[str]]:
    """Expand a contingency table into the two raters' rating lists."""
    cats = case["categories"]
    a: list[str] = []
    b: list[str] = []
    for i, row in enumerate(case["table"]):
        for j, count in enumerate(row):
            a += [cats[i]] * count
            b += [cats[j]] * count
    return a, b


@pytest.mark.parametrize("name", sorted(CASES["pairs"]))
def test_pair_statistics_match_psych_and_irrcac(name: str) -> None:
    case = CASES["pairs"][name]
    a, b = _ratings(case)
    res = pair_agreement(a, b, categories=case["categories"])
    psych = PSYCH["pairs"][name]
    irr = IRRCAC["pairs"][name]
    assert res.n == psych["n"]
    assert res.cohen_kappa.estimate == pytest.approx(psych["kappa"], rel=RTOL)
    assert res.cohen_kappa.se**2 == pytest.approx(psych["var_kappa"], rel=RTOL)
    assert res.cohen_kappa.ci_low == pytest.approx(psych["ci_low"], rel=RTOL)
    assert res.cohen_kappa.ci_high == pytest.approx(psych["ci_high"], rel=RTOL)
    assert res.cohen_kappa.se == pytest.approx(irr["cohen_kappa"]["se"], rel=RTOL)
    assert res.gwet_ac1.estimate == pytest.approx(irr["gwet_ac1"]["estimate"], rel=RTOL)
    assert res.gwet_ac1.se == pytest.approx(irr["gwet_ac1"]["se"], rel=RTOL)
    assert res.pa == pytest.approx(irr["gwet_ac1"]["pa"], rel=RTOL)


@pytest.mark.parametrize("name", sorted(CASES["multi"]))
def test_multi_rater_statistics_match_irrcac(name: str) -> None:
    case = CASES["multi"][name]
    ratings = [[r for r in row if r is not None] for row in case["ratings"]]
    res = multi_agreement(ratings, categories=case["categories"])
    irr = IRRCAC["multi"][name]
    assert res.pa == pytest.approx(irr["gwet_ac1"]["pa"], rel=RTOL)
    assert res.gwet_ac1.estimate == pytest.approx(irr["gwet_ac1"]["estimate"], rel=RTOL)
    assert res.gwet_ac1.se == pytest.approx(irr["gwet_ac1"]["se"], rel=RTOL)
    assert res.fleiss_kappa.estimate == pytest.approx(irr["fleiss_kappa"]["estimate"], rel=RTOL)
    assert res.fleiss_kappa.se == pytest.approx(irr["fleiss_kappa"]["se"], rel=RTOL)


def test_feinstein_cicchetti_paradox_by_hand() -> None:
    """Both tables agree on 85 of 100 records; kappa drops with skewed prevalence, AC1 does not (Gwet 2008)."""
    kappa = ac1 = Fraction(0)
    for table in ([[40, 9], [6, 45]], [[80, 10], [5, 5]]):
        n = Fraction(100)
        pa = Fraction(table[0][0] + table[1][1]) / n
        row = [Fraction(sum(r)) / n for r in table]
        col = [Fraction(table[0][j] + table[1][j]) / n for j in range(2)]
        pe_k = sum(r * c for r, c in zip(row, col, strict=True))
        pi = [(r + c) / 2 for r, c in zip(row, col, strict=True)]
        pe_g = sum(p * (1 - p) for p in pi) / (2 - 1)
        kappa, ac1 = (pa - pe_k) / (1 - pe_k), (pa - pe_g) / (1 - pe_g)
        res = pair_agreement(*_ratings({"categories": ["yes", "no"], "table": table}), categories=["yes", "no"])
        assert res.pa == 0.85
        assert res.cohen_kappa.estimate == pytest.approx(float(kappa), rel=1e-12)
        assert res.gwet_ac1.estimate == pytest.approx(float(ac1), rel=1e-12)
    # the skewed table: pe = 0.9 * 0.85 + 0.1 * 0.15 = 0.78, kappa = 0.07 / 0.22 = 7/22;
    # pi_yes = 0.875, pe(AC1) = 2 * 0.875 * 0.125 = 0.21875, AC1 = 0.63125 / 0.78125 = 0.808
    assert kappa == Fraction(7, 22)
    assert ac1 == Fraction(101, 125)


def test_perfect_and_chance_agreement() -> None:
    a = ["include", "exclude", "exclude", "include", "exclude"]
    res = pair_agreement(a, a)
    assert res.pa == 1.0 and res.cohen_kappa.estimate == 1.0 and res.gwet_ac1.estimate == 1.0
    assert res.cohen_kappa.se == pytest.approx(0.0, abs=1e-12)
    # independent raters with identical marginals: po = pe -> kappa 0
    _, table = contingency(["a", "a", "b", "b"], ["a", "b", "a", "b"])
    assert cohen_kappa(table).estimate == 0.0
    assert gwet_ac1_table(table).estimate == 0.0


def test_one_category_everywhere_is_undefined_for_kappa_but_not_ac1() -> None:
    res = pair_agreement(["exclude"] * 10, ["exclude"] * 10, categories=["include", "exclude"])
    assert res.pa == 1.0
    assert math.isnan(res.cohen_kappa.estimate)  # pe = 1
    assert res.gwet_ac1.estimate == 1.0  # pe = 0 for AC1


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="different numbers"):
        pair_agreement(["a"], ["a", "b"])
    with pytest.raises(ValueError, match="not among the categories"):
        pair_agreement(["a"], ["c"], categories=["a", "b"])
    with pytest.raises(ValueError, match="two or more"):
        multi_agreement([["a"], ["b"]])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2)), min_size=3, max_size=60))
def test_two_raters_as_multi_rater_agree_with_pair_formulas(pairs: list[tuple[int, int]]) -> None:
    """With two raters on every record, the multiple-rater AC1 equals the two-rater AC1 and its variance
    differs only by the divisor n(n-1) vs n^2 (Gwet 2008); Fleiss' kappa equals Scott's pi."""
    cats = ["x", "y", "z"]
    a = [cats[i] for i, _ in pairs]
    b = [cats[j] for _, j in pairs]
    pair = pair_agreement(a, b, categories=cats)
    multi = multi_agreement([[x, y] for x, y in zip(a, b, strict=True)], categories=cats)
    n = len(pairs)
    assert multi.pa == pytest.approx(pair.pa)
    if not math.isnan(pair.gwet_ac1.estimate):
        assert multi.gwet_ac1.estimate == pytest.approx(pair.gwet_ac1.estimate, abs=1e-12)
        assert multi.gwet_ac1.se**2 * (n - 1) == pytest.approx(pair.gwet_ac1.se**2 * n, rel=1e-9, abs=1e-15)
    _, table = contingency(a, b, cats)
    p = table / n
    pi = (p.sum(0) + p.sum(1)) / 2
    pe = float(np.sum(pi**2))
    if pe < 1:
        assert multi.fleiss_kappa.estimate == pytest.approx((pair.pa - pe) / (1 - pe), abs=1e-12)

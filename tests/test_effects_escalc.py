"""painregen.effects.escalc against metafor (golden JSON) and against first principles."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.special import gamma

from painregen import effects
from painregen.effects import EffectInputError, escalc, hedges_j, orient

GOLDEN = Path(__file__).parent / "golden" / "metafor_escalc.json"
DOCS = Path(__file__).parents[1] / "docs" / "effects.md"

# Closed-form formulas: both sides do the same few floating-point operations, so agreement is to
# rounding; 1e-10 relative leaves room for the 15 significant digits the JSON keeps.
CLOSED_FORM_RTOL = 1e-10

# The golden set may grow, never shrink silently: every name here must be present.
EXPECTED_CASES = {
    *(f"normand1999_{m}" for m in ("MD", "SMD", "SMDH", "ROM")),
    *(f"curtis1998_{m}" for m in ("MD", "SMD", "SMDH", "ROM")),
    "normand1999_SMD_from_SE", "edge_SMD", "edge_MD",
    "normand1999_SMD_camarades", "curtis1998_SMD_camarades",
    "normand1999_ROM_bias_corrected", "curtis1998_ROM_bias_corrected",
    "illustrative_NMD", "illustrative_NMD_delta",
    *(f"bcg_{m}" for m in ("OR", "RR", "RD")),
    *(f"zerocell_{m}_{s}" for m in ("OR", "RR", "RD")
      for s in ("default", "all", "if0all", "none", "drop00", "add1")),
}


def _golden() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(GOLDEN.read_text())
    return data


GOLDEN_DATA = _golden()
CASES = {c["name"]: c for c in GOLDEN_DATA["cases"]}


def _arr(values: Any) -> np.ndarray:
    return np.atleast_1d(np.array(values, dtype=float))


def test_golden_records_oracle_versions() -> None:
    assert GOLDEN_DATA["metafor_version"] == "3.8.1"
    assert GOLDEN_DATA["r_version"].startswith("R version")
    assert GOLDEN_DATA["metadat_version"]


def test_golden_case_set_never_shrinks() -> None:
    assert set(CASES) >= EXPECTED_CASES, sorted(EXPECTED_CASES - set(CASES))
    assert len(CASES) == len(GOLDEN_DATA["cases"]), "duplicate case names"


@pytest.mark.parametrize("name", sorted(CASES))
def test_escalc_matches_golden(name: str) -> None:
    case = CASES[name]
    inputs = {k: _arr(v) for k, v in case["inputs"].items()}
    options = case.get("options") or {}
    res = escalc(case["measure"], variant=case["variant"], **inputs, **options)
    want_yi, want_vi = _arr(case["yi"]), _arr(case["vi"])
    np.testing.assert_array_equal(np.isnan(res.yi), np.isnan(want_yi))
    np.testing.assert_array_equal(np.isnan(res.vi), np.isnan(want_vi))
    np.testing.assert_allclose(res.yi, want_yi, rtol=CLOSED_FORM_RTOL, atol=0, equal_nan=True)
    np.testing.assert_allclose(res.vi, want_vi, rtol=CLOSED_FORM_RTOL, atol=0, equal_nan=True)
    # every row the oracle left undefined is reported, and no other row
    assert sorted(w.row for w in res.warnings) == list(np.flatnonzero(np.isnan(want_yi)))


def test_golden_covers_every_measure_and_variant() -> None:
    covered = {(c["measure"], c["variant"] or effects.get_measure(c["measure"]).default_variant)
               for c in CASES.values()}
    for m in effects.measures():
        for v in m.variants or (None,):
            key = (m.code, v.name if v is not None else "")
            assert key in covered, f"no golden case for {key}"


# ---- first principles ----------------------------------------------------------------------

@pytest.mark.parametrize("m", [2, 3, 4, 5, 7, 10, 18, 30, 60])
def test_hedges_j_equals_gamma_ratio(m: int) -> None:
    direct = gamma(m / 2) / (math.sqrt(m / 2) * gamma((m - 1) / 2))
    assert hedges_j(np.array([float(m)]))[0] == pytest.approx(direct, rel=1e-13)


def test_hedges_j_large_m_is_finite_and_undefined_below_two() -> None:
    # gamma() overflows near m = 340; the log-gamma form must not.
    j = hedges_j(np.array([400.0, 1e6]))
    assert j == pytest.approx(1 - 3 / (4 * np.array([400.0, 1e6]) - 1), rel=1e-6)
    assert np.isnan(hedges_j(np.array([0.0, 1.0]))).all()


def test_md_by_hand() -> None:
    res = escalc("MD", m1i=12.0, sd1i=3.0, n1i=6, m2i=7.5, sd2i=4.0, n2i=8)
    assert res.yi[0] == 4.5
    assert res.vi[0] == pytest.approx(9 / 6 + 16 / 8, rel=1e-15)


def test_smd_by_hand_small_groups() -> None:
    n1, n2, sd1, sd2 = 4, 5, 2.0, 3.0
    sp = math.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / (n1 + n2 - 2))
    m = n1 + n2 - 2
    g = gamma(m / 2) / (math.sqrt(m / 2) * gamma((m - 1) / 2)) * (10.0 - 7.0) / sp
    res = escalc("SMD", m1i=10.0, sd1i=sd1, n1i=n1, m2i=7.0, sd2i=sd2, n2i=n2)
    assert res.variant == "hedges"
    assert res.yi[0] == pytest.approx(g, rel=1e-13)
    assert res.vi[0] == pytest.approx(1 / n1 + 1 / n2 + g**2 / (2 * (n1 + n2)), rel=1e-13)


def test_camarades_variant_by_hand() -> None:
    # N = 12: J = 1 - 3/39, pooled SD = 2
    res = escalc("SMD", m1i=5.0, sd1i=2.0, n1i=6, m2i=3.0, sd2i=2.0, n2i=6, variant="camarades")
    g = (1 - 3 / 39) * 1.0
    assert res.yi[0] == pytest.approx(g, rel=1e-14)
    assert res.vi[0] == pytest.approx(12 / 36 + g**2 / (2 * (12 - 3.94)), rel=1e-14)


def test_nmd_is_oriented_by_construction() -> None:
    kw = dict(sd1i=1.5, n1i=8, sd2i=1.0, n2i=8, sdsham=0.8, nsham=6)
    up = escalc("NMD", m1i=9.0, m2i=4.0, msham=14.0, **kw)   # higher is better
    down = escalc("NMD", m1i=-9.0, m2i=-4.0, msham=-14.0, **kw)  # same data, higher is worse
    assert up.yi[0] == pytest.approx(50.0, rel=1e-14)
    np.testing.assert_allclose(down.yi, up.yi, rtol=1e-14)
    np.testing.assert_allclose(down.vi, up.vi, rtol=1e-14)
    assert up.vi[0] == pytest.approx((15**2) / 8 + 10**2 / 8, rel=1e-14)
    assert orient(up, True).yi[0] == up.yi[0]  # intrinsic: never flipped


def test_orient_flips_sign_measures_only() -> None:
    res = escalc("SMD", m1i=[5.0, 2.0], sd1i=1.0, n1i=6, m2i=3.0, sd2i=1.0, n2i=6)
    flipped = orient(res, [True, False])
    np.testing.assert_array_equal(flipped.yi, [-res.yi[0], res.yi[1]])
    np.testing.assert_array_equal(flipped.vi, res.vi)
    np.testing.assert_array_equal(orient([1.0, -2.0], True), [-1.0, 2.0])
    np.testing.assert_array_equal(orient([1.0, -2.0], True, measure="NMD"), [1.0, -2.0])
    rom = escalc("ROM", m1i=2.0, sd1i=1.0, n1i=5, m2i=4.0, sd2i=1.0, n2i=5)
    assert orient(rom, True).yi[0] == pytest.approx(math.log(4.0 / 2.0), rel=1e-15)


def test_se_replaces_sd_and_fills_missing_sds() -> None:
    by_sd = escalc("SMD", m1i=5.0, sd1i=[2.0, 3.0], n1i=9, m2i=3.0, sd2i=2.0, n2i=4)
    by_se = escalc("SMD", m1i=5.0, se1i=[2.0 / 3, 1.0], n1i=9, m2i=3.0, se2i=1.0, n2i=4)
    np.testing.assert_allclose(by_se.yi, by_sd.yi, rtol=1e-15)
    mixed = escalc("SMD", m1i=5.0, sd1i=[2.0, np.nan], se1i=[np.nan, 1.0], n1i=9,
                   m2i=3.0, sd2i=2.0, n2i=4)
    np.testing.assert_allclose(mixed.yi, by_sd.yi, rtol=1e-15)


def test_binary_from_group_sizes_equals_cells() -> None:
    a = escalc("OR", ai=[3, 0], bi=[7, 10], ci=[5, 2], di=[5, 8])
    b = escalc("OR", ai=[3, 0], ci=[5, 2], n1i=10, n2i=10)
    np.testing.assert_array_equal(a.yi, b.yi)
    np.testing.assert_array_equal(a.vi, b.vi)
    assert [f.row for f in a.flags] == [1] and a.flags[0].code == "zero_cell"


# ---- undefined rows, flags, malformed input ------------------------------------------------

def test_undefined_rows_are_warnings_not_errors() -> None:
    res = escalc("ROM", m1i=[2.0, -1.0, 3.0, np.nan], sd1i=1.0, n1i=5, m2i=[1.0, 1.0, 0.0, 1.0],
                 sd2i=1.0, n2i=5)
    assert np.isfinite(res.yi[0]) and np.isnan(res.yi[1:]).all() and np.isnan(res.vi[1:]).all()
    assert [(w.row, w.code) for w in res.warnings] == [(1, "undefined"), (2, "undefined"), (3, "missing")]
    assert "m1i" in res.warnings[2].reason
    smd = escalc("SMD", m1i=3.0, sd1i=1.0, n1i=1, m2i=1.0, sd2i=1.0, n2i=1)
    assert np.isnan(smd.yi[0]) and "n1i + n2i" in smd.warnings[0].reason


def test_large_smd_is_flagged_as_possible_se() -> None:
    res = escalc("SMD", m1i=[10.0, 1.5], sd1i=1.0, n1i=5, m2i=1.0, sd2i=1.0, n2i=5)
    assert [(f.row, f.code) for f in res.flags] == [(0, "se_as_sd")]
    assert res.warnings == []


def test_malformed_input_names_rows_and_columns() -> None:
    with pytest.raises(EffectInputError) as err:
        escalc("MD", m1i=[1.0, 2.0, 3.0], sd1i=[1.0, -1.0, 1.0], n1i=[5, 5, 0.5],
               m2i=1.0, sd2i=1.0, n2i=5)
    assert err.value.problems == [(1, "sd1i", "sd1i must not be negative"),
                                  (2, "n1i", "n1i must be at least 1")]
    assert isinstance(err.value, ValueError)
    with pytest.raises(EffectInputError) as err:
        escalc("SMD", m1i=1.0, sd1i=1.0, n1i=5, m2i=1.0, n2i=5)
    assert err.value.problems == [(None, "sd2i", "required for measure SMD")]
    with pytest.raises(EffectInputError) as err:
        escalc("RR", ai=[3, 12], ci=[1, 1], n1i=10, n2i=10)
    assert err.value.problems == [(1, "ai", "ai exceeds n1i")]
    with pytest.raises(EffectInputError, match="has 2 values"):
        escalc("MD", m1i=[1.0, 2.0], sd1i=[1.0, 1.0, 1.0], n1i=5, m2i=1.0, sd2i=1.0, n2i=5)
    with pytest.raises(EffectInputError, match="infinite"):
        escalc("MD", m1i=np.inf, sd1i=1.0, n1i=5, m2i=1.0, sd2i=1.0, n2i=5)
    with pytest.raises(EffectInputError) as err:
        escalc("NMD", m1i=1.0, sd1i=1.0, n1i=5, m2i=1.0, sd2i=1.0, n2i=5, msham=3.0, variant="delta")
    assert {p[1] for p in err.value.problems} == {"sdsham", "nsham"}


def test_unknown_measure_variant_or_option() -> None:
    with pytest.raises(ValueError, match="unknown measure"):
        escalc("XYZ", m1i=1.0)
    with pytest.raises(ValueError, match="unknown variant"):
        escalc("SMD", m1i=1.0, sd1i=1.0, n1i=5, m2i=1.0, sd2i=1.0, n2i=5, variant="glass")
    with pytest.raises(TypeError, match="add"):
        escalc("MD", m1i=1.0, sd1i=1.0, n1i=5, m2i=1.0, sd2i=1.0, n2i=5, add=0.5)


def test_result_is_immutable_and_serialisable() -> None:
    res = escalc("SMD", m1i=[3.0, 3.0], sd1i=1.0, n1i=[1, 5], m2i=1.0, sd2i=1.0, n2i=[1, 5])
    with pytest.raises(ValueError):
        res.yi[0] = 1.0
    d = res.to_dict()
    assert d["yi"][0] is None and d["warnings"][0]["row"] == 0
    assert "SMD" in repr(res) and "k=2" in repr(res)


# ---- registry --------------------------------------------------------------------------------

def test_measures_lists_builtins_with_names_and_citations() -> None:
    listed = effects.measures()
    assert [m.code for m in listed] == ["MD", "ROM", "SMD", "SMDH", "NMD", "OR", "RR", "RD"]
    for m in listed:
        assert m.display_name and m.citation and m.formula
        for v in m.variants:
            assert v.display_name and v.citation and v.formula


def test_extension_registers_like_a_builtin() -> None:
    def compute(data: Any, variant: str, options: Any) -> effects.Computed:
        return effects.Computed(yi=data["m1i"] - data["m2i"], vi=np.ones_like(data["m1i"]))

    effects.register_measure(effects.Measure(
        code="TESTDIFF", display_name="Test difference", citation="none", formula="m1i - m2i",
        inputs=("m1i", "m2i"), compute=compute))
    try:
        res = escalc("testdiff", m1i=[3.0, 1.0], m2i=1.0)
        np.testing.assert_array_equal(res.yi, [2.0, 0.0])
        assert "TESTDIFF" in [m.code for m in effects.measures()]
        with pytest.raises(ValueError, match="already registered"):
            effects.register_measure(effects.get_measure("TESTDIFF"))
    finally:
        effects.unregister_measure("TESTDIFF")
    assert "TESTDIFF" not in [m.code for m in effects.measures()]


def test_every_measure_and_variant_is_documented() -> None:
    text = DOCS.read_text()
    for m in effects.measures():
        assert f"`{m.code}`" in text, m.code
        for v in m.variants:
            assert f"`{v.name}`" in text, (m.code, v.name)

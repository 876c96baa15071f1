"""Appraisal in the synthesis, on a simulated dataset whose truth inflates the effect of studies without blinded
outcome assessment by 1.3. Oracles: the simulator's truth (direction) and first principles (DerSimonian-Laird and
weighted least squares written out here with numpy, to 1e-10)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from painregen.appraise import battery, grade, synthesis, syrcle
from painregen.effects.table import dataset_effects
from painregen.simulate import simulate

TOL = 1e-10


@pytest.fixture(scope="module")
def ds():  # type: ignore[no-untyped-def]
    return simulate(40, seed=7)


def _dl(y: np.ndarray, v: np.ndarray) -> float:
    """DerSimonian & Laird (1986) pooled estimate, written out."""
    w = 1 / v
    mu = np.sum(w * y) / np.sum(w)
    q = np.sum(w * (y - mu) ** 2)
    tau2 = max(0.0, (q - (y.size - 1)) / (np.sum(w) - np.sum(w**2) / np.sum(w)))
    ws = 1 / (v + tau2)
    return float(np.sum(ws * y) / np.sum(ws))


def _fe(y: np.ndarray, v: np.ndarray) -> float:
    return float(np.sum(y / v) / np.sum(1 / v))


def test_effects_frame_collapses_to_the_last_timepoint(ds) -> None:  # type: ignore[no-untyped-def]
    df = synthesis.effects_frame(ds, "SMD")
    raw = pd.DataFrame(dataset_effects(ds, "SMD").rows).dropna(subset=["yi", "vi"])
    last = raw.sort_values("time").groupby(synthesis.KEYS, sort=False).tail(1).set_index(synthesis.KEYS)
    assert len(df) == len(last) and not df.duplicated(synthesis.KEYS).any()
    got = df.set_index(synthesis.KEYS)
    assert np.array_equal(got["yi"].to_numpy(), last.loc[got.index, "yi"].to_numpy())
    judged = {s.study_id: syrcle.judge(s.rob).judgement("assessor_blinding") for s in ds.studies}
    assert list(df["rob_assessor_blinding"]) == [judged[s] for s in df["study"]]


@pytest.mark.parametrize("measure", ["SMD", "ROM"])
def test_stratified_ratio_points_the_way_of_the_truth(ds, measure: str) -> None:  # type: ignore[no-untyped-def]
    truth = ds.truth["bias_multipliers"]["assessor_blinding"]
    assert truth == 1.3
    r = synthesis.quality_stratified(ds, "assessor_blinding", measure=measure, method="DL")
    assert (r.ratio - 1) * (truth - 1) > 0 and (r.regression_ratio - 1) * (truth - 1) > 0
    df = synthesis.effects_frame(ds, measure)
    low = (df["rob_assessor_blinding"] == "low").to_numpy()
    y, v = df["yi"].to_numpy(), df["vi"].to_numpy()
    b_low, b_other = _dl(y[low], v[low]), _dl(y[~low], v[~low])
    assert abs(r.low.b[0] - b_low) < TOL and abs(r.high_unclear.b[0] - b_other) < TOL
    assert abs(r.difference - (b_other - b_low)) < TOL
    expected_ratio = np.exp(b_other - b_low) if measure == "ROM" else b_other / b_low
    assert abs(r.ratio - expected_ratio) < TOL
    # meta-regression: weighted least squares with the fitted tau2, written out
    x = np.column_stack([np.ones(y.size), (~low).astype(float)])
    w = 1 / (v + r.regression.tau2)
    b = np.linalg.solve(x.T @ (w[:, None] * x), x.T @ (w * y))
    assert np.max(np.abs(r.regression.b - b)) < TOL
    expected = np.exp(b[1]) if measure == "ROM" else (b[0] + b[1]) / b[0]
    assert abs(r.regression_ratio - expected) < TOL


def test_fixed_effect_regression_equals_difference_of_strata(ds) -> None:  # type: ignore[no-untyped-def]
    """With one binary moderator and no tau2, the slope is exactly the difference of the stratum FE means."""
    r = synthesis.quality_stratified(ds, "blinded_outcome", measure="SMD", method="FE")
    df = synthesis.effects_frame(ds, "SMD")
    low = (df["rob_assessor_blinding"] == "low").to_numpy()
    y, v = df["yi"].to_numpy(), df["vi"].to_numpy()
    assert abs(r.regression.b[0] - _fe(y[low], v[low])) < TOL
    assert abs(r.regression.b[1] - (_fe(y[~low], v[~low]) - _fe(y[low], v[low]))) < TOL
    assert abs(r.regression.b[1] - r.difference) < TOL and abs(r.regression_ratio - r.ratio) < TOL


def test_sensitivity_excludes_studies_at_high_risk(ds) -> None:  # type: ignore[no-untyped-def]
    r = synthesis.quality_stratified(ds, measure="SMD", method="DL",
                                     sensitivity_items=["sequence_generation", "assessor_blinding"])
    high = {s.study_id for s in ds.studies
            if syrcle.judge(s.rob).any_high(("sequence_generation", "assessor_blinding"))}
    assert set(r.sensitivity.excluded_studies) == high and high
    df = synthesis.effects_frame(ds, "SMD")
    keep = ~df["study"].isin(high).to_numpy()
    y, v = df["yi"].to_numpy(), df["vi"].to_numpy()
    assert r.sensitivity.excluding_high is not None
    assert abs(r.sensitivity.excluding_high.b[0] - _dl(y[keep], v[keep])) < TOL
    assert abs(r.sensitivity.all.b[0] - _dl(y, v)) < TOL
    d = r.to_dict()
    assert d["sensitivity"]["excluding_high"]["k"] == int(keep.sum()) and d["n_studies"]["low"] > 0


def test_one_stratum_only_is_an_error(ds) -> None:  # type: ignore[no-untyped-def]
    one = ds.model_copy(update={"studies": [s for s in ds.studies if s.rob["assessor_blinding"] == "yes"]})
    with pytest.raises(ValueError, match="one stratum"):
        synthesis.quality_stratified(one)


def test_evidence_grade_follows_its_rule(ds) -> None:  # type: ignore[no-untyped-def]
    g = grade.evidence_grade(ds, {"domain": "evoked"}, method="DL")
    df = synthesis.effects_frame(ds, "SMD")
    df = df[df["domain"] == "evoked"]
    studies = list(dict.fromkeys(df["study"]))
    by_id = {s.study_id: s for s in ds.studies}
    low = np.mean([all(syrcle.judge(by_id[s].rob).judgement(i) == "low" for i in grade.KEY_ITEMS) for s in studies])
    bat = np.mean([battery.coverage(by_id[s]).required_met for s in studies])
    assert (g.k, g.n_studies) == (len(df), len(studies))
    assert g.share_low_risk == low and g.share_battery == bat
    assert abs(g.estimate - _dl(df["yi"].to_numpy(), df["vi"].to_numpy())) < TOL
    expected = {"risk of bias": int(low < 0.5), "inconsistency": 2 if g.I2 > 75 else int(g.I2 > 50),
                "imprecision": int(g.ci_low <= 0 <= g.ci_high), "indirectness": int(bat < 0.5),
                "publication bias": int(g.egger_p is not None and g.egger_p < 0.1)}
    assert {d.domain: d.points for d in g.domains} == expected
    assert g.points == 4 - sum(expected.values()) and g.level == grade.LEVELS[max(1, g.points)]
    assert g.to_dict()["level"] == g.level
    with pytest.raises(ValueError, match="no comparisons"):
        grade.evidence_grade(ds, {"domain": "no such domain"})

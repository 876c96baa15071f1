"""Tests of the simulator of preclinical evidence (painregen.simulate).

Truth is checked from first principles: group summaries against the animals drawn, replicate means against
the Emax and beta-model formulas (Bornkamp et al. 2009) within 4 standard errors, Welch p-values against
scipy, selective publication against the binomial count it implies, methods text against the CAMARADES
RegexRoB expressions (shared/data/rob).
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from painregen.evidence import models as m
from painregen.simulate import DEFAULT_CONFIG, default_dataset, simulate
from painregen.simulate import docs as sim_docs
from painregen.simulate.curves import time_course
from painregen.simulate.outcomes import draw_group, level_means, true_nmd
from painregen.simulate.publication import welch_p
from painregen.simulate.study import simulate_study
from painregen.simulate.truth import DoseResponse

ROOT = Path(__file__).parents[1]
SHARED = ROOT / ".." / "shared" / "data"


@pytest.fixture(scope="module")
def demo() -> m.Dataset:
    return default_dataset()


def _experiments(ds: m.Dataset) -> list[tuple[m.Study, m.Experiment]]:
    return [(s, e) for s in ds.studies for e in s.experiments]


def test_deterministic_for_a_seed_and_independent_of_count() -> None:
    a, b = simulate(6, seed=7), simulate(6, seed=7)
    assert a.model_dump() == b.model_dump()
    assert simulate(6, seed=8).model_dump() != a.model_dump()
    # candidate i draws from its own stream, so a smaller dataset is a prefix of a larger one
    assert simulate(3, seed=7).studies == a.studies[:3]


def test_default_dataset_is_the_documented_call(demo: m.Dataset) -> None:
    assert demo.model_dump() == simulate(40, seed=20261126).model_dump()
    assert len(demo.studies) == 40


def test_every_record_validates_and_is_simulated(demo: m.Dataset) -> None:
    again = m.Dataset.model_validate(json.loads(demo.model_dump_json()))
    assert again == demo
    assert demo.simulated is True
    for s in demo.studies:
        assert s.simulated is True
        assert s.title.startswith("[SIMULATED]")
    from painregen.evidence.terms import check_terms

    assert check_terms(demo, "simulated") == []


def test_truth_records_every_parameter(demo: m.Dataset) -> None:
    truth = demo.truth
    assert truth is not None
    assert json.loads(json.dumps(truth)) == truth  # JSON-ready
    cfg = DEFAULT_CONFIG
    assert truth["domain_effects"] == cfg.domain_effects
    assert truth["tau"] == cfg.tau and truth["tau_experiment"] == cfg.tau_experiment
    assert truth["bias_multipliers"] == cfg.rob.multipliers
    assert truth["dose_response"]["UC-MSC"]["shape"] == "betaMod"
    assert truth["dose_response"]["BM-MSC"]["ed50"] == cfg.product("BM-MSC").dose_response.ed50
    assert truth["selection"]["p_publish"] == cfg.publication.p_publish
    assert set(truth["studies"]) == {f"SIM-{i + 1:04d}" for i in range(truth["n_candidates"])}
    for s in demo.studies:
        assert truth["studies"][s.study_id]["published"] is True


def test_true_effects_follow_the_documented_model(demo: m.Dataset) -> None:
    """peak = bias * timing * (theta * efficacy + u_study + u_experiment); bias = product of the multipliers
    of every item not answered yes; treated NMD at the last time = peak * f(d_eff) * g(t_last)."""
    truth = demo.truth
    assert truth is not None
    cfg = DEFAULT_CONFIG
    for st in truth["studies"].values():
        bias = math.prod(f for item, f in cfg.rob.multipliers.items() if st["rob"][item] != "yes")
        assert st["bias_multiplier"] == pytest.approx(bias, rel=1e-12)
        for ex in st["experiments"].values():
            eff = cfg.product(ex["product"]).efficacy
            for d, theta in cfg.domain_effects.items():
                want = bias * st["timing_multiplier"] * (theta * eff + st["u_study"][d] + ex["u_experiment"][d])
                assert ex["peak_nmd"][d] == pytest.approx(want, rel=1e-12)
            for c in ex["cohorts"].values():
                if c["role"] != "treated":
                    continue
                assert c["d_eff"] == pytest.approx(c["dose"] * ex["route_potency"] / ex["species_scale"])
                g = 1 - math.exp(-(st["schedule"][-1] - ex["treated_day"]) / cfg.onset_days)
                assert c["nmd_last"]["evoked"] == pytest.approx(ex["peak_nmd"]["evoked"] * c["dose_profile"] * g)


def test_group_sizes_shams_and_shared_controls(demo: m.Dataset) -> None:
    shared = shams = dose_finding = 0
    for _, e in _experiments(demo):
        for c in e.cohorts:
            assert c.n_randomised is not None and 6 <= c.n_randomised <= 12
            assert c.n_analysed is not None and 6 <= c.n_analysed <= c.n_randomised
        assert all(6 <= o.n <= 12 for o in e.observations)
        treated = [c for c in e.cohorts if c.role == m.Role.treated]
        controls = {c.control_cohort for c in treated}
        assert all(e.cohort(cid).role == m.Role.control for cid in controls if cid)
        shared += len(treated) >= 2 and len(controls) == 1
        shams += any(c.role == m.Role.sham for c in e.cohorts)
        doses = {0.0} | {c.intervention.dose.amount for c in treated if c.intervention and c.intervention.dose}
        dose_finding += len(doses) >= 4
    assert shared > 0 and shams > 0 and dose_finding > 0


def test_group_summaries_are_those_of_the_animals_drawn() -> None:
    for index in range(4):
        r = simulate_study(index, 99, DEFAULT_CONFIG)
        for e in r.study.experiments:
            times: dict[tuple[str, str], list[float]] = {}
            for o in e.observations:
                times.setdefault((o.cohort_id, o.outcome_id), []).append(o.time_days)
            for o in e.observations:
                g = r.animals[(e.experiment_id, o.cohort_id, o.outcome_id)]
                col = g.values[:, times[(o.cohort_id, o.outcome_id)].index(o.time_days)]
                assert o.n == col.size
                assert o.average == pytest.approx(float(np.sum(col) / col.size), rel=1e-13)
                sd = math.sqrt(float(np.sum((col - col.mean()) ** 2)) / (col.size - 1))
                want = sd / math.sqrt(col.size) if o.error_type == m.ErrorType.SEM else sd
                assert o.error == pytest.approx(want, rel=1e-12)


def _replicate_mean(dr: DoseResponse, dose: float, peak: float, reps: int, n: int, seed: int) -> float:
    spec = DEFAULT_CONFIG.assay("von Frey")
    rng = np.random.default_rng(seed)
    nmd = true_nmd(peak, dr, dose, np.array([1000.0]), 0.0, DEFAULT_CONFIG.onset_days)
    means = level_means(spec, True, nmd, 0.0)
    return float(np.mean([draw_group(rng, means, spec.sd, n, 0.5, "SD").average[0] for _ in range(reps)]))


@pytest.mark.parametrize("dose", [1e5, 3e5, 1e6, 3e6])
def test_replicate_means_converge_to_the_true_emax_curve(dose: float) -> None:
    spec, peak, reps, n = DEFAULT_CONFIG.assay("von Frey"), 0.6, 3000, 8
    ed50 = 3e5
    e0 = spec.normal - spec.gap  # vehicle level when greater is better
    e_max = peak * spec.gap
    truth = e0 + e_max * dose / (ed50 + dose)
    se = spec.sd / math.sqrt(reps * n)
    assert abs(_replicate_mean(DoseResponse("emax", ed50=ed50), dose, peak, reps, n, 1) - truth) < 4 * se


@pytest.mark.parametrize("dose", [1e5, 1.5e6, 3e6])
def test_replicate_means_converge_to_the_true_umbrella_curve(dose: float) -> None:
    spec, peak, reps, n = DEFAULT_CONFIG.assay("von Frey"), 0.6, 3000, 8
    d1, d2, scal = 0.6, 1.4, 5e6
    b = (d1 + d2) ** (d1 + d2) / (d1**d1 * d2**d2)
    truth = spec.normal - spec.gap + peak * spec.gap * b * (dose / scal) ** d1 * (1 - dose / scal) ** d2
    se = spec.sd / math.sqrt(reps * n)
    dr = DoseResponse("betaMod", delta1=d1, delta2=d2, scal=scal)
    assert abs(_replicate_mean(dr, dose, peak, reps, n, 2) - truth) < 4 * se


def test_effect_builds_over_time() -> None:
    g = time_course([0.0, 3.0, 7.0, 28.0], 2.0, 5.0)
    assert g[0] == 0.0
    assert g[1] == pytest.approx(1 - math.exp(-1 / 5))
    assert g[3] == pytest.approx(1 - math.exp(-26 / 5))
    assert np.all(np.diff(g) > 0)


def test_welch_p_matches_scipy() -> None:
    got = welch_p(10.2, 2.5, 8, 7.1, 3.9, 11)
    want = stats.ttest_ind_from_stats(10.2, 2.5, 8, 7.1, 3.9, 11, equal_var=False).pvalue
    assert got == pytest.approx(want, rel=1e-12)


def _primary_p(study: m.Study, primary: dict) -> float:
    e = study.experiments[0]

    def last(cohort_id: str) -> tuple[float, float, int]:
        o = max((o for o in e.observations if o.cohort_id == cohort_id and o.outcome_id == primary["outcome"]),
                key=lambda o: o.time_days)
        assert o.error is not None
        sd = o.error * math.sqrt(o.n) if o.error_type == m.ErrorType.SEM else o.error
        return o.average, sd, o.n

    return welch_p(*last(primary["cohort"]), *last("vehicle"))


def test_published_primary_p_values_are_recomputable(demo: m.Dataset) -> None:
    assert demo.truth is not None
    for s in demo.studies:
        primary = demo.truth["studies"][s.study_id]["primary"]
        assert _primary_p(s, primary) == pytest.approx(primary["p_value"], rel=1e-9, abs=1e-300)


def test_selective_publication_drops_a_known_proportion() -> None:
    null = dataclasses.replace(DEFAULT_CONFIG, domain_effects={k: 0.0 for k in DEFAULT_CONFIG.domain_effects},
                               tau=0.0, tau_experiment=0.0)
    ds = simulate(60, seed=3, config=null)
    truth = ds.truth
    assert truth is not None
    sel, studies = truth["selection"], truth["studies"]
    published = {s.study_id for s in ds.studies}
    assert sel["n_suppressed"] == len(sel["suppressed"]) == truth["n_candidates"] - 60
    assert published.isdisjoint(sel["suppressed"]) and len(published) + sel["n_suppressed"] == len(studies)
    assert all(not studies[i]["primary"]["significant"] for i in sel["suppressed"])
    # under no effect almost every study is not significant; each is kept with probability p_publish
    nonsig = [v for v in studies.values() if not v["primary"]["significant"]]
    k, p = len(nonsig), null.publication.p_publish
    kept = sum(v["published"] for v in nonsig)
    assert abs(kept - k * p) < 4 * math.sqrt(k * p * (1 - p))
    strict = simulate(10, seed=3, config=dataclasses.replace(
        DEFAULT_CONFIG, publication=dataclasses.replace(DEFAULT_CONFIG.publication, p_publish=0.0)))
    assert strict.truth is not None
    assert all(strict.truth["studies"][s.study_id]["primary"]["significant"] for s in strict.studies)


def _rob_regex(name: str) -> re.Pattern[str]:
    path = SHARED / "rob" / "camarades_RegexRoB_Preclinical_RoB_regex.csv"
    if not path.exists():
        pytest.skip("shared RegexRoB data not available")
    with path.open(encoding="utf-8") as f:
        pattern = next(r["Regex"] for r in csv.DictReader(f) if r["Name"] == name)
    # Python's re lacks \P{M} (not a combining mark); the accents block stands in for it
    return re.compile(pattern.replace(r"\P{M}", "[^\u0300-\u036f]"), re.IGNORECASE)


def test_methods_text_mentions_randomisation_and_blinding_exactly_when_rob_says(demo: m.Dataset) -> None:
    randomised, blinded = _rob_regex("Randomisation"), _rob_regex("Blinded Outcome")
    seen = set()
    for s in demo.studies:
        text = s.methods_text or ""
        rand, blind = s.rob["sequence_generation"] == "yes", s.rob["assessor_blinding"] == "yes"
        seen.add((rand, blind))
        assert ("random" in text.lower()) is rand and bool(randomised.search(text)) is rand
        assert ("blind" in text.lower()) is blind and bool(blinded.search(text)) is blind
        err = demo.truth["studies"][s.study_id]["error_type"] if demo.truth else ""
        assert f"mean ± {err}" in text
    assert {True, False} <= {r for r, _ in seen} and {True, False} <= {b for _, b in seen}


def test_outcome_battery_directions_and_domains(demo: m.Dataset) -> None:
    by_label = {o.outcome_id: o for _, e in _experiments(demo) for o in e.outcomes}
    assert by_label["von Frey filaments"].greater_is_better is True
    assert by_label["von Frey filaments"].unit == "g"
    grimace = [o for k, o in by_label.items() if "grimace" in k]
    assert grimace and all(not o.greater_is_better for o in grimace)
    domains = {o.domain for o in by_label.values()}
    assert {m.Domain.evoked, m.Domain.spontaneous, m.Domain.motor, m.Domain.structural} <= domains
    assert DEFAULT_CONFIG.domain_effects["evoked"] > DEFAULT_CONFIG.domain_effects["spontaneous"]
    assert DEFAULT_CONFIG.domain_effects["evoked"] > DEFAULT_CONFIG.domain_effects["affective"]


def test_adverse_events_and_mechanisms(demo: m.Dataset) -> None:
    from painregen.evidence.vocab import get_vocabulary

    ev = get_vocabulary("product").resolve("MSC-EV").curie
    resp = get_vocabulary("adverse_event").resolve("respiratory compromise").curie
    iv = get_vocabulary("route").resolve("intravenous").curie
    kinds = []
    for _, e in _experiments(demo):
        for ae in e.adverse_events:
            c = e.cohort(ae.cohort_id)
            assert c.intervention is not None and c.intervention.product != ev
            kinds.append((ae.kind, ae.route))
        kinds_e = [k for c in e.mechanisms for k in c.evidence]
        assert all(c.evidence[0] == m.EvidenceKind.expression for c in e.mechanisms) or not kinds_e
    assert (resp, iv) in kinds
    claims = [c for _, e in _experiments(demo) for c in e.mechanisms]
    lof = sum(m.EvidenceKind.loss_of_function in c.evidence for c in claims)
    only_expression = sum(c.evidence == [m.EvidenceKind.expression] for c in claims)
    assert 0 < lof < only_expression


def test_docs_table_is_generated_from_the_defaults() -> None:
    text = (ROOT / "docs" / "simulator.md").read_text(encoding="utf-8")
    block = text.split(sim_docs.BEGIN, 1)[1].split(sim_docs.END, 1)[0]
    assert block.strip() == sim_docs.parameter_tables().strip()

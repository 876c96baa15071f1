"""Appraisal instruments as registry entries, and their judgements on fixed answer sets.

Expected judgements follow the instruments' own rules: SYRCLE (Hooijmans et al. 2014) "yes" = low, "no" = high,
"unclear" = unclear risk, per item, no summary score; ARRIVE 2.0 sub-items reported / not reported / not
applicable; CAMARADES one point per item met.
"""

from __future__ import annotations

import pytest

from painregen.appraise import arrive, camarades, catalogue, syrcle
from painregen.evidence import models as m

SIMULATOR_KEYS = ["sequence_generation", "baseline_characteristics", "allocation_concealment", "random_housing",
                  "caregiver_blinding", "random_outcome_assessment", "assessor_blinding", "incomplete_outcome_data",
                  "selective_reporting", "other_bias"]


def test_builtins_are_registered_with_the_papers_structure() -> None:
    assert catalogue.instrument_ids()[:3] == ["syrcle", "arrive", "camarades"]
    s = catalogue.get_instrument("SYRCLE")
    assert [i.id for i in s.items] == SIMULATOR_KEYS
    assert [i.number for i in s.items] == list(range(1, 11))
    assert [i.bias for i in s.items] == ["selection bias"] * 3 + ["performance bias"] * 2 + \
        ["detection bias"] * 2 + ["attrition bias", "reporting bias", "other"]
    assert s.answers == ("yes", "no", "unclear") and not s.summary_score
    a = catalogue.get_instrument("arrive")
    assert [i.number for i in a.items] == list(range(1, 22))
    assert sum(i.set == "essential" for i in a.items) == 10 and sum(i.set == "recommended" for i in a.items) == 11
    assert sum(len(i.subitems) for i in a.items) == 38
    assert len(catalogue.get_instrument("camarades").items) == 9


def test_keys_answers_and_aliases_normalise() -> None:
    s = catalogue.get_instrument("syrcle")
    assert s.resolve_key("Random sequence") == "sequence_generation"
    assert s.resolve_key("blinded_outcome.q2") == "assessor_blinding.q2"
    assert s.answer("YES") == "yes" and s.answer("?") == "unclear"
    with pytest.raises(ValueError, match="yes, no, unclear"):
        s.answer("maybe")
    with pytest.raises(KeyError):
        s.resolve_key("sequence_generation.q9")
    a = catalogue.get_instrument("arrive")
    assert (a.resolve_key("2B"), a.resolve_key("sample size"), a.answer("Not reported"), a.answer("n/a")) == \
        ("2b", "sample_size", "not_reported", "not_applicable")


def test_an_extension_registers_like_a_builtin() -> None:
    yaml_text = """
id: mini
name: A two-item checklist
citation: painregen test
kind: quality_score
answers: ["yes", "no"]
judgements: [met, not_met]
judgement_of_answer: {"yes": met, "no": not_met}
judgement_rule: one point per yes
items:
  - {id: a, number: 1, name: Item A}
  - {id: b, number: 2, name: Item B, aliases: [bee]}
"""
    inst = catalogue.load_instrument(yaml_text)
    catalogue.register_instrument(inst)
    try:
        assert catalogue.get_instrument("mini").item("Bee").id == "b"
        with pytest.raises(ValueError, match="already registered"):
            catalogue.register_instrument(inst)
    finally:
        catalogue._REGISTRY.pop("mini")
    with pytest.raises(ValueError, match="unknown questions"):
        catalogue.load_instrument(yaml_text.replace("{id: a, number: 1, name: Item A}",
                                                    "{id: a, number: 1, name: A, signalling: [{id: q1, text: t}], "
                                                    "paths: [[q2]]}"))


def test_syrcle_item_answers_map_one_to_one() -> None:
    answers = dict(zip(SIMULATOR_KEYS, ["yes", "no", "unclear"] * 3 + ["yes"], strict=True))
    a = syrcle.judge(answers)
    assert [j.judgement for j in a.items] == ["low", "high", "unclear"] * 3 + ["low"]
    assert a.counts() == {"low": 4, "unclear": 3, "high": 3, "not_assessed": 0}
    assert a.any_high() and not a.any_high(("sequence_generation", "allocation_concealment"))


def test_syrcle_signalling_paths() -> None:
    a = syrcle.judge({
        # one path, all yes -> low; any no -> high; otherwise unclear
        "other_bias.q1": "yes", "other_bias.q2": "yes", "other_bias.q3": "yes", "other_bias.q4": "yes",
        "other_bias.q5": "yes",
        "allocation_concealment.q1": "no",
        # two alternative paths [q1], [q2]: q1 no but q2 yes -> low
        "assessor_blinding.q1": "no", "assessor_blinding.q2": "yes",
        # [q1], [q2]: both no -> high
        "selective_reporting.q1": "no", "selective_reporting.q2": "no",
        # [q1], [q2]: no and unclear -> unclear
        "random_housing.q1": "no", "random_housing.q2": "unclear",
        # [q1, q3], [q2, q3]: q1 yes but q3 missing (counts as unclear) -> unclear
        "baseline_characteristics.q1": "yes",
        # [q1], [q2, q3]: q1 no, q2 yes, q3 no -> high
        "incomplete_outcome_data.q1": "no", "incomplete_outcome_data.q2": "yes", "incomplete_outcome_data.q3": "no",
        # a direct answer wins over the signalling answers of the same item
        "sequence_generation": "unclear", "sequence_generation.q1": "yes",
    })
    assert a.judgements() == {
        "sequence_generation": "unclear", "baseline_characteristics": "unclear", "allocation_concealment": "high",
        "random_housing": "unclear", "caregiver_blinding": "not_assessed", "random_outcome_assessment": "not_assessed",
        "assessor_blinding": "low", "incomplete_outcome_data": "high", "selective_reporting": "high",
        "other_bias": "low",
    }
    assert "path [q2]" in next(j.reason for j in a.items if j.item == "assessor_blinding")


def test_syrcle_unknown_keys() -> None:
    a = syrcle.judge({"random_sequence": "yes", "funding_source": "public"})
    assert a.judgement("sequence_generation") == "low" and a.ignored == ("funding_source",)
    with pytest.raises(KeyError):
        syrcle.judge({"funding_source": "public"}, strict=True)
    assert syrcle.judge({}).counts()["not_assessed"] == 10


def test_arrive_compliance() -> None:
    answers = {
        "study_design": "reported",                     # both sub-items reported -> reported
        "sample_size": "reported", "2b": "not_reported",  # sub-item answer overrides the item answer -> partial
        "3a": "not_reported", "3b": "not_reported", "3c": "not_reported",  # -> not reported
        "4a": "reported", "4b": "not_applicable",        # n/a sub-item leaves the denominator -> reported
        "5": "reported",
        "6a": "reported",                                # 6b not answered -> partial, 6b not counted
        "abstract": "reported", "protocol_registration": "not_applicable", "21a": "reported", "21b": "not_reported",
    }
    c = arrive.compliance(answers)
    status = {i.item: i.status for i in c.items}
    assert status["study_design"] == "reported" and status["sample_size"] == "partially_reported"
    assert status["inclusion_exclusion"] == "not_reported" and status["randomisation"] == "reported"
    assert status["outcome_measures"] == "partially_reported" and status["results"] == "not_assessed"
    assert status["protocol_registration"] == "not_applicable"
    assert status["declaration_of_interests"] == "partially_reported"
    # essential sub-items: reported 1a 1b 2a 4a 5 6a = 6; applicable answered: + 2b 3a 3b 3c = 10
    assert (c.essential.subitems_reported, c.essential.subitems_applicable) == (6, 10)
    assert c.essential.fraction == pytest.approx(0.6, abs=0) and c.essential.items["reported"] == 3
    assert (c.recommended.subitems_reported, c.recommended.subitems_applicable) == (2, 3)
    assert c.overall.fraction == 8 / 13
    assert arrive.compliance({}).essential.fraction is None


def _study(**kw: object) -> m.Study:
    exp = m.Experiment(experiment_id="E1", cohorts=[
        m.Cohort(cohort_id="veh", role="control"), m.Cohort(cohort_id="msc", role="treated")])
    return m.Study(study_id="S1", title="t", experiments=[exp], **kw)  # type: ignore[arg-type]


def test_camarades_score_from_syrcle_arrive_and_study_fields() -> None:
    s = _study(journal="Pain", conflicts="none declared", rob={"sequence_generation": "yes",
               "allocation_concealment": "no", "assessor_blinding": "yes"},
               arrive={"2b": "reported", "ethical_statement": "not_reported"},
               methods_text="Body temperature was maintained at 37 °C with a heating pad.")
    c = camarades.score(s)
    assert c.answers() == {"peer_review": "yes", "temperature_control": None, "randomisation": "yes",
                           "allocation_concealment": "no", "blinded_assessment": "yes",
                           "sample_size_calculation": "yes", "welfare_compliance": "no",
                           "conflict_of_interest": "yes", "appropriate_control": "yes"}
    assert (c.score, c.max_score) == (6, 9)
    assert camarades.score(s, use_text=True).score == 7
    explicit = s.model_copy(update={"annotations": {"camarades.peer_review": "no", "camarades.temperature": "yes"}})
    e = camarades.score(explicit)
    assert (e.answers()["peer_review"], e.answers()["temperature_control"], e.score) == ("no", "yes", 6)
    assert camarades.score(m.Study(study_id="S2", title="t")).score == 0

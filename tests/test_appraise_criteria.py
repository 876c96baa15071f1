"""The review's own criteria on hand-built records: battery coverage (3.3.1, 5.4), mechanistic evidence grades
(5.2.1) and the evidence map, translational flags (Table 1, 4.1, 4.3), and the risk-of-bias figures."""

from __future__ import annotations

from itertools import combinations

import pytest
from matplotlib.colors import to_rgba

from painregen.appraise import battery, flags, mechanism, plots, syrcle
from painregen.evidence import models as m


def _outcome(oid: str, domain: str | None = None, assay: str | None = None) -> m.OutcomeMeasure:
    return m.OutcomeMeasure(outcome_id=oid, domain=domain, assay=assay, greater_is_better=True)  # type: ignore[arg-type]


def test_battery_coverage_of_experiments_and_studies() -> None:
    evoked = m.Experiment(experiment_id="E1", outcomes=[_outcome("PWT", "evoked"), _outcome("PWL", "evoked"),
                                                        _outcome("BBB", "motor")])
    c = battery.coverage(evoked)
    assert c.evoked_only and not c.required_met and not c.complete and c.flag == battery.OVERESTIMATION
    assert c.missing == ("spontaneous", "affective") and dict(c.counts) == {"evoked": 2, "motor": 1}
    # domain from the assay vocabulary when the outcome has none; unmapped outcomes are listed
    more = m.Experiment(experiment_id="E2", outcomes=[_outcome("grimace", assay="PRG:assay-rgs"), _outcome("x")])
    c2 = battery.coverage(more)
    assert dict(c2.counts) == {"spontaneous": 1} and c2.unmapped == ("x",) and not c2.evoked_only
    study = m.Study(study_id="S", title="t", experiments=[evoked, more])
    cs = battery.coverage(study)
    assert cs.required_met and not cs.complete and not cs.evoked_only and cs.missing == ("affective",)
    full = m.Experiment(experiment_id="E3", outcomes=[_outcome("a", "evoked"), _outcome("b", "spontaneous"),
                                                      _outcome("c", "affective")])
    assert battery.coverage(full).complete and battery.coverage(full).flag is None
    none = battery.coverage(m.Experiment(experiment_id="E4", outcomes=[_outcome("OARSI", "structural")]))
    assert not none.evoked_only and none.missing == ("evoked", "spontaneous", "affective")


KINDS = ("activity", "loss_of_function", "time_resolved", "compartment_resolved")


def _expected_rank(shown: set[str]) -> int:
    if "loss_of_function" not in shown:
        return 2 if "activity" in shown else 1
    return 5 if "compartment_resolved" in shown else 4 if "time_resolved" in shown else 3


@pytest.mark.parametrize("shown", [set(c) for r in range(5) for c in combinations(KINDS, r)])
def test_mechanism_grade_for_every_combination(shown: set[str]) -> None:
    claim = m.MechanismClaim(pathway="PRG:pathway-erk", pillar="trophic_support",  # type: ignore[arg-type]
                             evidence=["expression", *sorted(shown)])  # type: ignore[list-item]
    g = mechanism.grade(claim)
    assert g.rank == _expected_rank(shown) and g.grade == mechanism.GRADES[g.rank - 1]
    assert dict(g.criteria) == {"activity": "activity" in shown, "loss_of_function": "loss_of_function" in shown,
                                "temporal": "time_resolved" in shown, "compartment": "compartment_resolved" in shown}
    assert g.causal == ("loss_of_function" in shown)


def _claims_study(sid: str, *claims: tuple[str, str, list[str]]) -> m.Study:
    mech = [m.MechanismClaim(pathway=p, pillar=pil, evidence=ev) for p, pil, ev in claims]  # type: ignore[arg-type]
    return m.Study(study_id=sid, title=sid, experiments=[m.Experiment(experiment_id="E1", mechanisms=mech)])


def test_evidence_map_separates_robust_from_speculative() -> None:
    nfkb, erk, vegf = "PRG:pathway-nfkb", "PRG:pathway-erk", "PRG:pathway-vegf"
    ds = m.Dataset(studies=[
        _claims_study("A", (nfkb, "immunomodulation", ["loss_of_function"]), (erk, "trophic_support", ["expression"])),
        _claims_study("B", (nfkb, "immunomodulation", ["loss_of_function", "compartment_resolved"]),
                      (vegf, "vascular_ecm_remodelling", ["activity", "loss_of_function", "time_resolved"])),
        _claims_study("C", (erk, "trophic_support", ["activity"]), (erk, "trophic_support", ["expression"])),
    ])
    emap = mechanism.evidence_map(ds)
    row = emap.loc[(nfkb, "immunomodulation")]
    assert (row["n_claims"], row["n_studies"], row["causal"], row["causal, compartment-resolved"]) == (2, 2, 1, 1)
    assert (row["best_grade"], row["status"]) == ("causal, compartment-resolved", "robust")
    erk_row = emap.loc[(erk, "trophic_support")]
    assert (erk_row["correlative"], erk_row["activity-confirmed"], erk_row["status"]) == (2, 1, "speculative")
    assert emap.loc[(vegf, "vascular_ecm_remodelling")]["status"] == "supported"
    assert list(emap.index.get_level_values("pillar")) == ["immunomodulation", "trophic_support",
                                                           "vascular_ecm_remodelling"]
    assert mechanism.evidence_map(m.Dataset()).empty


def _flag_study(**kw: object) -> m.Study:
    def cohort(cid: str, role: str, product: str, amount: float | None, route: str = "PRG:route-it") -> m.Cohort:
        dose = m.Dose(amount=amount, unit="cells") if amount else None
        inter = m.Intervention(product=product, route=route, dose=dose, timing_days=7.0)
        return m.Cohort(cohort_id=cid, role=role, intervention=inter)  # type: ignore[arg-type]

    def obs(cid: str, t: float) -> m.Observation:
        return m.Observation(cohort_id=cid, outcome_id="PWT", time_days=t, average=1.0, error=0.1, error_type="SD",
                             n=8)  # type: ignore[arg-type]

    exp = m.Experiment(
        experiment_id="E1", species="NCBITaxon:10116", sex="male", model="PRG:model-cci",  # type: ignore[arg-type]
        cohorts=[cohort("veh", "control", "PRG:product-vehicle", None),
                 cohort("ipsc", "treated", "PRG:product-ipsc-derived", 1e6),
                 cohort("msc", "treated", "CL:0002540", 1e6, route="PRG:route-iv"),
                 cohort("msc2", "treated", "CL:0002540", 3e6, route="PRG:route-iv")],
        outcomes=[_outcome("PWT", "evoked")], observations=[obs("veh", 14.0), obs("ipsc", 14.0), obs("msc", 14.0)],
        adverse_events=[m.AdverseEvent(kind="PRG:ae-respiratory-compromise", cohort_id="msc", n_events=0,
                                       n_at_risk=8, route="PRG:route-iv")],
    )
    return m.Study(study_id="S1", title="t", experiments=[exp], **kw)  # type: ignore[arg-type]


def test_translational_flags_on_a_hand_built_study() -> None:
    got = flags.translational_flags(_flag_study())
    codes = [(f.code, f.severity) for f in got]
    assert codes == [
        ("model_gap", "info"), ("cell_risk_tier", "warning"), ("cell_risk_tier", "info"),
        ("route_safety_not_reported", "warning"), ("single_dose", "warning"), ("two_doses", "info"),
        ("no_sample_size_justification", "warning"), ("single_sex", "warning"), ("single_timepoint", "warning"),
        ("short_follow_up", "warning"), ("no_large_animal", "info"),
    ]
    by = {f.code: f for f in reversed(got)}  # the first flag of each code
    assert by["model_gap"].message.startswith("chronic constriction injury: spontaneous (ongoing) pain")
    assert by["cell_risk_tier"].detail["tier"] == "pluripotent" and by["cell_risk_tier"].detail["rank"] == 1
    route = by["route_safety_not_reported"]  # intrathecal iPSC cohort: no adverse event; the IV route has one
    assert route.detail["route"] == "PRG:route-it" and "aseptic meningitis-like reaction" in route.detail["monitoring"]
    assert by["short_follow_up"].detail["follow_up_days"] == 7.0


def test_flags_clear_when_the_design_is_good() -> None:
    s = _flag_study(arrive={"2b": "reported"})
    e = s.experiments[0]
    big = e.model_copy(update={"experiment_id": "E2", "species": "NCBITaxon:9823", "sex": m.Sex.mixed,
                               "observations": [o.model_copy(update={"time_days": t}) for o in e.observations
                                                for t in (14.0, 42.0)]})
    s2 = s.model_copy(update={"experiments": [big]})
    codes = {f.code for f in flags.translational_flags(s2)}
    assert not codes & {"no_sample_size_justification", "single_sex", "single_timepoint", "short_follow_up",
                        "no_large_animal"}
    female = big.model_copy(update={"sex": m.Sex.female})
    assert "single_sex" not in {f.code for f in flags.translational_flags(s.model_copy(update={
        "experiments": [e, female]}))}  # male and female experiments together: both sexes
    assert "single_sex" in {f.code for f in flags.translational_flags(s.model_copy(update={"experiments": [female]}))}


def test_summary_table_keeps_every_item_and_weights() -> None:
    a = {"S1": syrcle.judge({"sequence_generation": "yes", "assessor_blinding": "no"}),
         "S2": syrcle.judge({"sequence_generation": "no"})}
    t = plots.summary_table(a, {"S1": 3.0, "S2": 1.0})
    assert list(t.index) == [i.item for i in a["S1"].items] and list(t.columns) == list(syrcle.JUDGEMENTS)
    assert t.loc["sequence_generation"].to_dict() == {"low": 0.75, "unclear": 0.0, "high": 0.25, "not_assessed": 0.0}
    assert t.loc["assessor_blinding"].to_dict() == {"low": 0.0, "unclear": 0.0, "high": 0.75, "not_assessed": 0.25}
    assert t.loc["random_housing", "not_assessed"] == 1.0 and (t.sum(axis=1) == 1.0).all()
    with pytest.raises(ValueError):
        plots.summary_table(a, {"S1": -1.0, "S2": 1.0})


def test_figures_draw_every_item() -> None:
    a = {"S1": syrcle.judge({"sequence_generation": "yes"}), "S2": syrcle.judge({})}
    fig = plots.traffic_light(a)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == [f"D{i}" for i in range(1, 11)]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["S1", "S2"]
    discs = ax.collections[0]  # one disc per study and item, "not assessed" included, coloured by judgement
    judged = [j for s in ("S1", "S2") for j in a[s].judgements().values()]
    assert len(discs.get_offsets()) == 20 and judged.count("low") == 1
    assert [tuple(c) for c in discs.get_facecolors()] == [to_rgba(plots.COLOURS[j]) for j in judged]
    marks = ax.collections[1:]  # a symbol on every disc that has one (not on "not assessed")
    assert sum(len(c.get_offsets()) for c in marks) == sum(1 for j in judged if plots.SYMBOLS[j])
    bars = plots.summary_bars(a)
    assert len(bars.axes[0].get_yticklabels()) == 10 and len(bars.axes[0].patches) == 40

"""Tests of the knowledge base: the review's numbers, cross-references into the vocabularies, and the CLI."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from painregen import kb
from painregen.cli import kb_cmd
from painregen.evidence.vocab import get_vocabulary, vocabulary_names

CURIE = re.compile(r"^(?:CL|UBERON|RS|GO|NCBITaxon|MGI|PATO|PRG|HGNC\.symbol):\S+$")
NAMES = ["models", "example_studies", "dose_windows", "evaluation_framework", "battery", "risk_tiers",
         "route_safety", "mechanistic_checklist", "pillars"]


def _strings(obj: Any) -> Iterator[str]:
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v)


def _study(study_id: str) -> dict[str, Any]:
    studies = kb.load("example_studies")
    assert isinstance(studies, list)
    return next(s for s in studies if s["id"] == study_id)


def _window(window_id: str) -> kb.DoseWindow:
    return next(w for w in kb.dose_windows() if w.id == window_id)


def _codes(vocabulary: str) -> set[str]:
    return {t.extra["code"] for t in get_vocabulary(vocabulary)}


def test_names_and_load() -> None:
    assert kb.names() == NAMES
    for name in NAMES:
        assert isinstance(kb.load(name), dict if name in {"battery", "route_safety", "mechanistic_checklist"}
                          else list)
    with pytest.raises(ValueError, match="available: models"):
        kb.load("model")


def test_load_returns_a_fresh_copy() -> None:
    first = kb.load("models")
    assert isinstance(first, list)
    first.clear()
    assert len(kb.load("models")) == 4


def test_every_curie_in_the_kb_resolves_in_a_vocabulary() -> None:
    known = {t.curie for n in vocabulary_names() for t in get_vocabulary(n)}
    found = {s for name in NAMES for s in _strings(kb.load(name)) if CURIE.match(s)}
    assert found - known == set()
    assert len(found) > 150


def test_table1_models_link_to_the_model_vocabulary() -> None:
    rows = kb.load("models")
    assert isinstance(rows, list)
    models, assays = get_vocabulary("model"), get_vocabulary("assay")
    listed = {c for r in rows for c in r["models"]}
    assert listed == {"PRG:model-cci", "PRG:model-sni", "PRG:model-sci-contusion", "PRG:model-sci-compression",
                      "PRG:model-sci-transection", "PRG:model-idd-puncture", "PRG:model-idd-chabc",
                      "PRG:model-oa-dmm", "PRG:model-oa-mia"}
    for row in rows:
        for curie in row["models"]:
            term = models.get(curie)
            assert term.extra["category"] == row["category"]
            assert term.extra["source"] == "review Table 1"
        for curie in row["typical_assays"]:
            assays.get(curie)
    assert {t.curie for t in models if t.extra["source"] == "review Table 1"} == listed


def test_table2_studies_as_the_review_gives_them() -> None:
    cci = _study("table2-cci-hafmsc")
    assert (cci["model"], cci["strain"], cci["route"]) == ("PRG:model-cci", "RS:0000681", "PRG:route-iv")
    assert cci["interventions"][0]["product"] == "CL:0002639"
    assert cci["dose"]["amount"] == 5e5 and cci["dose"]["administrations"] == 3 and cci["dose"]["interval_days"] == 1
    psnl = _study("table2-psnl-admsc-ucmsc")
    assert [i["product"] for i in psnl["interventions"]] == ["CL:0002570", "CL:0002569"]
    assert psnl["dose"]["amount"] == 1e6 and psnl["dose"]["administrations"] == 1
    assert psnl["timing_days_after_injury"] == 4
    snl = _study("table2-snl-rmsc")
    assert snl["route"] == "PRG:route-it" and snl["dose"]["amount"] == 1e5 and snl["dose"]["volume_ul"] == 10
    assert snl["timing_days_after_injury"] == 7
    mia = _study("table2-mia-bmsc-exo")
    assert mia["route"] == "PRG:route-intra-articular" and mia["sex"] == "PATO:0000384"
    assert (mia["dose"]["amount"], mia["dose"]["unit"], mia["dose"]["volume_ul"]) == (40, "ug", 100)
    assert (mia["dose"]["administrations"], mia["dose"]["interval_days"]) == (6, 7)
    assays = get_vocabulary("assay")
    for sid in ("table2-cci-hafmsc", "table2-psnl-admsc-ucmsc", "table2-snl-rmsc", "table2-mia-bmsc-exo"):
        study = _study(sid)
        assert "outcomes" not in study and all("value" not in e for e in study["endpoints"])
        for endpoint in study["endpoints"]:
            assays.get(endpoint["assay"])
    assert [e["assay"] for e in mia["endpoints"]][:2] == ["PRG:assay-von-frey", "PRG:assay-hargreaves"]


def test_table3_doses_are_the_reviews_numbers() -> None:
    tnbs = _window("hbmmsc-tnbs-guinea-pig")
    assert tnbs.doses == (1e5, 1e6, 3e6) and tnbs.dose_unit == "cells" and tnbs.pattern == "plateau"
    assert (tnbs.med, tnbs.saturation) == (1e6, 1e6)
    assert tnbs.model == "PRG:model-tnbs-colitis" and tnbs.product == "CL:0002540"
    ahmnc = _window("ahmnc-sci-rodent")
    assert ahmnc.doses == (3e5, 1e6, 3e6) and (ahmnc.med, ahmnc.saturation) == (1e6, 1e6)
    cd34 = _window("cd34-allo-hct")
    assert cd34.doses == (2.5e6, 7.5e6) and cd34.dose_basis == "per_kg" and cd34.setting == "clinical"
    assert cd34.pattern == "benefit_risk_tradeoff" and cd34.saturation is None
    trials = _window("msc-iv-trial-landscape")
    assert trials.doses == () and trials.pattern == "narrow_window"
    atg = _window("atg-allo-hct")
    assert atg.doses == (6.0, 7.5, 9.0) and atg.dose_unit == "mg" and atg.product is None
    raw = kb.load("dose_windows")
    assert isinstance(raw, list)
    for row in raw:
        assert [r["dose"] for r in row["responses"]] == row["doses"] or row["responses"] == []
        assert row["pattern"] in {"plateau", "narrow_window", "benefit_risk_tradeoff"}


def test_table4_evaluation_framework() -> None:
    rows = kb.load("evaluation_framework")
    assert isinstance(rows, list)
    assert [r["domain"] for r in rows] == ["pain behaviour assessment", "molecular and histological markers",
                                           "imaging analysis", "data reporting and collaboration"]
    domains = _codes("domain")
    for row in rows:
        assert set(row["outcome_domains"]) <= domains
        assert row["gaps"] and row["proposed_elements"] and row["goal"]


def test_battery_requirements_and_example_assays() -> None:
    reqs = kb.battery_requirements()
    assert [(r.domain, r.min_count, r.required) for r in reqs] == [
        ("evoked", 1, True), ("spontaneous", 1, True), ("affective", 1, False)]
    assays = get_vocabulary("assay")
    for req in reqs:
        assert req.example_assays
        assert {assays.get(a).extra["domain"] for a in req.example_assays} == {req.domain}
    battery = kb.load("battery")
    assert isinstance(battery, dict)
    assert [assays.get(a).extra["domain"] for a in battery["example_battery"]] == ["evoked", "spontaneous",
                                                                                    "spontaneous"]
    caveats = {a: c["caveat"] for c in battery["caveats"] for a in c["assays"]}
    assert "sickness" in caveats["PRG:assay-rgs"]
    assert "learning and memory" in caveats["PRG:assay-cpp"]
    assert "strain" in caveats["PRG:assay-burrowing"] and "motor" in caveats["PRG:assay-burrowing"]


def test_risk_tiers_cover_every_product_once() -> None:
    tiers = kb.risk_tiers()
    assert [(t.key, t.rank) for t in tiers] == [("pluripotent", 1), ("neural_stem", 2), ("adult_somatic", 3),
                                                ("acellular", 4), ("none", 5)]
    products = get_vocabulary("product")
    placed = [p for t in tiers for p in t.products]
    assert sorted(placed) == sorted(t.curie for t in products)
    for tier in tiers:
        for curie in tier.products:
            assert products.get(curie).extra["risk_tier"] == tier.key


def test_route_safety_matches_the_route_vocabulary() -> None:
    data = kb.load("route_safety")
    assert isinstance(data, dict)
    routes = get_vocabulary("route")
    placed = [r for c in data["classes"] for r in c["routes"]]
    assert sorted(placed) == sorted(t.curie for t in routes)
    for cls in data["classes"]:
        codes = {i["code"] for i in cls["items"]}
        for curie in cls["routes"]:
            term = routes.get(curie)
            assert term.extra["class"] == cls["class"]
            assert {i.split(":")[0] for i in term.extra["safety_monitoring"].split("|")} <= codes
    from_review = {c["class"]: {i["code"] for i in c["items"] if i["from_review"]} for c in data["classes"]}
    assert from_review == {
        "systemic": {"infusion_reaction", "pulmonary_embolism", "spo2", "respiratory_rate", "haemodynamics"},
        "neuraxial": {"neuroinflammation", "meningitis_like", "pdph"},
        "joint/disc": {"synovitis", "infection"},
        "local": set(),
    }
    assert kb.route_monitoring("joint/disc") == [("synovitis", "local synovitis"), ("infection", "local infection")]
    with pytest.raises(ValueError):
        kb.route_monitoring("oral")


def test_mechanistic_checklist() -> None:
    criteria = kb.mechanistic_criteria()
    assert [c.id for c in criteria] == ["activity", "loss_of_function", "temporal", "compartment"]
    assert [c.evidence_kind for c in criteria] == ["activity", "loss_of_function", "time_resolved",
                                                   "compartment_resolved"]
    assert {c.evidence_kind for c in criteria} | {"expression"} == _codes("mechanistic_evidence")


def test_pillars_partition_the_pathways() -> None:
    pillars = kb.load("pillars")
    assert isinstance(pillars, list)
    assert [p["key"] for p in pillars] == ["immunomodulation", "inflammatory_cell_death", "trophic_support",
                                           "vascular_ecm_remodelling"]
    pathways, markers, pillar_vocab = get_vocabulary("pathway"), get_vocabulary("marker"), get_vocabulary("pillar")
    assert sorted(c for p in pillars for c in p["pathways"]) == sorted(t.curie for t in pathways)
    for p in pillars:
        assert pillar_vocab.get(p["curie"]).extra["code"] == p["key"]
        assert {pathways.get(c).extra["pillar"] for c in p["pathways"]} == {p["key"]}
        assert {markers.get(c).extra["pillar"] for c in p["markers"]} == {p["key"]} or p["key"] == "trophic_support"
    trophic = next(p for p in pillars if p["key"] == "trophic_support")
    assert {"PRG:pathway-bdnf-trkb", "PRG:pathway-gdnf-gfra", "PRG:pathway-erk", "PRG:pathway-pi3k-akt"} <= set(
        trophic["pathways"])


# --- command line -------------------------------------------------------------------------------------------

@pytest.fixture()
def cli() -> tuple[CliRunner, typer.Typer]:
    app = typer.Typer()
    app.add_typer(kb_cmd.app, name="kb")
    return CliRunner(), app


def test_cli_list(cli: tuple[CliRunner, typer.Typer]) -> None:
    runner, app = cli
    result = runner.invoke(app, ["kb", "list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert all(name in result.stdout for name in NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_cli_show_json_equals_load(cli: tuple[CliRunner, typer.Typer], name: str) -> None:
    runner, app = cli
    result = runner.invoke(app, ["kb", "show", name, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == kb.load(name)


@pytest.mark.parametrize("name", ["dose_windows", "battery"])
def test_cli_show_table(cli: tuple[CliRunner, typer.Typer], name: str) -> None:
    runner, app = cli
    result = runner.invoke(app, ["kb", "show", name], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert ("hbmmsc-tnbs-guinea-pig" if name == "dose_windows" else "spontaneous") in result.stdout


def test_cli_unknown_entry_is_a_usage_error(cli: tuple[CliRunner, typer.Typer]) -> None:
    runner, app = cli
    assert runner.invoke(app, ["kb", "show", "tables"]).exit_code == 2
    assert runner.invoke(app, ["kb", "show", "models", "--format", "xml"]).exit_code == 2

"""Tests of the curated vocabularies: look-up behaviour, and every identifier checked against its source file.

The source files are the third-party ontology extracts in ../shared/data/vocab (see PROVENANCE.md there).
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from painregen.cli import vocab_cmd
from painregen.evidence import models as m
from painregen.evidence.vocab import (
    Term,
    UnknownTermError,
    get_vocabulary,
    loose_key,
    normalise,
    search_all,
    vocabulary_names,
)

VOCAB_DIR = Path(__file__).parents[1] / ".." / "shared" / "data" / "vocab"
REQUIRED = {
    "species", "strain", "model", "product", "tissue", "route", "assay", "pathway", "marker", "adverse_event",
    "sex", "donor_relation", "error_type", "domain", "role",
}
DOMAINS = {"evoked", "spontaneous", "affective", "motor", "structural", "molecular", "imaging", "safety"}
PILLARS = {"immunomodulation", "inflammatory_cell_death", "trophic_support", "vascular_ecm_remodelling"}


def _read_tsv(name: str) -> list[dict[str, str]]:
    path = VOCAB_DIR / name
    if not path.exists():
        pytest.skip(f"{path} not available")
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [{k.strip(): (v or "").strip() for k, v in r.items()} for r in rows]


@pytest.fixture(scope="module")
def cl_labels() -> dict[str, str]:
    return {r["id"]: r["label"] for r in _read_tsv("cell_ontology_subset_stem_glia_joint.tsv")}


@pytest.fixture(scope="module")
def uberon_labels() -> dict[str, str]:
    return {r["id"]: r["label"] for r in _read_tsv("uberon_mammal_terms.tsv")}


@pytest.fixture(scope="module")
def rs_labels() -> dict[str, str]:
    return {r["id"]: r["name"] for r in _read_tsv("rat_strain_ontology_RS.tsv")}


@pytest.fixture(scope="module")
def mesh_names() -> dict[str, str]:
    return {r["descriptor_ui"]: r["term"] for r in _read_tsv("mesh2017_subset_pain_neuro_musculoskeletal_stemcell.tsv")}


def _all_terms() -> list[Term]:
    return [t for n in vocabulary_names() for t in get_vocabulary(n)]


def _curies_in(term: Term) -> list[str]:
    """The term's own CURIE and every CURIE named in its extra columns."""
    found = [term.curie]
    for value in term.extra.values():
        found += re.findall(r"\b(?:CL|UBERON|RS|GO|NCBITaxon|MGI|PATO|PRG|HGNC\.symbol):[^\s|;,]+", value)
    return found


# --- look-up ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["SD rats", "Sprague Dawley", "sprague–dawley", "Sprague-Dawley", "SD",
                                  "RS:0000681", "SPRAGUE DAWLEY RATS", "Sprague–Dawley rat", " Sprague  Dawley "])
def test_sprague_dawley_synonyms_resolve(text: str) -> None:
    assert get_vocabulary("strain").resolve(text).curie == "RS:0000681"


@pytest.mark.parametrize(("vocabulary", "text", "curie"), [
    ("species", "Rattus norvegicus", "NCBITaxon:10116"),
    ("species", "mice", "NCBITaxon:10090"),
    ("strain", "C57BL/6J mice", "MGI:3028467"),
    ("strain", "Long Evans rats", "RS:0003821"),
    ("strain", "NLRP3-/-", "PRG:strain-nlrp3-ko"),
    ("product", "hAFMSCs", "CL:0002639"),
    ("product", "AD-MSCs", "CL:0002570"),
    ("product", "mesenchymal stromal cells", "CL:0000134"),
    ("product", "BMSC-EXOs", "PRG:product-bmsc-exosome"),
    ("product", "small EVs", "GO:1903561"),
    ("product", "PBS", "PRG:product-vehicle"),
    ("model", "L5 SNL", "PRG:model-snl"),
    ("model", "chronic constriction injury of the sciatic nerve", "PRG:model-cci"),
    ("model", "mono-iodoacetate", "PRG:model-oa-mia"),
    ("tissue", "Wharton’s jelly", "PRG:tissue-whartons-jelly"),
    ("tissue", "synovium", "UBERON:0002018"),
    ("route", "i.t.", "PRG:route-it"),
    ("route", "tail vein", "PRG:route-iv"),
    ("route", "Intra-articular injection", "PRG:route-intra-articular"),
    ("assay", "PWL", "PRG:assay-hargreaves"),
    ("assay", "Dynamic plantar aesthesiometer", "PRG:assay-electronic-von-frey"),
    ("assay", "BBB score", "PRG:assay-bbb"),
    ("pathway", "NF-κB", "PRG:pathway-nfkb"),
    ("pathway", "NF-kB", "PRG:pathway-nfkb"),
    ("pathway", "μ-opioid", "PRG:pathway-mu-opioid"),
    ("marker", "Iba-1", "HGNC.symbol:AIF1"),
    ("marker", "TNF-α", "HGNC.symbol:TNF"),
    ("marker", "Col2a1", "HGNC.symbol:COL2A1"),
    ("adverse_event", "PDPH", "PRG:ae-pdph"),
    ("sex", "M", "PATO:0000384"),
    ("error_type", "S.E.M.", "PRG:error-sem"),
    ("error_type", "95% CI", "PRG:error-ci95"),
    ("donor_relation", "xenograft", "PRG:donor-xenogeneic"),
    ("role", "sham-operated", "PRG:role-sham"),
])
def test_papers_wording_resolves(vocabulary: str, text: str, curie: str) -> None:
    assert get_vocabulary(vocabulary).resolve(text).curie == curie


def test_unknown_value_lists_nearest_terms() -> None:
    with pytest.raises(UnknownTermError) as info:
        get_vocabulary("strain").resolve("Spraque Dawly")
    err = info.value
    assert isinstance(err, ValueError)
    assert err.value == "Spraque Dawly" and err.vocabulary == "strain"
    assert len(err.nearest) == 5
    assert err.nearest[0].curie == "RS:0000681"
    assert "Sprague-Dawley (RS:0000681)" in str(err)


@pytest.mark.parametrize(("vocabulary", "text"), [("strain", "nude"), ("route", "IA"), ("error_type", "SD rats"),
                                                  ("product", "cells")])
def test_ambiguous_or_foreign_text_does_not_resolve(vocabulary: str, text: str) -> None:
    vocab = get_vocabulary(vocabulary)
    assert text not in vocab
    with pytest.raises(UnknownTermError):
        vocab.resolve(text)


def test_normalise_and_loose_key() -> None:
    assert normalise("Sprague–Dawley") == normalise("sprague dawley") == "spraguedawley"
    assert normalise("ＭＳＣ") == "msc"  # full-width letters (NFKC)
    assert normalise("NF-κB") == normalise("NF-kappaB")
    assert normalise("IL-1β") != normalise("IL-1")
    assert loose_key("MSCs") == "msc" and loose_key("nucleus pulposus cells") == "nucleuspulposuscell"
    assert loose_key("SD rats") == "sdrat" and loose_key("SD rats", drop_species_nouns=True) == "sd"
    assert loose_key("BMS") == "bms"  # an all-capital acronym keeps its S


def test_get_search_contains_len_iter() -> None:
    vocab = get_vocabulary("assay")
    assert vocab.get("PRG:assay-von-frey").label == "von Frey filaments"
    with pytest.raises(KeyError):
        vocab.get("von Frey")
    hits = vocab.search("von frey", limit=4)
    assert hits[0] == (vocab.get("PRG:assay-von-frey"), 100.0)
    assert len(hits) == 4 and all(0 <= s <= 100 for _, s in hits)
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
    assert "Randall Selitto" in vocab and "Randal Selito" not in vocab and 3 not in vocab
    assert len(vocab) == len(list(vocab)) == len(vocab.terms)
    assert vocab.search("", limit=3) == []


def test_search_all_spans_vocabularies() -> None:
    hits = search_all("SD", limit=10)
    exact = {(t.vocabulary, t.curie) for t, s in hits if s == 100}
    assert exact == {("strain", "RS:0000681"), ("error_type", "PRG:error-sd")}


def test_get_vocabulary_is_cached_and_names_unknown() -> None:
    assert get_vocabulary("model") is get_vocabulary("model")
    with pytest.raises(ValueError, match=r"available: .*strain"):
        get_vocabulary("strains")
    assert set(vocabulary_names()) >= REQUIRED


def test_terms_are_frozen_and_hashable() -> None:
    term = get_vocabulary("species").get("NCBITaxon:10116")
    assert {term: 1}[term] == 1
    with pytest.raises(AttributeError):
        term.label = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        term.extra["default_weight_kg"] = "1"  # type: ignore[index]


# --- integrity of the curated files -------------------------------------------------------------------------

@pytest.mark.parametrize("name", vocabulary_names())
def test_no_two_terms_share_a_normalised_key(name: str) -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for term in get_vocabulary(name):
        for key in term.names():
            owners[normalise(key)].add(term.curie)
    clashes = {k: v for k, v in owners.items() if len(v) > 1}
    assert clashes == {}
    assert "" not in owners


@pytest.mark.parametrize("name", vocabulary_names())
def test_every_name_resolves_to_its_own_term_in_any_spelling(name: str) -> None:
    vocab = get_vocabulary(name)
    for term in vocab:
        for key in term.names():
            assert vocab.resolve(key) == term, key
            assert vocab.resolve(f"  {key.upper().replace('-', '–')} ") == term, key


def test_curies_are_well_formed_and_unique() -> None:
    for name in vocabulary_names():
        curies = [t.curie for t in get_vocabulary(name)]
        assert len(curies) == len(set(curies)), name
        for c in curies:
            assert re.match(m.CURIE_PATTERN, c), c


def test_cl_curies_exist_with_claimed_labels(cl_labels: dict[str, str]) -> None:
    checked = 0
    for term in _all_terms():
        if term.curie.startswith("CL:"):
            assert cl_labels.get(term.curie) == term.extra["ontology_label"], term.curie
            checked += 1
        for ref in _curies_in(term)[1:]:
            if ref.startswith("CL:"):
                assert ref in cl_labels, (term.curie, ref)
    assert checked >= 15
    assert cl_labels["CL:0000134"] == "mesenchymal stem cell" and cl_labels["CL:0000047"] == "neural stem cell"


def test_uberon_curies_exist_with_claimed_labels(uberon_labels: dict[str, str]) -> None:
    checked = 0
    for term in _all_terms():
        if term.curie.startswith("UBERON:"):
            assert uberon_labels.get(term.curie) == term.extra["ontology_label"], term.curie
            checked += 1
        for ref in _curies_in(term)[1:]:
            if ref.startswith("UBERON:"):
                assert ref in uberon_labels, (term.curie, ref)
    assert checked >= 30
    assert not any("wharton" in label.lower() for label in uberon_labels.values())  # hence the PRG: CURIE


def test_rs_curies_exist_with_claimed_labels(rs_labels: dict[str, str]) -> None:
    strains = [t for t in get_vocabulary("strain") if t.curie.startswith("RS:")]
    assert len(strains) >= 15
    for term in strains:
        assert rs_labels.get(term.curie) == term.extra["ontology_label"], term.curie
        if term.extra["background"].startswith("RS:"):
            assert term.extra["background"] in rs_labels
    assert rs_labels["RS:0000681"] == "SD"


def test_model_mesh_descriptors_exist(mesh_names: dict[str, str]) -> None:
    models = get_vocabulary("model")
    for term in models:
        ui = term.extra["mesh"]
        assert mesh_names.get(ui) == term.extra["mesh_label"], (term.curie, ui)
    for term in get_vocabulary("product"):
        xref = term.extra["xref"]
        if xref.startswith("MeSH:"):
            assert xref.removeprefix("MeSH:") in mesh_names, term.curie
    assert mesh_names[models.get("PRG:model-idd-puncture").extra["mesh"]] == "Intervertebral Disc Degeneration"


def test_model_vocabulary_covers_the_field() -> None:
    models = get_vocabulary("model")
    assert len(models) >= 24
    for slug in ["cci", "sni", "psnl", "snl", "sciatic-transection", "sciatic-crush", "sci-contusion",
                 "sci-compression", "sci-transection", "sci-hemisection", "idd-puncture", "idd-chabc", "oa-mia",
                 "oa-dmm", "oa-aclt", "oa-collagenase", "stz", "paclitaxel", "oxaliplatin", "vincristine", "cfa",
                 "carrageenan", "tnbs-colitis", "incision", "cibp", "phn"]:
        term = models.get(f"PRG:model-{slug}")
        for col in ("category", "pain_modality", "regeneration_endpoints", "strengths", "translational_gaps"):
            assert term.extra[col], (slug, col)
    species = get_vocabulary("species")
    for term in models:
        for taxon in term.extra["typical_species"].split("|"):
            species.get(taxon)


def test_species_weights() -> None:
    species = get_vocabulary("species")
    expected = {"NCBITaxon:10116": 0.25, "NCBITaxon:10090": 0.025, "NCBITaxon:9986": 3.0, "NCBITaxon:10141": 0.4,
                "NCBITaxon:9823": 40.0, "NCBITaxon:9940": 60.0, "NCBITaxon:9925": 40.0, "NCBITaxon:9615": 10.0,
                "NCBITaxon:9544": 7.0, "NCBITaxon:9541": 4.0, "NCBITaxon:9606": 70.0}
    assert {t.curie: float(t.extra["default_weight_kg"]) for t in species} == expected
    assert all(t.extra["weight_note"] for t in species)
    for term in get_vocabulary("strain"):
        species.get(term.extra["species"])


def test_assay_domains_and_directions() -> None:
    assays = get_vocabulary("assay")
    assert {t.extra["domain"] for t in assays} == DOMAINS
    assert all(t.extra["greater_is_better"] in {"true", "false", ""} for t in assays)
    direction = {t.curie.removeprefix("PRG:assay-"): t.extra["greater_is_better"] for t in assays}
    assert direction["von-frey"] == "true" and direction["rgs"] == "false" and direction["bbb"] == "true"
    assert direction["oarsi"] == "false" and direction["hargreaves"] == "true" and direction["forced-swim"] == "false"
    assert assays.resolve("CPP").extra["domain"] == "affective"
    assert assays.resolve("burrowing").extra["domain"] == "spontaneous"


def test_pathway_and_marker_pillars() -> None:
    pathways = get_vocabulary("pathway")
    assert {t.extra["pillar"] for t in pathways} == PILLARS
    for term in pathways:
        genes = term.extra["genes"].split("|")
        assert genes and all(re.fullmatch(r"[A-Z0-9]+", g) for g in genes), term.curie
    assert pathways.resolve("NLRP3/caspase-1/GSDMD").extra["pillar"] == "inflammatory_cell_death"
    markers = get_vocabulary("marker")
    assert {t.extra["pillar"] for t in markers} <= PILLARS | {""}
    for term in markers:
        assert term.curie == f"HGNC.symbol:{term.extra['symbol']}"
        assert term.extra["greater_is_better"] in {"true", "false"}


def test_routes_classes_monitoring_and_adverse_events() -> None:
    routes = get_vocabulary("route")
    events = get_vocabulary("adverse_event")
    assert {t.extra["class"] for t in routes} == {"systemic", "neuraxial", "joint/disc", "local"}
    for term in routes:
        items = term.extra["safety_monitoring"].split("|")
        assert all(re.fullmatch(r"[a-z0-9_]+:[^:|]+", i) for i in items), term.curie
        for curie in term.extra["adverse_events"].split("|"):
            events.get(curie)
    iv_items = {i.split(":")[0] for i in routes.get("PRG:route-iv").extra["safety_monitoring"].split("|")}
    assert iv_items == {"infusion_reaction", "pulmonary_embolism", "spo2", "respiratory_rate", "haemodynamics"}
    it_items = {i.split(":")[0] for i in routes.get("PRG:route-it").extra["safety_monitoring"].split("|")}
    assert it_items == {"neuroinflammation", "meningitis_like", "pdph"}


def test_products_kinds_tiers_and_references() -> None:
    products = get_vocabulary("product")
    tissues = get_vocabulary("tissue")
    assert {t.extra["kind"] for t in products} == {"cell", "vesicle", "secretome", "vehicle"}
    tiers = {t.curie: t.extra["risk_tier"] for t in products}
    assert tiers["PRG:product-ipsc"] == "pluripotent" and tiers["CL:0000047"] == "neural_stem"
    assert tiers["CL:0000134"] == "adult_somatic" and tiers["GO:1903561"] == "acellular"
    for term in products:
        for col in ("parent", "source_cell"):
            if term.extra[col]:
                products.get(term.extra[col])
        if term.extra["default_tissue"]:
            tissues.get(term.extra["default_tissue"])


@pytest.mark.parametrize(("name", "enum"), [
    ("sex", m.Sex), ("donor_relation", m.DonorRelation), ("error_type", m.ErrorType), ("domain", m.Domain),
    ("role", m.Role), ("pillar", m.Pillar), ("mechanistic_evidence", m.EvidenceKind),
    ("treatment_timing", m.TimingMode),
])
def test_small_vocabulary_codes_match_the_evidence_model(name: str, enum: type) -> None:
    assert {t.extra["code"] for t in get_vocabulary(name)} == {e.value for e in enum}


# --- command line -------------------------------------------------------------------------------------------

@pytest.fixture()
def cli() -> tuple[CliRunner, typer.Typer]:
    app = typer.Typer()
    app.add_typer(vocab_cmd.app, name="vocab")
    return CliRunner(), app


def test_cli_search_json(cli: tuple[CliRunner, typer.Typer]) -> None:
    runner, app = cli
    result = runner.invoke(app, ["vocab", "search", "SD rats", "--vocabulary", "strain", "--limit", "3", "--json"])
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert len(hits) == 3 and hits[0]["curie"] == "RS:0000681" and hits[0]["score"] == 100.0


def test_cli_search_table_and_list(cli: tuple[CliRunner, typer.Typer]) -> None:
    runner, app = cli
    result = runner.invoke(app, ["vocab", "search", "grimace"], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "PRG:assay-grimace" in result.stdout
    result = runner.invoke(app, ["vocab", "list", "--json"])
    counts = {r["vocabulary"]: r["terms"] for r in json.loads(result.stdout)}
    assert counts["model"] == len(get_vocabulary("model"))
    result = runner.invoke(app, ["vocab", "list", "route", "--json"])
    assert [r["curie"] for r in json.loads(result.stdout)] == [t.curie for t in get_vocabulary("route")]
    result = runner.invoke(app, ["vocab", "list", "species"], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "NCBITaxon:10116" in result.stdout


def test_cli_unknown_vocabulary_is_a_usage_error(cli: tuple[CliRunner, typer.Typer]) -> None:
    runner, app = cli
    assert runner.invoke(app, ["vocab", "list", "strains"]).exit_code == 2
    assert runner.invoke(app, ["vocab", "search", "SD", "-v", "strains"]).exit_code == 2

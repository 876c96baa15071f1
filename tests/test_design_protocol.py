"""Design spec parsing (errors naming line and field), review-based checks and the ARRIVE Essential 10 protocol."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from painregen.design import (
    ESSENTIAL_10,
    SpecError,
    build_protocol,
    check_spec,
    parse_spec,
    plan_sample_size,
    render_html,
    render_markdown,
)

ROOT = Path(__file__).resolve().parents[1]

SPEC = """\
title: Intrathecal BM-MSC dose finding in rat CCI
objective: Find the dose range over which intrathecal BM-MSCs relieve CCI pain.
model: CCI
species: rat
strain: SD rats
sex: [male, female]
product: {name: BM-MSC, tissue: bone marrow, donor: allogeneic, passage: 4, vehicle: "PBS, 10 µL"}
route: intrathecal
timing: therapeutic
dosing: {question: true, levels: [0, 1e5, 3e5, 1e6], unit: cells}
timepoints: {baseline: [-3], treatment: [7], assessments: [5, 10, 14, 21, 28], endpoint: 28}
outcomes:
  - {assay: von Frey, primary: true}
  - {assay: rat grimace scale}
  - {assay: CPP}
  - {assay: axon count}
sample_size: {method: dunnett, d: 1.5, alternative: greater, attrition: 0.1}
randomisation: {method: stratified, strata: [sex], block_sizes: [5, 10], seed: 20261126}
blinding:
  surgeon: {blinded: true}
  treatment: {blinded: true, how: coded syringes}
  outcome_assessor: {blinded: true}
  analyst: {blinded: true}
analysis: {method: one-way ANOVA with Dunnett comparisons}
"""


def spec_with(**changes: object) -> str:
    data = yaml.safe_load(SPEC)
    for dotted, value in changes.items():
        *path, last = dotted.split("__")
        node = data
        for p in path:
            node = node[p]
        if value is None:
            node.pop(last)
        else:
            node[last] = value
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def test_a_good_spec_resolves_terms_and_derives_groups() -> None:
    spec = parse_spec(SPEC)
    assert (spec.model, spec.strain, spec.route) == ("PRG:model-cci", "RS:0000681", "PRG:route-it")
    assert spec.sex == ["PATO:0000384", "PATO:0000383"] and spec.product.name == "CL:0002540"
    assert [g.name for g in spec.group_list()] == ["vehicle", "1x10^5 cells", "3x10^5 cells", "1x10^6 cells"]
    checks = check_spec(spec)  # full battery, structural endpoint, baseline, blinding: no warning
    assert [(c.level, c.field) for c in checks] == [("note", "sample_size.alternative")]


def test_errors_name_the_line_and_the_field() -> None:
    text = SPEC.replace("model: CCI", "model: CCIx").replace("attrition: 0.1", "attrition: 1.5, colour: 1")
    with pytest.raises(SpecError) as err:
        parse_spec(text, "study.yaml")
    found = {(p.row, p.column) for p in err.value.problems}
    assert (3, "model") in found and (17, "sample_size.attrition") in found and (17, "sample_size.colour") in found
    assert "chronic constriction injury (PRG:model-cci)" in str(err.value)  # nearest term offered
    assert str(err.value).startswith("study.yaml:3:model: unknown model term 'CCIx'")


@pytest.mark.parametrize(("change", "field", "text"), [
    ({"sample_size": {"method": "ttest"}}, "sample_size", "needs d"),
    ({"strain": "C57BL/6J"}, "(top level)", "belongs to species"),
    ({"dosing": None}, "(top level)", "give the groups"),
    ({"dosing__levels": [1e5, 1e6]}, "(top level)", "needs the vehicle level 0"),
    ({"timepoints__treatment": []}, "timepoints.treatment", "at least 1"),
    ({"randomisation": {"method": "stratified"}}, "randomisation", "needs strata"),
    ({"outcomes": []}, "outcomes", "at least 1"),
])
def test_bad_specs_fail_with_the_field(change: dict[str, object], field: str, text: str) -> None:
    with pytest.raises(SpecError) as err:
        parse_spec(spec_with(**change))
    assert any(p.column == field and text in p.message for p in err.value.problems), err.value


def test_not_yaml_and_not_a_mapping() -> None:
    with pytest.raises(SpecError, match="not valid YAML"):
        parse_spec("title: [unclosed", "x.yaml")
    with pytest.raises(SpecError, match="must be a mapping"):
        parse_spec("- a\n- b\n")


def test_checks_follow_the_review() -> None:
    groups = [{"name": "vehicle", "role": "control"}, {"name": "low", "role": "treated", "dose": 1e5}]
    spec = parse_spec(spec_with(outcomes=[{"assay": "von Frey", "primary": True}], dosing__levels=[1e5, 1e6],
                                groups=groups,
                                timepoints__assessments=[14, 21], timepoints__baseline=[], blinding__analyst=None))
    found = {(c.level, c.field, c.message.split(" ")[1]) for c in check_spec(spec)}
    assert ("warning", "outcomes", "spontaneous") in found and ("warning", "outcomes", "affective") in found
    msgs = [c.message for c in check_spec(spec)]
    assert any("only 2 levels" in m and "at least 4 including vehicle" in m for m in msgs)
    assert any("no vehicle level" in m for m in msgs)
    assert any("no pre-injury baseline" in m for m in msgs)
    assert any("phenotype is not confirmed" in m for m in msgs)
    assert ("warning", "blinding.analyst", "blinding") in found


def test_protocol_is_the_essential_10_with_the_recommendations() -> None:
    spec = parse_spec(SPEC)
    p = build_protocol(spec)
    assert [s.title for s in p.sections] == list(ESSENTIAL_10) and len(ESSENTIAL_10) == 10
    md = render_markdown(p, "study.yaml")
    heads = re.findall(r"^## (\d+)\. (.+)$", md, flags=re.M)
    assert [h[1] for h in heads] == list(ESSENTIAL_10)
    for needle in ("post-dural-puncture headache",  # neuraxial route monitoring (4.3)
                   "CD73, CD90 and CD105",  # ISCT-style MSC characterisation
                   "| vehicle | control | 0 | 16 |",  # Dunnett: control twice a treated group, 10% attrition
                   "seed: 20261126", "coded syringes", "Core behavioural battery", "axon count",
                   "at least 4 levels including vehicle"):
        assert needle in md, needle
    plan = plan_sample_size(spec)
    assert plan.group_n == {"vehicle": 16, "1x10^5 cells": 8, "3x10^5 cells": 8, "1x10^6 cells": 8}
    assert plan.summary in md


def test_html_is_well_formed_and_escaped() -> None:
    spec = parse_spec(spec_with(title="<b>MSC & pain</b>"))
    html = render_html(build_protocol(spec))
    assert "&lt;b&gt;MSC &amp; pain&lt;/b&gt;" in html and "<b>MSC" not in html

    class Tags(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.stack: list[str] = []

        def handle_starttag(self, tag: str, attrs: object) -> None:
            if tag not in ("meta", "br"):
                self.stack.append(tag)

        def handle_endtag(self, tag: str) -> None:
            assert self.stack.pop() == tag

    t = Tags()
    t.feed(html)
    assert t.stack == []
    assert html.count("<section") == 10


def test_vesicle_product_and_systemic_route() -> None:
    spec = parse_spec(spec_with(product={"name": "MSC-derived exosome"}, route="IV",
                                dosing={"question": False, "levels": [0, 50], "unit": "ug protein"}))
    md = render_markdown(build_protocol(spec))
    assert "MISEV" in md and "CD9, CD63 or CD81" in md and "oxygen saturation (SpO2)" in md
    assert "at least 4 levels" not in md


def test_the_documented_example_spec_is_valid() -> None:
    doc = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", doc, flags=re.S)
    assert blocks, "docs/design.md has no yaml example"
    spec = parse_spec(blocks[0], "docs/design.md")
    assert plan_sample_size(spec).total > 0

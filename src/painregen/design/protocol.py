"""A pre-registration protocol structured by the ARRIVE 2.0 Essential 10 (Percie du Sert et al. 2020, PLoS Biol
18:e3000410), filled with the spec and with the review's recommendations for the chosen model, product and route.

:func:`build_protocol` returns a :class:`Protocol` (plain data); :mod:`painregen.design.render` writes it as
Markdown or HTML from the same object, so both say the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from painregen.design.advice import (
    BATTERY_NOTE,
    BLINDING_PRACTICE,
    DEFAULT_ANALYSIS,
    RESULTS_PLAN,
    SUGGESTED_EXCLUSIONS,
    SUGGESTED_TIMEPOINTS,
)
from painregen.design.characterisation import characterisation
from painregen.design.checks import MIN_DOSE_LEVELS, Check, check_spec
from painregen.design.knowledge import (
    assay_caveats,
    battery,
    dose_evidence,
    framework,
    label,
    model_profile,
    product_risk,
    route_safety,
)
from painregen.design.sample_size import CITATIONS, SampleSizePlan, plan_sample_size
from painregen.design.spec import STAGES, DesignSpec, format_amount
from painregen.evidence.vocab import get_vocabulary

__all__ = ["ESSENTIAL_10", "Block", "Protocol", "Section", "build_protocol"]

#: The ARRIVE 2.0 Essential 10, in order.
ESSENTIAL_10: tuple[str, ...] = (
    "Study design", "Sample size", "Inclusion and exclusion criteria", "Randomisation", "Blinding/masking",
    "Outcome measures", "Statistical methods", "Experimental animals", "Experimental procedures", "Results",
)


@dataclass(frozen=True)
class Block:
    """A titled piece of a section: a paragraph, a list, or a table (``header`` + ``rows``)."""

    heading: str | None = None
    text: str | None = None
    items: tuple[str, ...] = ()
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    recommended: bool = False


@dataclass(frozen=True)
class Section:
    number: int
    title: str
    blocks: tuple[Block, ...]
    checks: tuple[Check, ...] = ()


@dataclass(frozen=True)
class Protocol:
    title: str
    spec: DesignSpec
    plan: SampleSizePlan
    sections: tuple[Section, ...]
    checks: tuple[Check, ...] = field(default=())

    @property
    def warnings(self) -> list[Check]:
        return [c for c in self.checks if c.level == "warning"]


def _fmt_times(times: list[float] | None, unit: str) -> str:
    return ", ".join(f"{t:g}" for t in times or []) + f" ({unit}s)" if times else "not stated"


def _design(spec: DesignSpec, plan: SampleSizePlan) -> list[Block]:
    rows = tuple((g.name, g.role, "" if g.dose is None else format_amount(g.dose), str(plan.group_n[g.name]))
                 for g in spec.group_list())
    blocks = [Block(text=spec.objective or "Objective not stated."),
              Block("Hypothesis", spec.hypothesis or "Not stated."),
              Block("Groups", header=("group", "role", "dose", "animals"), rows=rows),
              Block("Experimental unit", f"the {spec.analysis.experimental_unit}; each is one independent "
                    "replicate for the analysis"),
              Block("Treatment timing", spec.timing or "not stated (preventive or therapeutic)")]
    if spec.dosing is not None and spec.dosing.question:
        ev = dose_evidence(spec.product.name, spec.model)
        items = [f"{e['setting']}: {e['product'] or e['model']}; "
                 + (f"doses {', '.join(format_amount(x) for x in e['doses'])} {e['unit']}; " if e["doses"] else "")
                 + f"pattern {e['pattern'].replace('_', ' ')}" for e in ev]
        blocks.append(Block("Dose finding", f"Dose is a question of this study: at least {MIN_DOSE_LEVELS} levels "
                            "including vehicle, spaced to reveal a plateau (a saturation window) or a decline as well "
                            "as a rise; analysed as a dose-response (MCP-Mod), not only as pairwise tests.",
                            tuple(items), recommended=True))
    return blocks


def _inclusion(spec: DesignSpec) -> list[Block]:
    return [Block("Inclusion", items=tuple(spec.inclusion) or ("not stated",)),
            Block("Exclusion", items=tuple(spec.exclusion) or ("not stated",)),
            Block("Humane end points", items=tuple(spec.humane_endpoints) or ("not stated",)),
            Block("Suggested criteria", items=SUGGESTED_EXCLUSIONS, recommended=True)]


def _randomisation(spec: DesignSpec, plan: SampleSizePlan) -> list[Block]:
    r = spec.randomisation
    seed = str(r.seed) if r.seed is not None else "drawn and recorded when the schedule is made"
    items = (f"method: {r.method}", f"allocation ratio: {', '.join(f'{g} {n}' for g, n in plan.ratio.items())}",
             f"block sizes: {', '.join(map(str, r.block_sizes)) or 'twice the sum of the allocation ratio'}",
             f"strata: {', '.join(r.strata) or 'none'}", f"seed: {seed}")
    return [Block(items=items),
            Block("Allocation concealment", "`painregen design randomise` writes a schedule naming only coded groups "
                  "and a separate key (code to group), held by a person who neither treats nor assesses the animals.",
                  recommended=True)]


def _blinding(spec: DesignSpec) -> list[Block]:
    rows = []
    for stage in STAGES:
        p = getattr(spec.blinding, stage)
        rows.append((stage.replace("_", " "), "not stated" if p is None else ("yes" if p.blinded else "no"),
                     (p.who or "") if p else "", (p.how or "") if p else ""))
    return [Block(header=("stage", "blinded", "who", "how"), rows=tuple(rows)),
            Block("Suggested practice", BLINDING_PRACTICE, recommended=True)]


def _outcomes(spec: DesignSpec) -> list[Block]:
    vocab, unit = get_vocabulary("assay"), spec.timepoints.unit
    rows = tuple((label("assay", o.assay), vocab.get(o.assay).extra.get("domain", ""), "yes" if o.primary else "",
                  _fmt_times(o.timepoints or spec.timepoints.assessments, unit)) for o in spec.outcomes)
    bat = tuple((b["domain"], b["level"], "; ".join(b["planned"]) or "none planned", ", ".join(b["examples"]))
                for b in battery(o.assay for o in spec.outcomes))
    prof = model_profile(spec.model)
    endpoints = tuple(prof["regeneration_endpoints"]) + tuple(prof["endpoint_assays"]) + tuple(prof["marker_panel"])
    domains = {vocab.get(o.assay).extra.get("domain", "") for o in spec.outcomes}
    fw = tuple(f"{f['domain']}: {'; '.join(f['proposed'])}" for f in framework(domains | {"molecular", "imaging"}))
    safety = route_safety(spec.route)
    risk = product_risk(spec.product.name)
    return [Block(header=("assay", "domain", "primary", "timepoints"), rows=rows),
            Block("Core behavioural battery", BATTERY_NOTE,
                  tuple(assay_caveats(o.assay for o in spec.outcomes)),
                  header=("domain", "level", "planned", "examples"), rows=bat, recommended=True),
            Block(f"Endpoints for {prof['label']}", items=endpoints, recommended=True),
            Block("Standardisation (evaluation framework)", items=fw, recommended=True),
            Block(f"Safety monitoring for the {safety['class']} route", safety["concern"],
                  tuple(safety["items"]) + tuple(f"product risk ({risk['tier']}): {x}" for x in risk["risks"]),
                  recommended=True)]


def _statistics(spec: DesignSpec, plan: SampleSizePlan) -> list[Block]:
    a = spec.analysis
    default = DEFAULT_ANALYSIS[plan.method]
    items = (f"primary outcome: {a.primary_outcome or 'the outcome marked primary'}",
             f"analysis: {a.method or default + ' (proposed by painregen)'}",
             f"dose-response: {a.dose_response or ('MCP-Mod' if spec.dosing and spec.dosing.question else 'n/a')}",
             f"multiplicity: {a.multiplicity or 'not stated'}", f"missing data: {a.missing_data or 'not stated'}",
             f"software: {a.software or 'not stated'}")
    return [Block(items=items), Block("Reporting for synthesis", "Report mean, SD and n per group at every "
                                      "timepoint (not only P values), so the study can enter a meta-analysis.",
                                      recommended=True)]


def _animals(spec: DesignSpec) -> list[Block]:
    sexes = ", ".join(get_vocabulary("sex").get(s).label for s in spec.sex) or "not stated"
    return [Block(items=(f"species: {label('species', spec.species)}", f"strain: {label('strain', spec.strain)}",
                         f"sex: {sexes}", f"age: {spec.age or 'not stated'}", f"weight: {spec.weight or 'not stated'}",
                         f"supplier: {spec.supplier or 'not stated'}", f"housing: {spec.housing or 'not stated'}"))]


def _procedures(spec: DesignSpec) -> list[Block]:
    p, d, tp = spec.product, spec.dosing, spec.timepoints
    prof = model_profile(spec.model)
    product = (f"product: {label('product', p.name)}", f"tissue source: {label('tissue', p.tissue)}",
               f"donor: {label('donor_relation', p.donor)}", f"passage: {p.passage if p.passage is not None else '-'}",
               f"preconditioning: {p.preconditioning or 'none'}", f"vehicle: {p.vehicle or 'not stated'}",
               f"source: {p.source or 'not stated'}")
    dosing = ("no dose levels stated",) if d is None else (
        f"levels: {', '.join(format_amount(x) for x in sorted(d.levels))} {d.unit} {d.basis}",
        f"administrations: {d.administrations}", f"volume: {d.volume or 'not stated'}")
    schedule = (f"baseline: {_fmt_times(tp.baseline, tp.unit)}", f"injury: {tp.injury:g}",
                f"treatment: {_fmt_times(tp.treatment, tp.unit)}",
                f"assessments: {_fmt_times(tp.assessments, tp.unit)}",
                f"end point: {'not stated' if tp.endpoint is None else f'{tp.endpoint:g}'}")
    heading, char = characterisation(p.name)
    return [Block("Model", f"{prof['label']}: {prof['induction'] or 'induction not described'}"),
            Block("Product", items=product), Block(f"Route: {label('route', spec.route)}", items=dosing),
            Block("Schedule", items=schedule),
            Block("Suggested timepoints", items=SUGGESTED_TIMEPOINTS, recommended=True),
            Block(f"Product characterisation to report: {heading}", items=tuple(char), recommended=True)]


def _results(spec: DesignSpec) -> list[Block]:
    return [Block(items=RESULTS_PLAN, recommended=True)]


def _home(name: str, fields: tuple[set[str], ...]) -> int:
    """Index of the section a check belongs to: the first naming its field exactly, else its top-level field."""
    for candidate in (name, name.split(".")[0]):
        for i, wanted in enumerate(fields):
            if candidate in wanted:
                return i
    return 0


def build_protocol(spec: DesignSpec, plan: SampleSizePlan | None = None) -> Protocol:
    """The protocol for ``spec`` (sample size planned here unless ``plan`` is given) with the checks attached."""
    plan = plan or plan_sample_size(spec)
    checks = check_spec(spec)
    citation = Block("Method", CITATIONS[plan.method] + (f"; {CITATIONS['nonnormal']}"
                                                          if spec.sample_size.nonnormal != "none" else ""))
    bodies: list[list[Block]] = [
        _design(spec, plan), [Block(text=plan.summary), citation], _inclusion(spec), _randomisation(spec, plan),
        _blinding(spec), _outcomes(spec), _statistics(spec, plan), _animals(spec), _procedures(spec), _results(spec),
    ]
    fields: tuple[set[str], ...] = (
        {"groups", "dosing.levels", "timing"}, {"sample_size"}, {"inclusion", "exclusion"}, {"randomisation"},
        {"blinding"}, {"outcomes"}, {"analysis", "sample_size.method", "sample_size.alternative"},
        {"sex", "species", "strain"}, {"timepoints", "product", "route"}, set(),
    )
    home = {id(c): _home(c.field, fields) for c in checks}
    sections = [Section(i + 1, title, tuple(blocks), tuple(c for c in checks if home[id(c)] == i))
                for i, (title, blocks) in enumerate(zip(ESSENTIAL_10, bodies, strict=True))]
    return Protocol(spec.title, spec, plan, tuple(sections), tuple(checks))


def protocol_dict(protocol: Protocol) -> dict[str, Any]:
    """JSON-ready summary: title, sample size plan and checks."""
    return {"title": protocol.title, "sample_size": protocol.plan.to_dict(),
            "checks": [c.to_dict() for c in protocol.checks]}

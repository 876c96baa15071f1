"""Markdown tables of the simulator's true parameters, generated from :data:`.defaults.DEFAULT_CONFIG`.

``python -m painregen.simulate.docs docs/simulator.md`` rewrites the block between the ``BEGIN``/``END``
markers of that file; a test fails when the file and the code disagree.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from painregen.simulate.curves import beta_mod_peak
from painregen.simulate.defaults import DEFAULT_CONFIG
from painregen.simulate.generate import DEFAULT_N_STUDIES, DEFAULT_SEED
from painregen.simulate.truth import SimConfig, Weighted

BEGIN = "<!-- BEGIN GENERATED PARAMETERS (python -m painregen.simulate.docs docs/simulator.md) -->"
END = "<!-- END GENERATED PARAMETERS -->"


def _num(x: float | None) -> str:
    if x is None:
        return "—"
    if x != 0 and (abs(x) >= 1e4 or abs(x) < 1e-3):
        return f"{x:.3g}".replace("e+0", "e").replace("e-0", "e-")
    return f"{x:g}"


def _table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _weighted(w: Weighted) -> str:
    return ", ".join(f"{k} {_num(v)}" for k, v in w)


def parameter_tables(config: SimConfig = DEFAULT_CONFIG) -> str:
    """All true parameters of ``config`` as Markdown sections (the generated part of docs/simulator.md)."""
    c = config
    out = [f"Default dataset: `simulate({DEFAULT_N_STUDIES}, seed={DEFAULT_SEED})` (`default_dataset()`).", ""]
    out += ["### Effects", "", _table(["parameter", "value", "meaning"], [
        *[(f"theta[{d}]", _num(v), "true NMD at the peak dose, full time course, no bias")
          for d, v in c.domain_effects.items()],
        ("tau", _num(c.tau), "between-study SD of the peak NMD, per domain"),
        ("tau_experiment", _num(c.tau_experiment), "between-experiment SD within a study"),
        ("onset_days", _num(c.onset_days), "g(t) = 1 - exp(-(t - treated_day) / onset_days)"),
        ("preventive_multiplier", _num(c.preventive_multiplier), "timing multiplier of preventive treatment"),
        ("lab_shift_sd", _num(c.lab_shift_sd), "SD of a lab's shift of all its groups (fraction of the gap)"),
        ("rho_within_animal", _num(c.rho_within_animal), "correlation of an animal's values across times"),
    ]), ""]
    out += ["### Products and dose-response", "", _table(
        ["product", "vocabulary label", "tissue", "efficacy", "shape", "ed50", "delta1", "delta2", "scal",
         "peak dose", "effective dose grid", "unit"],
        [(p.key, p.product, p.tissue or "—", _num(p.efficacy), p.dose_response.shape,
          _num(p.dose_response.ed50), _num(p.dose_response.delta1), _num(p.dose_response.delta2),
          _num(p.dose_response.scal),
          _num(beta_mod_peak(p.dose_response.delta1, p.dose_response.delta2, p.dose_response.scal))
          if p.dose_response.shape == "betaMod" and p.dose_response.delta1 and p.dose_response.delta2
          and p.dose_response.scal else "— (saturating)",
          ", ".join(_num(g) for g in p.grid), p.unit) for p in c.products]), ""]
    out += ["Effective dose = per-animal dose x route potency / species scale. Route potency: "
            + ", ".join(f"{k} {_num(v)}" for k, v in c.route_potency.items()) + " (other routes 1). Species "
            "scale: " + ", ".join(f"{k} {_num(v)}" for k, v in c.species_scale.items()) + ".", ""]
    out += ["### Assays (natural scale)", "", _table(
        ["assay", "sham mean", "gap (sham - vehicle)", "SD", "SD sham", "fallback unit", "terminal",
         "SMD at NMD 1"],
        [(a.label, _num(a.normal), _num(a.gap), _num(a.sd), _num(a.sd_sham), a.unit, "yes" if a.terminal else "no",
          _num(round(a.gap / a.sd, 3))) for a in c.assays]), ""]
    out += ["### Models", "", _table(
        ["model", "share", "mice", "routes", "products", "outcomes (probability; first = primary)",
         "therapeutic days"],
        [(mm.label, _num(mm.weight), "yes" if mm.mice else "no", _weighted(mm.routes), _weighted(mm.products),
          _weighted(mm.outcomes), ", ".join(_num(d) for d in mm.therapeutic_days)) for mm in c.models]), ""]
    out += ["### Risk of bias (SYRCLE)", "", _table(
        ["item", "P(yes)", "P(no)", "P(unclear)", "effect multiplier when not 'yes'"],
        [(item, *(_num(p) for p in probs), _num(c.rob.multipliers.get(item, 1.0)))
         for item, probs in c.rob.answers.items()]), ""]
    out += ["### Designs, groups and reporting", "", _table(["parameter", "value"], [
        ("design shares", ", ".join(f"{k} {_num(v)}" for k, v in c.design_shares.items())),
        ("share of mouse studies (models with mice)", _num(c.share_mouse)),
        ("rat strains", _weighted(c.rat_strains)),
        ("mouse strain", c.mouse_strain),
        ("sex", _weighted(c.sex)),
        ("share with a sham group", _num(c.share_sham)),
        ("share reporting SEM (others SD)", _num(c.share_sem)),
        ("share with a second experiment", _num(c.share_second_experiment)),
        ("share preventive (day 0-1)", _num(c.share_preventive)),
        ("animals per group", f"{c.n_range[0]}-{c.n_range[1]}"),
        ("P(one animal lost) per group", _num(c.p_attrition)),
        ("schedules (days)", "; ".join(", ".join(_num(d) for d in s) for s in c.schedules)),
        ("P(mechanism claims)", _num(c.p_mechanism)),
        ("extra evidence kinds", ", ".join(f"{k} {_num(v)}" for k, v in c.mechanism_evidence.items())),
    ]), ""]
    out += ["### Selective publication", "", _table(["parameter", "value"], [
        ("alpha", _num(c.publication.alpha)), ("p_publish (not significant)", _num(c.publication.p_publish)),
        ("rule", c.publication.rule)]), ""]
    out += ["### Adverse events", "", _table(
        ["route", "kind", "risk per animal at the top grid dose", "cells only"],
        [(a.route, a.kind, _num(a.risk_at_top_dose), "yes" if a.cells_only else "no") for a in c.adverse])]
    return "\n".join(out) + "\n"


def rewrite(path: Path, config: SimConfig = DEFAULT_CONFIG) -> None:
    """Replace the generated block of ``path`` (between :data:`BEGIN` and :data:`END`)."""
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    path.write_text(f"{head}{BEGIN}\n{parameter_tables(config)}{END}{tail}", encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    rewrite(Path(sys.argv[1]))

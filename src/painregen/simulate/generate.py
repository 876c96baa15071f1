"""The simulator's entry points: :func:`simulate` and :func:`default_dataset`."""

from __future__ import annotations

from typing import Any

from painregen.evidence import models as m
from painregen.simulate.curves import beta_mod_peak
from painregen.simulate.defaults import DEFAULT_CONFIG
from painregen.simulate.study import StudyResult, simulate_study
from painregen.simulate.truth import SimConfig, config_to_dict, jsonable

DEFAULT_N_STUDIES = 40
DEFAULT_SEED = 20261126

SCALE = (
    "normalised mean difference (NMD): fraction of the injury deficit (sham - vehicle) reversed; "
    "nmd = bias * timing * (theta[domain] * efficacy[product] + u_study + u_experiment) * f(d_eff) * g(t), "
    "d_eff = dose * route_potency / species_scale, g(t) = 1 - exp(-(t - treated_day) / onset_days); "
    "SMD = NMD * gap / sd of the assay"
)


def dose_response_truth(config: SimConfig) -> dict[str, Any]:
    """Per product: shape, parameters, efficacy, dose grid and the dose of the peak (None for Emax)."""
    out: dict[str, Any] = {}
    for p in config.products:
        dr = p.dose_response
        peak = (beta_mod_peak(dr.delta1, dr.delta2, dr.scal)
                if dr.shape == "betaMod" and dr.delta1 and dr.delta2 and dr.scal else None)
        out[p.key] = {"shape": dr.shape, "ed50": dr.ed50, "delta1": dr.delta1, "delta2": dr.delta2,
                      "scal": dr.scal, "peak_dose": peak, "efficacy": p.efficacy, "unit": p.unit,
                      "grid": list(p.grid), "e0": 0.0, "eMax": 1.0}
    return out


def candidates(n_studies: int, seed: int, config: SimConfig) -> list[StudyResult]:
    """Candidate studies in order until ``n_studies`` are published (suppressed ones included)."""
    if n_studies < 0:
        raise ValueError("n_studies must be >= 0")
    results: list[StudyResult] = []
    published = 0
    limit = config.max_candidates_per_study * max(n_studies, 1)
    while published < n_studies:
        if len(results) >= limit:
            raise RuntimeError(f"only {published} of {n_studies} studies published after {limit} candidates; "
                               "raise p_publish or the true effects")
        r = simulate_study(len(results), seed, config)
        results.append(r)
        published += r.decision.published
    return results


def simulate(n_studies: int, seed: int, *, config: SimConfig | None = None) -> m.Dataset:
    """A simulated dataset of ``n_studies`` published virtual studies with known truth.

    Deterministic for a seed (candidate ``i`` draws from ``numpy.random.default_rng([seed, i])``). Candidate
    studies are drawn one by one until ``n_studies`` pass selective publication; ``Dataset.truth`` records
    every true parameter, the per-study truth of published and suppressed candidates, and the suppressed ids.
    """
    cfg = config or DEFAULT_CONFIG
    results = candidates(n_studies, seed, cfg)
    suppressed = [r.study.study_id for r in results if not r.decision.published]
    truth = {
        "simulator": "painregen.simulate",
        "scale": SCALE,
        "seed": seed,
        "n_studies": n_studies,
        "n_candidates": len(results),
        "domain_effects": dict(cfg.domain_effects),
        "tau": cfg.tau,
        "tau_experiment": cfg.tau_experiment,
        "bias_multipliers": dict(cfg.rob.multipliers),
        "route_potency": dict(cfg.route_potency),
        "species_scale": dict(cfg.species_scale),
        "onset_days": cfg.onset_days,
        "preventive_multiplier": cfg.preventive_multiplier,
        "dose_response": dose_response_truth(cfg),
        "assays": {a.label: {"normal": a.normal, "gap": a.gap, "sd": a.sd, "sd_sham": a.sd_sham}
                   for a in cfg.assays},
        "selection": {"rule": cfg.publication.rule, "alpha": cfg.publication.alpha,
                      "p_publish": cfg.publication.p_publish, "n_suppressed": len(suppressed),
                      "suppressed": suppressed},
        "config": config_to_dict(cfg),
        "studies": {r.study.study_id: r.truth for r in results},
    }
    studies = [r.study for r in results if r.decision.published]
    return m.Dataset(studies=studies, simulated=True, truth=jsonable(truth))


def default_dataset() -> m.Dataset:
    """The bundled demonstration dataset: ``simulate(40, seed=20261126)`` (deterministic, so no file)."""
    return simulate(DEFAULT_N_STUDIES, DEFAULT_SEED)

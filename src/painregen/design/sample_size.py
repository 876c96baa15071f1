"""The sample-size section of a design spec: solve it with the chosen method and turn it into animals per group."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from painregen.design.allowances import SampleSizeAllowance, allow
from painregen.design.assurance import assurance
from painregen.design.dose_finding import dose_finding_sample_size
from painregen.design.dunnett import dunnett_sample_size
from painregen.design.repeated import repeated_power
from painregen.design.spec import DesignSpec
from painregen.design.ttest import pwr_t_test
from painregen.design.welch import welch_sample_size

__all__ = ["CITATIONS", "SampleSizePlan", "plan_sample_size"]

CITATIONS: dict[str, str] = {
    "ttest": "Cohen (1988), non-central t; as R pwr.t.test",
    "welch": "Welch (1947) with Satterthwaite (1946) df; power approximation as Moser, Stevens & Watts (1989)",
    "dunnett": "Dunnett (1955) many-to-one comparisons; control about sqrt(k) times a treated arm",
    "repeated": "Diggle et al. (2002) sec. 2.4 design effect; summary-measure t test (Matthews et al. 1990)",
    "assurance": "O'Hagan, Stevens & Campbell (2005) assurance over the meta-analytic predictive distribution",
    "mct": "MCP-Mod multiple contrast test power (Pinheiro, Bornkamp & Bretz 2006) from painregen.dose",
    "nonnormal": "asymptotic relative efficiency of the Wilcoxon-Mann-Whitney test (Hodges & Lehmann 1956)",
}


@dataclass(frozen=True)
class SampleSizePlan:
    """Animals per group for a spec: the exact solution, the allowances and the whole numbers to randomise."""

    method: str
    summary: str
    n_exact: dict[str, float]
    allowances: dict[str, SampleSizeAllowance]
    group_n: dict[str, int]
    ratio: dict[str, int]
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.group_n.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method, "summary": self.summary, "n_exact": self.n_exact,
            "allowances": {k: v.to_dict() for k, v in self.allowances.items()}, "group_n": self.group_n,
            "ratio": self.ratio, "total": self.total, "result": self.result, "citation": CITATIONS[self.method],
        }


def _allowance_text(a: SampleSizeAllowance) -> str:
    parts = []
    if a.nonnormal != "none":
        parts.append(f"divided by the ARE {a.are:.3f} ({a.nonnormal}) for a rank test ({a.n_analysed})")
    if a.attrition:
        parts.append(f"inflated for {a.attrition:.0%} attrition ({a.n_randomised})")
    return ("; " + ", then ".join(parts)) if parts else ""


def plan_sample_size(spec: DesignSpec) -> SampleSizePlan:
    """Solve ``spec.sample_size`` and give each group of ``spec.group_list()`` its number of animals."""
    ss, groups = spec.sample_size, spec.group_list()
    treated = [g for g in groups if g.role == "treated"]
    alt, a = ss.alternative, ss.alpha
    pct = f"{ss.power:.0%}"
    roles: dict[str, float]  # n_exact per role
    result: dict[str, Any]
    ratio = {g.name: g.ratio for g in groups}
    if ss.method == "ttest":
        assert ss.d is not None
        r = pwr_t_test(d=ss.d, power=ss.power, sig_level=a, alternative=alt)
        roles, result = {"control": r.n, "treated": r.n}, r.to_dict()
        text = f"Two-sample t test, d = {ss.d:g}, alpha = {a:g} ({alt}), power {pct}: n = {r.n:.2f} per group"
    elif ss.method == "welch":
        assert ss.delta is not None and ss.sd1 is not None and ss.sd2 is not None
        w = welch_sample_size(ss.delta, ss.sd1, ss.sd2, ss.power, a, ss.ratio, alt)
        roles, result = {"control": w.n1, "treated": w.n2}, w.to_dict()
        text = (f"Welch t test, difference {ss.delta:g} with SD {ss.sd1:g} (control) and {ss.sd2:g} (treated), "
                f"alpha = {a:g} ({alt}), power {pct}: n = {w.n1:.2f} control, {w.n2:.2f} per treated group")
    elif ss.method == "dunnett":
        assert ss.d is not None
        k = len(treated)
        control_ratio = ss.ratio or next((g.ratio for g in groups if g.role == "control" and g.ratio > 1), None)
        r0 = float(control_ratio) if control_ratio else float(max(1, round(math.sqrt(k))))
        n_exact, dp = dunnett_sample_size(k, ss.d, ss.power, a, alt, r0, ss.target)
        roles, result = {"treated": n_exact, "control": r0 * n_exact}, dp.to_dict()
        ratio = {g.name: (round(r0) if g.role == "control" and r0 == round(r0) else g.ratio) for g in groups}
        text = (f"Dunnett many-to-one test of {k} treated groups against a shared control, d = {ss.d:g}, "
                f"alpha = {a:g} ({alt}), power {pct} ({ss.target}), control {r0:g} times a treated group "
                f"(critical value {dp.crit:.4f}): n = {n_exact:.2f} per treated group")
    elif ss.method == "repeated":
        assert ss.d is not None and ss.rho is not None
        m = ss.timepoints or len(spec.timepoints.assessments)
        times = spec.timepoints.assessments if ss.kind == "slope" and m == len(spec.timepoints.assessments) else None
        rp = repeated_power(ss.d, m, ss.rho, power=ss.power, sig_level=a, kind=ss.kind, times=times, alternative=alt)
        roles, result = {"control": rp.n, "treated": rp.n}, rp.to_dict()
        what = "time-averaged difference" if ss.kind == "mean" else "difference in slopes (group x time)"
        text = (f"Repeated measures, {what}, d = {ss.d:g}, {m} timepoints, rho = {ss.rho:g} (compound symmetry; "
                f"variance factor {rp.variance_factor:.4g}), alpha = {a:g}, power {pct}: n = {rp.n:.2f} per group")
    elif ss.method == "mct":
        assert spec.dosing is not None and ss.models and ss.max_effect is not None and ss.sd is not None
        side = "two.sided" if alt == "two.sided" else "one.sided"
        df_ = dose_finding_sample_size(sorted(spec.dosing.levels), ss.models, max_effect=ss.max_effect, sd=ss.sd,
                                       power=ss.power, alpha=a, summary=ss.summary, alternative=side)
        n_ = float(df_.n_per_group)
        roles, result = {"control": n_, "treated": n_}, df_.to_dict()
        text = (f"MCP-Mod multiple contrast test over {len(spec.dosing.levels)} dose levels, candidate shapes "
                f"{ss.models}, maximum effect {ss.max_effect:g} with SD {ss.sd:g}, alpha = {a:g} ({side}): "
                f"{df_.n_per_group} per dose group (power per shape: "
                f"{', '.join(f'{k} {v:.1%}' for k, v in df_.power.items())}; {ss.summary} {pct} required)")
    else:
        assert ss.meta is not None
        me = ss.meta
        ar = assurance(me.mu, me.se, me.tau, target=ss.power, sig_level=a, alternative=alt)
        roles, result = {"control": ar.n, "treated": ar.n}, ar.to_dict()
        text = (f"Assurance from a meta-analysis{' (' + me.source + ')' if me.source else ''}: pooled d = {me.mu:g} "
                f"(SE {me.se:g}, tau {me.tau:g}); the new study's effect ~ N({me.mu:g}, {ar.sd_pred:.3f}^2). "
                f"n = {ar.n:.2f} per group gives assurance {pct} (conventional power at d = {me.mu:g}: "
                f"{ar.power_at_mu:.1%})")
    allowances = {role: allow(n, ss.nonnormal, ss.attrition) for role, n in roles.items()}
    if ss.method == "dunnett":  # keep the control a whole multiple of a treated arm
        t = allowances["treated"]
        n0 = math.ceil(roles["control"] / roles["treated"] * t.n_analysed - 1e-9)
        allowances["control"] = SampleSizeAllowance(roles["control"], ss.nonnormal, t.are, ss.attrition, n0,
                                                    math.ceil(n0 / (1 - ss.attrition) - 1e-9))
    group_n = {g.name: allowances["treated" if g.role == "sham" else g.role].n_randomised for g in groups}
    text += _allowance_text(allowances["treated"]) + f". Animals to randomise: {sum(group_n.values())}."
    return SampleSizePlan(ss.method, text, roles, allowances, group_n, ratio, result)

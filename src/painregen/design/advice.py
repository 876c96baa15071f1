"""Fixed advice the protocol adds to every design, in painregen's words (ARRIVE 2.0 and review sections 3-5)."""

from __future__ import annotations

__all__ = ["BATTERY_NOTE", "BLINDING_PRACTICE", "DEFAULT_ANALYSIS", "RESULTS_PLAN", "SUGGESTED_EXCLUSIONS",
           "SUGGESTED_TIMEPOINTS"]

BATTERY_NOTE = ("Evoked tests show hypersensitivity to a stimulus, not ongoing pain or how aversive it is; pair them "
                "with spontaneous and affective measures.")

SUGGESTED_EXCLUSIONS: tuple[str, ...] = (
    "animals whose pain phenotype is not established before treatment, by a criterion fixed in advance",
    "failed injury induction or failed administration (e.g. leak of the injectate), recorded blind",
    "animals reaching a humane end point; report them by group",
)

BLINDING_PRACTICE = ("Keep every stage blind to the group: injury surgery before allocation is revealed, coded "
                     "syringes prepared by a third person, outcome assessors and the analyst working from codes until "
                     "the analysis is locked.")

SUGGESTED_TIMEPOINTS: tuple[str, ...] = (
    "a pre-injury baseline, and a post-injury assessment before treatment that confirms the phenotype",
    "post-treatment assessments that cover onset, peak and duration of the effect, the same for every group",
    "tissue collection at a fixed end point after the last behavioural test",
    "testing at the same time of day, in the same order of tests, by the same trained assessors",
)

#: The analysis proposed when the spec states none, by sample-size method.
DEFAULT_ANALYSIS: dict[str, str] = {
    "ttest": "two-sample t test on the primary outcome at the primary timepoint (Welch's version if the variances "
             "differ), reported as mean difference and Hedges' g with 95% CI",
    "welch": "Welch's unequal-variance t test on the primary outcome at the primary timepoint",
    "dunnett": "one-way ANOVA, then Dunnett's comparisons of each treated group with the shared control",
    "repeated": "linear mixed model with group, time and group x time and a random intercept per animal",
    "assurance": "two-sample t test on the primary outcome, as planned in the sample-size section",
    "mct": "MCP-Mod: multiple contrast test over the candidate shapes, then the fitted dose-response with the minimum "
           "effective dose and the saturation window (painregen dose)",
}

RESULTS_PLAN: tuple[str, ...] = (
    "animals randomised and analysed per group, with every exclusion and its reason",
    "summary statistics (mean, SD, n) per group and timepoint for every outcome, in the painregen template so the "
    "study can enter the registry",
    "adverse events per group, by the route-specific items above",
    "effect estimates with 95% confidence intervals for the primary outcome",
)

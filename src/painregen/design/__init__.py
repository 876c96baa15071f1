"""Study design: power and sample size, randomisation with concealed codes, and a pre-registration protocol.

Power and sample size (``n`` per group, real; round up with ``n_per_group``):

>>> from painregen.design import pwr_t_test, dunnett_sample_size, assurance
>>> round(pwr_t_test(d=0.8, power=0.8).n, 4)           # as R pwr.t.test
25.5246
>>> round(assurance(1.0, se=0.2, tau=0.5, n=10).assurance, 4)   # power averaged over the predictive distribution
0.5409

A study as a file: :func:`parse_spec` (YAML/JSON) -> :func:`plan_sample_size`, :func:`randomise`,
:func:`build_protocol` -> :func:`render_markdown` / :func:`render_html`. See docs/design.md.
"""

from painregen.design.allowances import ARE, SampleSizeAllowance, allow, are_inflation, attrition_inflation
from painregen.design.assurance import AssuranceResult, assurance, assurance_from_rma, expected_power
from painregen.design.characterisation import characterisation
from painregen.design.checks import Check, check_spec
from painregen.design.dose_finding import DoseFindingPlan, dose_finding_sample_size, smallest_n
from painregen.design.dunnett import DunnettPower, dunnett_crit, dunnett_power, dunnett_sample_size
from painregen.design.protocol import ESSENTIAL_10, Protocol, build_protocol
from painregen.design.randomise import AllocationSchedule, animal_ids, randomise
from painregen.design.render import render_html, render_markdown
from painregen.design.repeated import RepeatedPower, repeated_power, variance_factor
from painregen.design.sample_size import SampleSizePlan, plan_sample_size
from painregen.design.spec import DesignSpec
from painregen.design.spec_load import SpecError, parse_spec
from painregen.design.ttest import TTestPower, pwr_t2n_test, pwr_t_test
from painregen.design.welch import WelchPower, welch_df, welch_power, welch_sample_size

__all__ = [
    "ARE",
    "ESSENTIAL_10",
    "AllocationSchedule",
    "AssuranceResult",
    "Check",
    "DesignSpec",
    "DoseFindingPlan",
    "DunnettPower",
    "Protocol",
    "RepeatedPower",
    "SampleSizeAllowance",
    "SampleSizePlan",
    "SpecError",
    "TTestPower",
    "WelchPower",
    "allow",
    "animal_ids",
    "are_inflation",
    "assurance",
    "assurance_from_rma",
    "attrition_inflation",
    "build_protocol",
    "characterisation",
    "check_spec",
    "dose_finding_sample_size",
    "dunnett_crit",
    "dunnett_power",
    "dunnett_sample_size",
    "expected_power",
    "parse_spec",
    "plan_sample_size",
    "pwr_t2n_test",
    "pwr_t_test",
    "randomise",
    "render_html",
    "render_markdown",
    "repeated_power",
    "smallest_n",
    "variance_factor",
    "welch_df",
    "welch_power",
    "welch_sample_size",
]

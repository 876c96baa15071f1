"""Dose-response core of painregen: MCP-Mod as R's DoseFinding defines it, plus the saturation window.

One module per step of the method (Bretz, Pinheiro & Branson 2005; Pinheiro, Bornkamp, Glimm & Bretz
2014): :mod:`.models` (model functions and gradients), :mod:`.guesstimates`, :mod:`.mods` (candidate
shapes), :mod:`.opt_contr`, :mod:`.mct_test`, :mod:`.fit_mod`, :mod:`.target_dose`, :mod:`.pow_mct`,
:mod:`.samp_size`; :mod:`.mcp_mod` only composes them.  :mod:`.window`, :mod:`.umbrella`,
:mod:`.bootstrap`, :mod:`.simulate` and :mod:`.plots` add the preclinical saturation-window analysis.
"""

from .data import DoseData, from_raw, from_summary
from .dataset_dr import dataset_dose_response, dose_response_inputs
from .errors import DoseInputError
from .fit_mod import fit_mod
from .guesstimates import guesst
from .mcp_mod import mcp_mod
from .mct_test import mct_test
from .meta_dr import DoseResponseMeta, dose_response_meta
from .model_defs import MODELS, default_bounds, get_model
from .mods import Candidate, CandidateSet, Mods, candidate_set, mods, parse_models_spec
from .mvprob import MVControl
from .opt_contr import OptContr, opt_contr
from .pow_mct import PowerResult, pow_mct, power_mct
from .results import FitResult, MCPModResult, MCTResult
from .samp_size import SampleSizeResult, samp_size, samp_size_mct
from .simulate import SimulationResult, simulate_mcp_mod
from .target_dose import TargetDose, ed, mods_ed, mods_td, td
from .two_stage import TwoStageDoseResponse, dose_response_two_stage
from .umbrella import UmbrellaResult, umbrella_test
from .window import WindowResult, saturation_window

__all__ = [
    "MODELS",
    "Candidate",
    "CandidateSet",
    "DoseData",
    "DoseInputError",
    "DoseResponseMeta",
    "FitResult",
    "MCPModResult",
    "MCTResult",
    "MVControl",
    "Mods",
    "OptContr",
    "PowerResult",
    "SampleSizeResult",
    "SimulationResult",
    "TargetDose",
    "TwoStageDoseResponse",
    "UmbrellaResult",
    "WindowResult",
    "candidate_set",
    "dataset_dose_response",
    "default_bounds",
    "dose_response_inputs",
    "dose_response_meta",
    "dose_response_two_stage",
    "ed",
    "fit_mod",
    "from_raw",
    "from_summary",
    "get_model",
    "guesst",
    "mcp_mod",
    "mct_test",
    "mods",
    "mods_ed",
    "mods_td",
    "opt_contr",
    "parse_models_spec",
    "pow_mct",
    "power_mct",
    "samp_size",
    "samp_size_mct",
    "saturation_window",
    "simulate_mcp_mod",
    "td",
    "umbrella_test",
]

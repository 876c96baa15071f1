"""Default true parameters of the simulator (the values docs/simulator.md tabulates).

Numbers are plausible, not estimates: the review (reference 000) supplies the qualitative facts — evoked
measures overstate relief compared with spontaneous and affective ones, dose-response curves saturate or turn
down ("dose saturation window"), IV cells are trapped in the lungs, most studies are small, unblinded and
unrandomised — and the simulator turns them into known quantities a pipeline must recover.
"""

from __future__ import annotations

from painregen.simulate.truth import (
    AdverseSpec,
    AssaySpec,
    DoseResponse,
    ModelSpec,
    ProductSpec,
    PublicationSpec,
    RobSpec,
    SimConfig,
)

CELL_GRID = (1e5, 3e5, 1e6, 3e6)

ASSAYS = (
    AssaySpec("von Frey", normal=14.0, gap=10.0, sd=2.5, sd_sham=1.5, unit="g"),
    AssaySpec("Hargreaves", normal=11.0, gap=5.0, sd=1.5, sd_sham=1.2, unit="s"),
    AssaySpec("grimace", normal=0.25, gap=0.8, sd=0.25, sd_sham=0.15, unit="score",
              species_labels=(("rat", "rat grimace scale"), ("mouse", "mouse grimace scale"))),
    AssaySpec("burrowing", normal=900.0, gap=500.0, sd=180.0, sd_sham=150.0, unit="g"),
    AssaySpec("conditioned place preference", normal=120.0, gap=150.0, sd=80.0, sd_sham=70.0, unit="s"),
    AssaySpec("BBB", normal=20.6, gap=13.0, sd=2.0, sd_sham=0.3, unit="score"),
    AssaySpec("disc height index", normal=100.0, gap=35.0, sd=8.0, sd_sham=4.0, unit="%"),
    AssaySpec("OARSI", normal=1.0, gap=11.0, sd=2.5, sd_sham=0.7, unit="score", terminal=True),
)

_RAT_OR_HUMAN = (("recipient", "allogeneic", 0.5), ("recipient", "syngeneic", 0.2), ("human", "xenogeneic", 0.3))

PRODUCTS = (
    ProductSpec("BM-MSC", "BM-MSC", "bone marrow", "bone marrow mesenchymal stromal cells", 1.0,
                DoseResponse("emax", ed50=3e5), CELL_GRID, "cells", _RAT_OR_HUMAN),
    ProductSpec("AD-MSC", "AD-MSC", "adipose tissue", "adipose-derived mesenchymal stromal cells", 0.9,
                DoseResponse("emax", ed50=5e5), CELL_GRID, "cells",
                (("human", "xenogeneic", 0.6), ("recipient", "allogeneic", 0.4))),
    ProductSpec("UC-MSC", "UC-MSC", "umbilical cord", "umbilical cord mesenchymal stromal cells", 1.05,
                DoseResponse("betaMod", delta1=0.6, delta2=1.4, scal=5e6), CELL_GRID, "cells",
                (("human", "xenogeneic", 1.0),)),
    ProductSpec("NSC", "NSC", "spinal cord", "neural stem cells", 0.85,
                DoseResponse("betaMod", delta1=0.8, delta2=1.2, scal=4e6), CELL_GRID, "cells",
                (("human", "xenogeneic", 0.5), ("recipient", "allogeneic", 0.5))),
    ProductSpec("MSC-EV", "MSC-EV", "bone marrow", "extracellular vesicles from bone marrow MSCs", 0.8,
                DoseResponse("emax", ed50=30.0), (10.0, 25.0, 50.0, 100.0, 200.0), "ug",
                (("human", "xenogeneic", 0.5), ("recipient", "allogeneic", 0.5))),
)

_NERVE_PRODUCTS = (("BM-MSC", 0.3), ("AD-MSC", 0.25), ("UC-MSC", 0.2), ("NSC", 0.1), ("MSC-EV", 0.15))
_NERVE_OUTCOMES = (("von Frey", 1.0), ("Hargreaves", 0.6), ("grimace", 0.3), ("burrowing", 0.25),
                   ("conditioned place preference", 0.15))

MODELS = (
    ModelSpec("CCI", "chronic constriction injury of the sciatic nerve", "neuropathic", 0.20, True,
              (("intravenous", 0.45), ("intrathecal", 0.55)), _NERVE_PRODUCTS, _NERVE_OUTCOMES,
              "four loose 4-0 chromic gut ligatures around the common sciatic nerve", (3.0, 7.0, 14.0)),
    ModelSpec("SNI", "spared nerve injury", "neuropathic", 0.12, True,
              (("intravenous", 0.4), ("intrathecal", 0.6)), _NERVE_PRODUCTS, _NERVE_OUTCOMES,
              "ligation and section of the tibial and common peroneal nerves, sparing the sural nerve",
              (3.0, 7.0, 14.0)),
    ModelSpec("SNL", "L5 spinal nerve ligation", "neuropathic", 0.10, False,
              (("intravenous", 0.3), ("intrathecal", 0.7)), _NERVE_PRODUCTS, _NERVE_OUTCOMES,
              "tight silk ligation of the left L5 spinal nerve", (7.0, 14.0)),
    ModelSpec("PSNL", "partial sciatic nerve ligation", "neuropathic", 0.08, True,
              (("intravenous", 0.6), ("intrathecal", 0.4)), _NERVE_PRODUCTS, _NERVE_OUTCOMES,
              "tight ligation of one third to one half of the dorsal sciatic nerve", (4.0, 7.0)),
    ModelSpec("SCI contusion", "thoracic spinal cord contusion", "sci", 0.20, False,
              (("intralesional", 0.5), ("intrathecal", 0.25), ("intravenous", 0.25)),
              (("NSC", 0.3), ("BM-MSC", 0.3), ("UC-MSC", 0.2), ("MSC-EV", 0.2)),
              (("BBB", 1.0), ("von Frey", 0.5), ("grimace", 0.15)),
              "weight-drop contusion of the T10 cord after laminectomy", (1.0, 3.0, 7.0)),
    ModelSpec("needle puncture", "intervertebral disc degeneration by annulus needle puncture", "idd", 0.12,
              False, (("intradiscal", 1.0),), (("BM-MSC", 0.4), ("AD-MSC", 0.3), ("MSC-EV", 0.3)),
              (("disc height index", 1.0), ("von Frey", 0.5), ("grimace", 0.2)),
              "percutaneous puncture of caudal discs Co6-7 and Co7-8 with a 20-gauge needle", (7.0, 14.0)),
    ModelSpec("MIA", "monosodium iodoacetate knee osteoarthritis", "oa", 0.18, True,
              (("intra-articular", 1.0),),
              (("BM-MSC", 0.3), ("AD-MSC", 0.3), ("UC-MSC", 0.15), ("MSC-EV", 0.25)),
              (("von Frey", 1.0), ("OARSI", 0.7), ("burrowing", 0.25), ("grimace", 0.2),
               ("conditioned place preference", 0.1)),
              "a single intra-articular injection of 2 mg monosodium iodoacetate in 50 uL saline", (7.0, 14.0)),
)

ROB = RobSpec(
    answers={  # (yes, no, unclear)
        "sequence_generation": (0.35, 0.05, 0.60),
        "baseline_characteristics": (0.55, 0.05, 0.40),
        "allocation_concealment": (0.10, 0.05, 0.85),
        "random_housing": (0.08, 0.02, 0.90),
        "caregiver_blinding": (0.15, 0.05, 0.80),
        "random_outcome_assessment": (0.10, 0.05, 0.85),
        "assessor_blinding": (0.45, 0.10, 0.45),
        "incomplete_outcome_data": (0.60, 0.05, 0.35),
        "selective_reporting": (0.20, 0.05, 0.75),
        "other_bias": (0.50, 0.10, 0.40),
    },
    multipliers={"sequence_generation": 1.20, "allocation_concealment": 1.10, "assessor_blinding": 1.30},
)

DEFAULT_CONFIG = SimConfig(
    domain_effects={"evoked": 0.45, "spontaneous": 0.22, "affective": 0.18, "motor": 0.30, "structural": 0.35,
                    "imaging": 0.30},
    tau=0.12,
    tau_experiment=0.05,
    onset_days=5.0,
    preventive_multiplier=1.2,
    lab_shift_sd=0.1,
    rho_within_animal=0.5,
    route_potency={"intravenous": 0.2},
    species_scale={"rat": 1.0, "mouse": 0.1},
    share_mouse=0.2,
    rat_strains=(("Sprague-Dawley", 0.70), ("Wistar", 0.18), ("Lewis", 0.12)),
    mouse_strain="C57BL/6",
    design_shares={"single": 0.5, "two_dose": 0.2, "dose_finding": 0.3},
    share_sham=0.75,
    share_sem=0.8,
    share_second_experiment=0.2,
    share_preventive=0.3,
    n_range=(6, 12),
    p_attrition=0.1,
    schedules=((3.0, 7.0, 14.0, 21.0, 28.0), (7.0, 14.0, 21.0, 28.0), (7.0, 14.0, 28.0),
               (1.0, 3.0, 7.0, 14.0, 21.0), (7.0, 14.0, 21.0, 28.0, 35.0, 42.0)),
    sex=(("male", 0.75), ("female", 0.15), ("mixed", 0.10)),
    assays=ASSAYS,
    products=PRODUCTS,
    models=MODELS,
    rob=ROB,
    publication=PublicationSpec(alpha=0.05, p_publish=0.5),
    adverse=(
        AdverseSpec("intravenous", "respiratory compromise", 0.15),
        AdverseSpec("intrathecal", "neuroinflammation", 0.05),
        AdverseSpec("intra-articular", "synovitis", 0.08),
    ),
    p_mechanism=0.6,
    mechanism_evidence={"activity": 0.25, "loss_of_function": 0.12, "time_resolved": 0.10,
                        "compartment_resolved": 0.08},
    pathways=(("NF-kB", "spinal microglia"), ("NLRP3", "DRG neurons"), ("ERK", "spinal dorsal horn"),
              ("PI3K/Akt", "injured tissue"), ("TrkB", "DRG neurons"), ("VEGF", "injured tissue"),
              ("mu-opioid", "spinal dorsal horn"), ("GFRa", "DRG neurons"), ("Angpt/Tie2", "injured tissue"),
              ("MMP/TIMP", "cartilage and disc matrix")),
)

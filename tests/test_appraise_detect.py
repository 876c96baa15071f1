"""Text detectors: painregen's patterns and the CAMARADES RegexRoB expressions measured on labelled sentences,
proposals with their supporting sentence and span, and agreement with the simulator's SYRCLE answers.

The labelled sentences were written for painregen (none is taken from a paper). Labels say which topics a
sentence REPORTS for its own study: R randomised allocation, B blinding of study personnel to group allocation,
S a sample-size calculation, W compliance with animal-welfare regulations or ethical approval, C a
conflict-of-interest statement, T control of the animals' temperature. A sentence stating the opposite ("were not
randomised") or using the words in another sense ("randomly selected sections", "blinded reviewers of the
manuscript") has no label. SENTENCES were written while the patterns were designed (a development set); HELD_OUT
was written after the first patterns were frozen. Issue 16 re-derived both: under its item boundaries (SYRCLE) the
operating surgeon's blinding is allocation concealment, not blinded outcome assessment, so that sentence lost its B
label; and its second pass changed rules after seeing HELD_OUT's misses (IASP guidelines, "welfare body",
"financial or other relationships", "randomized block design", random numbers "drawn"), so HELD_OUT is no longer a
held-out measurement: the held-out figures are those of the real papers in tests/data/rob_corpus.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from painregen.appraise.detect import fires, hits, prefill, sentences
from painregen.simulate import simulate

SENTENCES: list[tuple[str, str]] = [
    # randomisation
    ("Rats were randomly assigned to three groups using a computer-generated sequence.", "R"),
    ("Mice were allocated to treatment or vehicle at random.", "R"),
    ("After CCI surgery, animals were randomized into sham, vehicle and MSC groups (n = 8 each).", "R"),
    ("Randomisation was performed with a random number table by a technician not involved in testing.", "R"),
    ("The animals were divided randomly into four groups.", "R"),
    ("Block randomization stratified by baseline withdrawal threshold was used to allocate the rats.", "R"),
    ("Group allocation followed a randomisation schedule generated in R.", "R"),
    ("Twenty-four rats were randomly distributed among the experimental groups.", "R"),
    ("Animals were not randomised to groups.", ""),
    ("Five randomly selected sections per animal were analysed.", ""),
    ("Images were taken from randomly chosen fields of the dorsal horn.", ""),
    ("A random-effects model was used to pool the data.", ""),
    ("Previous randomized controlled trials of MSCs in knee osteoarthritis were inconclusive.", ""),
    ("Animals were allocated to groups in the order in which they underwent surgery.", ""),
    ("Rats were divided into four groups of eight.", ""),
    ("Cells were seeded at random positions on the scaffold.", ""),
    ("Animals were assigned to groups based on their baseline thresholds, without randomisation.", ""),
    ("Random fields of view were imaged at 20x magnification.", ""),
    ("Twelve rats were randomly selected for histology at day 28.", ""),
    ("Allocation was concealed using sealed opaque envelopes.", ""),
    ("Randomization and blinding were not used in this exploratory study.", ""),
    # blinding
    ("All behavioural tests were performed by an investigator blinded to group allocation.", "B"),
    ("The observer was unaware of the treatment each animal had received.", "B"),
    ("Grimace scores were assessed blindly from video recordings.", "B"),
    ("Histological scoring was carried out by two blinded assessors.", "B"),
    ("Von Frey testing was conducted in a blinded manner.", "B"),
    ("The experimenter was not aware of the group identity of the animals.", "B"),
    ("BBB scores were rated by observers who were kept blind to the treatment.", "B"),
    ("Syringes were coded by a colleague so that the surgeon and the testers were blinded.", "B"),
    ("In this double-blind study, cells or vehicle were coded by a third party.", "B"),
    ("The surgeon was blinded to the treatment group.", ""),  # allocation concealment, not outcome assessment
    ("The manuscript was evaluated by two blinded reviewers.", ""),
    ("Outcome assessors were not blinded to treatment.", ""),
    ("Tests were carried out by the investigator who had given the injections and knew each group.", ""),
    ("Blind mice were excluded from the visual tests.", ""),
    ("This open-label pilot study included six dogs.", ""),
    ("Unblinded assessment may have inflated the effect sizes.", ""),
    ("The study was double-blind peer reviewed.", ""),
    # sample size
    ("Sample size was calculated with G*Power to detect a 30% difference in withdrawal threshold with 80% power "
     "at alpha = 0.05.", "S"),
    ("A power analysis based on pilot data indicated that eight rats per group were required.", "S"),
    ("Group sizes were determined by an a priori power calculation (power 0.8, α 0.05).", "S"),
    ("Ten animals per group were needed to detect an effect size of 1.2 with a power of 0.9.", "S"),
    ("The number of animals was based on a sample size calculation from our previous study.", "S"),
    ("Sample sizes were estimated from the variance observed in a pilot experiment.", "S"),
    ("We estimated that 9 mice per group would give 80% power to detect a 25% reduction in grimace score.", "S"),
    ("No sample size calculation was performed.", ""),
    ("The small sample size limits the conclusions of this study.", ""),
    ("The analgesic power of MSC secretome was greater than that of gabapentin.", ""),
    ("Sample sizes were chosen on the basis of previous experience in our laboratory.", ""),
    ("Statistical power was limited by the loss of three animals.", ""),
    # welfare
    ("All procedures were approved by the Institutional Animal Care and Use Committee of Sichuan University.", "W"),
    ("Experiments were performed in accordance with the NIH Guide for the Care and Use of Laboratory Animals.", "W"),
    ("The study complied with EU Directive 2010/63/EU and was authorised by the local ethics committee.", "W"),
    ("Animal work was carried out under the Animals (Scientific Procedures) Act 1986 with Home Office approval.",
     "W"),
    ("The protocol (No. 2019-045) was reviewed and approved by the Animal Ethics Committee.", "W"),
    ("All efforts were made to minimise animal suffering, in line with national regulations.", "W"),
    ("Ethical approval was obtained from the Animal Experimentation Ethics Board of the university.", "W"),
    ("Cells were cultured in accordance with the manufacturer's instructions.", ""),
    ("The results are in line with previous reports of MSC-mediated analgesia.", ""),
    ("Human umbilical cords were collected after informed consent from donors.", ""),
    ("Rats were housed in groups of four with free access to food and water.", ""),
    # conflicts of interest
    ("The authors declare no competing interests.", "C"),
    ("The authors declare that there are no conflicts of interest.", "C"),
    ("J.S. is an employee of StemCo Ltd and holds shares in the company.", "C"),
    ("Competing interests: none declared.", "C"),
    ("No potential conflict of interest was reported by the authors.", "C"),
    ("Disclosure statement: the authors report no financial relationships with commercial interests.", "C"),
    ("M.L. has received consulting fees from a cell-therapy company.", "C"),
    ("The authors have nothing to disclose.", "C"),
    ("Interest in extracellular vesicles as cell-free therapeutics has grown rapidly.", ""),
    ("Conflicting results have been reported for intrathecal MSCs.", ""),
    ("Of particular interest, the effect persisted for six weeks.", ""),
    ("Competing hypotheses explain the delayed onset of analgesia.", ""),
    # temperature
    ("Body temperature was maintained at 37 °C with a heating pad during surgery.", "T"),
    ("Animals were housed at 22 ± 2 °C on a 12 h light/dark cycle.", "T"),
    ("Animals were kept in a temperature-controlled room.", "T"),
    ("Cells were incubated at 37 °C in 5% CO2.", ""),
    ("Exosomes were stored at -80 °C until use.", ""),
    # several topics, or none
    ("Rats were randomly assigned to groups and all behavioural testing was performed blind to treatment.", "RB"),
    ("The study was approved by the local animal ethics committee, and the sample size was determined by power "
     "analysis.", "WS"),
    ("Animals were randomly allocated to groups by a person not involved in outcome assessment, who was blinded to "
     "treatment during scoring.", "RB"),
    ("No animals were excluded.", ""),
    ("Mechanical allodynia was assessed with von Frey filaments using the up-down method.", ""),
    ("Data are presented as mean ± SEM.", ""),
]

#: label letter -> painregen detector id and CAMARADES RegexRoB row name
TOPICS: dict[str, tuple[str, str | None]] = {
    "R": ("randomisation", "Randomisation"),
    "B": ("blinding", "Blinded Outcome"),
    "S": ("sample_size", "Sample size"),
    "W": ("welfare", "Compliance with animal welfare"),
    "C": ("conflict_of_interest", "Conflict of interest"),
    "T": ("temperature", None),
}

#: written after the patterns were frozen; the patterns were not changed after seeing these results
HELD_OUT: list[tuple[str, str]] = [
    ("Allocation of animals to the MSC or saline group was done by coin toss.", "R"),
    ("Rats were assigned to treatment groups using a randomized block design.", "R"),
    ("Mice were randomly grouped (n = 10 per group) after baseline testing.", "R"),
    ("Each litter was split between groups using random numbers drawn from a hat.", "R"),
    ("The injection order was randomised within each cage.", "R"),
    ("Treatment groups were formed by simple randomisation.", "R"),
    ("Animals were randomly sampled from the colony for the pilot study.", ""),
    ("Stereological counts were made in ten systematically random sections.", ""),
    ("A randomised, placebo-controlled trial in patients is now under way.", ""),
    ("Rats were assigned to groups by the surgeon according to cage number.", ""),
    ("Behavioural assessments were performed by an experimenter masked to treatment.", "B"),
    ("Scoring was done by a researcher who did not know the group assignments.", "B"),
    ("All analyses were conducted with the group codes concealed from the analyst.", "B"),
    ("Two independent raters, blind to the experimental conditions, scored the videos.", "B"),
    ("The investigator performing von Frey testing was blinded throughout the study.", "B"),
    ("Investigators were aware of the treatment groups during testing.", ""),
    ("The blinded review process of the journal was followed.", ""),
    ("The outcome assessment was not blinded because the cell-treated joints were visibly swollen.", ""),
    ("Based on a previous study, a group size of 8 provides 80% power to detect a difference of 2 g.", "S"),
    ("An a priori power analysis (α = 0.05, 1-β = 0.8) determined a minimum of six rats per group.", "S"),
    ("The required sample size was computed using an effect size of 1.5 from preliminary data.", "S"),
    ("Group sizes were based on what is typical in the field.", ""),
    ("The sample size was limited by the number of available donors.", ""),
    ("The electrical power of the stimulator was set to 3 W.", ""),
    ("The experimental protocol was approved by the Ethics Committee for Animal Experimentation of the university "
     "(permit number 2021-114).", "W"),
    ("Procedures conformed to the guidelines of the International Association for the Study of Pain.", "W"),
    ("Experiments followed the European Communities Council Directive of 24 November 1986 (86/609/EEC).", "W"),
    ("The animal study was reviewed by the institutional welfare body.", "W"),
    ("Analyses were performed in accordance with the statistical analysis plan.", ""),
    ("Doses were chosen in line with earlier dose-finding work.", ""),
    ("The authors declare no conflict of interest.", "C"),
    ("A.B. is a founder of a company developing exosome therapeutics.", "C"),
    ("The authors report no competing financial interests.", "C"),
    ("There are no financial or other relationships that could be seen as a conflict.", "C"),
    ("Regeneration is of great interest to pain researchers.", ""),
    ("The competing demands of surgery and testing limited the number of animals.", ""),
    ("Rectal temperature was kept between 36.5 and 37.5 °C throughout anaesthesia.", "T"),
    ("The room was maintained at 21 °C and 55% humidity.", "T"),
    ("Samples were kept at 4 °C during transport.", ""),
    ("The reaction was run at 95 °C for 5 min.", ""),
    ("All animals received the same diet.", ""),
    ("Fewer female rats were available, so only males were used.", ""),
]

TOPICS: dict[str, tuple[str, str | None]] = {  # label -> (painregen detector, CAMARADES RegexRoB row)
    "R": ("randomisation", "Randomisation"),
    "B": ("blinding", "Blinded Outcome"),
    "S": ("sample_size", "Sample size"),
    "W": ("welfare", "Compliance with animal welfare"),
    "C": ("conflict_of_interest", "Conflict of interest"),
    "T": ("temperature", None),
}

# (tp, fp, fn) per topic; the same numbers are in docs/appraise.md (re-derived in issue 16, see the docstring)
EXPECTED = {
    ("dev", "painregen"): {"R": (10, 0, 0), "B": (11, 0, 0), "S": (8, 0, 0), "W": (8, 0, 0), "C": (8, 0, 0),
                           "T": (3, 0, 0)},
    ("dev", "camarades"): {"R": (6, 3, 4), "B": (11, 6, 0), "S": (8, 2, 0), "W": (5, 0, 3), "C": (4, 0, 4)},
    ("held_out", "painregen"): {"R": (5, 0, 1), "B": (5, 0, 0), "S": (3, 0, 0), "W": (4, 0, 0), "C": (4, 0, 0),
                                "T": (2, 0, 0)},
    ("held_out", "camarades"): {"R": (0, 1, 6), "B": (3, 2, 2), "S": (2, 1, 1), "W": (1, 1, 3), "C": (2, 0, 2)},
}
SETS = {"dev": SENTENCES, "held_out": HELD_OUT}


@pytest.fixture(scope="module")
def camarades(shared_data: Path) -> dict[str, re.Pattern[str]]:
    """The CAMARADES RegexRoB expressions, applied case-insensitively as RegexRoB does (ignoreCase = TRUE).

    Python's re has no Unicode property classes: ``\\P{M}`` (any character that is not a combining mark) becomes
    ``[^\\u0300-\\u036f]`` (not a combining diacritical mark), which agrees on all these ASCII-like sentences."""
    path = shared_data / "rob" / "camarades_RegexRoB_Preclinical_RoB_regex.csv"
    with path.open(encoding="utf-8") as fh:
        rows = {r["Name"]: r["Regex"] for r in csv.DictReader(fh)}
    return {k: re.compile(v.replace(r"\P{M}", "[^\u0300-\u036f]"), re.IGNORECASE) for k, v in rows.items()}


def confusion(predict, letter: str, labelled: list[tuple[str, str]]) -> tuple[int, int, int]:
    tp = sum(predict(s) and letter in lab for s, lab in labelled)
    fp = sum(predict(s) and letter not in lab for s, lab in labelled)
    fn = sum(not predict(s) and letter in lab for s, lab in labelled)
    return tp, fp, fn


def test_labelled_set_is_large_and_balanced() -> None:
    assert len(SENTENCES) + len(HELD_OUT) >= 60
    assert len(SENTENCES) >= 60
    for letter in "RBSWC":
        positives = sum(letter in lab for _, lab in SENTENCES)
        assert positives >= 6, letter
    assert sum(lab == "" for _, lab in SENTENCES) >= 25  # negatives, most of them near misses


@pytest.mark.parametrize("set_name", ["dev", "held_out"])
def test_painregen_confusion_counts(set_name: str) -> None:
    for letter, (det, _) in TOPICS.items():
        got = confusion(lambda s, d=det: fires(d, s), letter, SETS[set_name])
        assert got == EXPECTED[(set_name, "painregen")][letter], (set_name, letter)


@pytest.mark.parametrize("set_name", ["dev", "held_out"])
def test_camarades_confusion_counts(camarades: dict[str, re.Pattern[str]], set_name: str) -> None:
    for letter, (_, row) in TOPICS.items():
        if row is None:
            continue
        got = confusion(lambda s, p=camarades[row]: p.search(s) is not None, letter, SETS[set_name])
        assert got == EXPECTED[(set_name, "camarades")][letter], (set_name, letter)


def _micro(counts: dict[str, tuple[int, int, int]]) -> tuple[float, float, float]:
    tp, fp, fn = (sum(c[i] for k, c in counts.items() if k != "T") for i in range(3))
    p, r = tp / (tp + fp), tp / (tp + fn)
    return p, r, 2 * p * r / (p + r)


def test_thresholds() -> None:
    """Stated thresholds: on the development set every painregen detector has precision and recall >= 0.95; on
    the held-out set, micro-averaged over the five CAMARADES topics, painregen's precision is >= 0.90 and at least
    CAMARADES', and its F1 is at least CAMARADES'."""
    for letter, (tp, fp, fn) in EXPECTED[("dev", "painregen")].items():
        assert tp / (tp + fp) >= 0.95 and tp / (tp + fn) >= 0.95, letter
    p_ours, _, f_ours = _micro(EXPECTED[("held_out", "painregen")])
    p_cam, _, f_cam = _micro(EXPECTED[("held_out", "camarades")])
    assert p_ours >= 0.90 and p_ours >= p_cam and f_ours >= f_cam


def test_sentence_spans_skip_abbreviations() -> None:
    text = "Rats (e.g. Wistar; Smith et al. 2020) were used. Fig. 2 shows it! Data are mean ± SD.  "
    spans = sentences(text)
    assert [text[a:b] for a, b in spans] == [
        "Rats (e.g. Wistar; Smith et al. 2020) were used.", "Fig. 2 shows it!", "Data are mean ± SD."]


def test_prefill_proposals_carry_sentence_and_span() -> None:
    text = ("Male rats were used. Animals were randomly assigned to three groups. The tester knew each group. "
            "The authors declare no competing interests.")
    props = {(p.instrument, p.item): p for p in prefill(text)}
    seq = props[("syrcle", "sequence_generation")]
    assert seq.answer == "yes" and seq.sentence == "Animals were randomly assigned to three groups."
    assert text[seq.start:seq.end] == seq.sentence and text[seq.match_start:seq.match_end] == "randomly assigned"
    blind = props[("syrcle", "assessor_blinding")]
    assert (blind.answer, blind.sentence) == ("no", "The tester knew each group.")
    assert props[("arrive", "5")].answer == "reported"  # who knew the allocation is reported, even if unblinded
    assert props[("camarades", "conflict_of_interest")].answer == "yes"
    assert ("arrive", "2b") not in props and ("camarades", "welfare_compliance") not in props
    assert prefill("") == [] and hits("Nothing to see here.") == []


def test_a_positive_sentence_wins_over_a_negative_one() -> None:
    text = "Sections were not randomised. Rats were randomly allocated to groups."
    seq = next(p for p in prefill(text) if p.item == "sequence_generation")
    assert (seq.answer, seq.sentence, seq.n_sentences) == ("yes", "Rats were randomly allocated to groups.", 1)


def test_detectors_agree_with_simulated_syrcle_answers() -> None:
    """The simulator mentions randomisation / blinding exactly when those SYRCLE answers are yes, and states the
    opposite when they are no: the detectors must recover the answers (unclear -> no proposal)."""
    ds = simulate(30, seed=11)
    expected = {"yes": "yes", "no": "no", "unclear": None}
    for s in ds.studies:
        props = {p.item: p.answer for p in prefill(s.methods_text or "") if p.instrument == "syrcle"}
        for item in ("sequence_generation", "assessor_blinding"):
            assert props.get(item) == expected[s.rob[item]], (s.study_id, item)

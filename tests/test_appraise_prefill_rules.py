"""Appraisal pre-filling, unit by unit: negations and look-alikes of each SYRCLE item on single sentences (written
for painregen while the rules were developed), section headings, PDF text normalisation and reading, the
detectors' fast triggers."""

from __future__ import annotations

import dataclasses

import pytest

from painregen.appraise import detect
from painregen.appraise.detect import hits, prefill, prefill_text
from painregen.appraise.evaluate import load_corpus, load_synthetic
from painregen.appraise.pdftext import read_source
from painregen.appraise.textnorm import is_heading, normalise, split_sentences
from painregen.io.problems import InvalidDataError
from pdf_fixtures import METHODS_PAGES, make_pdf
from rob_corpus_fixtures import CORPUS, needs_texts


def answer(text: str, item: str, instrument: str = "syrcle") -> str | None:
    return next((p.answer for p in prefill(text) if p.instrument == instrument and p.item == item), None)


#: (sentence, item, expected answer), written for painregen
SINGLE_SENTENCES = [
    ("Animals were not randomised to groups.", "sequence_generation", "no"),
    ("Allocation was quasi-random, by cage number.", "sequence_generation", "no"),
    ("Rats were not assigned to groups at random.", "sequence_generation", "no"),
    ("We did not randomize the animals.", "sequence_generation", "no"),
    ("The animals were assigned to groups by the investigator, without a random sequence.", "sequence_generation",
     "no"),
    ("Mice were randomly allocated to vehicle or cells.", "sequence_generation", "yes"),
    ("Not only were rats randomized to groups, but the order was also balanced.", "sequence_generation", "yes"),
    ("Rats were assigned to treatment groups using a randomized block design.", "sequence_generation", "yes"),
    ("Mice were tested in a randomised order.", "sequence_generation", None),
    ("Randomly chosen sections were imaged.", "sequence_generation", None),
    ("The stimulus order was pseudorandomized.", "sequence_generation", None),
    ("Transgene copies integrated at random into the genome of each founder mouse.", "sequence_generation", None),
    ("Mice were tested in a randomised order.", "random_outcome_assessment", "yes"),
    ("Mice were not selected at random for behavioural testing.", "random_outcome_assessment", "no"),
    ("The surgeon was blinded to the treatment group.", "assessor_blinding", None),
    ("The surgeon was blinded to the treatment group.", "allocation_concealment", "yes"),
    ("Allocation was concealed using sealed opaque envelopes.", "allocation_concealment", "yes"),
    ("Allocation to groups was concealed from the surgeon.", "allocation_concealment", "yes"),
    ("The allocation list was kept solely by the hospital pharmacist, who labelled the vials.",
     "allocation_concealment", "yes"),
    ("The allocation was not concealed.", "allocation_concealment", "no"),
    ("Data collection and analysis were not performed blind to the conditions.", "assessor_blinding", "no"),
    ("The experimenters were not blind to genotype.", "assessor_blinding", "no"),
    ("The person scoring the slides knew the treatment of each animal.", "assessor_blinding", "no"),
    ("Outcome assessors had no knowledge of the group assignment.", "assessor_blinding", "yes"),
    ("The behavioural tests were performed by a researcher who did not know the group assignments.",
     "assessor_blinding", "yes"),
    ("Grading of the slides was not influenced at all by knowledge of which rats had received cells.",
     "assessor_blinding", "yes"),
    ("Two independent raters, blind to the experimental conditions, scored the videos.", "assessor_blinding",
     "yes"),
    ("These independent double-blind studies of healthy volunteers showed sedation.", "assessor_blinding", None),
    ("The investigator who performed the surgery was not blinded.", "assessor_blinding", None),
    ("The investigator who performed the surgery was not blinded.", "caregiver_blinding", "no"),
    ("Staff handling the animals were aware of the treatment groups.", "caregiver_blinding", "no"),
    ("Cages were placed randomly on the racks.", "random_housing", "yes"),
    ("Cages were not randomized within the room.", "random_housing", "no"),
    # third pass (development part grown with 24 papers): animal-study phrasings of allocation concealment, the
    # design statements of feeding trials, masked panels of assessors
    ("Drugs were prepared and coded by a colleague not involved in the behavioural testing.",
     "allocation_concealment", "yes"),
    ("Rats were randomly allocated to groups by an investigator not involved in the surgery.",
     "allocation_concealment", "yes"),
    ("Vehicle and drug were injected from coded syringes.", "allocation_concealment", "yes"),
    ("Randomisation was performed by a third party.", "allocation_concealment", "yes"),
    ("Samples were selected randomly by a third-party laboratory for sequencing.", "allocation_concealment", None),
    ("The animals were allocated by a person who was not involved in the study.", "allocation_concealment", "yes"),
    ("When tumours reached 100 mm3, mice were randomized (n = 5/group) and treated.", "sequence_generation", "yes"),
    ("This feeding trial used a completely randomized design with six pens.", "sequence_generation", "yes"),
    ("Diets were allotted at random to each pen.", "sequence_generation", "yes"),
    ("Image quality was graded by a masked panel of 32 veterinary ophthalmologists.", "assessor_blinding", "yes"),
    ("Mutant and control blocks were blinded.", "assessor_blinding", "yes"),
    ("Images were scored and tagged blind in ImageJ.", "assessor_blinding", "yes"),
    ("The order of the four devices was determined by computer-generated randomization.",
     "random_outcome_assessment", "yes"),
]


@pytest.mark.parametrize(("sentence", "item", "expected"), SINGLE_SENTENCES)
def test_syrcle_answers_on_single_sentences(sentence: str, item: str, expected: str | None) -> None:
    assert answer(sentence, item) == expected


def test_arrive_is_the_guideline_only_in_capitals_and_employment_needs_a_person() -> None:
    assert answer("Bd may continue to arrive in Madagascar until the pathway is controlled.", "14", "arrive") is None
    assert answer("The study is reported following the ARRIVE guidelines for mouse experiments.", "14",
                  "arrive") == "reported"
    assert answer("The targeting strategy employed by Arthur and colleagues truncated the protein.", "21a",
                  "arrive") is None
    assert answer("JS is employed by Novartis.", "21a", "arrive") == "reported"


def test_camarades_sample_size_welfare_and_conflicts() -> None:
    camarades = {p.item: p.answer for p in prefill(
        "No statistical methods were used to predetermine sample sizes. The study was approved by the "
        "Institutional Review Board of the hospital. The funders had no role in study design.") if
        p.instrument == "camarades"}
    assert camarades == {"sample_size_calculation": "no"}
    assert answer("A post hoc power calculation indicated 45% power.", "sample_size_calculation", "camarades") is None
    assert answer("Cells were cultured according to the manufacturer's guidelines, and rats were fed chow.",
                  "welfare_compliance", "camarades") is None
    assert answer("Procedures on rats conformed to the guidelines of the International Association for the Study "
                  "of Pain.", "welfare_compliance", "camarades") == "yes"
    assert answer("This does not alter the authors' adherence to the journal's rules on sharing data and materials.",
                  "conflict_of_interest", "camarades") is None


def test_headings_set_sections_and_back_matter_ends_them() -> None:
    text = ("Competing interests.\nPart of this work was funded by a drug company.\nAuthor contributions.\n"
            "AB and CD designed the experiments.\n")
    found = [(h.detector, text[h.sentence_start:h.sentence_end]) for h in hits(text, model=False)]
    assert found == [("conflict_of_interest", "Part of this work was funded by a drug company.")]
    assert is_heading("Competing interests") and not is_heading("None declared.")
    assert hits("Randomisation\nAnimals were housed in pairs.", model=False) == []
    # a pasted sentence without its full stop is a sentence, not a heading
    assert answer("Mice were randomly allocated to groups", "sequence_generation") == "yes"


def test_pdf_text_is_read_and_repaired() -> None:
    src = read_source(make_pdf(METHODS_PAGES), "paper.pdf")
    assert src.pdf and src.pages == 3 and src.text.count("\f") == 2
    text, props = prefill_text(src.text, pdf=True)
    assert "J Pain Res" not in text and "\n101\n" not in text and "102" not in text
    assert "rats were randomly assigned to the vehicle or MSC groups using a computer-generated list." in text
    assert "approved by the Animal Care and Use Committee of the university." in text  # joined across the page
    got = {(p.instrument, p.item): p for p in props}
    assert got[("syrcle", "sequence_generation")].answer == "yes"
    assert got[("camarades", "welfare_compliance")].sentence == \
        "All procedures were approved by the Animal Care and Use Committee of the university."
    for p in props:  # spans refer to the normalised text
        assert text[p.start:p.end] == p.sentence and text[p.match_start:p.match_end] == p.match


def test_normalise_without_page_breaks_keeps_repeated_body_lines() -> None:
    page = ("Journal of Pain Research 2021\nAnimals were ran-\ndomly assigned to the \ufb01ve groups using a\n"
            "computer-generated list (Smith et al. 2019).\n12\n")
    text = normalise(page * 3, pdf=True)
    assert "Journal of Pain Research" not in text and "\n12\n" not in text
    assert text.count("Animals were randomly assigned to the five groups using a computer-generated list") == 3
    quotes = normalise("approved by the \u201cAnimal Ethics Committee\u201d \u2013 ok\u00ad")
    assert quotes.strip() == 'approved by the "Animal Ethics Committee" - ok'
    # a compound the text also writes with its hyphen keeps it at a line end
    assert "dose-response" in normalise("a dose-\nresponse study; the dose-response curve", pdf=True)


def test_sentence_splitter_survives_abbreviations() -> None:
    text = ("Mice received MSCs i.p. at 2.5 mg/kg (e.g. Fig. 2; Smith et al. 2020). Methods\n"
            "Rats were used. Tests were blinded vs. controls.")
    got = [text[a:b] for a, b in split_sentences(text)]
    assert got == ["Mice received MSCs i.p. at 2.5 mg/kg (e.g. Fig. 2; Smith et al. 2020).", "Methods",
                   "Rats were used.", "Tests were blinded vs. controls."]


def test_prefill_text_spans_refer_to_normalised_text() -> None:
    text, props = prefill_text("Rats were ran-\ndomly allocated to groups.\n\nThe authors declare no competing "
                               "interests.")
    seq = next(p for p in props if p.item == "sequence_generation")
    assert text[seq.start:seq.end] == seq.sentence == "Rats were randomly allocated to groups."


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"%PDF-1.4 this is not really a PDF", "x.pdf", "cannot read the PDF"),
    (b"plain text", "x.pdf", "not a PDF"),
    (b"\x00\x01\x02binary", "x.txt", "binary"),
    (b"\xff\xfe\xfa not utf-8", "x.txt", "not UTF-8"),
    (b"   \n", "x.txt", "empty"),
    (make_pdf([[]]), "scan.pdf", "no text layer"),
])
def test_unreadable_files_are_problems(data: bytes, name: str, message: str) -> None:
    with pytest.raises(InvalidDataError) as err:
        read_source(data, name)
    assert message in err.value.problems[0].message and err.value.problems[0].file == name


def _assert_triggers_change_no_answer(sentences: list[str]) -> None:
    for det in detect.DETECTORS:
        plain = dataclasses.replace(det, trigger=None)
        for s in sentences:
            a, b = detect._classify(det, s), detect._classify(plain, s)
            assert (a and (a[0], a[1].span())) == (b and (b[0], b[1].span())), (det.id, s)


def test_triggers_change_no_answer() -> None:
    """Each detector's trigger (a fast first test) must never hide a match: compare with the trigger removed on
    every hand-written sentence (synthetic_heldout.csv and this module's)."""
    sentences = [r["sentence"] for r in load_synthetic(CORPUS / "synthetic_heldout.csv")]
    sentences += [row[0] for row in SINGLE_SENTENCES]
    _assert_triggers_change_no_answer(sentences)


@needs_texts
def test_triggers_change_no_answer_on_labelled_corpus_sentences() -> None:
    """The same on every labelled sentence of the rebuilt corpus texts."""
    sentences = []
    for split in ("dev", "heldout", "heldout_b"):
        for doc in load_corpus(CORPUS, split):
            sentences += [doc.text[a:b] for _, _, a, b in doc.labels]
    assert len(sentences) == 854
    _assert_triggers_change_no_answer(sentences)

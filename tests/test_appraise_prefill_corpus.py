"""Appraisal pre-filling on real papers: the rob corpus (tests/data/rob_corpus, CC BY / public domain), two
held-out parts never used to write the rules or train the model, next to CAMARADES RegexRoB (read from
../shared). The floors below are a little under the figures measured when the parts were first scored
(benchmarks/RESULTS.md); the issue-16 targets that are still missed are a strict xfail.

The article texts are rebuilt locally (tools/rob_corpus_build.py), never committed: tests that read them skip
when they are absent (rob_corpus_fixtures.needs_texts); the committed documents, labels (offsets and SHA-256 sums,
no text), hand-written sentences and the model are checked always."""

from __future__ import annotations

import csv
import hashlib
import json
import re
from pathlib import Path

import pytest

from painregen.appraise.evaluate import (
    REGEXROB_ITEMS,
    Result,
    SyntheticScore,
    combine,
    evaluate,
    load_corpus,
    load_regexrob,
    load_synthetic,
    painregen_predictor,
    regexrob_predictor,
    score_synthetic,
)
from painregen.appraise.learned import load_model
from painregen.appraise.textnorm import split_sentences
from rob_corpus_fixtures import CORPUS, needs_texts

FIVE = list(REGEXROB_ITEMS.values())
ITEMS = [*FIVE, "allocation_concealment", "caregiver_blinding", "random_outcome_assessment", "exclusions"]
HELDOUT = ("heldout", "heldout_b", "heldout_c")


@pytest.fixture(scope="module")
def regexrob(shared_data: Path):  # type: ignore[no-untyped-def]
    return load_regexrob(shared_data / "rob" / "camarades_RegexRoB_Preclinical_RoB_regex.csv")


@pytest.fixture(scope="module")
def scored(regexrob) -> dict[str, tuple[Result, Result]]:  # type: ignore[no-untyped-def]
    """painregen and RegexRoB on each held-out part, and pooled."""
    out = {}
    for split in HELDOUT:
        docs = load_corpus(CORPUS, split)
        out[split] = (evaluate(docs, painregen_predictor(True), ITEMS),
                      evaluate(docs, regexrob_predictor(regexrob), FIVE))
    out["pooled"] = (combine(out[s][0] for s in HELDOUT), combine(out[s][1] for s in HELDOUT))
    return out


@pytest.fixture(scope="module")
def synthetic() -> SyntheticScore:
    return score_synthetic(load_synthetic(CORPUS / "synthetic_heldout.csv"), painregen_predictor(True))


LICENCES = {"CC-BY", "CC-BY-3.0", "CC-BY-4.0", "CC-BY-NC-4.0", "CC0-1.0", "PDM-1.0", "CC-PD", "public-domain"}
LABEL_FIELDS = ["doc_id", "split", "item", "label", "start", "end", "sha256", "round"]


def _labels() -> list[dict[str, str]]:
    with (CORPUS / "labels.csv").open(encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == LABEL_FIELDS  # offsets and digests only: no words of the articles
        return list(reader)


def test_corpus_parts_are_fixed_disjoint_and_documented() -> None:
    with (CORPUS / "documents.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    parts = {s: [r for r in rows if r["split"] == s] for s in ("dev", "heldout", "heldout_b", "heldout_c")}
    assert {s: len(v) for s, v in parts.items()} == {"dev": 87, "heldout": 17, "heldout_b": 18, "heldout_c": 22}
    assert len({r["doc_id"] for r in rows}) == len(rows) == 144
    for part in ("heldout_b", "heldout_c"):  # the second and third held-out parts: animal studies only
        assert all(r["kind"] == "in_vivo" for r in parts[part])
    for r in rows:  # provenance: repository@commit, path, licence (README: Sources and licences), title
        repo, _, commit = r["source"].partition("@")
        assert re.fullmatch(r"[\w.-]+/[\w.-]+", repo) and re.fullmatch(r"[0-9a-f]{40}", commit), r["doc_id"]
        assert r["path"] and r["title"] and r["licence"] in LICENCES, r["doc_id"]


def test_labels_are_offsets_with_digests_in_fixed_parts() -> None:
    with (CORPUS / "documents.csv").open(encoding="utf-8") as fh:
        split_of = {r["doc_id"]: r["split"] for r in csv.DictReader(fh)}
    rows = _labels()
    for r in rows:
        assert split_of[r["doc_id"]] == r["split"] and 0 <= int(r["start"]) < int(r["end"]), r
        assert re.fullmatch(r"[0-9a-f]{64}", r["sha256"]) and r["label"] in ("yes", "no", "look", "skip"), r
        assert r["round"] in ("pass1", "pass2", "audit", "pass2b", "pass3", "pass3b", "pass3c"), r
    assert {s: sum(r["split"] == s for r in rows) for s in split_of.values()} == \
        {"dev": 539, "heldout": 229, "heldout_b": 86, "heldout_c": 115}
    # the second held-out part was labelled in one round, before any detector ran on it; the audit touched the
    # first-pass papers only
    assert {r["round"] for r in rows if r["split"] == "heldout_b"} == {"pass2"}
    assert {r["round"] for r in rows if r["split"] == "heldout"} == {"pass1", "audit"}
    assert {r["round"] for r in rows if r["split"] == "heldout_c"} == {"pass3c"}  # one round, before any detector ran


@needs_texts
def test_rebuilt_texts_hold_every_label_as_a_whole_sentence() -> None:
    digest = {(r["doc_id"], int(r["start"]), int(r["end"])): r["sha256"] for r in _labels()}
    for split in ("dev", *HELDOUT):
        for doc in load_corpus(CORPUS, split):
            assert len(doc.text) > 5000, doc.doc_id
            spans = set(split_sentences(doc.text))
            assert doc.labels or split in ("dev", "heldout_c"), doc.doc_id  # heldout_c: one paper states none
            for item, label, a, b in doc.labels:
                assert hashlib.sha256(doc.text[a:b].encode("utf-8")).hexdigest() == digest[doc.doc_id, a, b], \
                    (doc.doc_id, item, a, "rebuilt text differs from the labelled one")
                assert (a, b) in spans and label in ("yes", "no", "look", "skip"), (doc.doc_id, item, a)


def _f1(result: Result, items: list[str], level: str = "sentence") -> float:
    f1 = result.micro(items, level).f1
    assert f1 is not None
    return f1


@needs_texts
@pytest.mark.parametrize(("part", "sentence_floor", "paper_floor"),
                         [("heldout", 0.86, 0.94), ("heldout_b", 0.93, 0.96), ("heldout_c", 0.90, 0.95),
                          ("pooled", 0.89, 0.95)])
def test_heldout_quality_floors_and_regexrob(scored: dict[str, tuple[Result, Result]], part: str,
                                             sentence_floor: float, paper_floor: float) -> None:
    """Measured (benchmarks/RESULTS.md): micro F1 over the five RegexRoB items, sentence / paper level,
    heldout 0.89 / 0.97, heldout_b 0.96 / 0.99, heldout_c 0.93 / 0.98 (0.92 / 0.98 before any tuning), pooled
    0.92 / 0.98; RegexRoB 0.60 / 0.75, 0.64 / 0.69, 0.43 / 0.57, 0.56 / 0.67 on the same sentences."""
    ours, rr = scored[part]
    assert _f1(ours, FIVE) >= sentence_floor and _f1(ours, FIVE, "paper") >= paper_floor
    assert _f1(ours, FIVE) > _f1(rr, FIVE) + 0.2
    assert ours.micro(FIVE).sensitivity > rr.micro(FIVE).sensitivity  # type: ignore[operator]


@needs_texts
def test_heldout_lookalikes_and_items_regexrob_lacks(scored: dict[str, tuple[Result, Result]]) -> None:
    ours, rr = scored["pooled"]
    # at most one wrong "yes" in twenty look-alike or negated sentences, pooled (measured 5 of 173; RegexRoB 32
    # of 150); the first held-out part alone misses this (5 of 86)
    assert ours.lookalike_wrong_yes * 20 <= ours.lookalike_n and rr.lookalike_wrong_yes * 20 > rr.lookalike_n
    assert ours.negation_no == ours.negation_n == 1  # the one explicit negation in real held-out text
    for item, floor in (("caregiver_blinding", 0.85), ("random_outcome_assessment", 0.6), ("exclusions", 0.6)):
        f1 = ours.sentence[item].f1
        assert f1 is not None and f1 >= floor, item


def test_synthetic_negations_and_lookalikes(synthetic: SyntheticScore) -> None:
    """Hand-written, apart from the real-text figures: measured 35 of 35 negations answered "no", 2 wrong "yes" of
    59 (the same person wrote the sentences and the rules)."""
    assert synthetic.n == 59 and synthetic.negation_n == 35
    assert synthetic.negation_no >= 0.9 * synthetic.negation_n
    assert synthetic.wrong_yes * 20 <= synthetic.n


@needs_texts
@pytest.mark.xfail(strict=True, reason="issue 16 targets missed on held-out real text: sentence-level micro F1 "
                   "heldout 0.89, heldout_b 0.96, heldout_c 0.93, pooled 0.92 (< 0.97); the one held-out "
                   "allocation-concealment sentence (a hospital pharmacy made the randomisation) is missed; "
                   "benchmarks/RESULTS.md")
def test_issue_16_targets_on_heldout(scored: dict[str, tuple[Result, Result]]) -> None:
    for part in (*HELDOUT, "pooled"):
        assert _f1(scored[part][0], FIVE) >= 0.97, part
    assert scored["pooled"][0].sentence["allocation_concealment"].tp >= 1


def test_model_is_small_deterministic_and_scores_only_cue_sentences() -> None:
    model = load_model()
    assert model is not None and "sequence_generation" in model.items
    s = "Rats were randomly allocated to the treatment groups by drawing lots."
    assert model.scores(s) == model.scores(s) and model.relevant(s)
    assert not model.relevant("Mice were housed in groups of four with free access to food.")
    path = Path(__file__).parents[1] / "src" / "painregen" / "appraise" / "models" / "rob_sentence_model.json"
    assert path.stat().st_size < 100_000
    assert model.meta["trained_on"] == "tests/data/rob_corpus development split only"


def _strings(obj: object) -> list[str]:
    if isinstance(obj, dict):
        return [s for k, v in obj.items() for s in (k, *_strings(v))]
    if isinstance(obj, list):
        return [s for v in obj for s in _strings(v)]
    return [obj] if isinstance(obj, str) else []


def test_model_file_holds_hashed_features_only() -> None:
    """The shipped weights are indexed by hashed feature numbers: no n-gram or any other words of the corpus."""
    path = Path(__file__).parents[1] / "src" / "painregen" / "appraise" / "models" / "rob_sentence_model.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert set(data) == {"meta", "n_features", "intercepts", "thresholds", "weights"}
    items = set(data["weights"])
    assert items <= set(REGEXROB_ITEMS.values()) | set(ITEMS) and set(data["intercepts"]) == items
    for weights in data["weights"].values():
        assert all(k.isdigit() and int(k) < data["n_features"] for k in weights)
    words = [s for k in ("meta", "intercepts", "thresholds") for s in _strings(data[k]) if s not in items]
    assert set(words) == {"kept_weights_per_item", "learner", "sentences", "trained_on",
                          "logistic regression (liblinear, C=4, balanced)",
                          "tests/data/rob_corpus development split only"}

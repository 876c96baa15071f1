"""Measure text-assisted appraisal on a labelled corpus (the rob corpus of tests/data/rob_corpus/).

Units are the sentences of each text (:func:`textnorm.split_sentences`). A sentence is gold "yes" for an item
when it overlaps a span labelled ``yes``, gold "no" when it overlaps a ``no`` span, a look-alike when it overlaps
a ``look`` span (gold: not yes) and is left out when it overlaps a ``skip`` span; section headings ("Competing
interests", :func:`textnorm.is_heading`) are not statements and are left out too. Paper level: a paper is "yes"
when any of its sentences is. Reported per item: sensitivity, specificity, F1 of the "yes" answers; wrong "yes"
answers on look-alike and negated sentences; the share of explicit negations answered "no".
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from painregen.appraise.textnorm import is_heading, split_sentences

__all__ = ["DETECTOR_ITEMS", "REGEXROB_ITEMS", "Counts", "Document", "Result", "SyntheticScore", "combine", "evaluate",
           "load_corpus", "load_regexrob", "load_synthetic", "painregen_predictor", "regexrob_predictor",
           "score_synthetic"]

#: detector id -> corpus item
DETECTOR_ITEMS = {"randomisation": "sequence_generation", "allocation_concealment": "allocation_concealment",
                  "random_housing": "random_housing", "caregiver_blinding": "caregiver_blinding",
                  "random_outcome_assessment": "random_outcome_assessment", "blinding": "assessor_blinding",
                  "sample_size": "sample_size_calculation", "welfare": "welfare_compliance",
                  "conflict_of_interest": "conflict_of_interest", "exclusions": "exclusions"}
#: RegexRoB expression name -> corpus item
REGEXROB_ITEMS = {"Randomisation": "sequence_generation", "Blinded Outcome": "assessor_blinding",
                  "Sample size": "sample_size_calculation", "Conflict of interest": "conflict_of_interest",
                  "Compliance with animal welfare regulations": "welfare_compliance"}

#: a predictor maps a text to {(sentence start, item): "yes" | "no"}
Predictor = Callable[[str], dict[tuple[int, str], str]]


@dataclass(frozen=True)
class Document:
    doc_id: str
    split: str
    kind: str
    text: str
    labels: tuple[tuple[str, str, int, int], ...]  # (item, label, start, end)


def load_corpus(folder: Path, split: str | None = None) -> list[Document]:
    """The documents of the corpus (one split or all) with their labels."""
    with (folder / "documents.csv").open(encoding="utf-8") as fh:
        docs = [r for r in csv.DictReader(fh) if split is None or r["split"] == split]
    with (folder / "labels.csv").open(encoding="utf-8") as fh:
        labels = list(csv.DictReader(fh))
    out = []
    for d in docs:
        mine = tuple((r["item"], r["label"], int(r["start"]), int(r["end"])) for r in labels
                     if r["doc_id"] == d["doc_id"])
        text = (folder / "texts" / f"{d['doc_id']}.txt").read_text(encoding="utf-8")
        out.append(Document(d["doc_id"], d["split"], d["kind"], text, mine))
    return out


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, pred: bool, gold: bool) -> None:
        if pred and gold:
            self.tp += 1
        elif pred:
            self.fp += 1
        elif gold:
            self.fn += 1
        else:
            self.tn += 1

    @property
    def sensitivity(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def specificity(self) -> float | None:
        return self.tn / (self.tn + self.fp) if self.tn + self.fp else None

    @property
    def f1(self) -> float | None:
        d = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / d if d else None

    def to_dict(self) -> dict[str, Any]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn, "sensitivity": self.sensitivity,
                "specificity": self.specificity, "f1": self.f1}


@dataclass
class Result:
    sentence: dict[str, Counts] = field(default_factory=dict)
    paper: dict[str, Counts] = field(default_factory=dict)
    lookalike_wrong_yes: int = 0
    lookalike_n: int = 0
    negation_no: int = 0
    negation_n: int = 0
    errors: list[tuple[str, str, str, str]] = field(default_factory=list)  # doc, item, kind, sentence

    def micro(self, items: Iterable[str], level: str = "sentence") -> Counts:
        table = self.sentence if level == "sentence" else self.paper
        c = Counts()
        for it in items:
            x = table.get(it, Counts())
            c.tp, c.fp, c.fn, c.tn = c.tp + x.tp, c.fp + x.fp, c.fn + x.fn, c.tn + x.tn
        return c


def combine(results: Iterable[Result]) -> Result:
    """Pool the counts of several evaluations (e.g. both held-out parts)."""
    out = Result()
    for r in results:
        for table, mine in ((r.sentence, out.sentence), (r.paper, out.paper)):
            for it, c in table.items():
                x = mine.setdefault(it, Counts())
                x.tp, x.fp, x.fn, x.tn = x.tp + c.tp, x.fp + c.fp, x.fn + c.fn, x.tn + c.tn
        out.lookalike_wrong_yes += r.lookalike_wrong_yes
        out.lookalike_n += r.lookalike_n
        out.negation_no += r.negation_no
        out.negation_n += r.negation_n
        out.errors.extend(r.errors)
    return out


def _gold(doc: Document, a: int, b: int, item: str) -> str:
    kinds = {lab for it, lab, s, e in doc.labels if it == item and s < b and a < e}
    for k in ("skip", "yes", "no", "look"):
        if k in kinds:
            return k
    return "none"


def evaluate(docs: Iterable[Document], predict: Predictor, items: Iterable[str]) -> Result:
    res = Result()
    items = list(items)
    for it in items:
        res.sentence[it], res.paper[it] = Counts(), Counts()
    for doc in docs:
        pred = predict(doc.text)
        paper_gold = dict.fromkeys(items, False)
        paper_pred = dict.fromkeys(items, False)
        for a, b in split_sentences(doc.text):
            if is_heading(doc.text[a:b]):
                continue
            for it in items:
                g = _gold(doc, a, b, it)
                p = pred.get((a, it))
                if g == "skip":
                    continue
                res.sentence[it].add(p == "yes", g == "yes")
                paper_gold[it] |= g == "yes"
                paper_pred[it] |= p == "yes"
                if g in ("look", "no"):
                    res.lookalike_n += 1
                    res.lookalike_wrong_yes += p == "yes"
                if g == "no":
                    res.negation_n += 1
                    res.negation_no += p == "no"
                if (p == "yes") != (g == "yes"):
                    kind = "false yes" if p == "yes" else "missed yes"
                    res.errors.append((doc.doc_id, it, kind, " ".join(doc.text[a:b].split())[:300]))
        for it in items:
            res.paper[it].add(paper_pred[it], paper_gold[it])
    return res


def painregen_predictor(model: Any = True) -> Predictor:
    from painregen.appraise.detect import hits

    def predict(text: str) -> dict[tuple[int, str], str]:
        out: dict[tuple[int, str], str] = {}
        for h in hits(text, model=model):
            item = DETECTOR_ITEMS.get(h.detector)
            if item is not None and out.get((h.sentence_start, item)) != "yes":
                out[(h.sentence_start, item)] = "yes" if h.kind == "positive" else "no"
        return out

    return predict


def load_regexrob(path: Path) -> dict[str, re.Pattern[str]]:
    """The CAMARADES RegexRoB expressions, case-insensitive as RegexRoB applies them; ``\\P{M}`` (not a combining
    mark) becomes ``[^\\u0300-\\u036f]`` since Python's re has no Unicode property classes."""
    with path.open(encoding="utf-8") as fh:
        rows = {r["Name"]: r["Regex"] for r in csv.DictReader(fh)}
    return {k: re.compile(v.replace(r"\P{M}", "[^\u0300-\u036f]"), re.IGNORECASE) for k, v in rows.items()}


def regexrob_predictor(patterns: dict[str, re.Pattern[str]]) -> Predictor:
    def predict(text: str) -> dict[tuple[int, str], str]:
        out = {}
        for a, b in split_sentences(text):
            s = text[a:b]
            for name, item in REGEXROB_ITEMS.items():
                pat = next((p for n, p in patterns.items() if n.casefold().startswith(name.casefold())), None)
                if pat is not None and pat.search(s):
                    out[(a, item)] = "yes"
        return out

    return predict


@dataclass
class SyntheticScore:
    """Hand-written sentences (tests/data/rob_corpus/synthetic_heldout.csv): explicit negations (expected "no")
    and look-alikes (expected: no "yes")."""

    negation_n: int = 0
    negation_no: int = 0
    wrong_yes: int = 0
    n: int = 0
    misses: list[tuple[str, str, str | None]] = field(default_factory=list)  # sentence, item, answer given

    def to_dict(self) -> dict[str, Any]:
        return {"negation_n": self.negation_n, "negation_no": self.negation_no, "wrong_yes": self.wrong_yes,
                "n": self.n}


def load_synthetic(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def score_synthetic(rows: Iterable[dict[str, str]], predict: Predictor,
                    items: Iterable[str] | None = None) -> SyntheticScore:
    """Each row is one sentence read alone; ``items`` limits the rows to the items a tool covers."""
    keep = None if items is None else set(items)
    out = SyntheticScore()
    for r in rows:
        if keep is not None and r["item"] not in keep:
            continue
        answers = predict(r["sentence"])
        got = next((v for (_, it), v in answers.items() if it == r["item"] and v == "yes"), None) or next(
            (v for (_, it), v in answers.items() if it == r["item"]), None)
        out.n += 1
        out.wrong_yes += got == "yes"
        if r["expected"] == "no":
            out.negation_n += 1
            out.negation_no += got == "no"
        if got != (r["expected"] if r["expected"] == "no" else None):
            out.misses.append((r["sentence"], r["item"], got))
    return out

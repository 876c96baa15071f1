"""Free-text labels of a Dataset resolved to terms, and mapping decisions applied, before analysis.

Which labels are mapped, and onto what:

=================================== ============ ===========================================================
label                               vocabulary   fills
=================================== ============ ===========================================================
outcome label (``outcome_id``)      assay        ``OutcomeMeasure.assay`` and ``domain`` (the assay's domain)
cohort ``model_text`` (not shams)   model        ``Experiment.model`` when the experiment's labels agree
cohort ``treatment_text`` (treated) product      ``Cohort.intervention`` (product only) when it has none
annotation "species" / "strain" /   species,     ``Experiment.species`` / ``strain`` / ``sex`` when empty
"sex" questions                     strain, sex
annotation quality questions        question     SYRCLE answers (``Study.rob``) or CAMARADES answers
                                                 (``annotations["camarades.<item>"]``) through
                                                 :mod:`painregen.evidence.crosswalk`
treated cohort of an experiment     control      ``Cohort.control_cohort`` (a person's choice only)
with several controls
=================================== ============ ===========================================================

Only labels whose field is empty in the source are considered (a template's CURIEs are never touched). A person's
decision (``decisions[(vocabulary, label_key)]``: a CURIE, an ``instrument:item`` for questions, or None for
"no term") wins; otherwise a confident proposal of :func:`painregen.evidence.labels.suggest` (or of the crosswalk)
is applied. An explicit answer already in the study always wins over a mapped one. Every value filled is listed in
:attr:`Remapped.notes` with its source text, and every label left without a term in :attr:`Remapped.pending`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from painregen.evidence import models as m
from painregen.evidence.crosswalk import QuestionTarget, answer_of, match_question, parse_target
from painregen.evidence.labels import label_key, suggest
from painregen.evidence.vocab import get_vocabulary

__all__ = ["CAMARADES_PREFIX", "Decisions", "LabelUse", "MappingNote", "Remapped", "control_key", "control_options",
           "label_uses",
           "needs_control_choice", "remap"]

#: (vocabulary, label key) -> CURIE (``instrument:item`` for questions), or None for "no term"
Decisions = Mapping[tuple[str, str], str | None]
CAMARADES_PREFIX = "camarades."
_FIELD_QUESTIONS = (("species", re.compile(r"\bspecies\b", re.I)), ("strain", re.compile(r"\bstrain\b", re.I)),
                    ("sex", re.compile(r"\b(sex|gender)\b", re.I)))


@dataclass(frozen=True)
class LabelUse:
    """One label of the data that needs a term: where it is used and how often."""

    vocabulary: str
    text: str
    study: str
    where: str


@dataclass(frozen=True)
class MappingNote:
    """A value filled from a label: the study, the place, the label, the term and how it was chosen
    (``exact``, ``contains``, ``crosswalk`` or ``person``)."""

    study: str
    where: str
    vocabulary: str
    text: str
    curie: str
    method: str
    quote: str = ""  # the source's own words (question and answer) for appraisal answers


@dataclass
class Remapped:
    dataset: m.Dataset
    notes: list[MappingNote] = field(default_factory=list)
    pending: list[LabelUse] = field(default_factory=list)


def _field_questions(study: m.Study) -> Iterator[tuple[str, str, str]]:
    """(vocabulary, question, answer) of annotation questions that name an experiment field."""
    for question, answer in study.annotations.items():
        for vocab, pattern in _FIELD_QUESTIONS:
            if pattern.search(question) and answer.strip():
                yield vocab, question, answer
                break


def _quality_questions(study: m.Study) -> Iterator[tuple[str, str]]:
    fields = {q for _, q, _ in _field_questions(study)}
    for question, answer in list(study.annotations.items()):
        if not question.startswith(CAMARADES_PREFIX) and question not in fields:
            yield question, answer


def control_key(study: m.Study, exp: m.Experiment, cohort: m.Cohort) -> str:
    """The label under which the choice of a treated cohort's control is stored."""
    return f"{study.study_id} | {exp.experiment_id} | {cohort.cohort_id}"


def needs_control_choice(exp: m.Experiment) -> list[m.Cohort]:
    """Treated cohorts of ``exp`` whose control is ambiguous (several controls, none named)."""
    if sum(c.role is m.Role.control for c in exp.cohorts) < 2:
        return []
    return [c for c in exp.cohorts if c.role is m.Role.treated and c.control_cohort is None]


def control_options(ds: m.Dataset) -> dict[str, list[str]]:
    """For every treated cohort whose control is ambiguous: its control label key -> the experiment's controls."""
    return {label_key(control_key(s, e, c)): [x.cohort_id for x in e.cohorts if x.role is m.Role.control]
            for s in ds.studies for e in s.experiments for c in needs_control_choice(e)}


def label_uses(ds: m.Dataset) -> list[LabelUse]:
    """Every label of ``ds`` that :func:`remap` would map (the inventory behind ``painregen map suggest``)."""
    out: list[LabelUse] = []
    for s in ds.studies:
        for e in s.experiments:
            for o in e.outcomes:
                if o.assay is None:
                    out.append(LabelUse("assay", o.outcome_id, s.study_id, f"experiment {e.experiment_id}"))
            for c in e.cohorts:
                if e.model is None and c.model_text and c.role is not m.Role.sham:
                    out.append(LabelUse("model", c.model_text, s.study_id, f"cohort {c.cohort_id}"))
                if c.treatment_text and c.role is m.Role.treated and c.intervention is None:
                    out.append(LabelUse("product", c.treatment_text, s.study_id, f"cohort {c.cohort_id}"))
            for c in needs_control_choice(e):
                out.append(LabelUse("control", control_key(s, e, c), s.study_id, f"cohort {c.cohort_id}"))
        for vocab, _question, answer in _field_questions(s):
            out.append(LabelUse(vocab, answer, s.study_id, "annotation"))
        for question, _answer in _quality_questions(s):
            out.append(LabelUse("question", question, s.study_id, "annotation"))
    return out


class _Resolver:
    """Decisions first, then confident proposals; remembers what it did for the notes."""

    def __init__(self, decisions: Decisions) -> None:
        self.decisions = decisions

    def term(self, vocabulary: str, text: str) -> tuple[str | None, str]:
        key = (vocabulary, label_key(text))
        if key in self.decisions:
            return self.decisions[key], "person"
        s = suggest(vocabulary, text)
        return (s.curie, s.method) if s.confident else (None, s.method)

    def question(self, question: str) -> tuple[QuestionTarget | None, str]:
        key = ("question", label_key(question))
        if key in self.decisions:
            value = self.decisions[key]
            return (parse_target(value), "person") if value else (None, "person")
        target = match_question(question)
        return target, "crosswalk"


def remap(ds: m.Dataset, decisions: Decisions | None = None, *, in_place: bool = False) -> Remapped:
    """``ds`` with its labels mapped (see the module docstring); ``ds`` itself is not changed unless ``in_place``
    (a data set nobody else holds, such as one just read from the registry, is mapped without a deep copy)."""
    res = _Resolver(decisions or {})
    out = Remapped(ds if in_place else ds.model_copy(deep=True))
    for s in out.dataset.studies:
        for e in s.experiments:
            _outcomes(s, e, res, out)
            _model(s, e, res, out)
            _treatments(s, e, res, out)
            _controls(s, e, res, out)
        _fields(s, res, out)
        _appraisal(s, res, out)
    return out


def _outcomes(s: m.Study, e: m.Experiment, res: _Resolver, out: Remapped) -> None:
    for o in e.outcomes:
        if o.assay is not None:
            continue
        curie, method = res.term("assay", o.outcome_id)
        if curie is None:
            out.pending.append(LabelUse("assay", o.outcome_id, s.study_id, f"experiment {e.experiment_id}"))
            continue
        o.assay = curie
        domain = get_vocabulary("assay").get(curie).extra.get("domain")
        o.domain = m.Domain(domain) if domain else None
        out.notes.append(MappingNote(s.study_id, f"experiment {e.experiment_id}, outcome {o.outcome_id}", "assay",
                                     o.outcome_id, curie, method))


def _model(s: m.Study, e: m.Experiment, res: _Resolver, out: Remapped) -> None:
    if e.model is not None:
        return
    texts = list(dict.fromkeys(c.model_text for c in e.cohorts if c.model_text and c.role is not m.Role.sham))
    found = {}
    for text in texts:
        curie, method = res.term("model", text)
        if curie is None:
            out.pending.append(LabelUse("model", text, s.study_id, f"experiment {e.experiment_id}"))
        else:
            found[text] = (curie, method)
    curies = {c for c, _ in found.values()}
    if len(curies) == 1 and len(found) == len(texts):
        e.model = curies.pop()
        for text, (curie, method) in found.items():
            out.notes.append(MappingNote(s.study_id, f"experiment {e.experiment_id} model", "model", text, curie,
                                         method))


def _treatments(s: m.Study, e: m.Experiment, res: _Resolver, out: Remapped) -> None:
    for c in e.cohorts:
        if c.role is not m.Role.treated or c.intervention is not None or not c.treatment_text:
            continue
        curie, method = res.term("product", c.treatment_text)
        if curie is None:
            out.pending.append(LabelUse("product", c.treatment_text, s.study_id, f"cohort {c.cohort_id}"))
            continue
        c.intervention = m.Intervention(product=curie)
        out.notes.append(MappingNote(s.study_id, f"experiment {e.experiment_id}, cohort {c.cohort_id}", "product",
                                     c.treatment_text, curie, method))


def _controls(s: m.Study, e: m.Experiment, res: _Resolver, out: Remapped) -> None:
    controls = {c.cohort_id for c in e.cohorts if c.role is m.Role.control}
    for c in needs_control_choice(e):
        text = control_key(s, e, c)
        chosen = res.decisions.get(("control", label_key(text)))
        if chosen in controls:
            c.control_cohort = chosen
            out.notes.append(MappingNote(s.study_id, f"experiment {e.experiment_id}, cohort {c.cohort_id} control",
                                         "control", text, str(chosen), "person"))
        else:
            out.pending.append(LabelUse("control", text, s.study_id, f"cohort {c.cohort_id}"))


def _fields(s: m.Study, res: _Resolver, out: Remapped) -> None:
    for vocab, question, answer in _field_questions(s):
        curie, method = res.term(vocab, answer)
        if curie is None:
            out.pending.append(LabelUse(vocab, answer, s.study_id, "annotation"))
            continue
        value: str = get_vocabulary("sex").get(curie).extra.get("code", "") if vocab == "sex" else curie
        for e in s.experiments:
            if vocab == "sex":
                if e.sex is m.Sex.unknown and value:
                    e.sex = m.Sex(value)
            elif getattr(e, vocab) is None:
                setattr(e, vocab, value)
        out.notes.append(MappingNote(s.study_id, f"annotation {question}", vocab, answer, curie, method,
                                     f"{question.strip()}: {answer.strip()}"))


def _appraisal(s: m.Study, res: _Resolver, out: Remapped) -> None:
    for question, answer in _quality_questions(s):
        target, method = res.question(question)
        if target is None:
            continue
        value = answer_of(target, answer)
        if value is None:
            out.pending.append(LabelUse("question", question, s.study_id, f"answer {answer.strip()!r} not mapped"))
            continue
        if target.instrument == "syrcle":
            if target.item in s.rob:
                continue
            s.rob[target.item] = value
        else:
            key = CAMARADES_PREFIX + target.item
            if key in s.annotations:
                continue
            s.annotations[key] = value
        out.notes.append(MappingNote(s.study_id, f"{target.instrument} {target.item}", "question", question,
                                     target.curie, method, f"{question.strip()}: {answer.strip()}"))

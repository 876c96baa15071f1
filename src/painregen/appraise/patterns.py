"""Building blocks of painregen's text-assisted appraisal rules: the :class:`Detector` record, negation cues and
the words that mark a sentence as being about animals or about human participants.

The detectors themselves are in :mod:`painregen.appraise.rules_design` (SYRCLE design items: sequence generation,
allocation concealment, random housing, blinding of caregivers and of outcome assessors, random outcome
assessment, sample-size calculation) and :mod:`painregen.appraise.rules_reporting` (welfare compliance,
conflicts of interest, exclusions, statistics, temperature). They were written for painregen from the item
definitions of SYRCLE (Hooijmans et al. 2014, BMC Med Res Methodol 14:43), the CAMARADES checklist (Macleod et
al. 2004) and ARRIVE 2.0 (Percie du Sert et al. 2020); informed by what the CAMARADES RegexRoB expressions look
for, never copied from them. Each detector has three kinds of pattern, all case-insensitive and applied within one
sentence:

- ``positive``: the sentence reports the item for its own study (proposes "yes");
- ``negative``: the sentence states the opposite ("no statistical methods were used to predetermine sample size",
  "quasi-random allocation", "the experimenter was aware of the groups"): proposes "no";
- ``exclude``: look-alike contexts that void any match ("random hexamers", "randomly selected sections",
  "randomised order of testing" for sequence generation, "blinded to the hypothesis", "the surgeon was blinded" for
  outcome assessment, post-hoc power, human-subjects review boards for animal welfare, statements of the funders'
  role for conflicts of interest).

A positive match that is negated (:data:`NEGATION` in the few words before it, a negation word inside it, or
"was not performed" after it: "animals were not randomly allocated", "randomisation was not used") is a statement
of the opposite and proposes "no" for a negatable detector. Measured on real papers: docs/appraise.md,
benchmarks/RESULTS.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ANIMAL_CONTEXT", "HUMAN_CONTEXT", "NEGATION", "NEGATION_IN_MATCH", "POST_NEGATION", "STRONG_HUMAN",
           "Detector", "p", "words"]

FLAGS = re.IGNORECASE
#: one word and its trailing space
W = r"(?:[\w,()/-]+\s+)"


@dataclass(frozen=True)
class Detector:
    """Patterns of one appraisal topic (see the module docstring). ``animal_only``: a positive match counts only
    in a sentence that is not about human participants (:data:`HUMAN_CONTEXT`), and, when the sentence names no
    animal, only in a text about animals. ``section``: a sentence in a section whose heading matches this is a
    report of the topic (e.g. any sentence under "Competing interests"). ``negative_exclude``: contexts that void
    a "no" (the surgeon's blinding says nothing about the outcome assessor's). ``trigger``: words without which no
    positive or negative pattern can match (a fast first test; tests check that it changes no answer)."""

    id: str
    label: str
    positive: tuple[re.Pattern[str], ...]
    negative: tuple[re.Pattern[str], ...] = ()
    exclude: tuple[re.Pattern[str], ...] = ()
    negatable: bool = True
    animal_only: bool = False
    section: re.Pattern[str] | None = None
    negative_exclude: tuple[re.Pattern[str], ...] = ()
    trigger: re.Pattern[str] | None = None


def p(*patterns: str) -> tuple[re.Pattern[str], ...]:
    """Compile case-insensitive patterns."""
    return tuple(re.compile(x, FLAGS) for x in patterns)


def words(*stems: str) -> re.Pattern[str]:
    """A trigger: any of these word stems (case-insensitive)."""
    return re.compile("|".join(stems), FLAGS)


#: a negation in the few words before a positive match ("were not randomly assigned"); "not only" is no negation
NEGATION = re.compile(r"\b(?:not(?!\s+only)|no|non|without|never|nor|neither|un)\b[\s-]*(?:[\w-]+\s+){0,3}$", FLAGS)

#: a negation word inside a positive match ("were not randomised to", "by cage, not at random")
NEGATION_IN_MATCH = re.compile(r"\b(?:not(?!\s+only)|never|without)\b", FLAGS)

#: "... were not used / performed" after a positive match ("Randomisation was not used")
POST_NEGATION = re.compile(r"^[^;:]{0,40}?\b(?:was|were|is|are)\s+not\s+(?:used|performed|applied|done|carried"
                           r"|conducted|possible|feasible)", FLAGS)

#: words showing that a sentence is about human participants, not animals
HUMAN_CONTEXT = re.compile(r"\b(?:patients?|participants?|volunteers?|subjects?|children|women|men|donors?|human"
                           r"|informed\s+consent|institutional\s+review\s+board|IRB|NHS|hospital|clinic(?:al)?"
                           r"|Helsinki|Health\s+Research\s+Council|Research\s+Ethics\s+Board)\b", FLAGS)

#: human-participant words that outweigh a mention of animals in the same sentence
STRONG_HUMAN = re.compile(r"\b(?:patients?|participants?|volunteers?|children|informed\s+consent"
                          r"|institutional\s+review\s+board|IRB|Helsinki|human\s+(?:subjects?|samples?|tissues?))\b",
                          FLAGS)

#: words naming animals or animal work
ANIMAL_CONTEXT = re.compile(r"\b(?:animals?|mice|mouse|rats?|rabbits?|pigs?|piglets?|sheep|ewes?|lambs?|goats?"
                            r"|dogs?|cats?|monkeys?|macaques?|primates?|hamsters?|ferrets?|fish|zebrafish|cattle"
                            r"|calves|horses?|rodents?|wildlife|IACUC|AAALAC|veterinar\w*|vivarium|husbandry|APAFIS"
                            r"|Home\s+Office|2010/63)\b", FLAGS)

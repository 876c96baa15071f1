"""painregen's own regular expressions for text-assisted appraisal.

Written for painregen, informed by what the CAMARADES RegexRoB expressions look for (randomisation, blinded
outcome assessment, sample-size calculation, welfare compliance, conflicts of interest), with three additions:
explicit statements of the opposite ("were not randomised", "the tester knew each group") that propose "no";
exclusions for contexts that only look like appraisal items ("randomly selected sections", "blinded reviewers of
the manuscript"); and a temperature-control detector for the CAMARADES checklist. All are matched
case-insensitively within one sentence. Precision and recall on a labelled sentence set: docs/appraise.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["DETECTORS", "NEGATION", "POST_NEGATION", "Detector"]

_F = re.IGNORECASE
_W = r"(?:[\w-]+\s+)"  # one word and its trailing space


@dataclass(frozen=True)
class Detector:
    """Patterns of one appraisal topic.

    ``positive``: the topic is reported. ``negative``: the opposite is stated (proposes "no"). ``exclude``: a
    positive match inside a sentence that also matches this is not about the study's design. When ``negatable``,
    a positive match preceded in its clause by a negation word (:data:`NEGATION`), or followed by "was not
    used" (:data:`POST_NEGATION`), does not count either; statements of no conflict of interest are reports.
    """

    id: str
    label: str
    positive: tuple[re.Pattern[str], ...]
    negative: tuple[re.Pattern[str], ...] = ()
    exclude: tuple[re.Pattern[str], ...] = ()
    negatable: bool = True


def _p(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, _F) for p in patterns)


#: a negation in the few words before a positive match voids it ("were not randomly assigned")
NEGATION = re.compile(r"\b(?:not|no|non|without|never|nor|neither)\b[\s-]*(?:[\w-]+\s+){0,3}$", _F)

#: "... were not used / performed" after a positive match voids it ("Randomisation was not used")
POST_NEGATION = re.compile(r"^[^;:]{0,40}?\b(?:was|were|is|are)\s+not\s+(?:used|performed|applied|done|carried"
                           r"|conducted|possible|feasible)", _F)

_ALLOC = r"(?:assign|allocat|divid|distribut|split|separat|categori[sz]|grouped|sort)"
_RANDOMISATION = Detector(
    "randomisation", "randomisation",
    positive=_p(
        rf"\brandom(?:ly)?\s+{_W}{{0,2}}?{_ALLOC}\w*",
        rf"\b{_ALLOC}\w*\s+{_W}{{0,8}}?(?:at\s+)?random(?:ly)?\b(?!\s+(?:selected|chosen|picked|sampled|fields?|sections?))",
        r"\brandomi[sz](?:ed|ation|ing)\b(?!\s+(?:controlled\s+|clinical\s+)+trials?)",
        r"\brandom[- ]number\s+(?:table|generat\w*)|\bcomputer[- ]generated\s+(?:random\s+)?(?:sequence|list|schedule)",
    ),
    negative=_p(
        r"\b(?:not|non)[\s-]+randomi[sz]ed|\bwithout\s+randomi[sz]ation|\bnon-?random\b|\bquasi-?random",
        r"\bin\s+the\s+order\s+(?:in\s+which\s+they\s+(?:underwent|had|received)|of)\s+(?:\w+\s+){0,2}(?:surgery|injury|arrival)",
        r"\balternat(?:e|ing|ion)\s+(?:allocation|assignment)|\ballocated\s+by\s+(?:the\s+)?(?:investigator|surgeon|cage)",
    ),
    exclude=_p(
        r"\brandom(?:ly)?\s+(?:selected|chosen|picked|sampled)\s+(?:\w+\s+){0,2}(?:sections?|fields?|slices?|images?"
        r"|areas?|regions?|cells?|neurons?|samples?|visual)",
        r"\brandom[- ]effects?\b", r"\brandomi[sz]ed\s+(?:controlled\s+|clinical\s+)+trials?",
    ),
)

_BLIND_OBJ = r"(?:treatments?|groups?|allocation|conditions?|interventions?|identity|genotypes?|experimental)"
_BLINDING = Detector(
    "blinding", "blinded outcome assessment",
    positive=_p(
        rf"\b(?:blind(?:ed)?|unaware|naive|naïve|masked)\s+(?:as\s+)?(?:to|of)\s+(?:the\s+)?{_W}{{0,2}}?{_BLIND_OBJ}",
        rf"\bnot\s+(?:aware|informed)\s+of\s+(?:the\s+)?{_W}{{0,2}}?{_BLIND_OBJ}",
        r"\bin\s+a\s+(?:double[- ]|single[- ])?blind(?:ed)?\s+(?:manner|fashion|way)|\bblindly\b",
        r"\b(?:double|single|triple)[- ]blind(?:ed)?\b",
        r"\bblind(?:ed)?\s+(?:observers?|experimenters?|investigators?|assessors?|raters?|examiners?|scorers?"
        r"|testers?|evaluators?|analys[ie]s|assessments?|scoring|evaluation)",
        r"\b(?:observers?|experimenters?|investigators?|assessors?|raters?|examiners?|scorers?|testers?|personnel)"
        r"\s+(?:\w+\s+){0,3}(?:were|was)\s+(?:kept\s+)?blind(?:ed)?\b",
        r"\b(?:performed|conducted|carried\s+out|scored|analy[sz]ed|assessed|quantified|evaluated|tested)\s+blind(?:ed|ly)?\b",
    ),
    negative=_p(
        r"\b(?:not|non)[\s-]+blind(?:ed)?\b|\bunblinded\b|\bwithout\s+blinding\b|\bopen[- ]label\b",
        r"\bknew\s+(?:the\s+|each\s+|which\s+)?(?:\w+\s+){0,2}(?:groups?|treatments?|allocation)",
        r"(?<!un)\baware\s+of\s+(?:the\s+)?(?:\w+\s+){0,2}(?:groups?|treatments?|allocation)",
    ),
    exclude=_p(r"\b(?:peer|reviewers?|manuscript|referees?|editor)\b",
               r"\bblind\s+spot|\b(?:blind|sightless)\s+(?:mice|rats|animals)\b"),
)

_SAMPLE_SIZE = Detector(
    "sample_size", "sample-size calculation",
    positive=_p(
        r"\bpower\s+(?:analys[ie]s|calculations?|computations?)\b",
        r"\bsample[- ]sizes?\s+(?:was|were)\s+(?:\w+\s+){0,3}?(?:calculated|determined|estimated|computed"
        r"|chosen\s+to\s+(?:detect|provide|give))",
        r"\bsample[- ]size\s+(?:calculations?|estimations?|determinations?|analys[ie]s)",
        r"\b(?:calculated|determined|estimated)\s+(?:\w+\s+){0,3}sample[- ]sizes?\b", r"\bG\s?\*\s?Power\b",
        r"\b(?:power|probability)\s+of\s+(?:0?\.\d+|\d{2}\s?%)\s+(?:\w+\s+){0,4}(?:detect|at\s+(?:an\s+)?alpha|with)",
        r"\bto\s+detect\s+(?:a\s+)?(?:\w+\s+){0,2}(?:difference|effect|reduction|increase)\s+(?:\S+\s+){0,6}?(?:power|alpha|α)",
        r"\b\d{2}\s?%\s+power\b",
        r"\b(?:were|was|are)\s+(?:required|needed)\s+(?:per|in\s+each)\s+group\b",
    ),
    negative=_p(r"\bno\s+(?:formal\s+|a\s+priori\s+)?(?:sample[- ]size|power)\s+(?:calculation|analysis)",
                r"\bsample[- ]sizes?\s+(?:was|were)\s+not\s+(?:\w+\s+)?(?:calculated|determined|estimated)"),
)

_WELFARE = Detector(
    "welfare", "compliance with animal welfare regulations",
    positive=_p(
        r"\b(?:approved|reviewed|authori[sz]ed|sanctioned)\s+by\s+(?:the\s+)?(?:[\w'&,-]+\s+){0,8}?(?:committees?|boards?"
        r"|council|authorit(?:y|ies)|IACUC|AWERB|ministry|office)",
        r"\b(?:IACUC|AWERB|(?:animal|ethics?|ethical)\s+(?:care\s+and\s+use|welfare|research|experimentation|ethics)?"
        r"\s*(?:review\s+)?committee)\b",
        r"\bin\s+(?:accordance|compliance|adherence|line|agreement)\s+with\s+(?:the\s+)?(?:[\w'()/,.-]+\s+){0,10}?"
        r"(?:guide(?:lines)?|regulations?|directive|act|principles|polic(?:y|ies)|laws?|legislation)\b",
        r"\bGuide\s+for\s+the\s+Care\s+and\s+Use\s+of\s+Laboratory\s+Animals|\bDirective\s+2010/63"
        r"|\bethic(?:s|al)\s+(?:approval|permit|board|review|clearance)\b"
        r"|\bAnimals\s+\(Scientific\s+Procedures\)\s+Act|\bprotocol\s+(?:number|no\.?|#)\s*[A-Z0-9]",
    ),
    exclude=_p(r"\bmanufacturer'?s?\b|\binstructions\b"),
)

_CONFLICT = Detector(
    "conflict_of_interest", "statement of potential conflicts of interest",
    positive=_p(
        r"\b(?:conflicts?|competing)\s+(?:of\s+)?(?:financial\s+)?interests?\b",
        r"\bdeclares?d?\s+(?:that\s+)?(?:there\s+(?:is|are|was|were)\s+)?no\s+(?:\w+\s+){0,2}(?:conflicts?|competing"
        r"|financial)",
        r"\bfinancial\s+(?:disclosures?|interests?|relationships?)\b|\bdisclosure\s+statement",
        r"\b(?:holds?|own)\s+(?:equity|shares|stock)\b|\b(?:is|are)\s+(?:an?\s+)?(?:employees?|consultants?"
        r"|shareholders?)\s+of\b|\b(?:funders?|sponsors?)\s+had\s+no\s+role\b",
        r"\b(?:consult(?:ing|ancy)\s+fees|honorari(?:a|um)|speaker'?s?\s+fees|royalties)\b|\bnothing\s+to\s+disclose\b",
    ),
    negatable=False,
)

_TEMPERATURE = Detector(
    "temperature", "control of temperature",
    positive=_p(
        r"\b(?:body|core|rectal)\s+temperature\s+(?:was|were)\s+(?:\w+\s+){0,3}?(?:maintained|monitored|kept|controlled"
        r"|recorded)",
        r"\b(?:heating|warming|thermostatic(?:ally)?[- ]controlled)\s+(?:pads?|blankets?|lamps?|plates?)\b"
        r"|\bhomeothermic\b|\btemperature[- ]controlled\b|\bcontrolled\s+(?:room\s+)?temperature\b",
        r"\b(?:housed|kept|maintained|room|temperature)\b[^.;]{0,60}?\b(?:1[89]|2[0-6])(?:\.\d)?\s*(?:(?:±|\+/-)\s*\d+"
        r"(?:\.\d)?\s*)?(?:°\s?C|ºC|degrees)",
    ),
)

#: the built-in detectors, in the order proposals are listed
DETECTORS: tuple[Detector, ...] = (_RANDOMISATION, _BLINDING, _SAMPLE_SIZE, _WELFARE, _CONFLICT, _TEMPERATURE)

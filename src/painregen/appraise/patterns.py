"""painregen's own regular expressions for text-assisted appraisal (SYRCLE, CAMARADES and ARRIVE items).

Written for painregen from the item definitions of SYRCLE (Hooijmans et al. 2014, BMC Med Res Methodol 14:43),
the CAMARADES checklist (Macleod et al. 2004) and ARRIVE 2.0 (Percie du Sert et al. 2020); informed by what the
CAMARADES RegexRoB expressions look for, never copied from them. Each detector has three kinds of pattern, all
case-insensitive and applied within one sentence:

- ``positive``: the sentence reports the item for its own study (proposes "yes");
- ``negative``: the sentence states the opposite ("were not randomised", "no statistical methods were used to
  predetermine sample size", "quasi-random allocation"): proposes "no";
- ``exclude``: look-alike contexts that void a positive match ("random hexamers", "randomly selected sections",
  "random-effects model", "randomised order of testing" for sequence generation, "blinded to the hypothesis",
  "the surgeon was blinded" for outcome assessment, post-hoc power, human-subjects review boards for animal
  welfare, statements of the funders' role for conflicts of interest).

A positive match preceded in its clause by a negation word (:data:`NEGATION`) or followed by "was not used"
(:data:`POST_NEGATION`) does not count either. Measured on real papers: docs/appraise.md, benchmarks/RESULTS.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["DETECTORS", "HUMAN_CONTEXT", "NEGATION", "POST_NEGATION", "Detector"]

_F = re.IGNORECASE
_W = r"(?:[\w,()/-]+\s+)"  # one word and its trailing space


@dataclass(frozen=True)
class Detector:
    """Patterns of one appraisal topic (see the module docstring). ``animal_only``: a positive match counts only
    in a sentence that is not about human participants (:data:`HUMAN_CONTEXT`), and, when the sentence names no
    animal, only in a text about animals. ``section``: a sentence in a section whose heading matches this is a
    report of the topic (e.g. any sentence under "Competing interests")."""

    id: str
    label: str
    positive: tuple[re.Pattern[str], ...]
    negative: tuple[re.Pattern[str], ...] = ()
    exclude: tuple[re.Pattern[str], ...] = ()
    negatable: bool = True
    animal_only: bool = False
    section: re.Pattern[str] | None = None


def _p(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, _F) for p in patterns)


#: a negation in the few words before a positive match voids it ("were not randomly assigned")
NEGATION = re.compile(r"\b(?:not|no|non|without|never|nor|neither|un)\b[\s-]*(?:[\w-]+\s+){0,3}$", _F)

#: "... were not used / performed" after a positive match voids it ("Randomisation was not used")
POST_NEGATION = re.compile(r"^[^;:]{0,40}?\b(?:was|were|is|are)\s+not\s+(?:used|performed|applied|done|carried"
                           r"|conducted|possible|feasible)", _F)

#: words showing that a sentence is about human participants, not animals
HUMAN_CONTEXT = re.compile(r"\b(?:patients?|participants?|volunteers?|subjects?|children|women|men|donors?|human"
                           r"|informed\s+consent|institutional\s+review\s+board|IRB|NHS|hospital|clinic(?:al)?"
                           r"|Helsinki|Health\s+Research\s+Council|Research\s+Ethics\s+Board)\b", _F)

#: words naming animals or animal work
ANIMAL_CONTEXT = re.compile(r"\b(?:animals?|mice|mouse|rats?|rabbits?|pigs?|piglets?|sheep|ewes?|lambs?|goats?"
                            r"|dogs?|cats?|monkeys?|macaques?|primates?|hamsters?|ferrets?|fish|zebrafish|cattle"
                            r"|calves|horses?|rodents?|IACUC|veterinar\w*|vivarium|husbandry|APAFIS|Home\s+Office"
                            r"|2010/63)\b", _F)

_ALLOC = r"(?:assign|allocat|divid|distribut|split|separat|categori[sz]|grouped|sort|randomi[sz]|placed\s+in)"
_GROUPS = r"(?:groups?|arms?|treatments?|conditions?|cohorts?|cages?|the\s+\w+\s+or\s+\w+)"
_RANDOMISATION = Detector(
    "randomisation", "sequence generation (random allocation)",
    positive=_p(
        rf"\brandom(?:ly)?\s+{_W}{{0,2}}?{_ALLOC}\w*",
        rf"\b{_ALLOC}\w*\s+{_W}{{0,8}}?(?:at\s+random|randomly|in\s+a\s+random(?:i[sz]ed)?\s+(?:fashion|manner|way))\b",
        r"\b(?:were|was|been|being)\s+(?:\w+\s+)?randomi[sz]ed\s+(?:to|into|in|between|among|by|using|with|across)\b",
        r"\brandomi[sz]ed\s+(?:\w+\s+){0,3}(?:to|into)\s+(?:\w+\s+){0,3}" + _GROUPS,
        r"\b(?:block|stratified|simple|computer[- ]generated|restricted)\s+(?:block\s+)?randomi[sz]ation\b",
        r"\brandomi[sz]ation\s+(?:schedule|sequence|list|code|table|plan|procedure|software|was\s+(?:performed|done"
        r"|carried\s+out|conducted|achieved|stratified|generated))",
        r"\brandom[- ]numbers?\s+(?:table|generat\w*)|\btable\s+of\s+random\s+numbers|\bcomputer[- ]generated\s+"
        r"(?:random\s+)?(?:sequence|list|schedule|numbers?)|\b(?:coin\s+(?:toss|flip)|lottery|drawing\s+lots)\b",
        r"\bgroup\s+(?:assignment|allocation)\s+was\s+(?:done\s+)?(?:in\s+a\s+)?random",
    ),
    negative=_p(
        r"\b(?:not|non)[\s-]+randomi[sz]ed\b(?!\s+(?:controlled\s+)?(?:trials?|studies|cohort))"
        r"|\bwithout\s+randomi[sz]ation|\brandomi[sz]ation\s+was\s+not\s+(?:used|performed|done|possible)",
        r"\bquasi[- ]?random\w*|\bpseudo[- ]?randomi[sz]ation\s+by\b",
        r"\b(?:allocat|assign)\w*\s+(?:\w+\s+){0,4}(?:in\s+the\s+order\s+(?:of|in\s+which)|according\s+to\s+(?:the\s+)?"
        r"(?:order|day|date|time)\s+of\s+(?:arrival|surgery|injury|birth))",
        r"\balternat(?:e|ing|ion)\s+(?:allocation|assignment)|\ballocated\s+(?:alternately|by\s+(?:the\s+)?"
        r"(?:investigator|surgeon|cage|litter|odd|even))",
        r"\b(?:were|was)\s+not\s+(?:randomly|randomi[sz]ed)\s+(?:\w+\s+)?(?:assigned|allocated|divided)",
    ),
    exclude=_p(
        r"\brandom(?:ly)?\s+(?:selected|chosen|picked|sampled|scattered|distributed\s+(?:throughout|across|in\s+the)"
        r"|oriented|positioned\s+(?:in|on)|permut\w*|matched|placed|flipped|generated\s+(?:sequence|network|graph))",
        r"\brandom[- ](?:effects?|intercepts?|slopes?|forests?|fields?|samples?|sampling|selection|hexamers?|primers?"
        r"|PCR|walk|drift|noise|variation|error|sequences?|networks?|graphs?|subsets?|spot[- ]checks?|order"
        r"|assortment|coil|multifocal|seeds?|model)\b",
        r"\brandomi[sz]ed\s+(?:controlled\s+|clinical\s+|placebo[- ]controlled\s+|double[- ]blind\s+)*trials?\s+"
        r"(?:are|is|have|has|of|that|compar|would|will|needed|urgently|in\s+the|conducted\s+in|to\s+(?:date|optimi))",
        r"\b(?:randomi[sz]ed|random)\s+(?:order|sequence)\s+of\s+(?:testing|tests?|presentation|stimul\w*|sections?"
        r"|trials?|sessions?)|\btested\s+in\s+(?:a\s+)?random(?:i[sz]ed)?\s+order|\bpseudo-?random\w*\s+order",
        r"\b(?:cages?|racks?)\s+(?:were\s+)?random|\bhoused\s+random|random(?:ly)?\s+(?:housed|caged)",
        r"\b(?:previous|earlier|future|other|published|these|those|included|several)\s+(?:\w+\s+){0,3}randomi[sz]ed",
        r"\bsuch\s+trials\b|\brandomi[sz]ation\s+(?:code|procedure\s+was\s+successful)|\brandomi[sz]ed\s+to\s+either\s+"
        r"treatment\s+group\s+did",
    ),
)

_ALLOCATION_CONCEALMENT = Detector(
    "allocation_concealment", "allocation concealment",
    positive=_p(
        r"\ballocation\s+(?:was\s+|were\s+)?(?:\w+\s+){0,2}conceal\w*|\bconceal\w*\s+(?:the\s+)?(?:group\s+|treatment\s+)?"
        r"allocation|\ballocation\s+concealment\b",
        r"\b(?:sealed|opaque|numbered)\s+(?:\w+\s+){0,2}envelopes?\b|\benvelopes?\s+(?:were|was)\s+(?:pre-?packed|sealed"
        r"|prepared|opened)",
        r"\b(?:treatments?|syringes?|vials?|solutions?|cell\s+suspensions?|injections?|drugs?)\s+(?:were\s+|was\s+)?"
        r"(?:\w+\s+){0,3}(?:coded|labell?ed\s+with\s+codes?|prepared\s+by\s+(?:a|an)\s+(?:\w+\s+){0,3}"
        r"(?:not\s+involved|independent|third))",
        r"\b(?:surgeon|operator|investigator\s+(?:who\s+)?(?:performed|performing|injecting|administer\w*))\s+"
        r"(?:\w+\s+){0,4}(?:was|were)\s+(?:blind\w*|unaware|masked)\b",
        r"\b(?:by|from)\s+(?:a|an)\s+(?:\w+\s+){0,3}(?:with\s+no\s+(?:clinical\s+|other\s+)?involvement|not\s+involved"
        r"\s+in\s+(?:the\s+)?(?:surgery|experiments?|treatment|study))",
    ),
    negative=_p(r"\ballocation\s+was\s+not\s+concealed|\bno\s+allocation\s+concealment|\ballocation\s+"
                r"concealment\s+was\s+not\b"),
)

_ALLOCATION_CONCEALMENT = Detector(
    _ALLOCATION_CONCEALMENT.id, _ALLOCATION_CONCEALMENT.label, _ALLOCATION_CONCEALMENT.positive,
    _ALLOCATION_CONCEALMENT.negative,
    exclude=_p(r"\brisk\s+of\s+bias\b|\bCochrane\b|\bdomains?\b"),
)

_RANDOM_HOUSING = Detector(
    "random_housing", "random housing",
    positive=_p(
        r"\b(?:cages?|racks?|home\s+cages?)\s+(?:were\s+|was\s+)?(?:\w+\s+){0,2}(?:randomly|randomi[sz]ed|at\s+random)"
        r"|\b(?:position|placement|location)s?\s+of\s+(?:the\s+)?(?:cages?|racks?)\s+(?:\w+\s+){0,3}random",
        r"\b(?:housed|caged|placed\s+on\s+(?:the\s+)?racks?)\s+(?:\w+\s+){0,3}(?:randomly|at\s+random|in\s+random)",
        r"\brandom(?:ly)?\s+(?:housed|caged|assigned\s+to\s+cages|placed\s+(?:on|in)\s+(?:the\s+)?(?:racks?|shelves))",
    ),
    negative=_p(r"\bcages?\s+(?:were\s+)?not\s+randomi[sz]ed|\bhoused\s+(?:by|according\s+to)\s+(?:treatment|group)"),
)

_BLIND_OBJ = (r"(?:treatments?|groups?|group\s+(?:assignments?|allocations?)|allocations?|conditions?|interventions?"
              r"|identit(?:y|ies)|genotypes?|experimental|treated|cohorts?|clinical\s+(?:status|diagnos\w+)|diagnos\w+"
              r"|illness|drugs?|status|sample\s+identit\w+|which\s+\w+)")
_ASSESSOR = (r"(?:observers?|experimenters?|investigators?|assessors?|raters?|examiners?|scorers?|testers?|evaluators?"
             r"|pathologists?|analysts?|personnel|workers?|researchers?|scientists?|readers?|staff|technicians?"
             r"|person|people)")
_BLINDING = Detector(
    "blinding", "blinded outcome assessment",
    positive=_p(
        rf"\b(?:blind(?:ed)?|unaware|naive|naïve|masked)\s+(?:as\s+)?(?:to|of)\s+(?:the\s+)?{_W}{{0,3}}?{_BLIND_OBJ}",
        rf"\bnot\s+(?:aware|informed)\s+of\s+(?:the\s+)?{_W}{{0,3}}?{_BLIND_OBJ}",
        rf"\b(?:no|without)\s+knowledge\s+of\s+(?:the\s+)?{_W}{{0,3}}?{_BLIND_OBJ}",
        r"\bnot\s+influenced\s+(?:\w+\s+){0,4}by\s+knowledge\s+of",
        r"\bin\s+a\s+(?:double[- ]|single[- ])?blind(?:ed)?\s+(?:manner|fashion|way|approach)|\bblindly\b",
        r"\b(?:double|single|triple)[- ]blind(?:ed)?\b",
        r"\bblind(?:ed)?\s+(?:observers?|experimenters?|investigators?|assessors?|raters?|examiners?|scorers?"
        r"|testers?|evaluators?|analys[ie]s|assessments?|scoring|evaluation|genotyping|trials?|fashion)",
        rf"\b{_ASSESSOR}\s+(?:[\w()-]+\s+){{0,4}}(?:were|was)\s+(?:kept\s+)?blind(?:ed)?\b",
        r"\b(?:performed|conducted|carried\s+out|scored|analy[sz]ed|assessed|quantified|evaluated|tested|counted)\s+"
        r"(?:by\s+(?:a|an)\s+(?:\w+\s+){0,2})?blind(?:ed|ly)?\b",
        r"\bsamples\s+were\s+blinded\b|\b(?:slides|images|videos|samples)\s+were\s+(?:coded|randomi[sz]ed\s+and\s+coded)"
        r"\s+(?:\w+\s+){0,6}(?:before|prior|so\s+that)",
        r"\bblinded\s+to\s+the\s+study\s+protocol",
    ),
    negative=_p(
        r"\b(?:not|non)[\s-]+blind(?:ed)?\b|\bun-?blinded\b|\bwithout\s+blinding\b|\bopen[- ]label\b"
        r"|\bblinding\s+was\s+not\s+(?:used|performed|possible|done)|\bno\s+blinding\b",
        r"\bknew\s+(?:the\s+|each\s+|which\s+)?(?:\w+\s+){0,2}(?:groups?|treatments?|allocation)",
        r"(?<!un)\baware\s+of\s+(?:the\s+)?(?:\w+\s+){0,2}(?:groups?|treatments?|allocation)",
        r"\bwere\s+not\s+performed\s+blind",
    ),
    exclude=_p(
        r"\b(?:peer|reviewers?|manuscript|referees?|editor)\b",
        r"\bblind\s+spot|\b(?:blind|sightless)\s+(?:mice|rats|animals|patients)\b|\bblindness\b",
        r"\bblind(?:ed)?\s+to\s+(?:the\s+)?(?:\w+\s+)?(?:hypothes[ie]s|aims?|purpose|objectives?)\b",
        r"\b(?:surgeons?|operators?)\s+(?:\w+\s+){0,4}(?:were|was)\s+(?:blind\w*|unaware|masked)",
        r"\b(?:studies|trials)\s+(?:were|was)\s+(?:\w+\s+){0,3}(?:double|single)[- ]blind|\b(?:previous|other|earlier"
        r"|published|future|additional)\s+(?:\w+\s+){0,2}blind|\bconducted\s+in\s+India\s+\[\d",
    ),
)

_CAREGIVER_BLINDING = Detector(
    "caregiver_blinding", "blinding of caregivers and investigators",
    positive=_p(
        r"\b(?:double|triple)[- ]blind(?:ed)?\b",
        r"\b(?:caregivers?|carers?|animal\s+(?:care\s+)?(?:staff|handlers?|technicians?)|handlers?|investigators?"
        r"\s+(?:who\s+)?(?:administer\w*|injecting|treating|performing\s+the\s+(?:treatment|injections?))|physicians?"
        r"|ward\s+staff|surgeons?|personnel\s+(?:who\s+)?(?:administer|handl|treat)\w*)\s+(?:[\w,()-]+\s+){0,6}"
        r"(?:were|was)\s+(?:\w+\s+)?(?:blind\w*|unaware|masked)",
        r"\b(?:treatments?|syringes?|vials?|solutions?|cell\s+suspensions?|drugs?)\s+(?:were\s+|was\s+)?(?:\w+\s+){0,2}"
        r"coded\s+(?:\w+\s+){0,6}(?:investigators?|experimenters?|personnel|blind)",
    ),
    exclude=_p(r"\b(?:studies|trials)\s+(?:were|was)\s+(?:\w+\s+){0,3}(?:double|single)[- ]blind|\bconducted\s+in\s+"
               r"(?:India|\w+\s+\[\d)|\[\d+\]"),
    negative=_p(r"\b(?:investigators?|experimenters?|caregivers?)\s+(?:were|was)\s+not\s+blind(?:ed)?\b"
                r"(?!\s+(?:during|to)\s+(?:the\s+)?(?:outcome|assessment|analysis))"),
)

_RANDOM_OUTCOME = Detector(
    "random_outcome_assessment", "random outcome assessment",
    positive=_p(
        r"\b(?:tested|assessed|evaluated|measured|examined|scored)\s+in\s+(?:a\s+)?random(?:i[sz]ed)?\s+order"
        r"|\b(?:order|sequence)\s+of\s+(?:testing|assessment|measurements?|evaluation)\s+(?:was|were)\s+"
        r"(?:\w+\s+)?random",
        r"\brandom(?:ly|i[sz]ed)?\s+(?:order|sequence)\s+(?:of|for)\s+(?:the\s+)?(?:animals?|mice|rats|testing|"
        r"assessment|outcome)",
        r"\b(?:animals?|mice|rats|cages?)\s+(?:were\s+)?(?:\w+\s+){0,2}(?:randomly\s+selected|chosen\s+at\s+random)\s+"
        r"for\s+(?:outcome\s+)?(?:assessment|testing|evaluation)",
        r"\b(?:images|slides|videos)\s+were\s+(?:\w+\s+){0,3}random(?:ly|i[sz]ed)\s+(?:\w+\s+){0,6}(?:rater|bias|scor)",
    ),
    negative=_p(r"\b(?:not|non)[\s-]+random(?:ly|i[sz]ed)?\s+(?:\w+\s+){0,3}(?:order|sequence)\s+of\s+testing"),
)

_SAMPLE_SIZE = Detector(
    "sample_size", "sample-size calculation",
    positive=_p(
        r"\b(?:a\s+priori\s+|prospective\s+)?power\s+(?:analys[ie]s|calculations?|computations?)\b",
        r"\bsample[- ]sizes?\s+(?:was|were)\s+(?:\w+\s+){0,3}?(?:calculated|determined|estimated|computed|based\s+on"
        r"|chosen\s+to\s+(?:detect|provide|give))",
        r"\bsample[- ]size\s+(?:calculations?|estimations?|determinations?)|\b(?:calculated|required|needed)\s+"
        r"(?:total\s+)?sample\s+sizes?\s+(?:required|needed|was|of|to)",
        r"\b(?:calculated|determined|estimated)\s+(?:\w+\s+){0,3}sample[- ]sizes?\b", r"\bG\s?\*\s?Power\b",
        r"\b(?:power|probability)\s+of\s+(?:0?\.\d+|\d{2}\s?%)\s+(?:\w+\s+){0,4}(?:detect|at\s+(?:an\s+)?alpha|with)",
        r"\bto\s+detect\s+(?:a\s+)?(?:\w+\s+){0,2}(?:difference|effect|reduction|increase)\s+(?:\S+\s+){0,6}?"
        r"(?:power|alpha|α)",
        r"\b\d{2}\s?%\s+power\b|\ban\s+effect\s+size\s+of\s+\S+\s+(?:[\w-]+\s+){0,6}was\s+(?:sought|assumed|expected)",
        r"\b(?:required|needed)\s+(?:group|sample)\s+sizes?\s+(?:was|were)\b|\bit\s+was\s+calculated\s+that\s+(?:the\s+)?"
        r"(?:study|trial|experiment)\s+would\s+need",
        r"\b(?:were|was|are)\s+(?:required|needed)\s+(?:per|in\s+each)\s+group\b|\bthe\s+total\s+sample\s+size\s+"
        r"required\b",
    ),
    negative=_p(
        r"\bno\s+(?:formal\s+|a\s+priori\s+)?(?:sample[- ]size|power)\s+(?:calculation|analysis|estimation)",
        r"\bsample[- ]sizes?\s+(?:was|were)\s+not\s+(?:\w+\s+)?(?:calculated|determined|estimated|pre-?determined)",
        r"\bno\s+statistical\s+methods?\s+(?:was|were)\s+used\s+to\s+pre-?determine\s+(?:the\s+)?sample\s+sizes?",
    ),
    exclude=_p(
        r"\bpost[- ]?hoc\s+power|\bachieved\s+power|\bobserved\s+power|\bretrospective\s+power|\bfuture\s+(?:\w+\s+)?"
        r"(?:studies|trials|experiments)",
        r"\b(?:small|limited|modest|larger?|low|insufficient)\s+(?:\w+\s+)?(?:sample\s+sizes?|statistical\s+power)",
        r"\bpower\s+(?:was\s+)?calculated\s+using\s+Quanto|\bpower\s+curves?\b|\bthere\s+was\s+(?:greater|more)\s+than\s+"
        r"\d+\s?%\s+power|\bclusters?\b|\bimplications\s+for\s+sample\s+size",
        r"\b(?:this|our|the\s+present)\s+(?:simulation\s+)?study\s+(?:demonstrates|shows|investigat)",
    ),
)

_WELFARE = Detector(
    "welfare", "compliance with animal welfare regulations",
    positive=_p(
        r"\b(?:approved|reviewed|authori[sz]ed|sanctioned|licen[cs]ed)\s+(?:\w+\s+){0,2}by\s+(?:the\s+)?"
        r"(?:[\w'&,.()-]+\s+){0,10}?(?:committees?|boards?|council|authorit(?:y|ies)|IACUC|AWERB|ministry|office"
        r"|department)",
        r"\b(?:IACUC|AWERB|CEEA|APAFIS|(?:animal|ethics?|ethical)\s+(?:care\s+and\s+use|welfare|research|"
        r"experimentation|ethics)?\s*(?:review\s+)?committees?|committee\s+on\s+animal\s+(?:care|research))\b",
        r"\b(?:in\s+(?:accordance|compliance|adherence|line|agreement|conformity)\s+with|according\s+to|following|"
        r"conformed\s+to|complied\s+with)\s+(?:the\s+)?(?:[\w'()/,.&-]+\s+){0,12}?(?:guide(?:lines)?|regulations?|"
        r"regulatory\s+standards|directive|act|principles|polic(?:y|ies)|laws?|legislation|protocols?|codes?)\b",
        r"\bGuide\s+for\s+the\s+Care\s+and\s+Use\s+of\s+Laboratory\s+Animals|\bDirective\s+2010/63"
        r"|\bethic(?:s|al)\s+(?:approval|permit|board|review|clearance|committee)\b|\bARRIVE\b"
        r"|\bAnimals\s+\(Scientific\s+Procedures\)\s+Act|\bprotocol\s+(?:number|no\.?|#)\s*[A-Z0-9]"
        r"|\btreated\s+humanely|\balleviation\s+of\s+suffering|\bminimi[sz]e\s+(?:animal\s+)?suffering",
    ),
    exclude=_p(r"\bmanufacturer'?s?\b|\binstructions\b|\bPRISMA\b|\bMOOSE\b|\bCONSORT\b|\bnomenclature\b"
               r"|\b(?:drugs?|treatments?)\s+(?:\w+\s+){0,3}approved\s+(?:to|for)\b|\bapproved\s+the\s+final"
               r"|\bProtocol\s+S\d|\b3T3\s+protocol|\bstandard\s+protocol|\bCode\s+of\s+Military|\bdata\s+on\b"),
    animal_only=True,
)

_CONFLICT = Detector(
    "conflict_of_interest", "statement of potential conflicts of interest",
    positive=_p(
        r"\b(?:conflicts?|competing)\s+(?:of\s+)?(?:financial\s+)?interests?\b|\bduality\s+of\s+interest",
        r"\bdeclares?d?\s+(?:that\s+)?(?:there\s+(?:is|are|was|were)\s+)?no\s+(?:\w+\s+){0,2}(?:conflicts?|competing"
        r"|financial)",
        r"\bfinancial\s+(?:disclosures?|interests?|relationships?)\b|\bdisclosure\s+statement",
        r"\b(?:holds?|own|owns)\s+(?:equity|shares|stock)\b|\b(?:is|are)\s+(?:an?\s+)?(?:employees?|consultants?"
        r"|shareholders?|founders?|co-?founders?)\s+(?:of|in|at)\b|\bpatents?\s+(?:\w+\s+){0,3}(?:pending|filed|held)",
        r"\b(?:consult(?:ing|ancy)\s+fees|honorari(?:a|um)|speaker'?s?\s+fees|royalties)\b|\bnothing\s+to\s+disclose\b",
        r"\bhas\s+not\s+provided\s+any\s+financial\s+support|\bcommercial\s+or\s+(?:\w+\s+)?associations?",
    ),
    exclude=_p(r"\b(?:funders?|sponsors?)\s+had\s+no\s+role\b", r"\bconflict(?:s|ing)?\s+with\b",
               r"\bconflicting\s+(?:results|data|reports|findings)"),
    negatable=False,
    section=re.compile(r"^\s*(?:competing\s+interests?|conflicts?\s+of\s+interests?|declaration\s+of\s+interests?"
                       r"|disclosures?|duality\s+of\s+interest)\s*:?\s*$", _F),
)

_EXCLUSIONS = Detector(
    "exclusions", "inclusion and exclusion criteria (ARRIVE 3)",
    positive=_p(
        r"\b(?:animals?|mice|rats|sessions?|trials?|samples?|patients?|participants?|subjects?|children|individuals"
        r"|women|men|data|outliers?|ROIs|cases|pups|cells|diseases?)\b[^.;]{0,120}?\b(?:were|was)\s+(?:\w+\s+)?"
        r"(?:excluded|considered\s+outliers\s+and\s+excluded)\b|\bconsidered?\s+outliers\s+and\s+excluded\b",
        r"\b(?:after|by)\s+(?:careful\s+)?exclu(?:ding|sion\s+of)\b|\bexcluded\s+from\s+(?:the\s+)?(?:study|analys[ie]s)",
        r"\bexclusion\s+criteri(?:a|on)\b(?!\s*:\s*studies)|\binclusion\s+criteri(?:a|on)\b(?!\s*:\s*identified)",
        r"\b(?:we|were)\s+excluded\s+(?:\d+|patients|animals|mice|rats|subjects|participants|the)\b",
        r"\b(?:after|by)\s+excluding\s+(?:\w+\s+){0,2}(?:cases|animals|mice|rats|patients|subjects|participants"
        r"|children)|\b\d+\s+(?:\w+\s+)?were\s+excluded\b|\bno\s+(?:animals?|mice|rats)\s+(?:were|was)\s+excluded",
        r"\bwere\s+not\s+included\s+(?:as\s+a\s+separate\s+group|in\s+the\s+analys)",
    ),
    exclude=_p(r"\bsize[- ]exclusion\b|\bcannot\s+be\s+excluded|\bnot\s+(?:be\s+)?excluded\b|\bstudies\b"
               r"|\btrials\s+were\s+not\s+excluded|\bmet\s+the\s+inclusion\s+criteria"),
    negatable=False,
)

_STATISTICS = Detector(
    "statistics", "statistical methods (ARRIVE 7)",
    positive=_p(
        r"\b(?:ANOVA|analysis\s+of\s+variance|t[- ]tests?|Mann[- ]Whitney|Wilcoxon|Kruskal[- ]Wallis|chi[- ]squared?"
        r"|χ2|Fisher'?s\s+exact|log[- ]rank|Cox\s+(?:proportional|regression)|mixed[- ](?:effects?\s+)?models?"
        r"|linear\s+regression|logistic\s+regression|Tukey|Bonferroni|Holm|Dunnett|Sidak|Šidák|Kaplan[- ]Meier)\b",
        r"\b(?:GraphPad|Prism|SPSS|SAS|Stata|R\s+(?:software|version|package)|statistical\s+analys[ie]s\s+(?:was|were)"
        r"\s+(?:performed|carried|conducted|done))\b",
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
DETECTORS: tuple[Detector, ...] = (_RANDOMISATION, _ALLOCATION_CONCEALMENT, _RANDOM_HOUSING, _CAREGIVER_BLINDING,
                                   _RANDOM_OUTCOME, _BLINDING, _SAMPLE_SIZE, _WELFARE, _CONFLICT, _EXCLUSIONS,
                                   _STATISTICS, _TEMPERATURE)

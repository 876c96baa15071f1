"""Detectors of the SYRCLE design items (Hooijmans et al. 2014): sequence generation (item 1), allocation
concealment (3), random housing (4), blinding of caregivers and investigators (5), random outcome assessment (6),
blinded outcome assessment (7), and the sample-size calculation of ARRIVE 2.0 item 2b / CAMARADES. See
:mod:`painregen.appraise.patterns` for how positive, negative and look-alike patterns are applied.

Item boundaries follow SYRCLE: a randomised *order* of testing is item 6, not sequence generation; the operating
surgeon or the person giving the injections being blinded is allocation concealment / caregiver blinding, not
blinded outcome assessment; a post-hoc power analysis is not a sample-size calculation.
"""

from __future__ import annotations

from painregen.appraise.patterns import Detector, W, p, words

__all__ = ["DESIGN_DETECTORS"]

_ALLOC = r"(?:assign|allocat|allott?|divid|distribut|split|separat|categori[sz]|grouped|sort|randomi[sz]|placed\s+in)"
_GROUPS = r"(?:groups?|arms?|treatments?|conditions?|cohorts?|cages?|the\s+\w+\s+or\s+\w+)"
_RANDOMISATION = Detector(
    "randomisation", "sequence generation (random allocation)",
    trigger=words("random", "quasi", "alternat", "coin", "lotter", "lots", "order", "allocat", "assign"),
    positive=p(
        rf"\brandom(?:ly)?\s+{W}{{0,2}}?{_ALLOC}\w*",
        rf"\b{_ALLOC}\w*\s+{W}{{0,8}}?(?:at\s+random|randomly|in\s+a\s+random(?:i[sz]ed)?\s+(?:fashion|manner|way))\b",
        r"\b(?:were|was|been|being)\s+(?:\w+\s+)?randomi[sz]ed\s+(?:to|into|in|between|among|by|using|with|across)\b",
        r"\brandomi[sz]ed\s+(?:\w+\s+){0,3}(?:to|into)\s+(?:\w+\s+){0,3}" + _GROUPS,
        r"\b(?:block|stratified|simple|computer[- ]generated|restricted)\s+(?:block\s+)?randomi[sz]ation\b",
        r"\brandomi[sz]ation\s+(?:schedule|sequence|list|code|table|plan|procedure|software|was\s+(?:performed|done"
        r"|carried\s+out|conducted|achieved|stratified|generated))",
        r"\brandom[- ]numbers?\s+(?:table|generat\w*|drawn)|\btable\s+of\s+random\s+numbers|\bcomputer[- ]generated\s+"
        r"(?:random\s+)?(?:sequence|list|schedule|numbers?)|\b(?:coin\s+(?:toss|flip)|lottery|drawing\s+lots)\b",
        r"\bgroup\s+(?:assignment|allocation)\s+was\s+(?:done\s+)?(?:in\s+a\s+)?random",
        r"\brandomi[sz]ed\s+(?:complete\s+)?(?:block|cross-?over|parallel(?:-group)?|factorial|split-plot)\s+design"
        r"|\bcompletely\s+randomi[sz]ed\s+(?:\w+\s+)?design\b",
        r"\b(?:animals|mice|rats|pigs|dogs|cats|cows|sheep|rabbits|fish|monkeys|patients|participants|subjects)\s+"
        r"(?:\w+\s+){0,2}(?:were|was)\s+randomi[sz]ed\s*(?:\(\s*n\s*=|[,.;]|$)",
        r"\b(?:patients|participants|animals|mice|rats|subjects)\s+randomi[sz]ed\s+(?:\w+\s+){0,6}?to\s+(?:one\s+of|"
        r"(?:\w+\s+)?(?:groups?|arms?))\b",
        r"\brandomi[sz]ed\s*,?\s+(?:\w+\s+)?order\b[^.]{0,60}\bcross-?over\b",
        r"\b(?:we|this\s+study|the\s+(?:present\s+)?study|the\s+experiments?)\s+(?:used|employed|followed|had|was|were)"
        r"\s+(?:a|an)\s+(?:[\w-]+[, ]+){0,2}randomi[sz]ed\s+(?:[\w-]+[, ]+){0,3}(?:design|study|trial|experiment)",
        r"\bin\s+a\s+(?:[\w-]+[, ]+){0,3}randomi[sz]ed\s+(?:[\w-]+[, ]+){0,2}(?:trial|study)\s*,\s*\d",
    ),
    negative=p(
        r"\b(?:not|non)[\s-]+randomi[sz]ed\b(?!\s+(?:controlled\s+)?(?:trials?|studies|cohort))"
        r"|\bwithout\s+(?:\w+\s+)?randomi[sz]ation|\brandomi[sz]ation\s+(?:was|were)\s+not\b",
        r"\bquasi[- ]?random\w*|\bpseudo[- ]?randomi[sz]ation\s+by\b",
        r"\b(?:allocat|assign)\w*\s+(?:\w+\s+){0,4}(?:in\s+the\s+order\s+(?:of|in\s+which)|according\s+to\s+(?:the\s+)?"
        r"(?:order|day|date|time)\s+of\s+(?:arrival|surgery|injury|birth))",
        r"\balternat(?:e|ing|ion)\s+(?:allocation|assignment)|\ballocated\s+(?:alternately|by\s+(?:the\s+)?"
        r"(?:investigator|surgeon|cage|litter|odd|even))",
        r"\b(?:were|was)\s+not\s+(?:randomly|randomi[sz]ed)\s+(?:\w+\s+)?(?:assigned|allocated|divided)",
        r"\b(?:allocation|assignment)\s+(?:\w+\s+){0,3}(?:was|were)\s+not\s+random",
        r"\bno\s+(?:\w+\s+)?randomi[sz]ation\b|\bnot\s+randomi[sz]e\b|\bwithout\s+(?:a\s+)?random(?:i[sz]ation|\s+"
        r"(?:sequence|allocation|assignment))",
    ),
    exclude=p(
        r"\brandom(?:ly)?\s+(?:selected|chosen|picked|sampled|scattered|distributed\s+(?:throughout|across|in\s+the)"
        r"|oriented|positioned\s+(?:in|on)|permut\w*|matched|placed|flipped|generated\s+(?:sequence|network|graph))",
        r"\brandom[- ](?:effects?|intercepts?|slopes?|forests?|fields?|samples?|sampling|selection|hexamers?|primers?"
        r"|PCR|walk|drift|noise|variation|error|DNA|RNA|nucleotides?|peptides?|networks?|graphs?|subsets?"
        r"|spot[- ]checks?|order"
        r"|assortment|coil|multifocal|seeds?|model|oligonucleotides?|hexonucleotides?|integration|breeding"
        r"|X-inactivation|choice)\b",
        r"\brandomi[sz]ed\s+(?:controlled\s+|clinical\s+|placebo[- ]controlled\s+|double[- ]blind\s+)*trials?\s+"
        r"(?:are|is|have|has|of|that|compar|would|will|needed|urgently|in\s+the|conducted\s+in|to\s+(?:date|optimi))",
        r"\b(?:randomi[sz]ed|random)\s+(?:order|sequence)\s+of\s+(?:testing|tests?|presentation|stimul\w*|sections?"
        r"|trials?|sessions?)|\btested\s+in\s+(?:a\s+)?random(?:i[sz]ed)?\s+order|\bpseudo-?random\w*\s+order",
        r"\b(?:cages?|racks?)\s+(?:were\s+)?random|\bhoused\s+random|random(?:ly)?\s+(?:housed|caged)",
        r"\b(?:previous|earlier|future|other|published|these|those|included|several)\s+(?:\w+\s+){0,3}randomi[sz]ed",
        r"\bsuch\s+trials\b|\brandomi[sz]ation\s+(?:code|procedure\s+was\s+successful)|\brandomi[sz]ed\s+to\s+either\s+"
        r"treatment\s+group\s+did",
        r"\b(?:distributed|scattered|inserted|integrated|transposes?)\s+(?:\w+\s+)?(?:randomly|at\s+random)\s+"
        r"(?:across|throughout|in|into|within)\s+(?:the\s+)?(?:\w+\s+)?(?:genome|cells?|tissues?|sections?|fields?)",
        r"\bTI\s*=|\bsearch\s+(?:syntax|strategy|terms?)\b",
    ),
)

_ALLOCATION_CONCEALMENT = Detector(
    "allocation_concealment", "allocation concealment",
    trigger=words("conceal", "envelope", "cod(?:e|ed|es)", "blind", "unaware", "mask", "involve", "independent",
                  "third", "central", "web-based", "telephone", "allocation", "randomi", "knew", "aware", "knowledge"),
    positive=p(
        r"\ballocation\s+(?:was\s+|were\s+)?(?:\w+\s+){0,3}conceal\w*|\bconceal\w*\s+(?:the\s+)?(?:group\s+|treatment\s+)?"
        r"allocation|\ballocation\s+concealment\b",
        r"\b(?:sealed|opaque|numbered)\s+(?:\w+\s+){0,2}envelopes?\b|\benvelopes?\s+(?:were|was)\s+(?:pre-?packed|sealed"
        r"|prepared|opened)",
        r"\b(?:treatments?|syringes?|vials?|solutions?|cell\s+suspensions?|injections?|drugs?|tubes?)\s+(?:were\s+|was\s+)?"
        r"(?:\w+\s+){0,3}(?:coded|labell?ed\s+with\s+codes?|prepared\s+by\s+(?:a|an)\s+(?:\w+\s+){0,3}"
        r"(?:not\s+involved|independent|third))",
        r"\b(?:surgeons?|operators?|investigators?\s+(?:who\s+)?(?:performed|performing|injecting|administer\w*))\s+"
        r"(?:\w+\s+){0,4}(?:was|were)\s+(?:blind\w*|unaware|masked)\b",
        r"\b(?:by|from)\s+(?:a|an)\s+(?:\w+\s+){0,3}(?:with\s+no\s+(?:clinical\s+|other\s+)?involvement|not\s+involved"
        r"\s+in\s+(?:the\s+)?(?:surgery|experiments?|treatment|study|behavioural|behavioral|testing|outcome))",
        r"\b(?:allocation|randomi[sz]ation)\s+(?:procedure|process|sequence|list|schedule|code)s?\s+(?:was|were)\s+"
        r"(?:\w+\s+){0,3}(?:operated|kept|held|generated|prepared|performed|done|carried\s+out)\s+(?:solely\s+)?by\s+"
        r"(?:an?\s+|the\s+)?(?:\w+\s+){0,3}(?:independent|third|pharmacist|person|colleague|technician|statistician"
        r"|trials?\s+unit|researcher\s+not)",
        r"\b(?:allocation|randomi[sz]ation|group)\s+codes?\s+(?:was|were)\s+(?:only\s+)?(?:revealed|broken|disclosed"
        r"|unmasked|unblinded)\s+(?:\w+\s+){0,4}(?:after|once|at\s+the\s+end|until|when)",
        r"\b(?:central(?:i[sz]ed)?|web-based|telephone)\s+(?:randomi[sz]ation|allocation)\b",
        r"\b(?:randomi[sz]ed|allocated|assigned|randomi[sz]ation\s+was\s+(?:performed|done|carried\s+out))\s+"
        r"(?:\w+\s+){0,6}by\s+(?:an?\s+|the\s+)?(?:\w+\s+){0,3}(?:third[- ]party|(?:independent\s+)?"
        r"(?:person|researcher|investigator|colleague|technician|experimenter|scientist|statistician))"
        r"(?=\s+(?:\w+\s+){0,2}(?:not|with\s+no)\s+(?:\w+\s+){0,2}(?:involved|involvement|participat\w*))",
        r"\b(?:solutions?|drugs?|treatments?|syringes?|vials?|compounds?|vehicles?|doses)\s+(?:were|was)\s+(?:\w+\s+){0,4}"
        r"(?:coded|labell?ed\s+(?:with\s+)?(?:letters|numbers|codes?))\s+(?:\w+\s+){0,3}by\s+(?:an?\s+|the\s+)?"
        r"(?:\w+\s+){0,2}(?:independent|third|colleague|person|researcher|investigator|experimenter|technician"
        r"|pharmacist)",
        r"\b(?:using|with|in)\s+(?:\w+\s+)?coded\s+(?:syringes?|vials?|tubes?|bottles?|solutions?)\b",
        r"\b(?:randomi[sz]ation|allocation|codes?|randomi[sz]ed|allocated|assigned|coded|blinded)\s+(?:\w+\s+){0,4}"
        r"by\s+(?:a\s+)?third[- ]party\b",
    ),
    negative=p(r"\ballocation\s+(?:was|were)\s+not\s+concealed|\bno\s+allocation\s+concealment|\ballocation\s+"
               r"concealment\s+was\s+not\b|\bwithout\s+allocation\s+concealment",
               r"\b(?:knew|was\s+aware\s+of|were\s+aware\s+of|had\s+knowledge\s+of)\s+(?:the\s+)?(?:group\s+|treatment\s+)?"
               r"allocation\b"),
    exclude=p(r"\brisk\s+of\s+bias\b|\bCochrane\b|\bdomains?\b|\btablets?\s+were\s+concealed"),
)

_RANDOM_HOUSING = Detector(
    "random_housing", "random housing",
    trigger=words("cage", "rack", "housed", "caged", "shel"),
    positive=p(
        r"\b(?:cages?|racks?|home\s+cages?)\s+(?:were\s+|was\s+)?(?:\w+\s+){0,2}(?:randomly|randomi[sz]ed|at\s+random)"
        r"|\b(?:position|placement|location)s?\s+of\s+(?:the\s+)?(?:cages?|racks?)\s+(?:\w+\s+){0,3}random",
        r"\b(?:housed|caged|placed\s+on\s+(?:the\s+)?racks?)\s+(?:\w+\s+){0,3}(?:randomly|at\s+random|in\s+random)",
        r"\brandom(?:ly)?\s+(?:housed|caged|assigned\s+to\s+cages|placed\s+(?:on|in)\s+(?:the\s+)?(?:racks?|shelves))",
        r"\bcage\s+(?:positions?|locations?|placements?)\s+(?:on\s+the\s+racks?\s+)?(?:were|was)\s+(?:\w+\s+)?"
        r"(?:randomi[sz]ed|random)",
    ),
    negative=p(r"\bcages?\s+(?:were\s+)?not\s+randomi[sz]ed|\bhoused\s+(?:by|according\s+to)\s+(?:treatment|group)"),
)

_CAREGIVER_BLINDING = Detector(
    "caregiver_blinding", "blinding of caregivers and investigators",
    trigger=words("blind", "unaware", "mask", "coded", "aware"),
    positive=p(
        r"\b(?:double|triple)[- ]blind(?:ed)?\b",
        r"\b(?:caregivers?|carers?|animal\s+(?:care\s+)?(?:staff|handlers?|technicians?)|handlers?|investigators?"
        r"\s+(?:who\s+)?(?:administer\w*|injecting|treating|performing\s+the\s+(?:treatment|injections?))|physicians?"
        r"|ward\s+staff|surgeons?|person\s+handling\s+the\s+animals|personnel\s+(?:who\s+)?(?:administer|handl|treat)"
        r"\w*)\s+(?:[\w,()-]+\s+){0,6}(?:were|was)\s+(?:\w+\s+)?(?:blind\w*|unaware|masked)",
        r"\b(?:treatments?|syringes?|vials?|solutions?|cell\s+suspensions?|drugs?)\s+(?:were\s+|was\s+)?(?:\w+\s+){0,2}"
        r"coded\s+(?:\w+\s+){0,6}(?:investigators?|experimenters?|personnel|blind)",
        r"\b(?:experiments?|surgery|surgeries|injections?|treatments?)\s+(?:were|was)\s+(?:all\s+)?(?:performed|carried"
        r"\s+out|conducted|done|given|administered)\s+(?:\w+\s+){0,3}blind(?:ed|ly)?\b",
    ),
    exclude=p(r"\b(?:studies|trials)\s+(?:were|was)\s+(?:\w+\s+){0,3}(?:double|single)[- ]blind|\bconducted\s+in\s+"
              r"(?:India|\w+\s+\[\d)|\[\d+\]",
              r"\b(?:these|previous|other|earlier|published|independent|several|many)\s+(?:[\w-]+[, ]+){0,3}"
              r"(?:double|single|triple)[- ]blind"),
    negative=p(r"\b(?:investigators?|experimenters?|caregivers?|surgeons?|(?:animal\s+)?(?:care\s+)?staff)\s+(?:\w+\s+)"
               r"{0,5}(?:were|was)\s+not\s+blind(?:ed)?\b(?!\s+(?:during|to)\s+(?:the\s+)?(?:outcome|assessment"
               r"|analysis))",
               r"\b(?:caregivers?|carers?|surgeons?|(?:animal\s+)?(?:care\s+)?staff|investigators?\s+(?:who\s+)?"
               r"(?:administer\w*|injecting|treating))\s+(?:\w+\s+){0,3}(?:were|was)\s+aware\s+of\s+(?:the\s+)?"
               r"(?:\w+\s+){0,2}(?:groups?|treatments?|allocation)"),
)

_RANDOM_OUTCOME = Detector(
    "random_outcome_assessment", "random outcome assessment",
    trigger=words("random"),
    positive=p(
        r"\b(?:tested|assessed|evaluated|measured|examined|scored)\s+in\s+(?:a\s+)?random(?:i[sz]ed)?\s+order"
        r"|\b(?:order|sequence)\s+of\s+(?:testing|assessment|measurements?|evaluation)\s+(?:was|were)\s+"
        r"(?:\w+\s+)?random",
        r"\brandom(?:ly|i[sz]ed)?\s+(?:order|sequence)\s+(?:of|for)\s+(?:the\s+)?(?:animals?|mice|rats|testing|"
        r"assessment|outcome)",
        r"\b(?:animals?|mice|rats|cages?)\s+(?:were\s+)?(?:\w+\s+){0,2}(?:randomly\s+(?:selected|chosen)|(?:selected"
        r"|chosen)\s+at\s+random)\s+for\s+(?:\w+\s+)?(?:assessment|testing|evaluation|analysis|tests?|measurements?)",
        r"\b(?:images|slides|videos)\s+were\s+(?:\w+\s+){0,3}random(?:ly|i[sz]ed)\s+(?:\w+\s+){0,6}(?:rater|bias|scor)",

        r"\border\s+of\s+(?:\w+\s+){0,6}(?:was|were)\s+(?:\w+\s+){0,2}(?:determined|decided|set)\s+by\s+"
        r"(?:a\s+)?(?:computer[- ]generated\s+)?randomi[sz]ation",
    ),
    negative=p(r"\b(?:not|non)[\s-]+random(?:ly|i[sz]ed)?\s+(?:\w+\s+){0,3}(?:order|sequence)\s+of\s+testing"),
)

_BLIND_OBJ = (r"(?:treatments?|groups?|group\s+(?:assignments?|allocations?)|allocations?|conditions?|interventions?"
              r"|identit(?:y|ies)|genotypes?|experimental|treated|cohorts?|clinical\s+(?:status|diagnos\w+)|diagnos\w+"
              r"|illness|drugs?|status|sample\s+identit\w+|which\s+\w+|study\s+protocol)")
_ASSESSOR = (r"(?:observers?|experimenters?|investigators?|assessors?|raters?|examiners?|scorers?|testers?|evaluators?"
             r"|pathologists?|analysts?|personnel|workers?|researchers?|scientists?|readers?|staff|technicians?"
             r"|person|people)")
_BLINDING = Detector(
    "blinding", "blinded outcome assessment",
    trigger=words("blind", "unaware", "naive", "naïve", "mask", "aware", "knowledge", "know", "knew", "coded",
                  "conceal", "open[- ]label"),
    positive=p(
        rf"\b(?:blind(?:ed)?|unaware|naive|naïve|masked)\s+(?:as\s+)?(?:to|of)\s+(?:the\s+)?{W}{{0,3}}?{_BLIND_OBJ}",
        rf"\bnot\s+(?:aware|informed)\s+of\s+(?:the\s+)?{W}{{0,3}}?{_BLIND_OBJ}",
        rf"\b(?:no|without)\s+knowledge\s+of\s+(?:the\s+)?{W}{{0,3}}?{_BLIND_OBJ}",
        r"\bnot\s+influenced\s+(?:\w+\s+){0,4}by\s+knowledge\s+of|(?<=\bdid\s)not\s+know\s+(?:the\s+)?(?:\w+\s+)"
        r"{0,2}(?:groups?|treatments?|allocation|genotypes?)",
        r"\bin\s+a\s+(?:double[- ]|single[- ])?blind(?:ed)?\s+(?:manner|fashion|way|approach)|\bblindly\b",
        r"\b(?:double|single|triple)[- ]blind(?:ed)?\b",
        r"\bblind(?:ed)?\s+(?:observers?|experimenters?|investigators?|assessors?|raters?|examiners?|scorers?"
        r"|testers?|evaluators?|analys[ie]s|assessments?|scoring|evaluation|genotyping|trials?|fashion|duplicate)",
        rf"\b{_ASSESSOR}\s+(?:[\w()-]+\s+){{0,4}}(?:were|was)\s+(?:kept\s+)?blind(?:ed)?\b",
        r"\b(?:performed|conducted|carried\s+out|scored|analy[sz]ed|assessed|quantified|evaluated|tested|counted"
        r"|graded|examined)\s+(?:by\s+(?:a|an)\s+(?:\w+\s+){0,2})?blind(?:ed|ly)?\b",
        r"\b(?:masked|blinded|blind)\s+(?:panel|(?:\w+\s+){0,2}(?:evaluators?|assessors?|observers?|raters?|graders?"
        r"|readers?|scorers?|examiners?|pathologists?))\b",
        r"\b(?:scored|analy[sz]ed|assessed|evaluated|counted|quantified|graded|rated)\s+and\s+\w+\s+blind(?:ly|ed)?\b",
        r"\b(?:samples|slides|blocks|images|sections|specimens|grids|videos)\s+(?:\w+\s+){0,3}(?:were|was)\s+blinded\b|\b(?:slides|images|videos|samples)\s+were\s+(?:coded|randomi[sz]ed\s+and\s+coded)"
        r"\s+(?:\w+\s+){0,6}(?:before|prior|so\s+that)",
        r"\b(?:group|treatment)\s+codes?\s+(?:were\s+)?concealed\s+from\s+the\s+(?:\w+\s+)?(?:analysts?|assessors?"
        r"|observers?|raters?|scorers?|experimenters?)",
    ),
    negative=p(
        r"\b(?:not|non)[\s-]+blind(?:ed)?\b|\bun-?blinded\b|\bwithout\s+blinding\b|\bopen[- ]label\b"
        r"|\bblinding\s+(?:of\s+(?:\w+\s+){1,4})?(?:was|were)\s+not\b|\bno\s+blinding\b",
        r"\bknew\s+(?:the\s+|each\s+|which\s+)?(?:\w+\s+){0,2}(?:groups?|treatments?|allocation)",
        r"(?<!un)\baware\s+of\s+(?:the\s+)?(?:\w+\s+){0,2}(?:groups?|treatments?|allocation)",
        r"\bwere\s+not\s+performed\s+blind",
    ),
    negative_exclude=p(r"\b(?:surgeons?|operators?|caregivers?|carers?|care\s+staff|animal\s+care|handlers?"
                       r"|investigators?\s+(?:who\s+)?(?:administer\w*|injecting|treating)|allocated\s+the\s+animals"
                       r"|perform\w*\s+the\s+(?:surgery|surgeries|operations?|injections?|transplantations?))\b"
                       r"(?!.*\b(?:outcome|assess\w*|scor\w*|test\w*|analy[sz]\w*|measure\w*|evaluat\w*)\b)"),
    exclude=p(
        r"\b(?:peer|reviewers?|manuscript|referees?|editor)\b",
        r"\bblind\s+spot|\b(?:blind|sightless)\s+(?:mice|rats|animals|patients)\b|\bblindness\b|\bblinding\s+"
        r"(?:diseases?|disorders?|conditions?)|\b(?:animals|mice|cells|worms)\s+(?:\w+\s+)?(?:are|were)\s+blind\s+to\b",
        r"\bblind(?:ed)?\s+to\s+(?:the\s+)?(?:\w+\s+)?(?:hypothes[ie]s|aims?|purpose|objectives?)\b",
        r"^(?!.*\b(?:testers?|assessors?|observers?|raters?|scorers?|examiners?|evaluators?|analysts?|outcome)\b).*"
        r"\b(?:surgeons?|operators?)\s+(?:\w+\s+){0,4}(?:were|was)\s+(?:blind\w*|unaware|masked)",
        r"\b(?:studies|trials)\s+(?:were|was)\s+(?:\w+\s+){0,3}(?:double|single)[- ]blind|\b(?:previous|earlier|other"
        r"|published|future|additional)\s+(?:[\w-]+[, ]+){0,3}(?:double[- ]|single[- ])?blind|\b(?:these|several|many"
        r"|independent)\s+(?:[\w-]+[, ]+){0,3}(?:double|single|triple)[- ]blind|\bconducted\s+in\s+India\s+\[\d",
        r"\b(?:visual|backward|forward)\s+masking\b",
    ),
)

_SAMPLE_SIZE = Detector(
    "sample_size", "sample-size calculation",
    trigger=words("power", "sample", "G\\s?\\*", "required", "needed", "calculat", "effect size", "predetermin",
                  "statistical"),
    positive=p(
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
    negative=p(
        r"\bno\s+(?:formal\s+|a\s+priori\s+|prospective\s+)?(?:sample[- ]size|power)\s+(?:calculations?|analys[ie]s"
        r"|estimations?)",
        r"\bsample[- ]sizes?\s+(?:was|were)\s+not\s+(?:\w+\s+)?(?:calculated|determined|estimated|pre-?determined)",
        r"\bno\s+statistical\s+(?:methods?|tests?|analys[ie]s)\s+(?:was|were)\s+used\s+to\s+(?:pre-?determine|estimate"
        r"|calculate|choose)\s+(?:the\s+)?sample\s+sizes?",
    ),
    exclude=p(
        r"\bpost[- ]?hoc\s+power|\bachieved\s+power|\bobserved\s+power|\bretrospective\s+power|\bfuture\s+(?:\w+\s+)?"
        r"(?:studies|trials|experiments)",
        r"\b(?:small|limited|modest|larger?|low|insufficient|reduced)\s+(?:\w+\s+)?(?:sample\s+sizes?|statistical\s+power)",
        r"\bpower\s+(?:was\s+)?calculated\s+using\s+Quanto|\bpower\s+curves?\b|\bthere\s+was\s+(?:greater|more)\s+than\s+"
        r"\d+\s?%\s+power|\bclusters?\b|\bimplications\s+for\s+sample\s+size",
        r"\b(?:this|our|the\s+present)\s+(?:simulation\s+)?study\s+(?:demonstrates|shows|investigat)",
    ),
)

#: the design detectors, in the order proposals are listed
DESIGN_DETECTORS: tuple[Detector, ...] = (_RANDOMISATION, _ALLOCATION_CONCEALMENT, _RANDOM_HOUSING,
                                          _CAREGIVER_BLINDING, _RANDOM_OUTCOME, _BLINDING, _SAMPLE_SIZE)

"""Detectors of reporting items: compliance with animal-welfare regulations (CAMARADES; ARRIVE 2.0 item 14),
a statement of potential conflicts of interest (CAMARADES; ARRIVE 21a), inclusion/exclusion criteria and
excluded animals or data (ARRIVE 3), statistical methods (ARRIVE 7) and control of temperature (CAMARADES). See
:mod:`painregen.appraise.patterns` for how positive, negative and look-alike patterns are applied.

Welfare compliance is an animal-study statement: an ethics approval for human participants (an IRB, informed
consent) is a look-alike, and a phrase such as "according to the guidelines" or "following the protocol" counts
only with a word of animal care, ethics or law nearby (not the manufacturer's guidelines, not OECD test guidelines,
not a laboratory protocol).
"""

from __future__ import annotations

import re

from painregen.appraise.patterns import FLAGS, Detector, p, words

__all__ = ["REPORTING_DETECTORS"]

_WELFARE_WORDS = (r"(?:animals?|ethic\w*|welfare|humane\w*|IACUC|AAALAC|institutional|national|NIH|NRC|federal|state"
                  r"|government\w*|law|laws|legislation|legal|directive|acts?|council|committee|home\s+office|IASP"
                  r"|International\s+Association\s+for\s+the\s+Study\s+of\s+Pain|nociception"
                  r"|care\s+and\s+use|laboratory\s+animals?|(?-i:ARRIVE)|experimentation|veterinar\w*|wildlife)")
_COMPLY = (r"\b(?:in\s+(?:strict\s+)?(?:accordance|compliance|adherence|line|agreement|conformity)\s+with"
           r"|according\s+to|following|conformed\s+to|complied\s+with|adherence\s+to|consistent\s+with|under)")
_RULE_WORDS = (r"(?:guide(?:lines)?|regulations?|regulatory\s+standards|directive|act|principles|polic(?:y|ies)|laws?"
               r"|legislation|protocols?|codes?|recommendations?|rules)")
_WELFARE = Detector(
    "welfare", "compliance with animal welfare regulations",
    trigger=words("approv", "review", "authori", "sanction", "licen", "IACUC", "AWERB", "CEEA", "APAFIS", "AAALAC",
                  "committee", "accordance", "compliance", "adherence", "line with", "agreement", "conformity",
                  "according", "following", "conform", "complied", "consistent", "under", "guide", "directive",
                  "86/609", "ethic", "ARRIVE", "act", "welfare", "protocol", "humane", "suffering", "permission",
                  "rules", "regulations"),
    positive=p(
        r"\b(?:approved|reviewed|authori[sz]ed|sanctioned|licen[cs]ed)\s+(?:\w+\s+){0,2}by\s+(?:the\s+)?"
        r"(?:[\w'&,.()-]+\s+){0,10}?(?:committees?|boards?|council|authorit(?:y|ies)|IACUC|AWERB|ministry|office"
        r"|department|inspectorate|agency|bod(?:y|ies)|panel)",
        r"\b(?:IACUC|AWERB|CEEA|APAFIS|AAALAC|(?:animal|ethics?|ethical)\s+(?:care\s+and\s+use|welfare|research|"
        r"experimentation|ethics)?\s*(?:review\s+)?committees?|committee\s+on\s+animal\s+(?:care|research))\b",
        rf"{_COMPLY}\s+(?:the\s+)?(?:[\w'()/,.&-]+\s+){{0,10}}?{_WELFARE_WORDS}\b[\w'()/,.&-]*\s+"
        rf"(?:[\w'()/,.&-]+\s+){{0,5}}?{_RULE_WORDS}\b",
        rf"{_COMPLY}\s+(?:the\s+)?(?:[\w'()/,.&-]+\s+){{0,4}}?{_RULE_WORDS}[,;]?\s+(?:[\w'()/,.&-]+\s+){{0,8}}?"
        rf"{_WELFARE_WORDS}\b",
        r"\b(?:in\s+(?:strict\s+)?(?:accordance|compliance|adherence|conformity)\s+with|according\s+to|conformed\s+to"
        r"|complied\s+with)\s+(?:the\s+)?(?:[\w'()/,.&-]+\s+){0,3}?(?:relevant|national|institutional|local|federal"
        r"|international|European|EU|NIH|governmental?)\s+(?:[\w'()/,.&-]+\s+){0,6}?(?:guide(?:lines)?|regulations?"
        r"|directive|laws?|legislation|rules|standards|requirements)\b",
        r"\bGuide\s+for\s+the\s+Care\s+and\s+Use\s+of\s+Laboratory\s+Animals|\bDirective\s+2010/63|\b86/609/EEC"
        r"|\bethic(?:s|al)\s+(?:approval|permits?|permissions?|board|review|clearance|committee)\b|(?-i:\bARRIVE\b)"
        r"|\bAnimals\s+\(Scientific\s+Procedures\)\s+Act|\bAnimal\s+Welfare\s+(?:Act|Assurance)|\bprotocol\s+(?:number"
        r"|no\.?|#)\s*[A-Z0-9]|\btreated\s+humanely|\balleviation\s+of\s+suffering|\bminimi[sz]e\s+(?:animal\s+)?"
        r"suffering|\bpermission\s+(?:was|were)\s+(?:granted|obtained)|\blicen[cs]e\s+numbers?\b|\bis\s+licen[cs]ed"
        r"\s+to\s+conduct\s+animal",
        r"\b(?:rules|regulations)\s+(?:and\s+regulations\s+)?of\s+(?:the\s+)?(?:IACUC|institutional\s+animal)",
    ),
    exclude=p(r"\bmanufacturer'?s?'?\b|\binstructions\b|\bPRISMA\b|\bMOOSE\b|\bCONSORT\b|\bnomenclature\b|\bOECD\b"
              r"|\b(?:drugs?|treatments?)\s+(?:\w+\s+){0,3}approved\s+(?:to|for)\b|\bapproved\s+the\s+final"
              r"|\bProtocol\s+S\d|\b3T3\s+protocol|\bstandard\s+protocol|\bCode\s+of\s+Military|\bdata\s+on\b"
              r"|\b(?:FDA|EMA)[- ]approved|\bapproved\s+(?:by\s+the\s+)?(?:US\s+)?(?:Food\s+and\s+Drug|FDA)"
              r"|\bbiosafety\b|\bIDSA\b|\bfinal\s+(?:manuscript|version|draft)\b|\bhealth\s+monitoring"
              r"|\bdoes\s+not\s+alter\s+(?:the\s+)?(?:authors'?\s+)?adherence\s+to\b"),
    animal_only=True,
)

_CONFLICT = Detector(
    "conflict_of_interest", "statement of potential conflicts of interest",
    trigger=words("conflict", "competing", "duality", "declare", "financial", "disclos", "equity", "shares", "stock",
                  "employ", "consult", "founder", "shareholder", "patent", "inventor", "fees", "honorari", "royalt",
                  "commercial", "editor", "following", "Science Exchange"),
    positive=p(
        r"\b(?:conflicts?|competing)\s+(?:of\s+)?(?:financial\s+)?interests?\b|\bduality\s+of\s+interest",
        r"\bdeclares?d?\s+(?:that\s+)?(?:there\s+(?:is|are|was|were)\s+)?no\s+(?:\w+\s+){0,2}(?:conflicts?|competing"
        r"|financial)",
        r"\bfinancial\s+(?:or\s+(?:\w+\s+)?)?(?:disclosures?|interests?|relationships?|ties)\b|\bdisclosure\s+statement",
        r"\b(?:holds?|own|owns)\s+(?:equity|shares|stock)\b|\b(?:is|are|was|were)\s+(?:an?\s+)?(?:\w+\s+){0,2}(?:employees?"
        r"|consultants?|shareholders?|founders?|co-?founders?)\s+(?:of|in|at|for)\b|\b(?:current|former|full-time"
        r"|part-time)\s+(?:\w+\s+)?employees?\b|\b(?:is|are|was|were|currently|formerly)\s+employed\s+by\s+[A-Z]|\bpatents?\s+(?:\w+\s+){0,3}(?:pending|filed"
        r"|held)|\b(?:holds?|has|have)\s+(?:\w+\s+){0,2}patents?\b|\bpatent\s+is\s+owned\b|\bco-?inventors?\s+on\b",
        r"\b(?:consult(?:ing|ancy)\s+fees|honorari(?:a|um)|speaker'?s?\s+fees|royalties)\b|\bnothing\s+to\s+disclose\b"
        r"|\bworking\s+as\s+(?:a\s+)?consultant\b",
        r"\bhas\s+not\s+provided\s+any\s+financial\s+support|\bcommercial\s+or\s+(?:\w+\s+)?associations?",
        r"\bhave\s+the\s+following\s+(?:competing\s+)?(?:conflicts|interests)\b|\b(?:is|are)\s+(?:both\s+|all\s+)?"
        r"(?:an?\s+)?(?:\w+\s+){0,2}(?:editorial\s+board\s+members?|academic\s+editors?)\b",
        r"\bScience\s+Exchange\s+associated\s+lab",
    ),
    exclude=p(r"\b(?:funders?|sponsors?)\s+had\s+no\s+role\b", r"\bconflict(?:s|ing)?\s+with\b",
              r"\b(?:current|present)\s+address\b",
              r"\bdoes\s+not\s+alter\s+(?:the\s+)?(?:authors'?\s+)?adherence\s+to\b",
              r"\bconflicting\s+(?:results|data|reports|findings)", r"\bYoung\s+Investigator\b"),
    negatable=False,
    section=re.compile(r"^\s*(?:competing\s+interests?|conflicts?\s+of\s+interests?|declaration\s+of\s+interests?"
                       r"|disclosures?|duality\s+of\s+interest)\s*[.:]?\s*$", FLAGS),
)

_UNITS = (r"(?:animals?|mice|rats|sessions?|trials?|samples?|patients?|participants?|subjects?|children|individuals"
          r"|women|men|data|outliers?|ROIs|cases|pups|litters|scans?|runs?|recordings?|embryos|dogs|pigs|sheep"
          r"|monkeys|those)")
_EXCLUSIONS = Detector(
    "exclusions", "inclusion and exclusion criteria (ARRIVE 3)",
    trigger=words("exclu", "inclu", "criteri", "outlier"),
    positive=p(
        rf"\b{_UNITS}\b(?:[^.;]|\.(?=\d)){{0,120}}?\b(?:were|was)\s+(?:\w+\s+)?(?:excluded|considered\s+outliers\s+and"
        r"\s+excluded)\b|\bconsidered?\s+outliers\s+and\s+excluded\b",
        r"\b(?:after|by)\s+(?:careful\s+)?exclu(?:ding|sion\s+of)\b|\bexcluded\s+from\s+(?:the\s+)?(?:study|analys[ie]s)",
        r"\bexclusion\s+criteri(?:a|on)\b(?!\s*:\s*studies)|\binclusion\s+criteri(?:a|on)\b(?!\s*:\s*identified)"
        r"|\bcriteri(?:a|on)\s+for\s+(?:inclusion|exclusion)",
        rf"\b(?:we|were)\s+excluded\s+(?:\d+|{_UNITS}|the\s+(?:\w+\s+)?{_UNITS})\b",
        r"\b(?:after|by)\s+excluding\s+(?:\w+\s+){0,2}(?:cases|animals|mice|rats|patients|subjects|participants"
        r"|children)|\b\d+\s+(?:\w+\s+)?were\s+excluded\b|\bno\s+(?:animals?|mice|rats)\s+(?:were|was)\s+excluded",
        r"\bwere\s+not\s+included\s+(?:as\s+a\s+separate\s+group|in\s+the\s+analys)",
        r"\b(?:data|results)\s+exclusion\b",
    ),
    exclude=p(r"\bsize[- ]exclusion\b|\bcannot\s+be\s+excluded|\bnot\s+(?:be\s+)?excluded\b|\bstudies\b"
              r"|\btrials\s+were\s+not\s+excluded|\bmet\s+the\s+inclusion\s+criteria",
              rf"^(?:(?!\b{_UNITS}\b).)*\b(?:pixels?|SNPs?|genes?|peaks?|reads?|artifacts?|artefacts?|probes?"
              r"|transcripts?|interactions?|sequences?|spots?|clones?|peptides?|exons?|nodes?)\b(?:[^.;]|\.(?=\d))"
              r"{0,160}\bexclu"),
    negatable=False,
)

_STATISTICS = Detector(
    "statistics", "statistical methods (ARRIVE 7)",
    positive=p(
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
    trigger=words("temperature", "heating", "warming", "thermo", "homeothermic", "°", "º", "degrees"),
    positive=p(
        r"\b(?:body|core|rectal)\s+temperature\s+(?:was|were)\s+(?:\w+\s+){0,3}?(?:maintained|monitored|kept|controlled"
        r"|recorded)",
        r"\b(?:heating|warming|thermostatic(?:ally)?[- ]controlled)\s+(?:pads?|blankets?|lamps?|plates?)\b"
        r"|\bhomeothermic\b|\btemperature[- ]controlled\b|\bcontrolled\s+(?:room\s+)?temperature\b",
        r"\b(?:housed|kept|maintained|room|temperature)\b[^.;]{0,60}?\b(?:1[89]|2[0-6])(?:\.\d)?\s*(?:(?:±|\+/-)\s*\d+"
        r"(?:\.\d)?\s*)?(?:°\s?C|ºC|degrees)",
    ),
)

#: the reporting detectors, in the order proposals are listed
REPORTING_DETECTORS: tuple[Detector, ...] = (_WELFARE, _CONFLICT, _EXCLUSIONS, _STATISTICS, _TEMPERATURE)

"""SIMULATED search results for the review demonstration: RIS exports of two databases holding the citations of
simulated evidence studies (the relevant records, most of them found by both databases: known duplicates, one
copy with a reworded title case and no DOI) among irrelevant records (off-topic studies, in vitro work, clinical
trials, reviews), with the truth: which records are one publication and which publications are relevant.

Every record is labelled simulated (``N1`` note and the ``DB`` name); nothing here is real literature.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from painregen.evidence import models as m

SOURCES = ("PubMed (simulated)", "Embase (simulated)")
OFF_TOPIC = {
    "not_animal": ["Human bone marrow stromal cells release {x} in vitro", "An in vitro model of {x} in cultured "
                   "dorsal root ganglion neurons", "Computational modelling of {x} in stromal cells"],
    "no_cell_therapy": ["Pregabalin reduces {x} after nerve injury in rats", "Gabapentin and {x} in a mouse model",
                        "Exercise therapy modulates {x} after spinal cord injury in rats"],
    "wrong_condition": ["Mesenchymal stem cells improve {x} after myocardial infarction in rats",
                        "Stem cell therapy for {x} in experimental liver fibrosis", "Adipose stromal cells in {x} "
                        "of diabetic wound healing in mice"],
    "not_primary": ["Stem cells for {x} and neuropathic pain: a narrative review", "Editorial: the promise of "
                    "cell therapy for {x}", "Protocol for a systematic review of {x} in preclinical pain models"],
}
TOPICS = ["microglial activation", "cytokine release", "TNF-alpha signalling", "axonal regeneration",
          "mechanical allodynia", "inflammatory hyperalgesia", "NLRP3 inflammasome activity", "BDNF expression"]
#: look relevant from title and abstract, fail at full text (the exclusion criterion in the kind: "ft:<code>")
BORDERLINE = [
    ("ft:no_control", "Umbilical cord stromal cells and {x} in rats with sciatic nerve injury: an uncontrolled series"),
    ("ft:no_data", "Exosomes from stem cells attenuate {x} in a rat model of chronic constriction injury"),
    ("ft:no_full_text", "Intrathecal mesenchymal stem cells and {x} after spinal cord injury in rats (conference "
                        "abstract)"),
]
JOURNALS = ["Journal of Simulated Pain Research", "Simulated Neuroscience Letters", "Simulated Cell Therapy"]


@dataclass
class SimRecord:
    source: str
    key: str
    title: str
    authors: list[str]
    year: int
    journal: str
    doi: str | None
    abstract: str
    group: str  # records of one group are one publication
    relevant: bool
    study_id: str | None  # the simulated evidence study a relevant record cites
    kind: str  # "relevant" or the exclusion criterion an irrelevant record meets


@dataclass
class SimulatedSearch:
    records: list[SimRecord] = field(default_factory=list)

    def ris(self, source: str) -> str:
        """The RIS export of one database."""
        lines = []
        for r in self.records:
            if r.source != source:
                continue
            lines += ["TY  - JOUR", f"ID  - {r.key}", *[f"AU  - {a}" for a in r.authors], f"TI  - {r.title}",
                      f"T2  - {r.journal}", f"PY  - {r.year}", f"AB  - {r.abstract}"]
            if r.doi:
                lines.append(f"DO  - {r.doi}")
            lines += [f"DB  - {source}", "N1  - SIMULATED record (painregen demonstration)", "ER  - ", ""]
        return "\n".join(lines)

    @property
    def n_publications(self) -> int:
        return len({r.group for r in self.records})

    def truth(self) -> dict[str, object]:
        groups = {r.group for r in self.records}
        return {"records": len(self.records), "publications": len(groups),
                "duplicates": len(self.records) - len(groups),
                "relevant_publications": len({r.group for r in self.records if r.relevant})}


def _authors(rng: np.random.Generator) -> list[str]:
    last = ["Simm", "Virtanen", "Okafor", "Lindqvist", "Moreau", "Tanaka", "Rossi", "Novak", "Haddad", "Berg"]
    return [f"{rng.choice(last)}, {chr(65 + int(rng.integers(26)))}." for _ in range(int(rng.integers(2, 5)))]


def simulate_search(dataset: m.Dataset, *, n_irrelevant: int = 60, n_borderline: int = 6,
                    seed: int = 2026) -> SimulatedSearch:
    """Search results citing every study of ``dataset`` (relevant) plus ``n_irrelevant`` off-topic publications
    and ``n_borderline`` that look relevant but fail at full text; about 70% of the relevant and 25% of the other
    publications are found by both databases."""
    rng = np.random.default_rng(seed)
    out = SimulatedSearch()
    counters = dict.fromkeys(SOURCES, 0)

    def add(source: str, **kw: object) -> None:
        counters[source] += 1
        out.records.append(SimRecord(source=source, key=f"{source.split()[0]}-{counters[source]:04d}", **kw))  # type: ignore[arg-type]

    for i, s in enumerate(dataset.studies):
        base = dict(title=s.title, authors=[a.strip() for a in (s.authors or "Simm, A.").split(";")],
                    year=s.year or 2020, journal=s.journal or JOURNALS[i % 3], doi=s.doi,
                    abstract=f"SIMULATED. {s.methods_text or s.title}", group=f"rel{i:03d}", relevant=True,
                    study_id=s.study_id, kind="relevant")
        first = SOURCES[int(rng.integers(2))]
        add(first, **base)
        if rng.random() < 0.7:  # found by the other database too: a known duplicate
            dup = dict(base)
            if rng.random() < 0.5:
                dup["title"], dup["doi"] = str(base["title"]).upper(), None
            add(SOURCES[1 - SOURCES.index(first)], **dup)
    kinds = list(OFF_TOPIC)
    for j in range(n_irrelevant + n_borderline):
        if j < n_irrelevant:
            kind = kinds[j % len(kinds)]
            title = str(rng.choice(OFF_TOPIC[kind])).format(x=rng.choice(TOPICS))
        else:
            kind, pattern = BORDERLINE[j % len(BORDERLINE)]
            title = pattern.format(x=rng.choice(TOPICS))
        base = dict(title=f"{title} ({j + 1})", authors=_authors(rng), year=int(rng.integers(2010, 2025)),
                    journal=JOURNALS[j % 3], doi=f"10.5555/sim.{seed}.{j + 1}",
                    abstract=f"SIMULATED. {title}. Outcomes were measured.", group=f"irr{j:03d}", relevant=False,
                    study_id=None, kind=kind)
        first = SOURCES[int(rng.integers(2))]
        add(first, **base)
        if rng.random() < 0.25:
            add(SOURCES[1 - SOURCES.index(first)], **base)
    return out

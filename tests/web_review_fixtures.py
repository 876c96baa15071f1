"""Helpers for the review pages' tests (tests/test_web_review.py, tests/test_web_review_browser.py): a small search
export, two reviewers' extraction files of one study, and the PRISMA counts recomputed from the registry's rows."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from painregen.evidence.files import write_dataset
from painregen.simulate import simulate

MSC = "Mesenchymal stem cells relieve neuropathic pain after nerve injury in rats"
#: one search export: records 1 and 3 are one publication (merged automatically: same title, authors, year,
#: volume and pages), record 2 differs from both in volume and pages (queued for a reviewer); 4-6 are distinct
SEARCH = [
    {"ID": "r1", "TI": MSC, "AU": ["Smith, J", "Lee, K"], "PY": "2019", "JO": "Pain", "VL": "160", "SP": "100",
     "EP": "110", "DO": "10.1000/msc.2019.1", "AB": "Bone marrow MSCs given intrathecally after chronic constriction "
                                                   "injury reversed mechanical allodynia in Sprague-Dawley rats."},
    {"ID": "r2", "TI": MSC, "AU": ["Smith, J", "Lee, K"], "PY": "2019", "JO": "Pain", "VL": "161", "SP": "200",
     "EP": "210", "AB": "Conference abstract of the same group."},
    {"ID": "r3", "TI": MSC.replace("after nerve", "after a nerve"), "AU": ["Smith, J", "Lee, K"], "PY": "2019",
     "JO": "Pain", "VL": "160", "SP": "100", "EP": "110"},
    {"ID": "r4", "TI": "Exosomes from adipose stromal cells attenuate osteoarthritis pain in the MIA model",
     "AU": ["Garcia, M"], "PY": "2021", "JO": "Osteoarthritis Cartilage", "VL": "29", "SP": "55", "EP": "66",
     "AB": "Intra-articular exosomes reduced weight-bearing asymmetry in rats with monoiodoacetate arthritis."},
    {"ID": "r5", "TI": "Stem cell therapy for chronic low back pain: a narrative review", "AU": ["Brown, T"],
     "PY": "2020", "JO": "Spine J", "VL": "20", "SP": "1", "EP": "12", "AB": "We review clinical trials in humans."},
    {"ID": "r6", "TI": "Umbilical cord MSCs after spinal cord contusion improve locomotion and hyperalgesia",
     "AU": ["Chen, Y", "Wu, H"], "PY": "2022", "JO": "J Neurotrauma", "VL": "39", "SP": "900", "EP": "912",
     "AB": "Intravenous umbilical cord MSCs improved BBB scores and thermal hyperalgesia in rats."},
]


def ris_text(records: list[dict[str, Any]]) -> str:
    lines = []
    for r in records:
        lines.append("TY  - JOUR")
        for tag, value in r.items():
            for v in value if isinstance(value, list) else [value]:
                lines.append(f"{tag}  - {v}")
        lines.append("ER  - ")
        lines.append("")
    return "\n".join(lines)


def extraction_files(folder: Path, seed: int = 5) -> tuple[Path, Path]:
    """Two reviewers' template files of one simulated study: the second differs in one observation's mean
    (row 3) and in the SYRCLE assessor-blinding answer."""
    folder.mkdir(parents=True, exist_ok=True)
    first = folder / "ann.csv"
    write_dataset(simulate(1, seed=seed), first)
    rows = list(csv.reader(first.open(encoding="utf-8")))
    head = rows[0]
    rows[2][head.index("average")] = f"{float(rows[2][head.index('average')]) * 1.25:.6f}"
    for r in rows[1:]:
        r[head.index("rob_assessor_blinding")] = "no"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    second = folder / "bob.csv"
    second.write_text(out.getvalue(), encoding="utf-8")
    return first, second


def _finals(decisions: list[Any], eligible: set[int], required: int) -> dict[int, tuple[str | None, str | None]]:
    """publication -> (final decision, reason) from the decision rows of one stage: each reviewer's latest
    decision per role; unanimous screeners (no maybe) settle it, else the latest arbiter decision."""
    latest: dict[tuple[int, str, str], Any] = {}
    for d in sorted(decisions, key=lambda d: (str(d.decided_at), d.id)):
        latest[(d.publication_id, d.role, d.reviewer)] = d
    out: dict[int, tuple[str | None, str | None]] = {}
    for pub in eligible:
        screeners = sorted((d for (p, role, _), d in latest.items() if p == pub and role == "screener"),
                           key=lambda d: d.id)
        arbiters = sorted((d for (p, role, _), d in latest.items() if p == pub and role == "arbiter"),
                          key=lambda d: (str(d.decided_at), d.id))
        kinds = {d.decision for d in screeners}
        if len(screeners) < required:
            out[pub] = (None, None)
        elif len(kinds) == 1 and "maybe" not in kinds:
            final = kinds.pop()
            out[pub] = (final, next((d.reason for d in screeners if d.reason), None) if final == "exclude" else None)
        elif arbiters:
            out[pub] = (arbiters[-1].decision, arbiters[-1].reason)
        else:
            out[pub] = (None, None)
    return out


def prisma_from_rows(engine: Engine) -> dict[str, Any]:
    """The PRISMA 2020 counts recomputed from the registry's rows (independently of painregen.review.prisma)."""
    with engine.connect() as conn:
        sources = Counter(name for (name,) in conn.execute(text(
            "SELECT i.source_name FROM literature_records r JOIN search_imports i ON r.search_import_id = i.id")))
        active = {p for (p,) in conn.execute(text("SELECT id FROM publications WHERE merged_into_id IS NULL"))}
        required = dict(conn.execute(text("SELECT key, reviewers_required FROM review_stages")).all())
        rows = conn.execute(text("SELECT d.id, d.publication_id, s.key, d.reviewer, d.role, d.decision, d.reason, "
                                 "d.decided_at FROM screening_decisions d JOIN review_stages s ON d.stage_id = s.id"))
        by_stage: dict[str, list[Any]] = {"title_abstract": [], "full_text": []}
        for r in rows:
            by_stage[r.key].append(r)
        linked = {p for (p,) in conn.execute(text("SELECT id FROM publications WHERE study_pk IS NOT NULL"))}
    ta = _finals(by_stage["title_abstract"], active, required.get("title_abstract", 2))
    sought = {p for p, (final, _) in ta.items() if final == "include"}
    ft = _finals(by_stage["full_text"], sought, required.get("full_text", 2))
    not_retrieved = sum(f == ("exclude", "no_full_text") for f in ft.values())
    included = {p for p, (final, _) in ft.items() if final == "include"}
    return {
        "sources": dict(sources), "records_identified": sum(sources.values()),
        "duplicates_removed": sum(sources.values()) - len(active), "records_screened": len(active),
        "records_excluded": sum(f == "exclude" for f, _ in ta.values()),
        "records_awaiting": sum(f is None for f, _ in ta.values()), "reports_sought": len(sought),
        "reports_not_retrieved": not_retrieved, "reports_assessed": len(sought) - not_retrieved,
        "reports_excluded": sum(f == "exclude" for f, _ in ft.values()) - not_retrieved,
        "reports_awaiting": sum(f is None for f, _ in ft.values()), "studies_included": len(included),
        "linked_studies": len(included & linked),
    }

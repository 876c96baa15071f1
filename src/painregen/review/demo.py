"""The review workflow run end to end on SIMULATED search results (``painregen demo``): intake of two databases'
RIS exports, duplicate detection, dual screening by two simulated reviewers who err at known rates with a third
resolving conflicts, dual extraction (the second extractor mistypes a few cells), reconciliation and the link of
each included publication to its evidence study. Returns what the report's "Review process" section shows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from painregen.evidence import models as m
from painregen.review import reconcile as rc
from painregen.review import screening as sc
from painregen.review.schema import LiteratureRecordRow
from painregen.simulate.search import SOURCES, SimulatedSearch, simulate_search

REVIEWERS = ("Reviewer A (simulated)", "Reviewer B (simulated)")
ARBITER = "Reviewer C (simulated)"
ERROR_RATE = {"ta": 0.06, "ft": 0.04}  # chance that a simulated screener decides against the truth
FT_REASON = {"ft:no_control": "no_control", "ft:no_data": "no_data", "ft:no_full_text": "no_full_text",
             "not_animal": "not_animal", "no_cell_therapy": "no_cell_therapy", "wrong_condition": "no_outcome",
             "not_primary": "no_data"}


def _truth(session: Session, search: SimulatedSearch) -> dict[int, tuple[bool, str | None, str]]:
    """publication -> (relevant, study_id, kind), through the records' keys."""
    by_key = {r.key: r for r in search.records}
    out: dict[int, tuple[bool, str | None, str]] = {}
    for key, pub in session.query(LiteratureRecordRow.source_key, LiteratureRecordRow.publication_id):
        r = by_key[str(key)]
        out.setdefault(pub, (r.relevant, r.study_id, r.kind))
    return out


def _screen(session: Session, stage: str, truth: dict[int, tuple[bool, str | None, str]],
            rng: np.random.Generator) -> None:
    for pub in sc.outcomes(session, stage):
        relevant, _, kind = truth[pub]
        relevant = relevant or (stage == "ta" and kind.startswith("ft:"))  # borderline: passes title/abstract
        for who in REVIEWERS:
            right = rng.random() >= ERROR_RATE[stage]
            include = relevant if right else not relevant
            reason = None
            if not include and stage == "ta":  # a record that only full text rules out: the usual title reason
                reason = "wrong_condition" if kind == "relevant" or kind.startswith("ft:") else kind
            elif not include:
                reason = FT_REASON.get(kind, "no_data") if kind != "relevant" else "no_control"
            sc.decide(session, pub, stage, who, "include" if include else "exclude", reason=reason, source="demo")
    for o in sc.conflicts(session, stage):
        relevant, _, kind = truth[o.publication_id]
        relevant = relevant or (stage == "ta" and kind.startswith("ft:"))
        reason = None if relevant else (kind if stage == "ta" else FT_REASON.get(kind, "no_data"))
        sc.decide(session, o.publication_id, stage, ARBITER, "include" if relevant else "exclude", reason=reason,
                  role=sc.ARBITER, source="demo")


def _mistyped(study: m.Study, rng: np.random.Generator) -> m.Study:
    """The second extractor's version: one observation's n and one SYRCLE answer differ, now and then a mean."""
    b = study.model_copy(deep=True)
    obs = [o for e in b.experiments for o in e.observations]
    if obs:
        o = obs[int(rng.integers(len(obs)))]
        o.n += 1
        if rng.random() < 0.5:
            o2 = obs[int(rng.integers(len(obs)))]
            o2.average = round(o2.average * 1.1, 6)
    if b.rob and rng.random() < 0.6:
        item = sorted(b.rob)[int(rng.integers(len(b.rob)))]
        b.rob[item] = "unclear" if b.rob[item] != "unclear" else "yes"
    return b


def run_review_demo(session: Session, dataset: m.Dataset, out: Path, *, seed: int = 2026) -> dict[str, Any]:
    """Run the whole workflow inside ``session`` (the evidence of ``dataset`` is already in the registry: the
    reconciled extractions are checked against it cell by cell and linked). Writes the RIS files under
    ``out/search/``."""
    from painregen.review import store
    from painregen.review.intake import read_search_file

    rng = np.random.default_rng(seed)
    search = simulate_search(dataset, seed=seed)
    folder = out / "search"
    folder.mkdir(parents=True, exist_ok=True)
    for source in SOURCES:
        path = folder / f"{source.split()[0].lower()}_simulated.ris"
        path.write_text(search.ris(source), encoding="utf-8")
        store.import_search(session, [read_search_file(path)], source_name=source, imported_by="demo")
    truth = _truth(session, search)
    # the publications held in the session's identity map (it keeps only what is referenced): each decision and
    # extraction below looks its publication up, which would otherwise be a SELECT every time
    held = sc.active_publications(session)
    sc.ensure_stages(session)
    _screen(session, "ta", truth, rng)
    _screen(session, "ft", truth, rng)
    studies = {s.study_id: s for s in dataset.studies}
    stored = rc.stored_studies(session)  # what each reconciled extraction is checked against, read once
    for pub in rc.included(session):
        _, study_id, _ = truth[pub]
        if study_id is None:
            continue  # an irrelevant publication let through: nothing to extract from it
        study = studies[study_id]
        rc.add_extraction(session, pub, REVIEWERS[0], study, source="demo")
        rc.add_extraction(session, pub, REVIEWERS[1], _mistyped(study, rng), source="demo")
        comp = rc.comparison(session, pub)
        if comp is not None and comp.discrepancies:
            rc.agree_cells(session, pub, {d.path: d.values[REVIEWERS[0]] for d in comp.discrepancies}, ARBITER,
                           note="checked against the full text")
        rc.finalise(session, pub, ARBITER, link_existing=True, stored=stored)
    del held
    return {"truth": search.truth(), "files": [str(p) for p in sorted(folder.glob("*.ris"))]}

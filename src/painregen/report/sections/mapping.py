"""Labels mapped to terms: which free-text labels of the sources (SyRF outcome, disease-model and treatment
labels, annotation questions) became which vocabulary terms or appraisal items, how (exact, contains, crosswalk,
a person's decision), and which labels still wait for a decision (painregen.evidence.remap)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from painregen.report.output import ReportOutput
from painregen.report.pipeline import Analysis, label_of
from painregen.report.sections.base import Section

METHODS = {"exact": "exact or synonym", "contains": "contains a term's name", "crosswalk": "question crosswalk",
           "person": "a person's decision"}


def _term(vocabulary: str, curie: str) -> str:
    return curie if vocabulary in ("question", "control") else label_of(vocabulary, curie)


def build(a: Analysis, out: ReportOutput) -> Section | None:
    ev = a.evidence
    if ev is None or not (ev.notes or ev.pending):
        return None
    mapped: Counter[tuple[str, str, str, str]] = Counter(
        (n.vocabulary, n.text.strip(), _term(n.vocabulary, n.curie), METHODS.get(n.method, n.method)) for n in ev.notes)
    rows: list[dict[str, Any]] = [{"vocabulary": v, "text": t, "term": term, "how": how, "uses": k}
                                  for (v, t, term, how), k in mapped.most_common()]
    pending: Counter[tuple[str, str]] = Counter((p.vocabulary, p.text.strip()) for p in ev.pending)
    waiting = [{"vocabulary": v, "text": t, "uses": k} for (v, t), k in pending.most_common()]
    quotes = [{"study": a.label(n.study), "item": n.where, "quote": n.quote} for n in ev.notes if n.quote]
    tables = {"mapped": out.csv("mapped_labels.csv", rows, columns=["vocabulary", "text", "term", "how", "uses"]),
              "pending": out.csv("pending_labels.csv", waiting, columns=["vocabulary", "text", "uses"]),
              "quotes": out.csv("mapped_answers.csv", quotes, columns=["study", "item", "quote"])}
    ctx = {"rows": rows[: out.top_n], "more": max(0, len(rows) - out.top_n), "pending": waiting[: out.top_n],
           "n_pending": len(waiting), "quotes": quotes[: out.top_n]}
    methods = ["Labels of the sources were mapped to vocabulary terms before analysis (painregen.evidence.remap): a "
               "person's decision stored in the registry first; otherwise a label equal to a term's name or synonym, "
               "or containing the name of exactly one term; other labels wait for a decision (painregen map suggest / "
               "map apply). SyRF study-quality questions map onto CAMARADES items and SYRCLE-phrased questions onto "
               "SYRCLE items (painregen.evidence.crosswalk); the source's own words are kept with each answer."]
    return Section("mapping", "Labels mapped to terms", ctx, tables=tables, methods=methods,
                   studies=sorted({n.study for n in ev.notes} | {p.study for p in ev.pending}))

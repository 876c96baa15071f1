"""A mapping table edited by a person (``painregen map suggest`` wrote it) read back as decisions, every problem
reported as ``file:row:column: message (fix)``.

Rows whose ``status`` is ``confirmed`` or ``rejected`` are decisions; other rows are left as proposed. A confirmed
``curie`` may be written as a CURIE, a label or a synonym of the vocabulary (it is stored as the CURIE); for
``question`` rows it is ``instrument:item`` (e.g. ``syrcle:sequence_generation``); for ``control`` rows the
label of one of the experiment's control cohorts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from painregen.evidence.crosswalk import parse_target
from painregen.evidence.labels import label_key
from painregen.evidence.mapping_table import DECIDED, STATUSES, VOCABULARIES
from painregen.evidence.vocab import UnknownTermError, get_vocabulary
from painregen.io.problems import ProblemCollector
from painregen.io.tables import Table

__all__ = ["MappingDecision", "read_decisions"]

REQUIRED = ("vocabulary", "text", "status", "curie")


@dataclass(frozen=True)
class MappingDecision:
    vocabulary: str
    key: str
    text: str
    status: str
    curie: str | None


def _cell(row: Mapping[str, object], col: str) -> str:
    v = row.get(col)
    return "" if v is None else str(v).strip()


def read_decisions(table: Table, *, known_item: Callable[[str, str], bool],
                   controls: Mapping[str, list[str]]) -> list[MappingDecision]:
    """The decisions of an edited mapping table. ``known_item(instrument, item)`` says whether an appraisal item
    exists; ``controls`` maps a control label key (``study | experiment | cohort``) to the experiment's control
    cohorts. InvalidDataError lists every problem; nothing is returned unless every row is valid."""
    problems = ProblemCollector(table.file)
    for col in REQUIRED:
        if col not in table.columns:
            problems.add(1, col, f"column '{col}' is missing", "start from the file `painregen map suggest` writes")
    problems.raise_if_any()
    out: list[MappingDecision] = []
    seen: dict[tuple[str, str], int] = {}
    for row, r in zip(table.rows, table.row_numbers, strict=True):
        vocab, text, status, curie = (_cell(row, c) for c in REQUIRED)
        if status not in STATUSES:
            problems.add(r, "status", f"unknown status {status!r}", f"use one of {', '.join(STATUSES)}")
            continue
        if status not in DECIDED:
            continue
        if vocab not in VOCABULARIES:
            problems.add(r, "vocabulary", f"unknown vocabulary {vocab!r}", f"use one of {', '.join(VOCABULARIES)}")
            continue
        if not text:
            problems.add(r, "text", "the label is empty", "keep the text column as `painregen map suggest` wrote it")
            continue
        key = (vocab, label_key(text))
        if key in seen:
            problems.add(r, "text", f"label {text!r} is decided twice (also row {seen[key]})", "keep one row")
            continue
        seen[key] = r
        value: str | None = None
        if status == "confirmed":
            value = _confirmed(vocab, text, curie, r, problems, known_item, controls)
            if value is None:
                continue
        out.append(MappingDecision(vocab, key[1], text, status, value))
    problems.raise_if_any()
    return out


def _confirmed(vocab: str, text: str, curie: str, r: int, problems: ProblemCollector,
               known_item: Callable[[str, str], bool], controls: Mapping[str, list[str]]) -> str | None:
    if not curie:
        problems.add(r, "curie", "a confirmed row needs a term", "write the term (CURIE or label) or set status to "
                     "rejected for 'no term'")
        return None
    if vocab == "question":
        try:
            target = parse_target(curie)
        except ValueError as exc:
            problems.add(r, "curie", str(exc))
            return None
        if not known_item(target.instrument, target.item):
            problems.add(r, "curie", f"{target.instrument} has no item {target.item!r}",
                         "see `painregen appraise instruments`")
            return None
        return target.curie
    if vocab == "control":
        options = controls.get(label_key(text))
        if options is None:
            problems.add(r, "text", f"no treated cohort {text!r} with several controls in the registry",
                         "keep the text as `painregen map suggest` wrote it")
            return None
        if curie not in options:
            problems.add(r, "curie", f"{curie!r} is not a control cohort of that experiment",
                         f"use one of {', '.join(map(repr, options))}")
            return None
        return curie
    try:
        return get_vocabulary(vocab).resolve(curie).curie
    except UnknownTermError as exc:
        nearest = "; ".join(f"{t.label} ({t.curie})" for t in exc.nearest[:3])
        problems.add(r, "curie", f"{curie!r} is not a {vocab} term", f"nearest: {nearest}" if nearest else None)
        return None

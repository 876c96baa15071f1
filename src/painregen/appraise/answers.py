"""Appraisal answers from a CSV file (columns ``study, instrument, item, answer``), validated all at once.

Every problem is reported as ``file:row:column: message`` (:class:`painregen.io.problems.Problem`): a missing
column, an unknown instrument, an item the instrument does not have, an answer off its scale, the same study,
instrument and item twice, and (when the registry's study keys are given) a study the registry does not hold.
Items and answers are stored in canonical form: SYRCLE item ids or ``item.qN`` signalling questions, ARRIVE
item or sub-item ids ("2b"), CAMARADES item ids; answers in the instrument's own words.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from painregen.appraise.catalogue import get_instrument, instrument_ids
from painregen.io.problems import InvalidDataError, Problem, ProblemCollector
from painregen.io.tables import Table, read_csv

__all__ = ["COLUMNS", "Answer", "AnswerSet", "answer_rows", "read_answers", "validate_table"]

COLUMNS = ("study", "instrument", "item", "answer")


@dataclass(frozen=True)
class Answer:
    """One validated answer; ``row`` is its row in the source file (header = row 1), None when typed in."""

    study: str
    instrument: str
    item: str
    answer: str
    row: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"study": self.study, "instrument": self.instrument, "item": self.item, "answer": self.answer,
                "row": self.row}


@dataclass(frozen=True)
class AnswerSet:
    """Validated answers of one source (file name, or "interactive"), with the SHA-256 of their content."""

    source: str
    sha256: str
    answers: tuple[Answer, ...]

    def studies(self) -> list[str]:
        return list(dict.fromkeys(a.study for a in self.answers))

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "sha256": self.sha256, "n_answers": len(self.answers),
                "studies": self.studies(), "answers": [a.to_dict() for a in self.answers]}


def answer_rows(rows: Iterable[Mapping[str, Any]], file: str, row_numbers: list[int] | None = None,
                known_study: Callable[[str], bool] | None = None) -> list[Answer]:
    """Validate answer rows (mappings with the four :data:`COLUMNS`); InvalidDataError lists every problem."""
    problems = ProblemCollector(file)
    seen: dict[tuple[str, str, str], int | None] = {}
    out: list[Answer] = []
    for i, row in enumerate(rows):
        r = row_numbers[i] if row_numbers is not None else i + 2
        cells = {c: None if row.get(c) is None else str(row.get(c)).strip() or None for c in COLUMNS}
        for c in COLUMNS:
            if cells[c] is None:
                problems.add(r, c, f"{c} is empty", f"give the {c}")
        study, instrument, item, value = (cells[c] for c in COLUMNS)
        if study is not None and known_study is not None and not known_study(study):
            problems.add(r, "study", f"no study {study!r} in the registry", "use a key listed by `painregen ls`")
        if instrument is None or item is None or value is None:
            continue
        try:
            inst_id = get_instrument(instrument).id
        except ValueError:
            problems.add(r, "instrument", f"unknown instrument {instrument!r}",
                         f"use one of {', '.join(instrument_ids())}")
            continue
        inst = get_instrument(inst_id)
        key: str | None = None
        answer: str | None = None
        try:
            key = inst.item(item).id if inst_id == "camarades" else inst.resolve_key(item)
        except KeyError as exc:
            problems.add(r, "item", str(exc.args[0]), "see `painregen appraise instruments`")
        try:
            answer = inst.answer(value)
        except ValueError as exc:
            problems.add(r, "answer", str(exc))
        if key is None or answer is None:
            continue
        if study is None:
            continue
        dup = seen.get((study, inst_id, key))
        if (study, inst_id, key) in seen:
            problems.add(r, "item", f"{inst_id} {key} of study {study!r} already answered in row {dup}",
                         "keep one answer per study, instrument and item")
            continue
        seen[(study, inst_id, key)] = r
        out.append(Answer(study, inst_id, key, answer, r))
    problems.raise_if_any()
    return out


def validate_table(table: Table, known_study: Callable[[str], bool] | None = None) -> list[Answer]:
    """Validate a read :class:`~painregen.io.tables.Table` of answers."""
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise InvalidDataError([Problem(table.file, 1, c, f"column '{c}' is missing",
                                        "the columns are study, instrument, item, answer") for c in missing])
    return answer_rows(table.rows, table.file, table.row_numbers, known_study)


def read_answers(path: Path, known_study: Callable[[str], bool] | None = None) -> AnswerSet:
    """Read and validate an answers CSV (all problems at once, as InvalidDataError)."""
    table = read_csv(path)
    answers = validate_table(table, known_study)
    return AnswerSet(path.name, hashlib.sha256(path.read_bytes()).hexdigest(), tuple(answers))

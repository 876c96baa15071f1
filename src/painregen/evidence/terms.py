"""Check that every controlled value of a Dataset is a term of its vocabulary."""

from __future__ import annotations

from functools import cache

from pydantic import BaseModel

from painregen.evidence import models as m
from painregen.evidence.vocab import get_vocabulary
from painregen.io.problems import Problem


@cache
def _vocabulary_of(cls: type[BaseModel], field: str) -> str | None:
    extra = cls.model_fields[field].json_schema_extra
    return str(extra["vocabulary"]) if isinstance(extra, dict) and "vocabulary" in extra else None


def _walk(record: BaseModel, file: str, row: int | None, problems: list[Problem]) -> None:
    row = getattr(record, "source_row", None) or row
    for name in type(record).model_fields:
        value = getattr(record, name)
        vocabulary = _vocabulary_of(type(record), name)
        if vocabulary and isinstance(value, str):
            try:
                get_vocabulary(vocabulary).get(value)
            except KeyError:
                problems.append(Problem(file, row, name, f"{value!r} is not a term of the {vocabulary} vocabulary",
                                        f"use a CURIE from `painregen vocab list {vocabulary}`"))
        elif isinstance(value, BaseModel):
            _walk(value, file, row, problems)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, BaseModel):
                    _walk(item, file, row, problems)


def check_terms(ds: m.Dataset, file: str) -> list[Problem]:
    problems: list[Problem] = []
    for s in ds.studies:
        _walk(s, file, None, problems)
    return problems

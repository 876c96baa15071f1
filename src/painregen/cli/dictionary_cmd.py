"""`painregen dictionary`: print or write the data dictionary (Markdown, CSV or JSON Schema)."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path

import typer

from painregen.evidence.dictionary import data_dictionary, to_csv, to_json_schema, to_markdown


class DictionaryFormat(StrEnum):
    csv = "csv"
    md = "md"
    json_schema = "json-schema"


def render_dictionary(format: str | DictionaryFormat = DictionaryFormat.md) -> str:
    """The dictionary as text in ``format`` (csv, md or json-schema)."""
    fmt = DictionaryFormat(format)
    if fmt is DictionaryFormat.json_schema:
        return json.dumps(to_json_schema(), indent=2, ensure_ascii=False) + "\n"
    entries = data_dictionary()
    return to_csv(entries) if fmt is DictionaryFormat.csv else to_markdown(entries)


def dictionary_command(
    format: DictionaryFormat = typer.Option(
        DictionaryFormat.md, "--format", help="md (Markdown tables), csv (one row per variable) or json-schema."
    ),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write to this file instead of stdout."),
) -> None:
    """Print the data dictionary: every template column and model field, its type, unit and permitted values."""
    text = render_dictionary(format)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}", err=True)

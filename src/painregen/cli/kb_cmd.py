"""`painregen kb`: list and show the curated knowledge base restated from Zhu et al.'s review."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from painregen import kb
from painregen.cli.common import EXIT_USAGE, fail, print_json

app = typer.Typer(
    help="The curated knowledge base restated from Zhu M, Zhang H, Liang L, Wu S, Chen J, 'Preclinical models of "
    "stem cell-mediated analgesia and tissue repair: mechanisms, challenges, and future directions': "
    "model catalogue (Table 1), example studies (Table 2), "
    "dose windows (Table 3), evaluation framework (Table 4), behavioural battery, risk tiers, route safety, "
    "mechanistic checklist and pillars.",
    no_args_is_help=True,
)


class KbFormat(StrEnum):
    table = "table"
    json = "json"


def _cell(value: Any) -> str:
    """Compact text for a table cell: lists joined by '; ', mappings as JSON."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _rows_table(rows: list[dict[str, Any]], title: str | None = None) -> Table:
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    table = Table(title=title, show_lines=True)
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*(_cell(row.get(c)) for c in columns))
    return table


_MAX_COLUMNS = 6


def _print_rows(console: Console, rows: list[dict[str, Any]], title: str) -> None:
    """Few fields: one table, a row per entry. Many fields: one field/value card per entry."""
    if len({k for row in rows for k in row}) <= _MAX_COLUMNS:
        console.print(_rows_table(rows, title=title))
        return
    for i, row in enumerate(rows, start=1):
        label = row.get("id") or row.get("key") or row.get("class") or row.get("disease") or str(i)
        _print_record(console, row, f"{title}: {label}")


def _print_record(console: Console, data: dict[str, Any], title: str) -> None:
    fields = Table(title=title, show_header=False, show_lines=True)
    fields.add_column("field", style="bold")
    fields.add_column("value", overflow="fold")
    nested: list[tuple[str, list[dict[str, Any]]]] = []
    for key, value in data.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            nested.append((key, value))
        else:
            fields.add_row(key, _cell(value))
    console.print(fields)
    for key, rows in nested:
        _print_rows(console, rows, f"{title}: {key}")


def _render(console: Console, name: str, data: list[dict[str, Any]] | dict[str, Any]) -> None:
    if isinstance(data, list):
        _print_rows(console, data, name)
    else:
        _print_record(console, data, name)


@app.command("list")
def list_command() -> None:
    """List the knowledge-base entries with what each holds."""
    table = Table(title="painregen knowledge base")
    table.add_column("name", style="bold")
    table.add_column("entries", justify="right")
    table.add_column("content", overflow="fold")
    for name in kb.names():
        data = kb.load(name)
        table.add_row(name, str(len(data)), kb.DESCRIPTIONS[name])
    console = Console()
    console.print(table)
    console.print(f"Source: {kb.REVIEW_CITATION}", soft_wrap=True)


@app.command("show")
def show_command(
    name: str = typer.Argument(..., help="Entry to show (see `painregen kb list`)."),
    format: KbFormat = typer.Option(KbFormat.table, "--format", "-f", help="table (rich) or json."),
) -> None:
    """Show one knowledge-base entry as a table or as JSON."""
    if name not in kb.names():
        fail(f"unknown knowledge base entry {name!r}; available: {', '.join(kb.names())}", EXIT_USAGE)
    data = kb.load(name)
    if format is KbFormat.json:
        print_json(data)
    else:
        console = Console()
        _render(console, name, data)
        console.print(f"Source: {kb.REVIEW_CITATION} {kb.DESCRIPTIONS[name]}.", soft_wrap=True)

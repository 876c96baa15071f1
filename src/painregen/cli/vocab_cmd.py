"""`painregen vocab`: search and list the controlled vocabularies."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from painregen.cli.common import EXIT_USAGE, fail, print_json
from painregen.evidence.vocab import Term, get_vocabulary, search_all, vocabulary_names

app = typer.Typer(
    help="Search and list the controlled vocabularies (species, strain, model, product, tissue, route, assay, "
    "pathway, marker, ...): every value has a CURIE and the synonyms papers use.",
    no_args_is_help=True,
)


def _check(vocabulary: str) -> None:
    if vocabulary not in vocabulary_names():
        fail(f"unknown vocabulary {vocabulary!r}; available: {', '.join(vocabulary_names())}", EXIT_USAGE)


def _term_dict(term: Term) -> dict[str, object]:
    return {"vocabulary": term.vocabulary, "curie": term.curie, "label": term.label,
            "synonyms": list(term.synonyms), **dict(term.extra)}


@app.command("search")
def search_command(
    text: str = typer.Argument(..., help="Free text, label, synonym or CURIE."),
    vocabulary: str | None = typer.Option(None, "--vocabulary", "-v", help="Search only this vocabulary."),
    limit: int = typer.Option(10, "--limit", "-n", min=1, help="Number of results."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Find terms by fuzzy match (score 0-100; an exact label, synonym or CURIE match scores 100)."""
    if vocabulary is not None:
        _check(vocabulary)
        hits = get_vocabulary(vocabulary).search(text, limit=limit)
    else:
        hits = search_all(text, limit=limit)
    if as_json:
        print_json([_term_dict(t) | {"score": round(s, 1)} for t, s in hits])
        return
    table = Table(title=f"search: {text}")
    for col in ("score", "vocabulary", "curie", "label", "synonyms"):
        table.add_column(col, overflow="fold", justify="right" if col == "score" else "left")
    for term, score in hits:
        table.add_row(f"{score:.0f}", term.vocabulary, term.curie, term.label, "; ".join(term.synonyms[:6]))
    Console().print(table)


@app.command("list")
def list_command(
    vocabulary: str | None = typer.Argument(None, help="Vocabulary to list; omit for the list of vocabularies."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """List the vocabularies, or every term of one vocabulary."""
    if vocabulary is None:
        counts = {n: len(get_vocabulary(n)) for n in vocabulary_names()}
        if as_json:
            print_json([{"vocabulary": n, "terms": c} for n, c in counts.items()])
            return
        table = Table(title="painregen vocabularies")
        table.add_column("vocabulary", style="bold")
        table.add_column("terms", justify="right")
        for n, c in counts.items():
            table.add_row(n, str(c))
        Console().print(table)
        return
    _check(vocabulary)
    terms = get_vocabulary(vocabulary).terms
    if as_json:
        print_json([_term_dict(t) for t in terms])
        return
    table = Table(title=f"{vocabulary} ({len(terms)} terms)")
    for col in ("curie", "label", "synonyms"):
        table.add_column(col, overflow="fold")
    for t in terms:
        table.add_row(t.curie, t.label, "; ".join(t.synonyms))
    Console().print(table)

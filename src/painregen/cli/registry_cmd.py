"""`painregen ls` and `painregen show`: look inside a registry (plain functions mounted on the main Typer app)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import typer

from painregen.cli.common import fail

if TYPE_CHECKING:
    from rich.table import Table
    from rich.tree import Tree

    from painregen.evidence.models import Cohort, Experiment, Study
    from painregen.registry import Provenance, Registry

DB_HELP = "Registry: a SQLite file or a database URL (postgresql+psycopg://user@host/db)."
TITLE_WIDTH = 60


def _open(db: str) -> Registry:
    """The registry at ``db``, or a one-line error (exit 1) when it is missing, not a registry, or not a
    database URL SQLAlchemy knows."""
    from sqlalchemy.exc import SQLAlchemyError

    from painregen.registry import RegistryError, open_registry

    try:
        return open_registry(db, create=False)
    except RegistryError as exc:
        fail(str(exc))
    except SQLAlchemyError as exc:  # an unknown dialect or a malformed URL
        fail(f"cannot open registry {db}: {str(exc).splitlines()[0]}")


def _truncate(text: str, width: int = TITLE_WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def ls_command(
    db: str = typer.Option("painregen.db", "--db", help=DB_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """List the studies in the registry."""
    from rich.console import Console

    with _open(db) as registry:
        studies = registry.studies()
    if json_out:
        typer.echo(json.dumps({"studies": [s.to_dict() for s in studies]}, indent=2))
        return
    console = Console()
    console.print(studies_table(studies, db, console.width))


KEY_MIN, STUDY_MIN = 13, 18  # a long key (a SyRF UUID), then a long label, shortened when the title lacks room
TITLE_MIN = 24


def studies_table(studies: list[Any], db: str, width: int) -> Table:
    """One line per study, fitted to ``width`` columns (80 at least readable): compact layout without cell borders,
    the study's key and its author-year label, the title given the room the other columns leave (shortened with an
    ellipsis), the "[SIMULATED]" prefix dropped (the sim column says so) and, when the room is short, long keys
    (SyRF UUIDs) and then long labels shortened: `show` takes the id or the full key, as `ls --json` lists them."""
    from rich import box
    from rich.markup import escape
    from rich.table import Table
    labelled = any(getattr(s, "label", "") not in ("", s.study_id) for s in studies)
    rows = [
        [str(s.id), s.study_id, *([s.label or s.study_id] if labelled else []), _plain_title(s.title, s.simulated),
         str(s.n_experiments), str(s.n_cohorts), str(s.n_observations), "yes" if s.simulated else "no"]
        for s in studies
    ]
    headers = ["id", "key", *(["study"] if labelled else []), "title", "exp", "coh", "obs", "sim"]
    t = headers.index("title")
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    room = width - sum(w for i, w in enumerate(widths) if i != t) - 2 * len(headers) + 1  # 2 = pad + divider
    for col, least in ((1, KEY_MIN), (2, STUDY_MIN)) if labelled else ((1, KEY_MIN),):
        if room < TITLE_MIN and widths[col] > least:  # long keys (SyRF UUIDs), then long labels, give room first
            room += widths[col] - least
            widths[col] = least
    title_width = max(12, min(TITLE_WIDTH, room))
    table = Table(title=f"{len(studies)} stud{'y' if len(studies) == 1 else 'ies'} in {escape(db)}",
                  box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0), title_justify="left")
    for h in headers:
        table.add_column(h, justify="right" if h in ("id", "exp", "coh", "obs") else "left", no_wrap=True)
    for r in rows:
        for i in range(1, t):
            r[i] = escape(_truncate(r[i], widths[i]))
        r[t] = escape(_truncate(r[t], title_width))
        table.add_row(*r)
    return table


def _plain_title(title: str, simulated: bool) -> str:
    text = title.strip()
    if simulated and text.upper().startswith("[SIMULATED]"):
        text = text[len("[SIMULATED]"):].strip()
    return text


def show_command(
    study: str = typer.Argument(..., help="Study key (its study_id) or registry id, as `painregen ls` lists."),
    db: str = typer.Option("painregen.db", "--db", help=DB_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print JSON instead of a tree."),
) -> None:
    """Show one study: experiments, cohorts, outcomes, observation counts and provenance."""
    from rich.console import Console

    with _open(db) as registry:
        try:
            study_pk = registry.resolve(study)
        except KeyError as exc:
            fail(str(exc.args[0]))
        record = registry.study(study_pk)
        prov = registry.provenance("studies", study_pk)
    if json_out:
        payload: dict[str, Any] = {
            "id": study_pk, "provenance": prov.to_dict(), "study": record.model_dump(mode="json"),
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    Console().print(study_tree(study_pk, record, prov))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _row(source_row: int | None) -> str:
    return "" if source_row is None else f" [dim](row {source_row})[/dim]"


def provenance_line(prov: Provenance) -> str:
    from rich.markup import escape

    row = "" if prov.source_row is None else f", row {prov.source_row}"
    return (
        f"from {escape(prov.source)} (sha256 {prov.sha256[:12]}{row}), import {prov.import_id} "
        f"at {prov.imported_at.isoformat(timespec='seconds')}"
        + (" [yellow]simulated[/yellow]" if prov.simulated else "")
    )


def study_tree(study_pk: int, study: Study, prov: Provenance) -> Tree:
    from rich.markup import escape
    from rich.tree import Tree

    year = "" if study.year is None else f" ({study.year})"
    tree = Tree(f"[bold]{escape(study.study_id)}[/bold] {escape(study.title)}{year} [dim]id {study_pk}[/dim]")
    ids = ", ".join(f"{k} {v}" for k, v in (("doi", study.doi), ("pmid", study.pmid)) if v)
    if ids:
        tree.add(escape(ids))
    tree.add(provenance_line(prov))
    if study.rob or study.arrive:
        tree.add(f"appraisal: {len(study.rob)} SYRCLE answers, {len(study.arrive)} ARRIVE answers")
    for exp in study.experiments:
        _experiment_branch(tree, exp)
    return tree


def _experiment_branch(tree: Tree, exp: Experiment) -> None:
    from rich.markup import escape

    desc = ", ".join(v for v in (exp.species, exp.strain, exp.sex.value, exp.model, exp.supplier) if v)
    branch = tree.add(f"[bold]experiment {escape(exp.experiment_id)}[/bold]: {escape(desc)}{_row(exp.source_row)}")
    cohorts = branch.add(f"cohorts ({len(exp.cohorts)})")
    for c in exp.cohorts:
        n_obs = sum(1 for o in exp.observations if o.cohort_id == c.cohort_id)
        cohorts.add(f"{_cohort_label(c)}; {_plural(n_obs, 'observation')}{_row(c.source_row)}")
    outcomes = branch.add(f"outcomes ({len(exp.outcomes)})")
    for o in exp.outcomes:
        n_obs = sum(1 for ob in exp.observations if ob.outcome_id == o.outcome_id)
        unit = f"{o.unit}, " if o.unit else ""
        direction = "higher is better" if o.greater_is_better else "lower is better"
        assay = o.assay or "assay not mapped"
        domain = f"{o.domain.value}, " if o.domain else ""
        outcomes.add(
            f"{escape(o.outcome_id)}: {escape(assay)} ({domain}{escape(unit)}{direction}); "
            f"{_plural(n_obs, 'observation')}{_row(o.source_row)}"
        )
    if exp.mechanisms:
        branch.add(f"mechanism claims: {len(exp.mechanisms)}")
    if exp.adverse_events:
        branch.add(f"adverse events: {len(exp.adverse_events)}")


def _cohort_label(c: Cohort) -> str:
    from rich.markup import escape

    n = c.n_randomised or c.n_analysed
    head = f"{c.cohort_id} [{c.role.value}" + (f", n={n}" if n else "") + "]"
    iv = c.intervention
    if iv is None:
        return escape(head)
    parts = [iv.product]
    if iv.dose is not None:
        basis = "/kg" if iv.dose.basis.value == "per_kg" else "/animal"
        parts.append(f"{iv.dose.amount:g} {iv.dose.unit}{basis}")
    if iv.route:
        parts.append(iv.route)
    return escape(head + ": " + ", ".join(parts))

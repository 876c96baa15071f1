"""`painregen screen ...` (dual screening at title/abstract and full text) and `painregen prisma` (the PRISMA 2020
flow diagram). Every decision carries ``--reviewer NAME`` and its time; a reviewer sees only their own decisions
until every screener of the record has decided."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

from painregen.cli.common import EXIT_USAGE, console, data_command, fail, print_json

app = typer.Typer(help="Screen publications in duplicate: criteria, next record, decisions, conflicts, agreement, "
                       "SyRF import.", no_args_is_help=True)
criteria_app = typer.Typer(help="The inclusion/exclusion criteria of each stage.", invoke_without_command=True)
app.add_typer(criteria_app, name="criteria")

DB = typer.Option("painregen.db", "--db", help="Registry: a SQLite path or a database URL.")
STAGE = typer.Option("ta", "--stage", help="ta (title/abstract) or ft (full text).")
REVIEWER = typer.Option(..., "--reviewer", help="Your reviewer name (recorded with every decision).")


@contextlib.contextmanager
def review_session(db: str, *, write: bool = True) -> Iterator[Any]:
    """A transaction on the registry; rule refusals exit 1 with the reason, nothing written."""
    from painregen.registry import open_registry
    from painregen.registry.records import RegistryError
    from painregen.review.screening import ScreeningError

    if "://" not in db and not Path(db).exists():
        fail(f"no registry at {db} (import search results first: painregen search import FILE --db {db})")
    try:
        with open_registry(db, create=False) as reg, reg.session() as s, s.begin():
            yield s
    except ScreeningError as exc:
        fail(str(exc))
    except RegistryError as exc:
        fail(str(exc))


def _stage(stage: str) -> str:
    from painregen.review.screening import ScreeningError, stage_key

    try:
        return stage_key(stage)
    except ScreeningError as exc:
        fail(str(exc), EXIT_USAGE)


@criteria_app.callback()
def criteria_command(ctx: typer.Context, db: str = DB, json_out: bool = typer.Option(False, "--json")) -> None:
    """List the stages and their criteria (the defaults are created on first use)."""
    if ctx.invoked_subcommand is not None:
        return
    from painregen.review.screening import criteria

    with review_session(db) as s:
        data = criteria(s)
    if json_out:
        print_json(data)
        return
    for st in data:
        console.print(f"[bold]{st['label']}[/] ({st['stage']}, {st['reviewers_required']} screeners)")
        for c in st["criteria"]:
            console.print(f"  {c['kind']:<9} {c['code']:<16} {c['text']}", highlight=False)


@criteria_app.command("add")
def criteria_add(code: str = typer.Argument(..., help="Short code, e.g. no_control."),
                 text: str = typer.Argument(..., help="The criterion as reviewers read it."),
                 stage: str = STAGE, kind: str = typer.Option("exclusion", "--kind", help="inclusion or exclusion."),
                 db: str = DB) -> None:
    """Add a criterion to a stage (or reword an existing code)."""
    from painregen.review.screening import set_criterion

    with review_session(db) as s:
        row = set_criterion(s, _stage(stage), kind, code, text)
    console.print(f"{row.kind} criterion {row.code} at {_stage(stage)}")


def _record(s: Any, pub_id: int) -> dict[str, Any]:
    from painregen.review.screening import publication_text

    title, abstract = publication_text(s, pub_id)
    return {"publication": pub_id, "title": title, "abstract": abstract}


@app.command("next")
def next_command(reviewer: str = REVIEWER, stage: str = STAGE, db: str = DB,
                 n: int = typer.Option(1, "-n", min=1, help="How many records to show."),
                 prioritise: bool = typer.Option(False, "--prioritise", help="Most likely relevant first (active "
                                                 "learning on your own and the settled decisions)."),
                 json_out: bool = typer.Option(False, "--json")) -> None:
    """The next records waiting for your decision at a stage."""
    from painregen.review.screening import queue

    with review_session(db) as s:
        todo = queue(s, _stage(stage), reviewer, prioritise=prioritise)
        shown = [_record(s, i) for i in todo[:n]]
    if json_out:
        print_json({"stage": _stage(stage), "reviewer": reviewer, "waiting": len(todo), "records": shown})
        return
    if not shown:
        console.print(f"nothing waits for {reviewer} at {_stage(stage)}")
        return
    for r in shown:
        console.print(f"[bold]#{r['publication']}[/] {r['title'] or '(no title)'}", highlight=False)
        if r["abstract"]:
            console.print(r["abstract"], highlight=False)
        console.print(f"[dim]painregen screen decide {r['publication']} include|exclude --reviewer {reviewer} "
                      f"--stage {stage}[/]")
    console.print(f"{len(todo)} waiting for {reviewer} at {_stage(stage)}")


@app.command("decide")
def decide_command(record: int = typer.Argument(..., help="Publication id (see screen next)."),
                   decision: str = typer.Argument(..., help="include, exclude or maybe."),
                   reviewer: str = REVIEWER, stage: str = STAGE, db: str = DB,
                   reason: str | None = typer.Option(None, "--reason", help="Exclusion criterion code (needed at "
                                                     "full text; see screen criteria)."),
                   arbiter: bool = typer.Option(False, "--arbiter", help="Resolve a conflict as the third reviewer.")
                   ) -> None:
    """Record your decision on a publication."""
    from painregen.review.screening import ARBITER, DECISIONS, SCREENER, decide, outcomes

    if decision.lower() not in DECISIONS:
        fail(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}", EXIT_USAGE)
    with review_session(db) as s:
        row = decide(s, record, _stage(stage), reviewer, decision, reason=reason,
                     role=ARBITER if arbiter else SCREENER)
        out = outcomes(s, _stage(stage))[record]
    state = out.status if out.status != "pending" else "waiting for the other screener(s)"
    console.print(f"{row.reviewer}: {row.decision} #{record} at {_stage(stage)} ({state})")


@app.command("list")
def list_command(stage: str = STAGE, db: str = DB,
                 status: str | None = typer.Option(None, "--status", help="pending, agreed, conflict or resolved."),
                 json_out: bool = typer.Option(False, "--json")) -> None:
    """Publications at a stage with their status and final decision (not who decided what)."""
    from painregen.review.screening import counts, outcomes

    with review_session(db) as s:
        rows = [{"publication": i, "status": o.status, "final": o.final, "screeners": len(o.screeners),
                 "reason": o.reason()} for i, o in outcomes(s, _stage(stage)).items()
                if status is None or o.status == status]
        tally = counts(s, _stage(stage))
    if json_out:
        print_json({"stage": _stage(stage), "counts": tally, "publications": rows})
        return
    for r in rows:
        console.print(f"#{r['publication']:<6} {r['status']:<9} {r['final'] or '':<8} {r['reason'] or ''}")
    console.print(", ".join(f"{k}: {v}" for k, v in tally.items()))


@app.command("conflicts")
def conflicts_command(stage: str = STAGE, db: str = DB, json_out: bool = typer.Option(False, "--json")) -> None:
    """Publications whose screeners disagree, with each decision, for a third reviewer (screen decide --arbiter)."""
    from painregen.review.screening import conflicts

    with review_session(db) as s:
        rows = [{**_record(s, o.publication_id), "decisions": [
            {"reviewer": r.reviewer, "decision": r.decision, "reason": r.reason,
             "decided_at": r.decided_at.isoformat()} for r in o.screeners.values()]}
            for o in conflicts(s, _stage(stage))]
    if json_out:
        print_json({"stage": _stage(stage), "conflicts": rows})
        return
    for r in rows:
        who = "; ".join(f"{d['reviewer']}: {d['decision']}" + (f" ({d['reason']})" if d["reason"] else "")
                        for d in r["decisions"])
        console.print(f"[bold]#{r['publication']}[/] {r['title'] or ''}\n  {who}", highlight=False)
    console.print(f"{len(rows)} conflict(s) at {_stage(stage)}")


@app.command("agreement")
@data_command
def agreement_command(db: str = DB, stage: str | None = typer.Option(None, "--stage", help="One stage only."),
                      syrf: Path | None = typer.Option(None, "--syrf", help="A SyRF screening export: agreement "
                                                       "from the file alone (no registry)."),
                      json_out: bool = typer.Option(False, "--json")) -> None:
    """Percentage agreement, Cohen's kappa and Gwet's AC1 per reviewer pair, Fleiss' kappa and AC1 per stage."""
    from painregen.review.screening_agreement import agreement_from_ratings, stage_agreement

    if syrf is not None:
        from painregen.review import syrf_screening

        stages = [{"stage": "syrf", **agreement_from_ratings(syrf_screening.ratings(syrf_screening.read(syrf)))}]
    else:
        with review_session(db) as s:
            keys = [_stage(stage)] if stage else ["title_abstract", "full_text"]
            stages = [stage_agreement(s, k) for k in keys]
    if json_out:
        print_json({"stages": stages})
        return
    for st in stages:
        o = st["overall"]
        if o is None:
            console.print(f"{st['stage']}: no record decided by two screeners yet")
            continue
        console.print(f"[bold]{st['stage']}[/]: {st['n_records']} records, {o['percent']:.1f}% agreement, "
                      f"Fleiss' kappa {_num(o['fleiss_kappa']['estimate'])}, AC1 {_num(o['gwet_ac1']['estimate'])}")
        for p in st["pairs"]:
            console.print(f"  {p['reviewers'][0]} / {p['reviewers'][1]}: n = {p['n']}, {p['percent']:.1f}%, "
                          f"kappa {_num(p['cohen_kappa']['estimate'])} (SE {_num(p['cohen_kappa']['se'])}), "
                          f"AC1 {_num(p['gwet_ac1']['estimate'])} (SE {_num(p['gwet_ac1']['se'])})", highlight=False)
        if any(p["cohen_kappa"]["estimate"] is None for p in st["pairs"]):
            console.print("  (kappa is undefined when every decision falls in one category: chance agreement is "
                          "then 1; AC1 stays defined)", highlight=False)


def _num(x: float | None) -> str:
    return "undefined" if x is None else f"{x:.3f}"


@app.command("import-syrf")
@data_command
def import_syrf_command(file: Path = typer.Argument(..., help="SyRF screening export (long format)."),
                        db: str = DB, stage: str = STAGE) -> None:
    """Import a SyRF screening export (all or nothing); studies are matched by their SyRF StudyId."""
    from painregen.review import syrf_screening

    decisions = syrf_screening.read(file)
    with review_session(db) as s:
        summary = syrf_screening.import_decisions(s, decisions, file.name, _stage(stage))
    console.print(f"imported {summary['decisions']} decisions on {summary['studies']} studies at {_stage(stage)}"
                  + (f"; {summary['resolved_by_syrf_status']} conflicts settled by SyRF's ScreeningStatus"
                     if summary["resolved_by_syrf_status"] else ""))


@data_command
def prisma_command(db: str = DB, output: Path = typer.Option(..., "-o", "--output", help="The diagram: .svg, .png "
                                                             "or .pdf."),
                   title: str | None = typer.Option(None, "--title", help="A line above the diagram."),
                   json_out: bool = typer.Option(False, "--json", help="Also print the counts as JSON.")) -> None:
    """Draw the PRISMA 2020 flow diagram from the recorded search, deduplication and screening."""
    from painregen.review.prisma import prisma_counts
    from painregen.review.prisma_plot import FORMATS, write_prisma

    if output.suffix.lower() not in FORMATS:
        fail(f"{output}: write the diagram as {', '.join(FORMATS)}", EXIT_USAGE)
    with review_session(db) as s:
        counts = prisma_counts(s)
    write_prisma(counts, output, title=title)
    if json_out:
        print_json(counts.to_dict())
    else:
        console.print(f"[green]PRISMA[/] {output}: {counts.records_identified} records, {counts.records_screened} "
                      f"screened, {counts.studies_included} studies included")

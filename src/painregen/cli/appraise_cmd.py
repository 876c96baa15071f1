"""`painregen appraise`: fill, pre-fill, validate, summarise and plot study appraisals (a thin shell over
:mod:`painregen.appraise`)."""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.prompt import Confirm, Prompt
from rich.table import Table

from painregen.cli.common import EXIT_USAGE, data_command, fail, print_json
from painregen.registry import Registry, RegistryError, open_registry

app = typer.Typer(help="Critical appraisal: SYRCLE risk of bias, ARRIVE 2.0, CAMARADES, text-assisted pre-filling, "
                  "battery coverage, mechanistic grades and translational flags.", no_args_is_help=True)
DB_HELP = "Registry: a SQLite file or a database URL."


class PlotKind(StrEnum):
    both = "both"
    traffic_light = "traffic-light"
    summary = "summary"


def _open(db: str) -> Registry:
    try:
        return open_registry(db, create=False)
    except RegistryError as exc:
        fail(str(exc))


@app.command("instruments")
def instruments_command(instrument: str = typer.Argument(None, help="syrcle, arrive or camarades."),
                        json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the appraisal instruments, or the items of one."""
    from painregen.appraise.catalogue import get_instrument, instrument_ids

    ids = [instrument] if instrument else instrument_ids()
    try:
        insts = [get_instrument(i) for i in ids]
    except ValueError as exc:
        fail(str(exc), EXIT_USAGE)
    if json_out:
        print_json({"instruments": [i.to_dict() for i in insts]})
        return
    for inst in insts:
        table = Table(title=f"{inst.id}: {inst.name} (answers: {', '.join(inst.answers)})")
        for col in ("#", "item", "name", "sub-items / signalling"):
            table.add_column(col, overflow="fold")
        for it in inst.items:
            subs = ", ".join(s.id for s in it.subitems) or ", ".join(f"{it.id}.{q.id}" for q in it.signalling)
            table.add_row(str(it.number), it.id, escape(it.name + (f" ({it.bias})" if it.bias else "")), subs)
        Console().print(table)


@app.command("validate")
@data_command
def validate_command(answers: Path = typer.Argument(..., help="CSV with columns study, instrument, item, answer."),
                     db: str = typer.Option(None, "--db", help="Also check that every study is in this registry.")
                     ) -> None:
    """Check an answers file; every problem is printed as file:row:column: message (exit 1)."""
    from painregen.appraise.answers import read_answers
    from painregen.appraise.store import known_study

    if db is None:
        result = read_answers(answers)
    else:
        with _open(db) as registry:
            result = read_answers(answers, known_study(registry))
    typer.echo(f"{answers.name}: {len(result.answers)} answers for {len(result.studies())} studies, all valid")


def _interactive(registry: Registry, studies: list[str], instrument: str) -> list[dict[str, str]]:
    from painregen.appraise.catalogue import get_instrument

    inst = get_instrument(instrument)
    console = Console()
    rows = []
    keys = studies or [s.study_id for s in registry.studies()]
    for key in keys:
        study = registry.study(key)
        current = study.rob if instrument == "syrcle" else study.arrive if instrument == "arrive" else {
            k.split(".", 1)[1]: v for k, v in study.annotations.items() if k.startswith("camarades.")}
        console.rule(f"{escape(study.study_id)}: {escape(study.title)}")
        for it in inst.items:
            default = current.get(it.id, "skip")
            console.print(f"[bold]{it.number}. {escape(it.name)}[/bold] {escape(it.question or '')}")
            answer = Prompt.ask("answer", choices=[*inst.answers, "skip"], default=default, console=console)
            if answer != "skip":
                rows.append({"study": key, "instrument": instrument, "item": it.id, "answer": answer})
    return rows


@app.command("fill")
@data_command
def fill_command(db: str = typer.Option("painregen.db", "--db", help=DB_HELP),
                 source: Path = typer.Option(None, "--from", help="CSV with columns study, instrument, item, answer."),
                 interactive: bool = typer.Option(False, "--interactive", help="Answer item by item in the terminal."),
                 study: list[str] = typer.Option(None, "--study", help="Interactive: only these studies."),
                 instrument: str = typer.Option("syrcle", "--instrument", help="Interactive: the instrument."),
                 json_out: bool = typer.Option(False, "--json", help="Print the fill summary as JSON.")) -> None:
    """Store appraisal answers in the registry, all or nothing (nothing is written if any row is invalid)."""
    from painregen.appraise.answers import AnswerSet, answer_rows, read_answers
    from painregen.appraise.store import known_study, write_answers

    if (source is None) == (not interactive):
        fail("give either --from FILE or --interactive", EXIT_USAGE)
    with _open(db) as registry:
        if source is not None:
            answers = read_answers(source, known_study(registry))
        else:
            rows = _interactive(registry, list(study or []), instrument)
            digest = hashlib.sha256((json.dumps(rows) + datetime.now(UTC).isoformat()).encode()).hexdigest()
            answers = AnswerSet("interactive", digest, tuple(answer_rows(rows, "interactive", None,
                                                                         known_study(registry))))
            if not answers.answers or not Confirm.ask(f"Write {len(answers.answers)} answers?", default=True):
                typer.echo("nothing written")
                return
        summary = write_answers(registry, answers)
    if json_out:
        print_json(summary.to_dict())
    else:
        typer.echo(f"{len(answers.answers)} answers for {len(summary.studies)} studies: {summary.inserted} new, "
                   f"{summary.updated} changed, {summary.unchanged} unchanged (import {summary.import_id})")


@app.command("prefill")
@data_command
def prefill_command(text: str = typer.Argument(None, help="Methods excerpt or abstract (or use --file)."),
                    file: Path = typer.Option(None, "--file", help="Read the text from this file: .txt (UTF-8) or "
                                              ".pdf (its text layer)."),
                    json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Propose appraisal answers from text, each with the sentence that supports it (a person confirms).

    The text is normalised first (ligatures, quotes, hyphenation at line ends, running headers and footers of
    PDF pages); spans refer to the normalised text."""
    from painregen.appraise.detect import prefill_text
    from painregen.appraise.pdftext import SourceText, read_path

    if (text is None) == (file is None):
        fail("give either TEXT or --file FILE", EXIT_USAGE)
    source = read_path(file) if file is not None else SourceText("text", text, False)
    body, proposals = prefill_text(source.text, pdf=True if source.pdf else None)
    if json_out:
        print_json({"proposals": [p.to_dict() for p in proposals], "source": source.name, "pdf": source.pdf,
                    "pages": source.pages, "n_characters": len(body)})
        return
    table = Table(title=f"{len(proposals)} proposed answers (confirm before filling)")
    for col in ("instrument", "item", "answer", "supporting sentence"):
        table.add_column(col, overflow="fold")
    for p in proposals:
        a, b = p.match_start - p.start, p.match_end - p.start
        shown = f"{escape(p.sentence[:a])}[bold]{escape(p.sentence[a:b])}[/bold]{escape(p.sentence[b:])}"
        table.add_row(p.instrument, p.item, p.answer, shown)
    Console().print(table)


@app.command("summary")
def summary_command(db: str = typer.Option("painregen.db", "--db", help=DB_HELP),
                    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
                    csv_out: bool = typer.Option(False, "--csv", help="Print CSV, one row per study."),
                    use_text: bool = typer.Option(False, "--use-text", help="Let text detectors fill CAMARADES gaps.")
                    ) -> None:
    """Appraisal of every study in the registry: SYRCLE, ARRIVE, CAMARADES, battery, mechanisms and flags."""
    from painregen.appraise.summary import csv_columns, summarise, summary_dict

    if json_out and csv_out:
        fail("give --json or --csv, not both", EXIT_USAGE)
    with _open(db) as registry:
        ds = registry.export_dataset()
    if json_out:
        print_json(summary_dict(ds, use_text=use_text))
        return
    records = summarise(ds, use_text=use_text)
    if csv_out:
        writer = csv.DictWriter(sys.stdout, fieldnames=csv_columns(), lineterminator="\n")
        writer.writeheader()
        writer.writerows(r.row() for r in records)
        return
    table = Table(title=f"Appraisal of {len(records)} studies")
    for col in ("study", "SYRCLE low/unclear/high", "ARRIVE E10", "CAMARADES", "battery", "warnings"):
        table.add_column(col)
    for r in records:
        c, e = r.syrcle.counts(), r.arrive.essential.fraction
        battery = "complete" if r.battery.complete else "required" if r.battery.required_met else \
            "evoked only" if r.battery.evoked_only else "incomplete"
        table.add_row(escape(r.study), f"{c['low']}/{c['unclear']}/{c['high']}", "-" if e is None else f"{e:.0%}",
                      f"{r.camarades.score}/{r.camarades.max_score}", battery,
                      str(sum(f.severity == "warning" for f in r.flags)))
    Console().print(table)


@app.command("plot")
def plot_command(db: str = typer.Option("painregen.db", "--db", help=DB_HELP),
                 out: Path = typer.Option(Path("rob.svg"), "-o", "--out", help="Output file (.svg, .png or .pdf)."),
                 kind: PlotKind = typer.Option(PlotKind.both, "--kind", help="both writes OUT and OUT_summary."),
                 weighted: bool = typer.Option(False, "--weighted", help="Weight summary bars by animals per study.")
                 ) -> None:
    """SYRCLE risk-of-bias figures: traffic-light plot per study and (weighted) summary bars."""
    from painregen.appraise.plots import summary_bars, traffic_light
    from painregen.appraise.syrcle import judge

    with _open(db) as registry:
        ds = registry.export_dataset()
    if not ds.studies:
        fail("the registry holds no studies")
    assessments = {s.study_id: judge(s.rob) for s in ds.studies}
    weights = {s.study_id: float(max(1, sum((c.n_randomised or c.n_analysed or 0) for e in s.experiments
                                            for c in e.cohorts))) for s in ds.studies} if weighted else None
    written = []
    if kind in (PlotKind.both, PlotKind.traffic_light):
        traffic_light(assessments).savefig(out)
        written.append(out)
    if kind in (PlotKind.both, PlotKind.summary):
        target = out.with_name(f"{out.stem}_summary{out.suffix}") if kind == PlotKind.both else out
        summary_bars(assessments, weights).savefig(target)
        written.append(target)
    typer.echo("wrote " + ", ".join(str(p) for p in written))


@app.command("stratify")
def stratify_command(db: str = typer.Option("painregen.db", "--db", help=DB_HELP),
                     item: str = typer.Option("assessor_blinding", "--item", help="SYRCLE item to stratify on."),
                     measure: str = typer.Option("SMD", "--measure", help="SMD, MD, ROM or NMD."),
                     method: str = typer.Option("REML", "--method", help="tau2 estimator (metafor names).")) -> None:
    """Meta-analysis by the SYRCLE judgement of one item (ratio of effect sizes) and sensitivity; prints JSON."""
    from painregen.appraise.synthesis import quality_stratified

    with _open(db) as registry:
        ds = registry.export_dataset()
    try:
        result = quality_stratified(ds, item, measure=measure, method=method)
    except (KeyError, ValueError) as exc:
        fail(str(exc.args[0] if exc.args else exc))
    print_json(result.to_dict())

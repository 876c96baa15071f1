"""The `painregen` command: a thin shell that parses arguments and calls the library."""

from __future__ import annotations

import typer

from painregen import __version__
from painregen.cli import (
    analysis_cmd,
    appraise_cmd,
    data_cmd,
    db_cmd,
    demo_cmd,
    design_cmd,
    dictionary_cmd,
    dose_cmd,
    forest_cmd,
    kb_cmd,
    map_cmd,
    meta_cmd,
    power_cmd,
    reconcile_cmd,
    registry_cmd,
    screen_cmd,
    search_cmd,
    serve_cmd,
    template_cmd,
    user_cmd,
    vocab_cmd,
)

app = typer.Typer(
    name="painregen",
    help="Evidence engine for preclinical stem-cell analgesia and tissue repair: data model, registry, "
    "meta-analysis, dose-response, appraisal and study design.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"painregen {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    """painregen command-line interface."""


app.command("validate")(data_cmd.validate_command)
app.command("import")(data_cmd.import_command)
app.command("export")(data_cmd.export_command)
app.command("simulate")(data_cmd.simulate_command)
app.command("ls")(registry_cmd.ls_command)
app.command("show")(registry_cmd.show_command)
app.command("dictionary")(dictionary_cmd.dictionary_command)
app.command("template")(template_cmd.template_command)
app.add_typer(vocab_cmd.app, name="vocab", help="Search and list the controlled vocabularies.")
app.add_typer(kb_cmd.app, name="kb", help="The curated knowledge base restated from Zhu et al.'s review of "
              "preclinical stem-cell analgesia and tissue repair.")
app.add_typer(appraise_cmd.app, name="appraise", help="Critical appraisal: SYRCLE, ARRIVE 2.0, CAMARADES, "
              "text pre-filling, battery coverage, mechanistic evidence, translational flags.")
app.command("effects")(analysis_cmd.effects_command)
app.command("meta")(meta_cmd.meta_command)
app.command("bias")(meta_cmd.bias_command)
app.command("forest")(forest_cmd.forest_command)
app.command("influence")(forest_cmd.influence_command)
app.command("leave1out")(forest_cmd.leave1out_command)
app.command("dose")(dose_cmd.dose_command)
app.command("dose-meta")(dose_cmd.dose_meta_command)
app.command("demo")(demo_cmd.demo_command)
app.command("report")(demo_cmd.report_command)
app.command("serve")(serve_cmd.serve_command)
app.add_typer(map_cmd.app, name="map", help="Map free-text labels of imported files (SyRF outcome, model, treatment "
              "labels, quality questions, ambiguous controls) to terms once: suggest, edit, apply.")
app.add_typer(power_cmd.app, name="power", help="Power and sample size (t tests, Welch, Dunnett, repeated "
              "measures, assurance from the evidence, MCP-Mod).")
app.add_typer(design_cmd.app, name="design", help="Design the next study: sample size, randomisation, protocol.")
app.add_typer(screen_cmd.app, name="screen", help="Screen publications in duplicate (title/abstract, "
              "full text): criteria, next, decide, conflicts, agreement, SyRF import.")
app.add_typer(reconcile_cmd.app, name="reconcile", help="Extraction and appraisal in duplicate: "
              "compare versions, agree, enter reconciled studies.")
app.command("prisma")(screen_cmd.prisma_command)
app.add_typer(search_cmd.app, name="search", help="Search results: import exports (RIS, BibTeX, nbib, XML, "
              "CSV), find duplicates, record reviewers' merge/distinct decisions.")

app.add_typer(db_cmd.app, name="db", help="The registry database: upgrade its schema (once, before serving), "
              "back it up, restore a backup (SQLite and PostgreSQL).")


app.add_typer(user_cmd.app, name="user", help="Accounts and roles for a shared workbench (painregen serve --auth).")


def main() -> None:
    app()


if __name__ == "__main__":
    main()

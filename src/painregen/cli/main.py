"""The `painregen` command: a thin shell that parses arguments and calls the library.

Commands are loaded lazily: :data:`COMMANDS` names the module and object of each command with its one-line help,
and a command's module is imported only when that command runs (or its own ``--help`` is asked for). So
``painregen --version`` and ``painregen --help`` import none of the scientific stack, and a command pays only for
what it uses (tests/test_cli_startup.py pins this).
"""

from __future__ import annotations

import gc
import importlib
from typing import Any

import typer
from typer.core import TyperGroup

from painregen import __version__

#: command name -> (module, attribute, one-line help); the attribute is a function (a command) or a Typer app
#: (a group of commands)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "validate": ("data_cmd", "validate_command",
                 "Check a file and report every problem at once as file:row:column: message (fix)."),
    "import": ("data_cmd", "import_command", "Validate a file and import it into the registry, all or nothing."),
    "export": ("data_cmd", "export_command", "Export the registry to the template (CSV/XLSX), SyRF, metafor-style "
               "CSV, JSON or a Frictionless package."),
    "simulate": ("data_cmd", "simulate_command",
                 "Write a SIMULATED dataset of virtual studies with known true parameters."),
    "ls": ("registry_cmd", "ls_command", "List the studies in the registry."),
    "show": ("registry_cmd", "show_command",
             "Show one study: experiments, cohorts, outcomes, observation counts and provenance."),
    "dictionary": ("dictionary_cmd", "dictionary_command", "Print the data dictionary: every template column and "
                   "model field, its type, unit and permitted values."),
    "template": ("template_cmd", "template_command",
                 "Write an empty template; see `painregen dictionary` and docs/template.md for how to fill it."),
    "vocab": ("vocab_cmd", "app", "Search and list the controlled vocabularies."),
    "kb": ("kb_cmd", "app", "The curated knowledge base restated from Zhu et al.'s review of preclinical "
           "stem-cell analgesia and tissue repair."),
    "map": ("map_cmd", "app", "Map free-text labels of imported files (SyRF outcome, model, treatment labels, "
            "quality questions, ambiguous controls) to terms once: suggest, edit, apply."),
    "appraise": ("appraise_cmd", "app", "Critical appraisal: SYRCLE, ARRIVE 2.0, CAMARADES, text pre-filling, "
                 "battery coverage, mechanistic evidence, translational flags."),
    "effects": ("analysis_cmd", "effects_command",
                "Compute yi and vi for every comparison (definitions follow metafor's escalc)."),
    "meta": ("meta_cmd", "meta_command",
             "Pool effects (FE or random effects), with meta-regression, subgroups or a multilevel model."),
    "bias": ("meta_cmd", "bias_command",
             "Egger regression, rank correlation, trim-and-fill and fail-safe N (metafor defaults)."),
    "forest": ("forest_cmd", "forest_command", "RevMan-style forest plot: labels, estimate [CI], weights, favours "
               "labels, subgroup and pooled diamonds, PI."),
    "influence": ("forest_cmd", "influence_command", "Case-deletion diagnostics per study (metafor influence: "
                  "rstudent, dffits, cook.d, cov.r, tau2.del, QE.del, hat, weight, dfbetas; inf marks influential "
                  "studies)."),
    "leave1out": ("forest_cmd", "leave1out_command",
                  "The pooled estimate with each study left out in turn (metafor leave1out)."),
    "dose": ("dose_cmd", "dose_command",
             "MCP-Mod (DoseFinding definitions), the minimum effective dose and the dose saturation window."),
    "dose-meta": ("dose_cmd", "dose_meta_command", "Pooled dose-response across studies: restricted cubic splines, "
                  "one-stage or two-stage random-effects model."),
    "power": ("power_cmd", "app", "Power and sample size (t tests, Welch, Dunnett, repeated measures, assurance "
              "from the evidence, MCP-Mod)."),
    "design": ("design_cmd", "app", "Design the next study: sample size, randomisation, protocol."),
    "search": ("search_cmd", "app", "Search results: import exports (RIS, BibTeX, nbib, XML, CSV), find "
               "duplicates, record reviewers' merge/distinct decisions."),
    "screen": ("screen_cmd", "app", "Screen publications in duplicate (title/abstract, full text): criteria, next, "
               "decide, conflicts, agreement, SyRF import."),
    "reconcile": ("reconcile_cmd", "app", "Extraction and appraisal in duplicate: compare versions, agree, enter "
                  "reconciled studies."),
    "prisma": ("screen_cmd", "prisma_command",
               "Draw the PRISMA 2020 flow diagram from the recorded search, deduplication and screening."),
    "demo": ("demo_cmd", "demo_command", "Build a registry from the bundled SIMULATED evidence, run the pipeline "
             "and write OUT/report.html."),
    "report": ("demo_cmd", "report_command", "Write the self-contained HTML report for a registry (or a part of "
               "it: --import, --studies, --project)."),
    "serve": ("serve_cmd", "serve_command",
              "Open the web workbench: upload, map, browse, appraise, analyse, review, download the report."),
    "db": ("db_cmd", "app", "The registry database: upgrade its schema (once, before serving), back it up, restore "
           "a backup (SQLite and PostgreSQL)."),
    "user": ("user_cmd", "app", "Accounts and roles for a shared workbench (painregen serve --auth)."),
}


def load_command(name: str) -> Any:
    """The click command of ``name``, importing its module now."""
    module, attribute, help_text = COMMANDS[name]
    target = getattr(importlib.import_module(f"painregen.cli.{module}"), attribute)
    if isinstance(target, typer.Typer):
        command = typer.main.get_command(target)
        command.help = command.help or help_text
    else:
        single = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
        single.command(name)(target)
        command = typer.main.get_command(single)
    command.name = name
    return command


class LazyGroup(TyperGroup):
    """The root group: commands listed and described from :data:`COMMANDS`, built only when used. Its help is
    formatted plainly (rich formatting would build every command to describe it)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rich_markup_mode = None

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in COMMANDS:
            return None
        if cmd_name not in self.commands:
            self.commands[cmd_name] = load_command(cmd_name)
        return self.commands[cmd_name]

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        limit = formatter.width - 6 - max(len(n) for n in COMMANDS)
        rows = [(name, _short(help_text, limit)) for name, (_, _, help_text) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 3, 10)].rsplit(" ", 1)[0] + "..."


app = typer.Typer(
    name="painregen",
    cls=LazyGroup,
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


def main() -> None:
    try:
        app()
    finally:
        # The process ends here. Its final garbage collection would walk every object of the scientific stack
        # (about 0.5 s after a report) to free memory the operating system takes back anyway; objects frozen are
        # skipped. Files and databases are closed by the commands themselves, and atexit handlers still run.
        gc.freeze()


if __name__ == "__main__":
    main()

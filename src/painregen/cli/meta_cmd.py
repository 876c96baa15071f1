"""`painregen meta` and `painregen bias`: pooling and publication-bias tests on a table of yi and vi."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from painregen.cli.common import console, data_command, err_console, fail, print_json

if TYPE_CHECKING:
    import pandas as pd

METHODS = ("FE", "DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM")
PREDICTORS = ("sei", "vi", "ni", "ninv", "sqrtninv")
ID_COLUMNS = ("study", "experiment", "cohort", "outcome")


def load_effects(file: Path, yi: str, vi: str, extra: list[str]) -> tuple[pd.DataFrame, int]:
    """Rows with yi, vi (and the named columns); rows with empty yi or vi are skipped and counted."""
    from painregen.cli.meta_input import load_effects as load

    data = load(file, yi, vi, extra)
    for w in data.warnings:
        err_console.print(f"warning: {w}", highlight=False, soft_wrap=True)
    return data.frame, data.skipped


def _split(text: str | None, sep: str) -> list[str]:
    return [t.strip() for t in text.split(sep) if t.strip()] if text else []


def _say(messages: list[str]) -> None:
    for m in messages:
        err_console.print(f"warning: {m}", highlight=False, soft_wrap=True)


@data_command
def meta_command(
    file: Path = typer.Argument(..., help="CSV with one effect per row (e.g. the output of `painregen effects`)."),
    yi: str = typer.Option("yi", "--yi", help="Column of effect sizes."),
    vi: str = typer.Option("vi", "--vi", help="Column of sampling variances."),
    method: str = typer.Option("REML", "--method", help="tau2 estimator: " + ", ".join(METHODS) + "."),
    test: str = typer.Option("z", "--test", help="z or knha (Knapp-Hartung)."),
    mods: str | None = typer.Option(
        None, "--mods", help="Moderators: comma-separated columns (a,b) or an R formula such as "
        "\"dose*route + I(dose^2)\" (terms and coefficient names as R's model.matrix)."),
    subgroup: str | None = typer.Option(None, "--subgroup", help="Column defining subgroups."),
    random: str | None = typer.Option(None, "--random", help="Nested random effects, e.g. study/experiment."),
    level: float = typer.Option(95, "--level", help="Confidence level in percent."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object instead of the summary."),
    na_values: str | None = typer.Option(
        None, "--na-values", help="Comma-separated words that mean 'missing' in moderator/subgroup columns "
        "(besides empty cells and NA), e.g. NR,n/a."),
    ref: list[str] = typer.Option(
        [], "--ref", help="Reference level of a categorical moderator: COLUMN=LEVEL (or LEVEL when only one "
        "moderator has it). Repeatable. Default: the first level in R's sort order."),
    btt: str | None = typer.Option(
        None, "--btt", help="Coefficients tested by QM: 1-based positions (2,3 or 2:4) or a pattern matched "
        "against their names (metafor's btt)."),
    compare: str | None = typer.Option(
        None, "--compare", help="Reduced model's moderators (a formula; 1 for none): likelihood-ratio test of "
        "the --mods model against it (metafor's anova(full, reduced))."),
    contrast: list[str] = typer.Option(
        [], "--contrast", help="Linear hypothesis of the coefficients, e.g. \"routeIT - routeIV\" or weights "
        "0,1,-1 (metafor's anova(fit, X=)). Repeatable."),
    robust: str | None = typer.Option(
        None, "--robust", help="Cluster column for cluster-robust tests (CR2 + Satterthwaite df, clubSandwich)."),
    robust_type: str = typer.Option("CR2", "--robust-type", help="CR2 (clubSandwich) or CR1 (metafor robust)."),
    permutations: int | None = typer.Option(
        None, "--permutations", min=1, help="Permutation test with N permutations (exact when N covers them "
        "all; metafor permutest)."),
    seed: int | None = typer.Option(None, "--seed", help="Random seed of --permutations."),
    plot: Path | None = typer.Option(None, "--plot", help="Also draw a forest plot (.svg, .png or .pdf)."),
    random_term: list[str] = typer.Option(
        [], "--random-term", help="metafor random formula, repeatable: \"~ 1 | lab\" (several give crossed "
        "effects), \"~ 1 | study/experiment\", \"~ outcome | cohort\" (with --struct), \"~ dose | study\" "
        "(--struct GEN: random slopes)."),
    struct: str = typer.Option("CS", "--struct", help="Structure of an ~ inner | outer term: CS, HCS, UN, ID, "
                               "DIAG, AR, HAR or GEN (two terms: UN,CS)."),
    dfs: str = typer.Option("residual", "--dfs", help="Degrees of freedom of t tests of multilevel models: "
                            "residual (k - p) or contain (metafor's containment df; implies --test t)."),
    measure: str | None = typer.Option(None, "--measure", help="OR, RR or RD for --method MH (Peto: OR), read "
                                       "from columns ai, bi, ci, di (or ai, ci, n1i, n2i)."),
    correct: bool = typer.Option(True, "--correct/--no-correct", help="Continuity correction of the "
                                 "Cochran-Mantel-Haenszel test (--method MH --measure OR)."),
    add: str | None = typer.Option(None, "--add", help="MH/PETO zero cells: value added (metafor add; two "
                                   "values 0.5,0.5 also adjust the pooled counts). Default 0.5."),
    to: str | None = typer.Option(None, "--to", help="MH/PETO: tables that get --add: only0, all, if0all, none "
                                  "(two values like --add). Default only0."),
    drop00: str | None = typer.Option(None, "--drop00", help="MH/PETO: drop tables without events in both groups "
                                      "(true/false; two values like --add). Default true."),
) -> None:
    """Pool effects (FE or random effects), with meta-regression, subgroups or a multilevel model.

    Also multilevel models with general random terms (--random-term) and Mantel-Haenszel or Peto pooling of 2x2
    tables (--method MH|PETO)."""
    from painregen.cli import meta_extra

    if meta_extra.wanted(method, random_term, dfs, struct, measure):
        given = {"--subgroup": subgroup, "--btt": btt, "--compare": compare, "--contrast": contrast,
                 "--robust": robust, "--permutations": permutations, "--plot": plot, "--ref": ref}
        rare = method.upper() in meta_extra.RARE_METHODS
        if rare:
            given |= {"--mods": mods, "--random": random, "--random-term": random_term}
        meta_extra.run(meta_extra.ExtraRequest(
            file=file, yi=yi, vi=vi, method=method, test=test, mods=mods, random=random, terms=list(random_term),
            struct=struct, dfs=dfs, measure=measure, correct=correct, add=add, to=to, drop00=drop00, level=level,
            json_out=json_out, na_values=_split(na_values, ","), others=[k for k, v in given.items() if v]))
        return
    from painregen import meta
    from painregen.cli import meta_run
    from painregen.cli.meta_input import load_effects as load
    from painregen.cli.meta_input import repeated_rows_warning, unidentified_levels_warning
    from painregen.meta.formula import FormulaError

    method, test = method.upper(), test.lower()
    if method not in METHODS:
        fail(f"unknown method {method!r}; use one of {', '.join(METHODS)}", code=2)
    if test not in ("z", "knha"):
        fail(f"unknown test {test!r}; use z or knha", code=2)
    req = meta_run.MetaRequest(method=method, test=test, level=level, mods=mods, subgroup=subgroup,
                               levels=_split(random, "/"), refs=list(ref), btt=btt, compare=compare,
                               contrasts=list(contrast), robust=robust, robust_type=robust_type.upper(),
                               permutations=permutations, seed=seed)
    try:
        req.check()
        cols = [*req.mod_columns(), *([subgroup] if subgroup else []), *req.levels, *([robust] if robust else [])]
    except (meta_run.UsageError, FormulaError) as exc:
        fail(str(exc), code=2)
    data = load(file, yi, vi, cols, _split(na_values, ","), optional=[*ID_COLUMNS, "label"])
    _say(data.warnings)
    if data.skipped:
        err_console.print(f"skipped {data.skipped} row(s) with missing {yi}/{vi}")
    # a plain pooled model reads only yi and vi: the arrays, without building a DataFrame (pandas loads in ~0.2 s)
    frame = data.frame if (req.reads_table or plot is not None) else data.columns
    dependence_modelled = bool(req.levels or req.robust)
    said = [None if dependence_modelled else repeated_rows_warning(frame, [c for c in ID_COLUMNS if c in frame]),
            unidentified_levels_warning(data.frame, req.levels) if len(req.levels) > 1 else None]
    _say([m for m in said if m])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            res, extras = meta_run.fit(req, frame)
        except meta_run.UsageError as exc:
            fail(str(exc), code=2)
        except (ValueError, meta.ConvergenceError) as exc:
            fail(str(exc))
    _say(meta_run.caught_messages(caught))
    if plot is not None:
        from painregen.cli.forest_cmd import draw_forest

        draw_forest(res, data.frame, subgroup, plot)
    if json_out:
        print_json(meta_run.to_json(res, extras))
    else:
        console.print(meta_run.to_text(res, extras, req.levels), highlight=False, markup=False, soft_wrap=True)


@data_command
def bias_command(
    file: Path = typer.Argument(..., help="CSV with one effect per row."),
    yi: str = typer.Option("yi", "--yi", help="Column of effect sizes."),
    vi: str = typer.Option("vi", "--vi", help="Column of sampling variances."),
    method: str = typer.Option("REML", "--method", help="tau2 estimator of the underlying model."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object instead of the summary."),
    predictor: str = typer.Option(
        "sei", "--predictor", help="Egger test predictor: sei, vi, ni, ninv or sqrtninv (1/sqrt(n), recommended "
        "for SMDs of animal studies; metafor regtest)."),
    ni: str | None = typer.Option(
        None, "--ni", help="Column of total sample sizes for ni/ninv/sqrtninv (default: ni, else n1i + n2i)."),
) -> None:
    """Egger regression, rank correlation, trim-and-fill and fail-safe N (metafor defaults)."""
    from painregen import meta
    from painregen.cli.meta_input import load_effects as load
    from painregen.meta.printing import format_bias

    method, predictor = method.upper(), predictor.lower()
    if method not in METHODS:
        fail(f"unknown method {method!r}; use one of {', '.join(METHODS)}", code=2)
    if predictor not in PREDICTORS:
        fail(f"unknown predictor {predictor!r}; use one of {', '.join(PREDICTORS)}", code=2)
    needs_n = predictor in ("ni", "ninv", "sqrtninv")
    data = load(file, yi, vi, [ni] if (needs_n and ni) else [], optional=["ni", "n1i", "n2i"] if needs_n else [])
    _say(data.warnings)
    if data.skipped:
        err_console.print(f"skipped {data.skipped} row(s) with missing {yi}/{vi}")
    frame = data.frame
    sizes = None
    if needs_n:
        sizes = _sample_sizes(frame, ni)
        if sizes is None:
            fail(f"--predictor {predictor} needs sample sizes: add an 'ni' column (or n1i and n2i) or name one "
                 "with --ni", code=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = meta.bias_report(frame["yi"].to_numpy(), frame["vi"].to_numpy(), method=method,
                                   predictor=predictor, ni=sizes)
        except (ValueError, meta.ConvergenceError) as exc:
            fail(str(exc))
    if json_out:
        print_json(res.to_dict())
    else:
        console.print(format_bias(res), highlight=False, markup=False, soft_wrap=True)


def _sample_sizes(frame: pd.DataFrame, column: str | None) -> Any:
    """Total sample size per row: ``column``, else ``ni``, else ``n1i + n2i``; None when the table has none."""
    if column:
        return frame[column].to_numpy(dtype=float)
    if "ni" in frame.columns:
        return frame["ni"].to_numpy(dtype=float)
    if {"n1i", "n2i"} <= set(frame.columns):
        return (frame["n1i"] + frame["n2i"]).to_numpy(dtype=float)
    return None

"""`painregen dose` (MCP-Mod and the saturation window), `painregen dose-meta` (pooled dose-response across
studies) and `painregen power mct` (power of the MCT). A readable summary by default, one JSON object with
``--json``. Only typer, the standard library and painregen.cli.common are imported at module level."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from painregen.cli.common import console, data_command, fail, print_json

MODELS_HELP = ("Candidate shapes with DoseFinding's guesstimates, comma-separated: linear, linlog, emax:ED50, "
               "sigEmax:ED50/h, exponential:delta, quadratic:delta, betaMod:delta1/delta2, logistic:ED50/delta.")


def default_models(max_dose: float) -> str:
    """A broad default candidate set scaled to the tested doses: saturating, steep, linear and umbrella shapes."""
    return (f"linear,emax:{0.1 * max_dose:.6g},emax:{0.4 * max_dose:.6g},sigEmax:{0.5 * max_dose:.6g}/3,"
            "betaMod:0.5/0.5")


def _negative_dose(x: float) -> tuple[str, str] | None:
    return (f"dose {x:g} is negative", "doses are >= 0 (vehicle = 0)") if x < 0 else None


def _columns(file: Path, names: dict[str, str | None]) -> dict[str, Any]:
    from painregen.evidence.cells import float_column
    from painregen.io.problems import InvalidDataError, Problem
    from painregen.io.tables import read_csv

    table = read_csv(file)
    wanted = {opt: col for opt, col in names.items() if col}
    problems = [Problem(table.file, 1, col, f"column '{col}' is missing", f"name the right column with --{opt}")
                for opt, col in wanted.items() if col not in table.columns]
    if problems:
        raise InvalidDataError(problems)
    out = {opt: float_column(table, col, problems, check=_negative_dose if opt == "dose" else None)
           for opt, col in wanted.items()}
    if problems:
        raise InvalidDataError(problems)
    return out


@data_command
def dose_command(
    file: Path = typer.Argument(..., help="CSV: one row per animal, or (with --se or --sd/--n) one row per dose."),
    dose: str = typer.Option(..., "--dose", help="Column of doses (vehicle = 0)."),
    response: str = typer.Option(..., "--response", help="Column of responses (or group means)."),
    se: str | None = typer.Option(None, "--se", help="Column of standard errors of the group means."),
    sd: str | None = typer.Option(None, "--sd", help="Column of group SDs (with --n)."),
    n: str | None = typer.Option(None, "--n", help="Column of group sizes (with --sd)."),
    models: str | None = typer.Option(None, "--models", help=MODELS_HELP),
    alpha: float = typer.Option(0.025, "--alpha", help="One-sided level of the multiple contrast test."),
    scal: float | None = typer.Option(None, "--scal", help="betaMod scale (default 1.2 x max dose)."),
    off: float | None = typer.Option(None, "--off", help="linlog offset (default 1% of max dose)."),
    fit: str | None = typer.Option(None, "--fit", help="Fit this model only (default: the significant ones)."),
    fit_all: bool = typer.Option(False, "--fit-all", help="Fit every candidate family."),
    select: str = typer.Option("aic", "--select", help="aic, maxT, aveAIC or a model name."),
    delta: float | None = typer.Option(None, "--delta", help="Clinically relevant effect: the MED is its target dose."),
    p: float = typer.Option(0.9, "--p", help="Saturation dose = ED_p, the dose giving p of the maximum effect."),
    direction: str = typer.Option("increasing", "--direction", help="increasing (larger = better) or decreasing."),
    seed: int = typer.Option(2014, "--seed", help="Seed of the bootstrap and permutation steps."),
    plot: Path | None = typer.Option(None, "--plot", help="Write the dose-response figure (.svg, .png or .pdf)."),
    scale: str = typer.Option("linear", "--scale", help="Dose axis of the analysis: linear, or log10 "
                              "(x = log10(1 + dose/offset), vehicle stays 0; the window is reported on both)."),
    log_offset: float | None = typer.Option(None, "--log-offset", help="Offset of the log10 axis (default: a tenth "
                                            "of the lowest positive dose)."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object instead of the summary."),
) -> None:
    """MCP-Mod (DoseFinding definitions), the minimum effective dose and the dose saturation window."""
    import numpy as np

    from painregen.dose.data import from_raw, from_summary
    from painregen.dose.errors import DoseError
    from painregen.dose.mcp_mod import mcp_mod

    if fit and fit_all:
        fail("give --fit MODEL or --fit-all, not both", code=2)
    if direction not in ("increasing", "decreasing"):
        fail("--direction is increasing or decreasing", code=2)
    if bool(sd) != bool(n):
        fail("--sd and --n go together", code=2)
    if scale not in ("linear", "log10"):
        fail("--scale is linear or log10", code=2)
    cols = _columns(file, {"dose": dose, "response": response, "se": se, "sd": sd, "n": n})
    log_scale = None
    try:
        if scale == "log10":
            from painregen.dose.log_scale import LogDoseScale

            log_scale = LogDoseScale.for_doses(cols["dose"], log_offset)
            cols["dose"] = log_scale.forward(cols["dose"])
        if se or sd:
            data = from_summary(cols["dose"], cols["response"], cols.get("se"), sd=cols.get("sd"), n=cols.get("n"))
        else:
            data = from_raw(cols["dose"], cols["response"])
        spec = models or default_models(float(np.max(cols["dose"])))
        res = mcp_mod(data, spec, alpha=alpha, scal=scal, off=off, fit="all" if fit_all else (fit or "significant"),
                      select=select, delta=delta, p=p, direction=direction,  # type: ignore[arg-type]
                      seed=seed)
    except DoseError as exc:
        fail(f"{file.name}: {exc}")
    out = res.to_dict() | {"models": spec}
    extras: dict[str, Any] = {}
    if log_scale is not None:
        from painregen.dose.window import map_window

        mct_p = float(np.min(res.mct.p_adj))
        extras["on_dose_scale"] = map_window(res.window, log_scale.inverse, mct_p)
        out |= {"dose_scale": log_scale.to_dict(), "on_dose_scale": extras["on_dose_scale"].to_dict()}
    if plot is not None:
        from painregen.dose.plots import plot_dose_response

        xlabel = "dose" if log_scale is None else f"log10(1 + dose / {log_scale.offset:g})"
        plot_dose_response(res, xscale="linear" if log_scale else "auto", xlabel=xlabel).savefig(
            plot, bbox_inches="tight")
        out["plot"] = str(plot)
    if json_out:
        print_json(out)
        return
    from painregen.dose.printing import format_mcp_mod

    if plot is not None:
        extras["notes"] = [f"figure written to {plot}"]
    console.print(format_mcp_mod(res, extras), highlight=False, markup=False, soft_wrap=True)


@data_command
def power_mct_command(
    doses: str = typer.Option(..., "--doses", help="Doses of the design, comma-separated, vehicle = 0."),
    models: str = typer.Option(..., "--models", help=MODELS_HELP),
    max_effect: float = typer.Option(..., "--max-effect", help="Maximum effect over vehicle under each shape."),
    sd: float = typer.Option(..., "--sd", help="Residual SD of one animal's response."),
    n: str = typer.Option(..., "--n", help="Animals per group: one number, or one per dose (comma-separated)."),
    alpha: float = typer.Option(0.025, "--alpha", help="One-sided level."),
    scal: float | None = typer.Option(None, "--scal", help="betaMod scale."),
    off: float | None = typer.Option(None, "--off", help="linlog offset."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Power of the multiple contrast test under each candidate shape (DoseFinding powMCT)."""
    from painregen.dose.errors import DoseError
    from painregen.dose.pow_mct import power_mct

    try:
        dose_values = [float(x) for x in doses.split(",") if x.strip()]
        n_values = [float(x) for x in n.split(",") if x.strip()]
    except ValueError:
        fail("--doses and --n take numbers separated by commas", code=2)
    try:
        res = power_mct(dose_values, models, max_effect=max_effect, sd=sd,
                        n=n_values[0] if len(n_values) == 1 else n_values, alpha=alpha, scal=scal, off=off)
    except DoseError as exc:
        fail(str(exc))
    print_json(res.to_dict())


@data_command
def dose_meta_command(
    file: Path | None = typer.Argument(None, help="A dataset file (template, SyRF, JSON); or use --db."),
    db: str | None = typer.Option(None, "--db", help="Registry: a SQLite path or a database URL."),
    measure: str = typer.Option("SMD", "--measure", help="MD, SMD or ROM contrasts against vehicle."),
    domain: str = typer.Option("evoked", "--domain", help="Outcome domain."),
    unit: str = typer.Option("cells", "--unit", help="Dose unit: cells, ug (mg and ng are converted) or particles."),
    basis: str = typer.Option("per-kg", "--basis", help="Doses per-kg body weight (reported weight, else the "
                              "species' typical weight) or per-animal."),
    by: str | None = typer.Option(None, "--by", help="Stratify by comparison column(s), e.g. product, route or "
                                  "product,route."),
    scale: str = typer.Option("auto", "--scale", help="Spline dose scale: auto (log10 when the doses span more than "
                              "a decade, else the scale with the smaller AIC), linear or log10."),
    model: str = typer.Option("one-stage", "--model", help="one-stage (every study; Crippa et al. 2019) or "
                              "two-stage (per-study splines pooled by multivariate meta-analysis)."),
    plot: Path | None = typer.Option(None, "--plot", help="Write the pooled curve(s) with 95% bands (.svg, .png "
                                     "or .pdf)."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object instead of the summary."),
) -> None:
    """Pooled dose-response across studies: restricted cubic splines, one-stage or two-stage random-effects model."""
    from painregen.dose.dataset_dr import dataset_dose_response
    from painregen.evidence.files import read_dataset

    if (file is None) == (db is None):
        fail("give a dataset file or --db, not both", code=2)
    if scale not in ("auto", "linear", "log10"):
        fail("--scale is auto, linear or log10", code=2)
    if basis not in ("per-kg", "per-animal"):
        fail("--basis is per-kg or per-animal", code=2)
    if model not in ("one-stage", "two-stage"):
        fail("--model is one-stage or two-stage", code=2)
    columns = [c.strip() for c in by.split(",") if c.strip()] if by else []
    if db is not None:
        from painregen.registry import open_registry

        if "://" not in db and not Path(db).exists():
            fail(f"no registry at {db}")
        with open_registry(db, create=False) as reg:
            ds = reg.export_dataset()
    else:
        assert file is not None
        ds, _ = read_dataset(file)
    try:
        res = dataset_dose_response(ds, measure=measure.upper(), domain=domain, unit=unit,
                                    basis="per_kg" if basis == "per-kg" else "per_animal",
                                    by=None if not columns else columns[0] if len(columns) == 1 else columns,
                                    scale=scale, model=model)  # type: ignore[arg-type]
    except ValueError as exc:
        fail(str(exc))
    out = res.to_dict()
    if plot is not None:
        from painregen.dose.dataset_dr import dose_axis_label
        from painregen.dose.meta_dr import StratifiedDoseResponse
        from painregen.dose.plots import plot_pooled_curves

        curves = ({k: r.curve for k, r in res.results.items()} if isinstance(res, StratifiedDoseResponse)
                  else {"pooled": res.curve})
        plot_pooled_curves(curves, xlabel=dose_axis_label(unit, "per_kg" if basis == "per-kg" else "per_animal"),
                           ylabel=f"pooled {measure.upper()} vs vehicle ({domain})").savefig(
            plot, bbox_inches="tight")
        out["plot"] = str(plot)
    if json_out:
        print_json(out)
        return
    from painregen.dose.dataset_dr import dose_axis_label as axis
    from painregen.dose.printing import format_dose_meta

    text = format_dose_meta(res, axis(unit, "per_kg" if basis == "per-kg" else "per_animal"))
    console.print(text + (f"\nfigure written to {plot}" if plot is not None else ""), highlight=False,
                  markup=False, soft_wrap=True)
